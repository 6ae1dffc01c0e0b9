"""Choosing a workspace's attribution mode and unmasking a pseudonym."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.refusals import errors_into
from dialogues.attribution import services
from dialogues.attribution.forms import AttributionForm, UnmaskForm
from dialogues.lookups import visible_workspace
from workspaces.access import (
    Capability,
    can,
)
from workspaces.models import Pseudonym


@require_http_methods(["GET", "POST"])
def workspace_attribution(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    if not can(request.user, Capability.SET_ATTRIBUTION, workspace):
        raise PermissionDenied(_("Only the Secretariat sets a dialogue's attribution."))
    form = AttributionForm(request.POST or None, initial={"attribution": workspace.attribution})
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            services.attribution_set(
                actor=request.user,
                workspace=workspace,
                mode=form.cleaned_data["attribution"],
                request=request,
            )
        if attempt.succeeded:
            messages.success(request, _("The attribution mode is saved. This is recorded."))
            return redirect("workspace_detail", slug=slug)
    return render(
        request,
        "dialogues/attribution/workspace_attribution.html",
        {"workspace": workspace, "form": form},
    )


def _pseudonym_context(pseudonym: Pseudonym, user) -> tuple[str, str]:
    """(label, link) of where the pseudonym speaks, if the user may see it."""
    kind, item = services.context_item(pseudonym)
    slug = pseudonym.workspace.slug
    if kind in ("thread", "session") and can(user, Capability.VIEW, item):
        name = "thread_detail" if kind == "thread" else "session_detail"
        return item.title, reverse(name, kwargs={"slug": slug, "pk": item.pk})
    if kind == "room":
        return _("Live chat"), reverse("chat_room", kwargs={"slug": slug})
    return _("Documents"), reverse("document_list", kwargs={"slug": slug})


@require_http_methods(["GET", "POST"])
def pseudonym_unmask(request, slug: str, pk: int):
    workspace = visible_workspace(request.user, slug)
    pseudonym = Pseudonym.objects.filter(pk=pk, workspace=workspace).select_related("user").first()
    if pseudonym is None or not can(request.user, Capability.UNMASK, workspace):
        raise Http404  # to everyone else, unmasking does not exist
    label, link = _pseudonym_context(pseudonym, request.user)
    form = UnmaskForm(request.POST or None)
    revealed = None
    if request.method == "POST" and form.is_valid():
        with errors_into(form):
            revealed = services.pseudonym_unmask(
                actor=request.user,
                pseudonym=pseudonym,
                reason=form.cleaned_data["reason"],
                request=request,
            )
    context = {
        "workspace": workspace,
        "pseudonym": pseudonym,
        "context_label": label,
        "context_link": link,
        "form": form,
        "revealed": revealed,
    }
    return render(request, "dialogues/attribution/pseudonym_unmask.html", context)
