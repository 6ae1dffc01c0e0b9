"""An in-memory channel layer for the embedded default that stays fast as rooms grow.

Channels' stock InMemoryChannelLayer sweeps every channel for expired messages on every send and
receive, so a broadcast to N sockets costs O(N²). This one sweeps at most once a second, puts
messages on queues directly instead of one task per recipient, and copies flat messages cheaply.
Single process only: with REDIS_URL set, channels-redis is used instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from copy import deepcopy

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

FLAT = (str, int, float, bool, type(None), bytes)


class SweepingInMemoryChannelLayer(InMemoryChannelLayer):
    sweep_interval = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._last_sweep = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now - self._last_sweep < self.sweep_interval:
            return
        self._last_sweep = now
        super()._clean_expired()

    def _put(self, channel: str, message: dict) -> None:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        copy = (
            dict(message)
            if all(isinstance(v, FLAT) for v in message.values())
            else deepcopy(message)
        )
        try:
            queue.put_nowait((time.time() + self.expiry, copy))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def send(self, channel, message):
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._put(channel, message)

    async def group_send(self, group, message):
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, {})):
            # The stock layer drops too; a client that fell this far behind catches up from
            # the database when it reconnects.
            with contextlib.suppress(ChannelFull):
                self._put(channel, message)
