"""Reads that users see, already filtered by the access policy."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

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
    actor: User | None = None,
    jurisdiction: Jurisdiction | None = None,
    action: str = "",
    date_from=None,
    date_to=None,
) -> QuerySet[AuditEvent]:
    events = visible(user, AuditEvent).select_related("actor", "target_user", "jurisdiction")
    if actor is not None:
        events = events.filter(actor=actor)
    if jurisdiction is not None:
        events = events.filter(jurisdiction=jurisdiction)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(created_at__date__gte=date_from)
    if date_to:
        events = events.filter(created_at__date__lte=date_to)
    return events


def audit_actors(*, user: User) -> QuerySet[User]:
    """Those the reader may see who appear as an actor in the audit log. An EXISTS per official
    rather than a join of every event made distinct: the log grows by millions, officials do
    not."""
    acted = AuditEvent.objects.filter(actor=OuterRef("pk"))
    return visible(user, User).filter(Exists(acted))
