"""The dashboard and a dialogue's overview page."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.pagination import numbered_page
from dialogues.announcements import selectors as announcements
from dialogues.lookups import visible_workspace
from dialogues.meetings import minutes as meeting_minutes
from dialogues.meetings import services as meetings
from dialogues.overview import selectors
from dialogues.threads import selectors as thread_selectors
from workspaces.access import (
    Capability,
    can,
    workspace_capabilities,
)
from workspaces.attribution import for_contexts
from workspaces.forms import ReasonForm


@require_GET
def home(request):
    context = {
        # Unread announcements top the dashboard until read (one query, however many).
        "announcements": announcements.dashboard_announcements(user=request.user),
        "workspaces": thread_selectors.my_workspaces(user=request.user),
        "activity": selectors.recent_thread_activity(user=request.user),
        "upcoming_sessions": meetings.upcoming_for(user=request.user),
        "my_actions": meeting_minutes.open_actions_for(user=request.user),
        "can_create": can(request.user, Capability.CREATE_WORKSPACES),
        "can_join": can(request.user, Capability.JOIN_ROSTERS),
        "live_workspaces": True,  # the live counts refresh the cards' unread badges too
    }
    return render(request, "dialogues/overview/home.html", context)


@require_GET
def live_counts(request):
    """The counts a page shows, for its poll (every page without a socket): the bell, and with
    `?workspaces=1` each dialogue's unread threads, as out-of-band swaps. The bell's count
    comes from the layout's own reader (the same selector, so the same policy filter)."""
    context = {}
    if request.GET.get("workspaces"):
        context["workspaces"] = thread_selectors.my_workspaces(user=request.user)
    return render(request, "dialogues/overview/_live_counts.html", context)


@require_GET
def workspace_detail(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    capabilities = workspace_capabilities(request.user, workspace)
    page = numbered_page(
        thread_selectors.workspace_threads(user=request.user, workspace=workspace),
        request.GET.get("page"),
        thread_selectors.THREADS_PER_PAGE,
    )
    threads = page.object_list = list(page.object_list)
    contexts = [f"thread:{thread.pk}" for thread in threads]
    people = for_contexts(workspace, contexts, workspace.attribution)
    for thread, context in zip(threads, contexts, strict=True):
        thread.shown_author = people[context].speaker(thread.author)
    context = {
        "workspace": workspace,
        "capabilities": capabilities,
        "threads": threads,
        "page": page,
        "can_contribute": Capability.CONTRIBUTE in capabilities,
        "can_moderate": Capability.MODERATE in capabilities,
        "can_manage": Capability.MANAGE_ROSTER in capabilities,
        "can_reopen": Capability.REOPEN in capabilities,
        "archive_form": ReasonForm(),
    }
    return render(request, "dialogues/overview/workspace_detail.html", context)
