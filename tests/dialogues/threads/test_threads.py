"""Threads and posts: nesting, quoting, mentions, reactions, edits, deletion, unread tracking."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.markup import render_markdown
from dialogues.models import MAX_DEPTH, Notification, PostRevision, Reaction, ThreadReadState
from dialogues.threads import services as thread_services
from dialogues.threads.selectors import mention_candidates, thread_page


def test_replies_nest_and_flatten_past_the_cap(world, dialogue):
    parent = dialogue.opening
    chain = []
    for level in range(MAX_DEPTH + 2):
        parent = thread_services.post_reply(
            actor=world.member, thread=dialogue.public_thread, parent=parent, body=f"L{level}"
        )
        chain.append(parent)
    assert [p.depth for p in chain] == [1, 2, 3, 4, 4, 4]
    # Tree order: each post follows its parent.
    page = thread_page(user=world.member, thread=dialogue.public_thread)
    order = [p.pk for p in page.page.object_list]
    for post in chain:
        assert order.index(post.parent_id) < order.index(post.pk)


def test_observer_may_not_open_full_members_thread(world, dialogue):
    with pytest.raises(PermissionDenied):
        thread_services.thread_create(
            actor=world.observer,
            workspace=dialogue.offsets,
            title="x",
            body="y",
            audience="full_members",
        )


def test_empty_or_huge_posts_are_refused_cleanly(world, dialogue):
    count = dialogue.public_thread.posts.count()
    with pytest.raises(ValidationError):
        thread_services.post_reply(actor=world.member, thread=dialogue.public_thread, body="   ")
    with pytest.raises(ValidationError):
        thread_services.post_reply(
            actor=world.member, thread=dialogue.public_thread, body="x" * 60_000
        )
    assert dialogue.public_thread.posts.count() == count


def test_markup_is_rendered_once_and_safe():
    html = render_markdown(
        "<script>alert(1)</script> [x](javascript:alert(1)) [y](data:text/html,hi) "
        "![img](https://evil.example/p.png) <img src=x onerror=alert(1)> **ok** https://a.org"
    )
    assert "<script" not in html and "onerror" not in html.replace("onerror=alert(1)&gt;", "")
    assert "<img" not in html
    assert 'href="javascript' not in html and 'href="data' not in html
    assert "<strong>ok</strong>" in html
    assert 'rel="noopener nofollow noreferrer"' in html


def test_mentions_notify_only_people_who_may_see_the_thread(world, dialogue):
    post = thread_services.post_reply(
        actor=world.member,
        thread=dialogue.members_thread,
        body="Asking @observer and @focal and @kiwi",
    )
    notified = set(
        Notification.objects.filter(post=post, kind="mention").values_list(
            "recipient__handle", flat=True
        )
    )
    assert notified == {"focal"}  # observer: full members only; kiwi: not on the roster
    assert '<span class="mention">@focal</span>' in post.body_html
    assert '<span class="mention">@observer</span>' not in post.body_html


def test_mention_autocomplete_offers_only_readers(world, dialogue):
    handles = {
        u.handle
        for u in mention_candidates(user=world.member, item=dialogue.members_thread, query="")
    }
    assert "observer" not in handles and "kiwi" not in handles
    assert {"focal", "secretariat"} <= handles
    public = {
        u.handle
        for u in mention_candidates(user=world.member, item=dialogue.public_thread, query="obs")
    }
    assert public == {"observer"}


def test_reply_notifies_the_parent_author_once(world, dialogue):
    thread_services.post_reply(
        actor=world.member,
        thread=dialogue.public_thread,
        parent=dialogue.reply,
        body="Thanks @observer",
    )
    assert (
        Notification.objects.filter(
            recipient=world.observer, kind__in=["reply", "mention"], post__parent=dialogue.reply
        ).count()
        == 1
    )


def test_reactions_toggle_and_need_contribution_rights(world, dialogue):
    assert thread_services.reaction_toggle(actor=world.member, post=dialogue.reply, kind="agree")
    assert not thread_services.reaction_toggle(
        actor=world.member, post=dialogue.reply, kind="agree"
    )
    with pytest.raises(ValidationError):
        thread_services.reaction_toggle(actor=world.member, post=dialogue.reply, kind="love")
    dialogue.offsets.observer_policy = "read"
    dialogue.offsets.save()
    with pytest.raises(PermissionDenied):
        thread_services.reaction_toggle(actor=world.observer, post=dialogue.opening, kind="agree")
    assert Reaction.objects.count() == 0


def test_edit_keeps_history_and_only_the_author_edits(world, dialogue):
    thread_services.post_edit(
        actor=world.observer, post=dialogue.reply, body="Chile's revised view."
    )
    dialogue.reply.refresh_from_db()
    assert dialogue.reply.edited_at is not None
    assert PostRevision.objects.get(post=dialogue.reply).body_source == "Chile's view on it."
    with pytest.raises(PermissionDenied):
        thread_services.post_edit(actor=world.member, post=dialogue.reply, body="hijack")


def test_authors_soft_delete_their_own_posts(world, dialogue):
    with pytest.raises(PermissionDenied):
        thread_services.post_delete(actor=world.member, post=dialogue.reply)
    thread_services.post_delete(actor=world.observer, post=dialogue.reply)
    dialogue.reply.refresh_from_db()
    assert dialogue.reply.deleted_at is not None
    assert dialogue.reply.body_source  # kept, never shown


def test_deleting_the_opening_post_removes_the_thread(world, dialogue):
    thread_services.post_delete(actor=world.member, post=dialogue.opening)
    dialogue.public_thread.refresh_from_db()
    assert dialogue.public_thread.deleted_at is not None


def test_unread_tracking_and_first_unread(world, dialogue):
    thread = dialogue.public_thread
    page = thread_page(user=world.member, thread=thread)
    assert page.first_unread == dialogue.reply  # the member wrote the opening post only
    thread_services.thread_mark_read(
        actor=world.member, thread=thread, until=thread.posts.latest("created_at").created_at
    )
    later = thread_services.post_reply(actor=world.observer, thread=thread, body="More.")
    page = thread_page(user=world.member, thread=thread)
    assert page.first_unread == later
    # The mark never moves back.
    thread_services.thread_mark_read(
        actor=world.member, thread=thread, until=later.created_at - datetime.timedelta(days=1)
    )
    state = ThreadReadState.objects.get(user=world.member, thread=thread)
    assert state.read_until >= later.created_at - datetime.timedelta(seconds=1)


def test_headings_in_posts_stay_below_the_page_headings():
    html = render_markdown("# Big\n\n### Medium\n\n###### Small")
    assert "<h4>Big</h4>" in html and "<h6>Medium</h6>" in html and "<h6>Small</h6>" in html
    assert "<h1" not in html and "<h2" not in html and "<h3" not in html
