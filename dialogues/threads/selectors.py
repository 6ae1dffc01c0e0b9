"""Reads of workspaces, threads and posts that users see, filtered by the access policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery

from accounts.models import User
from dialogues.attribution.bylines import DialogueBylines
from dialogues.models import (
    Post,
    Reaction,
    Thread,
    ThreadReadState,
)
from workspaces.access import (
    item_capabilities,
    people_who_can_view,
    visible,
)
from workspaces.models import Document, Workspace

POSTS_PER_PAGE = 100


def unread_thread_counts(user: User) -> dict[int, int]:
    """Per workspace id: the visible threads with posts newer than the reader's mark (or never
    opened). One grouped query, the read state probed once per thread (an anti-join on the
    reader's few marks), whatever the number of workspaces."""
    caught_up = ThreadReadState.objects.filter(
        user=user, thread=OuterRef("pk"), read_until__gte=OuterRef("last_post_at")
    )
    return dict(
        visible(user, Thread)
        .filter(~Exists(caught_up))
        .order_by()
        .values("workspace_id")
        .annotate(n=Count("pk"))
        .values_list("workspace_id", "n")
    )


def my_workspaces(*, user: User) -> list[Workspace]:
    """The user's dialogues, open ones first, each with `unread_threads`, in two queries."""
    workspaces = list(visible(user, Workspace).order_by("status", "-last_activity_at"))
    unread = unread_thread_counts(user) if workspaces else {}
    for workspace in workspaces:
        workspace.unread_threads = unread.get(workspace.pk, 0)
    return workspaces


THREADS_PER_PAGE = 25


def workspace_threads(*, user: User, workspace: Workspace):
    """The threads of `workspace` the user may see, pinned first, then by last activity, with
    how far the user has read each: page it, and the read state is read for that page only."""
    read_until = ThreadReadState.objects.filter(user=user, thread=OuterRef("pk")).values(
        "read_until"
    )[:1]
    return (
        visible(user, Thread)
        .filter(workspace=workspace)
        .select_related("author__jurisdiction")
        .annotate(read_until=Subquery(read_until))
        .order_by(F("pinned_at").desc(nulls_last=True), "-last_post_at", "-pk")
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
    # A page has a handful of authors: each byline is made once, each label translated once.
    speakers = {}

    def speaker(author):
        key = author.pk if author is not None else None
        if key not in speakers:
            speakers[key] = people.speaker(author)
        return speakers[key]

    offered = [(kind, str(label)) for kind, label in Reaction.Kind.choices]
    for post in page.object_list:
        post.shown_author = speaker(post.author)
        post.shown_html = people.mentions_html(post.body_html)
        if post.parent_id:
            post.shown_parent_author = speaker(post.parent.author)
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


def document_discussion(user: User, document: Document) -> Thread | None:
    """A document's discussion thread, if it stands and `user` may see it (the document page
    shows it through workspaces.page_hooks)."""
    return visible(user, Thread).filter(document=document, deleted_at__isnull=True).first()
