"""What every chat test stands on: the offsets dialogue's room, and a channel layer of the test's
own (each test runs on its own event loop; a Redis layer's connections belong to one loop)."""

import pytest

from dialogues.models import ChatRoom


@pytest.fixture
def room(dialogue):
    return ChatRoom.objects.get(workspace=dialogue.offsets, is_workspace_room=True)


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}
