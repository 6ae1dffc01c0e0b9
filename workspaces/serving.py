"""One download of a document version, for every door that serves one (the document page's
links and the API): find the version through the policy, audit a refusal, record and audit the
download, stamp the watermarked copy, and stream it. Each door only says how it answers."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent

from . import watermarks
from .access import visible
from .downloads import copy_response, file_response
from .models import Document, DocumentVersion


def version_to_serve(
    request: HttpRequest, *, slug: str, pk: int, version_id: int | None
) -> DocumentVersion:
    """The newest (or the asked-for) version of a document the policy lets the user see, in
    one query; a refusal is audited and answers 404."""
    visible_document = visible(request.user, Document).filter(pk=pk, workspace__slug=slug)
    versions = DocumentVersion.objects.filter(document__in=visible_document)
    if version_id:
        versions = versions.filter(pk=version_id)
    version = versions.select_related("document__workspace").order_by("-number").first()
    if version is None:
        audit_record(
            action=AuditEvent.Action.DOWNLOAD_REFUSED,
            actor=request.user,
            scope=f"workspace:{slug}",
            summary=sentence(
                gettext_noop("Download of document %(document)s refused"), document=pk
            ),
            detail={"workspace": slug, "document": pk, "version": version_id},
            request=request,
        )
        raise Http404
    return version


def serve_version(
    request: HttpRequest, version: DocumentVersion
) -> tuple[HttpResponse | None, watermarks.Served]:
    """Record and stream one download (the stamped copy of a watermarked document); the
    response is None when the copy could not be made, and `served.refusal` says why."""
    served = watermarks.download_serve(actor=request.user, version=version, request=request)
    if served.refusal:
        return None, served
    if served.copy is not None:
        return copy_response(served.copy, served.size, version), served
    return file_response(version), served
