"""The one websocket consumer: a live chat room. Protocol: docs/realtime.md.

It calls the same services and selectors as the HTTP views (dialogues/chat/services.py), so the
two can never disagree; the policy is asked on connect, on every send, and again whenever the user's
access may have changed (a notice on the per-user group), which closes the socket at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import time

from channels.auth import get_user
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.sessions import InstanceSessionWrapper
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import ngettext

from accounts import session_lifetime
from accounts.models import User
from accounts.standing import session_store, standing_lack
from dialogues.chat import presence, services
from dialogues.chat.frames import BadFrame, parse_frame
from dialogues.meetings import live
from dialogues.meetings.services import record_attendance
from dialogues.models import ChatRoom
from dialogues.notifications.selectors import unread_notification_count
from workspaces.access import Capability, can, hidden_by_undertaking, item_capabilities

# Close codes (see docs/realtime.md).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY_SOCKETS = 4429
CLOSE_UNDERTAKING = 4451  # the dialogue's confidentiality undertaking is not accepted (yet)

MAX_FRAME = 64 * 1024
# Frames the server sends stay under this (daphne's size limit applies to them too).
MAX_OUT_FRAME = 256 * 1024
PRESENT_SHOWN = presence.PRESENCE_SHOWN
TYPING_INTERVAL = 3.0
# Frames the page sends by itself: they keep the socket open but are not the official's
# activity, so they do not hold off the session's idle timeout.
PASSIVE_FRAMES = frozenset({"ping", "read", "resume"})


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
    session = None  # the dialogue session whose room this is, if any
    revoked = False
    claimed = False
    active = False  # the frame being handled is the official's own doing
    touched_at = 0.0
    lifetime_watch = None

    # ------------------------------------------------------------------ lifecycle

    async def connect(self):
        self.session_key = self.scope["session"].session_key
        # One trip to the database thread decides and reads what is this user's: who is signed
        # in, their standing, the room as the policy shows it to them, the socket claim, their
        # flags. Every trip costs a connection and a turn in the one thread all sockets share.
        refusal = await database_sync_to_async(self._admit)(self.scope["url_route"]["kwargs"])
        if refusal is not None:
            await self.close(code=refusal)
            return
        user = self.user
        self.last_typing = 0.0
        self.send_frame = _frame_sender(self.base_send)  # broadcasts arrive through this
        # In the room's group before reading the room: anything after the read reaches this
        # socket as a frame (one read serves every socket arriving at the same time).
        await self.channel_layer.group_add(services.room_group(self.room.pk), self.channel_name)
        await self.channel_layer.group_add(services.user_group(user.pk), self.channel_name)
        await self.accept()
        now = await presence.arrival(self.room, user)
        ready = {"type": "ready", "room": now["room"], **self.flags}
        ready |= {
            "muted_until": now["mutes"].get(user.pk),
            "last_read": now["read"].get(user.pk, 0),
        }
        ready |= {"present": now["present"], "present_count": now["present_count"]}
        await self.send(text_data=json.dumps(ready, separators=(",", ":")))
        presence.enter(
            self.room.pk, channel_name=self.channel_name, user_id=user.pk, person=self.me
        )
        self.lifetime_watch = asyncio.create_task(self._watch_lifetime())

    async def _watch_lifetime(self):
        """The socket closes when its session ends by its lifetimes (accounts/session_lifetime.py)
        even if no frame arrives: it sleeps until the session's deadline, then asks standing
        again; activity meanwhile (here or on a page) has moved the deadline on."""
        while not self.revoked:
            deadline = await database_sync_to_async(self._session_deadline)()
            await asyncio.sleep(max(1.0, deadline - time.time() + 0.5))
            if self.revoked:
                return
            if not await database_sync_to_async(self._standing)():
                await self._revoke(CLOSE_UNAUTHENTICATED)
                return

    async def disconnect(self, code):
        if self.lifetime_watch is not None:
            self.lifetime_watch.cancel()
        if getattr(self, "room", None) is None:
            return
        await self.channel_layer.group_discard(services.room_group(self.room.pk), self.channel_name)
        await self.channel_layer.group_discard(services.user_group(self.user.pk), self.channel_name)
        await database_sync_to_async(self._release)()  # the shared cache may be across the network
        if getattr(self, "me", None) is None:
            return
        presence.leave(
            self.room.pk,
            channel_name=self.channel_name,
            user_id=self.user.pk,
            person_id=self.me["id"],
        )

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
        self.active = kind not in PASSIVE_FRAMES
        await getattr(self, "on_" + kind.replace(".", "_"))(**fields)

    async def _standing_then(self, work=None, *args):
        """Standing, then `work(*args)` if any, in one trip to the database thread: (True, its
        result), or (False, None) once the socket is closed for want of standing. Standing is asked
        before every frame: a socket opened before a requirement applied (a second factor, a
        suspended account) stops at its next frame, whatever the frame."""
        ok, result = await database_sync_to_async(self._if_standing)(work, *args)
        if not ok:
            await self._revoke(CLOSE_UNAUTHENTICATED)
        return ok, result

    def _if_standing(self, work, *args) -> tuple[bool, object]:
        if not self._standing():
            return False, None
        if self.active:
            self._touch_session()
        return True, work(*args) if work is not None else None

    def _touch_session(self) -> None:
        """The official's own frame is activity, as a page request is: the session's idle clock
        moves on (read and written at most once a minute per socket)."""
        now = time.time()
        if now - self.touched_at < session_lifetime.TOUCH_EVERY:
            return
        self.touched_at = now
        store = session_store(self.session_key)
        if session_lifetime.touch(store, now):
            with contextlib.suppress(UpdateError):  # signed out this very moment
                store.save()

    def _session_deadline(self) -> float:
        deadline = session_lifetime.deadline(session_store(self.session_key))
        # A session whose clocks never started: look again after a full idle period.
        return deadline or time.time() + settings.ENCLAVE_SESSION_IDLE_TIMEOUT

    async def on_send(self, *, body: str, client_id: str):
        ok, reply = await self._standing_then(self._send_message, body, client_id)
        if ok:
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
        ok, found = await self._standing_then(self._after, after)
        if ok:
            messages, last, complete, running = found
            frame = {"type": "catchup", "messages": messages, "complete": complete}
            await self.send(text_data=json.dumps(frame | {"last_seq": last}))
            if running is not None:  # a session's room: its agenda and queue as they are now
                await self.send(text_data=json.dumps(running, separators=(",", ":")))

    # ------------------------------------------------------------------ running a session

    async def on_agenda_move(self, *, item: int):
        await self._live_action(live.agenda_move, item_id=item)

    async def on_floor_raise(self, **fields):
        which = fields.get("for", "self")
        if which not in ("self", "jurisdiction"):
            await self.send(text_data=_error("bad_frame", "'for' is self or jurisdiction."))
            return
        await self._live_action(live.floor_raise, for_jurisdiction=which == "jurisdiction")

    async def on_floor_withdraw(self):
        await self._live_action(live.floor_withdraw)

    async def on_floor_give(self, *, request: int):
        await self._live_action(live.floor_give, request_id=request)

    async def on_floor_skip(self, *, request: int):
        await self._live_action(live.floor_skip, request_id=request)

    async def on_floor_clear(self):
        await self._live_action(live.floor_clear)

    async def on_minutes_note(self, *, kind: str, text: str = "", seq=None, owner=None, due=None):
        try:
            due_date = datetime.date.fromisoformat(due) if due else None
        except ValueError:
            await self.send(text_data=_error("bad_frame", "'due' is a date, YYYY-MM-DD."))
            return
        await self._live_action(
            live.minutes_note, kind=kind, text=text, seq=seq, owner_id=owner, due_date=due_date
        )

    async def _live_action(self, service, **arguments):
        ok, reply = await self._standing_then(self._run_live, service, arguments)
        if ok and reply is not None:
            await self.send(text_data=reply)

    def _run_live(self, service, arguments: dict) -> str | None:
        """One running-session service, in the reader's language; the room hears the new state
        from the service itself. Returns the frame answering this socket, if any."""
        if self.session is None:
            return _error("forbidden", "This room is not a session's room.")
        with translation.override(self.user.language or settings.LANGUAGE_CODE):
            try:
                result = service(actor=self.user, session=self.session, **arguments)
            except PermissionDenied as error:
                return _error("forbidden", str(error))
            except services.RateLimited as error:
                return _error(error.code, " ".join(error.messages), retry_after=error.retry_after)
            except ValidationError as error:
                return _error("invalid", " ".join(error.messages))
            if service is live.minutes_note:
                kind = arguments["kind"]
                frame = {"type": "minutes.noted", "kind": kind, "item": result.pk}
                return json.dumps(frame | {"detail": live.note_label(kind)})
        return None

    async def on_history(self, *, before: int | None = None):
        ok, messages = await self._standing_then(self._before, before)
        if ok:
            await self.send(text_data=json.dumps({"type": "history", "messages": messages}))

    async def on_typing(self):
        ok, _ = await self._standing_then()
        if not ok:
            return
        now = time.monotonic()
        if now - self.last_typing < TYPING_INTERVAL:
            return
        self.last_typing = now
        event = {"type": "typing", "user": {"id": self.me["id"], "name": self.me["name"]}}
        await self.channel_layer.group_send(
            services.room_group(self.room.pk), {"type": "chat.event", "text": json.dumps(event)}
        )

    async def on_read(self, *, seq: int):
        await self._standing_then(self._mark_read, seq)

    async def on_ping(self):
        ok, _ = await self._standing_then(self._seen)
        if ok:
            await self.send(text_data=json.dumps({"type": "pong"}))

    def _mark_read(self, seq: int) -> None:
        services.mark_read(actor=self.user, room=self.room, seq=seq)

    def _seen(self) -> None:
        services.presence_seen(channel_name=self.channel_name)

    # ------------------------------------------------------------------ events from the layer

    async def dispatch(self, message):
        # Channels hops to the database thread before every handler (aclose_old_connections),
        # a turn in the one thread all sockets share: per broadcast that is N turns for N
        # sockets. Every database call here goes through database_sync_to_async, which closes
        # old connections itself, so handlers are called directly.
        if message["type"] == "chat.event":
            await self.chat_event(message)
            return
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message):
        await self.disconnect(message["code"])
        raise StopConsumer()

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
        refusal = await database_sync_to_async(self._room_refusal)()
        if refusal is not None:
            await self._revoke(refusal)

    async def counts_changed(self, event):
        """A notification for this user was created (dialogues/notifications/live.py): their
        bell's count, read by the bell's own selector, so only what they may see is counted."""
        if not self.revoked:
            await self.send(text_data=await database_sync_to_async(self._counts_frame)())

    async def _revoke(self, code: int):
        self.revoked = True
        await self.send(text_data=json.dumps({"type": "revoked"}))
        await self.close(code=code)

    # ------------------------------------------------------------------ database side

    def _admit(self, kwargs) -> int | None:
        """Whether this socket may open (None, or the close code that refuses it), and what
        its first frame says of this user."""
        if not self._signed_in():
            return CLOSE_UNAUTHENTICATED
        if standing_lack(self.user, session_key=self.session_key) is not None:
            # A signed-in user without standing (a second factor still to enrol, an ended
            # session) is refused like a signed-out one: the page then says what to do.
            return CLOSE_UNAUTHENTICATED
        room = ChatRoom.objects.select_related("workspace").filter(pk=kwargs["room_id"]).first()
        # One policy read for every flag, as the room's page does (VIEW among them: the policy's
        # `can` and `visible` agree).
        capabilities = item_capabilities(self.user, room) if room is not None else frozenset()
        if Capability.VIEW not in capabilities:
            if room is not None and hidden_by_undertaking(self.user, room):
                return CLOSE_UNDERTAKING  # theirs once they accept: the page shows the text
            return CLOSE_NOT_FOUND  # missing and forbidden look the same
        if not self._claim_socket():
            return CLOSE_TOO_MANY_SOCKETS
        self.room = room
        self.people = services.room_people(room)
        self.me = self.people.person(self.user)
        record_attendance(user=self.user, room=room)
        self.flags = {
            "me": self.me,
            "can_send": Capability.CONTRIBUTE in capabilities,
            "can_moderate": Capability.MODERATE in capabilities,
        }
        self.session = live.session_of_room(room)
        if self.session is not None:
            self.flags |= live.room_flags(self.user, self.session, capabilities)
        return None

    def _signed_in(self) -> bool:
        """The session's user, read here by the function Channels' AuthMiddleware would call
        (config/asgi.py leaves that middleware out: it would cost a trip of its own)."""
        user = self.scope["user"] = get_user.func(self.scope)
        if user is None or not user.is_authenticated:
            return False
        self.user = user
        return True

    def _claim_socket(self) -> bool:
        key = f"chat-sockets:{self.user.pk}"
        cache.add(key, 0, timeout=6 * 3600)
        if cache.incr(key) > settings.ENCLAVE_CHAT_MAX_SOCKETS_PER_USER:
            cache.decr(key)
            return False
        self.claimed = True
        return True

    def _release(self) -> None:
        if self.claimed:
            self.claimed = False
            with contextlib.suppress(ValueError):  # the counter expired meanwhile
                cache.decr(f"chat-sockets:{self.user.pk}")

    def _after(self, after: int) -> tuple[list, int, bool, dict | None]:
        messages = services.messages_after(user=self.user, room=self.room, after_seq=after)
        shown = _within_bytes([services.serialize(m, self.people) for m in messages])
        last = shown[-1]["seq"] if shown else after
        complete = len(shown) == len(messages) and len(messages) < 500
        running = None
        if self.session is not None:
            self.session.refresh_from_db()
            running = live.live_state(self.session, self.people)
        return shown, last, complete, running

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

    def _counts_frame(self) -> str:
        count = unread_notification_count(user=self.user)
        announce = ngettext(
            "%(count)s unread notification", "%(count)s unread notifications", count
        ) % {"count": count}
        return json.dumps({"type": "counts", "notifications": count, "announce": announce})

    def _room_refusal(self) -> int | None:
        """None while the room is still this user's, else the code that closes the socket."""
        room = ChatRoom.objects.select_related("workspace").get(pk=self.room.pk)
        if can(self.user, Capability.VIEW, room):
            return None
        return CLOSE_UNDERTAKING if hidden_by_undertaking(self.user, room) else CLOSE_FORBIDDEN


def _within_bytes(serialized: list[dict], limit: int = MAX_OUT_FRAME - 4096) -> list[dict]:
    """The longest prefix whose JSON fits in one outgoing frame (at least one message)."""
    total = 0
    for index, item in enumerate(serialized):
        total += len(json.dumps(item)) + 1
        if total > limit and index > 0:
            return serialized[:index]
    return serialized
