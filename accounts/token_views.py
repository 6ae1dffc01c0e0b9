"""The account settings' "API tokens" page: the official's personal access tokens for the API
(accounts/api_tokens.py), a new one made and shown once, one revoked."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.days import last_day
from core.refusals import errors_into, refusals_as_messages

from . import api_tokens as tokens
from .forms import ApiTokenForm
from .models import ApiToken
from .reauthentication import confirm_recent_authentication

# The new token, between the post that made it and the page that shows it once: a signed cookie
# of that page alone, read and deleted by the next GET (so a reload no longer shows it), and
# never stored on the server (the session is in the database, whose copies must open nothing).
NEW_TOKEN_COOKIE = "enclave_new_token"
_COOKIE_SALT = "accounts.api_token.new"
_COOKIE_SECONDS = 120


@dataclass(frozen=True)
class TokenRow:
    """One token as its page lists it."""

    token: ApiToken
    # The last day it works on (it ends at that day's midnight, in the reader's zone).
    expires_on: datetime.date
    state: str  # live | expired | revoked


def _rows(user) -> list[TokenRow]:
    rows = []
    for token in tokens.tokens_of(user):
        # A token closed when its name was reused after it expired reads as expired.
        if token.revoked_at is not None and token.revoked_at < token.expires_at:
            state = "revoked"
        elif token.is_live:
            state = "live"
        else:
            state = "expired"
        rows.append(TokenRow(token=token, expires_on=last_day(token.expires_at), state=state))
    return rows


@require_http_methods(["GET", "POST"])
def api_tokens(request):
    user = request.user
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            # A refusal (too many tokens, a name in use) before the password is asked again.
            tokens.api_token_check(actor=user, **form.cleaned_data)
            confirm_recent_authentication(request)
            token, raw = tokens.api_token_create(
                actor=user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_on=form.cleaned_data["expires_on"],
                request=request,
            )
        if attempt.succeeded:
            messages.success(
                request,
                _("Your token “%(name)s” is made. Copy it now: it will not be shown again.")
                % {"name": token.name},
            )
            response = redirect("api_tokens")
            response.set_signed_cookie(
                NEW_TOKEN_COOKIE,
                f"{user.pk}:{raw}",  # for its maker alone, should someone else sign in here
                salt=_COOKIE_SALT,
                max_age=_COOKIE_SECONDS,
                path=reverse("api_tokens"),
                secure=request.is_secure(),
                httponly=True,
                samesite="Strict",
            )
            return response
    rows = _rows(user)
    new_token = None
    if request.method == "GET":
        kept = request.get_signed_cookie(
            NEW_TOKEN_COOKIE, default="", salt=_COOKIE_SALT, max_age=_COOKIE_SECONDS
        )
        maker, _colon, raw = kept.partition(":")
        if raw and maker == str(user.pk):
            key = raw.removeprefix(tokens.PREFIX).partition(".")[0]
            row = next((row for row in rows if row.token.key == key), None)
            new_token = {"value": raw, "name": row.token.name if row else ""}
    response = render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "rows": rows, "new_token": new_token},
        status=400 if request.method == "POST" else 200,
    )
    if NEW_TOKEN_COOKIE in request.COOKIES:
        response.delete_cookie(NEW_TOKEN_COOKIE, path=reverse("api_tokens"), samesite="Strict")
    return response


@require_POST
def api_token_revoke(request, pk: int):
    """Revoke one of the signed-in official's own tokens (anyone else's is 404)."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    with refusals_as_messages(request):
        tokens.api_token_revoke(actor=request.user, token=token, request=request)
        messages.success(
            request,
            _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name},
        )
    return redirect("api_tokens")
