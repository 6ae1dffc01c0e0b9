"""The account settings' "API tokens" page: an official lists, makes and revokes their own
personal access tokens; a new token is shown once, stored only as a digest, and audited."""

from __future__ import annotations

import datetime
import html
import re
import zoneinfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import api_tokens
from accounts.models import ApiToken, AuditEvent
from accounts.token_views import NEW_TOKEN_COOKIE
from tests.signing_in import confirm_password

PAGE = "api_tokens"
NEW_TOKEN = re.compile(r'<input[^>]*value="(enclave_[^"]+)"[^>]*data-new-token')


@pytest.fixture
def member_client(world, client):
    client.force_login(world.member, backend="accounts.backends.OfficialBackend")
    confirm_password(client)  # making a token is a sensitive action
    return client


def today_of(user) -> datetime.date:
    """Today where the official is (the page and the service count days in their zone)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(user.timezone))


def make(user, name: str, *, scope: str = "read", days: int = 30) -> tuple[ApiToken, str]:
    with timezone.override(zoneinfo.ZoneInfo(user.timezone)):
        return api_tokens.api_token_create(
            actor=user,
            name=name,
            scope=scope,
            expires_on=today_of(user) + datetime.timedelta(days=days),
        )


def post_new(client, user, **overrides):
    data = {
        "name": "Intranet sync",
        "scope": "read",
        "expires_on": (today_of(user) + datetime.timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return client.post(reverse(PAGE), data)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def shown_token(response) -> str | None:
    match = NEW_TOKEN.search(response.content.decode())
    return html.unescape(match[1]) if match else None


def field_errors(response, field: str) -> list[str]:
    """The errors shown beside `field` (its `<ul class="field__errors" id="id_<field>_error">`)."""
    match = re.search(
        rf'<ul class="field__errors" id="id_{field}_error">(.*?)</ul>',
        response.content.decode(),
        re.S,
    )
    return re.findall(r"<li>(.*?)</li>", html.unescape(match[1])) if match else []


# ------------------------------------------------------------------------------
# The list
# ------------------------------------------------------------------------------


def test_the_page_lists_only_the_officials_own_tokens(world, member_client):
    own, own_raw = make(world.member, "Intranet sync")
    theirs, _ = make(world.member_nz, "Wellington records")
    response = member_client.get(reverse(PAGE))
    assert response.status_code == 200
    text = page_text(response)
    assert "Intranet sync" in text
    assert f"enclave_{own.key}…" in text
    assert "Wellington records" not in text
    assert theirs.key not in text
    # The secret is never listed, only the key.
    assert own_raw.partition(".")[2] not in text
    assert reverse("api_token_revoke", kwargs={"pk": own.pk}) in text
    assert reverse("api_token_revoke", kwargs={"pk": theirs.pk}) not in text


def test_the_page_says_what_tokens_are_and_links_the_api_documentation(world, member_client):
    text = page_text(member_client.get(reverse(PAGE)))
    assert "use Enclave’s API as you" in text
    assert "reaches only what you reach" in text
    assert f'href="{reverse("api:docs")}"' in text
    assert "You have no API tokens yet." in text


def test_each_token_shows_its_details_and_state(world, member_client):
    live, _ = make(world.member, "Intranet sync", scope="write", days=10)
    revoked, _ = make(world.member, "Old calendar")
    api_tokens.api_token_revoke(actor=world.member, token=revoked)
    expired, _ = make(world.member, "Records pilot")
    ApiToken.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=2)
    )
    ApiToken.objects.filter(pk=live.pk).update(last_used_at=timezone.now())
    text = page_text(member_client.get(reverse(PAGE)))

    def row(token) -> str:
        match = re.search(rf'<tr[^>]*data-token="{token.key}">(.*?)</tr>', text, re.S)
        assert match, token.name
        return match[1]

    assert "In use" in row(live) and "Read and write" in row(live)
    assert "Never" not in row(live)
    # Expires: the last day it works, in the official's zone (not the midnight that ends it).
    last_day = today_of(world.member) + datetime.timedelta(days=10)
    assert f'datetime="{last_day.isoformat()}"' in row(live)
    assert re.search(r"Revoked on \d", row(revoked))
    assert "Never" in row(revoked) and "Read" in row(revoked)
    assert "Expired" in row(expired)
    # Only a token in use can be revoked.
    assert "Revoke “Intranet sync”" in re.sub(r"<[^>]+>", "", row(live))
    for ended in (revoked, expired):
        assert reverse("api_token_revoke", kwargs={"pk": ended.pk}) not in row(ended)
        assert "row--muted" in re.search(rf'<tr[^>]*data-token="{ended.key}">', text)[0]


def test_the_settings_navigation_links_the_page(world, member_client):
    link = re.compile(r'<a href="/profile/tokens/"( aria-current="page")?>API tokens</a>')
    profile = link.search(member_client.get(reverse("profile")).content.decode())
    assert profile and profile[1] is None  # there, not marked current
    tokens = link.search(member_client.get(reverse(PAGE)).content.decode())
    assert tokens and tokens[1] == ' aria-current="page"'


def test_the_new_token_form_offers_read_for_90_days_within_a_year(world, member_client):
    page = member_client.get(reverse(PAGE)).content.decode()
    today = today_of(world.member)
    expires = re.search(r'<input type="date" name="expires_on"[^>]*>', page)[0]
    assert f'value="{(today + datetime.timedelta(days=90)).isoformat()}"' in expires
    assert f'min="{(today + datetime.timedelta(days=1)).isoformat()}"' in expires
    assert f'max="{api_tokens.latest_expiry(today).isoformat()}"' in expires
    read = re.search(r'<input type="radio" name="scope" value="read"[^>]*>', page)[0]
    write = re.search(r'<input type="radio" name="scope" value="write"[^>]*>', page)[0]
    assert "checked" in read and "checked" not in write
    assert re.search(r'<input type="text" name="name"[^>]*maxlength="100"[^>]*required', page)


# ------------------------------------------------------------------------------
# Making one
# ------------------------------------------------------------------------------


def test_a_new_token_is_shown_once_stored_hashed_and_audited(world, member_client):
    response = post_new(member_client, world.member, scope="write")
    assert response.status_code == 302 and response.url == reverse(PAGE)
    token = ApiToken.objects.get(user=world.member)
    assert (token.name, token.scope) == ("Intranet sync", "write")

    shown = member_client.get(reverse(PAGE))
    raw = shown_token(shown)
    assert raw is not None and raw.startswith(f"enclave_{token.key}.")
    assert "Copy this token now: it will not be shown again" in page_text(shown)
    assert any("Intranet sync" in str(m) for m in get_messages(shown.wsgi_request))
    # It works: the API resolves it to this token.
    assert api_tokens.api_token_resolve(raw) == token

    # Shown once: its cookie is deleted by the page that shows it, and the page on reload no
    # longer shows it; the session (stored in the database) never held it.
    assert member_client.cookies[NEW_TOKEN_COOKIE].value == ""
    assert raw not in str(dict(member_client.session))
    again = member_client.get(reverse(PAGE))
    assert shown_token(again) is None
    assert raw not in again.content.decode()
    assert "data-new-token" not in again.content.decode()

    # Stored hashed: neither the token nor its secret is anywhere in the database.
    secret = raw.partition(".")[2]
    assert token.digest != secret and secret not in token.digest
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (the test database's own tables)
            for found in cursor.fetchall():
                assert not any(secret in str(value) for value in found), table

    event = AuditEvent.objects.get(action=AuditEvent.Action.API_TOKEN_CREATED)
    assert event.actor == world.member and event.target_user == world.member
    assert token.key in event.summary and secret not in event.summary


def test_a_reload_of_the_post_does_not_show_another_officials_token(world, client):
    """The token waits in its maker's browser, for its maker only: someone else signing in on
    the same browser right after does not see it."""
    client.force_login(world.member, backend="accounts.backends.OfficialBackend")
    confirm_password(client)
    post_new(client, world.member)
    assert client.cookies[NEW_TOKEN_COOKIE].value  # still waiting in this browser
    client.force_login(world.member_nz, backend="accounts.backends.OfficialBackend")
    assert shown_token(client.get(reverse(PAGE))) is None


def _already_named(world):
    make(world.member, "Intranet sync")


BAD_INPUT = {
    "an empty name": (
        {"name": "  "},
        "name",
        "Give the token a name that says where it is used.",
        None,
    ),
    "a name too long": ({"name": "x" * 101}, "name", "at most 100 characters", None),
    "a year and more": (
        {"expires_on": "+400"},
        "expires_on",
        "A token lasts at most a year",
        None,
    ),
    "a day gone by": (
        {"expires_on": "-1"},
        "expires_on",
        "A token expires on a day after today.",
        None,
    ),
    "today": ({"expires_on": "+0"}, "expires_on", "A token expires on a day after today.", None),
    "a name in use": (
        {"name": "Intranet sync"},
        "name",
        "You already have a token of that name: choose another.",
        _already_named,
    ),
    "no scope": ({"scope": "admin"}, "scope", "valid choice", None),
}


@pytest.mark.parametrize(
    ("overrides", "field", "message", "before"), BAD_INPUT.values(), ids=BAD_INPUT.keys()
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_made(
    world, member_client, overrides, field, message, before
):
    if before:
        before(world)
    existing = set(ApiToken.objects.values_list("pk", flat=True))
    created = AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN_CREATED)
    audited = created.count()
    if str(overrides.get("expires_on", "")).startswith(("+", "-")):
        days = int(overrides["expires_on"])
        overrides = {**overrides, "expires_on": today_of(world.member) + datetime.timedelta(days)}
    response = post_new(member_client, world.member, **overrides)
    assert response.status_code == 400
    errors = field_errors(response, field)
    assert any(message in error for error in errors), (errors, page_text(response)[-3000:])
    assert set(ApiToken.objects.values_list("pk", flat=True)) == existing
    assert created.count() == audited
    assert shown_token(response) is None
    assert not member_client.cookies.get(NEW_TOKEN_COOKIE)
    # What was typed is kept.
    if field == "name" and overrides["name"].strip():
        assert f'value="{overrides["name"]}"' in response.content.decode()


def test_too_many_tokens_in_use_is_said_above_the_form(world, member_client, monkeypatch):
    monkeypatch.setattr(api_tokens, "MAX_LIVE_TOKENS", 1)
    make(world.member, "Intranet sync")
    response = post_new(member_client, world.member, name="Records system")
    assert response.status_code == 400
    assert "tokens in use: revoke one" in page_text(response)
    assert ApiToken.objects.filter(user=world.member).count() == 1


# ------------------------------------------------------------------------------
# Revoking one
# ------------------------------------------------------------------------------


def test_an_official_revokes_their_own_token(world, member_client):
    token, raw = make(world.member, "Intranet sync")
    response = member_client.post(reverse("api_token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 302 and response.url == reverse(PAGE)
    token.refresh_from_db()
    assert token.revoked_at is not None and not token.is_live
    assert api_tokens.api_token_resolve(raw) is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.API_TOKEN_REVOKED)
    assert event.actor == world.member and token.key in event.summary
    page = member_client.get(reverse(PAGE))
    messages = [str(m) for m in get_messages(page.wsgi_request)]
    assert any("“Intranet sync” is revoked" in m for m in messages), messages
    assert "Revoked on" in page_text(page)


def test_another_officials_token_is_not_there(world, member_client):
    theirs, raw = make(world.member_nz, "Wellington records")
    response = member_client.post(reverse("api_token_revoke", kwargs={"pk": theirs.pk}))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert api_tokens.api_token_resolve(raw) == theirs
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN_REVOKED).exists()
    # A token that does not exist looks the same.
    missing = ApiToken.objects.order_by("-pk").first().pk + 1
    assert member_client.post(reverse("api_token_revoke", kwargs={"pk": missing})).status_code == (
        404
    )


def test_revoking_twice_says_so(world, member_client):
    token, _ = make(world.member, "Intranet sync")
    url = reverse("api_token_revoke", kwargs={"pk": token.pk})
    member_client.post(url)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    response = member_client.post(url, follow=True)
    assert response.redirect_chain == [(reverse(PAGE), 302)]
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert ("error", "This token was already revoked.") in messages
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first
    assert AuditEvent.objects.filter(action=AuditEvent.Action.API_TOKEN_REVOKED).count() == 1


def test_revoking_is_a_post(world, member_client):
    token, _ = make(world.member, "Intranet sync")
    response = member_client.get(reverse("api_token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_signed_out_the_page_sends_to_sign_in(world, client):
    response = client.get(reverse(PAGE))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    response = client.post(
        reverse(PAGE), {"name": "x", "scope": "read", "expires_on": "2099-01-01"}
    )
    assert response.status_code == 302 and not ApiToken.objects.exists()
