"""The audit log: append-only, written for every security event, readable by the right roles."""

import re

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import AuditEvent
from tests.factories import PASSWORD


def test_rows_cannot_be_changed_or_deleted(world):
    event = audit_record(action=AuditEvent.Action.LOGIN, actor=world.member)
    event.summary = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_updates(world):
    event = audit_record(action=AuditEvent.Action.LOGIN, actor=world.member)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET summary = 'x' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).summary == ""


def test_login_and_failed_login_are_recorded(world, client):
    client.post(reverse("account_login"), {"login": world.member.email, "password": "wrong"})
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.target_user == world.member and failed.actor is None
    assert failed.ip_address == "127.0.0.1"
    client.post(reverse("account_login"), {"login": world.member.email, "password": PASSWORD})
    assert AuditEvent.objects.filter(action="login", actor=world.member).exists()


def test_failed_logins_are_rate_limited(world, client):
    for _ in range(6):
        client.post(reverse("account_login"), {"login": world.member.email, "password": "wrong"})
    response = client.post(
        reverse("account_login"), {"login": world.member.email, "password": PASSWORD}
    )
    # The right password is refused too: the sign-in form again, with the reason, no session.
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_forged_forwarded_for_does_not_change_the_recorded_address(world, client):
    client.post(
        reverse("account_login"),
        {"login": world.member.email, "password": "wrong"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert AuditEvent.objects.get(action="login_failed").ip_address == "127.0.0.1"


def test_audit_page_filters(world, client_for):
    audit_record(action=AuditEvent.Action.LOGIN, actor=world.member, summary="member-login")
    audit_record(action=AuditEvent.Action.LOGIN, actor=world.member_nz, summary="kiwi-login")
    client = client_for(world.secretariat)
    page = client.get(reverse("audit_log"), {"actor": world.member.pk}).content.decode()
    assert "member-login" in page and "kiwi-login" not in page
    page = client.get(reverse("audit_log"), {"jurisdiction": world.nz.pk}).content.decode()
    assert "kiwi-login" in page and "member-login" not in page
    page = client.get(reverse("audit_log"), {"action": "logout"}).content.decode()
    assert "kiwi-login" not in page


@pytest.mark.parametrize("who", ["focal_point", "member", "observer"])
def test_audit_page_hidden_from_others(world, client_for, who):
    assert client_for(getattr(world, who)).get(reverse("audit_log")).status_code == 404


def test_the_actor_filter_offers_each_visible_actor_once(world, client_for):
    """The actor choices: everyone the reader may see who acted, once each however many events
    they have, and nobody who never acted."""
    from accounts.models import User
    from accounts.policy import visible
    from accounts.selectors import audit_actors

    for _ in range(3):
        audit_record(action=AuditEvent.Action.LOGIN, actor=world.member)
    audit_record(action=AuditEvent.Action.LOGIN, actor=world.observer)
    actors = list(audit_actors(user=world.secretariat))
    assert actors.count(world.member) == 1 and world.observer in actors
    acted = set(AuditEvent.objects.exclude(actor=None).values_list("actor_id", flat=True))
    expected = set(visible(world.secretariat, User).filter(pk__in=acted))
    assert set(actors) == expected
    assert all(user.pk in acted for user in actors)
    page = client_for(world.secretariat).get(reverse("audit_log"))
    assert page.status_code == 200
    actor_select = re.search(r'<select name="actor".*?</select>', page.content.decode(), re.S)
    assert actor_select.group(0).count(f'<option value="{world.member.pk}"') == 1
