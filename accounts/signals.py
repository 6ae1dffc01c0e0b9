"""Notices from the accounts layer to the layers above it (they connect in AppConfig.ready)."""

from django.dispatch import Signal

# Sent after commit when officials' access may have shrunk: deactivation, a jurisdiction's
# status change, a role removed. Keyword argument: user_ids (a list of User primary keys).
access_revoked = Signal()
