"""The one websocket consumer: a live chat room. Protocol: docs/realtime.md.

It calls the same services and selectors as the HTTP views (dialogues/chat/services.py), so the
two can never disagree; the policy is asked on connect, on every send, and again whenever the user's
access may have changed (a notice on the per-user group), which closes the socket at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import weakref

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.sessions import InstanceSessionWrapper
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import User
from accounts.standing import standing_lack
from dialogues.chat import selectors, services
from dialogues.chat.frames import BadFrame, parse_frame
from dialogues.meetings.services import record_attendance
from dialogues.models import ChatRoom
from workspaces.access import Capability, can, get_visible_or_404, workspace_capabilities

# Close codes (see docs/realtime.md).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY_SOCKETS = 4429

MAX_FRAME = 64 * 1024
# Frames the server sends stay under this (daphne's size limit applies to them too).
MAX_OUT_FRAME = 256 * 1024
PRESENT_SHOWN = 100
TYPING_INTERVAL = 3.0
# Joins and leaves of a room go out together, at most once per interval per process: a room
# filling with N people costs N frames a second, not N² frames.
PRESENCE_INTERVAL = 0.5

_presence_batches: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_presence_tasks: set = set()


def announce_presence(room_id: int, *, joined: dict | None = None, left: int | None = None):
    """Queue a join or a leave for the room's next presence frame."""
    loop = asyncio.get_running_loop()
    batches = _presence_batches.setdefault(loop, {})
    batch = batches.get(room_id)
    if batch is None:
        batch = batches[room_id] = {"joined": {}, "left": set()}
        loop.call_later(PRESENCE_INTERVAL, _start_flush, loop, room_id)
    if joined is not None:
        batch["left"].discard(joined["id"])
        batch["joined"][joined["id"]] = joined
    if left is not None:
        batch["joined"].pop(left, None)
        batch["left"].add(left)


def _start_flush(loop, room_id: int) -> None:
    task = loop.create_task(_flush_presence(loop, room_id))
    _presence_tasks.add(task)
    task.add_done_callback(_presence_tasks.discard)


async def _flush_presence(loop, room_id: int) -> None:
    batch = _presence_batches.get(loop, {}).pop(room_id, None)
    if not batch or not (batch["joined"] or batch["left"]):
        return
    frame = {
        "type": "presence",
        "joined": list(batch["joined"].values()),
        "left": sorted(batch["left"]),
    }
    await get_channel_layer().group_send(
        services.room_group(room_id), {"type": "chat.event", "text": json.dumps(frame)}
    )


def _error(code: str, detail: str, **extra) -> str:
    return json.dumps({"type": "error", "code": code, "detail": detail, **extra})


def _frame_sender(send):
    """The ASGI send to use for websocket.send messages.

    Channels' session middleware wraps `send` to save the session on http.response.start; for
    every other message it reads the session's state and passes the message on unchanged. A
    broadcast to N sockets would pay that N times: websocket frames skip the wrapper (when it
    is that wrapper and it saves on no websocket message); everything else still goes through.
    """
    wrapper = getattr(send, "__self__", None)
    if (
        isinstance(wrapper, InstanceSessionWrapper)
        and "websocket.send" not in wrapper.save_message_types
        and callable(getattr(wrapper, "real_send", None))
    ):
        return wrapper.real_send
    return send


class ChatConsumer(AsyncWebsocketConsumer):
    room: ChatRoom
    user: User
    revoked = False
    claimed = False

    # ------------------------------------------------------------------ lifecycle

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.session_key = self.scope["session"].session_key
        if not await database_sync_to_async(self._standing)():
            # A signed-in user without standing (a second factor still to enrol, an ended
            # session) is refused like a signed-out one: the page then says what to do.
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        room = await database_sync_to_async(self._visible_room)(self.scope["url_route"]["kwargs"])
        if room is None:
            await self.close(code=CLOSE_NOT_FOUND)  # missing and forbidden look the same
            return
        self.room = room
        self.people = await database_sync_to_async(services.room_people)(room)
        if not await database_sync_to_async(self._claim_socket)():
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)
            return
        self.last_typing = 0.0
        self.send_frame = _frame_sender(self.base_send)  # broadcasts arrive through this
        await self.channel_layer.group_add(services.room_group(room.pk), self.channel_name)
        await self.channel_layer.group_add(services.user_group(user.pk), self.channel_name)
        await self.accept()
        ready = await database_sync_to_async(self._ready)()
        await self.send(text_data=json.dumps(ready))
        announce_presence(room.pk, joined=ready["me"])

    async def disconnect(self, code):
        if getattr(self, "room", None) is None:
            return
        await self.channel_layer.group_discard(services.room_group(self.room.pk), self.channel_name)
        await self.channel_layer.group_discard(services.user_group(self.user.pk), self.channel_name)
        still_here = await database_sync_to_async(self._leave)()
        if not still_here and getattr(self, "me", None) is not None:
            announce_presence(self.room.pk, left=self.me["id"])

    # ------------------------------------------------------------------ frames in

    async def receive(self, text_data=None, bytes_data=None):
        if self.revoked:
            return
        if bytes_data is not None or text_data is None:
            await self.send(text_data=_error("bad_frame", "Frames are JSON text."))
            return
        if len(text_data) > MAX_FRAME:
            await self.send(text_data=_error("frame_too_large", "The frame is too large."))
            return
        try:
            kind, fields = parse_frame(text_data)
        except BadFrame as error:
            await self.send(text_data=_error("bad_frame", str(error)))
            return
        # Standing is asked before every frame: a socket opened before a requirement applied
        # (a second factor, a suspended account) stops at its next frame, whatever the frame.
        if not await database_sync_to_async(self._standing)():
            await self._revoke(CLOSE_UNAUTHENTICATED)
            return
        await getattr(self, f"on_{kind}")(**fields)

    async def on_send(self, *, body: str, client_id: str):
        # One trip to the database thread per message: the send (rate limit included), the ack.
        reply = await database_sync_to_async(self._send_message)(body, client_id)
        await self.send(text_data=reply)

    def _send_message(self, body: str, client_id: str) -> str:
        """The frame answering a send: an ack with the stored message, or an error."""
        try:
            message, _created = services.message_send(
                actor=self.user, room=self.room, body=body, client_id=client_id
            )
        except PermissionDenied as error:
            return _error("forbidden", str(error), client_id=client_id)
        except services.RateLimited as error:
            detail = " ".join(error.messages)
            return _error(error.code, detail, client_id=client_id, retry_after=error.retry_after)
        except ValidationError as error:
            return _error(error.code or "invalid", " ".join(error.messages), client_id=client_id)
        payload = services.serialize(message, self.people)
        return json.dumps({"type": "ack", "client_id": client_id, "message": payload})

    async def on_resume(self, *, after: int = 0):
        messages, last, complete = await database_sync_to_async(self._after)(after)
        await self.send(
            text_data=json.dumps(
                {"type": "catchup", "messages": messages, "complete": complete, "last_seq": last}
            )
        )

    async def on_history(self, *, before: int | None = None):
        messages = await database_sync_to_async(self._before)(before)
        await self.send(text_data=json.dumps({"type": "history", "messages": messages}))

    async def on_typing(self):
        now = time.monotonic()
        if now - self.last_typing < TYPING_INTERVAL:
            return
        self.last_typing = now
        event = {"type": "typing", "user": {"id": self.me["id"], "name": self.me["name"]}}
        await self.channel_layer.group_send(
            services.room_group(self.room.pk), {"type": "chat.event", "text": json.dumps(event)}
        )

    async def on_read(self, *, seq: int):
        await database_sync_to_async(services.mark_read)(actor=self.user, room=self.room, seq=seq)

    async def on_ping(self):
        await database_sync_to_async(services.presence_seen)(channel_name=self.channel_name)
        await self.send(text_data=json.dumps({"type": "pong"}))

    # ------------------------------------------------------------------ events from the layer

    async def dispatch(self, message):
        # Broadcasts touch no database: skip Channels' per-message hop to the database thread
        # (aclose_old_connections), which would queue N round trips per message to N sockets.
        if message["type"] == "chat.event":
            await self.chat_event(message)
            return
        await super().dispatch(message)

    async def chat_event(self, event):
        if not self.revoked:
            await self.send_frame({"type": "websocket.send", "text": event["text"]})

    async def access_revoke(self, event):
        """The user's access may have changed: check again, close at once if it is gone."""
        if self.session_key in event.get("session_keys", ()):
            await self._revoke(CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(self._standing)():
            await self._revoke(CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(self._room_still_visible)():
            await self._revoke(CLOSE_FORBIDDEN)

    async def _revoke(self, code: int):
        self.revoked = True
        await self.send(text_data=json.dumps({"type": "revoked"}))
        await self.close(code=code)

    # ------------------------------------------------------------------ database side

    def _visible_room(self, kwargs) -> ChatRoom | None:
        try:
            return get_visible_or_404(self.user, ChatRoom, pk=kwargs["room_id"])
        except Http404:  # missing and forbidden are the same here
            return None

    def _claim_socket(self) -> bool:
        key = f"chat-sockets:{self.user.pk}"
        cache.add(key, 0, timeout=6 * 3600)
        if cache.incr(key) > settings.ENCLAVE_CHAT_MAX_SOCKETS_PER_USER:
            cache.decr(key)
            return False
        self.claimed = True
        return True

    def _ready(self) -> dict:
        services.presence_enter(room=self.room, user=self.user, channel_name=self.channel_name)
        capabilities = workspace_capabilities(self.user, self.room.workspace)
        mute = services.active_mute(self.room, self.user)
        room = ChatRoom.objects.get(pk=self.room.pk)
        record_attendance(user=self.user, room=room)
        self.me = self.people.person(self.user)
        present, present_count = services.present_people(room, self.people, PRESENT_SHOWN)
        return {
            "type": "ready",
            "room": {
                "id": room.pk,
                "title": room.title,
                "locked": room.locked_at is not None,
                "closed": room.closed_at is not None,
                "last_seq": room.last_seq,
            },
            "me": self.me,
            "can_send": can(self.user, Capability.CONTRIBUTE, room),
            "can_moderate": Capability.MODERATE in capabilities,
            "muted_until": mute.until.isoformat() if mute else None,
            "last_read": selectors.last_read(user=self.user, room=room),
            "present": present,
            "present_count": present_count,
        }

    def _leave(self) -> bool:
        still_here = services.presence_leave(
            room=self.room, user=self.user, channel_name=self.channel_name
        )
        if self.claimed:
            with contextlib.suppress(ValueError):  # the counter expired meanwhile
                cache.decr(f"chat-sockets:{self.user.pk}")
        return still_here

    def _after(self, after: int) -> tuple[list, int, bool]:
        messages = services.messages_after(user=self.user, room=self.room, after_seq=after)
        shown = _within_bytes([services.serialize(m, self.people) for m in messages])
        last = shown[-1]["seq"] if shown else after
        return shown, last, len(shown) == len(messages) and len(messages) < 500

    def _before(self, before: int | None) -> list:
        messages = services.messages_before(user=self.user, room=self.room, before_seq=before)
        # The newest of the page matter most: trim from the oldest end.
        serialized = [services.serialize(m, self.people) for m in reversed(messages)]
        return list(reversed(_within_bytes(serialized)))

    def _standing(self) -> bool:
        """The one standing rule (accounts/standing.py), on a fresh copy of the account and with
        this socket's own session; the fresh copy serves the frame that follows."""
        user = User.objects.select_related("jurisdiction").filter(pk=self.user.pk).first()
        if user is None or standing_lack(user, session_key=self.session_key) is not None:
            return False
        self.user = user
        return True

    def _room_still_visible(self) -> bool:
        return can(self.user, Capability.VIEW, ChatRoom.objects.get(pk=self.room.pk))


def _within_bytes(serialized: list[dict], limit: int = MAX_OUT_FRAME - 4096) -> list[dict]:
    """The longest prefix whose JSON fits in one outgoing frame (at least one message)."""
    total = 0
    for index, item in enumerate(serialized):
        total += len(json.dumps(item)) + 1
        if total > limit and index > 0:
            return serialized[:index]
    return serialized
