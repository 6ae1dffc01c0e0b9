"""Flow control for response bodies under daphne.

daphne 4.2 writes each `http.response.body` straight into Twisted's transport and returns at once,
so a download streams from disk as fast as the disk reads while a slower client lets the unsent
bytes pile up in the server's memory (a 200 MB file to a 100 MB/s client grew daphne by ~200 MB).
The application's `send` is daphne's `Server.handle_reply` coroutine: this makes it wait, after
writing a chunk, until the socket's unsent buffer is back under a high-water mark. Installed from
config/asgi.py; a no-op under any other server.
"""

from __future__ import annotations

import asyncio

HIGH_WATER = 2 * 1024 * 1024
POLL_SECONDS = 0.001


def _unsent(transport) -> int:
    """Bytes Twisted still holds for this socket (its write buffer and pending chunks)."""
    buffer = getattr(transport, "dataBuffer", b"")
    return len(buffer) - getattr(transport, "offset", 0) + getattr(transport, "_tempDataLen", 0)


def install() -> None:
    try:
        from daphne.server import Server
    except ImportError:  # pragma: no cover - daphne is a dependency
        return
    if getattr(Server, "enclave_flow_control", False):
        return
    write_reply = Server.handle_reply

    async def handle_reply(self, protocol, message):
        await write_reply(self, protocol, message)
        if message.get("type") != "http.response.body" or not message.get("more_body"):
            return
        transport = getattr(protocol, "transport", None)
        while transport is not None and _unsent(transport) > HIGH_WATER:
            state = self.connections.get(protocol)
            if state is None or state.get("disconnected"):
                return
            await asyncio.sleep(POLL_SECONDS)

    Server.handle_reply = handle_reply
    Server.enclave_flow_control = True
