"""An official's calendar feed: the dialogue sessions they may see, as one iCalendar file.

The feed leaves the platform (a calendar app stores it, often on another company's servers), so
it carries no more than an email may: the session's title only where the Secretariat allows
excerpts in the dialogue (else a neutral "Dialogue session"), the times, the dialogue's name and
a link. No description, agenda, names or attendees.

Every fetch asks the policy afresh: the token names the official, `visible()` says what they may
see now (standing, roster, audience, observer policy, undertakings, drafts).

- UID: `session-<pk>@<host>`, the same as the one-session .ics download, so an event imported
  from that file and the feed's are the same event.
- SEQUENCE: the session's `updated_at` in whole seconds, as in the .ics download. The session
  services stamp `updated_at` at every edit and step (a new time or title included), so it only
  grows; it fits a signed 32-bit integer until 2038.
- Cancellation: there is no cancelled state; a scheduled session sent back to draft
  ("unschedule") is the cancellation the roster is told about. Such a session stays in the feed
  as STATUS:CANCELLED, with the times and title it was published with, for whoever could see it
  when it was published, until it is edited again as a draft; then it leaves the feed (an edited
  draft is no one's business but those who run sessions, and calendar apps drop an event that a
  subscribed feed no longer lists).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from core.counters import count_event
from dialogues.models import DialogueSession
from workspaces.access import Capability, can, visible
from workspaces.models import Workspace

Status = DialogueSession.Status

# What the feed lists: released sessions, from a while back (recent minutes) to a year ahead.
LISTED = (Status.SCHEDULED, Status.LIVE, Status.MINUTES_IN_REVIEW, Status.CLOSED)
DAYS_BACK = 60
DAYS_AHEAD = 366
# Calendar apps are asked to come back hourly (they may choose to come less often).
REFRESH = timedelta(hours=1)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


class FeedRateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def feed_rate_take(*, digest: str) -> None:
    """A burst of ENCLAVE_CALENDAR_FEED_RATE_BURST fetches per window, per token (counted by
    the digest of what was presented, known or not, so the answer tells nothing about it)."""
    window = _setting("ENCLAVE_CALENDAR_FEED_RATE_WINDOW", 600)
    burst = _setting("ENCLAVE_CALENDAR_FEED_RATE_BURST", 20)
    count, retry_after = count_event(f"calendar-feed-rate:{digest}", window)
    if count > burst:
        raise FeedRateLimited(retry_after=retry_after)


@dataclass(frozen=True)
class FeedEntry:
    session: DialogueSession
    cancelled: bool


def feed_entries(*, user: User, now: datetime | None = None) -> list[FeedEntry]:
    """The sessions `user` may see in the feed's window, and the cancelled ones they saw."""
    now = now or timezone.now()
    since, until = now - timedelta(days=DAYS_BACK), now + timedelta(days=DAYS_AHEAD)
    window = {"starts_at__gte": since, "starts_at__lte": until}
    listed = [
        FeedEntry(session, cancelled=False)
        for session in visible(user, DialogueSession)
        .filter(status__in=LISTED, **window)
        .select_related("workspace")
        .order_by("starts_at", "pk")
    ]
    return sorted(
        listed + _cancelled(user, window), key=lambda e: (e.session.starts_at, e.session.pk)
    )


def _cancelled(user: User, window: dict) -> list[FeedEntry]:
    """Sessions sent back to draft and not edited since, that `user` could see when they were
    published: the policy is asked about the session as it was (scheduled), so its audience,
    roster, observer policy and undertakings all apply exactly as to a listed session."""
    drafts = list(
        DialogueSession.objects.filter(
            status=Status.DRAFT,
            deleted_at__isnull=True,
            workspace__in=visible(user, Workspace),
            **window,
        ).select_related("workspace")
    )
    steps = _last_steps(drafts)
    entries = []
    for session in drafts:
        withdrawn = steps.get(session.pk)
        if withdrawn is None or withdrawn.detail.get("to") != Status.DRAFT:
            continue  # never published, or published again since
        if session.updated_at > withdrawn.created_at:
            continue  # edited as a draft since it was withdrawn: no longer what was published
        as_published = copy.copy(session)
        as_published.status = Status.SCHEDULED
        if can(user, Capability.VIEW, as_published):
            entries.append(FeedEntry(session, cancelled=True))
    return entries


def _last_steps(sessions: list[DialogueSession]) -> dict[int, AuditEvent]:
    """Each session's last step through the state machine, as the services recorded it, read
    for all the sessions at once (newest first, the first seen per session wins)."""
    if not sessions:
        return {}
    events = AuditEvent.objects.filter(
        action=AuditEvent.Action.SESSION_CHANGED,
        scope__in={f"workspace:{s.workspace.slug}" for s in sessions},
        detail__session__in=[s.pk for s in sessions],
        detail__has_key="to",  # a step, not a poll or a live session's running
    ).order_by("-created_at", "-id")
    found: dict[int, AuditEvent] = {}
    for event in events:
        found.setdefault(event.detail["session"], event)
    return found


def feed_calendar(*, user: User, base_url: str, host: str) -> bytes:
    """The feed as iCalendar bytes (icalendar does the escaping, folding and CRLF endings),
    its few words in the official's own language."""
    entries = feed_entries(user=user)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        calendar = new_calendar()
        calendar.add("x-wr-calname", _("Enclave dialogue sessions"))
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", REFRESH)
        for entry in entries:
            calendar.add_component(_event(entry, base_url=base_url, host=host))
        return calendar.to_ical()


def new_calendar() -> icalendar.Calendar:
    """An empty calendar as Enclave publishes it (the feed and the one-session download)."""
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//Enclave//Dialogue sessions//EN")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    return calendar


def session_event(
    session: DialogueSession, *, url: str, host: str, summary: str, description: str, status: str
) -> icalendar.Event:
    """The event of one session: the same UID and SEQUENCE wherever it is published, so a
    calendar app that holds it from the download and from the feed holds one event."""
    event = icalendar.Event()
    event.add("uid", f"session-{session.pk}@{host}")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("sequence", int(session.updated_at.timestamp()))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", summary)
    event.add("description", description)
    event.add("url", url)
    event.add("status", status)
    return event


def _event(entry: FeedEntry, *, base_url: str, host: str) -> icalendar.Event:
    session = entry.session
    workspace = session.workspace
    url = base_url + reverse("session_detail", kwargs={"slug": workspace.slug, "pk": session.pk})
    event = session_event(
        session,
        url=url,
        host=host,
        # Titles leave only where the Secretariat allows excerpts, as in emails.
        summary=session.title if workspace.email_excerpts else _("Dialogue session"),
        description=_("Dialogue: %(dialogue)s") % {"dialogue": workspace.title} + "\n" + url,
        status="CANCELLED" if entry.cancelled else "CONFIRMED",
    )
    event.add("transp", "TRANSPARENT" if entry.cancelled else "OPAQUE")
    return event
