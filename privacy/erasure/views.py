"""The Secretariat's erasure of a departed official: a page that says what will change, then
the irreversible change, confirmed by typing the official's email address."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.policy import Capability, can, get_visible_or_404
from accounts.reauthentication import confirm_recent_authentication
from core.refusals import errors_into

from . import services


class ErasureForm(forms.Form):
    remove_content = forms.BooleanField(
        label=gettext_lazy("Also remove what they wrote"),
        help_text=gettext_lazy(
            "Their posts keep their place in each thread and say “Removed at the author's "
            "request”; their chat messages are deleted and their comments on minutes lose their "
            "text. Without this, what they wrote stays in the record under the new label."
        ),
        required=False,
    )
    confirm_email = forms.CharField(
        label=gettext_lazy("Type the official's email address to confirm"),
        max_length=254,
    )

    def __init__(self, *args, official: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.official = official

    def clean_confirm_email(self) -> str:
        typed = self.cleaned_data["confirm_email"].strip()
        if typed.lower() != self.official.email.lower():
            raise ValidationError(_("This is not the official's email address."))
        return typed


def _back(official: User):
    if official.jurisdiction_id:
        return redirect("jurisdiction_detail", code=official.jurisdiction.code)
    return redirect("membership")


@require_http_methods(["GET", "POST"])
def official_erase(request, pk: int):
    official = get_visible_or_404(request.user, User, pk=pk)
    # The page exists only for who may erase this official (missing and forbidden alike).
    if not can(request.user, Capability.ERASE_OFFICIALS, official):
        raise Http404
    refusal = None
    try:
        summary = services.erasure_summary(actor=request.user, official=official)
    except ValidationError as error:
        summary, refusal = None, error.messages[0]
    form = ErasureForm(request.POST or None, official=official)
    if request.method == "POST" and summary is not None and form.is_valid():
        confirm_recent_authentication(request)
        with errors_into(form) as attempt:
            done = services.official_erase(
                actor=request.user,
                official=official,
                remove_content=form.cleaned_data["remove_content"],
                request=request,
            )
        if attempt.succeeded:
            messages.success(
                request,
                _("The official is erased. Enclave shows them as “%(label)s” from now on.")
                % {"label": done.label},
            )
            return _back(official)
    context = {"official": official, "summary": summary, "refusal": refusal, "form": form}
    return render(request, "privacy/official_erase.html", context)
