"""A dialogue's thread list a page at a time: pinned first, then by last activity; the same
queries however many threads; nothing the reader may not see listed or counted."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialogues.models import Thread
from dialogues.threads.selectors import THREADS_PER_PAGE
from workspaces.models import Audience


def _threads(workspace, author, count: int, *, prefix: str, **fields) -> None:
    """`count` threads, `<prefix>-0` the least recently active (rows only: the list reads no
    post)."""
    start = timezone.now() - datetime.timedelta(days=30)
    Thread.objects.bulk_create(
        Thread(
            workspace=workspace,
            author=author,
            title=f"{prefix}-{i:03d}",
            last_post_at=start + datetime.timedelta(minutes=i),
            post_count=i + 1,
            **fields,
        )
        for i in range(count)
    )


def _titles(html: str) -> list[str]:
    return re.findall(r'class="thread-link"[^>]*>([^<]+)</a>', html)


def _url(dialogue) -> str:
    return reverse("workspace_detail", kwargs={"slug": dialogue.offsets.slug})


def test_pinned_first_then_by_activity_across_pages(world, dialogue, client_for):
    _threads(dialogue.offsets, world.member, THREADS_PER_PAGE + 5, prefix="t")
    Thread.objects.filter(title="t-000").update(pinned_at=timezone.now())
    client = client_for(world.member)
    first = _titles(client.get(_url(dialogue)).content.decode())
    second = _titles(client.get(_url(dialogue), {"page": 2}).content.decode())
    assert first[0] == "t-000" and len(first) == THREADS_PER_PAGE
    everything = first + second
    assert len(everything) == len(set(everything)) == THREADS_PER_PAGE + 5 + 2
    # After the pinned one: the fixture's two threads (active now), then the rest, newest first.
    assert set(everything[1:3]) == {dialogue.public_thread.title, dialogue.members_thread.title}
    assert everything[3:] == [f"t-{i:03d}" for i in range(THREADS_PER_PAGE + 4, 0, -1)]
    assert not set(first) & set(second)


@pytest.mark.parametrize("page", ["abc", "0", "9" * 30, "1e999"])
def test_a_page_number_that_is_no_page_shows_a_page(world, dialogue, client_for, page):
    _threads(dialogue.offsets, world.member, THREADS_PER_PAGE + 1, prefix="t")
    response = client_for(world.member).get(_url(dialogue), {"page": page})
    assert response.status_code == 200 and _titles(response.content.decode())


def test_the_page_costs_the_same_queries_however_many_threads(world, dialogue, client_for):
    client = client_for(world.member)

    def queries(params=None) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(dialogue), params or {}).status_code == 200
        return len(captured)

    queries()  # warm caches
    _threads(dialogue.offsets, world.observer, 10, prefix="few")
    few = queries()
    _threads(dialogue.offsets, world.member_nz, 150, prefix="many")
    assert queries() == few
    assert queries({"page": 3}) == few


def test_an_observer_neither_sees_nor_pages_through_full_members_threads(
    world, dialogue, client_for
):
    _threads(
        dialogue.offsets,
        world.member,
        THREADS_PER_PAGE + 5,
        prefix="closed",
        audience=Audience.FULL_MEMBERS,
    )
    html = client_for(world.observer).get(_url(dialogue)).content.decode()
    assert not [t for t in _titles(html) if t.startswith("closed")]
    assert 'class="pagination"' not in html
    member = client_for(world.member).get(_url(dialogue)).content.decode()
    assert 'class="pagination"' in member
