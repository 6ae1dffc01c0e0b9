"""The audit log's CSV download: the page's access and filters, streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from itertools import islice

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import selectors
from .audit_export import audit_log_export, export_filename
from .forms import AuditFilterForm
from .policy import Capability, holds_or_404

LINES_PER_SEND = 500


def _batch(lines: Iterator[str]) -> bytes:
    return "".join(islice(lines, LINES_PER_SEND)).encode()


async def _streamed(lines: Iterator[str]) -> AsyncIterator[bytes]:
    """The lines in batches, each read in Django's request thread (thread_sensitive: the cursor
    and the connection it lives on stay in the thread that opened them). An async iterator:
    Django under ASGI would read a plain iterator to its end before sending a byte."""
    read = sync_to_async(_batch, thread_sensitive=True)
    while chunk := await read(lines):
        yield chunk


@require_GET
def audit_log_csv(request):
    holds_or_404(request.user, Capability.READ_AUDIT)
    form = AuditFilterForm(request.GET, officials=selectors.audit_officials(user=request.user))
    if not form.is_valid():
        # The page shows what is wrong with the filters, next to them.
        return redirect(f"{reverse('audit_log')}?{request.GET.urlencode()}")
    filters = {k: v for k, v in form.cleaned_data.items() if v}
    lines = audit_log_export(actor=request.user, filters=filters, request=request)
    response = StreamingHttpResponse(_streamed(lines), content_type="text/csv; charset=utf-8")
    filename = export_filename(timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
