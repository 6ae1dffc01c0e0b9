"""Per-request policies: session lifetimes and tracking, the user's own language and time zone,
mandatory MFA enrolment."""

import hashlib
import zoneinfo
from urllib.parse import urlsplit

from allauth.usersessions.middleware import UserSessionsMiddleware
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import session_lifetime
from .standing import Lack, standing_lack

# Pages a user who still has to enrol a second factor may reach.
MFA_ENROLMENT_ROUTES = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "account_logout",
        "account_reauthenticate",
        "mfa_reauthenticate",
        "javascript-catalog",
        "session_status",  # the page's clock asks while its official enrols
    }
)


class SessionLifetimeMiddleware:
    """Signs out a session past its idle or absolute lifetime (accounts/session_lifetime.py) at
    its next request, and counts the official's own requests as activity.

    A page is sent to the sign-in page with a word on why (HTMX follows `HX-Redirect`); a
    page's own background request, or one asking for JSON, gets a 401 its script understands;
    the audit log records the expiry (`SESSION_EXPIRED`) in place of a sign-out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            ended = session_lifetime.lapse(request.session)
            if ended is not None:
                return self._sign_out(request, ended)
            if not session_lifetime.is_background(request):
                session_lifetime.touch(request.session)
        return self.get_response(request)

    @staticmethod
    def _sign_out(request, ended: session_lifetime.Lapse):
        # Where to come back to: the page, not the fragment an HTMX request asked for.
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        path = current.path + (f"?{current.query}" if current.query else "")
        path = path if path.startswith("/") else request.get_full_path()
        # The sign-out receiver audits an expiry, once per session: two tabs asking at the same
        # deadline (on two server processes) end one session.
        digest = hashlib.sha256(request.session.session_key.encode()).hexdigest()[:32]
        first = cache.add(f"session-expired:{digest}", 1, 600)
        request.enclave_session_lapse = ended if first else session_lifetime.Lapse.RECORDED
        logout(request)
        if ended is session_lifetime.Lapse.IDLE:
            text = _("You were signed out after a period without activity. Sign in again.")
        else:
            text = _("Your session reached its time limit. Sign in again.")
        # Said on the sign-in page, which the page's own script opens after a background 401.
        messages.info(request, text)
        # A page's own request, or a program (the API's documentation page tries calls as the
        # signed-in official): a 401 it understands, not a sign-in page.
        wants_json = "application/json" in request.headers.get("Accept", "")
        if session_lifetime.is_background(request) or wants_json:
            return JsonResponse({"signed_out": True, "detail": text}, status=401)
        target = resolve_url("account_login")
        if request.method == "GET":
            target += "?" + urlencode({REDIRECT_FIELD_NAME: path})
        if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
            response = JsonResponse({"signed_out": True}, status=200)
            response["HX-Redirect"] = target
            return response
        return redirect(target)


class ThrottledUserSessionsMiddleware(UserSessionsMiddleware):
    """allauth's session tracking (last seen, IP, browser on the "Sessions" page), at most once
    a minute per session: the stock middleware writes the session's row on every request,
    a database write and commit on every page view. The row itself is created at sign-in.

    When the minute has passed, the request goes through allauth's own (public) middleware,
    which tracks and then answers; otherwise it is answered without tracking."""

    INTERVAL = 60  # seconds

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key and request.user.is_authenticated:
            # The key names the session by a digest: a cache never holds a session key.
            digest = hashlib.sha256(session.session_key.encode()).hexdigest()[:32]
            if cache.add(f"usersession-seen:{digest}", 1, self.INTERVAL):
                return super().__call__(request)
        return self.get_response(request)


class UserLanguageMiddleware:
    """The signed-in user's stored language, on every device they sign in from.

    LocaleMiddleware (before authentication) has already chosen from the language cookie and the
    browser's Accept-Language; that choice stands for everyone signed out and for a user who has
    not chosen (blank). A stored code Enclave no longer offers is ignored the same way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            try:
                language = translation.get_supported_language_variant(user.language)
            except LookupError:
                language = None
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class UserTimezoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class MfaRequiredMiddleware:
    """Co-Chairs and Secretariat staff (or everyone, by setting) enrol MFA before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        # The one standing rule (accounts/standing.py): the missing second factor is the lack a
        # signed-in user can remedy, so it becomes the enrolment page. Standing is asked first:
        # it is read once per request's user, while the exemption resolves the path again.
        if (
            user.is_authenticated
            and standing_lack(user) is Lack.SECOND_FACTOR
            and not self._exempt(request)
        ):
            messages.warning(
                request,
                _("Your role requires two-factor authentication. Set it up to continue."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _exempt(request) -> bool:
        if request.path.startswith("/static/"):
            return True
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return True
        return match.url_name in MFA_ENROLMENT_ROUTES
