"""Thin views for the partnership library: the list with its search and facets, sharing a
document, changing its details. A document's own page, versions, downloads and previews are
the dialogue documents' pages (workspaces/views.py), in the library workspace."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.pagination import query_without_paging
from core.refusals import errors_into
from partnership.library import selectors, services
from partnership.library.forms import LibraryFilterForm, LibraryShareForm, MetadataForm
from partnership.models import LibraryEntry
from workspaces.access import Capability, can, get_visible_or_404
from workspaces.uploads import after_upload, by_script, too_large_message


def _readable(request) -> None:
    if not selectors.may_read_library(request.user):
        raise Http404


def document_url(document) -> str:
    return reverse("document_detail", kwargs={"slug": document.workspace.slug, "pk": document.pk})


def _toggled(filters: dict, key: str, value: str) -> str:
    """The list's address with one facet value chosen, or let go when it was chosen."""
    changed = {k: v for k, v in filters.items() if k != key}
    if str(filters.get(key, "")) != value:
        changed[key] = value
    return f"?{urlencode(changed)}" if changed else "?"


@require_GET
def library_list(request):
    _readable(request)
    form = LibraryFilterForm(request.GET or None)
    filters = form.filters()
    listing = selectors.listing(request.user, filters, request.GET.get("page"))
    for facet in listing.facets:
        for value in facet.values:
            value.href = _toggled(filters, facet.key, value.value)
    context = {
        "form": form,
        "filters": filters,
        "listing": listing,
        "query": query_without_paging(request.GET),
        "can_share": selectors.may_keep_library(request.user),
    }
    return render(request, "partnership/library_list.html", context)


@require_http_methods(["GET", "POST"])
def library_share(request):
    _readable(request)
    if not selectors.may_keep_library(request.user):
        raise Http404
    posted = request.method == "POST"
    form = LibraryShareForm(request.POST if posted else None, request.FILES or None)
    too_large = too_large_message(request) if posted else None
    if too_large:
        form.refuse_file(too_large)
    elif posted and form.is_valid():
        with errors_into(form, "file") as attempt:
            document = services.library_share(
                actor=request.user,
                metadata=form.metadata(),
                request=request,
                **form.upload_arguments(),
            )
        if attempt.succeeded:
            messages.success(
                request, _("“%(title)s” is in the library.") % {"title": document.title}
            )
            return after_upload(request, document_url(document))
    context = {"form": form, "max_mb": settings.ENCLAVE_DOCUMENT_MAX_BYTES // (1024 * 1024)}
    status = 400 if posted else 200
    if too_large and by_script(request):
        status = 413  # the script shows the form it is given (the size message) all the same
    return render(request, "partnership/library_share.html", context, status=status)


@require_http_methods(["GET", "POST"])
def library_entry_edit(request, pk: int):
    entry = get_visible_or_404(
        request.user, LibraryEntry, select_related=("document__workspace",), document__pk=pk
    )
    if not can(request.user, Capability.MANAGE_LIBRARY):
        raise Http404
    posted = request.method == "POST"
    initial = {
        "kind": entry.kind,
        "topic": entry.topic,
        "year": entry.year,
        "language": entry.language,
        "jurisdictions": list(entry.jurisdictions.all()),
    }
    form = MetadataForm(request.POST if posted else None, initial=initial)
    if posted and form.is_valid():
        with errors_into(form) as attempt:
            services.entry_update(
                actor=request.user, entry=entry, metadata=form.metadata(), request=request
            )
        if attempt.succeeded:
            messages.success(request, _("The library details are saved."))
            return redirect(document_url(entry.document))
    context = {"form": form, "entry": entry, "document": entry.document}
    return render(
        request, "partnership/library_entry_edit.html", context, status=400 if posted else 200
    )
