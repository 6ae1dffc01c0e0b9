"""What a scheduling poll's pages show: the answer page (every slot in the reader's own zone)
and the organiser's grid (slots × jurisdictions and people, each in its own local time, with
night hours flagged and the slots ranked). Read in a few queries, never one per cell."""

from __future__ import annotations

import datetime
import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Count

from accounts.models import Jurisdiction, User
from dialogues.meetings import services as meetings
from dialogues.models import DialogueSession, PollAnswer, PollSlot, SchedulingPoll
from workspaces.access import (
    Capability,
    can_act_for_jurisdiction,
    item_capabilities,
    visible,
)

Choice = PollAnswer.Choice
NIGHT_STARTS, NIGHT_ENDS = 22, 7  # local hours: 22:00–07:00 is night
AVAILABLE = (Choice.YES, Choice.IF_NEED_BE)
# The better of two answers, for a jurisdiction whose people answered differently.
PREFERENCE = {Choice.YES: 2, Choice.IF_NEED_BE: 1, Choice.NO: 0}


@lru_cache(maxsize=512)
def zone_of(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _is_night(local: datetime.datetime) -> bool:
    return local.hour >= NIGHT_STARTS or local.hour < NIGHT_ENDS


def _next_boundary(local: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The next 07:00 or 22:00 wall-clock time after `local`, as a UTC instant."""
    for day in (local.date(), local.date() + datetime.timedelta(days=1)):
        for hour in (NIGHT_ENDS, NIGHT_STARTS):
            boundary = datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)
            if boundary.astimezone(datetime.UTC) > local.astimezone(datetime.UTC):
                return boundary.astimezone(datetime.UTC)
    raise AssertionError("unreachable")  # pragma: no cover


def night_minutes(start: datetime.datetime, end: datetime.datetime, zone_name: str) -> int:
    """How many minutes of [start, end) fall between 22:00 and 07:00 wall-clock time in the
    zone, across any daylight-saving change inside the span."""
    zone = zone_of(zone_name)
    total = 0.0
    moment = start.astimezone(datetime.UTC)
    end = end.astimezone(datetime.UTC)
    while moment < end:
        local = moment.astimezone(zone)
        stop = min(_next_boundary(local, zone), end)
        if _is_night(local):
            total += (stop - moment).total_seconds() / 60
        moment = stop
    return round(total)


@dataclass
class LocalSlot:
    """A slot seen in one zone."""

    slot: PollSlot
    zone: str
    starts: datetime.datetime
    ends: datetime.datetime
    night_minutes: int

    @property
    def is_night(self) -> bool:
        return self.night_minutes > 0


def local_slot(slot: PollSlot, zone_name: str) -> LocalSlot:
    zone = zone_of(zone_name)
    return LocalSlot(
        slot=slot,
        zone=zone_name,
        starts=slot.starts_at.astimezone(zone),
        ends=slot.ends_at.astimezone(zone),
        night_minutes=night_minutes(slot.starts_at, slot.ends_at, zone_name),
    )


def _answers_seen(user: User, poll: SchedulingPoll):
    """Others' answers as the policy lets `user` see them (the poll's setting)."""
    return visible(user, PollAnswer).filter(slot__poll=poll)


# ------------------------------------------------------------------------------
# The answer page
# ------------------------------------------------------------------------------


@dataclass
class AnswerRow:
    local: LocalSlot
    my_choice: str
    counts: dict  # choice -> how many answered it (when answers are shown)


@dataclass
class AnswerPage:
    poll: SchedulingPoll
    session: DialogueSession
    zone: str
    rows: list[AnswerRow]
    accepts_answers: bool
    can_run: bool
    can_answer_for_jurisdiction: bool
    answered_for_jurisdiction: bool
    answers_shown: bool
    choices: list = field(default_factory=lambda: list(Choice.choices))


def answer_page(*, user: User, poll: SchedulingPoll) -> AnswerPage:
    capabilities = item_capabilities(user, poll)
    zone = getattr(user, "timezone", "") or "UTC"
    slots = list(poll.slots.all())
    # The reader's own answers: what they wrote, whoever else may see it.
    mine = {a.slot_id: a for a in PollAnswer.objects.filter(slot__poll=poll, user_id=user.pk)}
    seen = _answers_seen(user, poll).exclude(user_id=user.pk)
    counts: dict[int, Counter] = defaultdict(Counter)
    answers_shown = (
        poll.answers_visible_to == SchedulingPoll.AnswersVisibility.ROSTER
        or Capability.RUN_SESSIONS in capabilities
    )
    if answers_shown:
        for slot_id, choice, n in seen.values_list("slot_id", "choice").annotate(n=Count("pk")):
            counts[slot_id][choice] += n
        for slot_id, answer in mine.items():
            counts[slot_id][answer.choice] += 1
    rows = [
        AnswerRow(
            local=local_slot(slot, zone),
            my_choice=mine[slot.pk].choice if slot.pk in mine else "",
            counts=dict(counts[slot.pk]),
        )
        for slot in slots
    ]
    return AnswerPage(
        poll=poll,
        session=poll.session,
        zone=zone,
        rows=rows,
        accepts_answers=poll.accepts_answers(),
        can_run=Capability.RUN_SESSIONS in capabilities,
        can_answer_for_jurisdiction=can_act_for_jurisdiction(user, poll, capabilities=capabilities),
        answered_for_jurisdiction=any(a.for_jurisdiction for a in mine.values()),
        answers_shown=answers_shown,
    )


# ------------------------------------------------------------------------------
# The organiser's grid
# ------------------------------------------------------------------------------


@dataclass
class Cell:
    local: LocalSlot
    choice: str  # "" when nobody answered
    for_jurisdiction: bool = False


@dataclass
class PersonRow:
    person: User
    cells: list[Cell]


@dataclass
class JurisdictionRow:
    jurisdiction: Jurisdiction
    zone: str
    full_member: bool
    cells: list[Cell]
    people: list[PersonRow]


@dataclass
class RankedSlot:
    slot: PollSlot
    local: LocalSlot  # in the poll's zone
    full_members_covered: int
    others_covered: int
    night_minutes: int  # summed over the jurisdictions the session is for
    yes_count: int

    @property
    def night_hours(self) -> float:
        return round(self.night_minutes / 60, 1)


@dataclass
class GridPage:
    poll: SchedulingPoll
    session: DialogueSession
    slots: list[LocalSlot]  # in the poll's zone: the columns
    jurisdictions: list[JurisdictionRow]
    others: list[PersonRow]  # people of no jurisdiction (the Secretariat), in their own zone
    ranking: list[RankedSlot]
    full_member_count: int
    can_pick: bool


def jurisdiction_zones(jurisdiction_ids) -> dict[int, str]:
    """Each jurisdiction's zone: the one most of its active officials use (ties: by name)."""
    tallies: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = (
        User.objects.filter(jurisdiction_id__in=list(jurisdiction_ids), is_active=True)
        .values("jurisdiction_id", "timezone")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        tallies[row["jurisdiction_id"]].append((-row["n"], row["timezone"]))
    return {pk: min(found)[1] for pk, found in tallies.items()}


def _jurisdiction_choice(answers: list[PollAnswer]) -> tuple[str, bool]:
    """A jurisdiction's answer: its focal point's answer for it, else the best of its people's
    (one person per jurisdiction is enough)."""
    for answer in answers:
        if answer.for_jurisdiction:
            return answer.choice, True
    if not answers:
        return "", False
    return max((a.choice for a in answers), key=PREFERENCE.__getitem__), False


def grid_page(*, user: User, poll: SchedulingPoll) -> GridPage:
    meetings.require_capability(user, Capability.RUN_SESSIONS, poll)
    session = poll.session
    slots = list(poll.slots.all())
    people = list(
        meetings.attendees(session).select_related("jurisdiction").order_by("full_name", "pk")
    )
    answers = list(_answers_seen(user, poll))
    by_person: dict[tuple[int, int], PollAnswer] = {(a.user_id, a.slot_id): a for a in answers}
    by_jurisdiction: dict[tuple[int, int], list[PollAnswer]] = defaultdict(list)
    for answer in answers:
        if answer.jurisdiction_id:
            by_jurisdiction[(answer.jurisdiction_id, answer.slot_id)].append(answer)
    jurisdictions = {p.jurisdiction_id: p.jurisdiction for p in people if p.jurisdiction_id}
    zones = jurisdiction_zones(jurisdictions)

    def person_row(person: User, zone: str | None = None) -> PersonRow:
        zone = zone or person.timezone
        return PersonRow(
            person=person,
            cells=[
                Cell(
                    local=local_slot(slot, zone),
                    choice=getattr(by_person.get((person.pk, slot.pk)), "choice", ""),
                    for_jurisdiction=getattr(
                        by_person.get((person.pk, slot.pk)), "for_jurisdiction", False
                    ),
                )
                for slot in slots
            ],
        )

    rows = []
    for jurisdiction in sorted(jurisdictions.values(), key=lambda j: j.name):
        zone = zones.get(jurisdiction.pk, "UTC")
        cells = []
        for slot in slots:
            choice, stands_for = _jurisdiction_choice(
                by_jurisdiction.get((jurisdiction.pk, slot.pk), [])
            )
            cells.append(Cell(local_slot(slot, zone), choice, stands_for))
        rows.append(
            JurisdictionRow(
                jurisdiction=jurisdiction,
                zone=zone,
                full_member=jurisdiction.status == Jurisdiction.Status.FULL_MEMBER,
                cells=cells,
                people=[
                    person_row(p, zone) for p in people if p.jurisdiction_id == jurisdiction.pk
                ],
            )
        )
    ranking = []
    for index, slot in enumerate(slots):
        full = others = night = 0
        for row in rows:
            cell = row.cells[index]
            night += cell.local.night_minutes
            if cell.choice in AVAILABLE:
                if row.full_member:
                    full += 1
                else:
                    others += 1
        yes = sum(1 for a in answers if a.slot_id == slot.pk and a.choice == Choice.YES)
        ranking.append(RankedSlot(slot, local_slot(slot, poll.time_zone), full, others, night, yes))
    ranking.sort(
        key=lambda r: (
            -r.full_members_covered,
            -r.others_covered,
            r.night_minutes,
            -r.yes_count,
            r.slot.starts_at,
        )
    )
    return GridPage(
        poll=poll,
        session=session,
        slots=[local_slot(slot, poll.time_zone) for slot in slots],
        jurisdictions=rows,
        others=[person_row(p) for p in people if not p.jurisdiction_id],
        ranking=ranking,
        full_member_count=sum(1 for r in rows if r.full_member),
        can_pick=poll.picked_slot_id is None and session.status == DialogueSession.Status.DRAFT,
    )


def polls_for(*, user: User, workspace) -> list[SchedulingPoll]:
    """The workspace's scheduling polls `user` may see, open ones first, newest first."""
    return list(
        visible(user, SchedulingPoll)
        .filter(session__workspace=workspace)
        .select_related("session")
        .order_by("-status", "-created_at")
    )
