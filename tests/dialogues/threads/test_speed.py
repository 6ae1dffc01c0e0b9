"""Pages use a constant number of queries however large the data grows."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialogues.meetings import minutes as meeting_minutes
from dialogues.meetings import services as meetings
from dialogues.models import Post, Thread
from dialogues.threads import services as thread_services
from tests.factories import ThreadFactory, WorkspaceFactory


def _grow(thread: Thread, author, count: int) -> None:
    """Add `count` replies quickly (bulk, as the services would store them)."""
    opening = thread.posts.get(depth=0)
    start = timezone.now()
    posts = Post.objects.bulk_create(
        Post(
            thread=thread,
            parent=opening,
            depth=1,
            author=author,
            body_source=f"Reply {i}",
            body_html=f"<p>Reply {i}</p>",
            path="",
            created_at=start + datetime.timedelta(seconds=i),
        )
        for i in range(count)
    )
    for post in posts:
        post.path = f"{opening.path}.{post.pk:010d}"
    Post.objects.bulk_update(posts, ["path"])
    Thread.objects.filter(pk=thread.pk).update(post_count=count + 1)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_thread_page_queries_do_not_grow_with_posts(world, dialogue, client_for):
    small = ThreadFactory(workspace=dialogue.offsets, author=world.member, title="Small")
    large = ThreadFactory(workspace=dialogue.offsets, author=world.member, title="Large")
    _grow(small, world.observer, 10)
    _grow(large, world.observer, 1000)
    # Reactions on many posts must not add queries either.
    for post in large.posts.all()[:50]:
        thread_services.reaction_toggle(actor=world.member, post=post, kind="agree")
    client = client_for(world.member)
    slug = dialogue.offsets.slug
    small_url = reverse("thread_detail", kwargs={"slug": slug, "pk": small.pk})
    large_url = reverse("thread_detail", kwargs={"slug": slug, "pk": large.pk})
    _queries(client, small_url)  # warm caches (content types, permissions)
    assert _queries(client, small_url) == _queries(client, large_url)


def test_dashboard_and_thread_list_queries_are_constant(world, dialogue, client_for):
    client = client_for(world.member)
    home = reverse("home")
    threads_url = reverse("workspace_detail", kwargs={"slug": "offsets"})
    _queries(client, home)
    before = (_queries(client, home), _queries(client, threads_url))
    for _ in range(15):
        workspace = WorkspaceFactory(created_by=world.secretariat, jurisdictions=[world.eu])
        ThreadFactory(workspace=workspace, author=world.member)
        ThreadFactory(workspace=dialogue.offsets, author=world.member)
    after = (_queries(client, home), _queries(client, threads_url))
    assert before == after


def _session_in_review(world, workspace, items: int):
    """A session whose minutes are in review: `items` agenda items, each with minutes, an
    action and a review comment."""
    from dialogues.models import DialogueSession

    start = timezone.now() + datetime.timedelta(days=7)
    session = meetings.session_create(
        actor=world.secretariat,
        workspace=workspace,
        title=f"Session of {items}",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        time_zone="Europe/Berlin",
    )
    for n in range(items):
        meetings.agenda_item_save(
            actor=world.secretariat,
            session=session,
            title=f"Item {n}",
            duration_minutes=10,
            presenter_id=world.member.pk,
        )
    for step in ("schedule", "start", "end"):
        session = meetings.session_transition(actor=world.secretariat, session=session, name=step)
    for item in session.agenda.all():
        meeting_minutes.minutes_save(
            actor=world.secretariat, session=session, item=item, summary="S", decisions="D"
        )
        meeting_minutes.action_add(
            actor=world.secretariat,
            session=session,
            item=item,
            description="Follow up",
            owner_id=world.member.pk,
            due_date=start.date() + datetime.timedelta(days=30),
        )
    meeting_minutes.minutes_share(actor=world.secretariat, session=session)
    for item in session.agenda.all():
        meeting_minutes.minutes_comment_add(
            actor=world.member, session=session, body="Ok", item=item
        )
    return DialogueSession.objects.get(pk=session.pk)


def test_session_page_queries_do_not_grow_with_the_agenda(world, dialogue, client_for):
    small = _session_in_review(world, dialogue.offsets, 1)
    large = _session_in_review(world, dialogue.offsets, 12)

    def url(session):
        return reverse("session_detail", kwargs={"slug": "offsets", "pk": session.pk})

    for reader in (world.secretariat, world.member):
        client = client_for(reader)
        _queries(client, url(small))  # warm caches (content types, permissions)
        assert _queries(client, url(small)) == _queries(client, url(large)), reader.email
