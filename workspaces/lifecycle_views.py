"""Creating, configuring, archiving and reopening a workspace, its roster and the directory
the Secretariat joins rosters from."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.refusals import errors_into, refusals_as_messages, refusals_redirect_to, say_form_errors

from . import selectors, services, undertakings
from .access import (
    Capability,
    WorkspaceRole,
    can,
    holds_or_404,
    require,
    roster_of,
    workspace_capabilities,
    workspace_role,
)
from .attribution import names_on_lists
from .forms import ReasonForm, RosterAddForm, WorkspaceForm, WorkspaceSettingsForm
from .models import Workspace
from .selectors import visible_workspace


@require_http_methods(["GET", "POST"])
def workspace_create(request):
    holds_or_404(request.user, Capability.CREATE_WORKSPACES)
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            workspace = services.workspace_create(
                actor=request.user, request=request, **form.cleaned_data
            )
        if attempt.succeeded:
            messages.success(request, _("The dialogue is created. Now add its roster."))
            return redirect("workspace_roster", slug=workspace.slug)
    return render(request, "workspaces/workspace_form.html", {"form": form})


@require_GET
def workspace_directory(request):
    if not (
        can(request.user, Capability.JOIN_ROSTERS)
        or can(request.user, Capability.CREATE_WORKSPACES)
    ):
        raise Http404
    context = {
        "workspaces": selectors.workspace_directory(user=request.user),
        "can_join": can(request.user, Capability.JOIN_ROSTERS),
    }
    return render(request, "workspaces/workspace_directory.html", context)


@require_POST
@refusals_redirect_to("workspace_directory")
def workspace_join(request, slug: str):
    holds_or_404(request.user, Capability.JOIN_ROSTERS)
    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise Http404
    services.roster_join(actor=request.user, workspace=workspace, request=request)
    messages.success(request, _("You joined the roster as facilitator. This is recorded."))
    return redirect("workspace_detail", slug=slug)


@require_http_methods(["GET", "POST"])
def workspace_settings(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    require(request.user, Capability.MANAGE_ROSTER, workspace)
    initial = {
        "title": workspace.title,
        "purpose": workspace.purpose_source,
        "observer_policy": workspace.observer_policy,
        "email_excerpts": workspace.email_excerpts,
    }
    form = WorkspaceSettingsForm(request.POST or None, initial=initial)
    may_allow_excerpts = can(request.user, Capability.ALLOW_EXCERPTS, workspace)
    if not may_allow_excerpts:
        form.fields["email_excerpts"].disabled = True
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            services.workspace_update(
                actor=request.user, workspace=workspace, request=request, **form.cleaned_data
            )
        if attempt.succeeded:
            messages.success(request, _("The dialogue's settings are saved."))
            return redirect("workspace_detail", slug=slug)
    context = {
        "workspace": workspace,
        "form": form,
        "can_set_attribution": can(request.user, Capability.SET_ATTRIBUTION, workspace),
        "undertaking": undertakings.current_undertaking(workspace),
    }
    return render(request, "workspaces/workspace_settings.html", context)


@require_POST
def workspace_archive(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    require(request.user, Capability.MODERATE, workspace)
    form = ReasonForm(request.POST)
    form.is_valid()
    with refusals_as_messages(request):
        services.workspace_archive(
            actor=request.user,
            workspace=workspace,
            reason=form.cleaned_data.get("reason", ""),
            request=request,
        )
        messages.success(request, _("The dialogue is archived: it is now read-only."))
    return redirect("workspace_detail", slug=slug)


@require_POST
def workspace_reopen(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    require(request.user, Capability.REOPEN, workspace)
    services.workspace_reopen(actor=request.user, workspace=workspace, request=request)
    messages.success(request, _("The dialogue is open again."))
    return redirect("workspace_detail", slug=slug)


@require_GET
def workspace_roster(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    capabilities = workspace_capabilities(request.user, workspace)
    can_manage = Capability.MANAGE_ROSTER in capabilities
    context = {
        "workspace": workspace,
        "roster": roster_of(workspace),
        "names_hidden": not names_on_lists(
            workspace.attribution, capabilities, unless_held=Capability.MANAGE_ROSTER
        ),
        "can_manage": can_manage,
        "add_form": RosterAddForm(),
        "my_role": workspace_role(request.user, workspace),
    }
    if can_manage:
        context["undertaking"], context["acceptances"] = undertakings.acceptances(workspace)
    return render(request, "workspaces/workspace_roster.html", context)


@require_POST
def workspace_roster_add(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    require(request.user, Capability.MANAGE_ROSTER, workspace)
    form = RosterAddForm(request.POST)
    if not form.is_valid():
        say_form_errors(request, form)
        return redirect("workspace_roster", slug=slug)
    role = WorkspaceRole(form.cleaned_data["role"])
    with refusals_as_messages(request):
        if form.cleaned_data["jurisdiction"]:
            services.roster_add_jurisdiction(
                actor=request.user,
                workspace=workspace,
                jurisdiction=form.cleaned_data["jurisdiction"],
                role=role,
                request=request,
            )
        else:
            services.roster_add_user(
                actor=request.user,
                workspace=workspace,
                user=form.cleaned_data["user"],
                role=role,
                request=request,
            )
        messages.success(request, _("The roster is updated."))
    return redirect("workspace_roster", slug=slug)


@require_POST
def workspace_roster_remove(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    require(request.user, Capability.MANAGE_ROSTER, workspace)
    form = RosterAddForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    with refusals_as_messages(request):
        services.roster_remove(
            actor=request.user,
            workspace=workspace,
            user=data.get("user"),
            jurisdiction=data.get("jurisdiction"),
            request=request,
        )
        messages.success(request, _("Removed from the roster: their access ended at once."))
    return redirect("workspace_roster", slug=slug)
