"""Notices from the accounts layer to the layers above it (they connect in AppConfig.ready)."""

from django.dispatch import Signal

# Sent after commit when officials' access may have shrunk: deactivation, a jurisdiction's
# status change, a role removed, a roster change, a session ended. Keyword arguments: user_ids
# (User primary keys) and, when sessions ended, session_keys (those sessions' sockets close).
access_revoked = Signal()
