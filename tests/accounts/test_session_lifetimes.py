"""Session lifetimes a security officer asks for: an idle timeout and an absolute lifetime,
signed out at the next request, the open page's clock, and re-authentication before sensitive
actions. (The chat socket's side is in tests/dialogues/chat/test_session_lifetime_socket.py.)"""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import session_lifetime
from accounts.models import AuditEvent, Jurisdiction
from accounts.session_lifetime import ACTIVE_AT, BACKGROUND_HEADER, SIGNED_IN_AT
from tests.signing_in import confirm_password

BACKGROUND = {"headers": {BACKGROUND_HEADER: "1"}}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="accounts.backends.OfficialBackend")
    return client


def set_clocks(client, *, signed_in_ago: float | None = None, active_ago: float | None = None):
    session = client.session
    now = time.time()
    if signed_in_ago is not None:
        session[SIGNED_IN_AT] = int(now - signed_in_ago)
    if active_ago is not None:
        session[ACTIVE_AT] = int(now - active_ago)
    session.save()


def clocks(client) -> tuple[int, int]:
    session = client.session
    return session[SIGNED_IN_AT], session[ACTIVE_AT]


def test_the_defaults_are_what_a_security_officer_asks_for():
    assert settings.ENCLAVE_SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.ENCLAVE_SESSION_MAX_AGE == 12 * 60 * 60
    assert settings.SESSION_COOKIE_AGE == settings.ENCLAVE_SESSION_MAX_AGE


def test_signing_in_starts_both_clocks(world):
    before = int(time.time())
    client = signed_in(world.member)
    started, active = clocks(client)
    assert before <= started == active <= time.time()


def test_an_idle_session_is_signed_out_at_its_next_request(world):
    client = signed_in(world.member)
    idle = settings.ENCLAVE_SESSION_IDLE_TIMEOUT
    set_clocks(client, active_ago=idle + 1)
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response.url == reverse("account_login") + "?next=%2Fprofile%2F"
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == ["You were signed out after a period without activity. Sign in again."]
    event = AuditEvent.objects.filter(target_user=world.member).latest("pk")
    assert event.action == AuditEvent.Action.SESSION_EXPIRED
    assert event.detail == {"lifetime": "idle"}
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGOUT).exists()
    # Signed out for good: the next request is a signed-out one.
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("profile")).url.startswith(reverse("account_login"))


def test_just_inside_the_idle_timeout_the_session_lives_and_the_clock_moves_on(world):
    client = signed_in(world.member)
    set_clocks(client, active_ago=settings.ENCLAVE_SESSION_IDLE_TIMEOUT - 30)
    assert client.get(reverse("profile")).status_code == 200
    assert time.time() - clocks(client)[1] < 5


def test_the_absolute_lifetime_ends_a_busy_session(world):
    client = signed_in(world.member)
    set_clocks(client, signed_in_ago=settings.ENCLAVE_SESSION_MAX_AGE + 1, active_ago=5)
    response = client.get(reverse("home"))
    assert response.url.startswith(reverse("account_login"))
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == ["Your session reached its time limit. Sign in again."]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.SESSION_EXPIRED).get()
    assert event.detail == {"lifetime": "absolute"}


@override_settings(ENCLAVE_SESSION_IDLE_TIMEOUT=120, ENCLAVE_SESSION_MAX_AGE=600)
def test_the_lifetimes_are_settings(world):
    client = signed_in(world.member)
    set_clocks(client, active_ago=121)
    assert client.get(reverse("profile")).status_code == 302
    client = signed_in(world.member)
    set_clocks(client, signed_in_ago=601, active_ago=1)
    assert client.get(reverse("profile")).status_code == 302
    client = signed_in(world.member)
    set_clocks(client, signed_in_ago=590, active_ago=110)
    assert client.get(reverse("profile")).status_code == 200


def test_background_requests_are_not_activity(world):
    client = signed_in(world.member)
    set_clocks(client, active_ago=600)
    _, active = clocks(client)
    assert client.get(reverse("live_counts"), **BACKGROUND).status_code == 200
    assert client.get(reverse("session_status"), **BACKGROUND).status_code == 200
    assert clocks(client)[1] == active
    client.get(reverse("live_counts"))  # the same request, sent by the official
    assert clocks(client)[1] > active


def test_activity_is_written_at_most_once_a_minute(world):
    client = signed_in(world.member)
    set_clocks(client, active_ago=20)
    _, active = clocks(client)
    client.get(reverse("profile"))
    assert clocks(client)[1] == active


def test_a_lapsed_sessions_background_request_gets_a_401_and_htmx_a_redirect(world):
    client = signed_in(world.member)
    set_clocks(client, active_ago=settings.ENCLAVE_SESSION_IDLE_TIMEOUT + 1)
    response = client.get(reverse("session_status"), **BACKGROUND)
    assert response.status_code == 401
    assert response.json()["signed_out"] is True
    client = signed_in(world.member)
    set_clocks(client, active_ago=settings.ENCLAVE_SESSION_IDLE_TIMEOUT + 1)
    response = client.get(reverse("notifications"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(reverse("account_login") + "?next=")


def test_a_lapsed_session_calling_the_api_gets_a_401_not_a_sign_in_page(world):
    client = signed_in(world.member)
    set_clocks(client, active_ago=settings.ENCLAVE_SESSION_IDLE_TIMEOUT + 1)
    response = client.get("/api/v1/me/", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert client.get("/api/v1/me/", headers={"Accept": "application/json"}).status_code == 401


def test_an_htmx_request_brings_the_official_back_to_the_page_not_the_fragment(world):
    client = signed_in(world.member)
    set_clocks(client, active_ago=settings.ENCLAVE_SESSION_IDLE_TIMEOUT + 1)
    response = client.get(
        reverse("notifications") + "?fragment=1",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/w/offsets/?tab=2"},
    )
    assert response["HX-Redirect"] == reverse("account_login") + "?next=%2Fw%2Foffsets%2F%3Ftab%3D2"


def test_the_stored_session_and_its_cookie_end_at_the_absolute_limit(world):
    client = signed_in(world.member)
    end = client.session.get_expiry_date()
    expected = timezone.now() + datetime.timedelta(seconds=settings.ENCLAVE_SESSION_MAX_AGE)
    assert abs((end - expected).total_seconds()) < 5
    set_clocks(client, active_ago=120)
    response = client.get(reverse("profile"))  # activity is written: the end does not move
    assert client.session.get_expiry_date() == end
    cookie = response.cookies.get(settings.SESSION_COOKIE_NAME)
    assert cookie is not None and int(cookie["max-age"]) <= settings.ENCLAVE_SESSION_MAX_AGE


def test_a_lapsed_post_changes_nothing(world):
    client = signed_in(world.member)
    set_clocks(client, active_ago=settings.ENCLAVE_SESSION_IDLE_TIMEOUT + 1)
    response = client.post(reverse("profile"), {"full_name": "Changed after the timeout"})
    assert response.url == reverse("account_login")
    world.member.refresh_from_db()
    assert world.member.full_name != "Changed after the timeout"


def test_the_page_asks_how_long_it_has_and_may_stay_signed_in(world):
    client = signed_in(world.member)
    set_clocks(client, signed_in_ago=3600, active_ago=1700)
    left = client.get(reverse("session_status"), **BACKGROUND).json()
    idle = settings.ENCLAVE_SESSION_IDLE_TIMEOUT
    assert idle - 1700 - 3 <= left["idle"] <= idle - 1700
    assert left["absolute"] >= settings.ENCLAVE_SESSION_MAX_AGE - 3600 - 3
    assert left["warning"] == settings.ENCLAVE_SESSION_WARNING
    stayed = client.post(reverse("session_status"), **BACKGROUND).json()
    assert stayed["idle"] >= idle - 2
    assert stayed["absolute"] <= left["absolute"]  # staying never moves the absolute end


def test_the_clock_is_not_kept_for_an_official_without_standing(world):
    """Standing is asked before the clock's door (the account's lack signs the session out):
    the page's script reads the redirect as the end of its session."""
    login = reverse("account_login")
    for method in ("get", "post"):
        client = signed_in(world.former_official)
        response = getattr(client, method)(reverse("session_status"), **BACKGROUND)
        assert response.status_code == 302 and response.url.startswith(login)


def test_every_signed_in_page_carries_its_clock_and_the_warning(world):
    client = signed_in(world.member)
    set_clocks(client, signed_in_ago=7200)
    page = client.get(reverse("home")).content.decode()
    assert "data-session-lifetime" in page and "js/session.js" in page
    absolute = settings.ENCLAVE_SESSION_MAX_AGE - 7200
    shown = int(re.search(r'data-absolute="(\d+)"', page).group(1))
    assert absolute - 10 <= shown <= absolute
    signed_out = Client().get(reverse("account_login")).content.decode()
    assert "data-session-lifetime" not in signed_out and "session.js" not in signed_out


def test_the_lapse_rule_itself():
    now = 1_000_000.0
    idle, limit = settings.ENCLAVE_SESSION_IDLE_TIMEOUT, settings.ENCLAVE_SESSION_MAX_AGE
    fresh = {SIGNED_IN_AT: now, ACTIVE_AT: now}
    assert session_lifetime.lapse(fresh, now + idle - 1) is None
    assert session_lifetime.lapse(fresh, now + idle) is session_lifetime.Lapse.IDLE
    busy = {SIGNED_IN_AT: now, ACTIVE_AT: now + limit - 10}
    assert session_lifetime.lapse(busy, now + limit - 1) is None
    assert session_lifetime.lapse(busy, now + limit) is session_lifetime.Lapse.ABSOLUTE
    assert session_lifetime.deadline(fresh) == now + min(idle, limit)
    assert session_lifetime.lapse({}, now) is None  # clocks never started: started at once
    started = {}
    assert session_lifetime.touch(started, now) and session_lifetime.lapse(started, now) is None


# ---------------------------------------------------------------- re-authentication


def token_form(name: str) -> dict:
    return {
        "name": name,
        "scope": "read",
        "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
    }


def test_creating_an_api_token_asks_for_the_password_again_then_goes_on(world):
    client = signed_in(world.member)
    form = token_form("Intranet")
    response = client.post(reverse("api_tokens"), form)
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not world.member.api_tokens.exists()
    # allauth keeps the suspended POST and sends it once the password is confirmed.
    done = client.post(response.url, {"password": "correct horse battery staple"}, follow=True)
    assert done.status_code == 200
    assert world.member.api_tokens.filter(name="Intranet").exists()


def test_changing_a_jurisdictions_status_asks_for_the_password_again(world):
    client = signed_in(world.cochair)
    url = reverse("jurisdiction_status", kwargs={"code": "nz"})
    response = client.post(url, {"status": "observer", "reason": "A pause."})
    assert response.url.startswith(reverse("account_reauthenticate"))
    world.nz.refresh_from_db()
    assert world.nz.status == Jurisdiction.Status.FULL_MEMBER
    confirm_password(client)
    client.post(url, {"status": "observer", "reason": "A pause."})
    world.nz.refresh_from_db()
    assert world.nz.status == Jurisdiction.Status.OBSERVER


def test_who_may_not_change_a_status_is_refused_without_being_asked_for_a_password(world):
    client = signed_in(world.member)
    response = client.post(
        reverse("jurisdiction_status", kwargs={"code": "nz"}), {"status": "observer"}
    )
    assert response.status_code == 404  # the policy's answer, not a password prompt
    world.nz.refresh_from_db()
    assert world.nz.status == Jurisdiction.Status.FULL_MEMBER


def test_adding_a_second_factor_asks_for_the_password_again(world):
    client = signed_in(world.member)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.url.startswith(reverse("account_reauthenticate"))
    confirm_password(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


@override_settings(ACCOUNT_REAUTHENTICATION_TIMEOUT=300)
def test_a_confirmation_lasts_only_a_few_minutes(world, monkeypatch):
    client = signed_in(world.member)
    confirm_password(client)
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    form = token_form("Later")
    response = client.post(reverse("api_tokens"), form)
    assert response.url.startswith(reverse("account_reauthenticate"))


@pytest.mark.parametrize("lifetime", ["idle", "absolute"])
def test_a_session_ended_by_its_lifetime_is_deleted_from_the_store(world, lifetime):
    from django.contrib.sessions.models import Session

    client = signed_in(world.member)
    key = client.session.session_key
    if lifetime == "idle":
        set_clocks(client, active_ago=settings.ENCLAVE_SESSION_IDLE_TIMEOUT + 1)
    else:
        set_clocks(client, signed_in_ago=settings.ENCLAVE_SESSION_MAX_AGE + 1)
    client.get(reverse("home"))
    assert not Session.objects.filter(session_key=key).exists()


def test_a_refusal_comes_before_the_password_is_asked(world):
    """Asked for the password only to be refused after it would waste the official's time."""
    from accounts.api_tokens import MAX_LIVE_TOKENS, api_token_create
    from privacy.models import DataExport

    client = signed_in(world.member)
    for n in range(20):
        api_token_create(
            actor=world.member,
            name=f"Script {n}",
            scope="read",
            expires_on=timezone.localdate() + datetime.timedelta(days=30),
        )
    response = client.post(reverse("api_tokens"), token_form("One too many"))
    assert response.status_code == 400  # the form again, with why
    assert not response.has_header("Location")
    assert str(MAX_LIVE_TOKENS) in response.content.decode()
    DataExport.objects.create(user=world.member)  # one being prepared
    response = client.post(reverse("my_data"))
    assert response.url == reverse("my_data")
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said and said[0].startswith("Your data is already being prepared")
