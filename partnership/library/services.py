"""Every write to the partnership library: sharing a document with its metadata, changing the
metadata. The document itself (file, versions, marking, deletion, downloads) is the same
machinery as a dialogue's (workspaces.documents), in the library workspace."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User
from partnership.library.metadata import Metadata
from partnership.models import LibraryEntry
from workspaces.access import Capability, require
from workspaces.documents import document_upload
from workspaces.models import Audience, Document, Marking, Workspace

LIBRARY_SLUGS = ("library", "partnership-library")
LIBRARY_TITLE = "Partnership library"


def library_workspace() -> Workspace | None:
    return Workspace.objects.filter(kind=Workspace.Kind.LIBRARY).first()


def _library_workspace_for(actor: User) -> Workspace:
    """The library workspace, made on the first share (it has no roster and no settings)."""
    found = library_workspace()
    if found is not None:
        return found
    candidates = [*LIBRARY_SLUGS, *(f"library-{n}" for n in range(2, 100))]
    taken = set(Workspace.objects.filter(slug__in=candidates).values_list("slug", flat=True))
    slug = next(s for s in candidates if s not in taken)
    try:
        with transaction.atomic():
            return Workspace.objects.create(
                title=LIBRARY_TITLE,  # shown translated wherever the library is named
                slug=slug,
                kind=Workspace.Kind.LIBRARY,
                created_by=actor,
            )
    except IntegrityError:  # made at the same moment by another share
        return Workspace.objects.get(kind=Workspace.Kind.LIBRARY)


def _store(entry: LibraryEntry, metadata: Metadata) -> None:
    entry.kind = metadata.kind
    entry.topic = metadata.topic
    entry.year = metadata.year
    entry.language = metadata.language
    entry.save()
    entry.jurisdictions.set(metadata.jurisdictions)


@transaction.atomic
def library_share(
    *,
    actor: User,
    upload,
    title: str,
    metadata: Metadata,
    description: str = "",
    tags: str | list[str] = "",
    audience: str = Audience.EVERYONE,
    marking: str = Marking.NONE,
    watermark: bool | None = None,
    request: HttpRequest | None = None,
) -> Document:
    """Add a document to the library (those who keep it only): the dialogue documents' upload
    (sniffing, stored name, audit, text and previews), then its metadata, in one transaction."""
    require(actor, Capability.MANAGE_LIBRARY)
    metadata = metadata.checked()  # before anything is stored
    document = document_upload(
        actor=actor,
        workspace=_library_workspace_for(actor),
        upload=upload,
        title=title,
        description=description,
        tags=tags,
        audience=audience,
        marking=marking,
        watermark=watermark,
        request=request,
    )
    _store(LibraryEntry(document=document), metadata)
    return document


@transaction.atomic
def entry_update(
    *, actor: User, entry: LibraryEntry, metadata: Metadata, request: HttpRequest | None = None
) -> LibraryEntry:
    """Change what the library says of a document: audited with what it was and is now."""
    require(actor, Capability.MANAGE_LIBRARY)
    require(actor, Capability.VIEW, entry.document)
    metadata = metadata.checked()
    entry = LibraryEntry.objects.select_for_update().get(pk=entry.pk)
    before = _described(entry)
    _store(entry, metadata)
    audit_record(
        action=AuditEvent.Action.LIBRARY_ENTRY_CHANGED,
        actor=actor,
        scope=f"workspace:{entry.document.workspace.slug}",
        summary=sentence(
            gettext_noop("Library details of document %(document)s changed"),
            document=entry.document_id,
        ),
        detail={"document": entry.document_id, "before": before, "after": _described(entry)},
        request=request,
    )
    return entry


def _described(entry: LibraryEntry) -> dict:
    return {
        "kind": entry.kind,
        "topic": entry.topic,
        "year": entry.year,
        "language": entry.language,
        "jurisdictions": sorted(entry.jurisdictions.values_list("code", flat=True)),
    }
