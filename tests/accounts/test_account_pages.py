"""allauth's account features, in the site's own layout: sessions, password reset, email, time."""

import datetime
import re

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from tests.factories import PASSWORD


def sign_in(user, **headers) -> Client:
    client = Client(**headers)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


@pytest.mark.parametrize(
    "name", ["account_login", "account_reset_password", "account_signup", "account_inactive"]
)
def test_allauth_pages_use_the_site_layout(db, client, name):
    html = client.get(reverse(name)).content.decode()
    assert re.search(r'<html lang="en"', html)
    assert html.count("<main") == 1
    assert "/static/css/enclave.css" in html


def test_login_page_offers_no_signup(db, client):
    html = client.get(reverse("account_login")).content.decode()
    assert reverse("account_signup") not in html
    assert "invitation" in html.lower()


def test_user_sees_and_ends_other_sessions(world, django_capture_on_commit_callbacks):
    laptop = sign_in(world.member, HTTP_USER_AGENT="Laptop browser")
    phone = sign_in(world.member, HTTP_USER_AGENT="Phone browser")
    assert UserSession.objects.filter(user=world.member).count() == 2
    page = laptop.get(reverse("usersessions_list")).content.decode()
    assert "Laptop browser" in page and "Phone browser" in page
    laptop.post(reverse("usersessions_list"))
    assert UserSession.objects.filter(user=world.member).count() == 1
    assert laptop.get(reverse("home")).status_code == 200
    assert phone.get(reverse("home")).status_code == 302
    event = AuditEvent.objects.get(action="session_ended")
    assert event.actor == world.member and event.target_user == world.member


def test_password_reset_mails_only_real_accounts(world, client):
    client.post(reverse("account_reset_password"), {"email": world.member.email})
    assert len(mail.outbox) == 1
    assert "password" in mail.outbox[0].subject.lower()
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    new_password = "an-entirely-new-passphrase-77"
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"password1": new_password, "password2": new_password},
    )
    assert done.status_code == 302
    world.member.refresh_from_db()
    assert world.member.check_password(new_password)
    assert AuditEvent.objects.filter(action="password_reset", target_user=world.member).exists()


def test_email_change_needs_verification(world):
    client = sign_in(world.member)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "moved@example.test"}
    )
    assert response.status_code == 302
    world.member.refresh_from_db()
    assert world.member.email == "member@example.test"
    assert any("moved@example.test" in m.to for m in mail.outbox)


def test_times_are_shown_in_the_users_time_zone(world, client_for):
    moment = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=datetime.UTC)
    AuditEvent.objects.create(action="login", created_at=moment, summary="fixed-time")
    world.secretariat.timezone = "Pacific/Auckland"
    world.secretariat.save()
    page = client_for(world.secretariat).get(reverse("audit_log")).content.decode()
    assert "01:00" in page and "12:00" not in page  # 01:00 the next day in Auckland (NZDT)


def test_profile_changes_time_zone_and_refuses_nonsense(world, client_for):
    client = client_for(world.member)
    client.post(reverse("profile"), {"full_name": "Camille L.", "timezone": "Asia/Seoul"})
    world.member.refresh_from_db()
    assert world.member.timezone == "Asia/Seoul" and world.member.full_name == "Camille L."
    response = client.post(reverse("profile"), {"full_name": "X", "timezone": "Mars/Olympus"})
    assert response.status_code == 200
    world.member.refresh_from_db()
    assert world.member.timezone == "Asia/Seoul"


def test_session_activity_is_written_at_most_once_a_minute(world):
    from django.core.cache import cache

    laptop = sign_in(world.member, HTTP_USER_AGENT="Laptop browser")
    row = UserSession.objects.get(user=world.member)
    seen = row.last_seen_at
    for _ in range(3):
        assert laptop.get(reverse("home")).status_code == 200
    row.refresh_from_db()
    first = row.last_seen_at
    assert first is not None and (seen is None or first >= seen)
    laptop.get(reverse("home"))
    row.refresh_from_db()
    assert row.last_seen_at == first  # within the minute: no write
    cache.clear()  # the minute has passed
    laptop.get(reverse("home"), REMOTE_ADDR="10.0.0.9")
    row.refresh_from_db()
    assert row.last_seen_at > first and row.ip == "10.0.0.9"
