"""Request bodies stop at the size limit before they are read, for every HTTP request.

Django's ASGI handler copies the whole body into a temporary file before any view or upload
handler runs, so a limit checked there comes after an oversize body was taken in. This wrapper,
around the HTTP application in config/asgi.py, applies workspaces.uploads.request_body_limit as
the body arrives:

- multipart (the document forms), over the limit: Django gets the body cut short, a declared
  oversize one after PREFIX_BYTES (forms send the CSRF token first), a streamed one where it
  passed the limit; the scope says so (BODY_TOO_LARGE), the upload handler drops the file and
  the view answers with the size message;
- any other body over the limit: 413 from here, and the application is not run.

The rest of an oversize body is never asked of the server.
"""

from __future__ import annotations

import asyncio

from config.logs import log_request
from workspaces.uploads import BODY_TOO_LARGE, is_multipart, request_body_limit

PREFIX_BYTES = 64 * 1024
_END = {"type": "http.request", "body": b"", "more_body": False}


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _declared_length(scope) -> int | None:
    value = _header(scope, b"content-length").strip()
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    return int(value) if value.isascii() and value.isdigit() else None


async def _refuse(scope, send) -> None:
    # Django never sees this request: its one request line is written here, in the same form.
    client = scope.get("client") or (None, None)
    log_request(
        method=scope.get("method"),
        path=scope.get("path"),
        status=413,
        ms=0.0,
        user=None,
        ip=client[0],
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                # Answered before Django's middleware: the strict headers are set here.
                (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
                (b"x-content-type-options", b"nosniff"),
                (b"cache-control", b"private, no-store"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"Request body too large.\n"})


class _LimitedReceive:
    """The server's `receive`, passing at most `allowed` body bytes; past them it ends the body
    (or, with `abort`, reports a disconnect) and never reads from the server again."""

    def __init__(self, receive, scope: dict, allowed: int, *, abort: bool = False):
        self.receive = receive
        self.scope = scope
        self.allowed = allowed
        self.abort = abort
        self.seen = 0
        self.ended = False

    async def __call__(self) -> dict:
        if self.ended:
            if self.scope.get(BODY_TOO_LARGE):
                # The rest of the body stays unread; Django's disconnect listener waits here
                # until the response is sent and it is cancelled.
                await asyncio.Future()
            return await self.receive()
        message = await self.receive()
        if message["type"] != "http.request":
            return message
        body = message.get("body", b"")
        self.seen += len(body)
        if self.seen > self.allowed:
            self.scope[BODY_TOO_LARGE] = True
            self.ended = True
            if self.abort:
                return {"type": "http.disconnect"}
            keep = len(body) - (self.seen - self.allowed)
            return {"type": "http.request", "body": body[:keep], "more_body": False}
        if not message.get("more_body", False):
            self.ended = True
        return message


class RequestBodyLimit:
    """ASGI middleware: the request size rule of workspaces.uploads, applied before reading."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        content_type = _header(scope, b"content-type")
        limit = request_body_limit(content_type)
        multipart = is_multipart(content_type)
        declared = _declared_length(scope)
        scope = dict(scope)
        if declared is not None and declared > limit:
            if not multipart:
                return await _refuse(scope, send)
            scope[BODY_TOO_LARGE] = True
            limited = _LimitedReceive(receive, scope, PREFIX_BYTES)
            return await self.app(scope, limited, send)

        started = False

        async def watched_send(message):
            nonlocal started
            started = True
            await send(message)

        limited = _LimitedReceive(receive, scope, limit, abort=not multipart)
        await self.app(scope, limited, watched_send)
        if scope.get(BODY_TOO_LARGE) and not multipart and not started:
            await _refuse(scope, send)
