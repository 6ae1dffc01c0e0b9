"""Confidentiality undertakings: a workspace's text each reader accepts before reading anything
in it. Writes (setting a new version, accepting one) and the reads the pages show.

The rule itself ("not yet accepted: nothing inside is served") is the access policy's
(workspaces/access.py: `undertaking_pending`); this module only keeps the record.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User
from accounts.signals import announce_access_revoked
from core.markup import render_markdown

from .access import Capability, can, people_who_can_view, require
from .models import Undertaking, UndertakingAcceptance, Workspace

MAX_TEXT = 20_000


def _scope(workspace: Workspace) -> str:
    return f"workspace:{workspace.slug}"


# ------------------------------------------------------------------------------
# Services
# ------------------------------------------------------------------------------


@transaction.atomic
def undertaking_set(
    *, actor: User, workspace: Workspace, text: str, request: HttpRequest | None = None
) -> Undertaking:
    """Give `workspace` a new version of its undertaking. Everyone on the roster accepts it
    again before their next read; whoever writes it accepts it by writing it. Open chat
    sockets in the workspace re-check at once (and close until accepted)."""
    require(actor, Capability.MANAGE_ROSTER, workspace)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the undertaking's text."))
    if len(text) > MAX_TEXT:
        raise ValidationError(
            _("The text can be at most %(max)s characters long.") % {"max": MAX_TEXT}
        )
    # One writer at a time per workspace: version numbers follow each other without a gap.
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
    current = current_undertaking(workspace)
    if current is not None and current.text_source == text:
        raise ValidationError(_("The text is unchanged: no new version was made."))
    readers_before = set(people_who_can_view(workspace).values_list("pk", flat=True))
    top = workspace.undertakings.aggregate(top=Max("version"))["top"] or 0
    undertaking = Undertaking.objects.create(
        workspace=workspace,
        version=top + 1,
        text_source=text,
        text_html=render_markdown(text),
        created_by=actor,
    )
    audit_record(
        action=AuditEvent.Action.UNDERTAKING_CHANGED,
        actor=actor,
        scope=_scope(workspace),
        summary=sentence(
            gettext_noop("Undertaking of %(workspace)s set to version %(version)s"),
            workspace=workspace.slug,
            version=undertaking.version,
        ),
        detail={"workspace": workspace.pk, "version": undertaking.version},
        request=request,
    )
    _accept(actor=actor, undertaking=undertaking, request=request)
    announce_access_revoked(sender=Undertaking, user_ids=sorted(readers_before - {actor.pk}))
    return undertaking


@transaction.atomic
def undertaking_accept(
    *, actor: User, workspace: Workspace, version: int, request: HttpRequest | None = None
) -> UndertakingAcceptance:
    """`actor` accepts the version of `workspace`'s undertaking they were shown; if the text
    changed meanwhile they are asked to read the new one (nobody accepts unread text)."""
    require(actor, Capability.VIEW, workspace)
    current = current_undertaking(workspace)
    if current is None:
        raise ValidationError(_("This dialogue has no undertaking to accept."))
    if current.version != version:
        raise ValidationError(
            _("The undertaking has just changed: read the new version before accepting it.")
        )
    return _accept(actor=actor, undertaking=current, request=request)


def _accept(
    *, actor: User, undertaking: Undertaking, request: HttpRequest | None
) -> UndertakingAcceptance:
    acceptance, created = UndertakingAcceptance.objects.get_or_create(
        undertaking=undertaking, user=actor
    )
    if created:
        workspace = undertaking.workspace
        audit_record(
            action=AuditEvent.Action.UNDERTAKING_ACCEPTED,
            actor=actor,
            scope=_scope(workspace),
            summary=sentence(
                gettext_noop("Undertaking of %(workspace)s version %(version)s accepted"),
                workspace=workspace.slug,
                version=undertaking.version,
            ),
            detail={"workspace": workspace.pk, "version": undertaking.version},
            request=request,
        )
    return acceptance


# ------------------------------------------------------------------------------
# Selectors
# ------------------------------------------------------------------------------


def current_undertaking(workspace: Workspace) -> Undertaking | None:
    return workspace.undertakings.order_by("-version").first()


@dataclass
class UndertakingPage:
    undertaking: Undertaking | None
    accepted_at: object  # when the reader accepted the current version, or None
    can_change: bool


def undertaking_page(*, user: User, workspace: Workspace) -> UndertakingPage:
    undertaking = current_undertaking(workspace)
    accepted = (
        UndertakingAcceptance.objects.filter(undertaking=undertaking, user=user).first()
        if undertaking
        else None
    )
    return UndertakingPage(
        undertaking=undertaking,
        accepted_at=accepted.accepted_at if accepted else None,
        can_change=can(user, Capability.MANAGE_ROSTER, workspace),
    )


@dataclass
class AcceptanceRow:
    person: User
    version: int | None  # the latest version they accepted, None if none
    accepted_at: object
    current: bool  # they accepted the current version


def acceptances(workspace: Workspace) -> tuple[Undertaking | None, list[AcceptanceRow]]:
    """Who on the roster accepted which version and when (the latest each), in two queries: for
    the roster page of those who manage the roster."""
    undertaking = current_undertaking(workspace)
    if undertaking is None:
        return None, []
    people = people_who_can_view(workspace).select_related("jurisdiction").order_by("full_name")
    latest: dict[int, tuple[int, object]] = {}
    for user_id, version, accepted_at in (
        UndertakingAcceptance.objects.filter(undertaking__workspace=workspace)
        .order_by("undertaking__version")
        .values_list("user_id", "undertaking__version", "accepted_at")
    ):
        latest[user_id] = (version, accepted_at)
    rows = []
    for person in people:
        version, accepted_at = latest.get(person.pk, (None, None))
        rows.append(AcceptanceRow(person, version, accepted_at, version == undertaking.version))
    return undertaking, rows
