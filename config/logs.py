"""Structured logs: one JSON line per request and per security event, never any content.

Request lines carry the method, the path (ids and slugs only, no query string), the status, the
duration, the user id and the client address. Security lines come from accounts.audit (the
action and the ids involved, never summaries, message text or document names).
"""

from __future__ import annotations

import json
import logging
import time

from django.utils import timezone

request_logger = logging.getLogger("enclave.request")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": timezone.now().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(entry, separators=(",", ":"), default=str)


class RequestLogMiddleware:
    """One line per request (placed first, so it also times everything else)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        request_logger.info(
            "request",
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.monotonic() - started) * 1000, 1),
                    "user": user.pk if user is not None and user.is_authenticated else None,
                    "ip": request.META.get("REMOTE_ADDR"),
                }
            },
        )
        return response
