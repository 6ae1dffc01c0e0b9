"""A version's text and previews, made by the sandboxed worker after the upload has committed.

The upload services call `extraction_enqueue(version)` inside their transaction; once it
commits, the task (workspaces/tasks.py) runs `version_extract`: the text job, then for PDFs and
images the preview job, each in a subprocess under workspaces.extraction's limits; then the
passages, the previews and the version's state are stored in one transaction. A file the worker
cannot read ends as "text unavailable", with the reason and an audit record that names ids and
the reason only, never a word of the file. The page shows "indexing…" until then.
"""

from __future__ import annotations

import contextlib
import shutil
import struct
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent
from core.events import after_commit

from .extraction import jobs
from .extraction.sandbox import Passage, Result, run_job
from .models import (
    DocumentPassage,
    DocumentPreview,
    DocumentVersion,
    PassageLocation,
    TextState,
    documents_storage,
)

PREVIEW_PAGES = 3
PREVIEW_WIDTH = 800
COPY_CHUNK = 1024 * 1024


def extraction_enqueue(version: DocumentVersion) -> None:
    """Queue the version's text and previews, once the transaction that stored it commits."""
    from .tasks import extract_document_text

    version_id = version.pk
    after_commit(lambda: extract_document_text.enqueue(version_id))


@contextlib.contextmanager
def local_file(name: str) -> Iterator[Path]:
    """A path to the stored file the worker can open: the file itself on a filesystem storage,
    else a private temporary copy, removed afterwards."""
    storage = documents_storage()
    try:
        path = storage.path(name)
    except NotImplementedError:  # a remote storage (S3): copied in chunks, never in memory
        path = None
    if path is not None:
        yield Path(path)
        return
    with tempfile.TemporaryDirectory(prefix="enclave-copy-") as folder:
        copy = Path(folder) / "document"
        with storage.open(name, "rb") as source, open(copy, "wb") as target:
            shutil.copyfileobj(source, target, COPY_CHUNK)
        yield copy


def version_extract(*, version_id: int, redo: bool = False) -> str:
    """Extract one version's text and previews; its state afterwards. Idempotent: a version
    already indexed or unavailable is left alone unless `redo`."""
    version = (
        DocumentVersion.objects.select_related("document__workspace").filter(pk=version_id).first()
    )
    if version is None:
        return ""
    if version.text_state != TextState.PENDING and not redo:
        return version.text_state
    kind = jobs.base_type(version.content_type)
    with tempfile.TemporaryDirectory(prefix="enclave-previews-") as folder:
        with local_file(version.file.name) as path:
            text = None
            if kind in jobs.TEXT_TYPES:
                text = run_job("text", path, content_type=version.content_type)
            made = None
            if kind in jobs.KINDS["preview"] and (text is None or text.ok):
                made = run_job(
                    "preview",
                    path,
                    content_type=version.content_type,
                    output_dir=folder,
                    pages=PREVIEW_PAGES,
                    width=PREVIEW_WIDTH,
                )
        stored = _store_previews(made.files if made is not None and made.ok else ())
    try:
        return _save(version, text, stored, redo=redo)
    except BaseException:
        for name, _page, _size in stored:
            documents_storage().delete(name)
        raise


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header the sandbox already checked."""
    with open(path, "rb") as handle:
        head = handle.read(24)
    return struct.unpack(">II", head[16:24])


def _store_previews(files) -> list[tuple[str, int, tuple[int, int]]]:
    """(stored name, page, size) of each preview, saved under a generated name beside the
    documents (the directory stays flat: backups and restores read it as one level)."""
    storage = documents_storage()
    stored = []
    for page, path in enumerate(files, start=1):
        with open(path, "rb") as handle:
            name = storage.save(f"preview-{uuid.uuid4().hex}.png", File(handle))
        stored.append((name, page, _png_size(path)))
    return stored


def _passage_row(version: DocumentVersion, position: int, passage: Passage) -> DocumentPassage:
    if passage.page is not None:
        where = {"location": PassageLocation.PAGE, "number": passage.page}
    elif passage.slide is not None:
        where = {"location": PassageLocation.SLIDE, "number": passage.slide}
    elif passage.sheet is not None:
        where = {"location": PassageLocation.SHEET, "name": passage.sheet[:200]}
    else:
        where = {"location": PassageLocation.NONE}
    return DocumentPassage(version=version, position=position, text=passage.text, **where)


@transaction.atomic
def _save(version: DocumentVersion, text: Result | None, previews: list, *, redo: bool) -> str:
    locked = DocumentVersion.objects.select_for_update().get(pk=version.pk)
    storage = documents_storage()
    if locked.text_state != TextState.PENDING and not redo:  # another worker was first
        after_commit(lambda: [storage.delete(name) for name, _p, _s in previews])
        return locked.text_state
    old = list(locked.previews.values_list("file", flat=True))
    locked.passages.all().delete()
    locked.previews.all().delete()
    after_commit(lambda: [storage.delete(name) for name in old])
    DocumentPreview.objects.bulk_create(
        DocumentPreview(version=locked, page=page, file=name, width=width, height=height)
        for name, page, (width, height) in previews
    )
    if text is not None and text.ok:
        DocumentPassage.objects.bulk_create(
            (_passage_row(locked, n, p) for n, p in enumerate(text.passages)), batch_size=500
        )
        locked.text_state, locked.text_reason = TextState.INDEXED, ""
        locked.text_truncated = text.truncated
    else:
        reason = text.reason if text is not None else jobs.UNSUPPORTED
        locked.text_state, locked.text_reason = TextState.UNAVAILABLE, reason or jobs.UNREADABLE
        locked.text_truncated = False
        if text is not None:  # a type we read that this file defeated: worth a note
            _audit_unavailable(version, text)
    locked.save(update_fields=["text_state", "text_reason", "text_truncated"])
    return locked.text_state


def _audit_unavailable(version: DocumentVersion, text: Result) -> None:
    document = version.document
    audit_record(
        action=AuditEvent.Action.DOCUMENT_TEXT_UNAVAILABLE,
        actor=None,
        scope=f"workspace:{document.workspace.slug}",
        summary=sentence(
            gettext_noop("Document %(document)s version %(version)s: text unavailable (%(cause)s)"),
            document=document.pk,
            version=version.number,
            cause=text.reason,
        ),
        detail={
            "document": document.pk,
            "version": version.pk,
            "cause": text.reason,
            "error": text.error[:100],
            "wall_seconds": round(text.wall_seconds, 2),
        },
    )
