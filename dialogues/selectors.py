"""Reads users see, filtered by the access policy, in a constant number of queries."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import reduce

from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from workspaces.access import (
    Capability,
    item_capabilities,
    people_who_can_view,
    visible,
    workspace_capabilities_for,
)
from workspaces.models import Workspace

from .attribution import DialogueBylines
from .models import (
    ChatRoom,
    DialogueSession,
    Notification,
    Post,
    Reaction,
    Thread,
    ThreadReadState,
)

POSTS_PER_PAGE = 100


def _unread_threads(user: User) -> Subquery:
    """Per workspace: visible threads with posts newer than the reader's mark."""
    read_until = ThreadReadState.objects.filter(user=user, thread=OuterRef("pk")).values(
        "read_until"
    )[:1]
    unread = (
        visible(user, Thread)
        .filter(workspace=OuterRef("pk"))
        .annotate(read_until=Subquery(read_until))
        .filter(Q(read_until__isnull=True) | Q(last_post_at__gt=F("read_until")))
        .order_by()
        .values("workspace")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), Value(0))


def my_workspaces(*, user: User):
    return (
        visible(user, Workspace)
        .annotate(unread_threads=_unread_threads(user))
        .order_by("status", "-last_activity_at")
    )


def recent_activity(*, user: User, limit: int = 10):
    return (
        visible(user, Post)
        .filter(hidden_at__isnull=True)
        .select_related("author__jurisdiction", "thread__workspace")
        .order_by("-created_at")[:limit]
    )


def workspace_threads(*, user: User, workspace: Workspace):
    read_until = ThreadReadState.objects.filter(user=user, thread=OuterRef("pk")).values(
        "read_until"
    )[:1]
    return (
        visible(user, Thread)
        .filter(workspace=workspace)
        .select_related("author__jurisdiction")
        .annotate(read_until=Subquery(read_until))
    )


@dataclass
class ThreadPage:
    thread: Thread
    capabilities: frozenset
    page: object
    reactions: dict = field(default_factory=dict)
    mine: set = field(default_factory=set)
    first_unread: Post | None = None
    first_unread_page: int | None = None
    read_until: object = None


def thread_page(*, user: User, thread: Thread, page_number=1) -> ThreadPage:
    """One page of a thread's posts in tree order, with reactions, in constant queries.

    Deleted posts stay as placeholders so replies keep their place; their text is never shown.
    """
    capabilities = item_capabilities(user, thread)
    paginator = Paginator(thread.posts.order_by("path"), POSTS_PER_PAGE)
    page = paginator.get_page(page_number)
    page.object_list = list(page.object_list)
    ids = [p.pk for p in page.object_list]
    # A reply's parent is nearly always on the same page; only the others are read. A page
    # has a handful of distinct authors, read once each rather than joined to every post.
    parents = {p.pk: p for p in page.object_list}
    elsewhere = {p.parent_id for p in page.object_list if p.parent_id} - parents.keys()
    if elsewhere:
        parents.update(thread.posts.in_bulk(list(elsewhere)))
    authors = User.objects.select_related("jurisdiction").in_bulk(
        {p.author_id for p in parents.values()}
    )
    for post in parents.values():
        post.author = authors[post.author_id]
    for post in page.object_list:
        if post.parent_id:
            post.parent = parents[post.parent_id]
    reactions: dict[int, dict[str, int]] = {}
    mine = set()
    for post_id, kind, n, own in (
        Reaction.objects.filter(post_id__in=ids)
        .values_list("post_id", "kind")
        .annotate(n=Count("pk"), own=Count("pk", filter=Q(user=user)))
        .order_by()
    ):
        reactions.setdefault(post_id, {})[kind] = n
        if own:
            mine.add((post_id, kind))
    people = DialogueBylines(thread)
    offered = Reaction.Kind.choices
    for post in page.object_list:
        post.shown_author = people.speaker(post.author)
        post.shown_html = people.mentions_html(post.body_html)
        if post.parent_id:
            post.shown_parent_author = people.speaker(post.parent.author)
        counts = reactions.get(post.pk, {})
        # (kind, label, count, mine) for each offered reaction, in a fixed order.
        post.reaction_summary = [
            (kind, label, counts.get(kind, 0), (post.pk, kind) in mine) for kind, label in offered
        ]
    state = ThreadReadState.objects.filter(user=user, thread=thread).first()
    read_until = state.read_until if state else None
    first_unread = None
    if read_until is not None:
        first_unread = (
            thread.posts.filter(created_at__gt=read_until, deleted_at__isnull=True)
            .order_by("created_at")
            .first()
        )
    first_unread_page = None
    if first_unread is not None:
        before = thread.posts.filter(path__lt=first_unread.path).count()
        first_unread_page = before // POSTS_PER_PAGE + 1
    return ThreadPage(
        thread=thread,
        capabilities=capabilities,
        page=page,
        reactions=reactions,
        mine=mine,
        first_unread=first_unread,
        first_unread_page=first_unread_page,
        read_until=read_until,
    )


def mention_candidates(*, user: User, item, query: str, limit: int = 8):
    """People who may see `item` (a thread, or a workspace for a new thread), matching `query`.

    Only ever people who may read what is being written.
    """
    people = people_who_can_view(item).exclude(pk=user.pk).select_related("jurisdiction")
    query = (query or "").strip().lstrip("@")
    if query:
        people = people.filter(Q(handle__istartswith=query) | Q(full_name__icontains=query))
    return people.order_by("handle")[:limit]


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


def workspace_directory(*, user: User):
    """Every workspace's title, for those who may join rosters (the Secretariat): no content."""
    workspaces = list(Workspace.objects.order_by("status", "title"))
    capabilities = workspace_capabilities_for(user, workspaces)
    for workspace in workspaces:
        workspace.on_roster = Capability.VIEW in capabilities[workspace.pk]
    return workspaces
