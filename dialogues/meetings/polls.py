"""Scheduling polls: every write (open, answer, pick, close).

Those who run a dialogue's sessions open a poll for a draft session: candidate slots entered as
wall-clock times in the organiser's zone and stored as UTC instants, a closing date, and
whether answers are seen by everyone who may answer or by the organisers only. Everyone the
session is for answers yes / if need be / no per slot; a focal point may answer for their
jurisdiction. Picking a slot sets the session's time, closes the poll and schedules the session
through the same step as the session page (notifications as for any scheduling).
Each service is keyword-only, atomic, and asks the access policy first.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User
from dialogues.meetings import services as meetings
from dialogues.models import DialogueSession, Notification, PollAnswer, PollSlot, SchedulingPoll
from dialogues.notifications.services import notify
from workspaces.access import (
    Capability,
    can_act_for_jurisdiction,
    item_capabilities,
    people_who_can_view,
)

Status = DialogueSession.Status
Choice = PollAnswer.Choice

MAX_SLOTS = 40
MAX_DURATION_MINUTES = 12 * 60


def _scope(session: DialogueSession) -> str:
    return f"workspace:{session.workspace.slug}"


def _zone(name: str) -> zoneinfo.ZoneInfo:
    if not name or name not in zoneinfo.available_timezones():
        raise ValidationError(_("Choose a time zone from the list."))
    return zoneinfo.ZoneInfo(name)


def wall_time_instant(wall: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The UTC instant of wall-clock time `wall` in `zone`. A time the clocks skip (the hour
    lost when daylight saving starts) is refused; a repeated one is its first occurrence."""
    if wall.tzinfo is not None:
        return wall.astimezone(datetime.UTC)
    aware = wall.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(datetime.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        raise ValidationError(
            _("%(time)s does not exist in %(zone)s: the clocks change then.")
            % {"time": wall.strftime("%Y-%m-%d %H:%M"), "zone": zone.key}
        )
    return instant


def _locked_poll(poll: SchedulingPoll) -> SchedulingPoll:
    return (
        SchedulingPoll.objects.select_for_update()
        .select_related("session__workspace")
        .get(pk=poll.pk)
    )


def _require_run(actor: User, obj) -> None:
    meetings.require_capability(actor, Capability.RUN_SESSIONS, obj)


@transaction.atomic
def poll_open(
    *,
    actor: User,
    session: DialogueSession,
    slots: Iterable[tuple[datetime.datetime, int]],
    time_zone: str,
    closes_on: datetime.date,
    answers_visible_to: str = SchedulingPoll.AnswersVisibility.ROSTER,
    request: HttpRequest | None = None,
) -> SchedulingPoll:
    """Open a poll for a draft session. `slots`: (start as wall-clock time in `time_zone`,
    duration in minutes). Answers close at the end of `closes_on` in `time_zone`."""
    session = meetings.locked_session(session)
    _require_run(actor, session)
    if session.status != Status.DRAFT:
        raise ValidationError(_("Only a draft session can have a scheduling poll."))
    if SchedulingPoll.objects.filter(session=session).exists():
        raise ValidationError(_("This session already has a scheduling poll."))
    zone = _zone(time_zone)
    if answers_visible_to not in SchedulingPoll.AnswersVisibility.values:
        raise ValidationError(_("Choose who sees the answers."))
    if not isinstance(closes_on, datetime.date):
        raise ValidationError(_("Give the date the poll closes."))
    closes_at = wall_time_instant(
        datetime.datetime.combine(closes_on + datetime.timedelta(days=1), datetime.time()), zone
    )
    now = timezone.now()
    if closes_at <= now:
        raise ValidationError(_("The poll must close in the future."))
    instants: dict[datetime.datetime, int] = {}
    for wall, minutes in slots:
        try:
            minutes = int(minutes)
        except (TypeError, ValueError):
            minutes = 0
        if not 1 <= minutes <= MAX_DURATION_MINUTES:
            raise ValidationError(_("Give each slot a duration from 1 to 720 minutes."))
        instant = wall_time_instant(wall, zone)
        if instant in instants:
            raise ValidationError(_("Two slots start at the same time."))
        instants[instant] = minutes
    if not instants:
        raise ValidationError(_("Give at least one candidate slot."))
    if len(instants) > MAX_SLOTS:
        raise ValidationError(_("A poll can offer at most 40 slots."))
    if min(instants) < closes_at:
        raise ValidationError(_("Every slot must start after the poll closes."))
    poll = SchedulingPoll.objects.create(
        session=session,
        time_zone=zone.key,
        closes_at=closes_at,
        answers_visible_to=answers_visible_to,
        created_by=actor,
    )
    PollSlot.objects.bulk_create(
        PollSlot(poll=poll, starts_at=start, duration_minutes=minutes, time_zone=zone.key)
        for start, minutes in sorted(instants.items())
    )
    audit_record(
        action=AuditEvent.Action.SESSION_CHANGED,
        actor=actor,
        scope=_scope(session),
        summary=sentence(
            gettext_noop("Scheduling poll opened for session %(session)s with %(slots)s slots"),
            session=session.pk,
            slots=len(instants),
        ),
        detail={"session": session.pk, "poll": poll.pk, "slots": len(instants)},
        request=request,
    )
    # Everyone the session is for is asked (their bell, and an email per their preference).
    notify(
        kind=Notification.Kind.POLL_OPENED,
        recipients=people_who_can_view(poll),
        actor=actor,
        poll=poll,
    )
    return poll


@transaction.atomic
def poll_answer(
    *,
    actor: User,
    poll: SchedulingPoll,
    choices: dict[int, str],
    for_jurisdiction: bool = False,
) -> list[PollAnswer]:
    """Answer slots of `poll`: `choices` maps a slot's id to yes / maybe / no (a blank choice
    withdraws the answer). `for_jurisdiction`: a focal point answers for their jurisdiction."""
    poll = _locked_poll(poll)
    capabilities = item_capabilities(actor, poll)
    if Capability.VIEW not in capabilities:
        raise PermissionDenied(_("You do not have permission to do that."))
    if for_jurisdiction and not can_act_for_jurisdiction(actor, poll, capabilities=capabilities):
        raise PermissionDenied(_("Only a focal point answers for their jurisdiction."))
    if not poll.accepts_answers():
        raise ValidationError(_("This poll is closed: answers can no longer change."))
    slots = {slot.pk: slot for slot in poll.slots.all()}
    cleaned: dict[int, str] = {}
    for slot_id, choice in choices.items():
        if slot_id not in slots:
            raise ValidationError(_("Answer only the slots of this poll."))
        if choice and choice not in Choice.values:
            raise ValidationError(_("Answer yes, if need be or no."))
        cleaned[slot_id] = choice
    if not any(cleaned.values()):
        raise ValidationError(_("Answer at least one slot."))
    now = timezone.now()
    PollAnswer.objects.filter(
        slot_id__in=[pk for pk, choice in cleaned.items() if not choice], user=actor
    ).delete()
    saved = []
    for slot_id, choice in cleaned.items():
        if not choice:
            continue
        answer, _created = PollAnswer.objects.update_or_create(
            slot_id=slot_id,
            user=actor,
            defaults={
                "choice": choice,
                "jurisdiction_id": actor.jurisdiction_id,
                "for_jurisdiction": for_jurisdiction,
                "answered_at": now,
            },
        )
        saved.append(answer)
    return saved


@transaction.atomic
def poll_close(
    *, actor: User, poll: SchedulingPoll, request: HttpRequest | None = None
) -> SchedulingPoll:
    """Close the poll without choosing a slot (answers stop; a slot may still be picked)."""
    poll = _locked_poll(poll)
    _require_run(actor, poll)
    if poll.status != SchedulingPoll.Status.OPEN:
        raise ValidationError(_("This poll is already closed."))
    poll.status, poll.closed_at, poll.closed_by = (
        SchedulingPoll.Status.CLOSED,
        timezone.now(),
        actor,
    )
    poll.save(update_fields=["status", "closed_at", "closed_by"])
    audit_record(
        action=AuditEvent.Action.SESSION_CHANGED,
        actor=actor,
        scope=_scope(poll.session),
        summary=sentence(
            gettext_noop("Scheduling poll for session %(session)s closed"),
            session=poll.session_id,
        ),
        detail={"session": poll.session_id, "poll": poll.pk},
        request=request,
    )
    return poll


@transaction.atomic
def poll_pick(
    *, actor: User, poll: SchedulingPoll, slot_id: int, request: HttpRequest | None = None
) -> DialogueSession:
    """Choose a slot: the session takes its time (in the poll's zone), the poll closes, and
    the session is scheduled, which notifies its roster as scheduling always does."""
    poll = _locked_poll(poll)
    _require_run(actor, poll)
    if poll.picked_slot_id is not None:
        raise ValidationError(_("A slot has already been chosen for this session."))
    slot = poll.slots.filter(pk=slot_id).first() if slot_id else None
    if slot is None:
        raise ValidationError(_("Choose one of the poll's slots."))
    session = meetings.locked_session(poll.session)
    if session.status != Status.DRAFT:
        raise ValidationError(_("Only a draft session can have a scheduling poll."))
    now = timezone.now()
    session.starts_at, session.ends_at = slot.starts_at, slot.ends_at
    session.time_zone = poll.time_zone
    session.updated_at = now
    session.save(update_fields=["starts_at", "ends_at", "time_zone", "updated_at"])
    poll.picked_slot = slot
    if poll.status == SchedulingPoll.Status.OPEN:
        poll.status, poll.closed_at, poll.closed_by = SchedulingPoll.Status.CLOSED, now, actor
    poll.save(update_fields=["picked_slot", "status", "closed_at", "closed_by"])
    audit_record(
        action=AuditEvent.Action.SESSION_CHANGED,
        actor=actor,
        scope=_scope(session),
        summary=sentence(
            gettext_noop("Slot %(start)s chosen by the scheduling poll of session %(session)s"),
            start=slot.starts_at.isoformat(),
            session=session.pk,
        ),
        detail={"session": session.pk, "poll": poll.pk, "slot": slot.pk},
        request=request,
    )
    # The session page's own step: its rules (an agenda first) and its notifications.
    return meetings.session_transition(
        actor=actor, session=session, name="schedule", request=request
    )
