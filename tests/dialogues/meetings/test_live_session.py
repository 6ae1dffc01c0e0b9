"""Running a live session from its room: the agenda item under discussion and its clock, the
speakers' queue, minutes drafted live, attendance by item; each through the policy, refusals
that change nothing, the plain forms, and the same over the socket (catch-up replays the state).
"""

import asyncio
import datetime
import json

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from dialogues.chat import services as chat_services
from dialogues.meetings import live
from dialogues.meetings import minutes as meeting_minutes
from dialogues.meetings import services as meetings
from dialogues.models import (
    ActionItem,
    ChatMessage,
    ChatPresence,
    DialogueSession,
    FloorRequest,
    ItemAttendance,
    ItemRun,
    MinutesEntry,
)
from workspaces.access import item_capabilities, visible
from workspaces.models import AttributionMode

Hand = FloorRequest.Status


def live_session(world, workspace, *, items=("Benchmarks", "Leakage"), **extra):
    start = timezone.now() + datetime.timedelta(days=1)
    session = meetings.session_create(
        actor=world.secretariat,
        workspace=workspace,
        title="Benchmarks session",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        time_zone="Europe/Berlin",
        **extra,
    )
    for title in items:
        meetings.agenda_item_save(
            actor=world.secretariat, session=session, title=title, duration_minutes=20
        )
    for step in ("schedule", "start"):
        session = meetings.session_transition(actor=world.secretariat, session=session, name=step)
    return DialogueSession.objects.select_related("workspace", "room").get(pk=session.pk)


def agenda(session):
    return list(session.agenda.order_by("position", "pk"))


def present(user, session, channel):
    ChatPresence.objects.create(room=session.room, user=user, channel_name=channel)


# ------------------------------------------------------------------------------
# The agenda and its clock
# ------------------------------------------------------------------------------


def test_taking_up_items_moves_the_clock_says_so_and_records_it(world, dialogue):
    session = live_session(world, dialogue.offsets)
    first, second = agenda(session)
    present(world.member, session, "c1")
    run = live.agenda_move(actor=world.secretariat, session=session, item_id=first.pk)
    assert run.ended_at is None and run.agenda_item == first
    line = ChatMessage.objects.filter(room=session.room).latest("seq")
    assert "Agenda item 1: Benchmarks" in line.body_source
    assert line.author == world.secretariat
    assert ItemAttendance.objects.filter(agenda_item=first, user=world.member).exists()
    # The next item: the first one's stretch ends, its time is counted.
    ItemRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=25)
    )
    live.agenda_move(actor=world.secretariat, session=session, item_id=second.pk)
    run.refresh_from_db()
    assert run.ended_at is not None
    state = live.live_state(session)
    assert state["agenda"]["current"]["id"] == second.pk
    used = {row["id"]: row["used"] for row in state["agenda"]["items"]}
    assert 25 * 60 - 5 <= used[first.pk] <= 25 * 60 + 5
    assert [row["planned"] for row in state["agenda"]["items"]] == [1200, 1200]
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.SESSION_CHANGED, summary_template__contains="taken up"
        ).count()
        == 2
    )


def test_only_those_who_run_the_session_move_the_agenda(world, dialogue):
    session = live_session(world, dialogue.offsets)
    first, _second = agenda(session)
    messages_before = ChatMessage.objects.count()
    for outsider in (world.member, world.observer):
        with pytest.raises(PermissionDenied):
            live.agenda_move(actor=outsider, session=session, item_id=first.pk)
    with pytest.raises(ValidationError):
        live.agenda_move(actor=world.secretariat, session=session, item_id=999_999)
    live.agenda_move(actor=world.secretariat, session=session, item_id=first.pk)
    with pytest.raises(ValidationError):  # already under discussion
        live.agenda_move(actor=world.secretariat, session=session, item_id=first.pk)
    assert ItemRun.objects.filter(session=session).count() == 1
    assert ChatMessage.objects.count() == messages_before + 1


def test_nothing_runs_in_a_session_that_is_not_live(world, dialogue):
    session = live_session(world, dialogue.offsets)
    first, _second = agenda(session)
    live.agenda_move(actor=world.secretariat, session=session, item_id=first.pk)
    live.floor_raise(actor=world.member, session=session)
    session = meetings.session_transition(actor=world.secretariat, session=session, name="end")
    # The end stops the clock and empties the queue.
    assert not ItemRun.objects.filter(session=session, ended_at__isnull=True).exists()
    assert not FloorRequest.objects.filter(session=session, status__in=FloorRequest.OPEN).exists()
    with pytest.raises(ValidationError):
        live.agenda_move(actor=world.secretariat, session=session, item_id=first.pk)
    with pytest.raises(ValidationError):
        live.floor_raise(actor=world.member, session=session)


# ------------------------------------------------------------------------------
# The speakers' queue
# ------------------------------------------------------------------------------


def test_the_queue_in_order_with_withdraw_give_skip_and_clear(world, dialogue):
    session = live_session(world, dialogue.offsets)
    a = live.floor_raise(actor=world.member, session=session)
    b = live.floor_raise(actor=world.observer, session=session)  # observers contribute here
    with pytest.raises(ValidationError):
        live.floor_raise(actor=world.member, session=session)  # one open hand each
    live.floor_withdraw(actor=world.member, session=session)
    a2 = live.floor_raise(actor=world.member, session=session)  # to the end of the queue
    state = live.live_state(session)
    assert [h["id"] for h in state["floor"]["queue"]] == [b.pk, a2.pk]
    assert state["floor"]["queue"][0]["person"]["affiliation"] == "Chile"
    live.floor_give(actor=world.secretariat, session=session, request_id=b.pk)
    live.floor_give(actor=world.secretariat, session=session, request_id=a2.pk)
    b.refresh_from_db()
    assert b.status == Hand.DONE
    assert live.live_state(session)["floor"]["speaking"]["id"] == a2.pk
    c = live.floor_raise(actor=world.focal_point, session=session)
    live.floor_skip(actor=world.secretariat, session=session, request_id=c.pk)
    c.refresh_from_db()
    assert c.status == Hand.SKIPPED
    live.floor_raise(actor=world.focal_point, session=session)
    assert live.floor_clear(actor=world.secretariat, session=session) == 2
    state = live.live_state(session)
    assert state["floor"] == {"speaking": None, "queue": []}
    a.refresh_from_db()
    assert a.status == Hand.WITHDRAWN


def test_queue_refusals_change_nothing(world, dialogue):
    session = live_session(world, dialogue.offsets)
    hand = live.floor_raise(actor=world.member, session=session)
    for service, arguments in (
        (live.floor_give, {"request_id": hand.pk}),
        (live.floor_skip, {"request_id": hand.pk}),
        (live.floor_clear, {}),
    ):
        with pytest.raises(PermissionDenied):
            service(actor=world.member, session=session, **arguments)
    with pytest.raises(ValidationError):
        live.floor_give(actor=world.secretariat, session=session, request_id=999_999)
    with pytest.raises(ValidationError):
        live.floor_withdraw(actor=world.observer, session=session)  # no hand raised
    with pytest.raises(PermissionDenied):  # off the roster
        live.floor_raise(actor=world.member_nz, session=session)
    hand.refresh_from_db()
    assert hand.status == Hand.WAITING


def test_a_focal_point_asks_for_the_floor_for_the_jurisdiction(world, dialogue):
    session = live_session(world, dialogue.offsets)
    with pytest.raises(PermissionDenied):
        live.floor_raise(actor=world.member, session=session, for_jurisdiction=True)
    hand = live.floor_raise(actor=world.focal_point, session=session, for_jurisdiction=True)
    assert hand.for_jurisdiction and hand.jurisdiction == world.focal_point.jurisdiction
    frame = live.live_state(session)["floor"]["queue"][0]
    assert frame["for_jurisdiction"] is True


def test_observers_ask_for_the_floor_only_where_they_may_contribute(world, dialogue):
    dialogue.offsets.observer_policy = "read"
    dialogue.offsets.save()
    session = live_session(world, dialogue.offsets)
    with pytest.raises(PermissionDenied):
        live.floor_raise(actor=world.observer, session=session)
    flags = live.room_flags(
        world.observer, session, item_capabilities(world.observer, session.room)
    )
    assert flags == {"can_run": False, "can_raise": False, "can_raise_for": ""}


def test_an_anonymous_room_names_no_one_in_the_queue(world, dialogue):
    session = live_session(world, dialogue.offsets, attribution=AttributionMode.ANONYMOUS)
    live.floor_raise(actor=world.focal_point, session=session, for_jurisdiction=True)
    text = json.dumps(live.live_state(session))
    for revealing in (world.focal_point.full_name, world.focal_point.jurisdiction.name, "focal"):
        assert revealing not in text
    assert "Participant" in text


# ------------------------------------------------------------------------------
# Minutes drafted live
# ------------------------------------------------------------------------------


def test_drafted_minutes_wait_under_their_item_for_the_editor(world, dialogue):
    session = live_session(world, dialogue.offsets)
    first, second = agenda(session)
    with pytest.raises(ValidationError):  # no item under discussion yet
        live.minutes_note(actor=world.secretariat, session=session, kind="summary", text="x")
    live.agenda_move(actor=world.secretariat, session=session, item_id=first.pk)
    live.minutes_note(
        actor=world.secretariat, session=session, kind="summary", text="Benchmarks compared."
    )
    live.minutes_note(
        actor=world.secretariat, session=session, kind="summary", text="Second point."
    )
    message, _ = chat_services.message_send(
        actor=world.member, room=session.room, body="We will circulate our note.", client_id="m1"
    )
    live.minutes_note(
        actor=world.secretariat, session=session, kind="decision", text="", seq=message.seq
    )
    live.minutes_note(
        actor=world.secretariat,
        session=session,
        kind="action",
        text="Circulate the benchmark note",
        owner_id=world.member.pk,
        due_date=datetime.date(2030, 1, 31),
    )
    entry = MinutesEntry.objects.get(agenda_item=first)
    assert entry.summary_source == "Benchmarks compared.\n\nSecond point."
    assert "We will circulate our note." in entry.decisions_source
    assert world.member.full_name in entry.decisions_source  # a named dialogue
    assert ActionItem.objects.get(agenda_item=first).owner == world.member
    assert not MinutesEntry.objects.filter(agenda_item=second).exists()
    # Drafts are the minute-writers' until shared for review.
    assert not visible(world.member, MinutesEntry).filter(pk=entry.pk).exists()
    assert visible(world.secretariat, MinutesEntry).filter(pk=entry.pk).exists()
    session = meetings.session_transition(actor=world.secretariat, session=session, name="end")
    meeting_minutes.minutes_share(actor=world.secretariat, session=session)
    assert visible(world.member, MinutesEntry).filter(pk=entry.pk).exists()


def test_a_quoted_message_follows_the_chatham_house_rule(world, dialogue):
    session = live_session(world, dialogue.offsets, attribution=AttributionMode.CHATHAM_HOUSE)
    first, _second = agenda(session)
    live.agenda_move(actor=world.secretariat, session=session, item_id=first.pk)
    message, _ = chat_services.message_send(
        actor=world.member, room=session.room, body="Our view on leakage.", client_id="m2"
    )
    live.minutes_note(
        actor=world.secretariat, session=session, kind="summary", text="", seq=message.seq
    )
    entry = MinutesEntry.objects.get(agenda_item=first)
    assert "A participant: Our view on leakage." in entry.summary_source
    assert world.member.full_name not in entry.summary_source


def test_minutes_notes_refusals_change_nothing(world, dialogue):
    session = live_session(world, dialogue.offsets)
    first, _second = agenda(session)
    live.agenda_move(actor=world.secretariat, session=session, item_id=first.pk)
    with pytest.raises(PermissionDenied):
        live.minutes_note(actor=world.member, session=session, kind="summary", text="Mine.")
    for arguments in (
        {"kind": "verdict", "text": "x"},
        {"kind": "summary", "text": "   "},
        {"kind": "summary", "text": "x" * 4001},
        {"kind": "summary", "seq": 999},
        {"kind": "action", "text": "Do", "owner_id": world.member_nz.pk, "due_date": None},
        {"kind": "action", "text": "Do", "owner_id": world.member.pk, "due_date": None},
        {
            "kind": "action",
            "text": "x" * 501,
            "owner_id": world.member.pk,
            "due_date": datetime.date(2030, 1, 1),
        },
    ):
        with pytest.raises(ValidationError):
            live.minutes_note(actor=world.secretariat, session=session, **arguments)
    assert not MinutesEntry.objects.filter(session=session).exists()
    assert not ActionItem.objects.filter(session=session).exists()


# ------------------------------------------------------------------------------
# Attendance by item
# ------------------------------------------------------------------------------


def test_attendance_by_item_counts_who_was_there_and_who_joined(world, dialogue, client_for):
    session = live_session(world, dialogue.offsets)
    first, second = agenda(session)
    present(world.member, session, "c1")
    live.agenda_move(actor=world.secretariat, session=session, item_id=first.pk)
    # The observer joins during the first item (the room page records them).
    client_for(world.observer).get(
        reverse("session_room", kwargs={"slug": "offsets", "session": session.pk})
    )
    live.agenda_move(actor=world.secretariat, session=session, item_id=second.pk)
    by_item = live.attendance_by_item(session)
    assert {row.user_id for row in by_item[first.pk]} == {world.member.pk, world.observer.pk}
    assert {row.user_id for row in by_item[second.pk]} == {world.member.pk}
    register = reverse("session_attendance", kwargs={"slug": "offsets", "pk": session.pk})
    page = client_for(world.member).get(register).content.decode()
    assert "Present during each agenda item" in page
    assert world.observer.full_name in page and "Chile" in page


def test_an_anonymous_register_by_item_shows_counts_only(world, dialogue, client_for):
    session = live_session(world, dialogue.offsets, attribution=AttributionMode.ANONYMOUS)
    first, _second = agenda(session)
    present(world.member, session, "c1")
    live.agenda_move(actor=world.secretariat, session=session, item_id=first.pk)
    register = reverse("session_attendance", kwargs={"slug": "offsets", "pk": session.pk})
    page = client_for(world.observer).get(register).content.decode()
    assert "Present during each agenda item" in page and "1 participant" in page
    assert world.member.full_name not in page


# ------------------------------------------------------------------------------
# The room page's plain forms
# ------------------------------------------------------------------------------


def test_the_room_page_runs_the_session_without_javascript(world, dialogue, client_for):
    session = live_session(world, dialogue.offsets)
    first, _second = agenda(session)
    url = reverse("session_live_action", kwargs={"slug": "offsets", "session": session.pk})
    room = reverse("session_room", kwargs={"slug": "offsets", "session": session.pk})
    moderator, member = client_for(world.secretariat), client_for(world.member)
    assert member.post(url, {"action": "move", "item": first.pk}).url == room
    assert not ItemRun.objects.filter(session=session).exists()
    assert moderator.post(url, {"action": "move", "item": first.pk}).status_code == 302
    assert member.post(url, {"action": "raise"}).status_code == 302
    page = member.get(room).content.decode()
    assert "Benchmarks" in page and world.member.full_name in page
    hand = FloorRequest.objects.get(session=session, user=world.member)
    moderator.post(url, {"action": "give", "request": hand.pk})
    hand.refresh_from_db()
    assert hand.status == Hand.SPEAKING
    moderator.post(url, {"action": "note", "kind": "summary", "text": "Noted from the page."})
    assert MinutesEntry.objects.get(agenda_item=first).summary_source == "Noted from the page."
    response = member.post(url, {"action": "dance"}, follow=True)
    assert "Unknown action." in response.content.decode()
    # Off the roster: the session is not found.
    assert client_for(world.member_nz).post(url, {"action": "raise"}).status_code == 404


# ------------------------------------------------------------------------------
# Over the socket
# ------------------------------------------------------------------------------


@pytest.fixture
def fresh_channel_layer():
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_frames_run_the_session_and_catch_up_replays_it(world, dialogue, fresh_channel_layer):
    from tests.dialogues.chat.test_chat_consumer import connect, receive

    session = await sync_to_async(live_session)(world, dialogue.offsets)
    first, _second = await sync_to_async(agenda)(session)
    room = session.room
    moderator, ok, _ = await connect(world.secretariat, room)
    member, ok2, _ = await connect(world.member, room)
    assert ok and ok2
    assert moderator.ready["can_run"] is True
    assert member.ready["can_run"] is False
    assert member.ready["can_raise"] is True and member.ready["can_raise_for"] == ""
    await moderator.send_to(text_data=json.dumps({"type": "agenda.move", "item": first.pk}))
    for socket in (member, moderator):
        frame = await receive(socket, "live")
        assert frame["agenda"]["current"]["id"] == first.pk
    # A member may not move the agenda: an error to them, nothing for the others.
    await member.send_to(text_data=json.dumps({"type": "agenda.move", "item": first.pk}))
    error = await receive(member, "error")
    assert error["code"] == "forbidden"
    await member.send_to(text_data=json.dumps({"type": "floor.raise"}))
    frame = await receive(moderator, "live")
    assert frame["floor"]["queue"][0]["person"]["name"] == world.member.full_name
    await member.send_to(text_data=json.dumps({"type": "floor.raise", "for": "everyone"}))
    assert (await receive(member, "error"))["code"] == "bad_frame"
    await moderator.send_to(
        text_data=json.dumps({"type": "minutes.note", "kind": "summary", "text": "Live note."})
    )
    noted = await receive(moderator, "minutes.noted")
    assert noted["item"] == first.pk
    # After a reconnect, catch-up brings the state again.
    await member.disconnect()
    member, _, _ = await connect(world.member, room)
    await member.send_to(text_data=json.dumps({"type": "resume", "after": 0}))
    await receive(member, "catchup")
    frame = await receive(member, "live")
    assert frame["agenda"]["current"]["id"] == first.pk
    assert len(frame["floor"]["queue"]) == 1
    await asyncio.gather(moderator.disconnect(), member.disconnect())
