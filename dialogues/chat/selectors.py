"""What a chat room's page shows its reader, read once (like ThreadPage for a thread)."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from dialogues.attribution.bylines import DialogueBylines
from dialogues.chat.services import active_mute, messages_before, room_people
from dialogues.models import ChatMute, ChatReadState, ChatRoom
from workspaces.access import Capability, item_capabilities, people_who_can_view


@dataclass
class ChatRoomPage:
    """Everything a room's page shows its reader, read once (like ThreadPage for a thread)."""

    room: ChatRoom
    people: DialogueBylines
    messages: list
    members: list  # (value for the mute form, the person as shown), the reader left out
    capabilities: frozenset
    can_send: bool
    mute: ChatMute | None
    last_read: int

    @property
    def can_moderate(self) -> bool:
        return Capability.MODERATE in self.capabilities

    @property
    def can_manage(self) -> bool:
        return Capability.MANAGE_ROSTER in self.capabilities

    @property
    def can_unmask(self) -> bool:
        return self.people.is_anonymous and Capability.UNMASK in self.capabilities


def chat_room_page(*, user: User, room: ChatRoom, before_seq: int | None) -> ChatRoomPage:
    # One policy read serves the whole page: the room's capabilities (locked and closed rooms
    # included) decide sending, moderating and each message's marks.
    capabilities = item_capabilities(user, room)
    people = room_people(room)
    members = people_who_can_view(room).exclude(pk=user.pk).order_by("full_name")
    if people.is_anonymous:
        # Only those who have a pseudonym here, chosen by it: no user id reaches the page.
        shown = [
            (f"p{who.pseudonym_id}", who)
            for who in (people.speaker(m) for m in members if people.has_pseudonym(m.pk))
        ]
    else:
        shown = [(m.pk, people.speaker(m)) for m in members]
    return ChatRoomPage(
        room=room,
        people=people,
        messages=messages_before(
            user=user, room=room, before_seq=before_seq, capabilities=capabilities
        ),
        members=shown,
        capabilities=capabilities,
        can_send=Capability.CONTRIBUTE in capabilities,
        mute=active_mute(room, user),
        last_read=last_read(user=user, room=room),
    )


def last_read(*, user: User, room: ChatRoom) -> int:
    state = ChatReadState.objects.filter(user=user, room=room).first()
    return state.last_seq if state else 0
