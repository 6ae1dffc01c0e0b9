"""The per-delivery paths of live chat: the in-memory channel layer (config/channel_layers.py)
and the consumer's frame sending (dialogues/chat/consumer.py). No database."""

import asyncio

import pytest
from channels.exceptions import ChannelFull
from channels.sessions import InstanceSessionWrapper

from config.channel_layers import SweepingInMemoryChannelLayer
from dialogues.chat.consumer import _frame_sender

pytestmark = pytest.mark.asyncio

TIMEOUT = 2


def layer(**config) -> SweepingInMemoryChannelLayer:
    return SweepingInMemoryChannelLayer(**config)


async def test_messages_arrive_in_order_on_one_queue():
    channels = layer()
    name = await channels.new_channel()
    for n in range(3):
        await channels.send(name, {"type": "chat.event", "text": str(n)})
    queue = channels.channels[name]
    got = [(await channels.receive(name))["text"] for _ in range(3)]
    assert got == ["0", "1", "2"]
    waiting = asyncio.ensure_future(channels.receive(name))
    await asyncio.sleep(0)
    await channels.send(name, {"type": "chat.event", "text": "3"})
    assert (await asyncio.wait_for(waiting, TIMEOUT))["text"] == "3"
    assert channels.channels[name] is queue  # not rebuilt per message


async def test_a_waiting_receivers_queue_is_never_swept_an_idle_one_is():
    channels = layer()
    channels.sweep_interval = 0
    watched, idle = await channels.new_channel(), await channels.new_channel()
    await channels.send(idle, {"type": "x"})
    await channels.receive(idle)  # now empty, nobody waiting
    waiting = asyncio.ensure_future(channels.receive(watched))
    await asyncio.sleep(0)
    channels._clean_expired()
    assert watched in channels.channels and idle not in channels.channels
    await channels.send(watched, {"type": "x", "n": 1})
    assert (await asyncio.wait_for(waiting, TIMEOUT))["n"] == 1
    # A cancelled receive (how a consumer stops) leaves nothing behind after the sweep.
    stopped = asyncio.ensure_future(channels.receive(watched))
    await asyncio.sleep(0)
    stopped.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopped
    assert channels._receiving == {}
    channels._clean_expired()
    assert channels.channels == {}


async def test_group_send_gives_each_recipient_its_own_copy():
    channels = layer()
    first, second = await channels.new_channel(), await channels.new_channel()
    await channels.group_add("room.1", first)
    await channels.group_add("room.1", second)
    await channels.group_send("room.1", {"type": "chat.event", "text": "hi"})
    await channels.group_send("room.1", {"type": "other", "nested": {"a": [1]}})
    a, b = await channels.receive(first), await channels.receive(second)
    assert a == b == {"type": "chat.event", "text": "hi"} and a is not b
    a, b = await channels.receive(first), await channels.receive(second)
    a["nested"]["a"].append(2)
    assert b["nested"] == {"a": [1]}


async def test_a_full_channel_drops_group_messages_and_refuses_direct_ones():
    channels = layer(capacity=1)
    full, free = await channels.new_channel(), await channels.new_channel()
    await channels.group_add("room.1", full)
    await channels.group_add("room.1", free)
    await channels.send(full, {"type": "x", "n": 0})
    await channels.group_send("room.1", {"type": "x", "n": 1})  # no error: dropped for `full`
    assert (await channels.receive(free))["n"] == 1
    assert (await channels.receive(full))["n"] == 0
    await channels.send(full, {"type": "x", "n": 2})
    with pytest.raises(ChannelFull):
        await channels.send(full, {"type": "x", "n": 3})


async def test_receive_still_checks_a_new_channels_name():
    with pytest.raises(TypeError):
        await layer().receive("not a valid name!")


# ------------------------------------------------------------------------------ the consumer


async def test_frames_skip_only_a_session_wrapper_that_saves_on_no_websocket_message():
    async def send(message):
        pass

    wrapper = InstanceSessionWrapper({"cookies": {}}, send)
    assert _frame_sender(wrapper.send) is send
    assert _frame_sender(send) is send

    class Saving(InstanceSessionWrapper):
        save_message_types = ["http.response.start", "websocket.send"]

    saving = Saving({"cookies": {}}, send)
    assert _frame_sender(saving.send) == saving.send
