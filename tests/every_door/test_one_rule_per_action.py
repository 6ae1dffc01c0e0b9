"""One rule per action, whatever the door: archive is read-only for chat as for posts and
documents; the chat rate limit holds for the plain form as for the websocket; a hidden item's
text is readable by its author and the moderators, on every surface, and by nobody else."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from dialogues.chat import services as chat_services
from dialogues.models import ChatMessage, ChatRoom
from dialogues.search.services import search
from dialogues.threads import services as thread_services
from tests.factories import DocumentFactory
from workspaces.documents import document_delete
from workspaces.services import workspace_archive


@pytest.fixture
def room(dialogue):
    return ChatRoom.objects.get(workspace=dialogue.offsets, is_workspace_room=True)


def archive(world, dialogue):
    workspace_archive(actor=world.secretariat, workspace=dialogue.offsets, reason="Concluded")
    dialogue.offsets.refresh_from_db()


def test_archive_is_read_only_for_chat_posts_and_documents_alike(world, dialogue, room, client_for):
    message, _ = chat_services.message_send(
        actor=world.member, room=room, body="Mine", client_id="a1"
    )
    document = DocumentFactory(workspace=dialogue.offsets, uploaded_by=world.member)
    archive(world, dialogue)
    room.refresh_from_db()
    for remove in (
        lambda: chat_services.message_delete(actor=world.member, message=message),
        lambda: thread_services.post_delete(actor=world.member, post=dialogue.opening),
        lambda: document_delete(actor=world.member, document=document, reason="Mine"),
    ):
        with pytest.raises(PermissionDenied, match="archived"):
            remove()
    # The plain-HTTP door refuses too, and the page offers no delete button.
    client = client_for(world.member)
    url = reverse("chat_delete", kwargs={"slug": "offsets", "seq": message.seq})
    assert client.post(url).status_code == 403
    message.refresh_from_db()
    assert message.deleted_at is None
    page = client.get(reverse("chat_room", kwargs={"slug": "offsets"})).content.decode()
    assert f"{message.seq}/delete/" not in page
    thread = client.get(
        reverse("thread_detail", kwargs={"slug": "offsets", "pk": dialogue.public_thread.pk})
    ).content.decode()
    assert reverse("post_delete", kwargs={"pk": dialogue.opening.pk}) not in thread


def test_the_plain_form_shares_the_websocket_rate_limit(
    world, dialogue, room, client_for, settings
):
    settings.ENCLAVE_CHAT_RATE_BURST = 3
    # Windows are clock-aligned: a 10 s one could turn over mid-test and reset the count.
    settings.ENCLAVE_CHAT_RATE_WINDOW = 3600
    client = client_for(world.member)
    url = reverse("chat_send", kwargs={"slug": "offsets"})
    for n in range(3):
        client.post(url, {"body": f"Point {n}", "client_id": f"form-{n}"})
    response = client.post(url, {"body": "One too many", "client_id": "form-3"})
    assert "too fast" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert ChatMessage.objects.filter(room=room).count() == 3
    # A retry of a message already stored is answered, not counted.
    client.post(url, {"body": "Point 0", "client_id": "form-0"})
    assert ChatMessage.objects.filter(room=room).count() == 3


def test_hidden_text_is_one_rule_on_pages_search_and_chat(world, dialogue, room, client_for):
    # The observer's reply is hidden by the Secretariat (a moderator of `offsets`).
    thread_services.post_set_hidden(
        actor=world.secretariat, post=dialogue.reply, hidden=True, reason="Off topic"
    )
    message, _ = chat_services.message_send(
        actor=world.observer, room=room, body="Chile's chat view", client_id="h1"
    )
    chat_services.message_hide(actor=world.secretariat, message=message, reason="Off topic")
    thread_url = reverse(
        "thread_detail", kwargs={"slug": "offsets", "pk": dialogue.public_thread.pk}
    )
    chat_url = reverse("chat_room", kwargs={"slug": "offsets"})
    readers = {world.observer: True, world.secretariat: True, world.member: False}
    for reader, may_read in readers.items():
        client = client_for(reader)
        thread_page = client.get(thread_url).content.decode()
        assert ("view on it." in thread_page) is may_read, reader
        chat_page = client.get(chat_url).content.decode()
        assert ("chat view" in chat_page) is may_read, reader
        found = [hit for hit in search(user=reader, query="Chile's view") if hit.kind == "post"]
        assert bool(found) is may_read, reader
        history = chat_services.messages_before(user=reader, room=room, before_seq=None)
        frame = chat_services.serialize(history[-1])
        assert ("Chile" in frame["html"]) is may_read, reader
    # A broadcast goes to everyone alike: it never carries the hidden text.
    message.refresh_from_db()
    assert chat_services.serialize(message)["html"] == ""
