"""The one access policy: "may user U do X on O" and "which Os may U see".

Every view, service, selector, consumer, export and admin page above the accounts layer asks
this module; it builds on the platform policy (accounts/policy.py: roles, membership, audit).
Roles are data; code checks capabilities, never role names. `can()` and `visible()` must agree:
tests check `obj in visible(user, type(obj))` iff `can(user, VIEW, obj)` over a seeded world.
"""

from __future__ import annotations

import enum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts import policy as platform
from accounts.models import Jurisdiction, User
from accounts.policy import (  # noqa: F401 - the platform vocabulary, answered from here too
    GRANTING_CAPABILITY,
    INVITATION_ROLE,
    ROLE_CAPABILITIES,
    Capability,
    Role,
    Scope,
    Standing,
    can_grant,
    holds,
    holds_or_404,
    is_full_member,
    may_review_access,
    platform_standing,
    reach,
    roles_of,
)
from accounts.standing import has_standing, people_with_standing

from .models import (
    Audience,
    Document,
    MarkingAcknowledgement,
    PartnershipAudience,
    PartnershipItem,
    Undertaking,
    Workspace,
    WorkspaceGroupGrant,
    WorkspaceItem,
    WorkspaceUserGrant,
)


# The platform part (roles, membership and audit) is accounts/policy.py; this module adds
# workspaces and their items and answers for everything, so every layer above asks it alone.
def can(user: Any, capability: Capability, obj: Model | None = None) -> bool:
    """May `user` exercise `capability` (on `obj`, when given)?"""
    if obj is not None and has_standing(user):
        if isinstance(obj, Workspace):
            return capability in workspace_capabilities(user, obj)
        if isinstance(obj, WorkspaceItem) or hasattr(obj, "ACCESS_PARENT"):
            return _can_on_item(user, capability, obj)
        if isinstance(obj, PartnershipItem):
            return capability in partnership_item_capabilities(user, obj)
    return platform.can(user, capability, obj)


def visible(user: Any, model: type[Model]) -> QuerySet:
    """Every object of `model` that `user` may see: the same answer as `can(user, VIEW, obj)`."""
    if has_standing(user):
        if model is Workspace:
            return model._default_manager.filter(pk__in=_viewable_workspace_ids(user))
        if issubclass(model, WorkspaceItem) or hasattr(model, "ACCESS_PARENT"):
            return model._default_manager.filter(_item_filter(user, model))
        if issubclass(model, PartnershipItem):
            return model._default_manager.filter(_partnership_filter(user, model))
    return platform.visible(user, model)


def get_visible_or_404(
    user: Any, model: type[Model], *, select_related: tuple[str, ...] = (), **lookup: Any
) -> Model:
    """Fetch and authorize in one call: missing and forbidden both raise the same 404.
    `select_related` reads what the page shows with it in the same query."""
    allowed = visible(user, model)
    if select_related:
        allowed = allowed.select_related(*select_related)
    try:
        return platform.get_from_or_404(allowed, **lookup)
    except Http404:
        _raise_if_undertaking_pending(user, model, lookup)
        raise


def require(user: Any, capability: Capability, obj: Model | None = None) -> None:
    """For services: refuse an action the policy does not allow (views turn it into a 403)."""
    if not can(user, capability, obj):
        raise platform.refusal()


# ------------------------------------------------------------------------------
# Workspaces: the roster (guardian grants) and what each workspace role may do
# ------------------------------------------------------------------------------


class WorkspaceRole(enum.StrEnum):
    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"


ROSTER_PERMISSION: dict[WorkspaceRole, str] = {
    WorkspaceRole.PARTICIPANT: "participate_workspace",
    WorkspaceRole.FACILITATOR: "facilitate_workspace",
}
_C = Capability
WORKSPACE_ROLE_CAPABILITIES: dict[WorkspaceRole, frozenset[Capability]] = {
    WorkspaceRole.PARTICIPANT: frozenset({_C.VIEW, _C.CONTRIBUTE}),
    WorkspaceRole.FACILITATOR: frozenset(
        {
            _C.VIEW,
            _C.CONTRIBUTE,
            _C.MODERATE,
            _C.MANAGE_ROSTER,
            _C.RUN_SESSIONS,
            _C.APPROVE_MINUTES,
        }
    ),
}
# Platform roles add to a workspace role, but only where the user is on the roster.
ROSTER_EXTRAS: dict[Role, frozenset[Capability]] = {
    Role.SECRETARIAT: frozenset(
        {
            _C.MODERATE,
            _C.MANAGE_ROSTER,
            _C.ALLOW_EXCERPTS,
            _C.RUN_SESSIONS,
            _C.SET_ATTRIBUTION,
            _C.UNMASK,
        }
    ),
    Role.CO_CHAIR: frozenset({_C.APPROVE_MINUTES}),
}
# Which accounts carry a platform role (for queries over people).
_ROLE_HOLDERS: dict[Role, Q] = {
    Role.SECRETARIAT: Q(is_secretariat=True),
    Role.CO_CHAIR: Q(is_co_chair=True, jurisdiction__isnull=False),
}
# An observer official never gets more than the workspace's observer policy allows.
OBSERVER_POLICY_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Workspace.ObserverPolicy.NONE: frozenset(),
    Workspace.ObserverPolicy.READ: frozenset({_C.VIEW}),
    Workspace.ObserverPolicy.CONTRIBUTE: frozenset({_C.VIEW, _C.CONTRIBUTE}),
}
# An archived workspace is read-only for everyone; its moderators may reopen it.
ARCHIVED_CAPABILITIES = frozenset({_C.VIEW})


def _roster_group_id(user: Any) -> int | None:
    jurisdiction = user.jurisdiction if user.jurisdiction_id else None
    return jurisdiction.group_id if jurisdiction else None


def _roster_roles(user: Any, workspace_ids: list[int]) -> dict[int, set[WorkspaceRole]]:
    """Each workspace's roster roles of `user`, from user grants and the jurisdiction's grant."""
    by_codename = {codename: role for role, codename in ROSTER_PERMISSION.items()}
    found: dict[int, set[WorkspaceRole]] = {pk: set() for pk in workspace_ids}
    grants = WorkspaceUserGrant.objects.filter(user_id=user.pk, content_object_id__in=workspace_ids)
    group_id = _roster_group_id(user)
    group_grants = WorkspaceGroupGrant.objects.filter(
        group_id=group_id, content_object_id__in=workspace_ids
    )
    for queryset in (grants, group_grants) if group_id else (grants,):
        for pk, codename in queryset.values_list("content_object_id", "permission__codename"):
            found[pk].add(by_codename[codename])
    return found


def _capabilities_from(user: Any, workspace: Workspace, roles: set[WorkspaceRole]):
    if not roles or workspace.is_library:  # the library has no roster (its documents: below)
        return frozenset()
    capabilities = set().union(*(WORKSPACE_ROLE_CAPABILITIES[r] for r in roles))
    for role in roles_of(user):
        capabilities |= ROSTER_EXTRAS.get(role, frozenset())
    if not is_full_member(user):
        capabilities &= OBSERVER_POLICY_CAPABILITIES[workspace.observer_policy]
    if workspace.is_archived:
        reopen = {_C.REOPEN} if _C.MODERATE in capabilities else set()
        capabilities = (capabilities & ARCHIVED_CAPABILITIES) | reopen
    return frozenset(capabilities)


def workspace_capabilities(user: Any, workspace: Workspace) -> frozenset[Capability]:
    """What `user` may do in `workspace`, read fresh from the roster (never cached: a roster
    change takes effect on the very next check, in a page or on a live socket)."""
    if not has_standing(user):
        return frozenset()
    roles = _roster_roles(user, [workspace.pk])[workspace.pk]
    return _capabilities_from(user, workspace, roles)


def workspace_capabilities_for(user: Any, workspaces: list[Workspace]) -> dict[int, frozenset]:
    """The same for many workspaces at once, in a constant number of queries."""
    if not has_standing(user):
        return {w.pk: frozenset() for w in workspaces}
    roles = _roster_roles(user, [w.pk for w in workspaces])
    return {w.pk: _capabilities_from(user, w, roles[w.pk]) for w in workspaces}


def workspace_standing(user: Any, workspace: Workspace) -> Standing | None:
    """The reader's standing on this dialogue's roster, in words (every workspace page's header
    shows it), from the same roster read and capabilities as every check; None off the roster."""
    if not has_standing(user):
        return None
    roles = _roster_roles(user, [workspace.pk])[workspace.pk]
    if not roles:
        return None
    platform_roles = roles_of(user)
    if Role.SECRETARIAT in platform_roles:
        label = _("Secretariat on this roster")
        explanation = _(
            "You run this dialogue for the Secretariat: you moderate it, keep its roster, run "
            "its sessions and set how people are named."
        )
    elif not is_full_member(user):
        if _C.CONTRIBUTE in OBSERVER_POLICY_CAPABILITIES[workspace.observer_policy]:
            label = _("Observer")
            explanation = _(
                "As an observer you can read and contribute to what the roster shares with "
                "observers; full-members-only items are not shown to you."
            )
        else:
            label = _("Observer, reading only")
            explanation = _(
                "As an observer you can read what the roster shares with observers; "
                "full-members-only items are not shown to you."
            )
    elif WorkspaceRole.FACILITATOR in roles:
        label = _("Facilitator")
        explanation = _(
            "You facilitate this dialogue: you moderate posts, keep the roster, run sessions "
            "and approve minutes."
        )
    elif Role.CO_CHAIR in platform_roles:
        label = _("Co-Chair, participant")
        explanation = _(
            "You take part in this dialogue, full-members-only items included, and as "
            "Co-Chair you may approve its minutes."
        )
    else:
        label = _("Participant")
        explanation = _(
            "You take part in this dialogue: you read and contribute to everything on it, "
            "full-members-only items included."
        )
    if workspace.is_archived:
        explanation = " ".join((explanation, _("While it is archived, you can only read it.")))
    return Standing(label, explanation)


def workspace_role(user: Any, workspace: Workspace) -> WorkspaceRole | None:
    roles = _roster_roles(user, [workspace.pk])[workspace.pk] if has_standing(user) else set()
    if WorkspaceRole.FACILITATOR in roles:
        return WorkspaceRole.FACILITATOR
    return WorkspaceRole.PARTICIPANT if roles else None


def _viewable_workspace_ids(user: Any) -> QuerySet:
    """Workspaces on whose roster `user` stands, less those its observer policy closes."""
    group_id = _roster_group_id(user)
    on_roster = Q(user_grants__user_id=user.pk)
    if group_id:
        on_roster |= Q(group_grants__group_id=group_id)
    workspaces = Workspace.objects.filter(on_roster, kind=Workspace.Kind.DIALOGUE)
    if not is_full_member(user):
        closed = [
            policy
            for policy, capabilities in OBSERVER_POLICY_CAPABILITIES.items()
            if _C.VIEW not in capabilities
        ]
        workspaces = workspaces.exclude(observer_policy__in=closed)
    return workspaces.values("pk")


def undertaking_pending(user: Any, workspace: Workspace) -> bool:
    """Has `workspace` an undertaking whose current version `user` has not accepted? Until
    they do, they see the workspace itself (its name, the undertaking) and nothing inside it:
    `can` and `visible` refuse every item, so every door (pages, search, notifications,
    exports, downloads, the chat socket) follows."""
    return Undertaking.objects.pending_for(user).filter(workspace_id=workspace.pk).exists()


def undertakings_pending(user: Any) -> set[int]:
    """The ids of the workspaces whose current undertaking `user` has not accepted (one query,
    for a list of dialogues: until then, only their names are shown)."""
    return set(Undertaking.objects.pending_for(user).values_list("workspace_id", flat=True))


class UndertakingPending(Exception):
    """Raised by a lookup inside `workspace` that the reader may open once they accept its
    undertaking: one handler (workspaces/undertaking_views.py) sends them to it and back."""

    def __init__(self, workspace: Workspace):
        super().__init__(workspace.slug)
        self.workspace = workspace


def require_undertaking_accepted(user: Any, workspace: Workspace) -> None:
    if undertaking_pending(user, workspace):
        raise UndertakingPending(workspace)


def _raise_if_undertaking_pending(user: Any, model: type[Model], lookup: dict) -> None:
    """An item not found for `user` that accepting its workspace's undertaking would show:
    say so (only then, so nothing else is revealed than after accepting)."""
    if not has_standing(user) or not (
        issubclass(model, WorkspaceItem) or hasattr(model, "ACCESS_PARENT")
    ):
        return
    pending = Undertaking.objects.pending_for(user).values("workspace_id")
    field = f"{_item_prefix(model)}workspace_id"
    workspace_id = (
        model._default_manager.filter(_item_filter(user, model, _viewable_workspace_ids(user)))
        .filter(**{f"{field}__in": pending}, **lookup)
        .values_list(field, flat=True)
        .first()
    )
    if workspace_id is not None:
        raise UndertakingPending(Workspace.objects.get(pk=workspace_id))


def _readable_workspace_ids(user: Any) -> QuerySet:
    """The workspaces whose items `user` may see: viewable, less those whose current
    undertaking they have not accepted (one more subquery, not a query per workspace)."""
    pending = Undertaking.objects.pending_for(user).values("workspace_id")
    return _viewable_workspace_ids(user).exclude(pk__in=pending)


def _item_root(obj: Model) -> Model:
    while hasattr(type(obj), "ACCESS_PARENT"):
        obj = getattr(obj, type(obj).ACCESS_PARENT)
    return obj


def _item_root_model(model: type[Model]) -> type[Model]:
    while hasattr(model, "ACCESS_PARENT"):
        model = model._meta.get_field(model.ACCESS_PARENT).related_model
    return model


def _item_prefix(model: type[Model]) -> str:
    prefix = ""
    while hasattr(model, "ACCESS_PARENT"):
        field = model._meta.get_field(model.ACCESS_PARENT)
        prefix += f"{model.ACCESS_PARENT}__"
        model = field.related_model
    return prefix


def _removed(obj: Model) -> bool:
    """Soft-deleted, itself or any item it sits in."""
    while True:
        if getattr(obj, "deleted_at", None) is not None:
            return True
        if not hasattr(type(obj), "ACCESS_PARENT"):
            return False
        obj = getattr(obj, type(obj).ACCESS_PARENT)


def _unreleased_gates(obj: Model) -> list[Capability]:
    """The capabilities needed to see `obj` before it is released (a draft session, minutes
    before their review opens), for it and every item it sits in."""
    gates = []
    while True:
        if hasattr(type(obj), "RELEASE_LOOKUPS") and not obj.is_released():
            gates.append(Capability(type(obj).RELEASE_CAPABILITY))
        if not hasattr(type(obj), "ACCESS_PARENT") or _shown_before_parent(type(obj)):
            return gates
        obj = getattr(obj, type(obj).ACCESS_PARENT)


def _shown_before_parent(model: type[Model]) -> bool:
    """An item its audience sees while the item it sits in is still unreleased (a scheduling
    poll of a draft session): the release gates stop at it; removal and audience do not."""
    return getattr(model, "SHOWN_BEFORE_PARENT_RELEASE", False)


def item_capabilities(user: Any, obj: Model) -> frozenset[Capability]:
    """Everything `user` may do on an item, in one roster read (pages ask once, not per flag)."""
    return _item_capabilities(user, obj, undertaking=True)


def hidden_by_undertaking(user: Any, obj: Model) -> bool:
    """Is item `obj` hidden from `user` only because they have not accepted its workspace's
    current undertaking (they would see it once they do)? The chat socket's close code says so."""
    root = _item_root(obj)
    return undertaking_pending(user, root.workspace) and _C.VIEW in _item_capabilities(
        user, obj, undertaking=False
    )


def _item_capabilities(user: Any, obj: Model, *, undertaking: bool) -> frozenset[Capability]:
    root = _item_root(obj)
    if _removed(obj) or (root.audience == Audience.FULL_MEMBERS and not is_full_member(user)):
        return frozenset()
    if root.workspace.is_library:
        return library_capabilities(user) if isinstance(root, Document) else frozenset()
    capabilities = workspace_capabilities(user, root.workspace)
    if undertaking and capabilities and undertaking_pending(user, root.workspace):
        return frozenset()
    if any(gate not in capabilities for gate in _unreleased_gates(obj)):
        return frozenset()
    if getattr(root, "closed_at", None) is not None:
        # A closed item (an ended session's room) takes no contributions at all.
        capabilities = capabilities - {_C.CONTRIBUTE}
    if getattr(root, "locked_at", None) is not None and _C.MODERATE not in capabilities:
        # A locked item takes no new contributions, except from its moderators.
        capabilities = capabilities - {_C.CONTRIBUTE}
    return capabilities


def can_act_for(user: Any, obj: Model, person: Any, organiser: Capability) -> bool:
    """May `user` act for `person` on `obj` (register them for a session)? For oneself; for a
    colleague of one's own jurisdiction; for anyone where one holds `organiser`."""
    if not can(user, Capability.VIEW, obj):
        return False
    if person.pk == user.pk or can(user, organiser, obj):
        return True
    return _colleagues(user, person)


def _colleagues(user: Any, person: Any) -> bool:
    return user.jurisdiction_id is not None and user.jurisdiction_id == person.jurisdiction_id


def colleagues_who_can_view(user: Any, obj: Model) -> QuerySet[User]:
    """The colleagues `user` may act for on `obj`: those of their own jurisdiction, themselves
    left out, who may view it (can_act_for's colleague rule, as a query)."""
    if user.jurisdiction_id is None or undertaking_pending(user, _item_root(obj).workspace):
        return User.objects.none()
    return people_who_can_view(obj).filter(jurisdiction_id=user.jurisdiction_id).exclude(pk=user.pk)


def can_act_for_jurisdiction(
    user: Any, obj: Model, *, capabilities: frozenset | None = None, needs: Capability = _C.VIEW
) -> bool:
    """May `user` act on `obj` for their whole jurisdiction: answer a scheduling poll for it
    (`needs` VIEW), raise a hand for it in a live session (`needs` CONTRIBUTE on the room)? Its
    focal points may, where they hold `needs` on `obj`; one act then stands for every colleague.
    `capabilities`: the reader's item_capabilities on `obj`, when the caller has them."""
    if user.jurisdiction_id is None or Role.FOCAL_POINT not in roles_of(user):
        return False
    if capabilities is None:
        capabilities = item_capabilities(user, obj)
    return needs in capabilities


def insights_scope(
    user: Any, workspace_ids: list[int] | None = None
) -> dict[int, frozenset[int] | None]:
    """The dialogues whose participation figures `user` may read, each with the jurisdictions
    they may read them for (None: every jurisdiction). Co-Chairs and the Secretariat: every
    dialogue. A focal point: the dialogues they may see, for their own jurisdiction. A
    dialogue's facilitators: that dialogue, for every jurisdiction. Anyone else: nothing.
    `workspace_ids` narrows the answer to those dialogues. Figures are counts: which items
    count for the reader is `dialogues.insights.figures.countable`'s business."""
    if not has_standing(user):
        return {}
    scopes = reach(user, _C.VIEW_INSIGHTS)
    if Scope.ALL in scopes:
        everything = Workspace.objects.filter(kind=Workspace.Kind.DIALOGUE)
    else:  # those they read inside: an undertaking not accepted hides its figures too
        everything = Workspace.objects.filter(pk__in=_readable_workspace_ids(user))
    if workspace_ids is not None:
        everything = everything.filter(pk__in=workspace_ids)
    seen = list(everything.values_list("pk", flat=True))
    if Scope.ALL in scopes:
        return dict.fromkeys(seen)
    found: dict[int, frozenset[int] | None] = {}
    if Scope.OWN_JURISDICTION in scopes and user.jurisdiction_id is not None:
        found = {pk: frozenset({user.jurisdiction_id}) for pk in seen}
    for pk, roles in _roster_roles(user, seen).items():
        if WorkspaceRole.FACILITATOR in roles:
            found[pk] = None
    return found


def may_read_dialogue_insights(user: Any, workspace: Workspace) -> bool:
    """`insights_scope`'s rule for one dialogue whose page the reader is on (the page found it
    through the policy, so they see it): whether its Insights tab opens for them. Without a
    query for those who read figures anyway; one roster read for a possible facilitator."""
    if not has_standing(user):
        return False
    if reach(user, _C.VIEW_INSIGHTS):
        return True  # every dialogue, or their own jurisdiction's figures in one they see
    return WorkspaceRole.FACILITATOR in _roster_roles(user, [workspace.pk])[workspace.pk]


def may_read_insights(user: Any) -> bool:
    """Whether the Insights page exists for `user`: a platform role that reads figures (even
    before there is a dialogue), or a dialogue they facilitate."""
    return bool(reach(user, _C.VIEW_INSIGHTS)) or bool(insights_scope(user))


def insights_observer_view(user: Any) -> bool:
    """Whether the figures are read from an observer's seat: full-members-only items are then
    never counted, whoever else's they are. The same seat as every item's audience check
    (`is_full_member`): a Co-Chair of a jurisdiction that became an observer has it too."""
    return not is_full_member(user)


def factsheet_reads_limited(user: Any, jurisdiction_id: int | None) -> bool:
    """Whether `user` reads the factsheet of `jurisdiction_id` (None: several at once, as in a
    comparison or the map) from an observer's seat: then only the fields the partnership shows
    observers. A jurisdiction's own officials read every field of their own factsheet."""
    if is_full_member(user):
        return False
    return jurisdiction_id is None or jurisdiction_id != user.jurisdiction_id


def factsheet_approvers(jurisdiction: Jurisdiction) -> QuerySet[User]:
    """Everyone with standing who may approve `jurisdiction`'s factsheet (the people a
    submitted change and the yearly reminder go to): the holders of APPROVE_FACTSHEETS over it,
    from the role table, so the emails and the Approve button cannot disagree."""
    if jurisdiction.status == Jurisdiction.Status.FORMER:
        return User.objects.none()
    holders = Q(pk__in=[])
    for role, table in ROLE_CAPABILITIES.items():
        scope = table.get(_C.APPROVE_FACTSHEETS)
        if scope is Scope.ALL:
            holders |= _PLATFORM_ROLE_HOLDERS[role]
        elif scope is Scope.OWN_JURISDICTION:
            holders |= _PLATFORM_ROLE_HOLDERS[role] & Q(jurisdiction=jurisdiction)
    return User.objects.filter(people_with_standing(), holders)


def audiences_for(user: Any) -> list[str]:
    """The audiences `user` may give a new item: full-members-only is for full members alone
    (an observer cannot hide an item from observers), in the order the forms offer them."""
    return [a for a in Audience.values if a != Audience.FULL_MEMBERS or is_full_member(user)]


def can_choose_audience(user: Any, audience: str) -> bool:
    return audience in audiences_for(user)


def approval_lack(
    user: Any, obj: Model, *, shared_by_id: int | None, capabilities: frozenset | None = None
) -> str | None:
    """Why `user` may not approve `obj` (a session's minutes) that `shared_by_id` shared for
    review (None: not shared yet), or None when they may: it takes APPROVE_MINUTES, something
    shared to approve, and four eyes, never the person who shared it. The approval service
    refuses with this reason and the page offers the button only where it is None.
    `capabilities`: the reader's item_capabilities on `obj`, when the caller has them."""
    if capabilities is None:
        capabilities = item_capabilities(user, obj)
    if _C.APPROVE_MINUTES not in capabilities:
        return _("Only a Co-Chair or a facilitator of this dialogue can approve minutes.")
    if shared_by_id is None:
        return _("Share the minutes for review before approving them.")
    if shared_by_id == user.pk:
        return _("Minutes are approved by someone other than the person who shared them.")
    return None


def can_delete_document(
    user: Any, document: Model, *, capabilities: frozenset | None = None
) -> bool:
    """A moderator, or the uploader where they may remove their own: the rule
    documents.document_delete enforces, asked by the document page for its Delete button.
    `capabilities`: the reader's item_capabilities on `document`, when the caller has them."""
    if capabilities is None:
        capabilities = item_capabilities(user, document)
    return _C.MODERATE in capabilities or can_remove_own(
        user, document, author_id=document.uploaded_by_id, capabilities=capabilities
    )


def can_discuss(user: Any, document: Model, *, capabilities: frozenset | None = None) -> bool:
    """May `user` start `document`'s discussion, a thread in its workspace: those who may
    contribute to the document, except in the library, where no thread lives. The rule
    document_discussion_start enforces, asked by the document page for its Discuss button.
    `capabilities`: the reader's item_capabilities on `document`, when the caller has them."""
    if _item_root(document).workspace.is_library:
        return False
    if capabilities is None:
        capabilities = item_capabilities(user, document)
    return _C.CONTRIBUTE in capabilities


def require_discuss(user: Any, document: Model) -> None:
    """For services: refuse a discussion that `can_discuss` does not allow."""
    if not can_discuss(user, document):
        raise platform.refusal()


def can_switch_watermark(
    user: Any, document: Model, *, capabilities: frozenset | None = None
) -> bool:
    """Whether `user` may turn `document`'s per-download watermark on or off: the dialogue's
    moderators, for an unmarked document (a marked one is always watermarked). The rule
    documents.document_watermark_set enforces, asked by the document page for its switch."""
    if document.is_marked:
        return False
    if capabilities is None:
        capabilities = item_capabilities(user, document)
    return _C.MODERATE in capabilities


def must_acknowledge(user: Any, document: Model) -> bool:
    """Is `user` asked to acknowledge `document`'s handling marking before downloading it? Only
    a marked document, once per marking, and never its uploader, who chose the marking. The
    document page, the download gate and the acknowledgement service all ask this."""
    return document.pk in documents_to_acknowledge(user, [document])


def documents_to_acknowledge(user: Any, documents: list) -> set[int]:
    """The ids of `documents` that `user` must acknowledge before downloading (the rule of
    `must_acknowledge`), in one query for a whole list."""
    marked = {d.pk: d.marking for d in documents if d.is_marked and d.uploaded_by_id != user.pk}
    if not marked:
        return set()
    done = MarkingAcknowledgement.objects.filter(document_id__in=marked, user=user)
    acknowledged = {(pk, marking) for pk, marking in done.values_list("document_id", "marking")}
    return {pk for pk, marking in marked.items() if (pk, marking) not in acknowledged}


def can_edit_own(
    user: Any, obj: Model, *, author_id: int | None, capabilities: frozenset | None = None
) -> bool:
    """May `user` edit `obj` as its author? Only their own, and only while they may contribute
    to it: never in an archived dialogue, a locked thread (unless they moderate it) or a closed
    room. `capabilities`: the reader's item_capabilities on `obj`, when the caller has them."""
    if author_id is None or author_id != user.pk:
        return False
    if capabilities is None:
        capabilities = item_capabilities(user, obj)
    return _C.CONTRIBUTE in capabilities


def require_edit_own(user: Any, obj: Model, *, author_id: int | None, refusal: str) -> None:
    """For services: refuse an edit that `can_edit_own` does not allow; `refusal` says why to
    someone who may contribute but is not the author."""
    require(user, _C.CONTRIBUTE, obj)
    if author_id is None or author_id != user.pk:
        raise PermissionDenied(refusal)


def can_remove_own(
    user: Any, obj: Model, *, author_id: int | None, capabilities: frozenset | None = None
) -> bool:
    """May `user` delete `obj` as its author? Only their own, only what they may see, and never
    in an archived dialogue (archive means read-only, for posts, messages and documents alike).
    `capabilities`: the reader's item_capabilities on `obj`, when the caller already has them."""
    if author_id is None or author_id != user.pk:
        return False
    if capabilities is None:
        capabilities = item_capabilities(user, obj)
    return _C.VIEW in capabilities and not _item_root(obj).workspace.is_archived


def require_remove_own(user: Any, obj: Model, *, author_id: int | None) -> None:
    """For services: refuse a removal that `can_remove_own` does not allow, saying why."""
    if can_remove_own(user, obj, author_id=author_id):
        return
    if _item_root(obj).workspace.is_archived:
        raise PermissionDenied(_("This dialogue is archived and read-only."))
    raise PermissionDenied(_("You can only delete what you wrote or uploaded yourself."))


def can_read_hidden_text(
    user: Any, obj: Model, *, author_id: int | None, capabilities: frozenset | None = None
) -> bool:
    """A hidden item's text stays readable to its author and to the dialogue's moderators, and
    to nobody else, wherever it is read inside Enclave (thread and chat pages, the reply form,
    search, chat history). What leaves the reading view (exports, emails, the dashboard's
    activity, quotes into a new post) carries no hidden text for anyone. `capabilities`: the
    reader's item_capabilities on `obj`, when the caller already has them."""
    if capabilities is None:
        capabilities = item_capabilities(user, obj)
    if _C.VIEW not in capabilities:
        return False
    return author_id == user.pk or _C.MODERATE in capabilities


def readable_text_filter(user: Any, model: type[Model], author_field: str = "author") -> Q:
    """The same rule over a queryset of `model`: items not hidden, or hidden and readable."""
    moderated = Q(
        **{f"{_item_prefix(model)}workspace_id__in": _workspace_ids_with(user, _C.MODERATE)}
    )
    return Q(hidden_at__isnull=True) | Q(**{f"{author_field}_id": user.pk}) | moderated


def _can_on_item(user: Any, capability: Capability, obj: Model) -> bool:
    return capability in item_capabilities(user, obj)


def _item_filter(user: Any, model: type[Model], workspace_ids: QuerySet | None = None) -> Q:
    prefix = _item_prefix(model)
    if workspace_ids is None:
        workspace_ids = _readable_workspace_ids(user)
    condition = Q(**{f"{prefix}workspace_id__in": workspace_ids})
    if _item_root_model(model) is Document and _C.VIEW in library_capabilities(user):
        condition |= Q(**{f"{prefix}workspace__kind": Workspace.Kind.LIBRARY})
    if not is_full_member(user):
        condition &= Q(**{f"{prefix}audience": Audience.EVERYONE})
    # At every level of the chain: not removed, and released (or the user holds the capability
    # that sees unreleased items, such as drafts).
    level, current, gated = "", model, True
    while True:
        if any(f.name == "deleted_at" for f in current._meta.get_fields()):
            condition &= Q(**{f"{level}deleted_at__isnull": True})
        lookups = getattr(current, "RELEASE_LOOKUPS", None) if gated else None
        gated = gated and not _shown_before_parent(current)
        if lookups:
            released = Q(**{f"{level}{key}": value for key, value in lookups.items()})
            gate = Capability(current.RELEASE_CAPABILITY)
            condition &= released | Q(
                **{f"{prefix}workspace_id__in": _workspace_ids_with(user, gate)}
            )
        if not hasattr(current, "ACCESS_PARENT"):
            return condition
        level += f"{current.ACCESS_PARENT}__"
        current = current._meta.get_field(current.ACCESS_PARENT).related_model


def _granting_codenames(capability: Capability) -> list[str]:
    return [
        ROSTER_PERMISSION[role]
        for role, capabilities in WORKSPACE_ROLE_CAPABILITIES.items()
        if capability in capabilities
    ]


def _workspace_ids_with(user: Any, capability: Capability) -> QuerySet:
    """Workspaces where `user` holds `capability`: the same answer as workspace_capabilities."""
    workspaces = Workspace.objects.filter(kind=Workspace.Kind.DIALOGUE)
    if capability not in ARCHIVED_CAPABILITIES:
        workspaces = workspaces.exclude(status=Workspace.Status.ARCHIVED)
    if not is_full_member(user):
        policies = [p for p, c in OBSERVER_POLICY_CAPABILITIES.items() if capability in c]
        workspaces = workspaces.filter(observer_policy__in=policies)
    if any(capability in ROSTER_EXTRAS.get(role, ()) for role in roles_of(user)):
        codenames = list(ROSTER_PERMISSION.values())  # any place on the roster will do
    else:
        codenames = _granting_codenames(capability)
    on_roster = Q(user_grants__user_id=user.pk, user_grants__permission__codename__in=codenames)
    group_id = _roster_group_id(user)
    if group_id:
        on_roster |= Q(
            group_grants__group_id=group_id, group_grants__permission__codename__in=codenames
        )
    return workspaces.filter(on_roster).values("pk")


def people_who_can_view(obj: Model) -> QuerySet[User]:
    """Everyone who may see `obj` (a workspace or an item): for mentions and notifications.

    It must agree with `can(user, VIEW, obj)`; the policy tests check that it does.
    """
    if isinstance(obj, PartnershipItem):
        return _partnership_readers(obj)
    root = obj if isinstance(obj, Workspace) else _item_root(obj)
    workspace = root if isinstance(obj, Workspace) else root.workspace
    if not isinstance(obj, Workspace) and _removed(obj):
        return User.objects.none()
    if workspace.is_library:
        return _library_readers(root)
    granted = Q(workspaceusergrant__content_object=workspace) | Q(
        jurisdiction__group__workspacegroupgrant__content_object=workspace
    )
    people = User.objects.filter(
        people_with_standing(), pk__in=User.objects.filter(granted).values("pk")
    )
    observers = Q(jurisdiction__status=Jurisdiction.Status.OBSERVER)
    observers_may_view = _C.VIEW in OBSERVER_POLICY_CAPABILITIES[workspace.observer_policy]
    if not observers_may_view or getattr(root, "audience", None) == Audience.FULL_MEMBERS:
        people = people.exclude(observers)
    if not isinstance(obj, Workspace):
        for gate in _unreleased_gates(obj):
            people = _holding(people, workspace, gate)
        people = _accepted_undertaking(people, workspace)
    return people


def _accepted_undertaking(people: QuerySet, workspace: Workspace) -> QuerySet:
    """Those of `people` who accepted `workspace`'s current undertaking (all, if it has none)."""
    current = Undertaking.objects.current().filter(workspace=workspace)
    return people.filter(~Exists(current) | Q(pk__in=current.values("acceptances__user_id")))


def _holding(people: QuerySet, workspace: Workspace, capability: Capability) -> QuerySet:
    """Those of `people` (already on the roster) who hold `capability` in `workspace`."""
    if workspace.is_archived and capability not in ARCHIVED_CAPABILITIES:
        return people.none()
    codenames = _granting_codenames(capability)
    holders = Q(
        workspaceusergrant__content_object=workspace,
        workspaceusergrant__permission__codename__in=codenames,
    ) | Q(
        jurisdiction__group__workspacegroupgrant__content_object=workspace,
        jurisdiction__group__workspacegroupgrant__permission__codename__in=codenames,
    )
    for role, extras in ROSTER_EXTRAS.items():
        if capability in extras:
            holders |= _ROLE_HOLDERS[role]
    people = people.filter(pk__in=User.objects.filter(holders).values("pk"))
    observer_policy = OBSERVER_POLICY_CAPABILITIES[workspace.observer_policy]
    if capability not in observer_policy:
        people = people.exclude(jurisdiction__status=Jurisdiction.Status.OBSERVER)
    return people


# ------------------------------------------------------------------------------
# The partnership library: a workspace without a roster (Workspace.Kind.LIBRARY)
# ------------------------------------------------------------------------------


def library_capabilities(user: Any) -> frozenset[Capability]:
    """What `user` may do on a document of the partnership library (its versions, passages and
    previews follow it): every member reads it, and those who keep it (MANAGE_LIBRARY) add
    versions and remove documents. Its audience still applies (`_item_capabilities`): a
    full-members-only document is never an observer's. Nothing else lives in the library: no
    thread, room or session, and the library itself is no dialogue anyone sees or joins."""
    if not has_standing(user) or not holds(user, _C.READ_LIBRARY):
        return frozenset()
    if holds(user, _C.MANAGE_LIBRARY):
        return frozenset({_C.VIEW, _C.CONTRIBUTE, _C.MODERATE})
    return frozenset({_C.VIEW})


def may_share_in(user: Any, workspace: Workspace) -> bool:
    """May `user` share a new document in `workspace`: a contributor to a dialogue, or a
    keeper of the library."""
    if workspace.is_library:
        return _C.CONTRIBUTE in library_capabilities(user)
    return _C.CONTRIBUTE in workspace_capabilities(user, workspace)


def require_may_share(user: Any, workspace: Workspace) -> None:
    """For services: refuse a new document that `may_share_in` does not allow."""
    if not may_share_in(user, workspace):
        raise platform.refusal()


def _library_readers(root: Model) -> QuerySet[User]:
    """people_who_can_view for a document of the library (`root`, not removed)."""
    if not isinstance(root, Document):
        return User.objects.none()
    people = User.objects.filter(people_with_standing(), _holders(_C.READ_LIBRARY))
    if root.audience == Audience.FULL_MEMBERS:
        people = people.filter(_FULL_MEMBERS)
    return people


# ------------------------------------------------------------------------------
# Items addressed to the partnership, not to a workspace (announcements)
# ------------------------------------------------------------------------------

# Who carries each platform role, as a query (people_with_standing() applied with it gives
# the same people as roles_of).
_PLATFORM_ROLE_HOLDERS: dict[Role, Q] = {
    **_ROLE_HOLDERS,
    Role.FOCAL_POINT: Q(is_focal_point=True, jurisdiction__isnull=False),
    Role.MEMBER_OFFICIAL: Q(jurisdiction__status=Jurisdiction.Status.FULL_MEMBER),
    Role.OBSERVER_OFFICIAL: Q(jurisdiction__isnull=False)
    & ~Q(jurisdiction__status=Jurisdiction.Status.FULL_MEMBER),
}
# Full members, as `is_full_member` says: member officials and Secretariat staff.
_FULL_MEMBERS = _PLATFORM_ROLE_HOLDERS[Role.MEMBER_OFFICIAL] | _ROLE_HOLDERS[Role.SECRETARIAT]


def _author_capability(model: type[Model]) -> Capability:
    return Capability(model.AUTHOR_CAPABILITY)


def partnership_item_capabilities(user: Any, obj: Model) -> frozenset[Capability]:
    """What `user` may do on `obj`, an item addressed to the partnership (a PartnershipItem).

    VIEW when its audience takes them in: all members (observers included); full members
    only (never an observer, whoever wrote it); the officials of the chosen jurisdictions, and
    those who write such items (the Secretariat and the Co-Chairs for announcements), who read
    all of those. Its AUTHOR_CAPABILITY (edit, withdraw) on what they read, when they hold it.
    Nothing once it is withdrawn, and nothing without standing (former jurisdictions included).
    """
    if not has_standing(user) or obj.withdrawn_at is not None:
        return frozenset()
    authoring = _author_capability(type(obj))
    author = holds(user, authoring)
    if obj.audience == PartnershipAudience.EVERYONE:
        reads = True
    elif obj.audience == PartnershipAudience.FULL_MEMBERS:
        reads = is_full_member(user)
    elif obj.audience == PartnershipAudience.JURISDICTIONS:
        reads = author or (
            user.jurisdiction_id is not None
            and obj.jurisdictions.filter(pk=user.jurisdiction_id).exists()
        )
    else:
        reads = False
    if not reads:
        return frozenset()
    return frozenset({_C.VIEW, authoring}) if author else frozenset({_C.VIEW})


def _partnership_filter(user: Any, model: type[Model]) -> Q:
    """The same rule over a queryset of `model` (a PartnershipItem), for a user with standing."""
    audiences = Q(audience=PartnershipAudience.EVERYONE)
    if is_full_member(user):
        audiences |= Q(audience=PartnershipAudience.FULL_MEMBERS)
    if holds(user, _author_capability(model)):
        audiences |= Q(audience=PartnershipAudience.JURISDICTIONS)
    elif user.jurisdiction_id is not None:
        addressed = model._default_manager.filter(jurisdictions=user.jurisdiction_id)
        audiences |= Q(audience=PartnershipAudience.JURISDICTIONS, pk__in=addressed.values("pk"))
    return audiences & Q(withdrawn_at__isnull=True)


def _holders(capability: Capability) -> Q:
    """Accounts carrying a platform role that holds `capability` (before standing)."""
    condition = Q(pk__in=[])
    for role, table in ROLE_CAPABILITIES.items():
        if capability in table:
            condition |= _PLATFORM_ROLE_HOLDERS[role]
    return condition


def _partnership_readers(obj: Model) -> QuerySet[User]:
    """people_who_can_view for an item addressed to the partnership."""
    people = User.objects.filter(people_with_standing())
    if obj.withdrawn_at is not None:
        return people.none()
    if obj.audience == PartnershipAudience.EVERYONE:
        return people
    if obj.audience == PartnershipAudience.FULL_MEMBERS:
        return people.filter(_FULL_MEMBERS)
    if obj.audience == PartnershipAudience.JURISDICTIONS:
        addressed = Q(jurisdiction_id__in=obj.jurisdictions.values("pk"))
        return people.filter(addressed | _holders(_author_capability(type(obj))))
    return people.none()


def partnership_audiences_for(user: Any) -> list[str]:
    """The audiences `user` may give an item addressed to the partnership: full-members-only is
    for full members alone (as `audiences_for`), in the order the forms offer them."""
    return [
        a
        for a in PartnershipAudience.values
        if a != PartnershipAudience.FULL_MEMBERS or is_full_member(user)
    ]


def roster_of(workspace: Workspace) -> dict[str, list]:
    """The roster as stored in guardian grants: jurisdictions and individual users, with roles."""
    by_codename = {codename: role for role, codename in ROSTER_PERMISSION.items()}

    def strongest(roles: set[WorkspaceRole]) -> WorkspaceRole:
        return WorkspaceRole.FACILITATOR if WorkspaceRole.FACILITATOR in roles else roles.pop()

    groups: dict[int, set[WorkspaceRole]] = {}
    for group_id, codename in WorkspaceGroupGrant.objects.filter(
        content_object=workspace
    ).values_list("group_id", "permission__codename"):
        groups.setdefault(group_id, set()).add(by_codename[codename])
    users: dict[int, set[WorkspaceRole]] = {}
    for user_id, codename in WorkspaceUserGrant.objects.filter(
        content_object=workspace
    ).values_list("user_id", "permission__codename"):
        users.setdefault(user_id, set()).add(by_codename[codename])
    jurisdictions = Jurisdiction.objects.filter(group_id__in=groups).order_by("name")
    people = User.objects.filter(pk__in=users).select_related("jurisdiction")
    return {
        "jurisdictions": [(j, strongest(groups[j.group_id])) for j in jurisdictions],
        "users": [(u, strongest(users[u.pk])) for u in people],
    }


# ------------------------------------------------------------------------------
# A jurisdiction's status change, before it is made (accounts.selectors.status_change_summary)
# ------------------------------------------------------------------------------


def status_change_losses(before: list[User], after: list[User]):
    """What officials lose when their jurisdiction's status changes: `before` are the officials
    as they are, `after` the same officials with the new status (in memory only). Answered by
    asking this policy about both, so the summary and the access that follows cannot differ:
    dialogues they can no longer open, dialogues they may no longer contribute to, and the
    items (full-members-only ones) they stop seeing in the dialogues they keep."""
    from django.apps import apps

    from accounts.selectors import Loss, StatusLosses

    lost: dict[int, int] = {}
    read_only: dict[int, int] = {}
    titles: dict[int, str] = {}
    for now, then in zip(before, after, strict=True):
        seen = list(visible(now, Workspace).order_by("title"))
        caps_now = workspace_capabilities_for(now, seen)
        caps_then = workspace_capabilities_for(then, seen)
        for workspace in seen:
            titles[workspace.pk] = workspace.title
            if _C.VIEW not in caps_then[workspace.pk]:
                lost[workspace.pk] = lost.get(workspace.pk, 0) + 1
            elif _C.CONTRIBUTE in caps_now[workspace.pk] - caps_then[workspace.pk]:
                read_only[workspace.pk] = read_only.get(workspace.pk, 0) + 1
    hidden = []
    item_models = [m for m in apps.get_models() if issubclass(m, WorkspaceItem)]
    for model in sorted(item_models, key=lambda m: str(m._meta.verbose_name_plural)):
        gone: set[int] = set()
        for now, then in zip(before, after, strict=True):
            kept = visible(then, Workspace).values("pk")
            # ... in the dialogues they keep, and in the library, which they keep too.
            in_kept = Q(workspace__in=kept) | Q(workspace__kind=Workspace.Kind.LIBRARY)
            gone |= set(
                visible(now, model)
                .filter(in_kept)
                .exclude(pk__in=visible(then, model).values("pk"))
                .values_list("pk", flat=True)
            )
        if gone:
            meta = model._meta
            kind = meta.verbose_name if len(gone) == 1 else meta.verbose_name_plural
            hidden.append(Loss(str(kind), len(gone)))

    def listed(counts: dict[int, int]) -> list:
        return [Loss(titles[pk], n) for pk, n in sorted(counts.items(), key=lambda i: titles[i[0]])]

    return StatusLosses(listed(lost), listed(read_only), hidden)


# ------------------------------------------------------------------------------
# Access reviews (accounts/reviews.py): the dialogues each official is on, as the reader sees
# ------------------------------------------------------------------------------


def rosters_seen_by(reader: Any, officials: list[User]) -> dict[int, list[Workspace]]:
    """For each of `officials`, the dialogues on whose roster they are (in person or through
    their jurisdiction) among those `reader` may see, by title; three queries for the list."""
    seen = {w.pk: w for w in visible(reader, Workspace)}
    found: dict[int, list[Workspace]] = {o.pk: [] for o in officials}
    by_group: dict[int, list[int]] = {}
    for official in officials:
        group_id = _roster_group_id(official)
        if group_id:
            by_group.setdefault(group_id, []).append(official.pk)
    pairs = set(
        WorkspaceUserGrant.objects.filter(
            user_id__in=list(found), content_object_id__in=list(seen)
        ).values_list("user_id", "content_object_id")
    )
    for group_id, workspace_id in WorkspaceGroupGrant.objects.filter(
        group_id__in=list(by_group), content_object_id__in=list(seen)
    ).values_list("group_id", "content_object_id"):
        pairs |= {(pk, workspace_id) for pk in by_group[group_id]}
    for pk, workspace_id in sorted(pairs, key=lambda pair: seen[pair[1]].title):
        found[pk].append(seen[workspace_id])
    return found
