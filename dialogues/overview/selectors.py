"""Reads for the dashboard: what moved in the reader's dialogues, one entry per thread."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.db.models.lookups import IsNull
from django.urls import reverse

from accounts.models import User
from dialogues.attribution.bylines import Speaker, context_of
from dialogues.models import Post, Thread, ThreadReadState
from dialogues.threads.selectors import POSTS_PER_PAGE
from workspaces.access import visible
from workspaces.attribution import for_places

ACTIVITY_THREADS = 8
# The latest few people shown for each thread (read from its most recent posts).
ACTIVITY_AUTHORS = 3
_RECENT_POSTS_READ = 12


@dataclass
class ThreadActivity:
    """A thread with recent posts, as the dashboard shows it to one reader."""

    thread: Thread
    new_replies: int  # replies by others since the reader's mark, hidden ones left out
    is_new: bool  # a thread by someone else that the reader never opened
    latest_at: datetime.datetime
    unread_url: str  # the thread at its first unread post (the thread's top if none)
    authors: list[Speaker] = field(default_factory=list)

    @property
    def is_unread(self) -> bool:
        return self.is_new or self.new_replies > 0


def _unread_after() -> Q:
    """Posts after the reader's mark on their thread (every post of a thread never opened); the
    outer query annotates `read_until`."""
    return Q(created_at__gt=OuterRef("read_until")) | Q(IsNull(OuterRef("read_until"), True))


def recent_thread_activity(*, user: User, limit: int = ACTIVITY_THREADS) -> list[ThreadActivity]:
    """The threads the reader may see, latest activity first, each once, with how many replies
    came since the reader last read it, the latest few authors as the attribution mode shows
    them outside the live view, and a link to its first unread post.

    Constant queries whatever the number of threads, posts or dialogues: one for the threads
    (the counts and the first unread post as subqueries), one for their latest posts and
    authors, one for the pseudonyms of every context shown."""
    read_until = ThreadReadState.objects.filter(user=user, thread=OuterRef("pk")).values(
        "read_until"
    )[:1]
    shown = Post.objects.filter(
        thread=OuterRef("pk"), hidden_at__isnull=True, deleted_at__isnull=True
    )
    new_replies = (
        shown.filter(_unread_after(), depth__gt=0)
        .exclude(author=user)
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # The first unread post as the thread page finds it (deleted posts skipped, hidden ones
    # kept: they hold their place on the page), and how many posts come before it in the
    # page order, for the page number.
    first_unread = Post.objects.filter(
        Q(created_at__gt=OuterRef("read_until")),
        thread=OuterRef("pk"),
        deleted_at__isnull=True,
    ).order_by("created_at", "pk")
    before_first_unread = (
        Post.objects.filter(thread=OuterRef("pk"), path__lt=OuterRef("first_unread_path"))
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    threads = list(
        visible(user, Thread)
        .select_related("workspace")
        .annotate(
            read_until=Subquery(read_until),
            new_replies=Subquery(new_replies),
            first_unread_id=Subquery(first_unread.values("pk")[:1]),
            first_unread_path=Subquery(first_unread.values("path")[:1]),
        )
        .annotate(before_first_unread=Subquery(before_first_unread))
        .order_by("-last_post_at", "-pk")[:limit]
    )
    if not threads:
        return []
    latest = (
        Post.objects.filter(
            thread_id__in=[t.pk for t in threads], hidden_at__isnull=True, deleted_at__isnull=True
        )
        .select_related("author__jurisdiction")
        .annotate(
            rank=Window(RowNumber(), partition_by=F("thread_id"), order_by=F("created_at").desc())
        )
        .filter(rank__lte=_RECENT_POSTS_READ)
        .order_by("thread_id", "-created_at")
    )
    recent: dict[int, list[Post]] = {}
    for post in latest:
        recent.setdefault(post.thread_id, []).append(post)
    # The dashboard is outside the live view: Chatham House names nobody here.
    places = {thread.pk: context_of(thread) for thread in threads}
    bylines = for_places(list(dict.fromkeys(places.values())), outside=True)
    activity = []
    for thread in threads:
        people = bylines[places[thread.pk][1]]
        authors: dict[str, Speaker] = {}
        for post in recent.get(thread.pk, []):
            speaker = people.speaker(post.author)
            authors.setdefault(str(speaker), speaker)
            if len(authors) == ACTIVITY_AUTHORS:
                break
        url = reverse("thread_detail", kwargs={"slug": thread.workspace.slug, "pk": thread.pk})
        if thread.first_unread_id is not None:
            page = (thread.before_first_unread or 0) // POSTS_PER_PAGE + 1
            url = f"{url}?page={page}#post-{thread.first_unread_id}"
        activity.append(
            ThreadActivity(
                thread=thread,
                new_replies=thread.new_replies or 0,
                is_new=thread.read_until is None and thread.author_id != user.pk,
                latest_at=thread.last_post_at,
                unread_url=url,
                authors=list(authors.values()),
            )
        )
    return activity
