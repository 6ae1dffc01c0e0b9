"""What an open page asks of its session: how long it has left, and "stay signed in"."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import session_lifetime


@never_cache
@require_http_methods(["GET", "POST"])
def session_status(request):
    """GET (sent in the background: not activity) answers the seconds left before the idle and
    the absolute end; POST is the official choosing to stay signed in, which moves the idle clock
    on at once. A lapsed session never reaches here: the middleware has signed it out."""
    if request.method == "POST":
        session_lifetime.begin_activity(request.session)
    left = session_lifetime.remaining(request.session)
    return JsonResponse(left | {"warning": settings.ENCLAVE_SESSION_WARNING})
