"""The platform part of the access policy: roles, the capabilities they carry over membership
and the audit log, and who may see which jurisdictions, officials, invitations and audit events.

Roles are data (`ROLE_CAPABILITIES`); code checks capabilities, never role names. Standing
(accounts/standing.py) comes first: without it nobody may do anything. This module answers for
the accounts layer's own objects; `workspaces/access.py` builds on it, adds workspaces and
their items, and is the one entry point for every layer above accounts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .audit import SystemActor
from .models import AuditEvent, Invitation, Jurisdiction, User
from .standing import has_standing, people_with_standing


class Role(enum.StrEnum):
    CO_CHAIR = "co_chair"
    SECRETARIAT = "secretariat"
    FOCAL_POINT = "focal_point"
    MEMBER_OFFICIAL = "member_official"
    OBSERVER_OFFICIAL = "observer_official"


class Capability(enum.StrEnum):
    VIEW = "view"
    # Inside a workspace
    CONTRIBUTE = "contribute"
    MODERATE = "moderate"
    MANAGE_ROSTER = "manage_roster"
    REOPEN = "reopen"
    ALLOW_EXCERPTS = "allow_excerpts"
    RUN_SESSIONS = "run_sessions"
    APPROVE_MINUTES = "approve_minutes"
    SET_ATTRIBUTION = "set_attribution"
    UNMASK = "unmask"
    # Workspaces at platform level
    CREATE_WORKSPACES = "create_workspaces"
    JOIN_ROSTERS = "join_rosters"
    # Platform administration
    VIEW_MEMBERSHIP = "view_membership"
    MANAGE_JURISDICTIONS = "manage_jurisdictions"
    INVITE_OFFICIALS = "invite_officials"
    DEACTIVATE_OFFICIALS = "deactivate_officials"
    DESIGNATE_FOCAL_POINTS = "designate_focal_points"
    APPOINT_SECRETARIAT = "appoint_secretariat"
    APPOINT_CO_CHAIRS = "appoint_co_chairs"
    READ_AUDIT = "read_audit"
    # Participation figures (dialogues/insights): counts, never content
    VIEW_INSIGHTS = "view_insights"
    # Factsheets (partnership/), on a Jurisdiction: approved ones are read by every member;
    # drafts are the jurisdiction's and the Secretariat's; only its focal point approves.
    READ_FACTSHEETS = "read_factsheets"
    DRAFT_FACTSHEETS = "draft_factsheets"
    READ_FACTSHEET_DRAFTS = "read_factsheet_drafts"
    APPROVE_FACTSHEETS = "approve_factsheets"
    MANAGE_FACTSHEETS = "manage_factsheets"
    # Announcements to the partnership (dialogues/announcements): post, edit, withdraw; their
    # holders read every announcement addressed to chosen jurisdictions
    POST_ANNOUNCEMENTS = "post_announcements"
    # The partnership library (partnership/library): every member reads it (observers the
    # documents shared with them); the Secretariat keeps it
    READ_LIBRARY = "read_library"
    MANAGE_LIBRARY = "manage_library"
    # Personal data (privacy/): the Secretariat erases departed officials and keeps the
    # privacy notice
    ERASE_OFFICIALS = "erase_officials"
    EDIT_PRIVACY_NOTICE = "edit_privacy_notice"


class Scope(enum.Enum):
    """How far a role's capability reaches."""

    ALL = "all"
    OWN_JURISDICTION = "own_jurisdiction"


_ALL = Scope.ALL
_OWN = Scope.OWN_JURISDICTION

ROLE_CAPABILITIES: dict[Role, dict[Capability, Scope]] = {
    Role.CO_CHAIR: {
        Capability.VIEW_MEMBERSHIP: _ALL,
        Capability.MANAGE_JURISDICTIONS: _ALL,
        Capability.INVITE_OFFICIALS: _ALL,
        Capability.DEACTIVATE_OFFICIALS: _ALL,
        Capability.DESIGNATE_FOCAL_POINTS: _ALL,
        Capability.APPOINT_SECRETARIAT: _ALL,
        Capability.APPOINT_CO_CHAIRS: _ALL,
        Capability.READ_AUDIT: _ALL,
        Capability.CREATE_WORKSPACES: _ALL,
        Capability.VIEW_INSIGHTS: _ALL,
        Capability.READ_FACTSHEETS: _ALL,
        Capability.POST_ANNOUNCEMENTS: _ALL,
        Capability.READ_LIBRARY: _ALL,
    },
    Role.SECRETARIAT: {
        Capability.CREATE_WORKSPACES: _ALL,
        Capability.JOIN_ROSTERS: _ALL,
        Capability.VIEW_MEMBERSHIP: _ALL,
        Capability.INVITE_OFFICIALS: _ALL,
        Capability.DEACTIVATE_OFFICIALS: _ALL,
        Capability.DESIGNATE_FOCAL_POINTS: _ALL,
        Capability.READ_AUDIT: _ALL,
        Capability.VIEW_INSIGHTS: _ALL,
        Capability.READ_FACTSHEETS: _ALL,
        Capability.DRAFT_FACTSHEETS: _ALL,
        Capability.READ_FACTSHEET_DRAFTS: _ALL,
        Capability.MANAGE_FACTSHEETS: _ALL,
        Capability.POST_ANNOUNCEMENTS: _ALL,
        Capability.READ_LIBRARY: _ALL,
        Capability.MANAGE_LIBRARY: _ALL,
        Capability.ERASE_OFFICIALS: _ALL,
        Capability.EDIT_PRIVACY_NOTICE: _ALL,
    },
    Role.FOCAL_POINT: {
        Capability.VIEW_MEMBERSHIP: _OWN,
        Capability.INVITE_OFFICIALS: _OWN,
        Capability.DEACTIVATE_OFFICIALS: _OWN,
        Capability.VIEW_INSIGHTS: _OWN,
        Capability.APPROVE_FACTSHEETS: _OWN,
    },
    Role.MEMBER_OFFICIAL: {
        Capability.READ_FACTSHEETS: _ALL,
        Capability.DRAFT_FACTSHEETS: _OWN,
        Capability.READ_FACTSHEET_DRAFTS: _OWN,
        Capability.READ_LIBRARY: _ALL,
    },
    Role.OBSERVER_OFFICIAL: {
        Capability.READ_FACTSHEETS: _ALL,
        Capability.DRAFT_FACTSHEETS: _OWN,
        Capability.READ_FACTSHEET_DRAFTS: _OWN,
        Capability.READ_LIBRARY: _ALL,
    },
}

# To grant (or take away) a role, the actor must hold this capability for the target.
GRANTING_CAPABILITY: dict[Role, Capability] = {
    Role.CO_CHAIR: Capability.APPOINT_CO_CHAIRS,
    Role.SECRETARIAT: Capability.APPOINT_SECRETARIAT,
    Role.FOCAL_POINT: Capability.DESIGNATE_FOCAL_POINTS,
    Role.MEMBER_OFFICIAL: Capability.INVITE_OFFICIALS,
    Role.OBSERVER_OFFICIAL: Capability.INVITE_OFFICIALS,
}

INVITATION_ROLE: dict[str, Role] = {
    Invitation.Role.OFFICIAL: Role.MEMBER_OFFICIAL,
    Invitation.Role.FOCAL_POINT: Role.FOCAL_POINT,
    Invitation.Role.SECRETARIAT: Role.SECRETARIAT,
    Invitation.Role.CO_CHAIR: Role.CO_CHAIR,
}


def roles_of(user: Any) -> frozenset[Role]:
    if not has_standing(user):
        return frozenset()
    roles: set[Role] = set()
    if user.is_secretariat:
        roles.add(Role.SECRETARIAT)
    if user.jurisdiction_id is not None:
        member = user.jurisdiction.status == Jurisdiction.Status.FULL_MEMBER
        roles.add(Role.MEMBER_OFFICIAL if member else Role.OBSERVER_OFFICIAL)
        if user.is_focal_point:
            roles.add(Role.FOCAL_POINT)
        if user.is_co_chair:
            roles.add(Role.CO_CHAIR)
    return frozenset(roles)


def _scopes(user: Any, capability: Capability) -> set[Scope]:
    return {
        table[capability]
        for role in roles_of(user)
        if capability in (table := ROLE_CAPABILITIES[role])
    }


def reach(user: Any, capability: Capability) -> frozenset[Scope]:
    """How far `user` holds a platform capability: everywhere, their own jurisdiction, or not."""
    return frozenset(_scopes(user, capability))


def holds(user: Any, capability: Capability) -> bool:
    """Whether the user holds a platform capability anywhere (used for navigation and pages)."""
    return bool(_scopes(user, capability))


def _within(user: Any, capability: Capability, jurisdiction_id: int | None) -> bool:
    scopes = _scopes(user, capability)
    if Scope.ALL in scopes:
        return True
    return (
        Scope.OWN_JURISDICTION in scopes
        and jurisdiction_id is not None
        and jurisdiction_id == user.jurisdiction_id
    )


def can_grant(user: Any, role: Role, jurisdiction_id: int | None) -> bool:
    """Whether `user` may give `role` to someone of `jurisdiction_id` (None: the Secretariat)."""
    capability = GRANTING_CAPABILITY[role]
    # Only Secretariat staff stand outside every jurisdiction.
    if role is not Role.SECRETARIAT and jurisdiction_id is None:
        return False
    return _within(user, capability, jurisdiction_id)


def invitation_role_misfit(role: str, jurisdiction: Jurisdiction | None) -> str | None:
    """Why an invitation to `role` makes no sense for `jurisdiction` (None: the Secretariat),
    whoever sends it; None when it fits."""
    if role == Invitation.Role.SECRETARIAT:
        if jurisdiction is None:
            return None
        return _("Secretariat staff do not belong to a jurisdiction.")
    if jurisdiction is None:
        return _("Choose the jurisdiction the official belongs to.")
    if jurisdiction.status == Jurisdiction.Status.FORMER:
        return _("%(name)s is a former member.") % {"name": jurisdiction}
    if role == Invitation.Role.CO_CHAIR and jurisdiction.status != Jurisdiction.Status.FULL_MEMBER:
        return _("Co-Chairs are officials of full-member jurisdictions.")
    return None


def invitation_roles(user: Any, jurisdiction: Jurisdiction | None) -> list[str]:
    """The invitation roles `user` may offer for `jurisdiction` (None: the Secretariat): those
    that fit there and that `user` may grant there. The form offers these; the service refuses
    any other."""
    jurisdiction_id = jurisdiction.pk if jurisdiction is not None else None
    return [
        value
        for value, role in INVITATION_ROLE.items()
        if invitation_role_misfit(value, jurisdiction) is None
        and can_grant(user, role, jurisdiction_id)
    ]


def _held_roles(target: User) -> set[Role]:
    """The roles an account carries, whatever its current standing."""
    roles: set[Role] = set()
    if target.is_secretariat:
        roles.add(Role.SECRETARIAT)
    if target.is_co_chair:
        roles.add(Role.CO_CHAIR)
    if target.is_focal_point:
        roles.add(Role.FOCAL_POINT)
    if target.jurisdiction_id is not None:
        roles.add(Role.MEMBER_OFFICIAL)
    return roles


def _may_act_on_official(user: Any, capability: Capability, target: User) -> bool:
    """Acting on an account needs the capability for its jurisdiction and every role it holds."""
    if target.pk == user.pk or target.is_superuser:
        return False
    if not _within(user, capability, target.jurisdiction_id):
        return False
    return all(can_grant(user, role, target.jurisdiction_id) for role in _held_roles(target))


def _may_erase(user: Any, target: User) -> bool:
    """Erasure (privacy/erasure) is of someone who has left, whatever roles they held there: the
    Secretariat erases a departed Co-Chair or colleague too, never themselves nor an operator's
    account. Not yet departed (still active) or already erased, the page says why."""
    if target.pk == user.pk or target.is_superuser:
        return False
    return _within(user, Capability.ERASE_OFFICIALS, target.jurisdiction_id)


# A former member's factsheet is closed: nobody drafts it, reads its drafts or approves it.
CLOSED_WITH_MEMBERSHIP = frozenset(
    {
        Capability.DRAFT_FACTSHEETS,
        Capability.READ_FACTSHEET_DRAFTS,
        Capability.APPROVE_FACTSHEETS,
    }
)


def can(user: Any, capability: Capability, obj: Model | None = None) -> bool:
    """May `user` exercise `capability` (on `obj`, when given)?"""
    if not has_standing(user):
        return False
    if obj is None:
        return holds(user, capability)
    if capability is Capability.VIEW:
        return _can_view(user, obj)
    if isinstance(obj, Jurisdiction):
        if capability in CLOSED_WITH_MEMBERSHIP and obj.status == Jurisdiction.Status.FORMER:
            return False
        return _within(user, capability, obj.pk)
    if isinstance(obj, User):
        if capability is Capability.DEACTIVATE_OFFICIALS:
            return _may_act_on_official(user, capability, obj)
        if capability is Capability.ERASE_OFFICIALS:
            return _may_erase(user, obj)
        return _within(user, capability, obj.jurisdiction_id)
    if isinstance(obj, Invitation):
        return _within(user, capability, obj.jurisdiction_id) and can_grant(
            user, INVITATION_ROLE[obj.role], obj.jurisdiction_id
        )
    return False


def _can_view(user: Any, obj: Model) -> bool:
    if isinstance(obj, Jurisdiction):
        return _within(user, Capability.VIEW_MEMBERSHIP, obj.pk)
    if isinstance(obj, User):
        return obj.pk == user.pk or _within(user, Capability.VIEW_MEMBERSHIP, obj.jurisdiction_id)
    if isinstance(obj, Invitation):
        return can(user, Capability.INVITE_OFFICIALS, obj)
    if isinstance(obj, AuditEvent):
        return holds(user, Capability.READ_AUDIT)
    return False


def _jurisdiction_filter(user: Any, capability: Capability, field: str) -> Q | None:
    """A filter matching what `_within` allows; None when nothing is allowed."""
    scopes = _scopes(user, capability)
    if Scope.ALL in scopes:
        return Q()
    if Scope.OWN_JURISDICTION in scopes and user.jurisdiction_id is not None:
        return Q(**{field: user.jurisdiction_id})
    return None


def visible(user: Any, model: type[Model]) -> QuerySet:
    """Every object of `model` that `user` may see: the same answer as `can(user, VIEW, obj)`."""
    queryset = model._default_manager.all()
    if not has_standing(user):
        return queryset.none()
    if model is Jurisdiction:
        condition = _jurisdiction_filter(user, Capability.VIEW_MEMBERSHIP, "pk")
    elif model is User:
        condition = _jurisdiction_filter(user, Capability.VIEW_MEMBERSHIP, "jurisdiction_id")
        if condition is None:
            condition = Q(pk=user.pk)
        elif condition:  # scoped to a jurisdiction: one's own account is visible too
            condition |= Q(pk=user.pk)
    elif model is Invitation:
        condition = _invitation_filter(user)
    elif model is AuditEvent:
        condition = Q() if holds(user, Capability.READ_AUDIT) else None
    else:
        condition = None
    return queryset.none() if condition is None else queryset.filter(condition)


def _invitation_filter(user: Any) -> Q | None:
    """Invitations the user could have sent: inviting there, and granting the role it carries."""
    invite = _jurisdiction_filter(user, Capability.INVITE_OFFICIALS, "jurisdiction_id")
    if invite is None:
        return None
    condition = None
    for value, role in INVITATION_ROLE.items():
        grant = _jurisdiction_filter(user, GRANTING_CAPABILITY[role], "jurisdiction_id")
        if grant is not None:
            clause = Q(role=value) & invite & grant
            condition = clause if condition is None else condition | clause
    return condition


def get_from_or_404(allowed: QuerySet, **lookup: Any) -> Model:
    """One object of what the policy allows: missing and forbidden both raise the same 404."""
    try:
        return allowed.get(**lookup)
    except allowed.model.DoesNotExist:
        raise Http404 from None


def refusal() -> PermissionDenied:
    """The one refusal of an action the policy does not allow (views turn it into a 403)."""
    return PermissionDenied(_("You do not have permission to do that."))


def get_visible_or_404(user: Any, model: type[Model], **lookup: Any) -> Model:
    """Fetch and authorize in one call."""
    return get_from_or_404(visible(user, model), **lookup)


def require(user: Any, capability: Capability, obj: Model | None = None) -> None:
    """For services: refuse an action the policy does not allow."""
    if not can(user, capability, obj):
        raise refusal()


def holds_or_404(user: Any, capability: Capability) -> None:
    """For pages that exist only for some roles: to everyone else they do not exist."""
    if not can(user, capability):
        raise Http404


def is_full_member(user: Any) -> bool:
    """Full members see full-members-only items: member officials and Secretariat staff."""
    return bool(roles_of(user) & {Role.MEMBER_OFFICIAL, Role.SECRETARIAT})


@dataclass(frozen=True)
class Standing:
    """Who the reader is somewhere, in words: a short label ("Observer · Chile") and one
    sentence on what it means. Pages show it; they never work it out themselves."""

    label: str
    explanation: str


def platform_standing(user: Any) -> Standing | None:
    """The reader's standing on the platform (the account menu shows it), from their roles:
    Co-Chair, then Secretariat, then focal point, then member or observer official."""
    roles = roles_of(user)
    if not roles:
        return None
    observer = Role.OBSERVER_OFFICIAL in roles
    if Role.CO_CHAIR in roles:
        label = _("Co-Chair")
        explanation = _(
            "You co-chair Enclave: you decide which jurisdictions are members, appoint the "
            "Secretariat and may approve minutes in the dialogues you are on."
        )
    elif Role.SECRETARIAT in roles:
        label = _("Secretariat")
        explanation = _(
            "You run the dialogues: you create them, keep their rosters, moderate them and "
            "invite officials."
        )
    elif Role.FOCAL_POINT in roles:
        label = _("Observer focal point") if observer else _("Focal point")
        explanation = _(
            "You speak for your jurisdiction on Enclave: you see and invite its officials."
        )
    elif observer:
        label = _("Observer")
        explanation = _(
            "Your jurisdiction observes: in each dialogue you see what its roster shares with "
            "observers, never full-members-only items."
        )
    else:
        label = _("Member official")
        explanation = _(
            "Your jurisdiction is a full member: you see everything on the rosters you are on."
        )
    if user.jurisdiction_id is not None:
        label = _("%(role)s · %(jurisdiction)s") % {
            "role": label,
            "jurisdiction": user.jurisdiction.name,
        }
    return Standing(label, explanation)


# The operator (a SystemActor, through `manage.py bootstrap`) fills only a vacancy nobody else
# can fill: the first jurisdiction and the first Co-Chair. Everything else is the Co-Chairs' call.


def require_may_admit(actor: User | SystemActor) -> None:
    """Refuse admitting a jurisdiction unless `actor` manages jurisdictions, or is the operator
    admitting the very first one."""
    if not isinstance(actor, SystemActor):
        require(actor, Capability.MANAGE_JURISDICTIONS)
        return
    if Jurisdiction.objects.exists():
        raise PermissionDenied(
            _("Enclave has jurisdictions already: Co-Chairs admit the next ones.")
        )


def require_may_invite(
    actor: User | SystemActor, role: str, jurisdiction: Jurisdiction | None
) -> None:
    """Refuse inviting to `role` unless `actor` may invite officials (of `jurisdiction`), or is
    the operator inviting a first Co-Chair (or a new one when none is left and none invited)."""
    if not isinstance(actor, SystemActor):
        require(actor, Capability.INVITE_OFFICIALS, jurisdiction)
        return
    if role != Invitation.Role.CO_CHAIR:
        raise PermissionDenied(_("The operator invites only a first Co-Chair."))
    if User.objects.filter(is_co_chair=True, is_active=True).exists():
        raise PermissionDenied(_("Enclave has a Co-Chair already: Co-Chairs invite officials."))
    if Invitation.objects.pending().filter(role=Invitation.Role.CO_CHAIR).exists():
        raise PermissionDenied(
            _("A Co-Chair invitation is pending already: it must be accepted or revoked first.")
        )


# ------------------------------------------------------------------------------
# Access that must be renewed: who sponsors an official, who may confirm, end, restore
# ------------------------------------------------------------------------------


def _sponsored_by_focal_points(official: Any) -> bool:
    """Co-Chairs and Secretariat staff answer to the Secretariat, not to a focal point."""
    return official.jurisdiction_id is not None and not official.is_co_chair


def sponsors_for(officials: list[User]) -> dict[int, list[User]]:
    """Each official's sponsors, in three queries for the whole list: their jurisdiction's
    focal points (other than themselves) with standing; the Secretariat (its staff with
    standing, other than the official) for Secretariat staff, Co-Chairs and a jurisdiction
    whose focal points cannot answer; the Co-Chairs where no one else can."""
    jurisdiction_ids = {o.jurisdiction_id for o in officials if _sponsored_by_focal_points(o)}
    focal_points: dict[int, list[User]] = {}
    for person in User.objects.filter(
        people_with_standing(), is_focal_point=True, jurisdiction_id__in=jurisdiction_ids
    ).select_related("jurisdiction"):
        focal_points.setdefault(person.jurisdiction_id, []).append(person)
    secretariat = list(User.objects.filter(people_with_standing(), is_secretariat=True))
    co_chairs = list(User.objects.filter(people_with_standing(), is_co_chair=True))
    found: dict[int, list[User]] = {}
    for official in officials:
        own = []
        if _sponsored_by_focal_points(official):
            own = [p for p in focal_points.get(official.jurisdiction_id, []) if p.pk != official.pk]
        # The Secretariat's only staff member answers to the Co-Chairs (who appoint it).
        found[official.pk] = (
            own
            or [p for p in secretariat if p.pk != official.pk]
            or [p for p in co_chairs if p.pk != official.pk]
        )
    return found


def sponsors_of(official: User) -> list[User]:
    return sponsors_for([official])[official.pk]


# Who reviews access is who may deactivate officials (the Co-Chairs and the Secretariat for
# everyone, a focal point for their own jurisdiction): the same people decide whether access
# goes on. Which officials, and what ending it takes, is narrower (below).
REVIEWING = Capability.DEACTIVATE_OFFICIALS


def may_review_access(user: Any) -> bool:
    """Whether `user` reviews anyone's access (the review page and its links exist for them)."""
    return holds(user, REVIEWING)


def can_review(user: Any, official: User) -> bool:
    """May `user` confirm or restore `official`'s access? Their sponsors may (a focal point,
    for their own jurisdiction's officials but its Co-Chairs), and so may the Secretariat and
    the Co-Chairs, for anyone; nobody for themselves or the operator's account."""
    if official.pk == user.pk or official.is_superuser:
        return False
    scopes = _scopes(user, REVIEWING)
    if Scope.ALL in scopes:
        return True
    return (
        Scope.OWN_JURISDICTION in scopes
        and _sponsored_by_focal_points(official)
        and official.jurisdiction_id == user.jurisdiction_id
    )


def can_end_membership(user: Any, official: User) -> bool:
    """Ending access deactivates the account: who may review it and may deactivate it (a focal
    point does not end another focal point's access, the Secretariat not a Co-Chair's)."""
    return can_review(user, official) and can(user, Capability.DEACTIVATE_OFFICIALS, official)


def reviewable(user: Any) -> QuerySet[User]:
    """The officials whose access `user` may review: the same answer as `can_review`."""
    scopes = _scopes(user, REVIEWING)
    people = User.objects.exclude(pk=user.pk).exclude(is_superuser=True)
    if Scope.ALL in scopes:
        return people
    if Scope.OWN_JURISDICTION in scopes and user.jurisdiction_id is not None:
        return people.filter(jurisdiction_id=user.jurisdiction_id, is_co_chair=False)
    return people.none()
