"""Co-Chair membership management: jurisdictions, roles, deactivation; effects are immediate."""

import datetime

import pytest
from allauth.usersessions.models import UserSession
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import AuditEvent, Invitation, Jurisdiction
from accounts.signals import access_revoked
from tests.signing_in import confirm_password
from workspaces.access import Role


@pytest.fixture
def revoked(request):
    """Collects the user ids announced on the access_revoked signal."""
    seen: list[int] = []

    def receiver(sender, user_ids, **kwargs):
        seen.extend(user_ids)

    access_revoked.connect(receiver)
    request.addfinalizer(lambda: access_revoked.disconnect(receiver))
    return seen


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks of the block, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_cochair_admits_a_jurisdiction_with_its_group(world):
    jurisdiction = services.jurisdiction_admit(
        actor=world.cochair,
        name="Washington",
        code="US-WA",
        level=Jurisdiction.Level.SUBNATIONAL,
        status=Jurisdiction.Status.FULL_MEMBER,
        since=datetime.date(2023, 9, 18),
    )
    assert jurisdiction.code == "us-wa"
    assert jurisdiction.group.name == "jurisdiction:us-wa"
    assert AuditEvent.objects.filter(action="jurisdiction_admitted", jurisdiction=jurisdiction)


@pytest.mark.parametrize("who", ["secretariat", "focal_point", "member", "observer"])
def test_only_cochairs_admit_or_change_status(world, who):
    actor = getattr(world, who)
    with pytest.raises(PermissionDenied):
        services.jurisdiction_admit(
            actor=actor,
            name="X",
            code="x",
            level="national",
            status="member",
            since=datetime.date.today(),
        )
    with pytest.raises(PermissionDenied):
        services.jurisdiction_set_status(actor=actor, jurisdiction=world.eu, status="observer")
    world.eu.refresh_from_db()
    assert world.eu.status == Jurisdiction.Status.FULL_MEMBER


def test_duplicate_code_is_refused_cleanly(world):
    before = Jurisdiction.objects.count()
    with pytest.raises(ValidationError, match="already in use"):
        services.jurisdiction_admit(
            actor=world.cochair,
            name="Other",
            code="EU",
            level="national",
            status="member",
            since=datetime.date.today(),
        )
    assert Jurisdiction.objects.count() == before


def test_downgrade_to_observer_is_immediate_and_announced(world, revoked, committed):
    with committed():
        services.jurisdiction_set_status(
            actor=world.cochair, jurisdiction=world.eu, status="observer"
        )
    assert set(revoked) >= {world.member.pk, world.focal_point.pk}
    event = AuditEvent.objects.get(action="jurisdiction_status")
    assert event.detail == {"from": "member", "to": "observer"}


def test_marking_former_ends_sessions_and_pending_invitations(
    world, client_for, revoked, committed
):
    client = client_for(world.member)
    assert client.get(reverse("home")).status_code == 200
    invitation, _ = services.invitation_create(
        actor=world.cochair, email="n@x.test", full_name="", jurisdiction=world.eu, role="official"
    )
    with committed():
        services.jurisdiction_set_status(
            actor=world.cochair, jurisdiction=world.eu, status="former"
        )
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.REVOKED
    assert world.member.pk in revoked


def test_former_official_cannot_sign_in(world, client):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("account_login"), {"login": world.former_official.email, "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302 and response.url == reverse("account_inactive")


def test_cochair_jurisdiction_cannot_be_made_former(world):
    with pytest.raises(ValidationError, match="Co-Chair"):
        services.jurisdiction_set_status(
            actor=world.cochair, jurisdiction=world.nz, status="former"
        )


def test_deactivation_ends_every_session_at_once(world, client, revoked, committed):
    from tests.factories import PASSWORD

    client.post(reverse("account_login"), {"login": world.member.email, "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 200
    assert UserSession.objects.filter(user=world.member).count() == 1
    with committed():
        services.official_deactivate(actor=world.focal_point, official=world.member, reason="Left")
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert not UserSession.objects.filter(user=world.member).exists()
    event = AuditEvent.objects.get(action="user_deactivated")
    assert event.actor == world.focal_point and event.detail["reason"] == "Left"
    assert set(revoked) == {world.member.pk}


def test_deactivated_session_rejected_even_without_session_tracking(world, client_for):
    client = client_for(world.member)
    world.member.is_active = False
    world.member.save()
    response = client.get(reverse("profile"))
    assert response.status_code == 302


def test_focal_point_cannot_deactivate_other_jurisdictions(world):
    with pytest.raises(PermissionDenied):
        services.official_deactivate(actor=world.focal_point, official=world.member_nz)
    world.member_nz.refresh_from_db()
    assert world.member_nz.is_active


def test_secretariat_cannot_remove_cochair(world):
    with pytest.raises(PermissionDenied):
        services.official_deactivate(actor=world.secretariat, official=world.cochair)


def test_reactivation(world):
    services.official_reactivate(actor=world.cochair, official=world.deactivated)
    world.deactivated.refresh_from_db()
    assert world.deactivated.is_active


def test_cochair_appoints_and_removes_cochair(world, revoked, committed):
    services.official_set_role(
        actor=world.cochair, official=world.member, role=Role.CO_CHAIR, granted=True
    )
    world.member.refresh_from_db()
    assert world.member.is_co_chair
    with committed():
        services.official_set_role(
            actor=world.cochair, official=world.member, role=Role.CO_CHAIR, granted=False
        )
    world.member.refresh_from_db()
    assert not world.member.is_co_chair
    assert set(revoked) == {world.member.pk}
    assert AuditEvent.objects.filter(action="role_changed").count() == 2


def test_nobody_changes_their_own_role_or_grants_beyond_their_own(world):
    with pytest.raises(PermissionDenied):
        services.official_set_role(
            actor=world.cochair, official=world.cochair, role=Role.CO_CHAIR, granted=False
        )
    with pytest.raises(PermissionDenied):
        services.official_set_role(
            actor=world.secretariat, official=world.member, role=Role.CO_CHAIR, granted=True
        )
    with pytest.raises(PermissionDenied):
        services.official_set_role(
            actor=world.focal_point, official=world.member, role=Role.FOCAL_POINT, granted=True
        )
    world.member.refresh_from_db()
    assert not world.member.is_co_chair and not world.member.is_focal_point


def test_observer_official_cannot_be_cochair(world):
    with pytest.raises(ValidationError, match="full-member"):
        services.official_set_role(
            actor=world.cochair, official=world.observer, role=Role.CO_CHAIR, granted=True
        )


def test_secretariat_designates_focal_points(world):
    services.official_set_role(
        actor=world.secretariat, official=world.member_nz, role=Role.FOCAL_POINT, granted=True
    )
    world.member_nz.refresh_from_db()
    assert world.member_nz.is_focal_point


# ------------------------------------------------------------------------------
# A status change is confirmed on a page that says what it does
# ------------------------------------------------------------------------------


def summary_of(jurisdiction, status):
    import workspaces.access  # noqa: F401 - provides what officials lose in dialogues
    from accounts import selectors

    return selectors.status_change_summary(jurisdiction=jurisdiction, status=status)


def test_to_observer_the_summary_counts_the_full_members_only_items(world, dialogue):
    summary = summary_of(world.eu, "observer")
    # The focal point and the member; the deactivated official has nothing to lose.
    assert summary.officials == 2
    assert summary.losing_full_membership == 2
    assert summary.losing_standing == 0
    # "Offsets" lets observers contribute: they keep it, but not its members-only thread.
    assert summary.losses.dialogues_lost == []
    assert summary.losses.dialogues_read_only == []
    assert [(loss.label, loss.count) for loss in summary.losses.items_hidden] == [("thread", 1)]
    assert summary.refusal is None


def test_to_observer_closed_and_read_only_dialogues_are_named(world, dialogue):
    from workspaces.models import Workspace

    Workspace.objects.filter(pk=dialogue.offsets.pk).update(observer_policy="read")
    eu = summary_of(world.eu, "observer").losses
    assert [(loss.label, loss.count) for loss in eu.dialogues_read_only] == [
        ("Offsets and removals", 2)
    ]
    # New Zealand's dialogue is closed to observers: both its officials lose it.
    nz = summary_of(world.nz, "observer").losses
    assert [(loss.label, loss.count) for loss in nz.dialogues_lost] == [("Linking talks", 2)]


def test_to_former_every_official_is_signed_out_and_every_dialogue_lost(world, dialogue):
    invite_pending = services.invitation_create(
        actor=world.cochair,
        email="n@example.test",
        full_name="",
        jurisdiction=world.eu,
        role="official",
    )
    assert invite_pending
    summary = summary_of(world.eu, "former")
    assert summary.losing_standing == 2
    assert summary.invitations_revoked == 1
    assert [(loss.label, loss.count) for loss in summary.losses.dialogues_lost] == [
        ("Offsets and removals", 2)
    ]
    assert summary.losses.items_hidden == []
    # A Co-Chair's jurisdiction cannot be made former: the page says so instead of offering it.
    assert "Co-Chair" in summary_of(world.nz, "former").refusal


def test_reading_the_confirmation_page_changes_nothing(world, dialogue, client_for):
    client = client_for(world.cochair)
    url = reverse("jurisdiction_status", kwargs={"code": "eu"})
    for status in ("observer", "former", ""):
        response = client.get(url, {"status": status} if status else {})
        assert response.status_code == 200
    page = client.get(url, {"status": "observer"}).content.decode()
    assert "2 officials see only what is shared with observers" in page
    assert "1 thread</li>" in page
    world.eu.refresh_from_db()
    assert world.eu.status == Jurisdiction.Status.FULL_MEMBER
    assert not AuditEvent.objects.filter(action="jurisdiction_status").exists()


def test_confirming_changes_the_status_and_records_the_reason(world, client_for):
    client = client_for(world.cochair)
    confirm_password(client)  # a jurisdiction's status is a sensitive change
    url = reverse("jurisdiction_status", kwargs={"code": "eu"})
    response = client.post(url, {"status": "observer", "reason": "Asked to step back a year."})
    assert response.status_code == 302
    assert response.url == reverse("jurisdiction_detail", kwargs={"code": "eu"})
    world.eu.refresh_from_db()
    assert world.eu.status == Jurisdiction.Status.OBSERVER
    event = AuditEvent.objects.get(action="jurisdiction_status")
    assert event.detail == {
        "from": "member",
        "to": "observer",
        "reason": "Asked to step back a year.",
    }
    assert event.actor == world.cochair


def test_a_refused_change_goes_back_to_the_confirmation_with_the_reason_why(world, client_for):
    client = client_for(world.cochair)
    confirm_password(client)  # a jurisdiction's status is a sensitive change
    url = reverse("jurisdiction_status", kwargs={"code": "nz"})
    response = client.post(url, {"status": "former"}, follow=True)
    assert "appoint another Co-Chair first" in response.content.decode()
    world.nz.refresh_from_db()
    assert world.nz.status == Jurisdiction.Status.FULL_MEMBER


def test_the_confirmation_page_is_for_who_manages_jurisdictions(world, client_for):
    url = reverse("jurisdiction_status", kwargs={"code": "eu"})
    # The focal point sees the jurisdiction's page, not this one; the change itself is refused.
    client = client_for(world.focal_point)
    assert client.get(url, {"status": "observer"}).status_code == 404
    assert client.post(url, {"status": "observer"}).status_code == 403
    world.eu.refresh_from_db()
    assert world.eu.status == Jurisdiction.Status.FULL_MEMBER
