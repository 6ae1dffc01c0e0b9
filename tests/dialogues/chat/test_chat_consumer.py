"""The chat consumer over a real ASGI stack: refusals, delivery, idempotency, catch-up, limits,
and every revocation path (the socket closes; nothing sent after the change arrives)."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts import services as account_services
from config.asgi import application
from dialogues.chat import services as chat_services
from dialogues.chat.consumer import (
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_TOO_MANY_SOCKETS,
    CLOSE_UNAUTHENTICATED,
)
from dialogues.models import ChatMessage, ChatPresence, ChatRoom

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

TIMEOUT = 5


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user, backend="accounts.backends.OfficialBackend")
    return client.cookies["sessionid"].value


async def connect(user, room, origin="http://testserver", session=None):
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if user is not None:
        key = session or await sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={key}".encode()))
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers)
    connected, code = await communicator.connect(timeout=TIMEOUT)
    if connected:
        ready = await receive(communicator, "ready")
        communicator.ready = ready
    return communicator, connected, code


async def receive(communicator, *kinds):
    """The next frame of one of `kinds` (any frame but presence and typing when none given);
    other frames in between are passed over."""
    while True:
        frame = json.loads(await communicator.receive_from(timeout=TIMEOUT))
        if frame["type"] in kinds or (not kinds and frame["type"] not in ("presence", "typing")):
            return frame


async def nothing_but_presence(communicator, timeout=0.3) -> bool:
    """No frame but presence arrives within `timeout` (presence goes out on its own clock)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while (left := end - loop.time()) > 0:
        if await communicator.receive_nothing(timeout=left):
            return True
        if json.loads(await communicator.receive_from())["type"] != "presence":
            return False
    return True


async def send(communicator, body, client_id):
    await communicator.send_to(
        text_data=json.dumps({"type": "send", "body": body, "client_id": client_id})
    )


async def test_refusals_before_accept(world, dialogue, room):
    _, connected, code = await connect(None, room)
    assert not connected and code == CLOSE_UNAUTHENTICATED
    _, connected, code = await connect(world.member_nz, room)  # not on the roster
    assert not connected and code == CLOSE_NOT_FOUND
    _, connected, _code = await connect(world.member, room, origin="http://evil.example")
    assert not connected
    missing = ChatRoom(pk=999_999)
    _, connected, code = await connect(world.member, missing)
    assert not connected and code == CLOSE_NOT_FOUND


@pytest.mark.parametrize(
    ("policy", "may_connect", "may_send"),
    [("none", False, False), ("read", True, False), ("contribute", True, True)],
)
async def test_observer_under_each_policy(world, dialogue, room, policy, may_connect, may_send):
    dialogue.offsets.observer_policy = policy
    await sync_to_async(dialogue.offsets.save)()
    communicator, connected, code = await connect(world.observer, room)
    assert connected is may_connect
    if not connected:
        assert code == CLOSE_NOT_FOUND
        return
    assert communicator.ready["can_send"] is may_send
    await send(communicator, "Chile here", "c1")
    frame = await receive(communicator, "ack", "error")
    assert frame["type"] == ("ack" if may_send else "error")
    await communicator.disconnect()


async def test_send_receive_and_idempotent_retry(world, dialogue, room):
    alice, _, _ = await connect(world.member, room)
    bob, _, _ = await connect(world.focal_point, room)
    await send(alice, "Hello **room**", "retry-1")
    ack = await receive(alice, "ack")
    assert ack["message"]["html"] == "<p>Hello <strong>room</strong></p>"
    live = await receive(bob, "message")
    assert live["message"]["seq"] == ack["message"]["seq"]
    # A retry after a lost ack: stored once, acknowledged with the original.
    await send(alice, "Hello **room**", "retry-1")
    again = await receive(alice, "ack")
    assert again["message"]["seq"] == ack["message"]["seq"]
    assert await sync_to_async(ChatMessage.objects.filter(client_id="retry-1").count)() == 1
    assert await nothing_but_presence(bob)  # no second broadcast
    await alice.disconnect()
    await bob.disconnect()


async def test_catch_up_after_a_gap_gets_exactly_the_missed(world, dialogue, room):
    alice, _, _ = await connect(world.member, room)
    bob, _, _ = await connect(world.focal_point, room)
    await send(alice, "before", "a0")
    seen = (await receive(bob, "message"))["message"]["seq"]
    await bob.disconnect()
    for n in range(3):
        await send(alice, f"missed {n}", f"a{n + 1}")
        await receive(alice, "ack")
    bob, _, _ = await connect(world.focal_point, room)
    await bob.send_to(text_data=json.dumps({"type": "resume", "after": seen}))
    catchup = await receive(bob, "catchup")
    assert [m["html"] for m in catchup["messages"]] == [f"<p>missed {n}</p>" for n in range(3)]
    assert [m["seq"] for m in catchup["messages"]] == [seen + 1, seen + 2, seen + 3]
    await alice.disconnect()
    await bob.disconnect()


async def test_rate_limit_gives_an_error_frame_never_a_silent_drop(world, dialogue, room, settings):
    settings.ENCLAVE_CHAT_RATE_BURST = 3
    # Windows are clock-aligned: a 10 s one could turn over mid-test and reset the count.
    settings.ENCLAVE_CHAT_RATE_WINDOW = 3600
    alice, _, _ = await connect(world.member, room)
    results = []
    for n in range(5):
        await send(alice, f"m{n}", f"rate-{n}")
        results.append((await receive(alice, "ack", "error"))["type"])
    assert results == ["ack", "ack", "ack", "error", "error"]
    await alice.disconnect()


async def test_bad_and_oversized_frames_get_error_frames(world, dialogue, room):
    alice, _, _ = await connect(world.member, room)
    await alice.send_to(text_data="not json")
    assert (await receive(alice, "error"))["code"] == "bad_frame"
    await alice.send_to(text_data=json.dumps({"type": "launch"}))
    assert (await receive(alice, "error"))["code"] == "bad_frame"
    await alice.send_to(text_data="x" * (70 * 1024))
    assert (await receive(alice, "error"))["code"] == "frame_too_large"
    await send(alice, "y" * (17 * 1024), "big")
    assert (await receive(alice, "error"))["code"] == "too_large"
    await send(alice, "still alive", "ok")
    assert (await receive(alice, "ack", "error"))["type"] == "ack"
    await alice.disconnect()


async def test_socket_cap_per_user(world, dialogue, room, settings):
    settings.ENCLAVE_CHAT_MAX_SOCKETS_PER_USER = 2
    first, _, _ = await connect(world.member, room)
    second, _, _ = await connect(world.member, room)
    _, connected, code = await connect(world.member, room)
    assert not connected and code == CLOSE_TOO_MANY_SOCKETS
    await first.disconnect()
    third, connected, _ = await connect(world.member, room)
    assert connected
    await second.disconnect()
    await third.disconnect()


async def assert_revoked(victim, witness, witness_sender, code):
    """The victim's socket closes; a message sent after the change never reaches it."""
    frame = await receive(victim, "revoked")
    assert frame["type"] == "revoked"
    closed = await victim.receive_output(timeout=TIMEOUT)
    assert closed == {"type": "websocket.close", "code": code}
    await send(witness_sender, "after the change", "after-1")
    await receive(witness_sender, "ack")
    assert await victim.receive_nothing(timeout=0.3)


async def test_removal_from_the_roster_closes_the_socket(world, dialogue, room):
    from workspaces.services import roster_remove

    victim, _, _ = await connect(world.observer, room)
    witness, _, _ = await connect(world.member, room)
    await sync_to_async(roster_remove)(
        actor=world.secretariat, workspace=dialogue.offsets, jurisdiction=world.chile
    )
    await assert_revoked(victim, None, witness, CLOSE_FORBIDDEN)
    await witness.disconnect()


async def test_downgrade_closes_full_members_rooms_only(world, dialogue):
    members_room = await sync_to_async(ChatRoom.objects.create)(
        workspace=dialogue.offsets,
        title="Members caucus",
        is_workspace_room=False,
        audience="full_members",
    )
    everyone_room = await sync_to_async(ChatRoom.objects.get)(
        workspace=dialogue.offsets, is_workspace_room=True
    )
    victim, _, _ = await connect(world.member, members_room)
    survivor, _, _ = await connect(world.member, everyone_room)
    witness, _, _ = await connect(world.secretariat, members_room)
    await sync_to_async(account_services.jurisdiction_set_status)(
        actor=world.cochair, jurisdiction=world.eu, status="observer"
    )
    await assert_revoked(victim, None, witness, CLOSE_FORBIDDEN)
    await receive(survivor, "presence")  # its own arrival
    assert await survivor.receive_nothing(timeout=0.3)  # still allowed in the open room
    await survivor.disconnect()
    await witness.disconnect()


async def test_deactivation_closes_the_socket(world, dialogue, room):
    victim, _, _ = await connect(world.member, room)
    witness, _, _ = await connect(world.secretariat, room)
    await sync_to_async(account_services.official_deactivate)(
        actor=world.focal_point, official=world.member, reason="Left the ministry"
    )
    frame = await receive(victim, "revoked")
    assert frame["type"] == "revoked"
    closed = await victim.receive_output(timeout=TIMEOUT)
    assert closed["type"] == "websocket.close"
    await send(witness, "after", "after-2")
    await receive(witness, "ack")
    assert await victim.receive_nothing(timeout=0.3)
    await witness.disconnect()


async def test_ending_the_session_closes_its_socket(world, dialogue, room):
    from allauth.usersessions.models import UserSession

    key = await sync_to_async(session_cookie)(world.member)
    await sync_to_async(UserSession.objects.create)(
        user=world.member, session_key=key, ip="127.0.0.1"
    )
    victim, _, _ = await connect(world.member, room, session=key)
    other, _, _ = await connect(world.member, room)  # another session: stays
    witness, _, _ = await connect(world.secretariat, room)
    await sync_to_async(chat_end_session)(world.member, key)
    await assert_revoked(victim, None, witness, CLOSE_UNAUTHENTICATED)
    frame = await receive(other, "message")
    assert frame["message"]["html"] == "<p>after the change</p>"
    await other.disconnect()
    await witness.disconnect()


def chat_end_session(user, key):
    from allauth.usersessions.models import UserSession

    from accounts.adapter import EnclaveUserSessionsAdapter

    EnclaveUserSessionsAdapter().end_sessions(UserSession.objects.filter(session_key=key))


async def test_moderation_reaches_every_client(world, dialogue, room):
    alice, _, _ = await connect(world.member, room)
    bob, _, _ = await connect(world.focal_point, room)
    await send(alice, "Off-topic remark", "mod-1")
    seq = (await receive(alice, "ack"))["message"]["seq"]
    await receive(bob, "message")
    message = await sync_to_async(ChatMessage.objects.get)(room=room, seq=seq)
    await sync_to_async(chat_services.message_hide)(
        actor=world.secretariat, message=message, reason="Off topic"
    )
    changed = await receive(bob, "message.changed")
    assert changed["message"]["hidden"] and changed["message"]["html"] == ""
    await sync_to_async(chat_services.room_set_locked)(
        actor=world.secretariat, room=room, locked=True
    )
    assert (await receive(bob, "room"))["locked"] is True
    await send(alice, "Still here?", "mod-2")
    error = await receive(alice, "ack", "error")
    assert error["type"] == "error" and error["code"] == "forbidden"
    await alice.disconnect()
    await bob.disconnect()


async def test_long_catch_up_comes_in_frames_that_fit(world, dialogue, room, settings):
    from dialogues.chat.consumer import MAX_OUT_FRAME

    settings.ENCLAVE_CHAT_RATE_BURST = 100  # the backlog is written at once

    body = "A long intervention on buffer pools. " * 400  # ~15 KB each
    for n in range(30):
        await sync_to_async(chat_services.message_send)(
            actor=world.member, room=room, body=body, client_id=f"long-{n}"
        )
    reader, _, _ = await connect(world.focal_point, room)
    received, after = [], 0
    for _ in range(10):
        await reader.send_to(text_data=json.dumps({"type": "resume", "after": after}))
        raw = await reader.receive_from(timeout=TIMEOUT)
        while json.loads(raw)["type"] != "catchup":
            raw = await reader.receive_from(timeout=TIMEOUT)
        assert len(raw) < MAX_OUT_FRAME
        frame = json.loads(raw)
        received += [m["seq"] for m in frame["messages"]]
        after = frame["last_seq"]
        if frame["complete"]:
            break
    assert received == list(range(1, 31))
    await reader.disconnect()


async def test_joins_and_leaves_are_batched_into_few_presence_frames(world, dialogue, room):
    """A room filling up must not cost N² frames: joins within the interval share one frame."""
    watcher, _, _ = await connect(world.secretariat, room)
    others = [world.member, world.focal_point, world.observer]
    sockets = [(await connect(user, room))[0] for user in others]
    joined, frames = set(), 0
    while not {u.pk for u in others} <= joined:
        frame = await receive(watcher, "presence")
        frames += 1
        joined |= {person["id"] for person in frame["joined"]}
    assert frames <= 2, frames
    for communicator in sockets:
        await communicator.disconnect()
    left = set()
    while not {u.pk for u in others} <= left:
        left |= set((await receive(watcher, "presence"))["left"])
    await watcher.disconnect()


async def presence_until(watcher, done) -> list[dict]:
    """The presence frames `watcher` receives until `done(frames)` says enough."""
    frames = []
    while not done(frames):
        frames.append(await receive(watcher, "presence"))
    return frames


async def test_ready_lists_the_joiner_and_those_present(world, dialogue, room):
    """The joiner is told who is present, itself included before its row is written; those
    present hear of it in a presence frame that also says how many are present."""
    first, _, _ = await connect(world.secretariat, room)
    me = first.ready["me"]
    assert first.ready["present"] == [me] and first.ready["present_count"] == 1
    # The first socket's row is written with the frame announcing it.
    await presence_until(first, lambda frames: frames)
    second, _, _ = await connect(world.member, room)
    present = {person["id"] for person in second.ready["present"]}
    assert present == {world.secretariat.pk, world.member.pk}
    assert second.ready["present_count"] == 2
    frame = (await presence_until(first, lambda frames: frames))[0]
    assert [person["id"] for person in frame["joined"]] == [world.member.pk]
    assert frame["joined"][0] == second.ready["me"]
    assert frame["left"] == [] and frame["count"] == 2
    await second.disconnect()
    await first.disconnect()


async def rows_of(user) -> int:
    return await sync_to_async(ChatPresence.objects.filter(user=user).count)()


async def wait_for_rows(user, count: int) -> None:
    """Until `user` has `count` presence rows (written with the room's presence frames)."""
    async with asyncio.timeout(2 * TIMEOUT):
        while await rows_of(user) != count:
            await asyncio.sleep(0.05)


async def test_a_person_leaves_with_their_last_socket(world, dialogue, room):
    watcher, _, _ = await connect(world.secretariat, room)
    one, _, _ = await connect(world.member, room)
    two, _, _ = await connect(world.member, room)
    await wait_for_rows(world.member, 2)
    await one.disconnect()
    await wait_for_rows(world.member, 1)
    await two.disconnect()
    frames = await presence_until(watcher, lambda f: any(frame["left"] for frame in f))
    # Announced once, as present, until the last socket closed: then left, once.
    joined = [p["id"] for frame in frames for p in frame["joined"]]
    assert joined.count(world.member.pk) == 1
    assert [frame["left"] for frame in frames if frame["left"]] == [[world.member.pk]]
    assert frames[-1]["count"] == 1
    await watcher.disconnect()


async def test_many_arrivals_cost_few_presence_frames(world, dialogue, room):
    """Sockets arriving one after another in a busy room: the frames each socket present
    receives stay few however many arrive (the batch's age doubles while arrivals continue)."""
    watcher, _, _ = await connect(world.secretariat, room)
    users = [world.member, world.focal_point, world.observer]
    sockets = []
    for n in range(12):
        communicator, connected, _ = await connect(users[n % len(users)], room)
        assert connected
        sockets.append(communicator)
    for user in users:
        await wait_for_rows(user, 4)
    frames = 0
    while not await watcher.receive_nothing(timeout=0.1):
        frames += json.loads(await watcher.receive_from())["type"] == "presence"
    assert frames <= 4, frames
    for communicator in sockets:
        await communicator.disconnect()
    await watcher.disconnect()


async def test_ready_tells_each_arriving_user_their_own_mute_and_last_read(world, dialogue, room):
    """Sockets arriving together share one read of the room; each is told only its own flags."""
    await send(writer := (await connect(world.focal_point, room))[0], "First", "flags-1")
    seq = (await receive(writer, "ack"))["message"]["seq"]
    fresh = await sync_to_async(ChatRoom.objects.get)(pk=room.pk)
    await sync_to_async(chat_services.mark_read)(actor=world.member, room=fresh, seq=seq)
    await sync_to_async(chat_services.member_mute)(
        actor=world.secretariat, room=room, user=world.observer, minutes=5, reason="Calm down"
    )
    (member, _, _), (observer, _, _) = await asyncio.gather(
        connect(world.member, room), connect(world.observer, room)
    )
    assert member.ready["last_read"] == seq and member.ready["muted_until"] is None
    assert observer.ready["last_read"] == 0 and observer.ready["muted_until"] is not None
    for communicator in (writer, member, observer):
        await communicator.disconnect()
