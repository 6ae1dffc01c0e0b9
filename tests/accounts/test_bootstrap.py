"""The first day: the operator's account, `manage.py bootstrap`, and an admin that cannot
change jurisdictions, officials or roles behind the audit log's back."""

import datetime
import io
import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Invitation, Jurisdiction, User
from tests.factories import PASSWORD, JurisdictionFactory, UserFactory, enrol_totp

SITE = "https://enclave.example.org"
STRONG = "a-long-and-unusual-passphrase-42"
OPERATOR_LABEL = "the operator via bootstrap"


@pytest.fixture
def site(settings):
    settings.ENCLAVE_SITE_URL = SITE


def bootstrap(**options) -> str:
    out = io.StringIO()
    arguments = {
        "jurisdiction": "European Union",
        "code": "eu",
        "email": "first.cochair@example.org",
        "name": "Ana Costa",
        "level": "supranational",
    } | options
    call_command("bootstrap", stdout=out, **arguments)
    return out.getvalue()


def printed_link(output: str) -> str:
    return re.search(re.escape(SITE) + r"/invitations/\S+/", output).group(0)


def snapshot() -> tuple:
    return (
        list(Jurisdiction.objects.values_list("pk", "code", "status")),
        list(Invitation.objects.values_list("pk", "email", "role")),
        AuditEvent.objects.count(),
        Group.objects.count(),
        User.objects.count(),
        len(mail.outbox),
    )


@pytest.fixture
def operator(db):
    """The account `createsuperuser` makes: no jurisdiction, admin access, a second factor."""
    user = User.objects.create_superuser(
        "operator@example.org", PASSWORD, full_name="Olga Operator"
    )
    enrol_totp(user)
    return user


def operator_client(operator) -> Client:
    client = Client()
    client.force_login(operator, backend="accounts.backends.OfficialBackend")
    return client


# ------------------------------------------------------------------------------
# manage.py bootstrap
# ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_bootstrap_admits_the_jurisdiction_invites_the_cochair_and_audits_it(site):
    output = bootstrap()

    eu = Jurisdiction.objects.get()
    assert (eu.name, eu.code, eu.status) == ("European Union", "eu", "member")
    assert eu.level == "supranational"
    assert eu.group.name == "jurisdiction:eu"

    invitation = Invitation.objects.get()
    assert invitation.email == "first.cochair@example.org"
    assert invitation.full_name == "Ana Costa"
    assert invitation.jurisdiction == eu
    assert invitation.role == Invitation.Role.CO_CHAIR
    assert invitation.state == Invitation.State.PENDING
    assert invitation.invited_by is None

    # The link is emailed and printed, and both are the same, built from ENCLAVE_SITE_URL.
    link = printed_link(output)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["first.cochair@example.org"]
    assert link in mail.outbox[0].body
    assert "Co-Chair of European Union" in mail.outbox[0].body

    events = {e.action: e for e in AuditEvent.objects.all()}
    assert set(events) == {
        AuditEvent.Action.JURISDICTION_ADMITTED,
        AuditEvent.Action.INVITATION_SENT,
    }
    for event in events.values():
        assert event.actor is None
        assert event.actor_label == OPERATOR_LABEL
        assert event.jurisdiction == eu
    assert events[AuditEvent.Action.INVITATION_SENT].detail["role"] == "co_chair"


@pytest.mark.django_db(transaction=True)
def test_bootstrap_with_the_mail_server_down_still_prints_the_link(site, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "bootstrap",
        jurisdiction="European Union",
        code="eu",
        email="first.cochair@example.org",
        stdout=out,
        stderr=err,
    )
    assert "was not sent" in err.getvalue()
    assert printed_link(out.getvalue())
    assert Invitation.objects.get().state == Invitation.State.PENDING


@pytest.mark.django_db(transaction=True)
def test_bootstrap_refuses_a_second_run_and_changes_nothing(site):
    bootstrap()
    before = snapshot()
    with pytest.raises(CommandError, match="Nothing was changed"):
        bootstrap(jurisdiction="New Zealand", code="nz", email="someone@example.org")
    with pytest.raises(CommandError, match="Nothing was changed"):
        bootstrap()
    assert snapshot() == before


@pytest.mark.parametrize("existing", ["jurisdiction", "cochair"])
def test_bootstrap_refuses_a_partnership_that_exists(site, db, existing):
    if existing == "jurisdiction":
        JurisdictionFactory(name="Chile", code="cl", status=Jurisdiction.Status.OBSERVER)
    else:
        UserFactory(email="cochair@example.test", is_co_chair=True)
    before = snapshot()
    with pytest.raises(CommandError, match="Nothing was changed"):
        bootstrap()
    assert snapshot() == before


@pytest.mark.django_db(transaction=True)
def test_reinvite_only_replaces_a_first_invitation_that_went_unused(site):
    bootstrap()
    reinvite = {"reinvite": True, "jurisdiction": None, "email": "second.try@example.org"}

    # While the first invitation is pending, nothing changes.
    before = snapshot()
    with pytest.raises(CommandError, match="pending"):
        bootstrap(**reinvite)
    assert snapshot() == before

    first = Invitation.objects.get()
    first.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    first.save(update_fields=["expires_at"])
    output = bootstrap(**reinvite)
    second = Invitation.objects.get(email="second.try@example.org")
    assert second.role == Invitation.Role.CO_CHAIR and second.jurisdiction.code == "eu"
    assert printed_link(output) in mail.outbox[-1].body
    assert Jurisdiction.objects.count() == 1
    event = AuditEvent.objects.filter(action=AuditEvent.Action.INVITATION_SENT).first()
    assert (event.actor, event.actor_label) == (None, OPERATOR_LABEL)

    # Once a Co-Chair exists, the operator invites nobody.
    second.revoked_at = timezone.now()
    second.save(update_fields=["revoked_at"])
    UserFactory(email="cochair@example.test", jurisdiction=second.jurisdiction, is_co_chair=True)
    before = snapshot()
    with pytest.raises(CommandError, match="Co-Chair already"):
        bootstrap(**reinvite | {"email": "third@example.org"})
    assert snapshot() == before


def test_bootstrap_without_a_site_address_changes_nothing(settings, db):
    settings.ENCLAVE_SITE_URL = ""
    with pytest.raises(CommandError, match="ENCLAVE_SITE_URL"):
        bootstrap()
    assert snapshot() == ([], [], 0, 0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_the_accepted_invitation_makes_a_cochair_who_runs_the_partnership(site):
    link = printed_link(bootstrap())
    path = link.removeprefix(SITE)

    client = Client()
    response = client.post(
        path,
        {
            "email": "first.cochair@example.org",
            "full_name": "Ana Costa",
            "password1": STRONG,
            "password2": STRONG,
        },
    )
    assert response.status_code == 302
    cochair = User.objects.get(email="first.cochair@example.org")
    assert cochair.is_co_chair
    assert cochair.jurisdiction.code == "eu"
    assert cochair.groups.filter(name="jurisdiction:eu").exists()

    # A Co-Chair's first stop is the second factor.
    assert client.get(reverse("membership")).url == reverse("mfa_activate_totp")
    enrol_totp(cochair)

    assert client.get(reverse("membership")).status_code == 200
    audit = client.get(reverse("audit_log"))
    assert audit.status_code == 200
    assert OPERATOR_LABEL in audit.content.decode()
    created = client.post(
        reverse("workspace_create"),
        {"title": "Market stability", "slug": "stability", "observer_policy": "none"},
    )
    assert created.status_code == 302
    assert created.url == reverse("workspace_roster", kwargs={"slug": "stability"})
    # And the Co-Chair may admit the next jurisdiction from the pages.
    assert client.get(reverse("jurisdiction_admit")).status_code == 200


def test_cochair_invitations_follow_the_role_table(world):
    """A Co-Chair invitation is a role like the others: granted by those who appoint Co-Chairs,
    into full-member jurisdictions only."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from accounts import services

    def invite(actor, jurisdiction, email):
        return services.invitation_create(
            actor=actor, email=email, full_name="", jurisdiction=jurisdiction, role="co_chair"
        )

    with pytest.raises(PermissionDenied):
        invite(world.secretariat, world.eu, "a@example.test")
    with pytest.raises(ValidationError, match="full-member"):
        invite(world.cochair, world.chile, "b@example.test")
    invitation, _token = invite(world.cochair, world.eu, "c@example.test")
    assert invitation.invited_by == world.cochair


# ------------------------------------------------------------------------------
# The Django admin: read-only for jurisdictions, officials and roles
# ------------------------------------------------------------------------------


def test_admin_refuses_jurisdiction_changes_and_points_to_the_pages(operator):
    eu = JurisdictionFactory(name="European Union", code="eu")
    client = operator_client(operator)
    events = AuditEvent.objects.count()

    change = reverse("admin:accounts_jurisdiction_change", args=[eu.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert reverse("membership") in page.content.decode()

    response = client.post(
        change,
        {
            "name": "European Union",
            "code": "eu",
            "level": "supranational",
            "status": "former",
            "since": "2020-01-01",
            "group": eu.group_id,
        },
    )
    assert response.status_code == 403
    added = client.post(
        reverse("admin:accounts_jurisdiction_add"),
        {
            "name": "Atlantis",
            "code": "at",
            "level": "national",
            "status": "member",
            "since": "2020-01-01",
            "group": Group.objects.create(name="jurisdiction:at").pk,
        },
    )
    assert added.status_code == 403
    eu.refresh_from_db()
    assert eu.status == Jurisdiction.Status.FULL_MEMBER
    assert not Jurisdiction.objects.filter(code="at").exists()
    assert AuditEvent.objects.count() == events


def test_admin_refuses_official_and_role_changes(operator):
    official = UserFactory(email="member@example.test")
    client = operator_client(operator)

    change = reverse("admin:accounts_user_change", args=[official.pk])
    assert client.get(change).status_code == 200
    response = client.post(
        change,
        {
            "email": official.email,
            "full_name": official.full_name,
            "handle": official.handle,
            "jurisdiction": official.jurisdiction_id,
            "is_co_chair": "on",
            "is_focal_point": "on",
            "timezone": official.timezone,
            "is_active": "on",
            "is_staff": "on",
            "groups": [official.jurisdiction.group_id],
        },
    )
    assert response.status_code == 403
    added = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "intruder@example.test",
            "full_name": "Intruder",
            "handle": "intruder",
            "jurisdiction": official.jurisdiction_id,
            "is_co_chair": "on",
            "timezone": "Europe/Berlin",
            "is_active": "on",
        },
    )
    assert added.status_code == 403
    # Group membership is jurisdiction membership: the admin does not change it either.
    group = client.post(
        reverse("admin:auth_group_change", args=[official.jurisdiction.group_id]),
        {"name": "jurisdiction:renamed", "permissions": []},
    )
    assert group.status_code == 403

    official.refresh_from_db()
    assert not official.is_co_chair and not official.is_focal_point and not official.is_staff
    assert official.jurisdiction.group.name.startswith("jurisdiction:j")
    assert not User.objects.filter(email="intruder@example.test").exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ROLE_CHANGED).exists()


def test_admin_sign_in_goes_through_allauth(db):
    """The admin's own login form would skip rate limits and the second factor."""
    response = Client().get(reverse("admin:login"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


# ------------------------------------------------------------------------------
# The operator's own account
# ------------------------------------------------------------------------------


def test_the_operator_is_labelled_operator_not_secretariat(operator, world, dialogue):
    from dialogues.chat.services import present_people, workspace_room
    from dialogues.models import ChatPresence

    assert operator.affiliation == "Operator"
    assert world.secretariat.affiliation == "Secretariat"
    assert world.member.affiliation == "European Union"

    client = operator_client(operator)
    client.get(reverse("admin:index"))
    login = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, actor=operator).get()
    assert login.actor_label.endswith("(Operator)")

    room = workspace_room(dialogue.offsets)
    ChatPresence.objects.create(room=room, user=operator, channel_name="operator")
    ChatPresence.objects.create(room=room, user=world.secretariat, channel_name="secretariat")
    shown, count = present_people(room)
    labels = {person["name"]: person["affiliation"] for person in shown}
    assert count == 2
    assert labels["Olga Operator"] == "Operator"
    assert labels[world.secretariat.full_name] == "Secretariat"


def test_the_operator_signs_in_without_an_email_confirmation(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG)
    call_command(
        "createsuperuser",
        interactive=False,
        email="operator@example.org",
        full_name="Olga Operator",
        stdout=io.StringIO(),
    )
    operator = User.objects.get(email="operator@example.org")
    assert operator.is_superuser and operator.jurisdiction is None

    client = Client()
    response = client.post(
        reverse("account_login"), {"login": "operator@example.org", "password": STRONG}
    )
    assert response.status_code == 302
    assert response.url != reverse("account_email_verification_sent")
    assert int(client.session["_auth_user_id"]) == operator.pk
    assert mail.outbox == []
    # The next step is the second factor that admin access requires, not a confirmation
    # (allauth asks for the password once more before a second factor is added).
    chain = [url for url, _status in client.get(response.url, follow=True).redirect_chain]
    assert chain[0] == reverse("mfa_activate_totp")
    assert not any(url.startswith(reverse("account_email_verification_sent")) for url in chain)


def test_admin_refuses_removing_second_factors_and_sessions(operator, world):
    from allauth.mfa.models import Authenticator

    client = operator_client(operator)
    authenticator = Authenticator.objects.get(user=world.secretariat, type="totp")
    delete = reverse("admin:mfa_authenticator_delete", args=[authenticator.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Authenticator.objects.filter(pk=authenticator.pk).exists()
    sessions = client.get(reverse("admin:usersessions_usersession_changelist"))
    assert sessions.status_code == 200
