"""`enclave_fold(text)` on every SQLite connection: the fallback search compares folded texts
(dialogues/search/text.py `fold`: case and accents dropped, for every script)."""

from __future__ import annotations

from dialogues.search.text import fold


def register_fold(sender, connection, **kwargs) -> None:
    """A `connection_created` receiver (connected in DialoguesConfig.ready)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("enclave_fold", 1, fold, deterministic=True)
