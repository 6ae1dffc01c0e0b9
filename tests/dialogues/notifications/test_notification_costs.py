"""The bell and the notifications page: what they count and show, and that their cost does not
grow with the number of notifications."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dialogues.models import Notification, Thread
from dialogues.notifications.selectors import (
    NOTIFICATIONS_PER_PAGE,
    unread_notification_count,
    visible_notifications,
)
from dialogues.threads import services as thread_services
from tests.factories import ThreadFactory
from workspaces.models import Workspace

BELL = re.compile(r'class="nav-count" data-nav-count="(\d+)"')


def _notify(recipient, threads, count: int, *, actor) -> None:
    """`count` unread notifications about `threads` (in turn), one second apart."""
    start = timezone.now() - datetime.timedelta(days=1)
    Notification.objects.bulk_create(
        Notification(
            recipient=recipient,
            kind=Notification.Kind.NEW_THREAD,
            actor=actor,
            workspace_id=threads[i % len(threads)].workspace_id,
            thread=threads[i % len(threads)],
            created_at=start + datetime.timedelta(seconds=i),
        )
        for i in range(count)
    )


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _bell(client) -> int:
    page = client.get(reverse("home")).content.decode()
    found = BELL.search(page)
    return int(found.group(1)) if found else 0


def test_notifications_page_queries_do_not_grow_with_notifications(world, dialogue, client_for):
    # Anonymous dialogues name people by pseudonym: those too are read once per page (the
    # first visit numbers the actor in each thread; the pseudonyms are then only read).
    Workspace.objects.filter(pk=dialogue.offsets.pk).update(attribution="anonymous")
    threads = [
        ThreadFactory(workspace=dialogue.offsets, author=world.focal_point, title=f"T{n}")
        for n in range(6)
    ]
    client = client_for(world.member)
    url = reverse("notifications")
    _notify(world.member, threads, 10, actor=world.focal_point)
    _queries(client, url)
    few = _queries(client, url)
    _notify(world.member, threads, 100, actor=world.focal_point)
    many = _queries(client, url)
    assert few == many
    assert _bell(client) == unread_notification_count(user=world.member) >= 110


def test_notifications_page_pages_by_key(world, dialogue, client_for):
    _notify(
        world.member, [dialogue.public_thread], NOTIFICATIONS_PER_PAGE + 5, actor=world.observer
    )
    client = client_for(world.member)
    first = client.get(reverse("notifications"))
    assert len(first.context["notifications"]) == NOTIFICATIONS_PER_PAGE
    older = first.context["page"].older
    assert older and first.context["page"].newer is None
    second = client.get(reverse("notifications"), {"before": older})
    shown = [n.pk for n in first.context["notifications"]]
    rest = [n.pk for n in second.context["notifications"]]
    assert len(rest) == 6  # the dialogue fixture's own reply notification, and these five
    assert not set(shown) & set(rest)
    assert set(shown) | set(rest) == set(
        visible_notifications(user=world.member).values_list("pk", flat=True)
    )


def test_bell_and_page_drop_a_notification_whose_thread_became_invisible(
    world, dialogue, client_for
):
    other = ThreadFactory(workspace=dialogue.offsets, author=world.member, title="Stays visible")
    Notification.objects.filter(recipient=world.observer).delete()
    _notify(world.observer, [dialogue.public_thread, other], 4, actor=world.member)
    client = client_for(world.observer)
    assert unread_notification_count(user=world.observer) == 4
    assert _bell(client) == 4
    # The thread becomes full members only: the observer may no longer see it, nor count it.
    Thread.objects.filter(pk=dialogue.public_thread.pk).update(audience="full_members")
    assert unread_notification_count(user=world.observer) == 2
    assert _bell(client) == 2
    page = client.get(reverse("notifications"))
    assert {n.thread_id for n in page.context["notifications"]} == {other.pk}
    # And a deleted thread counts for nobody.
    Thread.objects.filter(pk=other.pk).update(deleted_at=timezone.now())
    assert unread_notification_count(user=world.observer) == 0
    assert _bell(client) == 0


def test_the_bell_is_read_afresh_on_every_request(world, dialogue, client_for):
    """The count is kept for one request only: the next request sees a new notification and
    one marked read, and a count never passes from one reader to another."""
    client = client_for(world.member)
    before = _bell(client)
    thread_services.post_reply(
        actor=world.observer, thread=dialogue.public_thread, parent=dialogue.opening, body="More"
    )
    assert _bell(client) == before + 1
    client.post(reverse("notifications_read"))
    assert _bell(client) == 0
    other = client_for(world.observer)
    Notification.objects.filter(recipient=world.observer).update(read_at=timezone.now())
    _notify(world.observer, [dialogue.public_thread], 3, actor=world.member)
    assert _bell(other) == 3
    assert _bell(client) == 0
