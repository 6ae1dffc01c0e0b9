"""Per-download copies, and tracing a leaked one back to its download.

Every download is recorded (`Download`: a short unguessable id, the version, the reader, the
time, the SHA-256 of the bytes served). When the document is watermarked and the version is a
PDF, the copy served is made for that download by the sandboxed worker: every page carries
"<name> · <jurisdiction> · <UTC time> · <download id>" (in an anonymous dialogue, the download
id alone), and the PDF's metadata the same; the stored original never changes. A copy that
cannot be stamped is refused and audited, never served unstamped. Other formats are served as
they are, and the document page says so.

The trace page (READ_AUDIT, the audit log's readers) finds the download from a typed id, from a
leaked PDF's metadata or its stamp, or from the SHA-256 of its bytes; each trace is audited,
and naming the reader of a copy from an anonymous dialogue is an unmasking, with a reason.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import shutil
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User

from .access import Capability, require, visible
from .attribution import stamp_names_reader
from .document_text import local_file
from .extraction import jobs
from .extraction.sandbox import Limits, run_job
from .models import Document, DocumentVersion, Download

CODE_LENGTH = 10  # base32: 50 bits, unguessable, short enough to read off a printout
CODE = re.compile(r"^[A-Z2-7]{10}$")
# The id at the end of a stamp line, as text extraction reads it back from a leaked copy.
CODE_IN_STAMP = re.compile(r"·\s*([A-Z2-7]{10})(?![A-Z2-7])")
CHUNK = 1024 * 1024
# Stamping a 500-page PDF takes seconds; a wall time well above it, and the worker's other
# limits as for every job.
STAMP_LIMITS = Limits(cpu_seconds=90, wall_seconds=120.0, file_mb=512)
TRACE_TEXT_BYTES = 256 * 1024


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(7)).decode()[:CODE_LENGTH]


def is_stamped(document: Document, version: DocumentVersion) -> bool:
    """Whether a download of `version` is served as a stamped copy."""
    return document.watermark and jobs.base_type(version.content_type) == jobs.PDF


def stamp_text(*, user: User, document: Document, code: str, when: datetime) -> str:
    moment = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if not stamp_names_reader(document.workspace):
        return code
    return " · ".join((user.full_name or user.email, user.affiliation, moment, code))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------------------
# Serving a download
# ------------------------------------------------------------------------------


@dataclass
class Served:
    """What a download serves: the stored original (`copy` None) or a stamped copy (an open
    file whose directory entry is already gone), or a refusal to show the reader."""

    download: Download | None = None
    copy: BinaryIO | None = None
    size: int = 0
    refusal: str = ""
    status: int = 200  # of the refusal page: 503 while too busy to stamp, else 422


_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


@contextmanager
def _stamping_turn():
    """At most ENCLAVE_WATERMARK_CONCURRENCY stamping workers per server process at once (each
    may use hundreds of megabytes); a download waits a little for its turn, then is refused."""
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, settings.ENCLAVE_WATERMARK_CONCURRENCY))
    if not _slots.acquire(timeout=settings.ENCLAVE_WATERMARK_WAIT_SECONDS):
        yield False
        return
    try:
        yield True
    finally:
        _slots.release()


def download_serve(
    *, actor: User, version: DocumentVersion, request: HttpRequest | None = None
) -> Served:
    """Record and audit one download of `version` by `actor`, making the stamped copy when the
    document is watermarked. Runs in the request's thread: the stamping worker is a subprocess
    it waits for, never the event loop."""
    document = version.document
    require(actor, Capability.VIEW, document)
    code = new_code()
    if not is_stamped(document, version):
        download = _record(actor, version, code, version.sha256, False, request)
        return Served(download=download, size=version.size)
    folder = Path(tempfile.mkdtemp(prefix="enclave-stamp-"))
    try:
        copy = folder / "copy.pdf"
        now = timezone.now()
        text = stamp_text(user=actor, document=document, code=code, when=now)
        with _stamping_turn() as turn:
            if not turn:
                return _refuse(actor, version, "busy", request)
            with local_file(version.file.name) as path:
                result = run_job(
                    "watermark",
                    path,
                    content_type=version.content_type,
                    limits=STAMP_LIMITS,
                    scratch_dir=folder,
                    output_path=copy,
                    text=text,
                    download_id=code,
                )
        if not result.ok:
            return _refuse(actor, version, result.reason or jobs.UNREADABLE, request)
        digest, size = _sha256(copy), copy.stat().st_size
        handle = open(copy, "rb")  # noqa: SIM115 — closed by the streaming response
        download = _record(actor, version, code, digest, True, request, created_at=now)
        return Served(download=download, copy=handle, size=size)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the open copy lives on until it is sent


@transaction.atomic
def _record(actor, version, code, digest, stamped, request, created_at=None) -> Download:
    document = version.document
    download = Download.objects.create(
        code=code,
        version=version,
        user=actor,
        sha256=digest,
        watermarked=stamped,
        created_at=created_at or timezone.now(),
    )
    audit_record(
        action=AuditEvent.Action.DOCUMENT_DOWNLOADED,
        actor=actor,
        scope=f"workspace:{document.workspace.slug}",
        summary=sentence(
            gettext_noop("Document %(document)s version %(version)s downloaded"),
            document=document.pk,
            version=version.number,
        ),
        detail={
            "workspace": document.workspace.slug,
            "document": document.pk,
            "version": version.pk,
            "sha256": digest,
            "download": code,
            "watermarked": stamped,
        },
        request=request,
    )
    return download


def _refuse(actor, version, cause: str, request) -> Served:
    document = version.document
    audit_record(
        action=AuditEvent.Action.DOWNLOAD_REFUSED,
        actor=actor,
        scope=f"workspace:{document.workspace.slug}",
        summary=sentence(
            gettext_noop("Download of document %(document)s refused: watermark failed (%(cause)s)"),
            document=document.pk,
            cause=cause,
        ),
        detail={
            "workspace": document.workspace.slug,
            "document": document.pk,
            "version": version.pk,
            "watermark_failed": cause,
        },
        request=request,
    )
    if cause == "busy":
        message = _("Many copies are being watermarked right now. Please try again in a minute.")
    elif cause == jobs.ENCRYPTED:
        message = _(
            "This PDF is encrypted, so it cannot carry the watermark that this document "
            "requires. It is not served unstamped: ask the person who shared it for an "
            "unencrypted version."
        )
    else:
        message = _(
            "The watermark that this document requires could not be added to this copy, so "
            "it is not served. The failure is recorded; please let the Secretariat know."
        )
    return Served(refusal=message, status=503 if cause == "busy" else 422)


# ------------------------------------------------------------------------------
# Tracing a leaked copy
# ------------------------------------------------------------------------------


@dataclass
class TracedDownload:
    download: Download
    document_title: str  # empty when the tracer may not see the document
    anonymous: bool


# How a trace found its downloads, as the audit log says it (English msgids, shown translated).
TRACE_HOW = {
    "id": gettext_noop("download id"),
    "metadata": gettext_noop("the id in the file's metadata"),
    "stamp": gettext_noop("the id stamped on its pages"),
    "digest": gettext_noop("the file's SHA-256"),
    "": gettext_noop("nothing found"),
}


@dataclass
class Trace:
    how: str  # "id", "metadata", "stamp", "digest" or "" (nothing found)
    digest: str = ""
    found: list[TracedDownload] = field(default_factory=list)


def _codes_in_file(path: Path) -> tuple[str, list[str]]:
    """(how, ids) read from a PDF by the worker: its metadata first, else its stamp's text."""
    with open(path, "rb") as handle:
        if not handle.read(5).startswith(b"%PDF-"):
            return "", []
    result = run_job("trace", path, content_type=jobs.PDF)
    if result.ok and result.download_id and CODE.match(result.download_id):
        return "metadata", [result.download_id]
    text = run_job("text", path, content_type=jobs.PDF, max_text_bytes=TRACE_TEXT_BYTES)
    codes = {m for p in text.passages for m in CODE_IN_STAMP.findall(p.text)} if text.ok else ()
    return "stamp", sorted(codes)


def _uploaded_path(upload, folder: Path) -> Path:
    path = folder / "leaked"
    with open(path, "wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    return path


def download_trace(
    *,
    actor: User,
    code: str = "",
    upload=None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Trace:
    """Whose download a leaked copy was: by its id, or by an uploaded copy (its metadata, its
    stamp, else its SHA-256). Audited; a copy from an anonymous dialogue needs a reason and is
    recorded as an unmasking of its reader."""
    require(actor, Capability.READ_AUDIT)
    code, reason = code.strip().upper(), reason.strip()
    trace = Trace(how="")
    codes: list[str] = []
    if code:
        trace.how, codes = "id", [code] if CODE.match(code) else []
    elif upload is not None:
        with tempfile.TemporaryDirectory(prefix="enclave-trace-") as folder:
            path = _uploaded_path(upload, Path(folder))
            trace.digest = _sha256(path)
            trace.how, codes = _codes_in_file(path)
    else:
        raise ValidationError(_("Type a download id or choose the leaked PDF."))
    found = Download.objects.select_related(
        "user__jurisdiction", "version__document__workspace"
    ).order_by("created_at")
    matches = list(found.filter(code__in=codes)) if codes else []
    if not matches and trace.digest:
        trace.how, matches = "digest", list(found.filter(sha256=trace.digest)[:50])
    if not matches:
        trace.how = ""
    anonymous = [d for d in matches if not stamp_names_reader(d.version.document.workspace)]
    if anonymous and not reason:
        raise ValidationError(
            _(
                "The copy %(ids)s was downloaded in an anonymous dialogue: naming its reader "
                "unmasks them. Give a reason (it is kept in the audit log) and look it up again."
            )
            % {"ids": ", ".join(d.code for d in anonymous)}
        )
    _audit_trace(actor, trace, code, matches, anonymous, reason, request)
    seen = set(
        visible(actor, Document)
        .filter(pk__in=[d.version.document_id for d in matches])
        .values_list("pk", flat=True)
    )
    trace.found = [
        TracedDownload(
            download=d,
            document_title=d.version.document.title if d.version.document_id in seen else "",
            anonymous=d in anonymous,
        )
        for d in matches
    ]
    return trace


@transaction.atomic
def _audit_trace(actor, trace, code, matches, anonymous, reason, request) -> None:
    people = {d.user_id for d in matches}
    audit_record(
        action=AuditEvent.Action.DOWNLOAD_TRACED,
        actor=actor,
        target_user=matches[0].user if len(people) == 1 else None,
        summary=sentence(
            gettext_noop("Download trace by %(how_label)s: %(found)s found"),
            how_label=TRACE_HOW.get(trace.how, TRACE_HOW[""]),
            found=len(matches),
        ),
        detail={
            "asked": "id" if code else "file",
            "code": code,
            "sha256": trace.digest,
            "found": [d.code for d in matches],
            "reason": reason,
        },
        request=request,
    )
    for download in anonymous:
        workspace = download.version.document.workspace
        audit_record(
            action=AuditEvent.Action.UNMASKED,
            actor=actor,
            target_user=download.user,
            scope=f"workspace:{workspace.slug}",
            summary=sentence(
                gettext_noop("Download %(download)s in %(workspace)s unmasked by a trace"),
                download=download.code,
                workspace=workspace.slug,
            ),
            detail={
                "download": download.code,
                "document": download.version.document_id,
                "reason": reason,
            },
            request=request,
        )
