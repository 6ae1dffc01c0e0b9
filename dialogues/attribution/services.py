"""The two attribution services: choosing a workspace's mode and unmasking a pseudonym."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User
from dialogues.models import ChatMessage, ChatRoom, DialogueSession, Notification, Thread
from workspaces.access import Capability, can, require
from workspaces.models import ATTRIBUTION_STRICTNESS, AttributionMode, Pseudonym, Workspace


def _has_content(workspace: Workspace) -> bool:
    return (
        Thread.objects.filter(workspace=workspace).exists()
        or ChatMessage.objects.filter(room__workspace=workspace).exists()
        or DialogueSession.objects.filter(workspace=workspace).exclude(status="draft").exists()
    )


@transaction.atomic
def attribution_set(*, actor: User, workspace: Workspace, mode: str, request=None) -> Workspace:
    """Set a workspace's mode. Stricter is always allowed; looser only before anyone has spoken
    (what was said under a promise of non-attribution keeps it)."""
    require(actor, Capability.SET_ATTRIBUTION, workspace)
    if mode not in AttributionMode.values:
        raise ValidationError(_("Choose an attribution mode."))
    workspace = Workspace.objects.select_for_update().get(pk=workspace.pk)
    before = workspace.attribution
    if mode == before:
        return workspace
    looser = ATTRIBUTION_STRICTNESS[mode] < ATTRIBUTION_STRICTNESS[before]
    if looser and _has_content(workspace):
        raise ValidationError(
            _(
                "People have already spoken here under the %(mode)s rule: it can be made "
                "stricter, never looser."
            )
            % {"mode": AttributionMode(before).label}
        )
    workspace.attribution = mode
    workspace.save(update_fields=["attribution"])
    audit_record(
        action=AuditEvent.Action.ATTRIBUTION_CHANGED,
        actor=actor,
        scope=f"workspace:{workspace.slug}",
        summary=sentence(
            gettext_noop("Workspace %(workspace)s attribution %(from_label)s → %(to_label)s"),
            workspace=workspace.slug,
            from_label=AttributionMode(before).label,
            to_label=AttributionMode(mode).label,
        ),
        detail={"workspace": workspace.pk, "from": before, "to": mode},
        request=request,
    )
    return workspace


CONTEXT_MODELS = {"thread": Thread, "session": DialogueSession, "room": ChatRoom}


def context_item(pseudonym: Pseudonym) -> tuple[str, object]:
    """Where a pseudonym speaks: ("thread" | "session" | "room", the item), or ("workspace",
    the workspace) for its library and for an item that is gone."""
    kind, _sep, pk = pseudonym.context.partition(":")
    model = CONTEXT_MODELS.get(kind)
    item = model.objects.filter(pk=pk).first() if model else None
    return (kind, item) if item is not None else ("workspace", pseudonym.workspace)


@transaction.atomic
def pseudonym_unmask(*, actor: User, pseudonym: Pseudonym, reason: str, request=None) -> User:
    """Reveal who is behind a pseudonym: the Secretariat only, with a reason, audited, and the
    person is told (a notification and their profile's list of unmaskings)."""
    from dialogues.bodies import require_reason
    from dialogues.notifications.services import notify

    if not can(actor, Capability.UNMASK, pseudonym.workspace):
        raise PermissionDenied(_("Only the Secretariat can unmask a participant."))
    reason = require_reason(reason)
    person = pseudonym.user
    audit_record(
        action=AuditEvent.Action.UNMASKED,
        actor=actor,
        target_user=person,
        scope=f"workspace:{pseudonym.workspace.slug}",
        summary=sentence(
            gettext_noop("Participant %(number)s in %(context)s of %(workspace)s unmasked"),
            number=pseudonym.number,
            context=pseudonym.context,
            workspace=pseudonym.workspace.slug,
        ),
        detail={"context": pseudonym.context, "number": pseudonym.number, "reason": reason},
        request=request,
    )
    kind, item = context_item(pseudonym)
    notify(kind=Notification.Kind.UNMASKED, recipients=[person], actor=actor, **{kind: item})
    return person
