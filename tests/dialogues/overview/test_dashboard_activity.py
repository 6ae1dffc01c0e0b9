"""The dashboard's recent activity: one entry per thread (not one per post), newest first,
"N new replies in …" since the reader's mark, the latest authors as the attribution mode shows
them outside the live view, a link to the first unread post; only what the reader may see, in
queries that do not grow with threads or posts. The dialogue cards show each dialogue's rules
with the workspace header's own partial."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dialogues.attribution.services import attribution_set
from dialogues.overview.selectors import recent_thread_activity
from dialogues.threads import services as thread_services
from tests.factories import ThreadFactory


def _reply(thread, author, n=1):
    return [
        thread_services.post_reply(actor=author, thread=thread, body=f"Reply {i}.")
        for i in range(n)
    ]


def _home(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _activity(html: str) -> str:
    return html[html.index('id="activity-heading"') :]


def test_one_entry_per_thread_with_its_new_replies(world, dialogue, client_for):
    client = client_for(world.member)
    thread = dialogue.public_thread
    thread_services.thread_mark_read(actor=world.member, thread=thread)
    _reply(thread, world.focal_point, 5)
    html = _activity(_home(client)[0])
    assert html.count("Quality criteria for offsets") == 2  # the heading, and the jump link's
    assert "5 new replies in Quality criteria for offsets" in html
    activity = recent_thread_activity(user=world.member)
    assert [a.thread for a in activity] == [thread, dialogue.members_thread]
    assert activity[0].new_replies == 5 and activity[0].is_unread
    # The member wrote the other thread: nothing new there.
    assert not activity[1].is_unread
    _reply(thread, world.member)  # replying, one has read the thread: nothing new
    assert recent_thread_activity(user=world.member)[0].new_replies == 0
    # Newest activity first.
    _reply(dialogue.members_thread, world.focal_point)
    activity = recent_thread_activity(user=world.member)
    assert [a.thread for a in activity] == [dialogue.members_thread, thread]
    assert "1 new reply in Negotiating position on removals" in _activity(_home(client)[0])


def test_jump_to_the_first_unread_post(world, dialogue, client_for):
    thread = dialogue.public_thread
    thread_services.thread_mark_read(actor=world.member, thread=thread)
    first, _second = _reply(thread, world.focal_point, 2)
    entry = recent_thread_activity(user=world.member)[0]
    url = reverse("thread_detail", kwargs={"slug": "offsets", "pk": thread.pk})
    assert entry.unread_url == f"{url}?page=1#post-{first.pk}"
    html = _activity(_home(client_for(world.member))[0])
    assert f'href="{url}?page=1#post-{first.pk}"' in html
    assert "Jump to first unread" in html
    # The page agrees: the thread's own first-unread link goes to the same place.
    response = client_for(world.member).get(
        reverse("thread_unread", kwargs={"slug": "offsets", "pk": thread.pk})
    )
    assert response.url == entry.unread_url


def test_a_thread_never_opened_is_new(world, dialogue):
    thread = ThreadFactory(workspace=dialogue.offsets, author=world.focal_point, title="Fresh")
    entry = recent_thread_activity(user=world.member)[0]
    assert entry.thread == thread and entry.is_new and entry.new_replies == 0
    _reply(thread, world.observer, 2)
    assert recent_thread_activity(user=world.member)[0].new_replies == 2


def test_only_what_the_reader_may_see(world, dialogue, client_for):
    _reply(dialogue.members_thread, world.focal_point, 3)
    _reply(dialogue.closed_thread, world.member_nz, 2)
    threads = [a.thread for a in recent_thread_activity(user=world.observer)]
    assert threads == [dialogue.public_thread]
    html = _home(client_for(world.observer))[0]
    assert "Negotiating position" not in html and "Registry interoperability" not in html
    # A hidden post neither counts nor names its author.
    thread_services.thread_mark_read(actor=world.member, thread=dialogue.public_thread)
    hidden = _reply(dialogue.public_thread, world.observer)[0]
    thread_services.post_set_hidden(
        actor=world.secretariat, post=hidden, hidden=True, reason="Off topic."
    )
    entry = recent_thread_activity(user=world.member)[0]
    assert entry.thread == dialogue.public_thread and entry.new_replies == 0


def _authors(user):
    return {a.thread.pk: [s.name for s in a.authors] for a in recent_thread_activity(user=user)}


def test_latest_authors_as_the_attribution_shows_them(world, dialogue, client_for):
    thread = dialogue.public_thread
    _reply(thread, world.focal_point)
    names = _authors(world.member)[thread.pk]
    assert names[:2] == [world.focal_point.full_name, world.observer.full_name]
    assert len(names) <= 3
    # Chatham House: the dashboard is outside the live view, so it names nobody.
    attribution_set(actor=world.secretariat, workspace=dialogue.offsets, mode="chatham_house")
    assert _authors(world.member)[thread.pk] == ["A participant"]
    html = _activity(_home(client_for(world.member))[0])
    for person in (world.focal_point, world.observer, world.member):
        assert person.full_name not in html
    # Anonymous: pseudonyms only.
    attribution_set(actor=world.secretariat, workspace=dialogue.offsets, mode="anonymous")
    names = _authors(world.member)[thread.pk]
    assert names and all(re.fullmatch(r"Participant \d+", name) for name in names)


def test_queries_do_not_grow_with_threads_or_posts(world, dialogue, client_for):
    client = client_for(world.member)
    _home(client)
    _html, few = _home(client)
    for n in range(12):
        thread = ThreadFactory(workspace=dialogue.offsets, author=world.focal_point)
        _reply(thread, world.observer if n % 2 else world.focal_point, 3)
    attribution_set(actor=world.secretariat, workspace=dialogue.offsets, mode="chatham_house")
    html, many = _home(client)
    assert few == many
    assert _activity(html).count('<li class="activity__item') == 8


def test_cards_show_the_rules_like_the_workspace_header(world, dialogue, client_for):
    attribution_set(actor=world.secretariat, workspace=dialogue.offsets, mode="chatham_house")
    client = client_for(world.member)
    home = _home(client)[0]
    header = client.get(reverse("workspace_detail", kwargs={"slug": "offsets"})).content.decode()
    rules = re.compile(r'<span class="workspace-modes">.*?</span></span>', re.S)
    card = rules.search(home).group(0)
    assert card == rules.search(header).group(0)
    assert "Observers contribute" in card and "Chatham House" in card
