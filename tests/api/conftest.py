"""Clients of the API: a token made through the service, sent as a script sends it."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.api_tokens import api_token_create


def make_token(user, *, scope="read", name=None, days=30):
    token, raw = api_token_create(
        actor=user,
        name=name or f"script {timezone.now().timestamp()}",
        scope=scope,
        expires_on=timezone.localdate() + datetime.timedelta(days=days),
    )
    return token, raw


class TokenClient(Client):
    """A client that sends a token with every request and no cookie."""

    def __init__(self, raw: str, **kwargs):
        super().__init__(HTTP_AUTHORIZATION=f"Bearer {raw}", **kwargs)

    def post_json(self, path, data=None, **extra):
        return self.post(path, data or {}, content_type="application/json", **extra)


@pytest.fixture
def api_for(db):
    """api_for(user, scope="read") -> a client holding a new token of `user`."""

    def make(user, scope="read"):
        _token, raw = make_token(user, scope=scope)
        client = TokenClient(raw)
        client.raw_token = raw
        return client

    return make
