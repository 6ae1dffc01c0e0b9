"""Sensitive actions ask for the password (or a second factor) again: allauth's reauthentication.

Changing a second factor (allauth's own views), preparing a personal-data export, erasing an
official, changing a jurisdiction's status and creating an API token each call
`confirm_recent_authentication` once the policy has allowed the action, so a refusal stays the
policy's 404 or 403. Unless the official confirmed within ACCOUNT_REAUTHENTICATION_TIMEOUT,
allauth's middleware sends them to its reauthentication page and replays the POST afterwards.
"""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required


@reauthentication_required
def _confirmed(request) -> None:
    return None


def confirm_recent_authentication(request) -> None:
    """Raises allauth's ReauthenticationRequired unless the signed-in official confirmed their
    password or second factor a moment ago."""
    _confirmed(request)
