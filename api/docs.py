"""The API's OpenAPI schema (drf-spectacular) and its documentation page (Swagger UI from
drf-spectacular-sidecar, served from our own static files under the strict CSP: no CDN, no
inline script; static/js/api-docs.js starts it)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularAPIView

# Read with a token or the signed-in browser, like every other route of the API.
schema = login_not_required(SpectacularAPIView.as_view())


@require_safe
def documentation(request):
    return render(request, "api/docs.html")
