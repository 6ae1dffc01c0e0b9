"""Counts of events in fixed windows of time, in the shared cache, so that every server process
counts together: the rate limits of chat messages, calendar feed fetches and refused API
tokens."""

from __future__ import annotations

import time

from django.core.cache import cache


def _window(name: str, window: int) -> tuple[str, int]:
    """The cache key of the current window for `name`, and the seconds until it ends."""
    now = time.time()
    slot = int(now // window)
    return f"{name}:{slot}", max(1, int((slot + 1) * window - now) + 1)


def count_event(name: str, window: int) -> tuple[int, int]:
    """Count one more event under `name` in the current window of `window` seconds: (how many
    in this window so far, this one included; seconds until the window ends)."""
    key, retry_after = _window(name, window)
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window * 2)
        count = 1
    return count, retry_after


def events_counted(name: str, window: int) -> tuple[int, int]:
    """How many events `name` has in the current window, without counting one; and the
    seconds until the window ends."""
    key, retry_after = _window(name, window)
    return cache.get(key) or 0, retry_after
