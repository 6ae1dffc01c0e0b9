"""Attribution modes: nothing that leaves a Chatham House or anonymous dialogue names anyone,
anonymous pages and frames carry only pseudonyms, and unmasking is the Secretariat's alone."""

import datetime
import json

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.audit import event_summary
from accounts.models import AuditEvent
from dialogues.attribution import services as attribution_services
from dialogues.chat import services as chat_services
from dialogues.meetings import minutes as meeting_minutes
from dialogues.meetings import services as meetings
from dialogues.models import ChatRoom, DialogueSession, Notification
from dialogues.notifications.digest import send_digests
from dialogues.threads import services as thread_services
from tests.factories import JurisdictionFactory, UserFactory
from workspaces import services as workspace_services
from workspaces.access import WorkspaceRole
from workspaces.attribution import pseudonym_for
from workspaces.documents import document_upload
from workspaces.models import Pseudonym
from workspaces.services import roster_add_jurisdiction, roster_add_user


class Dialogue:
    """A workspace in one mode, with everything in it written by two authors the reader must
    never see named: threads, replies, a mention, a document, chat, a whole session."""

    def __init__(self, world, mode):
        ruritania = JurisdictionFactory(name="Ruritania", code="ru")
        freedonia = JurisdictionFactory(name="Freedonia", code="fd")
        self.authors = [
            UserFactory(
                email="aurelia@ruritania.test",
                full_name="Aurelia Quentin-Marchetti",
                handle="aurelia.qm",
                jurisdiction=ruritania,
            ),
            UserFactory(
                email="bartholomew@freedonia.test",
                full_name="Bartholomew Xenakis",
                handle="bart.xenakis",
                jurisdiction=freedonia,
            ),
        ]
        self.reader = world.member  # of the European Union
        self.world = world
        secretariat = world.secretariat
        self.workspace = workspace_services.workspace_create(
            actor=secretariat, title=f"Caps dialogue {mode}", slug=f"caps-{mode}"
        )
        for jurisdiction in (world.eu, ruritania, freedonia):
            roster_add_jurisdiction(
                actor=secretariat,
                workspace=self.workspace,
                jurisdiction=jurisdiction,
                role=WorkspaceRole.PARTICIPANT,
            )
        roster_add_user(
            actor=secretariat,
            workspace=self.workspace,
            user=world.cochair,
            role=WorkspaceRole.PARTICIPANT,
        )
        attribution_services.attribution_set(actor=secretariat, workspace=self.workspace, mode=mode)
        self.workspace.refresh_from_db()
        a, b = self.authors
        self.thread = thread_services.thread_create(
            actor=a,
            workspace=self.workspace,
            title="Emission caps trajectory",
            body="Our caps should tighten by four percent a year.",
        )
        self.opening = self.thread.posts.get(depth=0)
        thread_services.post_reply(
            actor=b,
            thread=self.thread,
            parent=self.opening,
            body=f"@{self.reader.handle} would caps of three percent work for you?",
        )
        thread_services.post_reply(actor=a, thread=self.thread, body="Caps need a review clause.")
        document_upload(
            actor=a,
            workspace=self.workspace,
            upload=SimpleUploadedFile("caps.pdf", b"%PDF-1.4 caps"),
            title="Caps options paper",
        )
        self.room = ChatRoom.objects.get(workspace=self.workspace, is_workspace_room=True)
        chat_services.message_send(
            actor=a, room=self.room, body="Caps slides are up.", client_id="a-1"
        )
        chat_services.message_send(
            actor=b, room=self.room, body=f"@{self.reader.handle} caps question", client_id="b-1"
        )
        self.session = self._session()

    def _session(self):
        a, b = self.authors
        secretariat, cochair = self.world.secretariat, self.world.cochair
        start = timezone.now() + datetime.timedelta(days=2)
        session = meetings.session_create(
            actor=secretariat,
            workspace=self.workspace,
            title="Caps session",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            time_zone="Europe/Berlin",
        )
        item = meetings.agenda_item_save(
            actor=secretariat,
            session=session,
            title="Cap trajectories",
            duration_minutes=30,
            presenter_id=a.pk,
        )
        session = meetings.session_transition(actor=secretariat, session=session, name="schedule")
        for person in self.authors:
            meetings.registration_set(actor=person, session=session, user=person, attending=True)
        session = meetings.session_transition(actor=secretariat, session=session, name="start")
        for person in self.authors + [self.reader]:
            meetings.record_attendance(user=person, room=session.room)
        chat_services.message_send(
            actor=a, room=session.room, body="Caps: see slide 3.", client_id="a-2"
        )
        chat_services.message_send(
            actor=b, room=session.room, body="Caps are too loose.", client_id="b-2"
        )
        session = meetings.session_transition(actor=secretariat, session=session, name="end")
        meeting_minutes.minutes_save(
            actor=secretariat,
            session=session,
            item=item,
            summary="Participants compared cap trajectories; one favoured a review clause.",
            decisions="Draft a caps options note.",
        )
        meeting_minutes.action_add(
            actor=secretariat,
            session=session,
            item=item,
            description="Draft the caps options note",
            owner_id=a.pk,
            due_date=datetime.date.today() + datetime.timedelta(days=14),
        )
        meeting_minutes.minutes_share(actor=secretariat, session=session)
        meeting_minutes.minutes_comment_add(
            actor=b, session=session, body="Caps wording is fine.", kind="comment", item=item
        )
        return meetings.session_transition(actor=cochair, session=session, name="approve")

    def forbidden(self) -> list[str]:
        words = []
        for person in self.authors:
            words += [person.full_name, person.email, person.handle, person.jurisdiction.name]
        return words

    def assert_clean(self, text: str, where: str) -> None:
        found = [word for word in self.forbidden() if word.lower() in text.lower()]
        assert not found, f"{where} names {found}"


def build(world, mode) -> Dialogue:
    mail.outbox.clear()
    return Dialogue(world, mode)


def outside_outputs(client, dialogue: Dialogue) -> dict[str, str]:
    """Everything that leaves the live view, as the reader gets it."""
    slug = dialogue.workspace.slug
    outputs = {}
    for fmt in ("html", "md"):
        for name, url in (
            ("thread", reverse("thread_export", args=[slug, dialogue.thread.pk, fmt])),
            ("session", reverse("session_export", args=[slug, dialogue.session.pk, fmt])),
            ("workspace", reverse("workspace_export", args=[slug, fmt])),
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            outputs[f"{name} export ({fmt})"] = response.content.decode()
    outputs["notifications page"] = client.get(reverse("notifications")).text
    outputs["search results"] = client.get(reverse("search"), {"q": "caps"}).text
    outputs["dashboard"] = client.get(reverse("home")).text
    return outputs


MODES = ["chatham_house", "anonymous"]


@pytest.mark.parametrize("mode", MODES)
def test_nothing_that_leaves_the_dialogue_names_anyone(
    world, client_for, mode, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the immediate emails too
        dialogue = build(world, mode)
    immediate = len(mail.outbox)
    assert immediate >= 3  # session scheduled, minutes in review, approved (and mentions)
    client = client_for(dialogue.reader)
    outputs = outside_outputs(client, dialogue)
    # The outputs really carry the content (so the test cannot pass on empty pages).
    assert "four percent" in outputs["thread export (md)"]
    assert "review clause" in outputs["session export (html)"]
    assert "Draft the caps options note" in outputs["session export (md)"]
    assert "Caps options paper" in outputs["workspace export (html)"]
    assert "Emission caps trajectory" in outputs["search results"]
    assert "Minutes approved" in outputs["notifications page"]
    for where, text in outputs.items():
        dialogue.assert_clean(text, where)
    # Minutes as stored and shown, notifications as stored, every email and the digest.
    for entry in dialogue.session.minutes.all():
        dialogue.assert_clean(entry.summary_html + entry.decisions_html, "minutes")
    Notification.objects.update(digested_at=None, read_at=None)
    send_digests()
    assert mail.outbox, "the scenario sends emails"
    for message in mail.outbox:
        dialogue.assert_clean(message.subject + message.body, f"email to {message.to}")
    # Every export was audited.
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORTED).count() == 6


def test_chatham_house_names_people_inside_the_live_view(world, client_for):
    dialogue = build(world, "chatham_house")
    client = client_for(dialogue.reader)
    thread = client.get(
        reverse("thread_detail", args=[dialogue.workspace.slug, dialogue.thread.pk])
    ).text
    assert "Aurelia Quentin-Marchetti" in thread and "Ruritania" in thread


def anonymous_pages(client, dialogue: Dialogue) -> dict[str, str]:
    slug = dialogue.workspace.slug
    session, thread = dialogue.session, dialogue.thread
    document = dialogue.workspace.documents.get()
    urls = {
        "workspace": reverse("workspace_detail", args=[slug]),
        "thread": reverse("thread_detail", args=[slug, thread.pk]),
        "reply with quote": reverse("thread_reply", args=[slug, thread.pk])
        + f"?parent={dialogue.opening.pk}&quote=1",
        "documents": reverse("document_list", args=[slug]),
        "document": reverse("document_detail", args=[slug, document.pk]),
        "chat": reverse("chat_room", args=[slug]),
        "roster": reverse("workspace_roster", args=[slug]),
        "sessions": reverse("session_list", args=[slug]),
        "session": reverse("session_detail", args=[slug, session.pk]),
        "attendance": reverse("session_attendance", args=[slug, session.pk]),
        "session room": reverse("session_room", args=[slug, session.pk]),
        "mentions": reverse("mention_search", args=[slug]) + "?q=a",
    }
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, f"{name}: {response.status_code}"
        pages[name] = response.content.decode()
    return pages


def test_anonymous_pages_show_only_pseudonyms(world, client_for):
    dialogue = build(world, "anonymous")
    client = client_for(dialogue.reader)
    pages = anonymous_pages(client, dialogue) | outside_outputs(client, dialogue)
    assert "Participant 1" in pages["thread"] and "four percent" in pages["thread"]
    assert "Participant" in pages["chat"] and "Caps slides are up." in pages["chat"]
    assert "Caps are too loose." in pages["session room"]
    for where, text in pages.items():
        dialogue.assert_clean(text, where)
    # Pseudonyms are stable within a thread and differ between contexts' numbering only.
    a, b = dialogue.authors
    thread_context = f"thread:{dialogue.thread.pk}"
    assert Pseudonym.objects.get(context=thread_context, user=a).number == 1
    assert Pseudonym.objects.get(context=thread_context, user=b).number == 2
    # No mention was made and nobody can be looked up by name.
    assert not Notification.objects.filter(kind=Notification.Kind.MENTION).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_anonymous_websocket_frames_carry_only_pseudonyms(world):
    from tests.dialogues.chat.test_chat_consumer import connect, receive, send

    dialogue = await sync_to_async(build)(world, "anonymous")
    a, _b = dialogue.authors
    # A live session too: its own room.
    session = await sync_to_async(_live_session)(dialogue)
    frames = []
    live = []  # (pseudonym context of the room, the live message as the reader got it)
    contexts = (f"room:{dialogue.room.pk}", f"session:{session.pk}")
    for context, room in zip(contexts, (dialogue.room, session.room), strict=True):
        author, _, _ = await connect(a, room)
        reader, connected, _ = await connect(dialogue.reader, room)
        assert connected
        frames.append(json.dumps(reader.ready))
        await author.send_to(text_data=json.dumps({"type": "typing"}))
        await send(author, "Caps live message", f"live-{room.pk}")
        for _ in range(2):
            frame = await receive(reader, "message", "typing")
            frames.append(json.dumps(frame))
            if frame["type"] == "message":
                live.append((context, frame["message"]))
        await reader.send_to(text_data=json.dumps({"type": "resume", "after": 0}))
        frames.append(json.dumps(await receive(reader, "catchup")))
        await reader.send_to(text_data=json.dumps({"type": "history"}))
        frames.append(json.dumps(await receive(reader, "history")))
        await author.disconnect()
        frames.append(json.dumps(await receive(reader, "presence")))
        await reader.disconnect()
    text = "\n".join(frames)
    assert "Caps live message" in text and "Participant" in text
    dialogue.assert_clean(text, "websocket frames")
    # The live message's author is exactly the author's pseudonym in that room: its number
    # (never the user id), its label, and nothing else.
    assert len(live) == 2
    for context, message in live:
        number = await sync_to_async(
            lambda c=context: Pseudonym.objects.get(context=c, user=a).number
        )()
        assert number != a.pk
        assert message["author"] == {
            "id": number,
            "name": f"Participant {number}",
            "handle": "",
            "affiliation": "",
        }
    # Every person in every frame is shown by a pseudonym's number, never a user id.
    pseudonym_numbers = set(
        await sync_to_async(lambda: set(Pseudonym.objects.values_list("number", flat=True)))()
    )
    shown_ids = set()
    for frame in map(json.loads, frames):
        for person in _people_in(frame):
            shown_ids.add(person["id"])
            assert person.get("handle", "") == "" and person.get("affiliation", "") == ""
        shown_ids |= set(frame.get("left", []))
    assert shown_ids and shown_ids <= pseudonym_numbers
    assert not shown_ids & {a.pk, _b.pk}


def _people_in(frame: dict) -> list[dict]:
    """The people a frame shows: message authors, me, present, joined, typing."""
    people = [frame[key] for key in ("me", "user") if isinstance(frame.get(key), dict)]
    people += frame.get("present", []) + frame.get("joined", [])
    messages = frame.get("messages", []) + ([frame["message"]] if "message" in frame else [])
    return people + [message["author"] for message in messages]


def _live_session(dialogue):
    secretariat = dialogue.world.secretariat
    start = timezone.now() + datetime.timedelta(hours=1)
    session = meetings.session_create(
        actor=secretariat,
        workspace=dialogue.workspace,
        title="Second caps session",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        time_zone="UTC",
    )
    meetings.agenda_item_save(actor=secretariat, session=session, title="Caps", duration_minutes=10)
    for step in ("schedule", "start"):
        session = meetings.session_transition(actor=secretariat, session=session, name=step)
    return DialogueSession.objects.select_related("room").get(pk=session.pk)


# ------------------------------------------------------------------------------
# Unmasking
# ------------------------------------------------------------------------------


def test_only_the_secretariat_unmasks_with_a_reason_audited_and_told(
    world, client_for, django_capture_on_commit_callbacks
):
    dialogue = build(world, "anonymous")
    a, _b = dialogue.authors
    pseudonym = Pseudonym.objects.get(context=f"thread:{dialogue.thread.pk}", user=a)
    url = reverse("pseudonym_unmask", args=[dialogue.workspace.slug, pseudonym.pk])
    # Nobody else can: not a participant, not the Co-Chair, not a facilitator who is not staff.
    roster_add_user(
        actor=world.secretariat,
        workspace=dialogue.workspace,
        user=world.focal_point,
        role=WorkspaceRole.FACILITATOR,
    )
    for other in (dialogue.reader, world.cochair, world.focal_point):
        with pytest.raises(PermissionDenied):
            attribution_services.pseudonym_unmask(
                actor=other, pseudonym=pseudonym, reason="Curious"
            )
        assert client_for(other).get(url).status_code == 404
        assert client_for(other).post(url, {"reason": "Curious"}).status_code == 404
    # A reason is required.
    with pytest.raises(ValidationError):
        attribution_services.pseudonym_unmask(
            actor=world.secretariat, pseudonym=pseudonym, reason=" "
        )
    staff = client_for(world.secretariat)
    assert "Aurelia" not in staff.post(url, {"reason": ""}).text
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.UNMASKED).exists()
    # The Secretariat unmasks: the page reveals, the log records, the person is told.
    with django_capture_on_commit_callbacks(execute=True):
        page = staff.post(url, {"reason": "Report of abusive posts"}).text
    assert "Aurelia Quentin-Marchetti" in page
    event = AuditEvent.objects.get(action=AuditEvent.Action.UNMASKED)
    assert event.actor == world.secretariat and event.target_user == a
    assert event.detail["reason"] == "Report of abusive posts"
    assert Notification.objects.filter(recipient=a, kind=Notification.Kind.UNMASKED).exists()
    assert any(a.email in m.to for m in mail.outbox)
    profile = client_for(a).get(reverse("profile")).text
    assert "Report of abusive posts" in profile
    assert escape(event_summary(event)) in profile  # what the log says, in the reader's language
    # The thread page offers unmasking to the Secretariat only.
    thread_url = reverse("thread_detail", args=[dialogue.workspace.slug, dialogue.thread.pk])
    assert url in staff.get(thread_url).text
    assert url not in client_for(dialogue.reader).get(thread_url).text


def test_attribution_is_set_by_the_secretariat_and_never_loosened(world, dialogue):
    workspace = dialogue.offsets  # has threads already
    with pytest.raises(PermissionDenied):
        attribution_services.attribution_set(
            actor=world.member, workspace=workspace, mode="anonymous"
        )
    attribution_services.attribution_set(
        actor=world.secretariat, workspace=workspace, mode="anonymous"
    )
    with pytest.raises(ValidationError, match="never looser"):
        attribution_services.attribution_set(
            actor=world.secretariat, workspace=workspace, mode="named"
        )
    workspace.refresh_from_db()
    assert workspace.attribution == "anonymous"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ATTRIBUTION_CHANGED).count() == 1
    # A session may be stricter than its workspace, never looser.
    empty = workspace_services.workspace_create(actor=world.secretariat, title="Fresh")
    attribution_services.attribution_set(
        actor=world.secretariat, workspace=empty, mode="chatham_house"
    )
    attribution_services.attribution_set(actor=world.secretariat, workspace=empty, mode="named")


def test_pseudonyms_are_numbered_in_order_and_stable(world, dialogue):
    context = "thread:999"
    first = pseudonym_for(workspace=dialogue.offsets, context=context, user_id=world.member.pk)
    second = pseudonym_for(workspace=dialogue.offsets, context=context, user_id=world.observer.pk)
    again = pseudonym_for(workspace=dialogue.offsets, context=context, user_id=world.member.pk)
    assert (first.number, second.number, again.pk) == (1, 2, first.pk)


def test_moderators_mute_by_pseudonym_in_an_anonymous_room(world, client_for):
    from dialogues.models import ChatMute

    dialogue = build(world, "anonymous")
    a, _b = dialogue.authors
    staff = client_for(world.secretariat)
    url = reverse("chat_room", args=[dialogue.workspace.slug])
    page = staff.get(url).text
    pseudonym = Pseudonym.objects.get(context=f"room:{dialogue.room.pk}", user=a)
    assert f'value="p{pseudonym.pk}"' in page
    assert f'value="{a.pk}"' not in page
    mute = reverse("chat_mute", args=[dialogue.workspace.slug])
    staff.post(mute, {"user": f"p{pseudonym.pk}", "minutes": "10", "reason": "Off topic"})
    assert ChatMute.objects.filter(user=a, room=dialogue.room).exists()


def test_unmasking_a_library_pseudonym_tells_the_person_too(
    world, client_for, django_capture_on_commit_callbacks
):
    dialogue = build(world, "anonymous")
    a, _b = dialogue.authors
    pseudonym = Pseudonym.objects.get(context=f"workspace:{dialogue.workspace.pk}", user=a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        attribution_services.pseudonym_unmask(
            actor=world.secretariat, pseudonym=pseudonym, reason="Disputed upload"
        )
    notice = Notification.objects.get(recipient=a, kind=Notification.Kind.UNMASKED)
    assert notice.workspace == dialogue.workspace and notice.thread is None
    assert [m.to for m in mail.outbox] == [[a.email]]
