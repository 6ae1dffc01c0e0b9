"""The reader's language: stored on the user (accounts.middleware.UserLanguageMiddleware applies
it), and kept in Django's language cookie for the pages this device shows signed out."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse


def remember_language(response: HttpResponse, language: str) -> HttpResponse:
    """Set the language cookie as Django's set_language view does; blank (the browser's
    language) leaves whatever the device chose signed out."""
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
