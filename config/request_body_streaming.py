"""Request bodies under daphne: read from daphne's spool file when the application asks.

Twisted spools a request body to a temporary file as it arrives (on disk from 100 kB). Then,
before the application runs:
- Twisted parses a form body (multipart or URL-encoded) into `request.args` with the email
  package, in memory, several copies deep (~10x the body); daphne never reads `args`. Off.
- daphne 4.2 reads the file whole into the application's queue, 8 KiB per message, before the
  application has read any of it, so an oversize body was in memory before it could be refused.
  Here the application's `receive` reads the next BODY_CHUNK from that file only when called:
  a body costs one chunk of memory at a time, and a body the application stops reading
  (config/request_limits.py) is never read.
Installed from config/asgi.py; a no-op under any other server.
"""

from __future__ import annotations

import asyncio
import inspect
from functools import partial

BODY_CHUNK = 1024 * 1024


class _Messages(asyncio.Queue):
    """What daphne puts for the application: its body messages are dropped (the body is read
    from the spool file instead); the others (the disconnect) are kept."""

    def __init__(self, request):
        super().__init__()
        self.request = request

    def put_nowait(self, message):
        if message.get("type") != "http.request":
            return super().put_nowait(message)
        content = getattr(self.request, "content", None)
        if content is not None and not content.closed:
            # daphne reads the file until a short read: from the end, its next read is empty.
            content.seek(0, 2)
        return None


class _SpooledBody:
    """`receive` for one HTTP request: the body from the spool file, a chunk per call, then
    what daphne sends afterwards."""

    def __init__(self, request, messages: _Messages):
        self.request = request
        self.messages = messages
        self.offset = 0
        self.done = False

    async def __call__(self) -> dict:
        if self.done:
            return await self.messages.get()
        content = getattr(self.request, "content", None)
        if content is None or content.closed:  # the connection is gone
            self.done = True
            return {"type": "http.disconnect"}
        content.seek(self.offset)
        chunk = content.read(BODY_CHUNK)
        self.offset += len(chunk)
        self.done = len(chunk) < BODY_CHUNK
        return {"type": "http.request", "body": chunk, "more_body": not self.done}


def install() -> None:
    try:
        from daphne.http_protocol import WebRequest
        from daphne.server import Server
        from twisted.web.http import Request
    except ImportError:  # pragma: no cover - daphne is a dependency
        return
    if getattr(Server, "enclave_spooled_body", False):
        return
    request_init = WebRequest.__init__

    def init_without_form_parsing(self, *args, **kwargs):
        kwargs.setdefault("parsePOSTFormSubmission", False)
        request_init(self, *args, **kwargs)

    if "parsePOSTFormSubmission" in inspect.signature(Request.__init__).parameters:
        WebRequest.__init__ = init_without_form_parsing
    create_application = Server.create_application

    def create_http_application(self, protocol, scope):
        if scope.get("type") != "http" or not isinstance(protocol, WebRequest):
            return create_application(self, protocol, scope)
        # daphne 4.2's create_application, with the spool-file `receive`.
        assert "application_instance" not in self.connections[protocol]
        messages = _Messages(protocol)
        scope.setdefault("asgi", {"version": "3.0"})
        instance = self.application(
            scope=scope,
            receive=_SpooledBody(protocol, messages),
            send=partial(self.handle_reply, protocol),
        )
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            instance, loop=asyncio.get_event_loop()
        )
        return messages

    Server.create_application = create_http_application
    Server.enclave_spooled_body = True
