"""Live chat: every write goes through here, from the websocket and from plain HTTP alike.

The database is the truth and the channel layer a doorbell: a message commits with its per-room
sequence number, then one pre-serialized event goes to the room's group after commit (core.events).
"""

from __future__ import annotations

import json
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User
from core.counters import count_event
from core.events import after_commit
from dialogues.attribution.bylines import DialogueBylines
from dialogues.bodies import render_body, require_reason
from dialogues.models import (
    ChatMessage,
    ChatMute,
    ChatPresence,
    ChatReadState,
    ChatRoom,
    Notification,
)
from dialogues.notifications.services import notify
from workspaces.access import (
    Capability,
    can,
    can_read_hidden_text,
    can_remove_own,
    item_capabilities,
    require,
    require_edit_own,
    require_remove_own,
)
from workspaces.models import Workspace

MAX_BODY_BYTES = 16 * 1024
EDIT_WINDOW = timedelta(minutes=15)
HISTORY_PAGE = 50


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def broadcast(group: str, event: dict) -> None:
    """Serialize once; every socket in the group forwards the same text."""
    text = json.dumps(event, separators=(",", ":"))
    async_to_sync(get_channel_layer().group_send)(group, {"type": "chat.event", "text": text})


def announce(room_id: int, event: dict) -> None:
    """Broadcast `event` to the room once the write it follows commits (core.events)."""
    after_commit(lambda: broadcast(room_group(room_id), event))


def room_people(room: ChatRoom) -> DialogueBylines:
    """How people appear in this room's frames (names, or pseudonyms in an anonymous room)."""
    return DialogueBylines(room)


def serialize(message: ChatMessage, people: DialogueBylines | None = None) -> dict:
    people = people or room_people(message.room)
    hidden = message.hidden_at is not None
    deleted = message.deleted_at is not None
    return {
        "seq": message.seq,
        "id": message.pk,
        "client_id": message.client_id,
        "author": people.person(message.author),
        # A hidden message's text goes only to a reader the policy lets read it (catch-up and
        # history are per reader; broadcasts never carry it).
        "html": ""
        if deleted or (hidden and not getattr(message, "text_readable", False))
        # Mentions read as the room's bylines do (pseudonyms in an anonymous room).
        else people.mentions_html(message.body_html),
        "created_at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "hidden": hidden,
        "deleted": deleted,
    }


def workspace_room(workspace: Workspace) -> ChatRoom:
    room, _created = ChatRoom.objects.get_or_create(
        workspace=workspace, is_workspace_room=True, defaults={"title": workspace.title}
    )
    return room


def open_workspace_room(sender, workspace: Workspace, **kwargs) -> None:
    """A new workspace opens with its chat room (workspaces.signals.workspace_created)."""
    ChatRoom.objects.create(workspace=workspace, title=workspace.title)


def active_mute(room: ChatRoom, user: User) -> ChatMute | None:
    return ChatMute.objects.filter(room=room, user=user, until__gt=timezone.now()).first()


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write a message first."), code="empty")
    if len(body.encode()) > MAX_BODY_BYTES:
        raise ValidationError(_("A message can be at most 16 KiB."), code="too_large")
    return body


def _client_id(value: str) -> str:
    value = str(value or "").strip()
    if not value or len(value) > 64:
        raise ValidationError(
            _("Each message needs a client id of at most 64 characters."), code="bad_client_id"
        )
    return value


class RateLimited(ValidationError):
    """Too many messages: the same limit whichever door they come through."""

    def __init__(self, retry_after: int):
        super().__init__(_("You are sending too fast. Wait a few seconds."), code="rate_limited")
        self.retry_after = retry_after


def _take_rate_token(user_id: int) -> None:
    """A burst of ENCLAVE_CHAT_RATE_BURST messages per window, per user across sockets, pages
    and processes (the counter lives in the shared cache)."""
    count, retry_after = count_event(f"chat-rate:{user_id}", settings.ENCLAVE_CHAT_RATE_WINDOW)
    if count > settings.ENCLAVE_CHAT_RATE_BURST:
        raise RateLimited(retry_after=retry_after)


def message_send(*, actor: User, room: ChatRoom, body: str, client_id: str) -> tuple:
    """Store a message once per (author, client id). Returns (message, created).

    The policy is asked on every send, so a role change mid-connection applies to the next one.
    """
    room = ChatRoom.objects.select_related("workspace").get(pk=room.pk)
    require(actor, Capability.CONTRIBUTE, room)
    client_id = _client_id(client_id)
    existing = ChatMessage.objects.filter(author=actor, client_id=client_id).first()
    if existing is not None:
        if existing.room_id != room.pk:
            raise ValidationError(
                _("That client id was used in another room."), code="bad_client_id"
            )
        return existing, False
    # A retry of a stored message is answered above without counting against the limit.
    _take_rate_token(actor.pk)
    mute = active_mute(room, actor)
    if mute is not None and not can(actor, Capability.MODERATE, room):
        raise PermissionDenied(
            _("You are muted in this room until %(until)s.")
            % {"until": time_format(timezone.localtime(mute.until), "TIME_FORMAT")}
        )
    body = _clean_body(body)
    people = room_people(room)
    html, mentioned = render_body(body, room, people)
    try:
        with transaction.atomic():
            locked = ChatRoom.objects.select_for_update().get(pk=room.pk)
            locked.last_seq += 1
            locked.save(update_fields=["last_seq"])
            message = ChatMessage.objects.create(
                room=locked,
                seq=locked.last_seq,
                author=actor,
                client_id=client_id,
                body_source=body,
                body_html=html,
            )
            Workspace.objects.filter(pk=room.workspace_id).update(
                last_activity_at=message.created_at
            )
            # One's own message is never unread.
            ChatReadState.objects.update_or_create(
                user=actor, room=locked, defaults={"last_seq": message.seq}
            )
            notify(kind=Notification.Kind.MENTION, recipients=mentioned, actor=actor, room=room)
            event = {"type": "message", "message": serialize(message, people)}
            announce(room.pk, event)
    except IntegrityError:
        # The same client id raced in from another socket: the first one won.
        existing = ChatMessage.objects.filter(author=actor, client_id=client_id).first()
        if existing is None:
            raise
        return existing, False
    return message, True


def _for_reader(user: User, room: ChatRoom, messages, capabilities=None) -> list:
    """The messages, each marked with what this reader may do with it, from one policy read:
    `text_readable` (a hidden message's text) and `removable` (their own, outside an archive)."""
    if capabilities is None:
        capabilities = item_capabilities(user, room)
    if Capability.VIEW not in capabilities:
        raise PermissionDenied(_("You do not have permission to do that."))
    messages = list(messages)
    for message in messages:
        message.room = room
        message.text_readable = message.hidden_at is not None and can_read_hidden_text(
            user, message, author_id=message.author_id, capabilities=capabilities
        )
        message.removable = can_remove_own(
            user, message, author_id=message.author_id, capabilities=capabilities
        )
    return messages


def messages_after(*, user: User, room: ChatRoom, after_seq: int, limit: int = 500) -> list:
    """Exactly the messages after `after_seq` (catch-up on reconnect), oldest first."""
    messages = room.messages.filter(seq__gt=after_seq).select_related("author__jurisdiction")
    return _for_reader(user, room, messages.order_by("seq")[:limit])


def messages_before(
    *,
    user: User,
    room: ChatRoom,
    before_seq: int | None,
    limit: int = HISTORY_PAGE,
    capabilities: frozenset | None = None,
) -> list:
    """A page of older messages (scrolling back), oldest first."""
    messages = room.messages.select_related("author__jurisdiction").order_by("-seq")
    if before_seq is not None:
        messages = messages.filter(seq__lt=before_seq)
    return _for_reader(user, room, reversed(messages[:limit]), capabilities)


def _message_event(message: ChatMessage) -> None:
    event = {"type": "message.changed", "message": serialize(message)}
    announce(message.room_id, event)


@transaction.atomic
def message_edit(*, actor: User, message: ChatMessage, body: str) -> ChatMessage:
    message = ChatMessage.objects.select_for_update().get(pk=message.pk)
    require_edit_own(
        actor,
        message.room,
        author_id=message.author_id,
        refusal=_("You can only edit your own messages."),
    )
    if message.deleted_at or message.hidden_at:
        raise ValidationError(_("This message can no longer be edited."), code="not_editable")
    if timezone.now() - message.created_at > EDIT_WINDOW:
        raise ValidationError(_("Messages can be edited for 15 minutes."), code="too_late")
    message.body_source = _clean_body(body)
    message.body_html, _mentioned = render_body(
        message.body_source, message.room, room_people(message.room)
    )
    message.edited_at = timezone.now()
    message.save(update_fields=["body_source", "body_html", "edited_at"])
    _message_event(message)
    return message


@transaction.atomic
def message_delete(*, actor: User, message: ChatMessage) -> ChatMessage:
    message = (
        ChatMessage.objects.select_for_update().select_related("room__workspace").get(pk=message.pk)
    )
    require_remove_own(actor, message, author_id=message.author_id)
    message.deleted_at = timezone.now()
    message.save(update_fields=["deleted_at"])
    _message_event(message)
    return message


@transaction.atomic
def message_hide(
    *, actor: User, message: ChatMessage, reason: str, request: HttpRequest | None = None
) -> ChatMessage:
    require(actor, Capability.MODERATE, message.room)
    reason = require_reason(reason)
    message = (
        ChatMessage.objects.select_for_update().select_related("room__workspace").get(pk=message.pk)
    )
    message.hidden_at, message.hidden_by, message.hidden_reason = timezone.now(), actor, reason
    message.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    audit_record(
        action=AuditEvent.Action.CHAT_HIDDEN,
        actor=actor,
        target_user=message.author,
        scope=f"workspace:{message.room.workspace.slug}",
        summary=sentence(
            gettext_noop("Chat message %(room)s#%(seq)s hidden"),
            room=message.room_id,
            seq=message.seq,
        ),
        detail={"room": message.room_id, "seq": message.seq, "reason": reason},
        request=request,
    )
    _message_event(message)
    return message


@transaction.atomic
def member_mute(
    *,
    actor: User,
    room: ChatRoom,
    user: User,
    minutes: int,
    reason: str,
    request: HttpRequest | None = None,
) -> ChatMute:
    require(actor, Capability.MODERATE, room)
    reason = require_reason(reason)
    if not 1 <= int(minutes) <= 24 * 60:
        raise ValidationError(_("Mute for 1 minute to 24 hours."), code="bad_duration")
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot mute yourself."), code="self")
    mute = ChatMute.objects.create(
        room=room,
        user=user,
        muted_by=actor,
        reason=reason,
        until=timezone.now() + timedelta(minutes=int(minutes)),
    )
    audit_record(
        action=AuditEvent.Action.CHAT_MUTED,
        actor=actor,
        target_user=user,
        scope=f"workspace:{room.workspace.slug}",
        summary=sentence(
            gettext_noop("%(email)s muted in room %(room)s for %(minutes)s min"),
            email=user.email,
            room=room.pk,
            minutes=int(minutes),
        ),
        detail={"room": room.pk, "minutes": int(minutes), "reason": reason},
        request=request,
    )
    shown = room_people(room).person(user)["id"]  # a pseudonym's number in anonymous rooms
    event = {"type": "muted", "room": room.pk, "user": shown, "until": mute.until.isoformat()}
    announce(room.pk, event)
    return mute


@transaction.atomic
def room_set_locked(
    *,
    actor: User,
    room: ChatRoom,
    locked: bool,
    reason: str = "",
    request: HttpRequest | None = None,
) -> ChatRoom:
    require(actor, Capability.MODERATE, room)
    room = ChatRoom.objects.select_for_update().select_related("workspace").get(pk=room.pk)
    if room.closed_at is not None:
        raise ValidationError(_("This session's room closed when the session ended."))
    room.locked_at = timezone.now() if locked else None
    room.save(update_fields=["locked_at"])
    action = AuditEvent.Action.CHAT_LOCKED if locked else AuditEvent.Action.CHAT_UNLOCKED
    audit_record(
        action=action,
        actor=actor,
        scope=f"workspace:{room.workspace.slug}",
        summary=sentence(
            gettext_noop("Room %(room)s locked")
            if locked
            else gettext_noop("Room %(room)s unlocked"),
            room=room.pk,
        ),
        detail={"room": room.pk, "reason": (reason or "").strip()[:300]},
        request=request,
    )
    event = {"type": "room", "room": room.pk, "locked": locked}
    announce(room.pk, event)
    return room


def mark_read(*, actor: User, room: ChatRoom, seq: int) -> None:
    require(actor, Capability.VIEW, room)
    state, _created = ChatReadState.objects.get_or_create(user=actor, room=room)
    if seq > state.last_seq:
        ChatReadState.objects.filter(pk=state.pk, last_seq__lt=seq).update(
            last_seq=min(seq, room.last_seq)
        )


def presence_apply(
    *, room_id: int, opened: dict[str, int], closed: set[str], users: set[int]
) -> tuple[set[int], int]:
    """Write a batch of a room's socket arrivals (`opened`: channel name -> user id) and
    departures (`closed`: channel names) at once. Returns which of `users` are present after it
    (a user stays while any socket of theirs does, in any process) and how many people are."""
    with transaction.atomic():
        if closed:
            ChatPresence.objects.filter(channel_name__in=closed).delete()
        if opened:
            ChatPresence.objects.bulk_create(
                ChatPresence(room_id=room_id, user_id=user_id, channel_name=channel_name)
                for channel_name, user_id in opened.items()
            )
    rows = ChatPresence.objects.filter(room_id=room_id, seen_at__gte=_present_since())
    here = set(rows.filter(user_id__in=users).values_list("user_id", flat=True)) if users else set()
    return here, rows.values("user_id").distinct().count()


def presence_seen(*, channel_name: str) -> None:
    ChatPresence.objects.filter(channel_name=channel_name).update(seen_at=timezone.now())


def _present_since():
    """A socket's row counts while it pings (every 25 s): rows of a stopped process expire."""
    return timezone.now() - timedelta(minutes=2)


def present_people(
    room: ChatRoom,
    people: DialogueBylines | None = None,
    limit: int = 100,
    *,
    arriving: list[User] | tuple = (),
) -> tuple[list[dict], int]:
    """Who is in the room now (users with an open socket seen in the last two minutes, and the
    `arriving` users, whose rows are still to be written): the first `limit` of them, and how
    many there are. Bounded, so a room filling up with N people does not read N² rows."""
    here = Q(
        pk__in=ChatPresence.objects.filter(room=room, seen_at__gte=_present_since()).values(
            "user_id"
        )
    )
    if arriving:
        here |= Q(pk__in=[user.pk for user in arriving])
    present = User.objects.filter(here)
    count = present.count()
    people = people or room_people(room)
    if people.is_anonymous:
        shown = [people.person(user) for user in present.order_by("pk")[:limit]]
        return sorted(shown, key=lambda person: person["id"]), count
    shown = present.select_related("jurisdiction").order_by("full_name")[:limit]
    return [people.person(user) for user in shown], count


def room_now(room: ChatRoom, *, arriving: list[User], limit: int = 100) -> dict:
    """What sockets arriving in the room together are told of it, read once for all of them:
    its state, who is present (the `arriving` included), and for each of them what is theirs:
    until when they are muted (`mutes`, user id -> ISO time) and the last message they read
    (`read`, user id -> seq)."""
    room = ChatRoom.objects.select_related("workspace").get(pk=room.pk)
    present, count = present_people(room, room_people(room), limit, arriving=arriving)
    ids = [user.pk for user in arriving]
    mutes = ChatMute.objects.filter(room=room, user__in=ids, until__gt=timezone.now())
    read = ChatReadState.objects.filter(room=room, user__in=ids).values_list("user_id", "last_seq")
    return {
        "mutes": {mute.user_id: mute.until.isoformat() for mute in mutes.order_by("until")},
        "read": dict(read),
        "room": {
            "id": room.pk,
            "title": room.title,
            "locked": room.locked_at is not None,
            "closed": room.closed_at is not None,
            "last_seq": room.last_seq,
        },
        "present": present,
        "present_count": count,
    }
