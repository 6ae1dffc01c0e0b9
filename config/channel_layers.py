"""An in-memory channel layer for the embedded default that stays fast as rooms grow.

Channels' stock InMemoryChannelLayer sweeps every channel for expired messages on every send and
receive, so a broadcast to N sockets costs O(N²). This one sweeps at most once a second, puts
messages on queues directly instead of one task per recipient, and copies flat messages cheaply.

Per delivery (one message to one socket) it also does no more than it must: the stock receive
checks the channel name with a regex, builds a new asyncio.Queue on every call (and drops the
queue each time it runs empty, so the next message builds another); here a channel's queue lives
while someone receives on it or messages wait in it, and empty, unwatched queues go in the
once-a-second sweep. A group send decides once per message how to copy it, not once per
recipient.
Single process only: with REDIS_URL set, channels-redis is used instead.
"""

from __future__ import annotations

import asyncio
import time
from copy import deepcopy

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

FLAT = (str, int, float, bool, type(None), bytes)


def _copier(message: dict):
    """How to copy `message` for each recipient: a shallow dict copy when every value is flat
    (immutable), else a deep copy (as the stock layer always does)."""
    if all(isinstance(value, FLAT) for value in message.values()):
        return dict
    return deepcopy


class SweepingInMemoryChannelLayer(InMemoryChannelLayer):
    sweep_interval = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._last_sweep = 0.0
        # Channel name -> receivers waiting on it now (their queue must not be swept).
        self._receiving: dict[str, int] = {}

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_sweep < self.sweep_interval:
            return
        self._last_sweep = now
        super()._clean_expired()
        for channel, queue in list(self.channels.items()):
            if queue.empty() and channel not in self._receiving:
                del self.channels[channel]

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    def _offer(self, channel: str, message: dict, copy, expires: float) -> bool:
        """Queue a copy of `message` on `channel`; False when the channel is full."""
        try:
            self._queue(channel).put_nowait((expires, copy(message)))
        except asyncio.QueueFull:
            return False
        return True

    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        if not self._offer(channel, message, _copier(message), time.time() + self.expiry):
            raise ChannelFull(channel)

    async def receive(self, channel):
        queue = self.channels.get(channel)
        if queue is None:
            # A channel seen for the first time (or swept while idle): check its name as the
            # stock layer does on every call.
            self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        if not queue.empty():  # a backlog: no waiting, no bookkeeping
            return queue.get_nowait()[1]
        self._receiving[channel] = self._receiving.get(channel, 0) + 1
        try:
            _, message = await queue.get()
        finally:
            left = self._receiving.pop(channel, 1) - 1
            if left:
                self._receiving[channel] = left
        return message

    async def group_send(self, group, message):
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        copy, expires = _copier(message), time.time() + self.expiry
        for channel in list(self.groups.get(group, {})):
            # A full channel drops the message, as in the stock layer; a client that fell this
            # far behind catches up from the database when it reconnects.
            self._offer(channel, message, copy, expires)
