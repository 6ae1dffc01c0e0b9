"""The dialogues app's models, one module per part; imported from here as before."""

from .announcements import Announcement, AnnouncementRead
from .chat import ChatMessage, ChatMute, ChatPresence, ChatReadState, ChatRoom
from .floor import FloorRequest, ItemAttendance, ItemRun
from .meetings import (
    ActionItem,
    AgendaItem,
    DialogueSession,
    MinutesComment,
    MinutesEntry,
    SessionAttendance,
    SessionRegistration,
)
from .notifications import Notification, NotificationPreference
from .polls import PollAnswer, PollSlot, SchedulingPoll
from .threads import MAX_DEPTH, Post, PostRevision, Reaction, Thread, ThreadReadState

__all__ = [
    "MAX_DEPTH",
    "ActionItem",
    "AgendaItem",
    "Announcement",
    "AnnouncementRead",
    "ChatMessage",
    "ChatMute",
    "ChatPresence",
    "ChatReadState",
    "ChatRoom",
    "DialogueSession",
    "FloorRequest",
    "ItemAttendance",
    "ItemRun",
    "MinutesComment",
    "MinutesEntry",
    "Notification",
    "NotificationPreference",
    "PollAnswer",
    "PollSlot",
    "Post",
    "PostRevision",
    "Reaction",
    "SchedulingPoll",
    "SessionAttendance",
    "SessionRegistration",
    "Thread",
    "ThreadReadState",
]
