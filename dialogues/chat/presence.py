"""Who is in a room, kept cheap as the room grows.

Joins and leaves of a room are gathered per process and applied together: one database trip
writes the batch's presence rows (and deletes the closed sockets' rows), then one frame tells the
room who came and who went. A batch goes out once it is PRESENCE_INTERVAL old, or once the room
has been still for as long (at most PRESENCE_QUIET_MAX). While arrivals keep coming, that age
doubles with each frame (up to PRESENCE_INTERVAL_MAX), so a room filling up with N people over
any length of time costs a few frames per person, O(N) in all, never one per arrival per person
present; a room that calms down is back to the shortest interval. Each frame names
at most PRESENCE_SHOWN of the newcomers and says how many are present (`count`): a client
already lists at most that many.

The database stays the truth shared by every process: a socket's row is written within one
interval of its arrival, before the frame that announces it, and a joiner reads the rows only
after joining the room's group, so everyone present reaches it by one or the other. Sockets
arriving together share that read (`arrival`): one read serves every socket that joined the
group before it began, so a room filling up reads its rows a few times a second, not per socket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from dialogues.chat import services

logger = logging.getLogger(__name__)

PRESENCE_INTERVAL = 0.5  # seconds: the age at which a batch goes out, doubling while busy…
PRESENCE_INTERVAL_MAX = 16.0  # …up to this
PRESENCE_QUIET_MAX = 1.0  # a batch still for this long goes out whatever its age
PRESENCE_SHOWN = 100  # newcomers named in one frame (as many as `present` lists on arrival)


@dataclass
class _Batch:
    """A room's changes since its last frame, in this process."""

    joined: dict[int, dict] = field(default_factory=dict)  # user id -> person as shown
    left: dict[int, int] = field(default_factory=dict)  # user id -> person id as shown
    opened: dict[str, int] = field(default_factory=dict)  # channel name -> user id: rows to write
    closed: set[str] = field(default_factory=set)  # channel names whose rows to delete


@dataclass
class _Room:
    batch: _Batch | None = None
    started: float = 0.0  # when the batch began (event loop time)
    changed: float = 0.0  # its last change
    sent: float = 0.0  # when the last batch went out
    busy: int = 0  # batches in a row sent while changes kept coming: the interval doubles
    waiting: list = field(default_factory=list)  # (future, user) of sockets awaiting `arrival`
    reading: bool = False


_rooms: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # event loop -> {room id: _Room}
_tasks: set = set()


def interval(busy: int) -> float:
    """The age at which a batch goes out after `busy` batches in a row sent while busy."""
    return min(PRESENCE_INTERVAL_MAX, PRESENCE_INTERVAL * 2 ** min(busy, 16))


def quiet(busy: int) -> float:
    """How long the room must be still for a batch to go out before that age."""
    return min(PRESENCE_QUIET_MAX, interval(busy))


def _room(loop, room_id: int) -> _Room:
    return _rooms.setdefault(loop, {}).setdefault(room_id, _Room())


async def arrival(room, user) -> dict:
    """The room as a socket arriving now is told of it (services.room_now), read after the
    caller joined the room's group: by the next read to begin, shared with every socket that
    waits for it."""
    loop = asyncio.get_running_loop()
    state = _room(loop, room.pk)
    future = loop.create_future()
    state.waiting.append((future, user))
    if not state.reading:
        state.reading = True
        task = loop.create_task(_read(state, room))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)
    return await future


async def _read(state: _Room, room) -> None:
    try:
        while state.waiting:
            waiting, state.waiting = state.waiting, []
            try:
                now = await database_sync_to_async(services.room_now)(
                    room, arriving=[user for _, user in waiting], limit=PRESENCE_SHOWN
                )
            except Exception as error:  # noqa: BLE001 (each waiting socket gets the error)
                for future, _ in waiting:
                    if not future.done():
                        future.set_exception(error)
                continue
            for future, _ in waiting:
                if not future.done():
                    future.set_result(now)
    finally:
        state.reading = False


def _batch(room_id: int) -> _Batch:
    loop = asyncio.get_running_loop()
    room = _room(loop, room_id)
    room.changed = loop.time()
    if room.batch is None:
        if room.changed - room.sent > interval(room.busy):
            room.busy = 0  # the room calmed down
        room.batch, room.started = _Batch(), room.changed
        loop.call_later(quiet(room.busy), _due, loop, room_id)
    return room.batch


def _due(loop, room_id: int) -> None:
    """Send the room's batch if it is due (the room still, or the batch old enough)."""
    room = _room(loop, room_id)
    if room.batch is None:
        return
    now = loop.time()
    still, old = room.changed + quiet(room.busy), room.started + interval(room.busy)
    if now < min(still, old):
        loop.call_later(min(still, old) - now, _due, loop, room_id)
        return
    if now < still:
        room.busy += 1
    room.sent = now
    task = loop.create_task(_flush(loop, room_id))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def enter(room_id: int, *, channel_name: str, user_id: int, person: dict) -> None:
    """A socket of `user_id` opened in the room (its row is written with the next frame)."""
    batch = _batch(room_id)
    batch.opened[channel_name] = user_id
    batch.closed.discard(channel_name)
    batch.left.pop(user_id, None)
    batch.joined[user_id] = person


def leave(room_id: int, *, channel_name: str, user_id: int, person_id: int) -> None:
    """A socket of `user_id` closed; the user leaves unless another socket of theirs stays."""
    batch = _batch(room_id)
    if batch.opened.pop(channel_name, None) is None:
        batch.closed.add(channel_name)
    batch.joined.pop(user_id, None)
    batch.left[user_id] = person_id


async def _flush(loop, room_id: int) -> None:
    room = _room(loop, room_id)
    if room.batch is None:
        return
    batch, room.batch = room.batch, None
    try:
        here, count = await database_sync_to_async(services.presence_apply)(
            room_id=room_id,
            opened=batch.opened,
            closed=batch.closed,
            users=set(batch.joined) | set(batch.left),
        )
    except Exception:  # the next batch tries again; the rows of this one expire unseen
        logger.exception("Presence of room %s not written", room_id)
        return
    joined = [person for user_id, person in batch.joined.items() if user_id in here]
    left = sorted(person_id for user_id, person_id in batch.left.items() if user_id not in here)
    if not (joined or left):
        return
    frame = {"type": "presence", "joined": joined[:PRESENCE_SHOWN], "left": left, "count": count}
    await get_channel_layer().group_send(
        services.room_group(room_id),
        {"type": "chat.event", "text": json.dumps(frame, separators=(",", ":"))},
    )
