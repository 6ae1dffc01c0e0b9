"""Personal access tokens: made, used, refused and revoked, and stopping at once with their
official's standing."""

import datetime
import json
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import api_tokens
from accounts.models import ApiToken, AuditEvent, Jurisdiction
from tests.factories import UserFactory

from .conftest import TokenClient, make_token

ME = "/api/v1/me/"


def test_a_token_is_shown_once_and_stored_only_as_a_digest(world):
    token, raw = make_token(world.member, scope="read", name="Intranet")
    assert raw.startswith(f"enclave_{token.key}.")
    secret = raw.split(".", 1)[1]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(secret in str(value) for value in stored.values())
    assert token.digest != secret and len(token.digest) == 64
    assert TokenClient(raw).get(ME).json()["token"]["name"] == "Intranet"
    event = AuditEvent.objects.get(action=AuditEvent.Action.API_TOKEN_CREATED)
    assert event.actor == world.member and token.key in event.summary
    assert secret not in json.dumps(event.detail) and secret not in event.summary


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"days": 0}, "expires_on"),
        ({"days": -3}, "expires_on"),
        ({"days": 367}, "expires_on"),
    ],
)
def test_bad_input_makes_no_token(world, change, field):
    arguments = {"name": "Records", "scope": "read", "days": 30} | change
    days = arguments.pop("days")
    with pytest.raises(ValidationError) as refused:
        api_tokens.api_token_create(
            actor=world.member,
            expires_on=timezone.localdate() + datetime.timedelta(days=days),
            **arguments,
        )
    assert field in refused.value.error_dict
    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN_CREATED).exists()


def test_a_token_lasts_at_most_a_year(world):
    last = api_tokens.latest_expiry()
    token, _raw = api_tokens.api_token_create(
        actor=world.member, name="Year", scope="read", expires_on=last
    )
    assert token.expires_at - timezone.now() <= datetime.timedelta(days=367)
    assert api_tokens.latest_expiry(datetime.date(2028, 2, 29)) == datetime.date(2029, 2, 28)


def test_names_are_unique_among_live_tokens_and_free_again_after_revocation(world):
    token, _raw = make_token(world.member, name="Calendar")
    with pytest.raises(ValidationError):
        make_token(world.member, name="Calendar")
    make_token(world.focal_point, name="Calendar")  # another official's
    api_tokens.api_token_revoke(actor=world.member, token=token)
    make_token(world.member, name="Calendar")


def test_an_official_without_standing_makes_no_token(world):
    for user in (world.former_official, world.deactivated):
        with pytest.raises(PermissionDenied):
            make_token(user)
    assert not ApiToken.objects.exists()


def test_there_is_a_limit_of_live_tokens(world, monkeypatch):
    monkeypatch.setattr(api_tokens, "MAX_LIVE_TOKENS", 2)
    make_token(world.member, name="a")
    make_token(world.member, name="b")
    with pytest.raises(ValidationError) as refused:
        make_token(world.member, name="c")
    assert "__all__" in refused.value.error_dict


def _refused(raw):
    response = TokenClient(raw).get(ME)
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    return response.json()["detail"]


def test_unknown_wrong_revoked_and_expired_tokens_get_the_same_refusal(world):
    token, raw = make_token(world.member)
    key, secret = raw.removeprefix("enclave_").split(".")
    answers = {
        "wrong secret": _refused(f"enclave_{key}.{secret[:-2]}xx"),
        "unknown key": _refused(f"enclave_{'0' * 12}.{secret}"),
        "malformed": _refused("enclave_nonsense"),
        "overlong": _refused("enclave_" + "a" * 500),
    }
    api_tokens.api_token_revoke(actor=world.member, token=token)
    answers["revoked"] = _refused(raw)
    _expired, old = make_token(world.member, name="old")
    ApiToken.objects.filter(name="old").update(expires_at=timezone.now())
    answers["expired"] = _refused(old)
    assert len(set(answers.values())) == 1, answers


def test_revocation_is_the_owners_and_audited(world):
    token, raw = make_token(world.member)
    with pytest.raises(PermissionDenied):
        api_tokens.api_token_revoke(actor=world.focal_point, token=token)
    assert TokenClient(raw).get(ME).status_code == 200
    api_tokens.api_token_revoke(actor=world.member, token=token)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.API_TOKEN_REVOKED, actor=world.member
    ).exists()
    with pytest.raises(ValidationError):
        api_tokens.api_token_revoke(actor=world.member, token=token)
    _refused(raw)


def _suspend(user):
    user.access_review_on = timezone.localdate() - datetime.timedelta(days=1)
    user.save()


def _deactivate(user):
    user.is_active = False
    user.save()


def _make_former(user):
    Jurisdiction.objects.filter(pk=user.jurisdiction_id).update(status=Jurisdiction.Status.FORMER)


def _require_second_factor(user, settings):
    settings.ENCLAVE_MFA_REQUIRED_FOR_ALL = True


@pytest.mark.parametrize(
    "lose", [_suspend, _deactivate, _make_former, _require_second_factor], ids=lambda f: f.__name__
)
def test_a_token_stops_at_once_when_its_official_loses_standing(world, dialogue, settings, lose):
    _token, raw = make_token(world.member, scope="write")
    client = TokenClient(raw)
    threads = reverse("api:thread-list", kwargs={"slug": "offsets"})
    assert client.get(threads).status_code == 200
    if lose is _require_second_factor:
        lose(world.member, settings)
    else:
        lose(world.member)
    assert client.get(threads).status_code == 401
    assert client.get(ME).status_code == 401
    reply = client.post(
        reverse("api:post-list", kwargs={"slug": "offsets", "pk": dialogue.public_thread.pk}),
        {"body": "Still here?"},
        content_type="application/json",
    )
    assert reply.status_code == 401
    assert not dialogue.public_thread.posts.filter(body_source="Still here?").exists()


def test_a_read_token_writes_nothing(world, dialogue):
    _token, raw = make_token(world.member, scope="read")
    url = reverse("api:post-list", kwargs={"slug": "offsets", "pk": dialogue.public_thread.pk})
    response = TokenClient(raw).post(url, {"body": "Hi"}, content_type="application/json")
    assert response.status_code == 403
    assert "read" in response.json()["detail"]
    assert not dialogue.public_thread.posts.filter(body_source="Hi").exists()


def test_use_from_a_new_address_is_audited_and_last_use_written_at_most_once_a_minute(world):
    token, raw = make_token(world.member)
    client = TokenClient(raw)
    new_address = AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN_NEW_ADDRESS)
    client.get(ME, REMOTE_ADDR="192.0.2.1")
    client.get(ME, REMOTE_ADDR="192.0.2.1")
    assert new_address.count() == 1
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None and token.last_address == "192.0.2.1"
    client.get(ME, REMOTE_ADDR="192.0.2.1")
    token.refresh_from_db()
    assert token.last_used_at == first_use  # within the minute: not written again
    ApiToken.objects.filter(pk=token.pk).update(
        last_used_at=first_use - datetime.timedelta(minutes=2)
    )
    client.get(ME, REMOTE_ADDR="192.0.2.1")
    token.refresh_from_db()
    assert token.last_used_at > first_use
    client.get(ME, REMOTE_ADDR="198.51.100.7")
    assert new_address.count() == 2
    assert new_address.order_by("pk").last().ip_address == "198.51.100.7"


def test_every_request_is_logged_with_the_tokens_name(world, caplog):
    _token, raw = make_token(world.member, name="Records archive")
    with caplog.at_level(logging.INFO, logger="enclave.request"):
        TokenClient(raw).get(ME)
    lines = [r for r in caplog.records if r.name == "enclave.request"]
    assert lines and lines[-1].fields["token"] == "Records archive"
    assert lines[-1].fields["user"] == world.member.pk
    assert raw.split(".", 1)[1] not in json.dumps(lines[-1].fields)


def test_requests_are_rate_limited_per_token(world, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = dict(api_settings.DEFAULT_THROTTLE_RATES, api="3/min")
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        _a, first = make_token(world.member, name="first")
        _b, second = make_token(world.member, name="second")
        statuses = [TokenClient(first).get(ME).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert TokenClient(second).get(ME).status_code == 200  # its own count
        limited = TokenClient(first).get(ME)
        assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    finally:
        SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_the_session_of_a_standing_less_official_is_not_an_api_credential(world, client_for):
    client = client_for(world.member)
    assert client.get(ME).status_code == 200
    _suspend(world.member)
    assert client.get(ME).status_code in (401, 403)


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Token abc"])
def test_a_malformed_header_is_refused_plainly(world, client, header):
    response = client.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_second_user_token_cannot_act_as_the_first(world, dialogue):
    """A token is its official, never more: another's thread reply comes from its owner."""
    _token, raw = make_token(UserFactory(jurisdiction=world.eu), scope="write")
    url = reverse("api:post-list", kwargs={"slug": "offsets", "pk": dialogue.public_thread.pk})
    response = TokenClient(raw).post(url, {"body": "Mine"}, content_type="application/json")
    assert response.status_code == 201
    post = dialogue.public_thread.posts.get(body_source="Mine")
    assert post.author.api_tokens.exists() and post.author != world.member


def test_an_address_sending_refused_tokens_is_refused_for_a_while(world, settings, monkeypatch):
    settings.ENCLAVE_API_FAILURES_PER_MINUTE = 3
    # Windows are clock-aligned: a minute could turn over mid-test and reset the count.
    monkeypatch.setattr("api.authentication.FAILURE_WINDOW", 3600)
    _token, raw = make_token(world.member)
    wrong = TokenClient(raw[:-3] + "xyz")
    assert [wrong.get(ME).status_code for _ in range(4)] == [401, 401, 401, 429]
    # Even the right token, from that address, until the minute is over; another address is
    # not held back.
    assert TokenClient(raw).get(ME).status_code == 429
    assert TokenClient(raw).get(ME, REMOTE_ADDR="198.51.100.9").status_code == 200


def test_an_expired_tokens_name_is_free_again(world):
    old, _raw = make_token(world.member, name="Calendar")
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now())
    make_token(world.member, name="Calendar")
    old.refresh_from_db()
    assert old.revoked_at == old.expires_at  # closed when it ended, not "revoked" by anyone
