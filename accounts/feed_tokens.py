"""Private calendar feed links: one per official, reset at will, stored only as a hash.

The link carries a token: base64url(HMAC-SHA-256(server secret, random nonce)), 256 bits. The
database keeps the nonce and the token's SHA-256 (`CalendarFeedToken`), so a copy of the database
opens no feed without the server's secret key; the profile recomputes the link from the nonce to
show it again. Resetting replaces the row: the old link stops working at the next request.
Rotating `SECRET_KEY` leaves old links working (they are looked up by their digest) but the
profile can no longer show them: it asks for a reset instead.

A fetch is audited as a kind (`CALENDAR_FEED_READ`), not once per fetch: a calendar app polls
every few minutes for years, and a record per poll would drown the log. One record on the first
fetch from each new address (a leaked link fetched from elsewhere shows up at once) and then one
every `ENCLAVE_CALENDAR_FEED_AUDIT_EVERY` fetches (counted in the shared cache), carrying the
count since the last record.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_noop

from .audit import audit_record, client_ip, sentence
from .models import AuditEvent, CalendarFeedToken, User
from .services import site_url
from .standing import standing_lack

_SALT = "enclave.accounts.calendar_feed"
# Longest token accepted from a URL (ours are 43 characters); longer input is not hashed.
MAX_TOKEN_LENGTH = 64


def _audit_every() -> int:
    return max(1, int(getattr(settings, "ENCLAVE_CALENDAR_FEED_AUDIT_EVERY", 100)))


def _token_from(nonce: str) -> str:
    mac = salted_hmac(_SALT, nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


@transaction.atomic
def feed_token_reset(*, actor: User, request: HttpRequest | None = None) -> str:
    """Give `actor` a new feed link (the first, or one replacing the old): returns its token.
    The old token's row is replaced, so the old link is dead as soon as this commits."""
    if standing_lack(actor) is not None:
        raise PermissionDenied
    nonce = secrets.token_hex(32)
    token = _token_from(nonce)
    had_one = CalendarFeedToken.objects.filter(user=actor).delete()[0] > 0
    CalendarFeedToken.objects.create(user=actor, nonce=nonce, digest=token_digest(token))
    audit_record(
        action=AuditEvent.Action.CALENDAR_FEED_RESET,
        actor=actor,
        target_user=actor,
        summary=sentence(
            gettext_noop("Calendar feed link replaced: the old link no longer works")
            if had_one
            else gettext_noop("Calendar feed link created")
        ),
        detail={"replaced": had_one},
        request=request,
    )
    return token


def has_feed_token(user: User) -> bool:
    return CalendarFeedToken.objects.filter(user=user).exists()


def feed_token_of(user: User) -> str | None:
    """The token of `user`'s current link, recomputed for their profile; None when there is
    none, or when it was made under a secret key that has since been rotated."""
    record = CalendarFeedToken.objects.filter(user=user).first()
    if record is None:
        return None
    token = _token_from(record.nonce)
    return token if constant_time_compare(token_digest(token), record.digest) else None


def feed_url(request: HttpRequest | None, token: str) -> str:
    return site_url(request) + reverse("calendar_feed", kwargs={"token": token})


def feed_profile_context(request: HttpRequest, user: User) -> dict:
    """What the profile's calendar card shows: the full link, or that there is none (or that
    it cannot be shown again and needs a reset)."""
    record = CalendarFeedToken.objects.filter(user=user).first()
    token = feed_token_of(user) if record is not None else None
    return {
        "exists": record is not None,
        "url": feed_url(request, token) if token else "",
        "created_at": record.created_at if record is not None else None,
    }


def feed_token_resolve(token: str) -> CalendarFeedToken | None:
    """The link record behind `token`, or None: unknown, replaced, or its official has no
    standing now (inactive, suspended, former jurisdiction, second factor missing). The caller
    answers all of these the same way."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    record = (
        CalendarFeedToken.objects.select_related("user", "user__jurisdiction")
        .filter(digest=token_digest(token))
        .first()
    )
    if record is None or standing_lack(record.user) is not None:
        return None
    return record


def feed_fetch_audit(*, record: CalendarFeedToken, request: HttpRequest | None) -> bool:
    """Count a fetch of `record`'s feed; write an audit record when it comes from a new
    address, or is the N-th since the last record. Returns whether a record was written."""
    address = client_ip(request)
    key = f"calendar-feed-fetches:{record.pk}"
    cache.add(key, 0, timeout=None)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=None)
        count = 1
    new_address = address is not None and address != record.last_address
    if not new_address and count < _audit_every():
        return False
    cache.set(key, 0, timeout=None)
    if new_address:
        CalendarFeedToken.objects.filter(pk=record.pk).update(last_address=address)
        record.last_address = address
    audit_record(
        action=AuditEvent.Action.CALENDAR_FEED_READ,
        actor=record.user,
        target_user=record.user,
        summary=sentence(
            gettext_noop("Calendar feed read (fetches since the last record: %(count)s)"),
            count=count,
        ),
        detail={"fetches": count, "new_address": new_address},
        request=request,
    )
    return True
