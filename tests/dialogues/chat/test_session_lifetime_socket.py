"""The chat socket and its session's lifetimes (accounts/session_lifetime.py), over the real ASGI
stack: the socket closes by itself when its session reaches the idle timeout, a frame on a lapsed
session closes it, and what the official does in the room is activity while the page's own
frames are not."""

import json
import time

import pytest
from asgiref.sync import sync_to_async
from django.test import override_settings

from accounts.session_lifetime import ACTIVE_AT, SIGNED_IN_AT
from accounts.standing import session_store
from dialogues.chat.consumer import CLOSE_UNAUTHENTICATED

from .test_chat_consumer import TIMEOUT, connect, receive, send, session_cookie

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def set_active(key: str, ago: float) -> None:
    store = session_store(key)
    store[ACTIVE_AT] = int(time.time() - ago)
    store.save()


def active_at(key: str) -> int:
    return session_store(key)[ACTIVE_AT]


async def closed_as_signed_out(communicator, timeout: float = TIMEOUT) -> None:
    frame = json.loads(await communicator.receive_from(timeout=timeout))
    while frame["type"] in ("presence", "typing"):
        frame = json.loads(await communicator.receive_from(timeout=timeout))
    assert frame["type"] == "revoked"
    closed = await communicator.receive_output(timeout=timeout)
    assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


@override_settings(ENCLAVE_SESSION_IDLE_TIMEOUT=2)
async def test_the_socket_closes_when_its_session_reaches_the_idle_timeout(world, room):
    """No frame arrives: the socket watches its session's deadline itself."""
    communicator, connected, _ = await connect(world.member, room)
    assert connected
    started = time.monotonic()
    await closed_as_signed_out(communicator, timeout=TIMEOUT + 3)
    assert time.monotonic() - started < TIMEOUT + 3


@override_settings(ENCLAVE_SESSION_MAX_AGE=3)
async def test_the_socket_closes_at_the_absolute_lifetime(world, room):
    communicator, connected, _ = await connect(world.member, room)
    assert connected
    await closed_as_signed_out(communicator, timeout=TIMEOUT + 4)


async def test_a_frame_on_a_lapsed_session_closes_the_socket(world, room):
    key = await sync_to_async(session_cookie)(world.member)
    communicator, connected, _ = await connect(world.member, room, session=key)
    assert connected
    await sync_to_async(set_active)(key, 31 * 60)
    await send(communicator, "after the timeout", "late-1")
    await closed_as_signed_out(communicator)
    assert not await sync_to_async(room.messages.filter(body_source="after the timeout").exists)()


async def test_sending_is_activity_and_pinging_is_not(world, room):
    key = await sync_to_async(session_cookie)(world.member)
    communicator, connected, _ = await connect(world.member, room, session=key)
    assert connected
    await sync_to_async(set_active)(key, 600)
    before = await sync_to_async(active_at)(key)
    await communicator.send_to(text_data=json.dumps({"type": "ping"}))
    await receive(communicator, "pong")
    assert await sync_to_async(active_at)(key) == before
    await send(communicator, "still here", "here-1")
    await receive(communicator, "ack")
    assert await sync_to_async(active_at)(key) > before + 500
    await communicator.disconnect()


async def test_a_sign_in_of_the_past_without_clocks_is_not_closed(world, room):
    """A session signed in before lifetimes applied has no clocks: it lives, and its first
    request (here, a frame of the official's) starts them."""
    key = await sync_to_async(session_cookie)(world.member)

    def forget_clocks():
        store = session_store(key)
        store.pop(ACTIVE_AT)
        store.pop(SIGNED_IN_AT)
        store.save()

    await sync_to_async(forget_clocks)()
    communicator, connected, _ = await connect(world.member, room, session=key)
    assert connected
    await send(communicator, "hello", "old-1")
    await receive(communicator, "ack")
    assert await sync_to_async(active_at)(key) >= int(time.time()) - 5
    await communicator.disconnect()
