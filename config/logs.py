"""Structured logs: one JSON line per request and per security event, never any content.

Request lines carry the method, the path (ids and slugs only, no query string), the status, the
duration, the user id and the client address. A path that carries a credential (a calendar feed
token, an invitation token, an email-confirmation or password-reset key) is logged with that
part masked: a log read by an operator must not open anyone's feed or account. Security lines
come from accounts.audit (the action and the ids involved, never summaries, message text or
document names). daphne's access log becomes JSON lines too (install_daphne_access_log):
websocket handshakes and closes only, since every HTTP request already has the line above (and
daphne's would carry the query string).
"""

from __future__ import annotations

import json
import logging
import time

from django.utils import timezone

request_logger = logging.getLogger("enclave.request")
access_logger = logging.getLogger("daphne.access")

WEBSOCKET_ACTIONS = {
    "connecting": "WSCONNECTING",
    "connected": "WSCONNECT",
    "rejected": "WSREJECT",
    "disconnected": "WSDISCONNECT",
}


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


def log_request(*, method, path, status: int, ms: float, user: int | None, ip, token=None) -> None:
    """The one request line (never a query string or content). An API request made with a
    personal access token names the token (its name and public key, never its secret)."""
    fields = {"method": method, "path": path, "status": status, "ms": ms, "user": user, "ip": ip}
    if token is not None:
        fields["token"] = token.name
        fields["token_key"] = token.key
    request_logger.info("request", extra={"fields": fields})


# URL parameters that are credentials, by the name their routes give them (ours and allauth's).
SECRET_URL_KWARGS = frozenset({"token", "key"})
MASK = "[masked]"


def logged_path(request) -> str:
    """The request's path with any credential it carries masked."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is None:
        return path
    for name, value in match.kwargs.items():
        if name in SECRET_URL_KWARGS and value:
            path = path.replace(str(value), MASK)
    return path


class RequestLogMiddleware:
    """One line per request (placed first, so it also times everything else)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        log_request(
            method=request.method,
            path=logged_path(request),
            status=response.status_code,
            ms=round((time.monotonic() - started) * 1000, 1),
            user=user.pk if user is not None and user.is_authenticated else None,
            ip=request.META.get("REMOTE_ADDR"),
            token=getattr(request, "api_token", None),
        )
        return response


def _daphne_access_entry(self, protocol: str, action: str, details: dict) -> None:
    if protocol != "websocket" or action not in WEBSOCKET_ACTIONS:
        return
    access_logger.info(
        f"{WEBSOCKET_ACTIONS[action]} {details.get('path', '')}",
        extra={"fields": {"client": details.get("client")}},
    )


def install_daphne_access_log() -> None:
    """daphne writes its access log as plain-text lines on stdout, beside the JSON lines; its
    entries go through logging instead. daphne builds its access logger after loading the
    application, so patching the class from config.asgi is early enough."""
    try:
        from daphne.access import AccessLogGenerator
    except ImportError:  # another ASGI server: nothing to change
        return
    AccessLogGenerator.__call__ = _daphne_access_entry
