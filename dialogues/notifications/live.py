"""The bell, live over the sockets a page already holds (a chat room's).

After a notification is created and committed, each recipient's per-user group hears that
their counts changed; each of their sockets then asks the bell's own selector (the policy's
filter) for the count and sends it as a `counts` frame. Nothing about the notification itself
travels: only that the reader's count may have moved. Pages without a socket poll instead
(the `live_counts` view).
"""

from __future__ import annotations

from collections.abc import Iterable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from core.events import after_commit

COUNTS_CHANGED = "counts.changed"


def announce_counts(user_ids: Iterable[int]) -> None:
    """After commit, tell these users' open sockets that their counts changed."""
    ids = sorted(set(user_ids))
    if ids:
        after_commit(lambda: _ring(ids))


def _ring(user_ids: list[int]) -> None:
    # Imported here: the chat services notify (and so import this part) at import time.
    from dialogues.chat.services import user_group

    send = async_to_sync(get_channel_layer().group_send)
    for user_id in user_ids:
        send(user_group(user_id), {"type": COUNTS_CHANGED})
