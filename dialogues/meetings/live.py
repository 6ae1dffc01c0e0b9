"""Running a live session from its room: the agenda item under discussion and its clock, the
speakers' queue, minutes drafted as the session runs, and who was present for each item.

Every write is a keyword-only, atomic service that asks the policy first; the websocket consumer
and the room page's plain forms call the same services (docs/realtime.md, "Running a live
session"). After each change the room hears the whole running state again (`live_frame`), built
after the commit, so every socket shows what the database holds.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User
from core.events import after_commit
from core.markup import render_markdown
from dialogues.attribution.bylines import DialogueBylines
from dialogues.chat import services as chat_services
from dialogues.meetings.services import attendees, locked_session, require_capability
from dialogues.models import (
    ActionItem,
    AgendaItem,
    ChatMessage,
    ChatPresence,
    DialogueSession,
    FloorRequest,
    ItemAttendance,
    ItemRun,
    MinutesEntry,
)
from workspaces.access import (
    Capability,
    can_act_for_jurisdiction,
    item_capabilities,
    people_who_can_view,
)

Status = DialogueSession.Status
Hand = FloorRequest.Status
NOTE_KINDS = ("summary", "decision", "action")
MAX_NOTE = 4000


# ------------------------------------------------------------------------------
# Reading the running state
# ------------------------------------------------------------------------------


def current_run(session: DialogueSession) -> ItemRun | None:
    return ItemRun.objects.filter(session=session, ended_at__isnull=True).first()


def used_seconds(session: DialogueSession) -> dict[int, int]:
    """Seconds each agenda item has been under discussion, over its finished stretches."""
    used: dict[int, float] = {}
    for run in ItemRun.objects.filter(session=session, ended_at__isnull=False):
        seconds = (run.ended_at - run.started_at).total_seconds()
        used[run.agenda_item_id] = used.get(run.agenda_item_id, 0) + seconds
    return {pk: int(seconds) for pk, seconds in used.items()}


def open_hands(session: DialogueSession) -> list[FloorRequest]:
    return list(
        FloorRequest.objects.filter(session=session, status__in=FloorRequest.OPEN)
        .select_related("user__jurisdiction")
        .order_by("raised_at", "pk")
    )


def hand_frame(hand: FloorRequest, people: DialogueBylines) -> dict:
    return {
        "id": hand.pk,
        "person": people.person(hand.user),
        "for_jurisdiction": hand.for_jurisdiction,
        "raised_at": hand.raised_at.isoformat(),
    }


def live_state(session: DialogueSession, people: DialogueBylines | None = None) -> dict:
    """The running state as the `live` frame carries it (the same for every reader: people
    appear as the room shows them, names or pseudonyms)."""
    people = people or DialogueBylines(session.room or session)
    run = current_run(session)
    used = used_seconds(session)
    hands = open_hands(session)
    speaking = next((h for h in hands if h.status == Hand.SPEAKING), None)
    return {
        "type": "live",
        "status": session.status,
        "now": timezone.now().isoformat(),  # the clients' clocks count against the server's
        "agenda": {
            "items": [
                {
                    "id": item.pk,
                    "title": item.title,
                    "planned": item.duration_minutes * 60,
                    "used": used.get(item.pk, 0),
                }
                for item in session.agenda.order_by("position", "pk")
            ],
            "current": {"id": run.agenda_item_id, "since": run.started_at.isoformat()}
            if run is not None
            else None,
        },
        "floor": {
            "speaking": hand_frame(speaking, people) if speaking else None,
            "queue": [hand_frame(h, people) for h in hands if h.status == Hand.WAITING],
        },
    }


def session_of_room(room) -> DialogueSession | None:
    """The session whose room this is (None for a dialogue's own chat)."""
    if room.is_workspace_room:
        return None
    return DialogueSession.objects.select_related("workspace").filter(room=room).first()


def room_flags(user: User, session: DialogueSession, room_capabilities: frozenset) -> dict:
    """What the reader may do to run the session from its room (the `ready` frame and the
    page): run it, ask for the floor, ask for it for their jurisdiction (its name, or "")."""
    can_raise = Capability.CONTRIBUTE in room_capabilities
    for_jurisdiction = can_raise and can_act_for_jurisdiction(
        user, session.room, capabilities=room_capabilities, needs=Capability.CONTRIBUTE
    )
    return {
        "can_run": Capability.RUN_SESSIONS in item_capabilities(user, session),
        "can_raise": can_raise,
        "can_raise_for": user.jurisdiction.name if for_jurisdiction else "",
    }


def announce_state(session: DialogueSession) -> None:
    """Once the change commits, everyone in the room hears the running state as it is then."""
    room_id = session.room_id
    if room_id is None:
        return

    def send():
        fresh = DialogueSession.objects.select_related("workspace", "room").get(pk=session.pk)
        chat_services.broadcast(chat_services.room_group(room_id), live_state(fresh))

    after_commit(send)


# ------------------------------------------------------------------------------
# Checks shared by the services
# ------------------------------------------------------------------------------


def _live(actor: User, session: DialogueSession, capability: Capability) -> DialogueSession:
    """The session, locked, once the actor may act on it and it is live."""
    session = locked_session(session)
    if capability == Capability.RUN_SESSIONS:
        require_capability(actor, capability, session)
    if session.status != Status.LIVE:
        raise ValidationError(_("The session is not live."), code="not_live")
    # Taking part is what the room allows (it closes when the session ends).
    if capability != Capability.RUN_SESSIONS and capability not in _room_capabilities(
        actor, session
    ):
        raise PermissionDenied(_("You cannot take part in this room."))
    return session


def _room_capabilities(actor: User, session: DialogueSession) -> frozenset:
    """What the actor may do in the session's room (posting there is taking part)."""
    if session.room is None:
        return frozenset()
    return item_capabilities(actor, session.room)


def _audit(actor, session, request, template: str, *, announce: bool = True, **params) -> None:
    """On the record; and (`announce`) everyone in the room hears the new running state."""
    detail = {"session": session.pk, **params}
    audit_record(
        action=AuditEvent.Action.SESSION_CHANGED,
        actor=actor,
        scope=f"workspace:{session.workspace.slug}",
        summary=sentence(template, session=session.pk, **params),
        detail=detail,
        request=request,
    )
    if announce:
        announce_state(session)


# ------------------------------------------------------------------------------
# The agenda
# ------------------------------------------------------------------------------


@transaction.atomic
def agenda_move(
    *, actor: User, session: DialogueSession, item_id: int, request: HttpRequest | None = None
) -> ItemRun:
    """Take up an agenda item: the current one's clock stops, this one's starts; a line in the
    room says so, the audit log records it, and everyone present is on the item's register."""
    session = _live(actor, session, Capability.RUN_SESSIONS)
    item = AgendaItem.objects.filter(session=session, pk=item_id or 0).first()
    if item is None:
        raise ValidationError(_("Choose an item of this session's agenda."), code="invalid")
    now = timezone.now()
    run = current_run(session)
    if run is not None and run.agenda_item_id == item.pk:
        raise ValidationError(_("That item is already under discussion."), code="invalid")
    if run is not None:
        run.ended_at = now
        run.save(update_fields=["ended_at"])
    run = ItemRun.objects.create(
        session=session, agenda_item=item, started_at=now, started_by=actor
    )
    present = ChatPresence.objects.filter(room_id=session.room_id).values_list(
        "user_id", "user__jurisdiction_id"
    )
    ItemAttendance.objects.bulk_create(
        [
            ItemAttendance(
                session=session, agenda_item=item, user_id=user_id, jurisdiction_id=jurisdiction
            )
            for user_id, jurisdiction in set(present)
        ],
        ignore_conflicts=True,
    )
    position = list(session.agenda.order_by("position", "pk").values_list("pk", flat=True))
    number = position.index(item.pk) + 1
    # The line in the room: the moderator's own message (in their language), through the
    # chat's one door.
    with translation.override(actor.language or settings.LANGUAGE_CODE):
        line = _("Agenda item %(number)s: %(title)s (%(minutes)s min)") % {
            "number": number,
            "title": item.title,
            "minutes": item.duration_minutes,
        }
    chat_services.message_send(
        actor=actor, room=session.room, body=line, client_id=f"agenda-{run.pk}"
    )
    _audit(
        actor,
        session,
        request,
        gettext_noop("Agenda item %(item)s taken up in session %(session)s"),
        item=item.pk,
    )
    return run


# ------------------------------------------------------------------------------
# The speakers' queue
# ------------------------------------------------------------------------------


@transaction.atomic
def floor_raise(
    *,
    actor: User,
    session: DialogueSession,
    for_jurisdiction: bool = False,
    request: HttpRequest | None = None,
) -> FloorRequest:
    """Raise a hand (one open hand per person): for oneself, or a focal point's for their
    jurisdiction. Whoever may post in the room may ask for the floor (observers where the
    dialogue lets them contribute)."""
    session = _live(actor, session, Capability.CONTRIBUTE)
    if for_jurisdiction and not can_act_for_jurisdiction(
        actor, session.room, needs=Capability.CONTRIBUTE
    ):
        raise PermissionDenied(_("Only a focal point asks for the floor for their jurisdiction."))
    if FloorRequest.objects.filter(
        session=session, user=actor, status__in=FloorRequest.OPEN
    ).exists():
        raise ValidationError(_("Your hand is already raised."), code="invalid")
    run = current_run(session)
    try:
        with transaction.atomic():
            hand = FloorRequest.objects.create(
                session=session,
                user=actor,
                jurisdiction_id=actor.jurisdiction_id,
                for_jurisdiction=for_jurisdiction,
                agenda_item_id=run.agenda_item_id if run else None,
            )
    except IntegrityError:  # the same hand raised from another socket at the same moment
        raise ValidationError(_("Your hand is already raised."), code="invalid") from None
    _audit(
        actor,
        session,
        request,
        gettext_noop("Hand raised for the jurisdiction in session %(session)s")
        if for_jurisdiction
        else gettext_noop("Hand raised in session %(session)s"),
        hand=hand.pk,
    )
    return hand


@transaction.atomic
def floor_withdraw(
    *, actor: User, session: DialogueSession, request: HttpRequest | None = None
) -> FloorRequest:
    """Lower one's own waiting hand."""
    session = _live(actor, session, Capability.VIEW)
    hand = FloorRequest.objects.filter(session=session, user=actor, status=Hand.WAITING).first()
    if hand is None:
        raise ValidationError(_("Your hand is not raised."), code="invalid")
    _resolve(hand, Hand.WITHDRAWN, actor)
    _audit(
        actor,
        session,
        request,
        gettext_noop("Hand lowered in session %(session)s"),
        hand=hand.pk,
    )
    return hand


def _resolve(hand: FloorRequest, status: str, actor: User) -> None:
    hand.status, hand.resolved_at, hand.resolved_by = status, timezone.now(), actor
    hand.save(update_fields=["status", "resolved_at", "resolved_by"])


def _waiting_hand(session: DialogueSession, request_id: int | None) -> FloorRequest:
    hand = FloorRequest.objects.filter(
        session=session, pk=request_id or 0, status=Hand.WAITING
    ).first()
    if hand is None:
        raise ValidationError(_("That hand is no longer in the queue."), code="invalid")
    return hand


@transaction.atomic
def floor_give(
    *,
    actor: User,
    session: DialogueSession,
    request_id: int | None,
    request: HttpRequest | None = None,
) -> FloorRequest:
    """Give the floor to a waiting hand; whoever had it has spoken."""
    session = _live(actor, session, Capability.RUN_SESSIONS)
    hand = _waiting_hand(session, request_id)
    for speaking in FloorRequest.objects.filter(session=session, status=Hand.SPEAKING):
        _resolve(speaking, Hand.DONE, actor)
    hand.status = Hand.SPEAKING
    hand.save(update_fields=["status"])
    _audit(
        actor, session, request, gettext_noop("Floor given in session %(session)s"), hand=hand.pk
    )
    return hand


@transaction.atomic
def floor_skip(
    *,
    actor: User,
    session: DialogueSession,
    request_id: int | None,
    request: HttpRequest | None = None,
) -> FloorRequest:
    session = _live(actor, session, Capability.RUN_SESSIONS)
    hand = _waiting_hand(session, request_id)
    _resolve(hand, Hand.SKIPPED, actor)
    _audit(
        actor,
        session,
        request,
        gettext_noop("Hand skipped in session %(session)s"),
        hand=hand.pk,
    )
    return hand


@transaction.atomic
def floor_clear(
    *, actor: User, session: DialogueSession, request: HttpRequest | None = None
) -> int:
    """Empty the queue, the floor included."""
    session = _live(actor, session, Capability.RUN_SESSIONS)
    cleared = FloorRequest.objects.filter(session=session, status__in=FloorRequest.OPEN).update(
        status=Hand.CLEARED, resolved_at=timezone.now(), resolved_by=actor
    )
    _audit(
        actor,
        session,
        request,
        gettext_noop("Speakers' queue cleared in session %(session)s (%(count)s hands)"),
        count=cleared,
    )
    return cleared


# ------------------------------------------------------------------------------
# Minutes drafted live
# ------------------------------------------------------------------------------


def _quoted(session: DialogueSession, seq: int) -> str:
    """A room message as a minutes draft: its text, with its author as minutes show people
    (outside the live view: "A participant" under the Chatham House rule)."""
    message = (
        ChatMessage.objects.select_related("author__jurisdiction")
        .filter(room_id=session.room_id, seq=seq, deleted_at__isnull=True, hidden_at__isnull=True)
        .first()
    )
    if message is None:
        raise ValidationError(_("That message cannot be taken into the minutes."), code="invalid")
    speaker = DialogueBylines(session, outside=True).speaker(message.author)
    return f"{speaker}: {message.body_source.strip()}"


@transaction.atomic
def minutes_note(
    *,
    actor: User,
    session: DialogueSession,
    kind: str,
    text: str = "",
    seq: int | None = None,
    owner_id: int | None = None,
    due_date: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> AgendaItem:
    """A draft minutes entry for the item under discussion: added to its summary or its
    decisions, or a new action. Minutes stay with those who write them until shared for review
    (the policy's release rule for minutes), so drafting them live shows them to no one else."""
    session = _live(actor, session, Capability.RUN_SESSIONS)
    if kind not in NOTE_KINDS:
        raise ValidationError(_("Choose a summary, a decision or an action."), code="invalid")
    run = current_run(session)
    if run is None:
        raise ValidationError(_("Take up an agenda item first."), code="invalid")
    text = (text or "").strip()
    if len(text) > MAX_NOTE:
        raise ValidationError(_("A note can be at most 4,000 characters long."), code="invalid")
    if seq:
        quoted = _quoted(session, seq)
        text = f"{text}\n\n> {quoted}" if text else quoted
    if not text:
        raise ValidationError(_("Write the note, or take it from a message."), code="invalid")
    item = run.agenda_item
    if kind == "action":
        owner = people_who_can_view(session).filter(pk=owner_id or 0).first()
        if owner is None:
            raise ValidationError(_("Choose an owner who can attend the session."), code="invalid")
        if not isinstance(due_date, datetime.date):
            raise ValidationError(_("Give a due date."), code="invalid")
        if len(text) > 500:  # an action's own limit (minutes.action_add says the same)
            raise ValidationError(
                _("An action can be at most 500 characters long."), code="invalid"
            )
        ActionItem.objects.create(
            session=session,
            agenda_item=item,
            description=text,
            owner=owner,
            due_date=due_date,
        )
    else:
        entry, _created = MinutesEntry.objects.get_or_create(
            agenda_item=item, defaults={"session": session, "updated_by": actor}
        )
        field = "summary" if kind == "summary" else "decisions"
        source = getattr(entry, f"{field}_source")
        source = f"{source.rstrip()}\n\n{text}" if source.strip() else text
        setattr(entry, f"{field}_source", source)
        setattr(entry, f"{field}_html", render_markdown(source))
        entry.updated_at, entry.updated_by = timezone.now(), actor
        entry.save()
    _audit(
        actor,
        session,
        request,
        gettext_noop("Minutes drafted live for agenda item %(item)s of session %(session)s"),
        announce=False,  # drafts are the minute-writers' alone
        item=item.pk,
        kind=kind,
    )
    return item


def note_label(kind: str) -> str:
    return {
        "summary": _("The note is in the item's summary."),
        "decision": _("The note is in the item's decisions."),
        "action": _("The action is in the item's minutes."),
    }[kind]


# ------------------------------------------------------------------------------
# The register by item
# ------------------------------------------------------------------------------


def attendance_by_item(session: DialogueSession) -> dict[int, list[ItemAttendance]]:
    """Who was in the room during each item, by item (one query)."""
    rows: dict[int, list[ItemAttendance]] = {}
    for row in (
        ItemAttendance.objects.filter(session=session)
        .select_related("user", "jurisdiction")
        .order_by("jurisdiction__name", "user__full_name")
    ):
        rows.setdefault(row.agenda_item_id, []).append(row)
    return rows


# ------------------------------------------------------------------------------
# The room page's panels (the same state as the `live` frame, for the first render)
# ------------------------------------------------------------------------------


@dataclass
class AgendaRow:
    item: AgendaItem
    planned_seconds: int
    used_seconds: int
    is_current: bool


@dataclass
class LivePanel:
    items: list[AgendaRow]
    current_since: datetime.datetime | None
    speaking: FloorRequest | None
    queue: list[FloorRequest]
    my_hand: FloorRequest | None
    can_run: bool
    can_raise: bool
    can_raise_for: str
    people: list[tuple[int, str]] = field(default_factory=list)
    is_live: bool = False

    @property
    def next_item(self) -> AgendaItem | None:
        """The item after the one under discussion (none after the last, or before any is
        taken up: the first is taken up by its own button)."""
        current = next((i for i, row in enumerate(self.items) if row.is_current), None)
        if current is None:
            return None
        following = self.items[current + 1 : current + 2]
        return following[0].item if following else None


def live_panel(*, user: User, session: DialogueSession, room_capabilities: frozenset) -> LivePanel:
    people = DialogueBylines(session.room or session)
    run = current_run(session)
    used = used_seconds(session)
    hands = open_hands(session)
    for hand in hands:
        hand.person = people.person(hand.user)
        hand.is_mine = hand.user_id == user.pk
    flags = room_flags(user, session, room_capabilities)
    is_live = session.status == Status.LIVE
    owners = []
    if flags["can_run"] and is_live:  # as the minutes editor lists an action's owners
        owners = [
            (p.pk, f"{p.full_name} ({p.affiliation})")
            for p in attendees(session).select_related("jurisdiction").order_by("full_name")
        ]
    return LivePanel(
        items=[
            AgendaRow(
                item=item,
                planned_seconds=item.duration_minutes * 60,
                used_seconds=used.get(item.pk, 0),
                is_current=run is not None and run.agenda_item_id == item.pk,
            )
            for item in session.agenda.order_by("position", "pk")
        ],
        current_since=run.started_at if run is not None else None,
        speaking=next((h for h in hands if h.status == Hand.SPEAKING), None),
        queue=[h for h in hands if h.status == Hand.WAITING],
        my_hand=next((h for h in hands if h.is_mine and h.status == Hand.WAITING), None),
        people=owners,
        is_live=is_live,
        **flags,
    )
