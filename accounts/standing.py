"""Standing: whether an account may act at all. One rule, asked by every door.

An official stands when the account is active and not suspended (its access review date passed
unconfirmed), belongs to a jurisdiction that is not former (or to the Secretariat), has enrolled
a second factor where the policy requires one, and, for a door that carries a session of its
own (a websocket), that session is still alive. The access
policy (`workspaces/access.py`) asks `has_standing` before anything else, so every view, export,
download and service refuses a user without standing; the websocket consumer asks
`standing_lack` on connect and before every frame; the MFA middleware turns the missing second
factor into the enrolment page; `people_with_standing` is the same rule as a query.
"""

from __future__ import annotations

import enum
from importlib import import_module
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from . import session_lifetime
from .models import Jurisdiction

# Kinds of authenticator that count as a second factor (recovery codes alone do not).
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
_CACHE = "_enclave_has_second_factor"


class Lack(enum.StrEnum):
    """Why an account may not act (None from `standing_lack`: it may)."""

    SIGNED_OUT = "signed_out"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"  # its access review date passed unconfirmed (accounts/reviews.py)
    FORMER = "former"  # its jurisdiction left the partnership
    UNAFFILIATED = "unaffiliated"  # neither a jurisdiction's official nor Secretariat staff
    SESSION_ENDED = "session_ended"
    SECOND_FACTOR = "second_factor"


def second_factor_required(user: Any) -> bool:
    """Co-Chairs, Secretariat staff and admin staff always; everyone when the setting says so."""
    return bool(
        settings.ENCLAVE_MFA_REQUIRED_FOR_ALL
        or user.is_co_chair
        or user.is_secretariat
        or user.is_staff
    )


def has_second_factor(user: Any) -> bool:
    """Whether the user enrolled TOTP or a security key; read once per user object (a request's
    user, or the fresh copy a websocket loads before each frame)."""
    cached = user.__dict__.get(_CACHE)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exists()
        user.__dict__[_CACHE] = cached
    return cached


def account_lack(user: Any) -> Lack | None:
    """What sign-in checks: the account itself (active, not suspended, jurisdiction not
    former)."""
    if not getattr(user, "is_authenticated", False):
        return Lack.SIGNED_OUT
    if not user.is_active:
        return Lack.INACTIVE
    if user.suspended_at is not None or _review_lapsed(user):
        return Lack.SUSPENDED
    jurisdiction = user.jurisdiction if user.jurisdiction_id else None
    if jurisdiction is not None and jurisdiction.status == Jurisdiction.Status.FORMER:
        return Lack.FORMER
    return None


def _review_lapsed(user: Any) -> bool:
    """Past the access review date unconfirmed: suspended from that day on, at every door,
    whether or not the daily run (`review_memberships`) has recorded the suspension yet."""
    review_on = getattr(user, "access_review_on", None)
    return review_on is not None and not user.is_superuser and review_on < timezone.localdate()


def standing_lack(user: Any, *, session_key: str | None = None) -> Lack | None:
    """Why `user` may not act now, or None. With `session_key`, the session must also still be
    alive and still be this user's (for doors that outlive a request, such as websockets)."""
    lack = account_lack(user)
    if lack is not None:
        return lack
    if session_key is not None and not _session_alive(session_key, user):
        return Lack.SESSION_ENDED
    # Before affiliation: an operator's admin account must enrol its second factor too.
    if second_factor_required(user) and not has_second_factor(user):
        return Lack.SECOND_FACTOR
    if user.jurisdiction_id is None and not user.is_secretariat:
        return Lack.UNAFFILIATED
    return None


def has_standing(user: Any) -> bool:
    return standing_lack(user) is None


def _session_alive(session_key: str, user: Any) -> bool:
    store = session_store(session_key)
    # An ended or expired session loads empty; a session of someone else never matches; a
    # session past its idle or absolute lifetime has ended though nobody has signed it out yet.
    return str(store.get(SESSION_KEY, "")) == str(user.pk) and session_lifetime.lapse(store) is None


def session_store(session_key: str):
    """The stored session of a door that outlives a request (a websocket)."""
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def people_with_standing() -> Q:
    """The same rule over accounts, for queries (who may be notified, who may view)."""
    affiliated = Q(jurisdiction__isnull=True, is_secretariat=True) | (
        Q(jurisdiction__isnull=False) & ~Q(jurisdiction__status=Jurisdiction.Status.FORMER)
    )
    factor = Exists(Authenticator.objects.filter(user=OuterRef("pk"), type__in=SECOND_FACTOR_TYPES))
    if settings.ENCLAVE_MFA_REQUIRED_FOR_ALL:
        second = Q(factor)
    else:
        exempt = Q(is_co_chair=False, is_secretariat=False, is_staff=False)
        second = exempt | Q(factor)
    reviewed = Q(is_superuser=True) | Q(access_review_on__gte=timezone.localdate())
    return Q(is_active=True, suspended_at__isnull=True) & reviewed & affiliated & second
