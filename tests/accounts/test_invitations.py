"""Invitation-only accounts: creation, acceptance and every refusal."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import selectors, services
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


def test_the_page_shows_the_invited_email_prefilled_and_locked(world, client):
    _, token = invite(world)
    page = client.get(accept_url(token)).content.decode()
    field = re.search(r"<input[^>]*name=\"email\"[^>]*>", page).group(0)
    assert 'value="new@example.test"' in field
    assert " readonly" in field
    assert "This invitation is for new@example.test" in page


def test_a_tampered_email_is_ignored_the_account_is_the_invitations(world, client):
    """The posted email is not read: the account is the invitation's, whatever was sent."""
    invitation, token = invite(world)
    response = client.post(accept_url(token), form(email="someone.else@example.test"))
    assert response.status_code == 302
    user = User.objects.get(email="new@example.test")
    assert user.jurisdiction == world.eu
    assert not User.objects.filter(email="someone.else@example.test").exists()
    assert not EmailAddress.objects.filter(email="someone.else@example.test").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_user == user


def test_the_service_refuses_another_email_when_given_one(world):
    invitation, token = invite(world)
    with pytest.raises(ValidationError, match="another email address"):
        services.invitation_accept(
            token=token, email="someone.else@example.test", full_name="Eve", password=STRONG
        )
    assert not User.objects.filter(email="someone.else@example.test").exists()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.PENDING


def test_joining_shows_one_banner_not_two(world, client):
    _, token = invite(world)
    response = client.post(accept_url(token), form(), follow=True)
    page = response.content.decode()
    assert page.count('class="message message--') == 1
    assert "Welcome to Enclave, New" in page
    assert "Successfully signed in" not in page


def test_the_next_sign_in_still_says_so(world, client):
    """Only the request that announced its own event is quiet: allauth's messages are back."""
    _, token = invite(world)
    client.post(accept_url(token), form(), follow=True)
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "new@example.test", "password": STRONG}, follow=True
    )
    assert "Successfully signed in" in response.content.decode()


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("UTC", "10 January 2031, 06:35 UTC"),
        ("Europe/Berlin", "10 January 2031, 07:35 CET (Europe/Berlin)"),
    ],
)
def test_the_expiry_is_said_in_the_partnerships_zone_and_named(world, settings, zone, expected):
    """The invitee has no zone of their own yet: the partnership's (TIME_ZONE), named."""
    settings.TIME_ZONE = zone
    invitation, _ = invite(world)
    invitation.expires_at = datetime.datetime(2031, 1, 10, 6, 35, tzinfo=datetime.UTC)
    with timezone.override("Pacific/Auckland"):  # whoever reads it, wherever
        assert selectors.invitation_expiry(invitation) == expected


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])
def test_the_page_and_the_email_say_the_same_expiry(
    world, client, settings, django_capture_on_commit_callbacks, zone
):
    """The same instant in the same words, though the inviter reads Enclave in another zone."""
    settings.TIME_ZONE = zone
    with timezone.override("Pacific/Auckland"), django_capture_on_commit_callbacks(execute=True):
        invitation, token = invite(world)
    said = selectors.invitation_expiry(invitation)
    assert f"The link expires on {said}." in mail.outbox[0].body
    assert f">{said}</time>" in client.get(accept_url(token)).content.decode()


def role_choices(client, url):
    page = client.get(url).content.decode()
    select = re.search(r'<select name="role".*?</select>', page, re.S)
    return re.findall(r'<option value="([^"]+)"', select.group(0)) if select else []


def test_the_invite_form_offers_only_roles_that_fit_the_jurisdiction(world, client_for):
    cochair = client_for(world.cochair)
    eu = reverse("jurisdiction_detail", kwargs={"code": "eu"})
    assert role_choices(cochair, eu) == ["official", "focal_point", "co_chair"]
    # An observer jurisdiction has no Co-Chair.
    chile = reverse("jurisdiction_detail", kwargs={"code": "cl"})
    assert role_choices(cochair, chile) == ["official", "focal_point"]
    # Secretariat staff are invited from the membership page, where no jurisdiction is chosen.
    assert role_choices(cochair, reverse("invitation_create")) == ["secretariat"]
    # A former member: no invitation form at all.
    former = cochair.get(reverse("jurisdiction_detail", kwargs={"code": "at"})).content.decode()
    assert "Send invitation" not in former
    # A focal point may invite officials of their own jurisdiction only.
    assert role_choices(client_for(world.focal_point), eu) == ["official"]
    assert role_choices(client_for(world.secretariat), eu) == ["official", "focal_point"]


@pytest.mark.parametrize(
    ("role", "jurisdiction", "refusal"),
    [
        ("secretariat", "eu", "do not belong to a jurisdiction"),
        ("co_chair", "chile", "full-member jurisdictions"),
        ("official", None, "Choose the jurisdiction"),
    ],
)
def test_the_service_refuses_roles_that_do_not_fit(world, role, jurisdiction, refusal):
    with pytest.raises(ValidationError, match=refusal):
        invite(world, role=role, jurisdiction=jurisdiction)
    assert not Invitation.objects.exists()


def test_a_posted_role_the_form_does_not_offer_is_refused(world, client_for):
    response = client_for(world.cochair).post(
        reverse("invitation_create"),
        {
            "jurisdiction_code": "eu",
            "jurisdiction": world.eu.pk,
            "email": "s@example.test",
            "role": "secretariat",
        },
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


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
    user = services.invitation_accept(token=token, full_name="New Staff", password=STRONG)
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


def test_the_invitation_keeps_its_language_and_the_new_account_takes_it(world):
    invitation, token = services.invitation_create(
        actor=world.cochair,
        email="lang@example.test",
        full_name="Lang Official",
        jurisdiction=world.eu,
        role="official",
        language="en",
    )
    assert invitation.language == "en"
    user = services.invitation_accept(token=token, full_name="Lang Official", password=STRONG)
    assert user.language == "en"
    # A single invitation names no language: the account keeps the default.
    _, token = invite(world, email="plain@example.test")
    plain = services.invitation_accept(token=token, full_name="Plain", password=STRONG)
    assert plain.language == ""
