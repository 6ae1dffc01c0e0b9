"""Personal access tokens for the API: made, listed and revoked by their official, resolved at
every API request.

A token reads `enclave_<key>.<secret>`. The key (12 hex characters) names the row and is shown in
lists; the secret (256 bits) is shown once, when the token is made, and only its HMAC under the
server's secret key is stored (netbox's v2 tokens do the same). An unknown key, a wrong secret,
a revoked or expired token and an official without standing all resolve to None, which the API
answers with the same 401: a caller learns nothing about which it was.

Standing is asked at every request (`standing_lack`, the rule of every other door), so a token
stops working the moment its official is deactivated, suspended, their jurisdiction becomes
former, or a second factor they must have is missing. Rotating `SECRET_KEY` ends every token.

Made and revoked tokens are audited, and so is the first use from each new address (a leaked
token used elsewhere shows up at once); every request is logged with the token's name by the
request log (config/logs.py). `last_used_at` is written at most once a minute.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.days import end_of_day

from .audit import audit_record, client_ip, sentence
from .models import ApiToken, AuditEvent, User
from .standing import standing_lack

PREFIX = "enclave_"
_SALT = "enclave.accounts.api_token"
KEY_LENGTH = 12
# Longest credential read from a header (ours are 64 characters); longer input is not hashed.
MAX_TOKEN_LENGTH = 100
MAX_LIVE_TOKENS = 20
API_TOKEN_USE_WRITE_EVERY = datetime.timedelta(minutes=1)


def _digest(secret: str) -> str:
    return salted_hmac(_SALT, secret, algorithm="sha256").hexdigest()


def latest_expiry(today: datetime.date | None = None) -> datetime.date:
    """The last day a token made today may be valid on: a year from today."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today + datetime.timedelta(days=365)


def _clean(actor: User, *, name: str, scope: str, expires_on: datetime.date) -> str:
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name that says where it is used.")
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = _("A token's name has at most 100 characters.")
    elif actor.api_tokens.filter(
        name=name, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).exists():
        errors["name"] = _("You already have a token of that name: choose another.")
    if scope not in ApiToken.Scope.values:
        errors["scope"] = _("Choose what the token may do: read, or read and write.")
    today = timezone.localdate()
    if not isinstance(expires_on, datetime.date) or expires_on <= today:
        errors["expires_on"] = _("A token expires on a day after today.")
    elif expires_on > latest_expiry(today):
        errors["expires_on"] = _("A token lasts at most a year: choose %(day)s or earlier.") % {
            "day": latest_expiry(today).isoformat()
        }
    if actor.api_tokens.filter(revoked_at__isnull=True, expires_at__gt=timezone.now()).count() >= (
        MAX_LIVE_TOKENS
    ):
        errors["__all__"] = _(
            "You have %(count)s tokens in use: revoke one you no longer need first."
        ) % {"count": MAX_LIVE_TOKENS}
    if errors:
        raise ValidationError(errors)
    return name


@transaction.atomic
def api_token_check(*, actor: User, name: str, scope: str, expires_on: datetime.date) -> str:
    """Whether `actor` may make this token (standing, name, scope, term, the number in use):
    asked before the password is asked again, and by the creation itself. The clean name."""
    if standing_lack(actor) is not None:
        raise PermissionDenied
    return _clean(actor, name=name, scope=scope, expires_on=expires_on)


def api_token_create(
    *,
    actor: User,
    name: str,
    scope: str,
    expires_on: datetime.date,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """Make a token for `actor`, valid until the end of `expires_on`: returns the row and the
    token itself, which is never shown again."""
    name = api_token_check(actor=actor, name=name, scope=scope, expires_on=expires_on)
    secret = secrets.token_urlsafe(32)
    # An expired token's name is free again: the old row is closed as revoked when it ended.
    actor.api_tokens.filter(
        name=name, revoked_at__isnull=True, expires_at__lte=timezone.now()
    ).update(revoked_at=models.F("expires_at"))
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=actor,
                name=name,
                key=secrets.token_hex(KEY_LENGTH // 2),
                digest=_digest(secret),
                scope=scope,
                expires_at=end_of_day(expires_on),
            )
    except IntegrityError:  # the same name made at the same moment in another request
        raise ValidationError(
            {"name": _("You already have a token of that name: choose another.")}
        ) from None
    audit_record(
        action=AuditEvent.Action.API_TOKEN_CREATED,
        actor=actor,
        target_user=actor,
        summary=sentence(
            gettext_noop("API token “%(name)s” (%(key)s) created, %(scope)s, until %(day)s"),
            name=name,
            key=token.key,
            scope=scope,
            day=expires_on.isoformat(),
        ),
        detail={"token": token.key, "scope": scope, "expires_at": token.expires_at.isoformat()},
        request=request,
    )
    return token, f"{PREFIX}{token.key}.{secret}"


@transaction.atomic
def api_token_revoke(
    *, actor: User, token: ApiToken, request: HttpRequest | None = None
) -> ApiToken:
    """End one of `actor`'s own tokens at once."""
    if token.user_id != actor.pk:
        raise PermissionDenied
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("This token was already revoked."))
    token.refresh_from_db()
    audit_record(
        action=AuditEvent.Action.API_TOKEN_REVOKED,
        actor=actor,
        target_user=actor,
        summary=sentence(
            gettext_noop("API token “%(name)s” (%(key)s) revoked"), name=token.name, key=token.key
        ),
        detail={"token": token.key},
        request=request,
    )
    return token


def tokens_of(user: User):
    """The official's tokens for their page: those in use first, then the ended ones of the
    last 90 days (so a revocation or an expiry can still be seen)."""
    shown_since = timezone.now() - datetime.timedelta(days=90)
    return (
        ApiToken.objects.filter(user=user)
        .exclude(revoked_at__lt=shown_since)
        .exclude(expires_at__lt=shown_since)
        .order_by("-created_at", "-pk")
    )


def _parse(raw: str) -> tuple[str, str] | None:
    if not raw or len(raw) > MAX_TOKEN_LENGTH or not raw.startswith(PREFIX):
        return None
    key, dot, secret = raw[len(PREFIX) :].partition(".")
    if not dot or len(key) != KEY_LENGTH or not secret:
        return None
    return key, secret


def api_token_resolve(raw: str) -> ApiToken | None:
    """The live token behind `raw` whose official stands now, or None for everything else."""
    parsed = _parse(raw)
    if parsed is None:
        return None
    key, secret = parsed
    token = ApiToken.objects.select_related("user", "user__jurisdiction").filter(key=key).first()
    # The digest is compared even for an unknown key, so both take the same time.
    expected = token.digest if token is not None else _digest("")
    if not constant_time_compare(_digest(secret), expected) or token is None:
        return None
    if not token.is_live or standing_lack(token.user) is not None:
        return None
    return token


def api_token_used(*, token: ApiToken, request: HttpRequest | None) -> None:
    """Note a request made with `token`: its time (at most once a minute) and, the first time
    it comes from an address, an audit record."""
    now = timezone.now()
    address = client_ip(request)
    new_address = address is not None and address != token.last_address
    if new_address:
        ApiToken.objects.filter(pk=token.pk).update(last_address=address, last_used_at=now)
        token.last_address, token.last_used_at = address, now
        audit_record(
            action=AuditEvent.Action.API_TOKEN_NEW_ADDRESS,
            actor=token.user,
            target_user=token.user,
            summary=sentence(
                gettext_noop("API token “%(name)s” (%(key)s) used from a new address"),
                name=token.name,
                key=token.key,
            ),
            detail={"token": token.key},
            request=request,
        )
    elif token.last_used_at is None or now - token.last_used_at >= API_TOKEN_USE_WRITE_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
