"""A dialogue's confidentiality undertaking: the page that shows it with "I accept", the form
that changes it, and the one handler that sends a reader who has not accepted it there first.

Every page inside a dialogue looks its workspace up through `visible_workspace` (or an item
through `get_visible_or_404`); both raise UndertakingPending while the reader has not accepted
the current version, and UndertakingGateMiddleware turns that into a redirect here, with the
page they were going to as `next`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.params import int_param
from core.refusals import errors_into, refusals_redirect_to

from . import undertakings
from .access import Capability, UndertakingPending, get_visible_or_404, require
from .models import Workspace


class UndertakingGateMiddleware:
    """UndertakingPending, raised by any page inside a dialogue, becomes a redirect to the
    dialogue's undertaking (and, for a page that was read, back to it once accepted)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UndertakingPending):
            return None
        url = reverse("workspace_undertaking", kwargs={"slug": exception.workspace.slug})
        if request.method in ("GET", "HEAD"):
            url += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)


def _safe_next(request, value: str) -> str:
    """`next` if it is a path on this site, else ""."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return ""
    allowed = url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return value if allowed else ""


def _workspace(request, slug: str) -> Workspace:
    # The workspace itself, not its content: readable before the undertaking is accepted.
    return get_visible_or_404(request.user, Workspace, slug=slug)


@require_http_methods(["GET", "HEAD"])
def undertaking(request, slug: str):
    workspace = _workspace(request, slug)
    page = undertakings.undertaking_page(user=request.user, workspace=workspace)
    next_url = _safe_next(request, request.GET.get("next", ""))
    if page.accepted_at and next_url:
        return redirect(next_url)
    context = {"workspace": workspace, "page": page, "next": next_url}
    return render(request, "workspaces/undertaking.html", context)


def _back_to_undertaking(request, slug: str) -> str:
    url = reverse("workspace_undertaking", kwargs={"slug": slug})
    next_url = _safe_next(request, request.POST.get("next", ""))
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@require_POST
@refusals_redirect_to(_back_to_undertaking)
def undertaking_accept(request, slug: str):
    workspace = _workspace(request, slug)
    undertakings.undertaking_accept(
        actor=request.user,
        workspace=workspace,
        version=int_param(request.POST.get("version"), minimum=1) or 0,
        request=request,
    )
    messages.success(request, _("Thank you: you accepted the undertaking. This is recorded."))
    next_url = _safe_next(request, request.POST.get("next", ""))
    return redirect(next_url or reverse("workspace_detail", kwargs={"slug": slug}))


class UndertakingForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Text of the undertaking"),
        max_length=undertakings.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=gettext_lazy(
            "Markdown: **bold**, *italic*, lists, > quotes, [links](https://…). Saving makes a "
            "new version: everyone on the roster accepts it again before their next read."
        ),
    )


@require_http_methods(["GET", "POST"])
def undertaking_edit(request, slug: str):
    workspace = _workspace(request, slug)
    require(request.user, Capability.MANAGE_ROSTER, workspace)
    current = undertakings.current_undertaking(workspace)
    initial = {"text": current.text_source} if current else {}
    form = UndertakingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_into(form, "text") as attempt:
            created = undertakings.undertaking_set(
                actor=request.user,
                workspace=workspace,
                text=form.cleaned_data["text"],
                request=request,
            )
        if attempt.succeeded:
            messages.success(
                request,
                _("Version %(version)s is now the undertaking: everyone accepts it again.")
                % {"version": created.version},
            )
            return redirect("workspace_undertaking", slug=slug)
    context = {"workspace": workspace, "form": form, "current": current}
    return render(request, "workspaces/undertaking_edit.html", context)
