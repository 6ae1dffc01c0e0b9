"""The account settings' "My data" page (ask for one's own data, see it prepared, download it)
and the archive's private download."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.reauthentication import confirm_recent_authentication
from core.refusals import refusals_as_messages

# The document downloads' streaming (workspaces/downloads.py): chunks read one ahead in a
# worker thread, never the whole file in memory, under daphne as in tests.
from workspaces.downloads import attachment_headers, file_chunks

from . import selectors, services
from .contents import HOLDS, LEAVES_OUT


@require_http_methods(["GET", "POST"])
def my_data(request):
    page = selectors.my_data_page(request.user)
    if request.method == "POST":
        with refusals_as_messages(request):
            # A refusal (one being prepared, the daily limit) first. Then, asking being a
            # sensitive action (reading the page is not), the official confirms their password
            # or second factor; allauth keeps the post and replays it once they have.
            services.data_export_check(actor=request.user)
            confirm_recent_authentication(request)
            services.data_export_request(actor=request.user, request=request)
            messages.success(
                request,
                _("Your data is being prepared. This page shows it as soon as it is ready."),
            )
        return redirect("my_data")
    context = {
        "page": page,
        "holds": HOLDS,
        "leaves_out": LEAVES_OUT,
        "days": settings.ENCLAVE_DATA_EXPORT_DAYS,
        "daily_limit": services.DAILY_LIMIT,
    }
    if request.htmx:
        # The page's own poll while an export is prepared: the list alone.
        return render(request, "privacy/my_data.html#exports", {**context, "polled": True})
    return render(request, "privacy/my_data.html", context)


@require_GET
def my_data_download(request, key: str):
    """The official's own archive, streamed; anyone else's, an unknown key, or one not ready
    or past its end is 404."""
    export = selectors.export_to_download(request.user, key)
    try:
        # Opened before anything is recorded: a file retention already deleted is a 404.
        handle = (services.exports_dir() / export.file_name).open("rb")
    except FileNotFoundError:
        raise Http404 from None
    try:
        services.data_export_download(actor=request.user, export=export, request=request)
    except BaseException:
        handle.close()
        raise
    response = StreamingHttpResponse(file_chunks(handle))
    response["Content-Length"] = str(export.size)
    day = timezone.localdate(export.ready_at).isoformat()
    return attachment_headers(
        response, content_type="application/zip", name=f"enclave-my-data-{day}.zip"
    )
