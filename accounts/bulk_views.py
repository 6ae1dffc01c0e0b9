"""Bulk invitations from a CSV: upload and preview, confirm, the result, the template file.

Thin views over accounts/bulk_invitations.py; who may invite whom is the policy's answer there.
A page opened from a jurisdiction's page (`?jurisdiction=<code>`) is for that jurisdiction only.
"""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.refusals import errors_into, refusals_as_messages

from . import bulk_invitations as bulk
from .models import Jurisdiction
from .policy import Capability, get_visible_or_404, holds_or_404

# Where the confirmed batch waits for its result page (ids and row numbers, nothing else).
RESULT_KEY = "bulk_invitations_result"


class BulkInvitationUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "UTF-8, a header row, columns separated by commas or semicolons; at most %(rows)s rows."
        ) % {"rows": bulk.MAX_ROWS}


def _jurisdiction(request) -> Jurisdiction | None:
    code = request.POST.get("jurisdiction_code") or request.GET.get("jurisdiction") or ""
    return get_visible_or_404(request.user, Jurisdiction, code=code) if code else None


def _upload_url(code: str) -> str:
    url = reverse("bulk_invitations")
    return f"{url}?{urlencode({'jurisdiction': code})}" if code else url


@require_http_methods(["GET", "POST"])
def bulk_invitations(request):
    """GET: the upload form. POST: the file's preview, row by row; nothing is sent."""
    holds_or_404(request.user, Capability.INVITE_OFFICIALS)
    jurisdiction = _jurisdiction(request)
    preview = signed = None
    if request.method == "POST":
        form = BulkInvitationUploadForm(request.POST, request.FILES)
        if getattr(request, "upload_too_large", False):
            form.add_error(None, _("The file is too large: split it into several files."))
        elif form.is_valid():
            with errors_into(form, "file") as attempt:
                rows = bulk.parse_csv(form.cleaned_data["file"].read(bulk.MAX_BYTES + 1))
            if attempt.succeeded:
                preview = bulk.classify(actor=request.user, rows=rows, context=jurisdiction)
                if preview.confirmable:
                    signed = bulk.preview_sign(actor=request.user, context=jurisdiction, rows=rows)
    else:
        form = BulkInvitationUploadForm()
    context = {
        "form": form,
        "jurisdiction": jurisdiction,
        "preview": preview,
        "signed": signed,
        "columns": bulk.COLUMNS,
        "max_rows": bulk.MAX_ROWS,
        "statuses": bulk.RowStatus,
    }
    return render(request, "accounts/bulk_invitation_upload.html", context)


@require_POST
def bulk_invitations_confirm(request):
    """Send the previewed invitations, each row checked again; back to the upload if refused."""
    holds_or_404(request.user, Capability.INVITE_OFFICIALS)
    code = request.POST.get("jurisdiction_code", "")
    with refusals_as_messages(request) as attempt:
        result = bulk.invitations_send_batch(
            actor=request.user, signed=request.POST.get("preview", ""), request=request
        )
    if not attempt.succeeded:
        return redirect(_upload_url(code))
    request.session[RESULT_KEY] = {
        "sent": [invitation.pk for invitation in result.sent],
        # The mail server's answer is known now (emails go once the batch commits), not later.
        "unsent": [i.pk for i in result.sent if i.email_sent is False],
        "skipped": [[v.row.number, v.email, v.status.value] for v in result.skipped],
        "jurisdiction": result.context.code if result.context else "",
    }
    # No banner: the result page says what was sent.
    return redirect("bulk_invitations_result")


@require_GET
def bulk_invitations_result(request):
    """What the last confirmed batch of this session sent, and which rows it left out."""
    holds_or_404(request.user, Capability.INVITE_OFFICIALS)
    stored = request.session.get(RESULT_KEY) or {}
    context = {
        "invitations": bulk.batch_invitations(user=request.user, pks=stored.get("sent", [])),
        "unsent": set(stored.get("unsent", [])),
        "skipped": [
            {"number": n, "email": e, "status": bulk.RowStatus(s)}
            for n, e, s in stored.get("skipped", [])
        ],
        "jurisdiction_code": stored.get("jurisdiction", ""),
        "has_result": bool(stored),
        "statuses": bulk.RowStatus,
    }
    return render(request, "accounts/bulk_invitation_result.html", context)


@require_GET
def bulk_invitations_template(request):
    """The template CSV: the header row (with a BOM, so spreadsheets read it as UTF-8)."""
    holds_or_404(request.user, Capability.INVITE_OFFICIALS)
    response = HttpResponse(bulk.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="enclave-invitations.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
