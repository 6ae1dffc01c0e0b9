"""Notices from the accounts layer to the layers above it (they connect in AppConfig.ready)."""

from django.dispatch import Signal

from core.events import after_commit

# Sent after commit when officials' access may have shrunk: deactivation, a jurisdiction's
# status change, a role removed, a roster change, a session ended. Keyword arguments: user_ids
# (User primary keys) and, when sessions ended, session_keys (those sessions' sockets close).
access_revoked = Signal()


def announce_access_revoked(*, sender, user_ids, session_keys=()) -> None:
    """Send `access_revoked` once the current transaction commits (core.events)."""
    user_ids, session_keys = list(user_ids), list(session_keys)
    if user_ids:
        after_commit(
            lambda: access_revoked.send(sender=sender, user_ids=user_ids, session_keys=session_keys)
        )
