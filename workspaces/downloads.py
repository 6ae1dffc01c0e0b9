"""Serving a document version: ask the policy, audit, then stream without holding the file.

Django's FileResponse under ASGI reads the whole file first; this streams it through an async
iterator in fixed chunks. Behind nginx, a setting hands the bytes to nginx (X-Accel-Redirect)
after the same checks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse

from .files import content_disposition
from .models import DocumentVersion, documents_storage

CHUNK = 256 * 1024


def download_headers(response: HttpResponse, version: DocumentVersion) -> HttpResponse:
    response["Content-Type"] = version.content_type
    response["Content-Disposition"] = content_disposition(version.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


async def _chunks(handle) -> AsyncIterator[bytes]:
    try:
        while True:
            chunk = await sync_to_async(handle.read, thread_sensitive=False)(CHUNK)
            if not chunk:
                break
            yield chunk
    finally:
        await sync_to_async(handle.close, thread_sensitive=False)()


async def file_response(version: DocumentVersion) -> HttpResponse:
    prefix = settings.ENCLAVE_DOCUMENTS_X_ACCEL_PREFIX
    if prefix:
        response = HttpResponse()
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{version.file.name}"
    else:
        # Opened before the headers go out: a missing file is a clean error, not a hung download.
        opener = sync_to_async(documents_storage().open, thread_sensitive=False)
        response = StreamingHttpResponse(_chunks(await opener(version.file.name, "rb")))
        response["Content-Length"] = str(version.size)
    return download_headers(response, version)
