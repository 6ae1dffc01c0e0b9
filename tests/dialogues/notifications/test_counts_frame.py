"""The bell over a chat room's socket: when a notification for the reader is created, after
commit, their sockets get a `counts` frame with their count, read by the bell's own selector;
nobody else's socket hears of it."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from dialogues.models import ChatRoom
from dialogues.notifications.live import announce_counts
from dialogues.notifications.selectors import unread_notification_count
from dialogues.threads import services as thread_services
from tests.dialogues.chat.test_chat_consumer import connect, nothing_but_presence, receive

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield


async def test_a_mention_rings_the_mentioned_readers_socket_only(world, dialogue):
    room = await database_sync_to_async(ChatRoom.objects.get)(
        workspace=dialogue.offsets, is_workspace_room=True
    )
    member, _ok, _code = await connect(world.member, room)
    bystander, _ok, _code = await connect(world.focal_point, room)
    await sync_to_async(thread_services.post_reply)(
        actor=world.observer,
        thread=dialogue.public_thread,
        body=f"@{world.member.handle} what do you think?",
    )
    frame = await receive(member, "counts")
    count = await database_sync_to_async(unread_notification_count)(user=world.member)
    assert count == 2  # the observer's reply to the member's thread, and this mention
    assert frame == {"type": "counts", "notifications": 2, "announce": "2 unread notifications"}
    assert await nothing_but_presence(bystander)
    await member.disconnect()
    await bystander.disconnect()


async def test_the_frame_counts_only_what_the_reader_may_see(world, dialogue):
    """The frame carries no item: each socket asks the bell's selector, so a notification the
    reader may not see (a full-members-only thread, for an observer) is never counted."""
    from dialogues.models import Notification

    room = await database_sync_to_async(ChatRoom.objects.get)(
        workspace=dialogue.offsets, is_workspace_room=True
    )
    observer, _ok, _code = await connect(world.observer, room)
    before = await database_sync_to_async(unread_notification_count)(user=world.observer)
    await database_sync_to_async(Notification.objects.create)(
        recipient=world.observer,
        kind=Notification.Kind.MENTION,
        actor=world.member,
        workspace=dialogue.offsets,
        thread=dialogue.members_thread,
    )
    await database_sync_to_async(announce_counts)([world.observer.pk])
    frame = json.loads(await observer.receive_from(timeout=5))
    while frame["type"] == "presence":
        frame = json.loads(await observer.receive_from(timeout=5))
    assert frame["type"] == "counts" and frame["notifications"] == before
    await observer.disconnect()


async def test_an_access_review_rings_the_sponsors_socket(world, dialogue):
    """The daily review rings a sponsor's bell (a notice about no workspace): their open
    sockets get a counts frame that counts it."""
    from accounts.signals import access_review_asked

    room = await database_sync_to_async(ChatRoom.objects.get)(
        workspace=dialogue.offsets, is_workspace_room=True
    )
    sponsor, _ok, _code = await connect(world.focal_point, room)
    bystander, _ok, _code = await connect(world.member, room)
    before = await database_sync_to_async(unread_notification_count)(user=world.focal_point)
    await sync_to_async(access_review_asked.send)(
        sender=None, sponsor=world.focal_point, due=2, dormant=0
    )
    frame = await receive(sponsor, "counts")
    assert frame["notifications"] == before + 1
    assert await nothing_but_presence(bystander)
    await sponsor.disconnect()
    await bystander.disconnect()
