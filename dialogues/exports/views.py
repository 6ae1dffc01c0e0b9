"""Downloads of a thread, a session or a whole workspace as Markdown or HTML."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from dialogues.exports import services
from dialogues.lookups import visible_session, visible_thread, visible_workspace


def _export_response(request, target, fmt: str) -> HttpResponse:
    if fmt not in services.FORMATS:
        raise Http404
    text, filename, content_type = services.export(
        actor=request.user, target=target, fmt=fmt, request=request
    )
    response = HttpResponse(text, content_type=content_type)
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def thread_export(request, slug: str, pk: int, fmt: str):
    return _export_response(request, visible_thread(request.user, slug, pk), fmt)


@require_GET
def session_export(request, slug: str, pk: int, fmt: str):
    return _export_response(request, visible_session(request.user, slug, pk), fmt)


@require_GET
def workspace_export(request, slug: str, fmt: str):
    return _export_response(request, visible_workspace(request.user, slug), fmt)
