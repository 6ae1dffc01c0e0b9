"""Reads of announcements, filtered by the policy: the list, one announcement, and the
dashboard's unread ones (one query, however many there are)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Jurisdiction, User
from core.markup import shortened
from core.pagination import numbered_page
from core.params import id_or_404
from dialogues.models import Announcement, AnnouncementRead
from workspaces.access import get_visible_or_404, people_who_can_view, visible

ANNOUNCEMENTS_PER_PAGE = 25
ON_DASHBOARD = 5
DASHBOARD_EXCERPT = 280


def _read_by(user: User) -> Exists:
    return Exists(AnnouncementRead.objects.filter(user=user, announcement=OuterRef("pk")))


def announcements_for(*, user: User) -> QuerySet[Announcement]:
    """Every announcement `user` may read, newest first, each with `is_read`."""
    return (
        visible(user, Announcement)
        .select_related("author__jurisdiction")
        .annotate(is_read=_read_by(user))
        .order_by("-created_at", "-pk")
    )


def announcements_page(*, user: User, page_number) -> Page:
    """One numbered page of them (a partnership posts tens a year, not millions)."""
    return numbered_page(announcements_for(user=user), page_number, ANNOUNCEMENTS_PER_PAGE)


def visible_announcement(user: User, pk) -> Announcement:
    """One announcement `user` may read; missing and forbidden are the same 404."""
    return get_visible_or_404(
        user,
        Announcement,
        select_related=("author__jurisdiction", "edited_by__jurisdiction"),
        pk=id_or_404(pk),
    )


def addressed_jurisdictions(announcement: Announcement) -> list[Jurisdiction]:
    return list(announcement.jurisdictions.order_by("name"))


@dataclass(frozen=True)
class Readership:
    """How many of those who may read an announcement (now) have read it."""

    read: int
    readers: int


def readership(announcement: Announcement) -> Readership:
    """For those who post announcements: two counts, whatever the number of readers."""
    readers = people_who_can_view(announcement)
    marked = AnnouncementRead.objects.filter(announcement=announcement).values("user_id")
    return Readership(read=readers.filter(pk__in=marked).count(), readers=readers.count())


@dataclass
class DashboardAnnouncements:
    """The unread, unexpired announcements the reader may read, newest first (at most
    ON_DASHBOARD, each with its `excerpt`); `more`: there are others."""

    items: list[Announcement]
    more: bool

    def __bool__(self) -> bool:
        return bool(self.items)


def dashboard_announcements(*, user: User, limit: int = ON_DASHBOARD) -> DashboardAnnouncements:
    """What tops the dashboard until read: one query (a row past `limit` tells of more)."""
    current = Q(show_until__isnull=True) | Q(show_until__gt=timezone.now())
    rows = list(
        visible(user, Announcement)
        .filter(current)
        .exclude(_read_by(user))
        .select_related("author__jurisdiction")
        .order_by("-created_at", "-pk")[: limit + 1]
    )
    for announcement in rows[:limit]:
        # The excerpt stored on write, shortened (plain text: the template escapes it).
        announcement.excerpt = shortened(announcement.body_excerpt, DASHBOARD_EXCERPT)
    return DashboardAnnouncements(items=rows[:limit], more=len(rows) > limit)
