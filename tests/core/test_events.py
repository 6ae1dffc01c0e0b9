"""Announcements follow the write they announce (core.events): after commit, never on rollback,
and a failing announcement never fails or undoes the write."""

import pytest
from django.db import transaction

from core.events import after_commit
from dialogues.chat import services as chat_services
from dialogues.models import ChatMessage, ChatRoom


@pytest.mark.django_db(transaction=True)
def test_an_action_runs_after_commit_and_never_on_rollback():
    ran = []
    with transaction.atomic():
        after_commit(lambda: ran.append("committed"))
        assert ran == []
    assert ran == ["committed"]
    with pytest.raises(RuntimeError), transaction.atomic():
        after_commit(lambda: ran.append("rolled back"))
        raise RuntimeError
    assert ran == ["committed"]


@pytest.mark.django_db(transaction=True)
def test_a_channel_layer_that_fails_does_not_fail_the_message(world, dialogue, monkeypatch, caplog):
    room = ChatRoom.objects.get(workspace=dialogue.offsets, is_workspace_room=True)

    def layer_down(group, event):
        raise ConnectionError("the channel layer is down")

    monkeypatch.setattr(chat_services, "broadcast", layer_down)
    message, created = chat_services.message_send(
        actor=world.member, room=room, body="Stored all the same", client_id="down-1"
    )
    assert created and ChatMessage.objects.filter(pk=message.pk).exists()
    assert "the channel layer is down" in caplog.text
