"""Reads of a user's notifications: only those about what they may still see."""

from __future__ import annotations

import operator
from functools import reduce

from django.db.models import Count, Q

from accounts.models import User
from dialogues.attribution.bylines import DialogueBylines
from dialogues.models import (
    ChatRoom,
    DialogueSession,
    Notification,
    Thread,
)
from workspaces.access import (
    visible,
)
from workspaces.models import Workspace

# What a notification is about: the item field it sets, and (built on demand, as building
# the visibility filter is the costly part) the condition that the user may still see it.
_ABOUT_WORKSPACE = Q(thread__isnull=True, room__isnull=True, session__isnull=True)


NOTIFICATION_SUBJECTS = {
    "workspace": (
        _ABOUT_WORKSPACE,
        lambda user: _ABOUT_WORKSPACE & Q(workspace__in=visible(user, Workspace)),
    ),
    "thread": (
        Q(thread__isnull=False),
        lambda user: Q(thread__in=visible(user, Thread).values("pk")),
    ),
    "room": (Q(room__isnull=False), lambda user: Q(room__in=visible(user, ChatRoom).values("pk"))),
    "session": (
        Q(session__isnull=False),
        lambda user: Q(session__in=visible(user, DialogueSession).values("pk")),
    ),
}


def visible_notifications(*, user: User, subjects=tuple(NOTIFICATION_SUBJECTS)):
    """The user's notifications about things they may still see.

    `subjects` narrows the filter to notifications about those kinds of thing (the bell
    builds only the parts its unread notifications need)."""
    conditions = [NOTIFICATION_SUBJECTS[subject][1](user) for subject in subjects]
    if not conditions:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient=user)
        .filter(reduce(operator.or_, conditions))
        .filter(Q(post__isnull=True) | Q(post__deleted_at__isnull=True))
        .select_related(
            "actor__jurisdiction",
            "workspace",
            "thread__workspace",
            "session__workspace",
            "room__workspace",
        )
    )


def notification_actor(notification: Notification):
    """Who to name on a notification: a notification leaves the live view, so Chatham House
    names nobody and anonymous shows the pseudonym."""
    if notification.actor_id is None:
        return None
    item = (
        notification.thread or notification.session or notification.room or notification.workspace
    )
    return DialogueBylines(item, outside=True).speaker(notification.actor)


def unread_notification_count(*, user: User) -> int:
    """The bell's count, on every page. One cheap query tells what the unread notifications
    are about (usually nothing, or only threads); the visibility filter is then built for
    those subjects alone, which gives the same count as the whole filter."""
    present = Notification.objects.filter(recipient=user, read_at__isnull=True).aggregate(
        **{
            subject: Count("pk", filter=about)
            for subject, (about, _condition) in NOTIFICATION_SUBJECTS.items()
        }
    )
    subjects = [subject for subject, count in present.items() if count]
    if not subjects:
        return 0
    return visible_notifications(user=user, subjects=subjects).filter(read_at__isnull=True).count()
