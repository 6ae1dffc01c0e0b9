"""Search returns only what the user may see, with highlighted snippets."""

from dialogues.search.services import search
from dialogues.threads import services as thread_services


def titles(hits):
    return {(h.kind, h.title) for h in hits}


def test_search_finds_visible_threads_and_posts_with_highlights(world, dialogue):
    thread_services.post_reply(
        actor=world.member,
        thread=dialogue.public_thread,
        body="Permanence buffers for forestry removals need review.",
    )
    hits = search(user=world.member, query="permanence buffers")
    assert ("post", "Quality criteria for offsets") in titles(hits)
    post_hit = next(h for h in hits if h.kind == "post")
    assert "<mark>" in post_hit.snippet and "ermanence" in post_hit.snippet


def test_search_never_returns_invisible_items(world, dialogue):
    # The closed dialogue's thread, and the full-members thread for an observer.
    assert not search(user=world.member, query="Registry interoperability")
    assert not search(user=world.observer, query="Negotiating position")
    assert titles(search(user=world.member, query="Negotiating position"))
    assert not search(user=world.secretariat, query="Secret linking")


def test_hidden_posts_match_only_for_their_author(world, dialogue):
    post = thread_services.post_reply(
        actor=world.observer, thread=dialogue.public_thread, body="Contested sequestration estimate"
    )
    thread_services.post_set_hidden(actor=world.secretariat, post=post, hidden=True, reason="Check")
    assert not search(user=world.member, query="sequestration estimate")
    assert search(user=world.observer, query="sequestration estimate")


def test_snippets_escape_html(world, dialogue):
    thread_services.post_reply(
        actor=world.member,
        thread=dialogue.public_thread,
        body="Use `<script>` tags? No: benchmark carefully.",
    )
    hits = search(user=world.member, query="benchmark")
    snippet = next(h for h in hits if h.kind == "post").snippet
    assert "<script>" not in snippet


def test_post_search_is_answered_from_the_index_on_postgresql(world, dialogue):
    """Posts match on their stored vector's GIN index (migration 0009), and the stored vector is
    the text the search highlights: a new post is found by a word of it at once."""
    import pytest
    from django.db import connection

    from dialogues.models import Post
    from dialogues.search.services import posts_matching

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no full-text index here")
    post = thread_services.post_reply(
        actor=world.member, thread=dialogue.public_thread, body="Zeolite <b>sorbents</b> tested."
    )
    assert list(posts_matching(Post.objects.all(), "sorbents").values_list("pk", flat=True)) == [
        post.pk
    ]
    sql, params = posts_matching(Post.objects.all(), "zeolite").values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        # No sequential scan, nor its twin on a tiny table: a whole other index read in order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "dialogues_post_search_vector" in plan, plan


def test_the_page_says_when_a_kind_filled_its_page(world, dialogue, client_for):
    """A kind with LIMIT hits was ranked among its most recent matches: the page says so, and
    says nothing when every match is shown."""
    from dialogues.search.services import LIMIT

    client = client_for(world.member)
    note = "these are the best of the most recent matches"
    for n in range(LIMIT - 1):
        thread_services.post_reply(
            actor=world.member, thread=dialogue.public_thread, body=f"Banking provisions {n}."
        )
    assert note not in client.get("/search/?q=banking").content.decode()
    thread_services.post_reply(
        actor=world.member, thread=dialogue.public_thread, body="Banking provisions, once more."
    )
    assert note in client.get("/search/?q=banking").content.decode()
