"""Mentions follow the attribution rule: wherever a byline shows "A participant" or a pseudonym,
an @mention of a person reads the same, in HTML, Markdown, search snippets, emails and chat
frames; inside a live Chatham House view names show as the byline shows them; the stored
source keeps the real handle."""

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from dialogues.attribution import services as attribution_services
from dialogues.chat import services as chat_services
from dialogues.meetings import minutes as meeting_minutes
from dialogues.meetings import services as meetings
from dialogues.models import ChatMessage, ChatRoom, Post
from dialogues.threads import services as thread_services
from tests.factories import JurisdictionFactory, UserFactory
from workspaces import services as workspace_services
from workspaces.access import WorkspaceRole
from workspaces.models import Pseudonym, Workspace
from workspaces.services import roster_add_jurisdiction

LINKING_MENTIONS = ["@eu", "@nz", "@secretariat"]


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# ------------------------------------------------------------------------------
# The demo's Chatham House dialogue, as the issue found it
# ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_linking_exports_and_search_show_mentions_as_a_participant(client_for):
    call_command("seed_demo", verbosity=0)
    assert Workspace.objects.get(slug="linking").attribution == "chatham_house"
    client = client_for(User.objects.get(handle="korea"))
    markdown = _text(client.get(reverse("workspace_export", args=["linking", "md"])))
    html = _text(client.get(reverse("workspace_export", args=["linking", "html"])))
    for where, text in (("export.md", markdown), ("export.html", html)):
        found = [m for m in LINKING_MENTIONS if re.search(re.escape(m) + r"\b", text)]
        assert not found, f"{where} names {found}"
    assert "Thank you, A participant. Korea is aligned" in markdown
    assert "Adding to A participant: sequencing" in markdown
    assert 'Thank you, <span class="mention">A participant</span>. Korea' in html
    results = _text(client.get(reverse("search"), {"q": "absolute cap"}))
    assert "Thank you, A participant" in results and "Post by A participant" in results
    assert "@eu" not in results
    # What was written is kept as written.
    post = Post.objects.get(body_source__startswith="Thank you, @eu.")
    assert '<span class="mention">@eu</span>' in post.body_html


# ------------------------------------------------------------------------------
# A dialogue of our own, in each mode
# ------------------------------------------------------------------------------


class Dialogue:
    """Three people speak; one post mentions the other two, who the reader must not learn."""

    def __init__(self, world, mode: str):
        ruritania = JurisdictionFactory(name="Ruritania", code="ru")
        self.author = UserFactory(
            email="ines@ruritania.test", full_name="Ines Fairweather", handle="ines.fw",
            jurisdiction=ruritania,
        )  # fmt: skip
        self.mentioned = UserFactory(
            email="zenobia@ruritania.test", full_name="Zenobia Okafor", handle="zenobia.okafor",
            jurisdiction=ruritania,
        )  # fmt: skip
        self.opener = world.member_nz
        self.reader = world.member
        self.world = world
        self.workspace = workspace_services.workspace_create(
            actor=world.secretariat, title=f"Caps {mode}", slug=f"caps-{mode}"
        )
        for jurisdiction in (world.eu, world.nz, ruritania):
            roster_add_jurisdiction(
                actor=world.secretariat,
                workspace=self.workspace,
                jurisdiction=jurisdiction,
                role=WorkspaceRole.PARTICIPANT,
            )
        attribution_services.attribution_set(
            actor=world.secretariat, workspace=self.workspace, mode=mode
        )
        Workspace.objects.filter(pk=self.workspace.pk).update(email_excerpts=True)
        self.workspace.refresh_from_db()
        self.thread = thread_services.thread_create(
            actor=self.opener,
            workspace=self.workspace,
            title="Cap trajectories",
            body="Where should the absolute cap sit in 2035?",
        )
        opening = self.thread.posts.get(depth=0)
        thread_services.post_reply(
            actor=self.mentioned, thread=self.thread, body="Lower than today."
        )
        self.post = thread_services.post_reply(
            actor=self.author,
            thread=self.thread,
            parent=opening,
            body=f"On the absolute cap, thank you, @{self.mentioned.handle}. Adding to "
            f"@{self.opener.handle}: a review clause.\n\n`@ines.fw` in code is not a mention.",
        )
        self.room = ChatRoom.objects.get(workspace=self.workspace, is_workspace_room=True)
        self.message, _ = chat_services.message_send(
            actor=self.author,
            room=self.room,
            body=f"@{self.mentioned.handle} the slides on the absolute cap are up.",
            client_id="mention-1",
        )

    def names(self) -> list[str]:
        """What would tell the reader who was mentioned."""
        words = []
        for person in (self.mentioned, self.opener):
            words += [f"@{person.handle}", person.full_name, person.email]
        return words

    def assert_names_no_one(self, text: str, where: str) -> None:
        found = [word for word in self.names() if word.lower() in text.lower()]
        assert not found, f"{where} names {found}"


def _build(world, mode, capture) -> Dialogue:
    mail.outbox.clear()
    with capture(execute=True):  # the immediate emails too
        return Dialogue(world, mode)


@pytest.mark.parametrize("mode", ["chatham_house", "anonymous"])
def test_outputs_that_leave_the_dialogue_show_mentions_as_their_bylines(
    world, client_for, mode, django_capture_on_commit_callbacks
):
    dialogue = _build(world, mode, django_capture_on_commit_callbacks)
    client = client_for(dialogue.reader)
    slug, thread = dialogue.workspace.slug, dialogue.thread
    if mode == "anonymous":
        # The byline's own label for each person, here a pseudonym of the thread.
        context = f"thread:{thread.pk}"
        mentioned = Pseudonym.objects.get(context=context, user=dialogue.mentioned).number
        opener = Pseudonym.objects.get(context=context, user=dialogue.opener).number
        expected = f"thank you, Participant {mentioned}. Adding to Participant {opener}:"
    else:
        expected = "thank you, A participant. Adding to A participant:"
    outputs = {
        f"thread export ({fmt})": _text(
            client.get(reverse("thread_export", args=[slug, thread.pk, fmt]))
        )
        for fmt in ("md", "html")
    }
    outputs["search results"] = _text(client.get(reverse("search"), {"q": "absolute cap"}))
    outputs["notifications page"] = _text(client.get(reverse("notifications")))
    outputs["dashboard"] = _text(client.get(reverse("home")))
    assert expected in outputs["thread export (md)"]
    assert expected in re.sub(r"<[^>]+>", "", outputs["thread export (html)"])
    assert expected in outputs["search results"]
    # Code is not a mention and stays as written.
    assert "`@ines.fw`" in outputs["thread export (md)"]
    for where, text in outputs.items():
        dialogue.assert_names_no_one(text, where)
    # Searching for a mentioned person's handle does not find the post that mentions them.
    found = _text(client.get(reverse("search"), {"q": dialogue.mentioned.handle}))
    assert "review clause" not in found
    # The emails: the mentioned people (Chatham House) and the opener's reply notice carry the
    # excerpt, with mentions as the bylines show people.
    excerpts = [m for m in mail.outbox if "review clause" in m.body]
    assert excerpts, [m.body for m in mail.outbox]
    for message in mail.outbox:
        dialogue.assert_names_no_one(message.subject + message.body, f"email to {message.to}")
    assert any(expected in " ".join(m.body.split()) for m in excerpts)
    # The stored source and HTML keep the real handle.
    post = Post.objects.get(pk=dialogue.post.pk)
    assert f"@{dialogue.mentioned.handle}" in post.body_source
    assert f'<span class="mention">@{dialogue.mentioned.handle}</span>' in post.body_html


def test_anonymous_thread_page_and_chat_show_mentions_as_pseudonyms(
    world, client_for, django_capture_on_commit_callbacks
):
    dialogue = _build(world, "anonymous", django_capture_on_commit_callbacks)
    client = client_for(dialogue.reader)
    slug, thread = dialogue.workspace.slug, dialogue.thread
    page = _text(client.get(reverse("thread_detail", args=[slug, thread.pk])))
    context = f"thread:{thread.pk}"
    number = Pseudonym.objects.get(context=context, user=dialogue.mentioned).number
    # The mention reads exactly as the mentioned person's own byline on the same page.
    assert re.search(rf'class="post__author"[^>]*>Participant {number}</h3>', page)
    assert f'thank you, <span class="mention">Participant {number}</span>.' in page
    dialogue.assert_names_no_one(page, "thread page")
    quote = _text(
        client.get(
            reverse("thread_reply", args=[slug, thread.pk]),
            {"parent": dialogue.post.pk, "quote": "1"},
        )
    )
    dialogue.assert_names_no_one(quote, "reply with quote")
    # Chat: the room page and every frame show the mention as the room's pseudonym.
    room_number = Pseudonym.objects.get(
        context=f"room:{dialogue.room.pk}", user=dialogue.mentioned
    ).number
    label = f'<span class="mention">Participant {room_number}</span>'
    room_page = _text(client.get(reverse("chat_room", args=[slug])))
    assert label in room_page
    dialogue.assert_names_no_one(room_page, "chat room")
    frame = chat_services.serialize(
        chat_services.messages_after(user=dialogue.reader, room=dialogue.room, after_seq=0)[-1]
    )
    assert frame["html"].startswith(f"<p>{label} the slides")
    dialogue.assert_names_no_one(str(frame), "chat frame")
    # The stored message keeps the handle.
    message = ChatMessage.objects.get(pk=dialogue.message.pk)
    assert f'<span class="mention">@{dialogue.mentioned.handle}</span>' in message.body_html


def test_chatham_house_live_view_shows_mentions_as_its_bylines(
    world, client_for, django_capture_on_commit_callbacks
):
    """Inside the live view the roster sees who said what, and whom they mentioned; outside
    the same text names no one."""
    dialogue = _build(world, "chatham_house", django_capture_on_commit_callbacks)
    client = client_for(dialogue.reader)
    slug, thread = dialogue.workspace.slug, dialogue.thread
    page = _text(client.get(reverse("thread_detail", args=[slug, thread.pk])))
    assert "Zenobia Okafor" in page  # her own byline
    assert f'thank you, <span class="mention">@{dialogue.mentioned.handle}</span>.' in page
    room = _text(client.get(reverse("chat_room", args=[slug])))
    assert f'<span class="mention">@{dialogue.mentioned.handle}</span> the slides' in room
    exported = _text(client.get(reverse("thread_export", args=[slug, thread.pk, "md"])))
    dialogue.assert_names_no_one(exported, "thread export")


# ------------------------------------------------------------------------------
# The minutes' review
# ------------------------------------------------------------------------------


def _session_in_review(dialogue: Dialogue):
    secretariat = dialogue.world.secretariat
    start = timezone.now() + datetime.timedelta(days=2)
    session = meetings.session_create(
        actor=secretariat,
        workspace=dialogue.workspace,
        title="Caps session",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        time_zone="UTC",
    )
    item = meetings.agenda_item_save(
        actor=secretariat, session=session, title="Cap trajectories", duration_minutes=30
    )
    for step in ("schedule", "start", "end"):
        session = meetings.session_transition(actor=secretariat, session=session, name=step)
    meeting_minutes.minutes_save(
        actor=secretariat,
        session=session,
        item=item,
        summary="Participants compared cap trajectories.",
        decisions="Draft a note.",
    )
    meeting_minutes.minutes_share(actor=secretariat, session=session)
    meeting_minutes.minutes_comment_add(
        actor=dialogue.author,
        session=session,
        body=f"As @{dialogue.mentioned.handle} said, the review wording is fine.",
        kind="comment",
        item=item,
    )
    return session


@pytest.mark.parametrize("mode", ["chatham_house", "anonymous"])
def test_minutes_review_names_no_one_under_a_non_attribution_rule(
    world, client_for, mode, django_capture_on_commit_callbacks
):
    dialogue = _build(world, mode, django_capture_on_commit_callbacks)
    session = _session_in_review(dialogue)
    page = _text(
        client_for(dialogue.reader).get(
            reverse("session_detail", args=[dialogue.workspace.slug, session.pk])
        )
    )
    review = page[page.index('id="review"') :]
    assert "the review wording is fine" in review
    for word in ("Ines Fairweather", "Ruritania", "Zenobia Okafor", "@zenobia.okafor"):
        assert word not in review, f"the review names {word}"
    context = f"session:{session.pk}"
    if mode == "anonymous":
        author = Pseudonym.objects.get(context=context, user=dialogue.author).number
        mentioned = Pseudonym.objects.get(context=context, user=dialogue.mentioned).number
        assert f"Participant {author}" in review
        assert f'As <span class="mention">Participant {mentioned}</span> said' in review
    else:
        assert 'As <span class="mention">A participant</span> said' in review
        assert "A participant" in review.split("comment__author", 1)[1][:300]
