"""Confidentiality undertakings: versions, acceptance, and "not yet" at every door (the policy's
visible/can, search, notifications and the bell, exports, downloads, pages, the chat socket)."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from dialogues.chat.services import message_send, workspace_room
from dialogues.exports.services import export
from dialogues.models import ChatMessage, ChatRoom, DialogueSession, Post, Thread
from dialogues.notifications.selectors import unread_notification_count, visible_notifications
from dialogues.search.services import search
from dialogues.threads import services as thread_services
from tests.factories import DialogueSessionFactory, DocumentFactory
from workspaces.access import (
    Capability,
    UndertakingPending,
    can,
    people_who_can_view,
    undertaking_pending,
    visible,
)
from workspaces.models import Document, UndertakingAcceptance, Workspace
from workspaces.undertakings import acceptances, undertaking_accept, undertaking_set

TEXT = "Held under the **Chatham House Rule**: name nobody."
ITEM_MODELS = [Thread, Post, Document, ChatRoom, ChatMessage, DialogueSession]


@pytest.fixture
def content(world, dialogue):
    """One item of every kind in `offsets`, all visible to `world.member` before any undertaking."""
    document = DocumentFactory(workspace=dialogue.offsets, uploaded_by=world.member)
    room = workspace_room(dialogue.offsets)
    message_send(actor=world.member, room=room, body="Chat about criteria", client_id="u-1")
    session = DialogueSessionFactory(
        workspace=dialogue.offsets, status=DialogueSession.Status.SCHEDULED
    )
    return {"document": document, "room": room, "session": session}


def _set(world, dialogue, text=TEXT):
    return undertaking_set(actor=world.secretariat, workspace=dialogue.offsets, text=text)


def _offsets_items(model, dialogue):
    field = "thread__workspace" if model is Post else "room__workspace"
    lookup = field if model in (Post, ChatMessage) else "workspace"
    return model.objects.filter(**{lookup: dialogue.offsets})


# ------------------------------------------------------------------------------
# Versions and acceptances
# ------------------------------------------------------------------------------


def test_each_change_is_a_new_version_audited_and_accepted_by_its_writer(world, dialogue):
    first = _set(world, dialogue)
    second = _set(world, dialogue, text=TEXT + " Even in emails.")
    assert (first.version, second.version) == (1, 2)
    assert "<strong>Chatham House Rule</strong>" in first.text_html
    changed = AuditEvent.objects.filter(action=AuditEvent.Action.UNDERTAKING_CHANGED)
    assert changed.count() == 2
    assert not undertaking_pending(world.secretariat, dialogue.offsets)
    with pytest.raises(ValidationError):
        _set(world, dialogue, text=TEXT + " Even in emails.")  # unchanged: no new version
    with pytest.raises(ValidationError):
        _set(world, dialogue, text="   ")


@pytest.mark.parametrize("who", ["member", "observer", "member_nz", "cochair"])
def test_only_those_who_manage_the_dialogue_set_the_text(world, dialogue, who):
    with pytest.raises(PermissionDenied):
        undertaking_set(actor=getattr(world, who), workspace=dialogue.offsets, text=TEXT)
    assert not dialogue.offsets.undertakings.exists()


def test_re_versioning_asks_everyone_again_and_keeps_earlier_acceptances(world, dialogue):
    first = _set(world, dialogue)
    undertaking_accept(actor=world.member, workspace=dialogue.offsets, version=1)
    assert not undertaking_pending(world.member, dialogue.offsets)
    _set(world, dialogue, text="A stricter text.")
    assert undertaking_pending(world.member, dialogue.offsets)
    assert not visible(world.member, Thread).filter(workspace=dialogue.offsets).exists()
    undertaking_accept(actor=world.member, workspace=dialogue.offsets, version=2)
    assert visible(world.member, Thread).filter(workspace=dialogue.offsets).exists()
    kept = UndertakingAcceptance.objects.filter(user=world.member)
    assert sorted(kept.values_list("undertaking__version", flat=True)) == [1, 2]
    assert first.acceptances.filter(user=world.member).exists()


def test_acceptance_is_audited_once_and_only_of_the_version_shown(world, dialogue):
    _set(world, dialogue)
    _set(world, dialogue, text="Version two.")
    with pytest.raises(ValidationError):  # the reader saw version 1: the text changed since
        undertaking_accept(actor=world.member, workspace=dialogue.offsets, version=1)
    undertaking_accept(actor=world.member, workspace=dialogue.offsets, version=2)
    undertaking_accept(actor=world.member, workspace=dialogue.offsets, version=2)
    accepted = AuditEvent.objects.filter(
        action=AuditEvent.Action.UNDERTAKING_ACCEPTED, actor=world.member
    )
    assert accepted.count() == 1
    with pytest.raises(PermissionDenied):  # off the roster: nothing to accept
        undertaking_accept(actor=world.member_nz, workspace=dialogue.offsets, version=2)


# ------------------------------------------------------------------------------
# "Not yet": the policy, and every door that asks it
# ------------------------------------------------------------------------------


def test_not_yet_hides_every_item_but_not_the_workspace(world, dialogue, content):
    for model in ITEM_MODELS:
        assert visible(world.member, model).filter(pk__in=_offsets_items(model, dialogue)).exists()
    _set(world, dialogue)
    assert dialogue.offsets in visible(world.member, Workspace)
    assert can(world.member, Capability.VIEW, dialogue.offsets)
    for model in ITEM_MODELS:
        items = list(_offsets_items(model, dialogue))
        assert items, model
        assert not visible(world.member, model).filter(pk__in=[i.pk for i in items]).exists()
        for item in items:
            assert not can(world.member, Capability.VIEW, item), item
            assert world.member not in people_who_can_view(item), item
            # The writer accepted it: they still see everything.
            assert can(world.secretariat, Capability.VIEW, item), item
    assert world.member in people_who_can_view(dialogue.offsets)
    # Another dialogue's content is untouched.
    assert visible(world.member_nz, Thread).filter(pk=dialogue.closed_thread.pk).exists()


def test_visible_costs_one_query_however_many_undertakings(world, dialogue):
    _set(world, dialogue)
    undertaking_set(actor=world.cochair, workspace=dialogue.closed, text=TEXT)
    with CaptureQueriesContext(connection) as queries:
        list(visible(world.member, Thread))
    assert len(queries) == 1


def test_search_leaves_out_what_is_not_accepted(world, dialogue):
    assert any(
        h.title == dialogue.public_thread.title for h in search(user=world.member, query="criteria")
    )
    _set(world, dialogue)
    assert not search(user=world.member, query="criteria")
    undertaking_accept(actor=world.member, workspace=dialogue.offsets, version=1)
    assert search(user=world.member, query="criteria")


def test_notifications_bell_and_emails_leave_it_out(
    world, dialogue, django_capture_on_commit_callbacks, settings
):
    settings.ENCLAVE_SITE_URL = "https://enclave.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        thread_services.post_reply(
            actor=world.focal_point, thread=dialogue.public_thread, body="@member before"
        )
    assert unread_notification_count(user=world.member) >= 1  # the reply and the mention
    _set(world, dialogue)
    assert unread_notification_count(user=world.member) == 0
    assert not visible_notifications(user=world.member).exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        thread_services.post_reply(
            actor=world.secretariat, thread=dialogue.public_thread, body="@member after"
        )
    assert not [m for m in mail.outbox if world.member.email in m.to]
    assert unread_notification_count(user=world.member) == 0


def test_exports_refuse_then_carry_the_version(world, dialogue, client_for):
    _set(world, dialogue)
    with pytest.raises(UndertakingPending):
        export(actor=world.member, target=dialogue.offsets, fmt="md")
    with pytest.raises(PermissionDenied):
        export(actor=world.member, target=dialogue.public_thread, fmt="md")
    client = client_for(world.member)
    for url in (
        reverse("workspace_export", args=["offsets", "md"]),
        reverse("thread_export", args=["offsets", dialogue.public_thread.pk, "html"]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("workspace_undertaking", args=["offsets"]))
    undertaking_accept(actor=world.member, workspace=dialogue.offsets, version=1)
    text, _name, _type = export(actor=world.member, target=dialogue.offsets, fmt="md")
    assert "Confidentiality undertaking: version 1" in text
    html = client.get(reverse("workspace_export", args=["offsets", "html"])).content.decode()
    assert "Version 1, accepted by the reader" in html
    assert "confidentiality undertaking, version 1" in html


def test_downloads_wait_for_acceptance(world, dialogue, content, client_for):
    document = content["document"]
    _set(world, dialogue)
    client = client_for(world.member)
    url = reverse("document_download", args=["offsets", document.pk])
    # The download view asks visible() directly: refused (and audited) like any hidden file.
    assert client.get(url).status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DOWNLOAD_REFUSED, actor=world.member
    ).exists()
    undertaking_accept(actor=world.member, workspace=dialogue.offsets, version=1)
    assert client.get(url).status_code == 200


# ------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------


def test_every_page_inside_sends_to_the_undertaking_and_back(world, dialogue, content, client_for):
    _set(world, dialogue)
    client = client_for(world.member)
    undertaking_url = reverse("workspace_undertaking", args=["offsets"])
    pages = [
        reverse("workspace_detail", args=["offsets"]),
        reverse("thread_detail", args=["offsets", dialogue.public_thread.pk]),
        reverse("document_list", args=["offsets"]),
        reverse("document_detail", args=["offsets", content["document"].pk]),
        reverse("chat_room", args=["offsets"]),
        reverse("session_list", args=["offsets"]),
        reverse("session_detail", args=["offsets", content["session"].pk]),
        reverse("post_permalink", args=[dialogue.opening.pk]),
        reverse("workspace_roster", args=["offsets"]),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url == f"{undertaking_url}?next={page.replace('/', '%2F')}", page
    # Missing and forbidden still look the same: a thread that does not exist is a 404.
    assert client.get(reverse("thread_detail", args=["offsets", 999_999])).status_code == 404
    assert client.get(reverse("thread_detail", args=["closed", 1])).status_code == 404
    shown = client.get(undertaking_url, {"next": pages[1]}).content.decode()
    assert "<strong>Chatham House Rule</strong>" in shown and "I accept" in shown
    assert dialogue.public_thread.title not in shown
    accepted = client.post(
        reverse("workspace_undertaking_accept", args=["offsets"]),
        {"version": "1", "next": pages[1]},
    )
    assert accepted.status_code == 302 and accepted.url == pages[1]
    assert dialogue.public_thread.title in client.get(pages[1]).content.decode()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UNDERTAKING_ACCEPTED, actor=world.member
    ).exists()


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_next_is_this_site_only(world, dialogue, client_for, next_url):
    _set(world, dialogue)
    response = client_for(world.member).post(
        reverse("workspace_undertaking_accept", args=["offsets"]),
        {"version": "1", "next": next_url},
    )
    assert response.url == reverse("workspace_detail", args=["offsets"])


def test_the_change_form_is_for_managers(world, dialogue, client_for):
    url = reverse("workspace_undertaking_edit", args=["offsets"])
    assert client_for(world.member).get(url).status_code == 403
    assert client_for(world.member_nz).get(url).status_code == 404
    client = client_for(world.secretariat)
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": TEXT})
    assert response.status_code == 302
    assert dialogue.offsets.undertakings.get().version == 1
    assert "unchanged" in client.post(url, {"text": TEXT}).content.decode()


def test_the_roster_shows_acceptances_to_managers_only(world, dialogue, client_for):
    _set(world, dialogue)
    undertaking_accept(actor=world.member, workspace=dialogue.offsets, version=1)
    undertaking, rows = acceptances(dialogue.offsets)
    by_person = {row.person: row for row in rows}
    assert by_person[world.member].current and by_person[world.member].version == 1
    assert by_person[world.focal_point].version is None
    html = client_for(world.secretariat).get(reverse("workspace_roster", args=["offsets"]))
    assert "Version accepted" in html.content.decode()
    html = client_for(world.member).get(reverse("workspace_roster", args=["offsets"]))
    assert "Version accepted" not in html.content.decode()


# ------------------------------------------------------------------------------
# The chat socket: refused with 4451, and closed with 4451 when the text changes
# ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_socket_refuses_and_closes_with_4451(world, dialogue):
    from asgiref.sync import sync_to_async

    from dialogues.chat.consumer import CLOSE_NOT_FOUND, CLOSE_UNDERTAKING
    from tests.dialogues.chat.test_chat_consumer import connect, receive

    room = await sync_to_async(workspace_room)(dialogue.offsets)
    await sync_to_async(_set)(world, dialogue)
    _, connected, code = await connect(world.member, room)
    assert not connected and code == CLOSE_UNDERTAKING
    _, connected, code = await connect(world.member_nz, room)  # off the roster: as before
    assert not connected and code == CLOSE_NOT_FOUND
    await sync_to_async(undertaking_accept)(
        actor=world.member, workspace=dialogue.offsets, version=1
    )
    reader, connected, _ = await connect(world.member, room)
    assert connected
    await sync_to_async(_set)(world, dialogue, "A new version.")
    assert (await receive(reader, "revoked"))["type"] == "revoked"
    closed = await reader.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": CLOSE_UNDERTAKING}
