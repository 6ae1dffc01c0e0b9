"""Cached post fragments: a warm cache shows every reader exactly what a fresh render would.

dialogues/threads/post_fragments.py keys each post's HTML by a digest of everything the template
shows; these tests hold it to that: nothing of one reader reaches another, and every change
to a post, its reactions or its author shows at once.
"""

import copy
import re

import pytest
from django.core.cache import caches
from django.middleware.csrf import _unmask_cipher_token
from django.urls import reverse

from accounts.models import User
from dialogues.attribution.services import attribution_set
from dialogues.models import Reaction, ThreadReadState
from dialogues.threads import services as thread_services
from dialogues.threads.post_fragments import CACHE_ALIAS, CSRF_PLACEHOLDER

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def empty_fragment_cache():
    caches[CACHE_ALIAS].clear()
    yield
    caches[CACHE_ALIAS].clear()


@pytest.fixture
def busy_thread(world, dialogue):
    """A thread with what changes a post's HTML: reactions, an edit, a hidden and a deleted
    post, a reply to the deleted one, posts by several authors."""
    thread = dialogue.public_thread
    thread_services.reaction_toggle(
        actor=world.member, post=dialogue.reply, kind=Reaction.Kind.choices[0][0]
    )
    thread_services.post_edit(
        actor=world.observer, post=dialogue.reply, body="Chile's edited view."
    )
    hidden = thread_services.post_reply(
        actor=world.focal_point, thread=thread, body="Off-topic aside"
    )
    thread_services.post_set_hidden(
        actor=world.secretariat, post=hidden, hidden=True, reason="Aside"
    )
    doomed = thread_services.post_reply(actor=world.member, thread=thread, body="Withdrawn remark")
    thread_services.post_reply(
        actor=world.focal_point, thread=thread, parent=doomed, body="On that…"
    )
    thread_services.post_delete(actor=world.member, post=doomed)
    return thread


def thread_url(thread):
    return reverse("thread_detail", kwargs={"slug": thread.workspace.slug, "pk": thread.pk})


def posts_section(client, user, thread) -> str:
    """The page's posts, read as if for the first time (so "New" markers are alike)."""
    ThreadReadState.objects.filter(user=user, thread=thread).delete()
    html = client.get(thread_url(thread)).content.decode()
    section = html[
        html.index('<section class="thread">') : html.index(
            "</section>", html.index('<section class="thread">')
        )
    ]
    return TOKEN.sub('name="csrfmiddlewaretoken" value="…"', section)


def test_a_warm_cache_gives_each_reader_what_a_cold_render_would(world, busy_thread, client_for):
    readers = [world.secretariat, world.member, world.observer, world.focal_point]
    clients = {user.pk: client_for(user) for user in readers}
    cold = {}
    for user in readers:
        caches[CACHE_ALIAS].clear()
        cold[user.pk] = posts_section(clients[user.pk], user, busy_thread)
    # Warm the cache with everyone else's pages first, then read again.
    for user in readers:
        for other in readers:
            if other != user:
                posts_section(clients[other.pk], other, busy_thread)
        assert posts_section(clients[user.pk], user, busy_thread) == cold[user.pk], user.email
    # The readers' pages do differ: the moderator's controls and the authors' own.
    assert "Hide post" in cold[world.secretariat.pk]
    assert "Hide post" not in cold[world.member.pk]
    assert "Aside" in cold[world.secretariat.pk] and "Aside" in cold[world.focal_point.pk]
    assert "Off-topic aside" not in cold[world.member.pk]
    assert cold[world.observer.pk] != cold[world.focal_point.pk]  # each sees "Edit" on their own


def test_no_reader_gets_another_readers_csrf_token(world, busy_thread, client_for):
    moderator, member = client_for(world.secretariat), client_for(world.member)
    moderator.get(thread_url(busy_thread))  # fragments cached from the moderator's page
    for client in (moderator, member):
        response = client.get(thread_url(busy_thread))
        html = response.content.decode()
        secret = client.cookies["csrftoken"].value  # the cookie holds the unmasked secret
        tokens = TOKEN.findall(html)
        assert tokens and CSRF_PLACEHOLDER not in html
        assert {_unmask_cipher_token(token) for token in tokens} == {secret}
    assert moderator.cookies["csrftoken"].value != member.cookies["csrftoken"].value


def test_every_change_shows_at_once(world, dialogue, busy_thread, client_for):
    client = client_for(world.member)
    read = lambda: posts_section(client, world.member, busy_thread)  # noqa: E731
    read()  # cache warm
    thread_services.post_edit(actor=world.observer, post=dialogue.reply, body="A second thought.")
    assert "A second thought." in read()
    kind = Reaction.Kind.choices[1][0]
    thread_services.reaction_toggle(actor=world.focal_point, post=dialogue.reply, kind=kind)
    assert re.search(r'reaction__count">1<', read())
    User.objects.filter(pk=world.observer.pk).update(full_name="Renamed Official")
    assert "Renamed Official" in read()
    thread_services.post_set_hidden(
        actor=world.secretariat, post=dialogue.reply, hidden=True, reason="x"
    )
    assert "A second thought." not in read()
    attribution_set(actor=world.secretariat, workspace=dialogue.offsets, mode="anonymous")
    page = read()
    assert "Renamed Official" not in page and "Participant " in page


def test_the_post_template_reads_nothing_but_its_inputs(world, busy_thread, client_for, settings):
    """A variable the inputs lack would render as the marker (or silently as nothing)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = "MISSING[%s]"
    settings.TEMPLATES = templates
    for user in (world.secretariat, world.member, world.observer):
        section = posts_section(client_for(user), user, busy_thread)
        assert "MISSING[" not in section
