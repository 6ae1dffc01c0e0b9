"""The dashboard's unread counts: right for each dialogue, in queries that do not grow with
the number of threads or dialogues; and the signed-in layout's policy reads, fresh on every
request."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from dialogues.threads import selectors
from dialogues.threads import services as thread_services
from tests.factories import ThreadFactory, WorkspaceFactory


def _home(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response, len(queries)


def _unread(response) -> dict[str, int]:
    return {w.slug: w.unread_threads for w in response.context["workspaces"]}


def test_dashboard_queries_do_not_grow_with_threads(world, dialogue, client_for):
    client = client_for(world.member)
    for _ in range(10):
        ThreadFactory(workspace=dialogue.offsets, author=world.focal_point)
    _home(client)
    _response, few = _home(client)
    for n in range(90):
        ThreadFactory(workspace=dialogue.offsets, author=world.focal_point)
        if n % 30 == 0:
            WorkspaceFactory(created_by=world.secretariat, jurisdictions=[world.eu])
    response, many = _home(client)
    assert few == many
    # These hundred, and the fixture's thread with the observer's reply the member has not read.
    assert _unread(response)["offsets"] == 101


def test_dashboard_counts_unread_threads(world, dialogue, client_for):
    client = client_for(world.member)
    response, _n = _home(client)
    # The member wrote both threads (an author has read their own thread); the observer's
    # reply came after.
    assert _unread(response) == {"offsets": 1}
    assert selectors.unread_thread_counts(world.member) == {dialogue.offsets.pk: 1}
    thread = reverse("thread_detail", kwargs={"slug": "offsets", "pk": dialogue.public_thread.pk})
    client.get(thread)
    assert _unread(_home(client)[0]) == {"offsets": 0}
    # A new post after the reader's mark makes the thread unread again; a new thread too.
    thread_services.post_reply(actor=world.focal_point, thread=dialogue.public_thread, body="New")
    assert _unread(_home(client)[0]) == {"offsets": 1}
    thread_services.thread_create(
        actor=world.focal_point,
        workspace=dialogue.offsets,
        title="Members only",
        body="For full members.",
        audience="full_members",
    )
    assert _unread(_home(client)[0]) == {"offsets": 2}
    # The observer does not see the full-members-only threads, nor count them.
    assert selectors.unread_thread_counts(world.observer) == {dialogue.offsets.pk: 1}


def test_layout_reads_the_policy_afresh_on_each_request(world, dialogue, client_for):
    """Two requests of one signed-in client, a role change between them: the second page's
    navigation shows what the new role allows (nothing is kept from one request to the next)."""
    client = client_for(world.member)
    membership = reverse("membership")
    assert membership not in client.get(reverse("home")).content.decode()
    User.objects.filter(pk=world.member.pk).update(is_focal_point=True)
    assert membership in client.get(reverse("home")).content.decode()
    User.objects.filter(pk=world.member.pk).update(is_focal_point=False)
    assert membership not in client.get(reverse("home")).content.decode()
