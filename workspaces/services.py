"""Every write to a workspace, its roster and its state. Each checks the policy first."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, Jurisdiction, User
from accounts.signals import announce_access_revoked
from core.markup import render_markdown

from .access import ROSTER_PERMISSION, Capability, WorkspaceRole, people_who_can_view, require
from .models import Workspace, WorkspaceGroupGrant, WorkspaceUserGrant
from .signals import workspace_created


def _permission(role: WorkspaceRole) -> Permission:
    return Permission.objects.get(
        content_type__app_label="workspaces", codename=ROSTER_PERMISSION[role]
    )


def _scope(workspace: Workspace) -> str:
    return f"workspace:{workspace.slug}"


def _announce_lost_access(workspace: Workspace, before: set[int]) -> None:
    """Tell the upper layers (live sockets) who can no longer see the workspace."""
    lost = sorted(before - set(people_who_can_view(workspace).values_list("pk", flat=True)))
    announce_access_revoked(sender=Workspace, user_ids=lost)


def roster_grant(
    *, workspace: Workspace, role: WorkspaceRole, added_by: User, user=None, group=None
) -> None:
    """Store one roster entry (guardian's direct grant), replacing any other role it had.

    Internal: callers check the policy and write the audit record.
    """
    model = WorkspaceUserGrant if user is not None else WorkspaceGroupGrant
    holder = {"user": user} if user is not None else {"group": group}
    model.objects.filter(content_object=workspace, **holder).delete()
    model.objects.create(
        content_object=workspace, permission=_permission(role), added_by=added_by, **holder
    )


@transaction.atomic
def roster_add_jurisdiction(
    *,
    actor: User,
    workspace: Workspace,
    jurisdiction: Jurisdiction,
    role: WorkspaceRole,
    request: HttpRequest | None = None,
) -> None:
    require(actor, Capability.MANAGE_ROSTER, workspace)
    if jurisdiction.status == Jurisdiction.Status.FORMER:
        raise ValidationError(_("%(name)s is a former member.") % {"name": jurisdiction})
    before = set(people_who_can_view(workspace).values_list("pk", flat=True))
    roster_grant(workspace=workspace, role=role, added_by=actor, group=jurisdiction.group)
    audit_record(
        action=AuditEvent.Action.ROSTER_ADDED,
        actor=actor,
        jurisdiction=jurisdiction,
        scope=_scope(workspace),
        summary=sentence(
            gettext_noop("%(jurisdiction)s added to %(workspace)s as %(role_label)s"),
            jurisdiction=jurisdiction.name,
            workspace=workspace.slug,
            role_label=gettext_noop("Facilitator")
            if role is WorkspaceRole.FACILITATOR
            else gettext_noop("Participant"),
        ),
        detail={"workspace": workspace.pk, "jurisdiction": jurisdiction.pk, "role": role.value},
        request=request,
    )
    _announce_lost_access(workspace, before)


@transaction.atomic
def roster_add_user(
    *,
    actor: User,
    workspace: Workspace,
    user: User,
    role: WorkspaceRole,
    request: HttpRequest | None = None,
) -> None:
    require(actor, Capability.MANAGE_ROSTER, workspace)
    if not user.is_active:
        raise ValidationError(_("This official is deactivated."))
    before = set(people_who_can_view(workspace).values_list("pk", flat=True))
    roster_grant(workspace=workspace, role=role, added_by=actor, user=user)
    audit_record(
        action=AuditEvent.Action.ROSTER_ADDED,
        actor=actor,
        target_user=user,
        scope=_scope(workspace),
        summary=sentence(
            gettext_noop("%(email)s added to %(workspace)s as %(role_label)s"),
            email=user.email,
            workspace=workspace.slug,
            role_label=gettext_noop("Facilitator")
            if role is WorkspaceRole.FACILITATOR
            else gettext_noop("Participant"),
        ),
        detail={"workspace": workspace.pk, "user": user.pk, "role": role.value},
        request=request,
    )
    _announce_lost_access(workspace, before)


@transaction.atomic
def roster_join(*, actor: User, workspace: Workspace, request: HttpRequest | None = None) -> None:
    """The Secretariat adds itself to a roster as facilitator: audited, shown on the roster."""
    require(actor, Capability.JOIN_ROSTERS)
    if workspace.is_library:
        raise ValidationError(_("The partnership library has no roster: every member reads it."))
    if WorkspaceUserGrant.objects.filter(content_object=workspace, user=actor).exists():
        raise ValidationError(_("You are already on this roster."))
    roster_grant(workspace=workspace, role=WorkspaceRole.FACILITATOR, added_by=actor, user=actor)
    audit_record(
        action=AuditEvent.Action.ROSTER_ADDED,
        actor=actor,
        target_user=actor,
        scope=_scope(workspace),
        summary=sentence(
            gettext_noop("%(email)s joined %(workspace)s as facilitator"),
            email=actor.email,
            workspace=workspace.slug,
        ),
        detail={"workspace": workspace.pk, "user": actor.pk, "self": True},
        request=request,
    )


@transaction.atomic
def roster_remove(
    *,
    actor: User,
    workspace: Workspace,
    user: User | None = None,
    jurisdiction: Jurisdiction | None = None,
    request: HttpRequest | None = None,
) -> None:
    require(actor, Capability.MANAGE_ROSTER, workspace)
    before = set(people_who_can_view(workspace).values_list("pk", flat=True))
    if user is not None:
        removed, _n = WorkspaceUserGrant.objects.filter(
            content_object=workspace, user=user
        ).delete()
        what = user.email
    elif jurisdiction is not None:
        removed, _n = WorkspaceGroupGrant.objects.filter(
            content_object=workspace, group=jurisdiction.group
        ).delete()
        what = str(jurisdiction)
    else:
        raise ValidationError(_("Choose whom to remove."))
    if not removed:
        raise ValidationError(_("That entry is not on the roster."))
    if (
        not WorkspaceUserGrant.objects.filter(
            content_object=workspace, permission=_permission(WorkspaceRole.FACILITATOR)
        ).exists()
        and not WorkspaceGroupGrant.objects.filter(
            content_object=workspace, permission=_permission(WorkspaceRole.FACILITATOR)
        ).exists()
    ):
        raise ValidationError(_("A dialogue needs at least one facilitator."))
    audit_record(
        action=AuditEvent.Action.ROSTER_REMOVED,
        actor=actor,
        target_user=user,
        jurisdiction=jurisdiction,
        scope=_scope(workspace),
        summary=sentence(
            gettext_noop("%(who)s removed from %(workspace)s"), who=what, workspace=workspace.slug
        ),
        detail={"workspace": workspace.pk},
        request=request,
    )
    _announce_lost_access(workspace, before)


@transaction.atomic
def workspace_archive(
    *, actor: User, workspace: Workspace, reason: str, request: HttpRequest | None = None
) -> Workspace:
    require(actor, Capability.MODERATE, workspace)
    if not reason.strip():
        raise ValidationError(
            _("Give a reason: it is shown to the roster and kept in the audit log.")
        )
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    workspace.status = Workspace.Status.ARCHIVED
    workspace.save(update_fields=["status"])
    audit_record(
        action=AuditEvent.Action.WORKSPACE_ARCHIVED,
        actor=actor,
        scope=_scope(workspace),
        summary=sentence(gettext_noop("%(workspace)s archived"), workspace=workspace.slug),
        detail={"workspace": workspace.pk, "reason": reason.strip()},
        request=request,
    )
    return workspace


@transaction.atomic
def workspace_reopen(
    *, actor: User, workspace: Workspace, request: HttpRequest | None = None
) -> Workspace:
    require(actor, Capability.REOPEN, workspace)
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    workspace.status = Workspace.Status.ACTIVE
    workspace.last_activity_at = timezone.now()
    workspace.save(update_fields=["status", "last_activity_at"])
    audit_record(
        action=AuditEvent.Action.WORKSPACE_REOPENED,
        actor=actor,
        scope=_scope(workspace),
        summary=sentence(gettext_noop("%(workspace)s reopened"), workspace=workspace.slug),
        detail={"workspace": workspace.pk},
        request=request,
    )
    return workspace


def clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Give the thread a title."))
    if len(title) > 200:
        raise ValidationError(_("A title can be at most 200 characters long."))
    return title


@transaction.atomic
def workspace_create(
    *,
    actor: User,
    title: str,
    slug: str = "",
    purpose: str = "",
    observer_policy: str = Workspace.ObserverPolicy.NONE,
    request: HttpRequest | None = None,
) -> Workspace:
    """Create a workspace; its creator becomes its first facilitator."""
    require(actor, Capability.CREATE_WORKSPACES)
    title = clean_title(title)
    slug = slugify(slug or title)[:60]
    if not slug:
        raise ValidationError(_("Choose a short name of letters and digits."))
    if Workspace.objects.filter(slug=slug).exists():
        raise ValidationError(_("The short name “%(slug)s” is taken.") % {"slug": slug})
    if observer_policy not in Workspace.ObserverPolicy.values:
        raise ValidationError(_("Choose an observer policy."))
    workspace = Workspace.objects.create(
        title=title,
        slug=slug,
        purpose_source=purpose,
        purpose_html=render_markdown(purpose),
        observer_policy=observer_policy,
        created_by=actor,
    )
    roster_grant(workspace=workspace, role=WorkspaceRole.FACILITATOR, added_by=actor, user=actor)
    workspace_created.send(sender=Workspace, workspace=workspace)
    audit_record(
        action=AuditEvent.Action.WORKSPACE_CREATED,
        actor=actor,
        scope=_scope(workspace),
        summary=sentence(gettext_noop("Workspace %(workspace)s created"), workspace=slug),
        detail={"workspace": workspace.pk},
        request=request,
    )
    return workspace


@transaction.atomic
def workspace_update(
    *,
    actor: User,
    workspace: Workspace,
    title: str,
    purpose: str,
    observer_policy: str,
    email_excerpts: bool,
    request: HttpRequest | None = None,
) -> Workspace:
    require(actor, Capability.MANAGE_ROSTER, workspace)
    if email_excerpts != workspace.email_excerpts:
        require(actor, Capability.ALLOW_EXCERPTS, workspace)
    if observer_policy not in Workspace.ObserverPolicy.values:
        raise ValidationError(_("Choose an observer policy."))
    changed = {
        field: value
        for field, value in {
            "title": clean_title(title),
            "purpose_source": purpose,
            "observer_policy": observer_policy,
            "email_excerpts": email_excerpts,
        }.items()
        if getattr(workspace, field) != value
    }
    if not changed:
        return workspace
    for field, value in changed.items():
        setattr(workspace, field, value)
    workspace.purpose_html = render_markdown(workspace.purpose_source)
    workspace.save()
    audit_record(
        action=AuditEvent.Action.WORKSPACE_CHANGED,
        actor=actor,
        scope=_scope(workspace),
        summary=sentence(
            gettext_noop("Workspace %(workspace)s: %(fields_labels)s changed"),
            workspace=workspace.slug,
            fields_labels=[
                Workspace._meta.get_field(name).verbose_name for name in sorted(changed)
            ],
        ),
        detail={"workspace": workspace.pk, "fields": sorted(changed)},
        request=request,
    )
    return workspace
