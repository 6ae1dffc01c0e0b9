"""Session lifetimes: a signed-in session ends after ENCLAVE_SESSION_IDLE_TIMEOUT seconds
without activity and ENCLAVE_SESSION_MAX_AGE seconds after sign-in, whatever the activity.

Both instants live in the session itself, so every door reads the same answer: the middleware
signs a lapsed session out at its next request, the standing rule (`standing_lack` with a
session key) refuses a websocket frame on a lapsed session, and a socket sleeps until its
session's deadline and closes then. Activity is what the official does: a page, a form, a chat
message; background requests (the bell's poll, the page asking how long it has left) and a
socket's keep-alive pings are not activity. The last-activity instant is written at most once
a minute, so a page view costs no session write.
"""

from __future__ import annotations

import datetime
import enum
import time
from collections.abc import Mapping, MutableMapping
from typing import Any

from django.conf import settings

SIGNED_IN_AT = "enclave_signed_in_at"
ACTIVE_AT = "enclave_active_at"
TOUCH_EVERY = 60  # seconds between writes of the last-activity instant
# Requests sent by a page on its own, not by the official (static/js/enclave.js, session.js).
BACKGROUND_HEADER = "X-Enclave-Background"


class Lapse(enum.StrEnum):
    IDLE = "idle"
    ABSOLUTE = "absolute"
    RECORDED = "recorded"  # another request signed this session out a moment ago


def begin(session: MutableMapping[str, Any], now: float | None = None) -> None:
    """At sign-in: both clocks start, and the stored session (and its cookie) expires at the
    absolute end, however often activity is written to it."""
    now = time.time() if now is None else now
    session[SIGNED_IN_AT] = session[ACTIVE_AT] = int(now)
    if hasattr(session, "set_expiry"):
        end = datetime.datetime.fromtimestamp(now + settings.ENCLAVE_SESSION_MAX_AGE, datetime.UTC)
        session.set_expiry(end)


def _instants(data: Mapping[str, Any]) -> tuple[float, float] | None:
    try:
        return float(data[SIGNED_IN_AT]), float(data[ACTIVE_AT])
    except (KeyError, TypeError, ValueError):
        return None


def deadlines(data: Mapping[str, Any]) -> tuple[float, float] | None:
    """(idle deadline, absolute deadline) as epoch seconds, or None for a session whose clocks
    never started (one signed in before lifetimes applied; the middleware starts them)."""
    instants = _instants(data)
    if instants is None:
        return None
    signed_in, active = instants
    return (
        active + settings.ENCLAVE_SESSION_IDLE_TIMEOUT,
        signed_in + settings.ENCLAVE_SESSION_MAX_AGE,
    )


def lapse(data: Mapping[str, Any], now: float | None = None) -> Lapse | None:
    """Why this session has ended by its lifetimes, or None while it lives."""
    ends = deadlines(data)
    if ends is None:
        return None
    now = time.time() if now is None else now
    idle_end, absolute_end = ends
    if now >= absolute_end:
        return Lapse.ABSOLUTE
    if now >= idle_end:
        return Lapse.IDLE
    return None


def deadline(data: Mapping[str, Any]) -> float | None:
    """When the session ends if nothing more happens (epoch seconds)."""
    ends = deadlines(data)
    return None if ends is None else min(ends)


def touch(session: MutableMapping[str, Any], now: float | None = None) -> bool:
    """Activity: moves the idle clock on, at most once a minute (True when it wrote). A session
    whose clocks never started starts them now."""
    now = time.time() if now is None else now
    instants = _instants(session)
    if instants is None:
        begin(session, now)
        return True
    if now - instants[1] < TOUCH_EVERY:
        return False
    session[ACTIVE_AT] = int(now)
    return True


def begin_activity(session: MutableMapping[str, Any], now: float | None = None) -> None:
    """The official said they are here ("Stay signed in"): the idle clock restarts now."""
    now = time.time() if now is None else now
    if _instants(session) is None:
        begin(session, now)
    else:
        session[ACTIVE_AT] = int(now)


def remaining(data: Mapping[str, Any], now: float | None = None) -> dict[str, int]:
    """What an open page needs to warn in time: seconds until the idle and the absolute end
    (whole periods for a session whose clocks have not started)."""
    ends = deadlines(data)
    if ends is None:
        return {
            "idle": settings.ENCLAVE_SESSION_IDLE_TIMEOUT,
            "absolute": settings.ENCLAVE_SESSION_MAX_AGE,
        }
    now = time.time() if now is None else now
    idle_end, absolute_end = ends
    return {"idle": max(0, int(idle_end - now)), "absolute": max(0, int(absolute_end - now))}


def is_background(request) -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "1"
