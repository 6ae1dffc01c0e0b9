"""Reads of workspace documents that users see, filtered by the access policy."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery

from accounts.models import User

from .access import Capability, get_visible_or_404, visible, workspace_capabilities_for
from .models import Document, DocumentVersion, Marking, Workspace

SORTS = {
    "date": "-updated_at",
    "oldest": "updated_at",
    "title": "title",
    "-title": "-title",
}


def document_list(
    *, user: User, workspace: Workspace, tag: str = "", marking: str = "", sort: str = "date"
):
    latest = DocumentVersion.objects.filter(document=OuterRef("pk")).order_by("-number")
    documents = (
        visible(user, Document)
        .filter(workspace=workspace)
        .select_related("uploaded_by__jurisdiction")
        .annotate(
            version_count=Count("versions"),
            latest_size=Subquery(latest.values("size")[:1]),
            latest_type=Subquery(latest.values("content_type")[:1]),
        )
    )
    if tag:
        documents = documents.filter(tags__contains=f",{tag.lower()},")
    if marking in Marking.values:
        documents = documents.filter(marking=marking)
    return documents.order_by(SORTS.get(sort, "-updated_at"), "-pk")


def workspace_tags(*, user: User, workspace: Workspace) -> list[str]:
    tags: set[str] = set()
    for value in visible(user, Document).filter(workspace=workspace).values_list("tags", flat=True):
        tags.update(t for t in value.split(",") if t)
    return sorted(tags)


def document_versions(*, document: Document):
    return document.versions.select_related("uploaded_by__jurisdiction")


def workspace_directory(*, user: User):
    """Every workspace's title, for those who may join rosters (the Secretariat): no content."""
    workspaces = list(Workspace.objects.order_by("status", "title"))
    capabilities = workspace_capabilities_for(user, workspaces)
    for workspace in workspaces:
        workspace.on_roster = Capability.VIEW in capabilities[workspace.pk]
    return workspaces


def visible_workspace(user: User, slug: str) -> Workspace:
    """The workspace at `slug` if the user may see it; 404 otherwise (missing and forbidden look
    the same)."""
    return get_visible_or_404(user, Workspace, slug=slug)
