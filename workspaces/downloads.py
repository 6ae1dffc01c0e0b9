"""Serving a document version: ask the policy, audit, then stream without holding the file.

Django's FileResponse under ASGI reads the whole file first; this streams it through an async
iterator in fixed chunks. Behind nginx, a setting hands the bytes to nginx (X-Accel-Redirect)
after the same checks. A watermarked copy (workspaces/watermarks.py) and a preview image are
streamed the same way, always by daphne.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse

from .file_types_and_names import content_disposition
from .models import DocumentPreview, DocumentVersion, documents_storage

# 1 MiB reads, sent as one body message each (config/response_backpressure.py raises Django's and
# Twisted's 64/128 KiB pieces to match): Python's per-chunk overhead, not the bytes, limited
# throughput.
CHUNK = 1024 * 1024


def download_headers(response: HttpResponse, version: DocumentVersion) -> HttpResponse:
    return attachment_headers(response, content_type=version.content_type, name=version.filename)


def attachment_headers(response: HttpResponse, *, content_type: str, name: str) -> HttpResponse:
    """Every file Enclave hands out (a document, a personal-data archive): an attachment of the
    server's type, never sniffed, run or cached."""
    response["Content-Type"] = content_type
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


async def file_chunks(handle) -> AsyncIterator[bytes]:
    """The file in CHUNK pieces, read in a worker thread one chunk ahead: the next read runs
    while this chunk is being sent (at most two chunks in memory besides the socket buffer)."""
    loop = asyncio.get_running_loop()
    pending = loop.run_in_executor(None, handle.read, CHUNK)
    try:
        while chunk := await pending:
            pending = loop.run_in_executor(None, handle.read, CHUNK)
            yield chunk
    finally:
        try:
            await pending  # never close the file under a read still running in its thread
        finally:
            await loop.run_in_executor(None, handle.close)


def file_response(version: DocumentVersion) -> HttpResponse:
    """Called from the (sync) download view, in Django's request thread."""
    prefix = settings.ENCLAVE_DOCUMENTS_X_ACCEL_PREFIX
    if prefix:
        response = HttpResponse()
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{version.file.name}"
    else:
        # Opened before the headers go out: a missing file is a clean error, not a hung download.
        handle = documents_storage().open(version.file.name, "rb")
        response = StreamingHttpResponse(file_chunks(handle))
        response["Content-Length"] = str(version.size)
    return download_headers(response, version)


def copy_response(handle, size: int, version: DocumentVersion) -> HttpResponse:
    """A copy made for this download (an open temporary file), streamed, then closed."""
    response = StreamingHttpResponse(file_chunks(handle))
    response["Content-Length"] = str(size)
    return download_headers(response, version)


def preview_response(preview: DocumentPreview) -> HttpResponse:
    """A preview image, shown inline on the document page, with a download's lockdown: no
    script, no sniffing, never cached."""
    handle = documents_storage().open(preview.file.name, "rb")
    response = StreamingHttpResponse(file_chunks(handle))
    response["Content-Length"] = str(handle.size)
    response["Content-Type"] = "image/png"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
