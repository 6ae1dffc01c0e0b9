"""The dialogue pages end to end through HTTP: forms, labels, 404s for other workspaces' ids."""

from django.urls import reverse

from dialogues.models import Post, Thread
from dialogues.threads import services as thread_services


def thread_url(thread, slug=None):
    return reverse("thread_detail", kwargs={"slug": slug or thread.workspace.slug, "pk": thread.pk})


def test_cross_workspace_ids_look_like_missing_ones(world, dialogue, client_for):
    client = client_for(world.member_nz)  # on `closed`, not on `offsets`
    wrong_slug = client.get(thread_url(dialogue.closed_thread, slug="offsets"))
    missing = client.get(reverse("thread_detail", kwargs={"slug": "closed", "pk": 999_999}))
    forbidden = client.get(thread_url(dialogue.public_thread))
    assert wrong_slug.status_code == missing.status_code == forbidden.status_code == 404

    def main(response):
        html = response.content.decode()
        return html[html.index("<main") : html.index("</main>")]

    assert main(wrong_slug) == main(missing)
    other_post = client.get(reverse("post_permalink", kwargs={"pk": dialogue.reply.pk}))
    assert other_post.status_code == 404


def test_full_members_label_on_page_and_in_lists(world, dialogue, client_for):
    client = client_for(world.member)
    listing = client.get(reverse("workspace_detail", kwargs={"slug": "offsets"})).content.decode()
    assert "Full members only" in listing
    page = client.get(thread_url(dialogue.members_thread)).content.decode()
    assert "Full members only" in page
    public = client.get(thread_url(dialogue.public_thread)).content.decode()
    assert "Full members only" not in public


def test_observer_gets_404_for_full_members_thread(world, dialogue, client_for):
    client = client_for(world.observer)
    assert client.get(thread_url(dialogue.members_thread)).status_code == 404
    listing = client.get(reverse("workspace_detail", kwargs={"slug": "offsets"})).content.decode()
    assert dialogue.members_thread.title not in listing


def test_thread_and_reply_through_forms(world, dialogue, client_for):
    client = client_for(world.member)
    response = client.post(
        reverse("thread_create", kwargs={"slug": "offsets"}),
        {"title": "Article 6.4 alignment", "audience": "everyone", "body": "Opening **text**"},
    )
    thread = Thread.objects.get(title="Article 6.4 alignment")
    assert response.status_code == 302 and response.url == thread_url(thread)
    opening = thread.posts.get(depth=0)
    reply = client.post(
        reverse("thread_reply", kwargs={"slug": "offsets", "pk": thread.pk}),
        {"body": "A nested answer", "parent": opening.pk},
    )
    post = Post.objects.get(body_source="A nested answer")
    assert reply.status_code == 302 and post.parent == opening
    page = client.get(thread_url(thread)).content.decode()
    assert "<strong>text</strong>" in page and "A nested answer" in page
    # Bad input: a clear message, nothing stored.
    empty = client.post(
        reverse("thread_reply", kwargs={"slug": "offsets", "pk": thread.pk}), {"body": "   "}
    )
    assert empty.status_code == 200
    assert thread.posts.count() == 2


def test_quote_prefills_the_reply(world, dialogue, client_for):
    client = client_for(world.member)
    url = reverse("thread_reply", kwargs={"slug": "offsets", "pk": dialogue.public_thread.pk})
    page = client.get(url, {"parent": dialogue.reply.pk, "quote": "1"}).content.decode()
    assert "&gt; Chile&#x27;s view on it." in page or "> Chile's view on it." in page


def test_hidden_post_shows_placeholder_to_others_only(world, dialogue, client_for):

    thread_services.post_set_hidden(
        actor=world.secretariat, post=dialogue.reply, hidden=True, reason="Off topic here"
    )
    others = client_for(world.member).get(thread_url(dialogue.public_thread)).content.decode()
    assert "Chile&#x27;s view on it." not in others and "Chile's view on it." not in others
    assert "Hidden by a moderator" in others
    author = client_for(world.observer).get(thread_url(dialogue.public_thread)).content.decode()
    assert "view on it." in author and "Off topic here" in author


def test_mention_autocomplete_endpoint(world, dialogue, client_for):
    client = client_for(world.member)
    url = reverse("mention_search", kwargs={"slug": "offsets"})
    found = client.get(url, {"q": "obs", "thread": dialogue.members_thread.pk}).json()
    assert found == {"results": []}
    found = client.get(url, {"q": "obs", "thread": dialogue.public_thread.pk}).json()
    assert [r["handle"] for r in found["results"]] == ["observer"]
    assert client.get(url, {"thread": dialogue.closed_thread.pk}).status_code == 404


def test_moderator_pages(world, dialogue, client_for):
    thread_services.post_edit(actor=world.observer, post=dialogue.reply, body="Edited view")
    client = client_for(world.secretariat)
    history = client.get(reverse("post_history", kwargs={"pk": dialogue.reply.pk}))
    assert history.status_code == 200 and "view on it." in history.content.decode()
    member = client_for(world.member)
    assert member.get(reverse("post_history", kwargs={"pk": dialogue.reply.pk})).status_code == 403


def test_roster_page_visible_to_the_roster_only(world, dialogue, client_for):
    url = reverse("workspace_roster", kwargs={"slug": "offsets"})
    page = client_for(world.member).get(url)
    assert page.status_code == 200 and "European Union" in page.content.decode()
    assert client_for(world.cochair).get(url).status_code == 404
