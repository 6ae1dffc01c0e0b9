"""Reads of workspace documents that users see, filtered by the access policy."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page
from django.db.models import Count, OuterRef, Subquery

from accounts.models import User
from core.pagination import numbered_page

from .access import (
    Capability,
    get_visible_or_404,
    require_undertaking_accepted,
    visible,
    workspace_capabilities_for,
)
from .extraction import jobs
from .models import (
    Document,
    DocumentPassage,
    DocumentPreview,
    DocumentVersion,
    Marking,
    TextState,
    Workspace,
)
from .watermarks import is_stamped

SORTS = {
    "date": "-updated_at",
    "oldest": "updated_at",
    "title": "title",
    "-title": "-title",
}


DOCUMENTS_PER_PAGE = 25


def document_list(
    *, user: User, workspace: Workspace, tag: str = "", marking: str = "", sort: str = "date"
):
    """The documents of `workspace` the user may see, filtered and in the chosen order: plain
    rows, cheap to count and to page (`document_page` adds what a page shows)."""
    documents = visible(user, Document).filter(workspace=workspace)
    if tag:
        documents = documents.filter(tags__contains=f",{tag.lower()},")
    if marking in Marking.values:
        documents = documents.filter(marking=marking)
    return documents.order_by(SORTS.get(sort, "-updated_at"), "-pk")


def document_page(
    *,
    user: User,
    workspace: Workspace,
    page_number=1,
    tag: str = "",
    marking: str = "",
    sort: str = "date",
) -> Page:
    """One page of the library in three queries however large it grows: the count, the page's
    rows, and their versions' count, latest size and type."""
    documents = document_list(user=user, workspace=workspace, tag=tag, marking=marking, sort=sort)
    page = numbered_page(
        documents.select_related("uploaded_by__jurisdiction"), page_number, DOCUMENTS_PER_PAGE
    )
    page.object_list = list(page.object_list)
    latest = DocumentVersion.objects.filter(document=OuterRef("pk")).order_by("-number")
    details = {
        pk: rest
        for pk, *rest in Document.objects.filter(pk__in=[d.pk for d in page.object_list])
        .annotate(
            version_count=Count("versions"),
            latest_size=Subquery(latest.values("size")[:1]),
            latest_type=Subquery(latest.values("content_type")[:1]),
        )
        .values_list("pk", "version_count", "latest_size", "latest_type")
        .order_by()
    }
    for document in page.object_list:
        document.version_count, document.latest_size, document.latest_type = details[document.pk]
    return page


def workspace_tags(*, user: User, workspace: Workspace) -> list[str]:
    """Every tag on the documents of `workspace` the user may see (each distinct tag string
    once: documents share their tags)."""
    tags: set[str] = set()
    for value in (
        visible(user, Document)
        .filter(workspace=workspace)
        .exclude(tags="")
        .values_list("tags", flat=True)
        .order_by()
        .distinct()
    ):
        tags.update(t for t in value.split(",") if t)
    return sorted(tags)


def document_versions(*, document: Document):
    return document.versions.select_related("uploaded_by__jurisdiction")


TEXT_PREVIEW_PASSAGES = 3


@dataclass(frozen=True)
class VersionReading:
    """What the document page shows of a version besides its file: where its text stands,
    its page images, or (office files, text) the start of its text."""

    state: str
    reason: str
    images: list[DocumentPreview]
    passages: list[DocumentPassage]
    stamped: bool  # a download of it is a watermarked copy
    watermark_impossible: bool  # the document is watermarked, but this type cannot be


def version_reading(*, user: User, document: Document, version: DocumentVersion | None):
    """Read through the policy, like the document (previews and passages are its items)."""
    if version is None:
        return None
    kind = jobs.base_type(version.content_type)
    images, passages = [], []
    if version.text_state != TextState.PENDING:
        images = list(visible(user, DocumentPreview).filter(version=version).order_by("page"))
        if kind not in jobs.KINDS["preview"]:
            passages = list(
                visible(user, DocumentPassage)
                .filter(version=version)
                .order_by("position")[:TEXT_PREVIEW_PASSAGES]
            )
    stamped = is_stamped(document, version)
    return VersionReading(
        state=version.text_state,
        reason=version.text_reason,
        images=images,
        passages=passages,
        stamped=stamped,
        watermark_impossible=document.watermark and not stamped,
    )


def workspace_directory(*, user: User):
    """Every workspace's title, for those who may join rosters (the Secretariat): no content."""
    dialogues = Workspace.objects.filter(kind=Workspace.Kind.DIALOGUE)
    workspaces = list(dialogues.order_by("status", "title"))
    capabilities = workspace_capabilities_for(user, workspaces)
    for workspace in workspaces:
        workspace.on_roster = Capability.VIEW in capabilities[workspace.pk]
    return workspaces


def visible_workspace(user: User, slug: str) -> Workspace:
    """The workspace at `slug` if the user may see it; 404 otherwise (missing and forbidden look
    the same). Every page inside a dialogue opens it here: until the reader accepts its current
    undertaking, UndertakingPending sends them to it first (workspaces/undertaking_views.py)."""
    workspace = get_visible_or_404(user, Workspace, slug=slug)
    require_undertaking_accepted(user, workspace)
    return workspace
