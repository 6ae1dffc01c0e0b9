"""Who makes an API request: a personal access token, or the signed-in browser.

A token is read from `Authorization: Bearer enclave_…` and resolved by accounts/api_tokens.py,
which answers None alike for an unknown, mistyped, revoked or expired token and for an official
without standing: each is the same 401. The browser's session (the documentation page trying a
call) is accepted with DRF's CSRF check on every write, so another site cannot post as the
official.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.api_tokens import api_token_resolve, api_token_used
from accounts.audit import client_ip
from accounts.standing import standing_lack
from core.counters import count_event, events_counted

FAILURE_WINDOW = 60  # seconds: refused tokens are counted per address and minute

REFUSED = _(
    "This token is not valid: it may be mistyped, revoked or expired, or its official may no "
    "longer act in Enclave."
)


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after “Bearer ”, alone."))
        # Refused tokens per address and minute before the address is refused outright (a
        # script with a revoked token retrying in a loop, or someone trying tokens): the
        # secrets cannot be guessed, but each try costs a lookup.
        failures = f"api-token-failures:{client_ip(request._request)}"
        refused, retry_after = events_counted(failures, FAILURE_WINDOW)
        if refused >= settings.ENCLAVE_API_FAILURES_PER_MINUTE:
            raise exceptions.Throttled(wait=retry_after)
        token = api_token_resolve(header[1].decode("latin-1"))
        if token is None:
            count_event(failures, FAILURE_WINDOW)
            raise exceptions.AuthenticationFailed(REFUSED)
        api_token_used(token=token, request=request._request)
        # For the request log line (config/logs.py): which token made this request.
        request._request.api_token = token
        _activate_time_zone(token.user)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="Enclave"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in browser, while the official stands (the session middleware already ended
    a session that has)."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None and standing_lack(found[0]) is not None:
            return None
        return found


def _activate_time_zone(user) -> None:
    """The official's own time zone for what the answer words (a mute's end, a date in a
    refusal), as the session's middleware activates it for pages (it ran before the token was
    read, and deactivates it again at the next request)."""
    try:
        timezone.activate(zoneinfo.ZoneInfo(user.timezone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()
