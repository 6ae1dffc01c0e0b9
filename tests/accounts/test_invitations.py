"""Invitation-only accounts: creation, acceptance and every refusal."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import AuditEvent, Invitation, User

STRONG = "a-long-and-unusual-passphrase-42"


def invite(world, email="new@example.test", role="official", jurisdiction="eu", actor=None):
    jurisdiction = getattr(world, jurisdiction) if jurisdiction else None
    with pytest.MonkeyPatch.context():
        return services.invitation_create(
            actor=actor or world.cochair,
            email=email,
            full_name="New Official",
            jurisdiction=jurisdiction,
            role=role,
        )


def accept_url(token):
    return reverse("invitation_accept", kwargs={"token": token})


def form(email="new@example.test", password=STRONG):
    return {
        "email": email,
        "full_name": "New Official",
        "password1": password,
        "password2": password,
    }


def test_invitation_email_carries_a_working_single_use_link(
    world, client, django_capture_on_commit_callbacks, settings
):
    settings.ENCLAVE_SITE_URL = "https://enclave.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invite(world)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.test"]
    link = re.search(r"https://enclave\.example\.org\S+", message.body).group(0)
    assert link == "https://enclave.example.org" + accept_url(token)
    assert token not in invitation.token_hash

    response = client.post(accept_url(token), form())
    assert response.status_code == 302
    user = User.objects.get(email="new@example.test")
    assert user.jurisdiction == world.eu
    assert user.groups.filter(pk=world.eu.group_id).exists()
    assert EmailAddress.objects.get(user=user).verified
    assert int(client.session["_auth_user_id"]) == user.pk
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.ACCEPTED
    assert AuditEvent.objects.filter(action="invitation_accepted", target_user=user).exists()

    client.logout()
    again = client.post(accept_url(token), form())
    assert again.status_code == 404
    assert "already been used" in again.content.decode()
    assert User.objects.filter(email="new@example.test").count() == 1


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda i: setattr(i, "revoked_at", timezone.now()), "revoked"),
        (
            lambda i: setattr(i, "expires_at", timezone.now() - datetime.timedelta(minutes=1)),
            "expired",
        ),
    ],
)
def test_revoked_or_expired_invitation_creates_nothing(world, client, spoil, message):
    invitation, token = invite(world)
    spoil(invitation)
    invitation.save()
    users_before = User.objects.count()
    response = client.post(accept_url(token), form())
    assert response.status_code == 404
    assert message in response.content.decode()
    assert User.objects.count() == users_before


def test_unknown_token_is_refused(world, client):
    response = client.get(accept_url("not-a-real-token"))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_another_email_is_refused_and_creates_nothing(world, client):
    _, token = invite(world)
    users_before = User.objects.count()
    response = client.post(accept_url(token), form(email="someone.else@example.test"))
    assert response.status_code == 200
    assert "another email address" in response.content.decode()
    assert User.objects.count() == users_before
    assert not EmailAddress.objects.filter(email="someone.else@example.test").exists()


def test_weak_password_is_refused_and_creates_nothing(world, client):
    _, token = invite(world)
    response = client.post(accept_url(token), form(password="password"))
    assert response.status_code == 200
    assert not User.objects.filter(email="new@example.test").exists()
    assert Invitation.objects.get().state == Invitation.State.PENDING


def test_open_signup_is_closed(world, client):
    response = client.post(
        reverse("account_signup"),
        {"email": "walkin@example.test", "password1": STRONG, "password2": STRONG},
    )
    assert response.status_code == 200
    assert "closed" in response.content.decode().lower()
    assert not User.objects.filter(email="walkin@example.test").exists()


def test_signed_in_user_cannot_accept_another_invitation(world, client_for):
    _, token = invite(world)
    client = client_for(world.member)
    response = client.post(accept_url(token), form())
    assert response.status_code == 302
    assert not User.objects.filter(email="new@example.test").exists()


def test_invitation_for_existing_account_or_pending_twice_is_refused(world):
    with pytest.raises(ValidationError, match="exists already"):
        invite(world, email=world.member.email)
    invite(world)
    with pytest.raises(ValidationError, match="pending invitation"):
        invite(world)


def test_focal_point_invites_only_into_own_jurisdiction(world):
    invitation, _ = invite(world, actor=world.focal_point)
    assert invitation.jurisdiction == world.eu
    with pytest.raises(PermissionDenied):
        invite(world, email="x@example.test", jurisdiction="nz", actor=world.focal_point)
    with pytest.raises(PermissionDenied):
        invite(world, email="y@example.test", role="focal_point", actor=world.focal_point)


def test_secretariat_cannot_grant_secretariat_but_cochair_can(world):
    with pytest.raises(PermissionDenied):
        invite(world, role="secretariat", jurisdiction=None, actor=world.secretariat)
    invitation, token = invite(world, role="secretariat", jurisdiction=None)
    user = services.invitation_accept(
        token=token, email="new@example.test", full_name="New Staff", password=STRONG
    )
    assert user.is_secretariat and user.jurisdiction is None


def test_members_cannot_invite(world):
    with pytest.raises(PermissionDenied):
        invite(world, actor=world.member)
    with pytest.raises(PermissionDenied):
        invite(world, actor=world.observer, jurisdiction="chile")


def test_revocation_is_audited_and_scoped(world):
    invitation, _ = invite(world)
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(actor=world.member, invitation=invitation)
    services.invitation_revoke(actor=world.focal_point, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.REVOKED
    assert AuditEvent.objects.filter(action="invitation_revoked", actor=world.focal_point).exists()
    with pytest.raises(ValidationError):
        services.invitation_revoke(actor=world.cochair, invitation=invitation)


def test_expiry_defaults_to_fourteen_days(world):
    invitation, _ = invite(world)
    delta = invitation.expires_at - invitation.created_at
    assert datetime.timedelta(days=13, hours=23) < delta <= datetime.timedelta(days=14)


def test_invitation_into_former_jurisdiction_is_refused(world):
    with pytest.raises(ValidationError, match="former"):
        invite(world, jurisdiction="former")
