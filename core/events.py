"""Events after commit: the database is the truth, a notice goes out only once it holds.

Every announcement that follows a write (sockets to close, a chat event, an email) is queued
with `after_commit`: it runs when the surrounding transaction commits, never if it rolls back,
and at once outside a transaction. A failing announcement (a channel layer or mail server that
is down) is logged and never undoes or fails the write it follows.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction


def after_commit(action: Callable[[], object]) -> None:
    transaction.on_commit(action, robust=True)
