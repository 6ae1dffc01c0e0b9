"""How large a request may be, and uploads that spool to disk and stop at that size.

One rule for every door: a multipart body may carry one document of ENCLAVE_DOCUMENT_MAX_BYTES
plus FORM_ALLOWANCE for the other fields and the multipart framing; any other body, Django's
DATA_UPLOAD_MAX_MEMORY_SIZE. The ASGI wrapper (config/request_limits.py) applies it before the
body is read and marks a cut-short request in its scope (BODY_TOO_LARGE); the upload handler
applies it again to what it is given (any server, the test client), and the views answer with
the size message when `request.upload_too_large` is set.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

FORM_ALLOWANCE = 1024 * 1024
# Scope key set by the ASGI wrapper when it stopped reading a body at the limit.
BODY_TOO_LARGE = "enclave.body_too_large"


def is_multipart(content_type: str) -> bool:
    return content_type.strip().lower().startswith("multipart/form-data")


def request_body_limit(content_type: str) -> int:
    """The largest request body accepted with this Content-Type, in bytes."""
    uploads = settings.ENCLAVE_DOCUMENT_MAX_BYTES + FORM_ALLOWANCE
    if is_multipart(content_type):
        return uploads
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or uploads


def body_cut_short(request: HttpRequest) -> bool:
    """True when the server stopped reading this request's body at the limit."""
    return bool(getattr(request, "scope", {}).get(BODY_TOO_LARGE))


class LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Writes every upload to a temporary file and drops one that passes the limit, so an
    oversize file never fills the disk. The fields posted before the file (the CSRF token
    first) are kept; the view then reports the size (request.upload_too_large)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Only flagged here: a StopUpload raised from this method escapes Django's parser (500).
        self.request.upload_too_large = body_cut_short(self.request) or (
            (content_length or 0) > request_body_limit(META.get("CONTENT_TYPE", ""))
        )
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def new_file(self, *args, **kwargs):
        if self.request.upload_too_large:
            raise StopUpload(connection_reset=True)
        return super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.ENCLAVE_DOCUMENT_MAX_BYTES:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=True)  # the parser closes (deletes) the file
        return super().receive_data_chunk(raw_data, start)


def too_large_message(request: HttpRequest) -> str | None:
    """What an upload view says beside the file when the body was cut at the limit."""
    if not getattr(request, "upload_too_large", False):
        return None
    return _("The file is larger than the limit of %(mb)s MB.") % {
        "mb": settings.ENCLAVE_DOCUMENT_MAX_BYTES // (1024 * 1024)
    }


def by_script(request: HttpRequest) -> bool:
    """Posted by the upload script (static/js/upload.js) or HTMX, not by a plain form."""
    return (
        request.headers.get("X-Requested-With") == "XMLHttpRequest"
        or request.headers.get("HX-Request") == "true"
    )


def after_upload(request: HttpRequest, url: str) -> HttpResponse:
    """Where a successful upload goes: the upload script navigates itself (so the success
    message survives to the page), a plain form is redirected."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return HttpResponse(status=201, headers={"Location": url})
    return redirect(url)
