"""Reads that users see, already filtered by the access policy."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from .audit import (
    ActorParts,
    AuditLink,
    event_reason,
    event_summary,
    mark_erased,
    provided_audit_links,
    shown_actor,
    shown_ip,
)
from .models import AuditEvent, Invitation, Jurisdiction, User
from .policy import Capability, can, is_full_member, visible
from .standing import has_standing


def jurisdiction_list(*, user: User) -> QuerySet[Jurisdiction]:
    return visible(user, Jurisdiction).annotate(
        official_count=Count("officials", filter=Q(officials__is_active=True))
    )


def officials_of(*, user: User, jurisdiction: Jurisdiction | None) -> QuerySet[User]:
    officials = visible(user, User).select_related("jurisdiction")
    if jurisdiction is None:
        return officials.filter(is_secretariat=True)
    return officials.filter(jurisdiction=jurisdiction)


def co_chairs(*, user: User) -> QuerySet[User]:
    return visible(user, User).filter(is_co_chair=True).select_related("jurisdiction")


def pending_invitations(*, user: User, jurisdiction: Jurisdiction | None) -> QuerySet[Invitation]:
    invitations = visible(user, Invitation).pending().select_related("invited_by")
    if jurisdiction is None:
        return invitations.filter(jurisdiction__isnull=True)
    return invitations.filter(jurisdiction=jurisdiction)


def audit_events(
    *,
    user: User,
    actor: list[User] | None = None,
    jurisdiction: Jurisdiction | None = None,
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The events the reader may see, narrowed by the filters; `actor` is the officials a search
    matched (events by any of them). Every filter is an equality or a range on an indexed column,
    so that a page of the log is an index range scan (accounts.models.AuditEvent.Meta)."""
    events = visible(user, AuditEvent).select_related("actor", "target_user", "jurisdiction")
    if actor:
        events = events.filter(actor__in=actor) if len(actor) > 1 else events.filter(actor=actor[0])
    if jurisdiction is not None:
        events = events.filter(jurisdiction=jurisdiction)
    if action:
        events = events.filter(action=action)
    # Days in the reader's time zone, as instants: a range on created_at, not a date of it.
    start = _start_of(date_from, 0) if date_from else None
    if start is not None:
        events = events.filter(created_at__gte=start)
    end = _start_of(date_to, 1) if date_to else None
    if end is not None:
        events = events.filter(created_at__lt=end)
    return events


def _start_of(day: date, days_later: int) -> datetime | None:
    """The instant the day `days_later` after `day` begins; None past the calendar's ends (no
    bound is then the same bound)."""
    try:
        moment = datetime.combine(day + timedelta(days=days_later), time.min)
        return timezone.make_aware(moment).astimezone(UTC)
    except OverflowError:
        return None


def audit_officials(*, user: User) -> QuerySet[User]:
    """Whom the audit log's actor search may find: the officials the reader may see."""
    return visible(user, User).select_related("jurisdiction")


# Events whose object is the jurisdiction they concern: opened on the jurisdiction's page.
_JURISDICTION_OBJECT_ACTIONS = frozenset(
    {
        AuditEvent.Action.JURISDICTION_ADMITTED,
        AuditEvent.Action.JURISDICTION_STATUS,
        AuditEvent.Action.INVITATION_SENT,
        AuditEvent.Action.INVITATION_REVOKED,
    }
)


@dataclass(frozen=True)
class AuditRow:
    """One event as the audit log shows it to this reader: the actor's parts, the reason given,
    where its object opens (None: nowhere the reader may go) and where the official it concerns
    is listed."""

    event: AuditEvent
    actor: ActorParts
    summary: str  # in the reader's language
    reason: str
    link: AuditLink | None
    target_url: str | None
    ip: str = ""  # none shown for an event about an erased person


def audit_rows(*, user: User, events: list[AuditEvent]) -> list[AuditRow]:
    """A page of events with their links, decided by the policy for this reader in a few
    queries for the whole page (one per kind of object), never one per row."""
    events = mark_erased(events)
    links = provided_audit_links(user, events)
    wanted = {e.jurisdiction_id for e in events if e.jurisdiction_id} | {
        e.target_user.jurisdiction_id for e in events if e.target_user_id
    }
    jurisdictions = visible(user, Jurisdiction).filter(pk__in=wanted - {None}).in_bulk()
    targets = set(
        visible(user, User)
        .filter(pk__in={e.target_user_id for e in events if e.target_user_id})
        .values_list("pk", flat=True)
    )
    sees_membership = can(user, Capability.VIEW_MEMBERSHIP)
    rows = []
    for event in events:
        link = links.get(event.pk)
        jurisdiction = jurisdictions.get(event.jurisdiction_id)
        if link is None and jurisdiction and event.action in _JURISDICTION_OBJECT_ACTIONS:
            link = AuditLink(
                url=reverse("jurisdiction_detail", kwargs={"code": jurisdiction.code}),
                label=_("Jurisdiction “%(name)s”") % {"name": jurisdiction},
            )
        rows.append(
            AuditRow(
                event=event,
                actor=shown_actor(event),
                ip=shown_ip(event),
                summary=event_summary(event),
                reason=event_reason(event),
                link=link,
                target_url=_official_url(
                    event.target_user, targets, jurisdictions, sees_membership
                ),
            )
        )
    return rows


def _official_url(official, visible_ids, jurisdictions, sees_membership) -> str | None:
    """Where an official is listed: their jurisdiction's page; the Secretariat's staff, on the
    membership page."""
    if official is None or official.pk not in visible_ids:
        return None
    if official.jurisdiction_id is None:
        return reverse("membership") if sees_membership else None
    jurisdiction = jurisdictions.get(official.jurisdiction_id)
    return (
        reverse("jurisdiction_detail", kwargs={"code": jurisdiction.code}) if jurisdiction else None
    )


# ------------------------------------------------------------------------------
# Invitations: when one expires, said the same way everywhere
# ------------------------------------------------------------------------------


def invitation_zone() -> zoneinfo.ZoneInfo:
    """The zone an invitation's expiry is said in. The invitee has no profile (and so no zone)
    yet, and the email and the page must say the same instant the same way: the partnership's
    own zone (TIME_ZONE), named, on both."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def invitation_expiry(invitation: Invitation) -> str:
    """ "28 March 2026, 06:35 UTC": the expiry in `invitation_zone()`, with the zone's name (and
    its key where the abbreviation alone is ambiguous, such as CET)."""
    zone = invitation_zone()
    moment = timezone.localtime(invitation.expires_at, zone)
    abbreviation = moment.tzname() or zone.key
    name = abbreviation if abbreviation == zone.key else f"{abbreviation} ({zone.key})"
    return f"{date_format(moment, 'DATE_FORMAT')}, {time_format(moment, 'TIME_FORMAT')} {name}"


# ------------------------------------------------------------------------------
# A jurisdiction's status change, before it is made: what its officials would lose
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loss:
    """`count` of something (officials losing a dialogue, items of a kind) under `label`."""

    label: str
    count: int


@dataclass(frozen=True)
class StatusLosses:
    """What a layer above accounts says officials lose (see `provide_status_losses`)."""

    dialogues_lost: list[Loss] = field(default_factory=list)
    dialogues_read_only: list[Loss] = field(default_factory=list)
    items_hidden: list[Loss] = field(default_factory=list)


# provider(before, after) -> StatusLosses: `before` are the officials as they are, `after` the
# same officials with the new status in memory only.
StatusLossProvider = Callable[[list[User], list[User]], StatusLosses]
_loss_providers: dict[str, StatusLossProvider] = {}


def provide_status_losses(name: str, provider: StatusLossProvider) -> None:
    """A layer above (workspaces: dialogues and their items) tells what officials would lose,
    answered by its own access policy; accounts cannot ask it directly (layers run one way)."""
    _loss_providers[name] = provider


@dataclass(frozen=True)
class StatusChange:
    jurisdiction: Jurisdiction
    status: str
    officials: int  # officials with standing today
    losing_standing: int  # signed out and kept out
    losing_full_membership: int  # from now on see only what observers see
    invitations_revoked: int
    losses: StatusLosses
    refusal: str | None  # why the change would be refused, or None

    @property
    def status_label(self) -> str:
        return Jurisdiction.Status(self.status).label


def status_change_refusal(jurisdiction: Jurisdiction, status: str) -> str | None:
    """Why `jurisdiction` cannot take `status` (whoever asks), or None."""
    if status not in Jurisdiction.Status.values:
        return _("Choose a valid status.")
    if status == jurisdiction.status:
        return _("%(name)s already has that status.") % {"name": jurisdiction}
    if (
        status == Jurisdiction.Status.FORMER
        and jurisdiction.officials.filter(is_co_chair=True, is_active=True).exists()
    ):
        return _("A Co-Chair belongs to %(name)s: appoint another Co-Chair first.") % {
            "name": jurisdiction
        }
    return None


def status_change_summary(*, jurisdiction: Jurisdiction, status: str) -> StatusChange:
    """What changing `jurisdiction` to `status` would do, computed (not guessed) by asking the
    access policy about each official twice: as they are, and with the new status in memory.
    Nothing is saved. The caller has checked that the reader may manage the jurisdiction."""
    officials = jurisdiction.officials.filter(is_active=True).select_related("jurisdiction")
    before = [official for official in officials.order_by("pk") if has_standing(official)]
    after = list(officials.filter(pk__in=[o.pk for o in before]).order_by("pk"))
    for official in after:
        # Each row has its own Jurisdiction instance: the change stays on this copy.
        official.jurisdiction.status = status
    merged = StatusLosses()
    if status in Jurisdiction.Status.values:
        for provider in _loss_providers.values():
            found = provider(before, after)
            merged = StatusLosses(
                merged.dialogues_lost + found.dialogues_lost,
                merged.dialogues_read_only + found.dialogues_read_only,
                merged.items_hidden + found.items_hidden,
            )
    revoked = 0
    if status == Jurisdiction.Status.FORMER:
        revoked = Invitation.objects.pending().filter(jurisdiction=jurisdiction).count()
    return StatusChange(
        jurisdiction=jurisdiction,
        status=status,
        officials=len(before),
        losing_standing=sum(1 for o in after if not has_standing(o)),
        losing_full_membership=sum(
            1
            for now, then in zip(before, after, strict=True)
            if is_full_member(now) and not is_full_member(then)
        ),
        invitations_revoked=revoked,
        losses=merged,
        refusal=status_change_refusal(jurisdiction, status),
    )
