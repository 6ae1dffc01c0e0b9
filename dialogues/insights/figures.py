"""Participation figures: how jurisdictions take part in the dialogues, as counts only.

Who reads what is the policy's (`workspaces.access.insights_scope`): the dialogues in view and,
for each, the jurisdictions whose figures the reader may have. What counts is `countable()`: the
items of those dialogues in the period, not removed, and never a full-members-only item for a
reader seated as an observer. Every figure on the page and in the CSV files is a grouped count
over `countable()` (a few queries for the whole page, none per cell), so the page says exactly
what a policy-filtered query says.

Attribution bounds the figures further: an anonymous dialogue gives totals only (no figure per
jurisdiction), and no figure anywhere is per person.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncMonth

from accounts.models import Jurisdiction, User
from accounts.standing import people_with_standing
from dialogues.models import ChatMessage, DialogueSession, Post, SessionAttendance, Thread
from workspaces.access import insights_observer_view, insights_scope, visible
from workspaces.models import AttributionMode, Audience, Document, Download, Workspace

# The figures, in the order the tables show them.
METRICS = ("threads", "replies", "messages", "attendances", "documents", "downloads")


@dataclass(frozen=True)
class Period:
    start: datetime.datetime  # inclusive
    end: datetime.datetime  # exclusive

    @property
    def last_day(self) -> datetime.date:
        """The period's last day, as the reader chose it (`end` is the midnight after it)."""
        return (self.end - datetime.timedelta(days=1)).date()

    def q(self, lookup: str) -> Q:
        return Q(**{f"{lookup}__gte": self.start, f"{lookup}__lt": self.end})


@dataclass(frozen=True)
class Reader:
    """What the figures may say to one reader."""

    scope: dict[int, frozenset[int] | None]  # dialogue -> jurisdictions (None: all)
    observer_view: bool

    @classmethod
    def of(cls, user: User, workspace_ids: list[int] | None = None) -> Reader:
        return cls(
            scope=insights_scope(user, workspace_ids), observer_view=insights_observer_view(user)
        )

    def allows(self, workspace_id: int, jurisdiction_id: int | None) -> bool:
        if workspace_id not in self.scope:
            return False
        allowed = self.scope[workspace_id]
        return allowed is None or jurisdiction_id in allowed


# ------------------------------------------------------------------------------
# What counts, per kind of activity: (queryset, dialogue lookup, jurisdiction lookup)
# ------------------------------------------------------------------------------


def _in_scope(queryset: QuerySet, reader: Reader, workspace: str, jurisdiction: str) -> QuerySet:
    """Rows of dialogues in view, and of a jurisdiction the reader may read there."""
    condition = Q(pk__in=[])
    everyone = [pk for pk, allowed in reader.scope.items() if allowed is None]
    if everyone:
        condition |= Q(**{f"{workspace}__in": everyone})
    by_jurisdiction: dict[int, list[int]] = defaultdict(list)
    for pk, allowed in reader.scope.items():
        for jurisdiction_id in allowed or ():
            by_jurisdiction[jurisdiction_id].append(pk)
    for jurisdiction_id, workspaces in by_jurisdiction.items():
        condition |= Q(**{f"{workspace}__in": workspaces, jurisdiction: jurisdiction_id})
    return queryset.filter(condition)


@dataclass(frozen=True)
class Kind:
    """One kind of activity: where its items are, what must not be deleted for it to count,
    the lookups of its moment, audience, dialogue and jurisdiction."""

    model: type
    alive: tuple[str, ...]  # lookups that must be null (the item and what holds it)
    stamp: str
    audience: str
    workspace: str
    jurisdiction: str


KINDS = {
    "threads": Kind(
        Thread, ("deleted_at",), "created_at", "audience", "workspace_id", "author__jurisdiction_id"
    ),
    "replies": Kind(
        Post,
        ("deleted_at", "thread__deleted_at"),
        "created_at",
        "thread__audience",
        "thread__workspace_id",
        "author__jurisdiction_id",
    ),
    "messages": Kind(
        ChatMessage,
        ("deleted_at",),
        "created_at",
        "room__audience",
        "room__workspace_id",
        "author__jurisdiction_id",
    ),
    "attendances": Kind(
        SessionAttendance,
        ("session__deleted_at",),
        "joined_at",
        "session__audience",
        "session__workspace_id",
        "jurisdiction_id",
    ),
    "documents": Kind(
        Document,
        ("deleted_at",),
        "created_at",
        "audience",
        "workspace_id",
        "uploaded_by__jurisdiction_id",
    ),
    "downloads": Kind(
        Download,
        ("version__document__deleted_at",),
        "created_at",
        "version__document__audience",
        "version__document__workspace_id",
        "user__jurisdiction_id",
    ),
}
STAMPS = {name: kind.stamp for name, kind in KINDS.items()}


def countable(kind: str, reader: Reader, period: Period) -> tuple[QuerySet, str, str]:
    """The items of `kind` that count for `reader` in `period`, with the lookups of their
    dialogue and of their jurisdiction."""
    spec = KINDS[kind]
    queryset = spec.model.objects.filter(
        period.q(spec.stamp), **{f"{lookup}__isnull": True for lookup in spec.alive}
    )
    if kind == "replies":
        queryset = queryset.filter(depth__gt=0)  # every post but a thread's opening one
    if reader.observer_view:
        queryset = queryset.exclude(**{spec.audience: Audience.FULL_MEMBERS})
    lookups = (spec.workspace, spec.jurisdiction)
    return _in_scope(queryset, reader, *lookups), *lookups


# What shows in the chart over time, and what makes a row's "last activity" (reading is not).
OVER_TIME = ("threads", "replies", "messages")
ACTIVITY = ("threads", "replies", "messages", "attendances", "documents")


@dataclass(frozen=True)
class Cell:
    workspace: int
    jurisdiction: int | None
    count: int
    last: datetime.datetime


def _cells(kind: str, reader: Reader, period: Period) -> list[Cell]:
    """One grouped query per kind: its count and latest moment per dialogue and jurisdiction
    (at most dialogues x jurisdictions rows, however many items). The tables and the heat map
    are summed from these."""
    queryset, workspace, jurisdiction = countable(kind, reader, period)
    rows = (
        queryset.values(workspace, jurisdiction)
        .annotate(n=Count("pk"), last=Max(STAMPS[kind]))
        .order_by()
    )
    return [Cell(row[workspace], row[jurisdiction], row["n"], row["last"]) for row in rows]


def _per_month(reader: Reader, period: Period) -> dict[int, dict[datetime.date, int]]:
    """Posts and chat messages per dialogue and month (at most dialogues x months rows)."""
    per: dict[int, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    for kind in OVER_TIME:
        queryset, workspace, _jurisdiction = countable(kind, reader, period)
        rows = (
            queryset.annotate(month=TruncMonth(STAMPS[kind]))
            .values(workspace, "month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            month = row["month"]
            month = month.date() if isinstance(month, datetime.datetime) else month
            per[row[workspace]][month] += row["n"]
    return per


# ------------------------------------------------------------------------------
# The page
# ------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))
    last_activity: datetime.datetime | None = None
    suppressed: bool = False  # an anonymous dialogue's figure per jurisdiction

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class SessionRow:
    label: str
    starts_at: datetime.datetime
    dialogue: str
    people: int
    jurisdictions: int


@dataclass
class Insights:
    period: Period
    dialogues: list[Row]  # one per dialogue in view (totals, anonymous ones included)
    jurisdictions: list[Row]  # one per jurisdiction in view (anonymous dialogues left out)
    grid: list[tuple[str, list[int | None]]]  # jurisdiction -> activity per dialogue
    grid_columns: list[str]
    months: list[datetime.date]
    activity: list[tuple[str, list[int]]]  # dialogue -> posts and messages per month
    sessions: list[SessionRow]
    officials: list[tuple[str, int, int]]  # jurisdiction, active officials, officials
    anonymous_left_out: bool


def insights(*, user: User, period: Period, workspace_ids: list[int] | None = None) -> Insights:
    """The page's figures for `user` over `period`, for every dialogue in view or only those of
    `workspace_ids`."""
    reader = Reader.of(user, workspace_ids)
    workspaces = {
        w.pk: w for w in Workspace.objects.filter(pk__in=list(reader.scope)).order_by("title")
    }
    anonymous = {pk for pk, w in workspaces.items() if w.attribution == AttributionMode.ANONYMOUS}
    cells_by_kind = {kind: _cells(kind, reader, period) for kind in METRICS}
    jurisdiction_ids = {c.jurisdiction for cells in cells_by_kind.values() for c in cells}
    for allowed in reader.scope.values():
        jurisdiction_ids |= set(allowed or ())
    if any(allowed is None for allowed in reader.scope.values()):
        jurisdiction_ids |= set(
            Jurisdiction.objects.exclude(status=Jurisdiction.Status.FORMER).values_list(
                "pk", flat=True
            )
        )
    jurisdictions = {
        j.pk: j for j in Jurisdiction.objects.filter(pk__in=jurisdiction_ids).order_by("name")
    }

    by_dialogue = {pk: Row(w.title) for pk, w in workspaces.items()}
    by_jurisdiction = {pk: Row(j.name) for pk, j in jurisdictions.items()}
    grid_counts: dict[tuple[int, int], int] = defaultdict(int)
    per_month = _per_month(reader, period)
    for kind, cells in cells_by_kind.items():
        for cell in cells:
            dialogue_row = by_dialogue[cell.workspace]
            dialogue_row.counts[kind] += cell.count
            if kind in ACTIVITY:
                _latest(dialogue_row, cell.last)
            if cell.workspace in anonymous or cell.jurisdiction not in by_jurisdiction:
                continue  # the Secretariat's own activity has no jurisdiction row
            jurisdiction_row = by_jurisdiction[cell.jurisdiction]
            jurisdiction_row.counts[kind] += cell.count
            if kind in ACTIVITY:
                _latest(jurisdiction_row, cell.last)
            grid_counts[(cell.jurisdiction, cell.workspace)] += cell.count
    columns = list(workspaces)
    grid = [
        (
            j.name,
            [
                None
                if w in anonymous or not reader.allows(w, j.pk)
                else grid_counts.get((j.pk, w), 0)
                for w in columns
            ],
        )
        for j in jurisdictions.values()
    ]
    months = sorted({month for counts in per_month.values() for month in counts})
    activity = [
        (w.title, [per_month[pk].get(month, 0) for month in months])
        for pk, w in workspaces.items()
        if pk in per_month
    ]
    return Insights(
        period=period,
        dialogues=list(by_dialogue.values()),
        jurisdictions=list(by_jurisdiction.values()),
        grid=grid,
        grid_columns=[workspaces[w].title for w in columns],
        months=months,
        activity=activity,
        sessions=_sessions(user, reader, period),
        officials=_officials(reader, period, jurisdictions, anonymous),
        anonymous_left_out=bool(anonymous),
    )


def _latest(row: Row, moment: datetime.datetime | None) -> None:
    if moment is not None and (row.last_activity is None or moment > row.last_activity):
        row.last_activity = moment


def _sessions(user: User, reader: Reader, period: Period) -> list[SessionRow]:
    """Attendance per session, from the attendances of the period: people and jurisdictions
    counted; a session's title only where the reader may see the session (one policy query
    for them all, not one per session)."""
    queryset, _workspace, _jurisdiction = countable("attendances", reader, period)
    rows = (
        queryset.values("session_id")
        .annotate(
            people=Count("user_id", distinct=True), places=Count("jurisdiction_id", distinct=True)
        )
        .order_by()
    )
    counts = {row["session_id"]: row for row in rows}
    sessions = DialogueSession.objects.filter(pk__in=list(counts)).select_related("workspace")
    shown = set(
        visible(user, DialogueSession).filter(pk__in=list(counts)).values_list("pk", flat=True)
    )
    return [
        SessionRow(
            label=session.title if session.pk in shown else "",
            starts_at=session.starts_at,
            dialogue=session.workspace.title,
            people=counts[session.pk]["people"],
            jurisdictions=counts[session.pk]["places"],
        )
        for session in sorted(sessions, key=lambda s: s.starts_at)
    ]


def _officials(reader, period, jurisdictions, anonymous) -> list[tuple[str, int, int]]:
    """Per jurisdiction: officials who took part in the period (posted, chatted or attended,
    outside anonymous dialogues), and officials with an active account."""
    reader_without_anonymous = Reader(
        scope={pk: allowed for pk, allowed in reader.scope.items() if pk not in anonymous},
        observer_view=reader.observer_view,
    )
    active: dict[int, set[int]] = defaultdict(set)
    for kind, person in (
        ("threads", "author_id"),
        ("replies", "author_id"),
        ("messages", "author_id"),
        ("attendances", "user_id"),
    ):
        queryset, _workspace, jurisdiction = countable(kind, reader_without_anonymous, period)
        for jurisdiction_id, user_id in (
            queryset.values_list(jurisdiction, person).order_by().distinct()
        ):
            active[jurisdiction_id].add(user_id)
    officials = dict(
        User.objects.filter(people_with_standing(), jurisdiction_id__in=list(jurisdictions))
        .values_list("jurisdiction_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        (j.name, len(active.get(pk, ())), officials.get(pk, 0)) for pk, j in jurisdictions.items()
    ]
