"""Malformed input to the API never becomes a server error, and changes nothing: every route,
with malformed values in each query parameter it reads, each field of its JSON body, the body
itself, and each path argument."""

import pytest
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse

from config.route_rules import iter_routes, rule_for
from dialogues.models import ChatMessage, Post
from tests.config.test_malformed_params import MALFORMED
from tests.every_door.test_route_guard import api_url_for, objects  # noqa: F401  (a fixture)

from .conftest import make_token

QUERY = ("since", "until", "limit", "cursor", "after", "before", "version")
# Past the calendar once in UTC; cursors that were not given out (one that DRF would read).
ODD_QUERY = {
    "since": ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:00", "2026-02-30"],
    "until": ["9999-12-31T23:00:00-05:00"],
    "cursor": ["cD05OTk5LTEyLTMxVDIzOjU5OjU5LTIzOjU5", "cD0lMDA=", "x" * 5000],
}
BODIES = {
    "api:post-list": {"body": "A reply", "parent": None},
    "api:chat-messages": {"body": "A line", "client_id": "2f0e2d3c-4b5a-4697-8877-665544332211"},
    "api:notifications-read": {"ids": [1]},
    "api:document-acknowledge": {},
}
ODD_VALUES = [*MALFORMED.values(), None, 10**30, -(10**30), 1.5, [], {}, [None], ["x"], True, ""]
RAW_BODIES = [b"{", b"[]", b'"text"', b"null", b"\xff\xfe", b'{"body": "\x00"}', b"1e999"]


def _api_routes():
    return [
        (name, pattern)
        for name, _, pattern in iter_routes()
        if name.startswith("api:") and rule_for(name).access.startswith("api")
    ]


@pytest.fixture
def unthrottled():
    """Hundreds of requests from one token: past the rate limit, every answer would be a 429."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES = {"api": "100000/min", "api_write": "100000/min"}
    yield
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


@pytest.mark.django_db
def test_malformed_api_input_never_causes_a_server_error(world, objects, unthrottled):  # noqa: F811
    errors = []

    def remember(sender, request=None, **kwargs):
        import sys

        errors.append(f"{request.get_full_path()}: {sys.exc_info()[1]!r}"[:300])

    raw = make_token(world.secretariat, scope="write")[1]
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")
    failures = []
    posts, messages = Post.objects.count(), ChatMessage.objects.count()

    def check(method, url, data=None, raw_body=None):
        with transaction.atomic():
            if method == "GET":
                response = client.get(url, data or {})
            elif raw_body is not None:
                response = client.post(url, raw_body, content_type="application/json")
            else:
                response = client.post(url, data, content_type="application/json")
            transaction.set_rollback(True)
        assert response.status_code != 429, "throttled: the check would see nothing"
        if response.status_code >= 500:
            failures.append(f"{method} {url} {data!r}{raw_body!r}: {response.status_code}")
        elif method == "POST" and response.status_code >= 400:
            assert response.json()["detail"], (url, data, raw_body)

    got_request_exception.connect(remember)
    try:
        for name, pattern in _api_routes():
            rule = rule_for(name)
            url = api_url_for(name, pattern, objects)
            for key in QUERY:
                for value in [*MALFORMED.values(), *ODD_QUERY.get(key, [])]:
                    check("GET", url, {key: value})
            if "POST" in rule.methods:
                valid = BODIES.get(name, {})
                for key in valid:
                    for value in ODD_VALUES:
                        check("POST", url, {**valid, key: value})
                for body in RAW_BODIES:
                    check("POST", url, raw_body=body)
            kwargs = resolve(url).kwargs
            for argument in kwargs:
                for value in ("9" * 30, "0"):
                    if argument == "slug":
                        value = "no-such-dialogue"
                    path = reverse(name, kwargs={**kwargs, argument: value})
                    for method in rule.methods:
                        check(method, path, BODIES.get(name, {}) if method == "POST" else None)
    finally:
        got_request_exception.disconnect(remember)
    assert not failures, "\n".join(failures + errors)
    assert (Post.objects.count(), ChatMessage.objects.count()) == (posts, messages)
