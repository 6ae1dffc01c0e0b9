"""Reads of a user's notifications: only those about what they may still see."""

from __future__ import annotations

import operator
from functools import reduce

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.lookups import IsNull

from accounts.models import User
from core.pagination import KeysetPage, keyset_page
from dialogues.attribution.bylines import context_of
from dialogues.models import (
    Announcement,
    ChatRoom,
    DialogueSession,
    Notification,
    SchedulingPoll,
    Thread,
)
from workspaces.access import (
    may_review_access,
    visible,
)
from workspaces.attribution import for_places
from workspaces.models import Workspace


def _still_visible(user: User, model, field: str):
    """The notification's `field` names an item of `model` that `user` may see, asked of the
    policy row by row: a primary-key probe for each notification read, instead of the list of
    every item the user can see (thousands of threads after a few years) built on every page."""
    probe = visible(user, model).filter(pk=OuterRef(field)).order_by().values("pk")[:1]
    return Q(IsNull(Subquery(probe), False))


# What a notification is about: the item field it sets, and (built on demand, as building
# the visibility filter is the costly part) the condition that the user may still see it.
_ABOUT_WORKSPACE = Q(
    workspace__isnull=False,
    thread__isnull=True,
    room__isnull=True,
    session__isnull=True,
    poll__isnull=True,
)
# About no workspace: the access review a sponsor is asked for (accounts.reviews), shown while
# the reader may still review someone's access (the platform policy), named by a count only.
_ABOUT_REVIEWS = Q(workspace__isnull=True, kind=Notification.Kind.ACCESS_REVIEW)


def _may_still_review(user: User) -> Q:
    return _ABOUT_REVIEWS if may_review_access(user) else Q(pk__in=[])


NOTIFICATION_SUBJECTS = {
    "workspace": (
        _ABOUT_WORKSPACE,
        # The workspaces a user may see are few (their roster): one small list is cheapest.
        lambda user: _ABOUT_WORKSPACE & Q(workspace__in=visible(user, Workspace)),
    ),
    "thread": (Q(thread__isnull=False), lambda user: _still_visible(user, Thread, "thread_id")),
    "room": (Q(room__isnull=False), lambda user: _still_visible(user, ChatRoom, "room_id")),
    "session": (
        Q(session__isnull=False),
        lambda user: _still_visible(user, DialogueSession, "session_id"),
    ),
    "poll": (Q(poll__isnull=False), lambda user: _still_visible(user, SchedulingPoll, "poll_id")),
    # About no workspace: an announcement, shown while its reader may read it.
    "announcement": (
        Q(announcement__isnull=False),
        lambda user: _still_visible(user, Announcement, "announcement_id"),
    ),
    "reviews": (_ABOUT_REVIEWS, _may_still_review),
}


def _visible(user: User, subjects) -> Q | None:
    conditions = [NOTIFICATION_SUBJECTS[subject][1](user) for subject in subjects]
    if not conditions:
        return None
    return reduce(operator.or_, conditions) & (
        Q(post__isnull=True) | Q(post__deleted_at__isnull=True)
    )


def visible_notifications(*, user: User, subjects=tuple(NOTIFICATION_SUBJECTS)):
    """The user's notifications about things they may still see.

    `subjects` narrows the filter to notifications about those kinds of thing (the bell
    builds only the parts its unread notifications need)."""
    condition = _visible(user, subjects)
    if condition is None:
        return Notification.objects.none()
    return (
        Notification.objects.filter(recipient=user)
        .filter(condition)
        .select_related(
            "actor__jurisdiction",
            "workspace",
            "thread__workspace",
            "session__workspace",
            "room__workspace",
            "poll__session__workspace",
            "announcement",
        )
    )


def _subject(notification: Notification):
    """What a notification is about, for its byline: a notification leaves the live view, so
    Chatham House names nobody and anonymous shows the pseudonym in this item's context. None
    for a notice about no workspace (an access review), which has no byline."""
    poll_session = notification.poll.session if notification.poll_id else None
    return (
        notification.thread
        or notification.session
        or poll_session
        or notification.room
        or notification.workspace
    )


NOTIFICATIONS_PER_PAGE = 50


def notifications_page(*, user: User, before=None, after=None) -> KeysetPage:
    """One page of the user's notifications, newest first, each with `shown_actor`: the same
    few queries however many notifications the user has (a page starts from its cursor on the
    recipient's (created_at, id) index; the pseudonyms of the whole page are read at once)."""
    page = keyset_page(
        visible_notifications(user=user),
        before=before,
        after=after,
        per_page=NOTIFICATIONS_PER_PAGE,
    )
    with_shown_actors(page.object_list)
    return page


def with_shown_actors(notifications: list[Notification]) -> list[Notification]:
    """Give each notification `shown_actor`: its actor as the notice's place shows people
    outside the live view (None where there is no actor or no place), in constant queries."""
    # A session's own room speaks in the session's context (as context_of says): those
    # sessions are read together rather than one by one.
    rooms = {
        n.room_id
        for n in notifications
        if isinstance(_subject(n), ChatRoom) and not n.room.is_workspace_room
    }
    sessions = (
        {
            s.room_id: s
            for s in DialogueSession.objects.filter(room_id__in=rooms).select_related("workspace")
        }
        if rooms
        else {}
    )
    places = {}
    for notification in notifications:
        item = _subject(notification)
        if item is None:
            continue
        if isinstance(item, ChatRoom):
            item = sessions.get(item.pk, item)
        places[notification.pk] = context_of(item)
    bylines = for_places(list(dict.fromkeys(places.values())), outside=True)
    for notification in notifications:
        notification.shown_actor = (
            bylines[places[notification.pk][1]].speaker(notification.actor)
            if notification.actor_id and notification.pk in places
            else None
        )
    return notifications


def unread_notification_count(*, user: User) -> int:
    """The bell's count, on every page. One cheap query (the recipient's unread, by index)
    tells what the unread notifications are about (usually nothing, or only threads); the
    visibility filter is then built for those subjects alone, which gives the same count as
    the whole filter."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    present = unread.aggregate(
        about_thread=Count("thread_id"),
        about_room=Count("room_id"),
        about_session=Count("session_id"),
        about_poll=Count("poll_id"),
        about_announcement=Count("announcement_id"),
        about_workspace=Count("pk", filter=_ABOUT_WORKSPACE),
        about_reviews=Count("pk", filter=_ABOUT_REVIEWS),
    )
    subjects = [key.removeprefix("about_") for key, count in present.items() if count]
    condition = _visible(user, subjects)
    return 0 if condition is None else unread.filter(condition).count()
