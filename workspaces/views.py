"""Thin views for a workspace's document library and its downloads."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from core.pagination import query_without_paging
from core.params import id_param
from core.refusals import errors_into, refusals_as_messages

from . import documents, selectors, watermarks
from .access import (
    Capability,
    audiences_for,
    can,
    can_delete_document,
    can_discuss,
    can_switch_watermark,
    get_visible_or_404,
    holds_or_404,
    item_capabilities,
    must_acknowledge,
    workspace_capabilities,
)
from .attribution import for_workspace, stamp_names_reader
from .downloads import preview_response
from .forms import (
    DocumentDeleteForm,
    DocumentFilterForm,
    DocumentUploadForm,
    DownloadTraceForm,
    VersionUploadForm,
)
from .models import Document, DocumentPreview
from .page_hooks import discussion_of, library_details_of
from .selectors import visible_workspace
from .serving import serve_version, version_to_serve
from .uploads import after_upload, by_script, too_large_message


def _document(request, slug: str, pk: int) -> Document:
    return get_visible_or_404(request.user, Document, pk=pk, workspace__slug=slug)


@require_GET
def document_list(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    form = DocumentFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    capabilities = workspace_capabilities(request.user, workspace)
    context = {
        "workspace": workspace,
        "people": for_workspace(workspace),
        "page": selectors.document_page(
            user=request.user,
            workspace=workspace,
            page_number=request.GET.get("page"),
            tag=filters.get("tag", ""),
            marking=filters.get("marking", ""),
            sort=filters.get("sort") or "date",
        ),
        "tags": selectors.workspace_tags(user=request.user, workspace=workspace),
        "filter_form": form,
        "query": query_without_paging(request.GET),
        "can_upload": Capability.CONTRIBUTE in capabilities,
        "can_manage": Capability.MANAGE_ROSTER in capabilities,
    }
    return render(request, "workspaces/document_list.html", context)


@require_http_methods(["GET", "POST"])
def document_upload(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    if not can(request.user, Capability.CONTRIBUTE, workspace):
        raise Http404
    posted = request.method == "POST"
    form = DocumentUploadForm(request.POST if posted else None, request.FILES or None)
    offered = audiences_for(request.user)
    form.fields["audience"].choices = [
        c for c in form.fields["audience"].choices if c[0] in offered
    ]
    too_large = too_large_message(request) if posted else None
    if too_large:
        form.refuse_file(too_large)
    elif posted and form.is_valid():
        with errors_into(form, "file") as attempt:
            document = documents.document_upload(
                actor=request.user,
                workspace=workspace,
                request=request,
                **form.upload_arguments(),
            )
        if attempt.succeeded:
            messages.success(request, _("“%(title)s” is shared.") % {"title": document.title})
            return after_upload(
                request, reverse("document_detail", kwargs={"slug": slug, "pk": document.pk})
            )
    status = 400 if posted else 200
    if too_large and by_script(request):
        status = 413  # the script shows the form it is given (the size message) all the same
    return render(
        request,
        "workspaces/document_upload.html",
        {
            "workspace": workspace,
            "form": form,
            "max_mb": settings.ENCLAVE_DOCUMENT_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


def _detail_page(request, document: Document, *, version_form=None, delete_form=None):
    """The document page; with a form posted from it that was refused, that form again with
    its errors beside its fields (400). Every button asks the policy what its service does."""
    capabilities = item_capabilities(request.user, document)
    versions = list(selectors.document_versions(document=document))
    latest = versions[0] if versions else None
    context = {
        "workspace": document.workspace,
        "people": for_workspace(document.workspace),
        "document": document,
        "discussion": discussion_of(request.user, document),
        "library_entry": library_details_of(request.user, document),
        "versions": versions,
        "reading": selectors.version_reading(user=request.user, document=document, version=latest),
        "names_reader": stamp_names_reader(document.workspace),
        "needs_acknowledgement": must_acknowledge(request.user, document),
        "can_add_version": Capability.CONTRIBUTE in capabilities,
        "can_delete": can_delete_document(request.user, document, capabilities=capabilities),
        "can_set_watermark": can_switch_watermark(
            request.user, document, capabilities=capabilities
        ),
        "can_discuss": can_discuss(request.user, document, capabilities=capabilities),
        "version_form": version_form or VersionUploadForm(),
        "delete_form": delete_form or DocumentDeleteForm(),
    }
    status = 400 if version_form or delete_form else 200
    return render(request, "workspaces/document_detail.html", context, status=status)


@require_GET
def document_detail(request, slug: str, pk: int):
    return _detail_page(request, _document(request, slug, pk))


@require_POST
def document_add_version(request, slug: str, pk: int):
    document = _document(request, slug, pk)
    form = VersionUploadForm(request.POST, request.FILES)
    too_large = too_large_message(request)
    if too_large and by_script(request):
        return HttpResponse(too_large, status=413, content_type="text/plain; charset=utf-8")
    if too_large:
        form.refuse_file(too_large)
    elif form.is_valid():
        with errors_into(form, "file") as attempt:
            version = documents.document_add_version(
                actor=request.user,
                document=document,
                upload=form.cleaned_data["file"],
                change_note=form.cleaned_data["change_note"],
                request=request,
            )
        if attempt.succeeded:
            messages.success(request, _("Version %(n)s is uploaded.") % {"n": version.number})
            return redirect("document_detail", slug=slug, pk=pk)
    return _detail_page(request, document, version_form=form)


@require_POST
def document_delete(request, slug: str, pk: int):
    document = _document(request, slug, pk)
    if not can_delete_document(request.user, document):
        raise PermissionDenied  # as the service would, before any word about the reason
    form = DocumentDeleteForm(request.POST)
    if form.is_valid():
        with errors_into(form, "reason") as attempt:
            documents.document_delete(
                actor=request.user,
                document=document,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        if attempt.succeeded:
            messages.success(request, _("The document is deleted."))
            if document.workspace.is_library:
                return redirect("library")  # partnership/library: the library's own list
            return redirect("document_list", slug=slug)
    return _detail_page(request, document, delete_form=form)


@require_POST
def document_watermark(request, slug: str, pk: int):
    document = _document(request, slug, pk)
    on = request.POST.get("watermark") == "on"
    with refusals_as_messages(request):
        documents.document_watermark_set(
            actor=request.user, document=document, on=on, request=request
        )
        if on:
            messages.success(request, _("Each PDF copy of this document is now watermarked."))
        else:
            messages.success(request, _("Copies of this document are no longer watermarked."))
    return redirect("document_detail", slug=slug, pk=pk)


@require_http_methods(["GET", "POST"])
def document_acknowledge(request, slug: str, pk: int):
    document = _document(request, slug, pk)
    next_url = reverse("document_download", kwargs={"slug": slug, "pk": pk})
    version = id_param(request.GET.get("version") or request.POST.get("version"))
    if version:
        next_url = reverse("version_download", kwargs={"slug": slug, "pk": pk, "version": version})
    if request.method == "POST":
        documents.marking_acknowledge(actor=request.user, document=document, request=request)
        return redirect(next_url)
    if not must_acknowledge(request.user, document):
        return redirect(next_url)  # nothing to acknowledge: the uploader, or done already
    return render(
        request,
        "workspaces/document_acknowledge.html",
        {"workspace": document.workspace, "document": document, "version": version},
    )


# ------------------------------------------------------------------------------
# Downloads: streamed; every served and every refused download is audited
# ------------------------------------------------------------------------------


@require_safe
def document_download(request, slug: str, pk: int, version: int | None = None):
    # A sync view: the middleware already runs in Django's request thread, so the policy check,
    # the audit record and opening the file happen there without hopping back and forth between
    # the event loop and that thread. The bytes still stream asynchronously (downloads.py).
    # A watermarked copy is stamped here, by a worker subprocess this thread waits for.
    served = version_to_serve(request, slug=slug, pk=pk, version_id=version)
    if must_acknowledge(request.user, served.document):
        url = reverse("document_acknowledge", kwargs={"slug": slug, "pk": pk})
        return redirect(f"{url}?version={served.pk}")
    response, copy = serve_version(request, served)
    if response is None:
        context = {"workspace": served.document.workspace, "document": served.document}
        context["refusal"] = copy.refusal
        return render(request, "workspaces/download_refused.html", context, status=copy.status)
    return response


@require_safe
def document_preview(request, slug: str, pk: int, preview: int):
    """A preview image: asked of the policy like the download (previews are the document's)."""
    shown = get_visible_or_404(
        request.user,
        DocumentPreview,
        pk=preview,
        version__document__pk=pk,
        version__document__workspace__slug=slug,
    )
    return preview_response(shown)


# ------------------------------------------------------------------------------
# Tracing a leaked copy (the audit log's readers)
# ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def download_trace(request):
    holds_or_404(request.user, Capability.READ_AUDIT)
    posted = request.method == "POST"
    form = DownloadTraceForm(request.POST if posted else None, request.FILES or None)
    trace = None
    if posted and form.is_valid():
        with errors_into(form, "reason"):
            trace = watermarks.download_trace(
                actor=request.user,
                code=form.cleaned_data["code"],
                upload=form.cleaned_data["file"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
    status = 400 if posted and form.errors else 200
    return render(
        request, "workspaces/download_trace.html", {"form": form, "trace": trace}, status=status
    )
