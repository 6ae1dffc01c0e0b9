"""Every write to shared documents: upload, new versions, markings, deletion.

Files are stored under generated names in the "documents" storage (never a public URL); the
type is decided from the content; a rejected upload leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User
from core.markup import render_markdown

from .access import (
    Capability,
    can,
    can_choose_audience,
    can_switch_watermark,
    must_acknowledge,
    require,
    require_may_share,
    require_remove_own,
)
from .attribution import for_workspace
from .document_text import extraction_enqueue
from .file_types_and_names import RejectedFile, clean_filename, sniff
from .models import (
    Audience,
    Document,
    DocumentVersion,
    Marking,
    MarkingAcknowledgement,
    Workspace,
    documents_storage,
)

MAX_TAGS = 12


def _scope(workspace: Workspace) -> str:
    return f"workspace:{workspace.slug}"


def clean_tags(raw: str | list[str]) -> list[str]:
    items = raw if isinstance(raw, list) else (raw or "").split(",")
    tags: list[str] = []
    for item in items:
        tag = " ".join(str(item).replace(",", " ").split()).lower()[:40]
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationError(_("At most %(n)s tags.") % {"n": MAX_TAGS})
    return tags


def _inspect(upload) -> tuple:
    """Check an uploaded file before anything is stored: (type, sha256)."""
    if upload is None:
        raise ValidationError(_("Choose a file to upload."))
    if upload.size > settings.ENCLAVE_DOCUMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than the limit of %(mb)s MB.")
            % {"mb": settings.ENCLAVE_DOCUMENT_MAX_BYTES // (1024 * 1024)}
        )
    try:
        kind = sniff(upload)
    except RejectedFile as error:
        raise ValidationError(str(error)) from None
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return kind, digest.hexdigest()


def _with_stored_file(upload, kind, write):
    """Store the file under a generated name, then run `write(name)` in a transaction; if that
    fails, the stored file is removed again: a failure half-way leaves nothing behind."""
    storage = documents_storage()
    name = storage.save(f"{uuid.uuid4().hex}{kind.extension}", File(upload))
    try:
        with transaction.atomic():
            return write(name)
    except BaseException:
        storage.delete(name)
        raise


def _new_version(*, document, name, kind, digest, upload, actor, number, note) -> DocumentVersion:
    version = DocumentVersion(
        document=document,
        number=number,
        filename=clean_filename(upload.name, kind),
        content_type=kind.content_type,
        size=upload.size,
        sha256=digest,
        change_note=(note or "").strip()[:300],
        uploaded_by=actor,
    )
    version.file.name = name
    version.save()
    return version


def document_upload(
    *,
    actor: User,
    workspace: Workspace,
    upload,
    title: str,
    description: str = "",
    tags: str | list[str] = "",
    audience: str = Audience.EVERYONE,
    marking: str = Marking.NONE,
    watermark: bool | None = None,
    request: HttpRequest | None = None,
) -> Document:
    """Share a document. `watermark`: stamp each PDF served with its reader's name and a
    download id; None, on for marked documents."""
    require_may_share(actor, workspace)
    if audience not in Audience.values:
        raise ValidationError(_("Choose who may read the document."))
    if not can_choose_audience(actor, audience):
        raise PermissionDenied(_("Only full members share full-members-only documents."))
    if marking not in Marking.values:
        raise ValidationError(_("Choose a handling marking."))
    title = (title or "").strip()
    if not title and upload is not None:
        title = upload.name.rsplit(".", 1)[0][:200]
    if not title:
        raise ValidationError(_("Give the document a title."))
    tags = clean_tags(tags)
    description = (description or "").strip()
    kind, digest = _inspect(upload)

    def write(name: str) -> Document:
        document = Document.objects.create(
            workspace=workspace,
            title=title[:200],
            description=description,
            description_html=render_markdown(description),
            tags=Document.stored_tags(tags),
            audience=audience,
            marking=marking,
            watermark=marking != Marking.NONE if watermark is None else watermark,
            uploaded_by=actor,
        )
        version = _new_version(
            document=document,
            name=name,
            kind=kind,
            digest=digest,
            upload=upload,
            actor=actor,
            number=1,
            note="",
        )
        audit_record(
            action=AuditEvent.Action.DOCUMENT_UPLOADED,
            actor=actor,
            scope=_scope(workspace),
            summary=sentence(
                gettext_noop("Document %(document)s uploaded to %(workspace)s"),
                document=document.pk,
                workspace=workspace.slug,
            ),
            detail={
                "document": document.pk,
                "version": version.pk,
                "sha256": digest,
                "size": version.size,
            },
            request=request,
        )
        Workspace.objects.filter(pk=workspace.pk).update(last_activity_at=timezone.now())
        # In an anonymous workspace, library pseudonyms are numbered in order of first upload.
        for_workspace(workspace).speaker(actor)
        extraction_enqueue(version)
        return document

    return _with_stored_file(upload, kind, write)


def document_add_version(
    *,
    actor: User,
    document: Document,
    upload,
    change_note: str = "",
    request: HttpRequest | None = None,
) -> DocumentVersion:
    require(actor, Capability.CONTRIBUTE, document)
    kind, digest = _inspect(upload)

    def write(name: str) -> DocumentVersion:
        locked = Document.objects.select_for_update().get(pk=document.pk)
        number = (
            locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        version = _new_version(
            document=locked,
            name=name,
            kind=kind,
            digest=digest,
            upload=upload,
            actor=actor,
            number=number,
            note=change_note,
        )
        locked.updated_at = timezone.now()
        locked.save(update_fields=["updated_at"])
        audit_record(
            action=AuditEvent.Action.DOCUMENT_VERSION,
            actor=actor,
            scope=_scope(document.workspace),
            summary=sentence(
                gettext_noop("Document %(document)s: version %(version)s added"),
                document=document.pk,
                version=number,
            ),
            detail={"document": document.pk, "version": version.pk, "sha256": digest},
            request=request,
        )
        extraction_enqueue(version)
        return version

    return _with_stored_file(upload, kind, write)


@transaction.atomic
def document_delete(
    *, actor: User, document: Document, reason: str, request: HttpRequest | None = None
) -> Document:
    """Soft delete, by the uploader or a moderator, with a reason; the files are kept."""
    require(actor, Capability.VIEW, document)
    if not can(actor, Capability.MODERATE, document):
        require_remove_own(actor, document, author_id=document.uploaded_by_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason: it is kept in the audit log."))
    document.deleted_at = timezone.now()
    document.deleted_by = actor
    document.delete_reason = reason[:300]
    document.save(update_fields=["deleted_at", "deleted_by", "delete_reason"])
    audit_record(
        action=AuditEvent.Action.DOCUMENT_DELETED,
        actor=actor,
        target_user=document.uploaded_by,
        scope=_scope(document.workspace),
        summary=sentence(gettext_noop("Document %(document)s deleted"), document=document.pk),
        detail={"document": document.pk, "reason": document.delete_reason},
        request=request,
    )
    return document


def document_watermark_set(
    *, actor: User, document: Document, on: bool, request: HttpRequest | None = None
) -> Document:
    """Whether each PDF download of `document` is a stamped copy: the dialogue's moderators
    decide (turning it off weakens a leak's trace, so not every contributor may); a marked
    document stays watermarked, as on upload."""
    require(actor, Capability.MODERATE, document)
    if not can_switch_watermark(actor, document):
        raise ValidationError(_("Marked documents are always watermarked."))
    if document.watermark == on:
        return document
    document.watermark = on
    document.save(update_fields=["watermark"])
    template = (
        gettext_noop("Document %(document)s: each PDF download watermarked")
        if on
        else gettext_noop("Document %(document)s: downloads no longer watermarked")
    )
    audit_record(
        action=AuditEvent.Action.DOCUMENT_WATERMARK,
        actor=actor,
        scope=_scope(document.workspace),
        summary=sentence(template, document=document.pk),
        detail={"document": document.pk, "watermark": on},
        request=request,
    )
    return document


def needs_acknowledgement(user: User, document: Document) -> bool:
    """The policy's answer (access.must_acknowledge), for the page and the download gate."""
    return must_acknowledge(user, document)


@transaction.atomic
def marking_acknowledge(
    *, actor: User, document: Document, request: HttpRequest | None = None
) -> MarkingAcknowledgement | None:
    """Record that `actor` acknowledged the document's marking, if the policy asks them to
    (never the uploader, never twice); otherwise nothing is recorded."""
    require(actor, Capability.VIEW, document)
    if not must_acknowledge(actor, document):
        return None
    acknowledgement, created = MarkingAcknowledgement.objects.get_or_create(
        document=document, user=actor, marking=document.marking
    )
    if created:
        audit_record(
            action=AuditEvent.Action.MARKING_ACKNOWLEDGED,
            actor=actor,
            scope=_scope(document.workspace),
            summary=sentence(
                gettext_noop("Document %(document)s: %(marking_label)s acknowledged"),
                document=document.pk,
                marking_label=Marking(document.marking).label,
            ),
            detail={"document": document.pk, "marking": document.marking},
            request=request,
        )
    return acknowledgement
