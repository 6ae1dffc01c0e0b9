"""Flow control for response bodies under daphne.

daphne 4.2 writes each `http.response.body` straight into Twisted's transport and returns at once,
so a download streams from disk as fast as the disk reads while a slower client lets the unsent
bytes pile up in the server's memory (a 200 MB file to a 100 MB/s client grew daphne by ~200 MB).
The application's `send` is daphne's `Server.handle_reply` coroutine: this makes it wait, after
writing a chunk, until the socket's unsent buffer is back under a high-water mark. Installed from
config/asgi.py; a no-op under any other server.

Throughput: Django's ASGI handler cuts every body part into 64 KiB messages and Twisted writes at
most 128 KiB per event-loop turn, so a streamed download paid Python's per-message and per-turn
overhead every 64-128 KiB. Both are raised to BODY_CHUNK (1 MiB; the download view reads that much
at a time). Memory per response stays bounded: at most HIGH_WATER unsent plus one body message.
"""

from __future__ import annotations

import asyncio

HIGH_WATER = 2 * 1024 * 1024
POLL_SECONDS = 0.001
BODY_CHUNK = 1024 * 1024


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
    from django.core.handlers.asgi import ASGIHandler

    # Body messages of up to BODY_CHUNK (Django's default: 64 KiB), for every response.
    ASGIHandler.chunk_size = max(ASGIHandler.chunk_size, BODY_CHUNK)
    write_reply = Server.handle_reply

    async def handle_reply(self, protocol, message):
        await write_reply(self, protocol, message)
        if message.get("type") != "http.response.body" or not message.get("more_body"):
            return
        transport = getattr(protocol, "transport", None)
        if getattr(transport, "SEND_LIMIT", BODY_CHUNK) < BODY_CHUNK:
            # One send() per event-loop turn of up to BODY_CHUNK (Twisted's default: 128 KiB).
            transport.SEND_LIMIT = BODY_CHUNK
        while transport is not None and _unsent(transport) > HIGH_WATER:
            state = self.connections.get(protocol)
            if state is None or state.get("disconnected"):
                return
            await asyncio.sleep(POLL_SECONDS)

    Server.handle_reply = handle_reply
    Server.enclave_flow_control = True
