"""Reads that users see, already filtered by the access policy."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import AuditEvent, Invitation, Jurisdiction, User
from .policy import visible


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
    events = visible(user, AuditEvent).select_related("target_user", "jurisdiction")
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
