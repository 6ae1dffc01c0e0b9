"""What every API request must have: an official with standing and, to write, a token that may
write. What the official may see and do is then the access policy's answer, asked by the same
selectors and services as the pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts.models import ApiToken
from accounts.standing import standing_lack


class StandingAndScope(BasePermission):
    message = _("This token may only read: make a token that may read and write for this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or standing_lack(user) is not None:
            return False  # DRF answers 401 when no credential was given, else 403
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in SAFE_METHODS:
            return token.may_write
        return True
