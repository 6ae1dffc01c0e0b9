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


# Sent after commit when the daily access review (accounts.reviews.memberships_review) asks a
# sponsor to review officials, once per sponsor per run. Keyword arguments: sponsor (the User
# asked), due (how many officials' access is due for review) and dormant (how many went
# dormant). Counts only: whoever shows the notice names no official.
access_review_asked = Signal()


def announce_access_review_asked(*, sender, sponsor, due: int, dormant: int) -> None:
    """Send `access_review_asked` once the current transaction commits (core.events)."""
    if due or dormant:
        after_commit(
            lambda: access_review_asked.send(
                sender=sender, sponsor=sponsor, due=due, dormant=dormant
            )
        )
