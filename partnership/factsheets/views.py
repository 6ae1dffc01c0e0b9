"""Thin views for factsheets: the list with its filters and map, one factsheet, its draft,
a version with what changed, the history of a version or a field, the comparison, the
Secretariat's field settings and publication, and the public files of the last publication."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.refusals import errors_into, refusals_redirect_to
from core.spreadsheets import neutralised
from partnership.factsheets import map_chart, schema, selectors, services
from partnership.factsheets.forms import FactsheetForm, FieldSettingsForm, FilterForm, ReturnForm
from partnership.models import FactsheetPublication, FactsheetVersion
from workspaces.access import Capability, can

State = FactsheetVersion.State
MAX_COMPARED = 12


def _readable(request):
    if not selectors.may_read_factsheets(request.user):
        raise Http404


@require_GET
def factsheet_list(request):
    _readable(request)
    settings = services.field_settings()
    fields = selectors.shown_fields(request.user, None, settings)
    form = FilterForm(request.GET or None, fields=fields)
    rows = selectors.listing(request.user, form.filters(), settings)
    context = {
        "rows": rows,
        "form": form,
        "columns": [schema.BY_KEY[k] for k in ("status", "start_year", "coverage_share", "price")]
        if {"status", "start_year", "coverage_share", "price"} <= {f.key for f in fields}
        else [f for f in fields if f.kind in ("choice", "year", "percent", "price")][:4],
        "map": map_chart.map_rows(rows) if map_chart.STATUS in fields else None,
        "can_manage": can(request.user, Capability.MANAGE_FACTSHEETS),
    }
    for row in rows:
        row.cells = [
            (spec.label, schema.as_text(spec, row.values.get(spec.key)))
            for spec in context["columns"]
        ]
    return render(request, "partnership/factsheet_list.html", context)


@require_GET
def factsheet_map(request):
    _readable(request)
    settings = services.field_settings()
    fields = selectors.shown_fields(request.user, None, settings)
    if map_chart.STATUS not in fields:
        raise Http404  # observers who do not read the status get no map coloured by it
    rows = selectors.listing(request.user, settings=settings)
    svg = map_chart.render(map_chart.map_rows(rows))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    # Not kept: what the map may show this reader follows the field settings of the moment.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def factsheet_detail(request, code: str):
    jurisdiction = selectors.jurisdiction_or_404(request.user, code)
    factsheet = selectors.factsheet_for(jurisdiction)
    approved = factsheet.approved if factsheet else None
    fields = selectors.shown_fields(request.user, jurisdiction.pk)
    values = approved.values if approved else {}
    context = {
        "jurisdiction": jurisdiction,
        "approved": approved,
        "rows": [
            (
                spec,
                schema.as_html(spec, values.get(spec.key), approved.rendered if approved else {}),
            )
            for spec in fields
        ],
        "open_version": selectors.open_version(request.user, jurisdiction),
        "can_draft": can(request.user, Capability.DRAFT_FACTSHEETS, jurisdiction),
        "can_approve": can(request.user, Capability.APPROVE_FACTSHEETS, jurisdiction),
        "limited": len(fields) < len(schema.FIELDS),
    }
    return render(request, "partnership/factsheet_detail.html", context)


def _acting(request, code: str, capability: Capability):
    """The jurisdiction whose factsheet the reader acts on with `capability`: refused (403) to
    who reads its drafts without holding it, missing (404) to anyone else."""
    jurisdiction = selectors.jurisdiction_or_404(request.user, code)
    if not can(request.user, capability, jurisdiction):
        if can(request.user, Capability.READ_FACTSHEET_DRAFTS, jurisdiction):
            raise PermissionDenied
        raise Http404
    return jurisdiction


def _drafter(request, code: str):
    return _acting(request, code, Capability.DRAFT_FACTSHEETS)


@require_http_methods(["GET", "POST"])
def factsheet_draft(request, code: str):
    jurisdiction = _drafter(request, code)
    version = selectors.open_version(request.user, jurisdiction)
    factsheet = selectors.factsheet_for(jurisdiction)
    start = version or (factsheet.approved if factsheet else None)
    initial = schema.form_initial(start.values) if start else {}
    if version:
        initial["note"] = version.note
    form = FactsheetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        save = services.draft_save_and_submit if "submit" in request.POST else services.draft_save
        with errors_into(form) as attempt:
            saved = save(
                actor=request.user,
                jurisdiction=jurisdiction,
                values=form.values(),
                note=form.cleaned_data["note"],
                request=request,
            )
        if attempt.succeeded:
            if "submit" in request.POST:
                messages.success(
                    request, _("The draft is saved and awaits the focal point's approval.")
                )
            elif version and version.state == State.SUBMITTED:
                messages.warning(
                    request, _("The draft is saved. It no longer awaits approval: submit it again.")
                )
            else:
                messages.success(request, _("The draft is saved."))
            return redirect("factsheet_version", code=jurisdiction.code, number=saved.number)
    context = {
        "jurisdiction": jurisdiction,
        "form": form,
        "version": version,
        "approved": factsheet.approved if factsheet else None,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "partnership/factsheet_draft.html", context, status=status)


def _back_to_version(request, code: str, number: int = 0) -> str:
    if number:
        return reverse("factsheet_version", kwargs={"code": code, "number": number})
    return reverse("factsheet_detail", kwargs={"code": code})


@require_POST
@refusals_redirect_to(_back_to_version)
def factsheet_submit(request, code: str):
    jurisdiction = _drafter(request, code)
    version = services.draft_submit(actor=request.user, jurisdiction=jurisdiction, request=request)
    messages.success(request, _("The draft awaits the focal point's approval."))
    return redirect("factsheet_version", code=code, number=version.number)


@require_POST
@refusals_redirect_to(_back_to_version)
def factsheet_discard(request, code: str):
    jurisdiction = _drafter(request, code)
    services.draft_discard(actor=request.user, jurisdiction=jurisdiction, request=request)
    messages.success(request, _("The draft is discarded."))
    return redirect("factsheet_detail", code=code)


@require_GET
def factsheet_version(request, code: str, number: int):
    jurisdiction = selectors.jurisdiction_or_404(request.user, code)
    version = selectors.version_or_404(request.user, jurisdiction, number)
    fields = selectors.shown_fields(request.user, jurisdiction.pk)
    previous = selectors.previous_approved(version)
    can_approve = can(request.user, Capability.APPROVE_FACTSHEETS, jurisdiction)
    context = {
        "jurisdiction": jurisdiction,
        "version": version,
        "previous": previous,
        "changes": selectors.changes(fields, previous, version),
        "rows": [
            (spec, schema.as_html(spec, version.values.get(spec.key), version.rendered))
            for spec in fields
        ],
        "can_decide": can_approve and version.state == State.SUBMITTED,
        "can_draft": can(request.user, Capability.DRAFT_FACTSHEETS, jurisdiction),
        "return_form": ReturnForm(),
        "notes_shown": selectors.notes_shown(request.user, jurisdiction),
    }
    return render(request, "partnership/factsheet_version.html", context)


def _approver(request, code: str):
    return _acting(request, code, Capability.APPROVE_FACTSHEETS)


@require_POST
@refusals_redirect_to(_back_to_version)
def factsheet_approve(request, code: str, number: int):
    jurisdiction = _approver(request, code)
    services.version_approve(
        actor=request.user, jurisdiction=jurisdiction, number=number, request=request
    )
    messages.success(
        request, _("Version %(number)s is approved: members now read it.") % {"number": number}
    )
    return redirect("factsheet_detail", code=code)


@require_POST
@refusals_redirect_to(_back_to_version)
def factsheet_return(request, code: str, number: int):
    jurisdiction = _approver(request, code)
    services.version_return(
        actor=request.user,
        jurisdiction=jurisdiction,
        number=number,
        reason=request.POST.get("reason", ""),
        request=request,
    )
    messages.success(request, _("The version is returned to draft with your note."))
    return redirect("factsheet_version", code=code, number=number)


@require_GET
def factsheet_history(request, code: str):
    jurisdiction = selectors.jurisdiction_or_404(request.user, code)
    context = {
        "jurisdiction": jurisdiction,
        "versions": selectors.history(request.user, jurisdiction),
        "fields": selectors.shown_fields(request.user, jurisdiction.pk),
        "notes_shown": selectors.notes_shown(request.user, jurisdiction),
    }
    return render(request, "partnership/factsheet_history.html", context)


@require_GET
def factsheet_field(request, code: str, key: str):
    jurisdiction = selectors.jurisdiction_or_404(request.user, code)
    steps = selectors.field_history(request.user, jurisdiction, key)
    context = {"jurisdiction": jurisdiction, "spec": schema.BY_KEY[key], "steps": steps}
    return render(request, "partnership/factsheet_field.html", context)


@require_GET
def factsheet_compare(request):
    _readable(request)
    codes = request.GET.getlist("j")[:MAX_COMPARED]
    settings = services.field_settings()
    rows = selectors.listing(request.user, settings=settings)
    chosen = [row for row in rows if row.jurisdiction.code in codes] if codes else rows[:4]
    fields = selectors.shown_fields(request.user, None, settings)
    own = {
        row.jurisdiction.pk: selectors.shown_fields(request.user, row.jurisdiction.pk, settings)
        for row in chosen
    }
    # An official reads every field of their own factsheet; a field shows as a row when any
    # compared factsheet is read in it.
    shown = [
        spec for spec in schema.FIELDS if any(spec in f for f in own.values()) or spec in fields
    ]
    table = [
        (
            spec,
            [
                schema.as_html(spec, row.values.get(spec.key), row.rendered)
                if spec in own[row.jurisdiction.pk]
                else None
                for row in chosen
            ],
        )
        for spec in shown
    ]
    context = {
        "rows": rows,
        "chosen": chosen,
        "codes": {r.jurisdiction.code for r in chosen},
        "table": table,
        "max": MAX_COMPARED,
    }
    return render(request, "partnership/factsheet_compare.html", context)


def _manager(request):
    if not can(request.user, Capability.MANAGE_FACTSHEETS):
        raise Http404


@require_http_methods(["GET", "POST"])
def factsheet_settings(request):
    _manager(request)
    form = FieldSettingsForm(request.POST or None, settings=services.field_settings())
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            services.field_settings_save(
                actor=request.user,
                observers_see=form.chosen("observers"),
                published=form.chosen("published"),
                request=request,
            )
        if attempt.succeeded:
            messages.success(request, _("The field settings are saved."))
            return redirect("factsheet_settings")
    return render(request, "partnership/factsheet_settings.html", {"form": form})


@require_http_methods(["GET", "POST"])
@refusals_redirect_to("factsheet_publications")
def factsheet_publications(request):
    _manager(request)
    if request.method == "POST":
        publication = services.publish(actor=request.user, request=request)
        messages.success(
            request,
            _("The comparison is published: %(count)s jurisdictions.")
            % {"count": len(publication.rows)},
        )
        return redirect("factsheet_publications")
    settings = services.field_settings()
    context = {
        "publications": FactsheetPublication.objects.select_related("published_by")[:20],
        "published_fields": [
            str(spec.label) for spec in schema.FIELDS if settings[spec.key].published
        ],
    }
    return render(request, "partnership/factsheet_publications.html", context)


# ------------------------------------------------------------------------------
# The public files: the latest publication, and nothing else
# ------------------------------------------------------------------------------


def _latest_publication() -> FactsheetPublication:
    publication = FactsheetPublication.objects.order_by("-published_at", "-pk").first()
    if publication is None:
        raise Http404
    return publication


def _public(response: HttpResponse, publication: FactsheetPublication) -> HttpResponse:
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    response["Last-Modified"] = publication.published_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response


@login_not_required
@require_GET
def published_json(request):
    publication = _latest_publication()
    payload = {
        "published_at": publication.published_at.isoformat(),
        "fields": [
            {"key": key, "label": str(schema.BY_KEY[key].label)}
            for key in publication.fields
            if key in schema.BY_KEY
        ],
        "jurisdictions": publication.rows,
    }
    response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False, "indent": 1})
    return _public(response, publication)


@login_not_required
@require_GET
def published_csv(request):
    publication = _latest_publication()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="factsheets.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    keys = [key for key in publication.fields if key in schema.BY_KEY]
    writer.writerow(
        [
            _("Jurisdiction"),
            _("Version"),
            _("Approved"),
            *[str(schema.BY_KEY[k].label) for k in keys],
        ]
    )
    for row in publication.rows:
        writer.writerow(
            [
                neutralised(row["jurisdiction"]),
                row["version"],
                row["approved_at"],
                *[neutralised(_plain(schema.BY_KEY[k], row["values"].get(k))) for k in keys],
            ]
        )
    return _public(response, publication)


def _plain(spec: schema.Field, value) -> str:
    if spec.kind == "links" and value:
        return " ; ".join(item["url"] for item in value)
    if isinstance(value, list):
        return ", ".join(value)
    return "" if value is None else str(value)
