"""The chat room page and its plain-HTTP actions (the same services the socket calls)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.params import id_param, int_param
from core.refusals import refusals_as_messages, refusals_redirect_to
from dialogues.chat import selectors, services
from dialogues.lookups import visible_workspace
from dialogues.meetings import live
from dialogues.meetings import services as meetings
from dialogues.models import (
    ChatMessage,
    ChatRoom,
    DialogueSession,
)
from workspaces.access import (
    Capability,
    can,
    get_visible_or_404,
    item_capabilities,
    people_who_can_view,
    require,
)
from workspaces.models import Pseudonym


def _room(request, slug: str, session: int | None = None) -> ChatRoom:
    """The workspace's room, or a session's own room (which exists once the session started)."""
    if session is None:
        room = services.workspace_room(visible_workspace(request.user, slug))
    else:
        found = get_visible_or_404(request.user, DialogueSession, pk=session, workspace__slug=slug)
        if found.room is None:
            raise Http404
        room = found.room
    if not can(request.user, Capability.VIEW, room):
        raise Http404
    return room


def _room_message(request, slug: str, seq: int, session: int | None = None) -> ChatMessage:
    room = _room(request, slug, session)
    message = room.messages.filter(seq=seq).first()
    if message is None:
        raise Http404
    return message


def _chat_urls(slug: str, session: int | None) -> dict[str, str]:
    """The room's own addresses (the workspace room and session rooms share the views)."""
    prefix, kwargs = (
        ("session_", {"slug": slug, "session": session}) if session else ("", {"slug": slug})
    )
    names = {"room": "session_room" if session else "chat_room"}
    names.update({action: f"{prefix}chat_{action}" for action in ("send", "mute", "lock")})
    urls = {key: reverse(name, kwargs=kwargs) for key, name in names.items()}
    for action in ("hide", "delete"):
        urls[f"{action}_template"] = reverse(f"{prefix}chat_{action}", kwargs={**kwargs, "seq": 0})
    return urls


@require_GET
def chat_room(request, slug: str, session: int | None = None):
    room = _room(request, slug, session)
    session_of_room = live.session_of_room(room) if session else None
    if session_of_room is not None:
        meetings.record_attendance(user=request.user, room=room)
    page = selectors.chat_room_page(
        user=request.user, room=room, before_seq=int_param(request.GET.get("before"), minimum=0)
    )
    context = {
        "workspace": room.workspace,
        "room": room,
        "chat_messages": page.messages,
        "can_send": page.can_send,
        "can_moderate": page.can_moderate,
        "can_manage": page.can_manage,
        "mute": page.mute,
        "last_read": page.last_read,
        "client_id": uuid.uuid4().hex,
        "members": page.members,
        "people": page.people,
        "chat_urls": _chat_urls(slug, session),
        "session": session_of_room,
        "can_unmask": page.can_unmask,
        # A session's room: its agenda, clock and speakers' queue beside the chat.
        "live": live.live_panel(
            user=request.user,
            session=session_of_room,
            room_capabilities=item_capabilities(request.user, room),
        )
        if session_of_room is not None
        else None,
    }
    if page.messages:
        services.mark_read(actor=request.user, room=room, seq=page.messages[-1].seq)
    return render(request, "dialogues/chat/chat_room.html", context)


def _chat_back(slug: str, seq: int | None = None, session: int | None = None):
    url = _chat_urls(slug, session)["room"]
    return redirect(f"{url}#m-{seq}" if seq else url)


@require_POST
@refusals_redirect_to(
    lambda request, slug, session=None: _chat_urls(slug, session)["room"], permission_denied=True
)
def chat_send(request, slug: str, session: int | None = None):
    room = _room(request, slug, session)
    message, _created = services.message_send(
        actor=request.user,
        room=room,
        body=request.POST.get("body", ""),
        client_id=request.POST.get("client_id", ""),
    )
    return _chat_back(slug, message.seq, session)


@require_POST
def chat_edit(request, slug: str, seq: int, session: int | None = None):
    message = _room_message(request, slug, seq, session)
    with refusals_as_messages(request):
        services.message_edit(
            actor=request.user, message=message, body=request.POST.get("body", "")
        )
    return _chat_back(slug, seq, session)


@require_POST
def chat_delete(request, slug: str, seq: int, session: int | None = None):
    message = _room_message(request, slug, seq, session)
    services.message_delete(actor=request.user, message=message)
    return _chat_back(slug, seq, session)


@require_POST
def chat_hide(request, slug: str, seq: int, session: int | None = None):
    message = _room_message(request, slug, seq, session)
    require(request.user, Capability.MODERATE, message.room)
    with refusals_as_messages(request):
        services.message_hide(
            actor=request.user,
            message=message,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    return _chat_back(slug, seq, session)


@require_POST
def chat_mute(request, slug: str, session: int | None = None):
    room = _room(request, slug, session)
    require(request.user, Capability.MODERATE, room)
    chosen = request.POST.get("user") or ""
    pseudonym_id = id_param(chosen[1:]) if chosen.startswith("p") else None
    if pseudonym_id:  # a pseudonym, in an anonymous room
        people = services.room_people(room)
        pseudonym = Pseudonym.objects.filter(pk=pseudonym_id, context=people.context).first()
        chosen = str(pseudonym.user_id) if pseudonym else ""
    target = people_who_can_view(room).filter(pk=id_param(chosen) or 0).first()
    if target is None:
        messages.error(request, _("Choose someone in this room."))
        return _chat_back(slug, session=session)
    # Not a number at all: the same answer the service gives a number out of range.
    minutes = int_param(request.POST.get("minutes", "0"))
    if minutes is None:
        messages.error(request, _("Mute for 1 minute to 24 hours."))
        return _chat_back(slug, session=session)
    with refusals_as_messages(request):
        services.member_mute(
            actor=request.user,
            room=room,
            user=target,
            minutes=minutes,
            reason=request.POST.get("reason", ""),
            request=request,
        )
        messages.success(request, _("%(name)s is muted.") % {"name": target.full_name})
    return _chat_back(slug, session=session)


@require_POST
def chat_lock(request, slug: str, session: int | None = None):
    room = _room(request, slug, session)
    require(request.user, Capability.MODERATE, room)
    with refusals_as_messages(request):
        services.room_set_locked(
            actor=request.user,
            room=room,
            locked=request.POST.get("locked") == "1",
            reason=request.POST.get("reason", ""),
            request=request,
        )
    return _chat_back(slug, session=session)
