"""Request-wide rules that hold for every view, present and future."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.utils.cache import patch_cache_control

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())


class MalformedRequestMiddleware:
    """A NUL byte in the path, the query or a form field answers 400 before any view runs.

    No form of the product sends one, and PostgreSQL refuses NUL in text, so one that reached a
    lookup or a write would be a server error. Placed after CSRF (which reads the form first).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            "\x00" in request.path_info
            or _has_nul(request.GET)
            or (
                request.method == "POST"
                and request.content_type in FORM_TYPES
                and _has_nul(request.POST)
            )
        ):
            raise BadRequest("NUL byte in the request")
        return None


class PrivateCacheMiddleware:
    """Every response to a signed-in user is `private, no-store`: a confidential page must not
    stay in a shared computer's browser cache (or any proxy) after sign-out. Static files are
    served before this runs (WhiteNoise) and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
