"""The one access policy: the role table, object scopes, and can/visible agreement."""

import pytest

from accounts import services
from accounts.models import AuditEvent, Invitation, Jurisdiction, User
from workspaces.access import (
    ROLE_CAPABILITIES,
    Capability,
    Role,
    can,
    can_grant,
    roles_of,
    visible,
)

C = Capability

PLATFORM_CAPABILITIES = sorted(set().union(*ROLE_CAPABILITIES.values()))

# Every official drafts their own jurisdiction's factsheet, reads every approved one, and reads
# the partnership library.
OFFICIAL = {C.READ_FACTSHEETS, C.DRAFT_FACTSHEETS, C.READ_FACTSHEET_DRAFTS, C.READ_LIBRARY}

# What each member of the cast holds at platform level (no object given).
EXPECTED_HOLDINGS = {
    "cochair": set(PLATFORM_CAPABILITIES)
    - {C.JOIN_ROSTERS, C.APPROVE_FACTSHEETS, C.MANAGE_FACTSHEETS, C.MANAGE_LIBRARY}
    # Personal data is the Secretariat's to keep: erasure and the privacy notice.
    - {C.ERASE_OFFICIALS, C.EDIT_PRIVACY_NOTICE},
    "secretariat": {
        C.CREATE_WORKSPACES,
        C.JOIN_ROSTERS,
        C.VIEW_MEMBERSHIP,
        C.INVITE_OFFICIALS,
        C.DEACTIVATE_OFFICIALS,
        C.DESIGNATE_FOCAL_POINTS,
        C.READ_AUDIT,
        C.VIEW_INSIGHTS,
        C.MANAGE_FACTSHEETS,
        *OFFICIAL,
        C.POST_ANNOUNCEMENTS,
        C.MANAGE_LIBRARY,
        C.ERASE_OFFICIALS,
        C.EDIT_PRIVACY_NOTICE,
    },
    "focal_point": {
        C.VIEW_MEMBERSHIP,
        C.INVITE_OFFICIALS,
        C.DEACTIVATE_OFFICIALS,
        C.VIEW_INSIGHTS,  # their own jurisdiction's figures
        C.APPROVE_FACTSHEETS,  # their own jurisdiction's, and no one else approves it
        *OFFICIAL,
    },
    "member": OFFICIAL,
    "member_nz": OFFICIAL,
    "observer": OFFICIAL,
    "former_official": set(),
    "deactivated": set(),
}


@pytest.mark.parametrize("who", EXPECTED_HOLDINGS)
@pytest.mark.parametrize("capability", PLATFORM_CAPABILITIES)
def test_role_capability_matrix(world, who, capability):
    user = getattr(world, who)
    assert can(user, capability) is (capability in EXPECTED_HOLDINGS[who])


def test_roles_follow_jurisdiction_status(world):
    assert roles_of(world.member) == {Role.MEMBER_OFFICIAL}
    assert roles_of(world.observer) == {Role.OBSERVER_OFFICIAL}
    assert roles_of(world.cochair) == {Role.MEMBER_OFFICIAL, Role.CO_CHAIR}
    assert roles_of(world.secretariat) == {Role.SECRETARIAT}
    assert roles_of(world.former_official) == set()
    assert roles_of(world.deactivated) == set()
    world.eu.status = Jurisdiction.Status.OBSERVER
    world.eu.save()
    world.member.refresh_from_db()
    assert roles_of(world.member) == {Role.OBSERVER_OFFICIAL}


def test_focal_point_scope_is_own_jurisdiction(world):
    fp = world.focal_point
    assert can(fp, C.INVITE_OFFICIALS, world.eu)
    assert not can(fp, C.INVITE_OFFICIALS, world.nz)
    assert can(fp, C.VIEW, world.eu)
    assert not can(fp, C.VIEW, world.nz)
    assert can(fp, C.DEACTIVATE_OFFICIALS, world.member)
    assert not can(fp, C.DEACTIVATE_OFFICIALS, world.member_nz)
    assert not can(fp, C.MANAGE_JURISDICTIONS, world.eu)


def test_nobody_grants_more_than_they_hold(world):
    eu, nz = world.eu.pk, world.nz.pk
    assert can_grant(world.focal_point, Role.MEMBER_OFFICIAL, eu)
    assert not can_grant(world.focal_point, Role.FOCAL_POINT, eu)
    assert not can_grant(world.focal_point, Role.SECRETARIAT, None)
    assert not can_grant(world.focal_point, Role.MEMBER_OFFICIAL, nz)
    assert can_grant(world.secretariat, Role.FOCAL_POINT, nz)
    assert not can_grant(world.secretariat, Role.SECRETARIAT, None)
    assert not can_grant(world.secretariat, Role.CO_CHAIR, nz)
    assert can_grant(world.cochair, Role.SECRETARIAT, None)
    assert can_grant(world.cochair, Role.CO_CHAIR, eu)
    assert not can_grant(world.cochair, Role.CO_CHAIR, None)
    assert not can_grant(world.member, Role.MEMBER_OFFICIAL, eu)


def test_acting_on_an_account_needs_every_role_it_holds(world):
    # The Secretariat may deactivate officials, but not a Co-Chair or its own staff.
    assert can(world.secretariat, C.DEACTIVATE_OFFICIALS, world.member)
    assert not can(world.secretariat, C.DEACTIVATE_OFFICIALS, world.cochair)
    other_staff = User.objects.create_user(
        "staff2@example.test", "x", full_name="Staff", is_secretariat=True
    )
    assert not can(world.secretariat, C.DEACTIVATE_OFFICIALS, other_staff)
    assert can(world.cochair, C.DEACTIVATE_OFFICIALS, other_staff)
    # A focal point may not deactivate another focal point of the same jurisdiction.
    peer = User.objects.create_user(
        "peer@example.test", "x", full_name="Peer", jurisdiction=world.eu, is_focal_point=True
    )
    assert not can(world.focal_point, C.DEACTIVATE_OFFICIALS, peer)
    # Nobody acts on their own account.
    assert not can(world.cochair, C.DEACTIVATE_OFFICIALS, world.cochair)


def test_standing_is_lost_with_the_jurisdiction(world):
    world.nz.status = Jurisdiction.Status.FORMER
    world.nz.save()
    world.cochair.refresh_from_db()
    assert not can(world.cochair, C.VIEW_MEMBERSHIP)
    assert not visible(world.cochair, Jurisdiction).exists()


def _seed_objects(world):
    services.invitation_create(
        actor=world.cochair, email="a@x.test", full_name="", jurisdiction=world.eu, role="official"
    )
    services.invitation_create(
        actor=world.cochair,
        email="b@x.test",
        full_name="",
        jurisdiction=world.eu,
        role="focal_point",
    )
    services.invitation_create(
        actor=world.cochair, email="c@x.test", full_name="", jurisdiction=None, role="secretariat"
    )
    services.invitation_create(
        actor=world.cochair, email="d@x.test", full_name="", jurisdiction=world.nz, role="official"
    )


@pytest.mark.parametrize("model", [Jurisdiction, User, Invitation, AuditEvent])
def test_can_and_visible_agree(world, model):
    _seed_objects(world)
    objects = list(model._default_manager.all())
    assert objects
    for user in world.users:
        listed = set(visible(user, model).values_list("pk", flat=True))
        allowed = {obj.pk for obj in objects if can(user, C.VIEW, obj)}
        assert listed == allowed, f"{user.email} / {model.__name__}"


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    for model in (Jurisdiction, User, Invitation, AuditEvent):
        assert not visible(anonymous, model).exists()
    assert not can(anonymous, C.VIEW, world.eu)
