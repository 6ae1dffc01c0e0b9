"""Thin views for scheduling polls: open, answer (in the reader's zone), the organiser's grid,
pick a slot, close. Every route is keyed by its session; a poll is found only where the policy
shows it (a draft session's poll is shown to the session's audience, the session is not)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.params import id_or_404, id_param
from core.refusals import errors_into, refusals_redirect_to
from dialogues.lookups import visible_session, visible_workspace
from dialogues.meetings import polls as poll_services
from dialogues.meetings import polls_selectors as selectors
from dialogues.meetings import services as meetings
from dialogues.meetings.polls_forms import PollAnswerForm, PollOpenForm
from dialogues.models import DialogueSession, SchedulingPoll
from workspaces.access import Capability, can, visible


def _poll_or_session(user, slug: str, session: int):
    """The session's poll as `user` may see it, and its session; (None, session) when there
    is no poll they may see (404 when they may not see the session either)."""
    session = id_or_404(session)  # an id out of the column's range is simply not found
    poll = (
        visible(user, SchedulingPoll)
        .select_related("session__workspace")
        .filter(session_id=session, session__workspace__slug=slug)
        .first()
    )
    if poll is not None:
        return poll, poll.session
    return None, visible_session(user, slug, session)


def _require_run(user, obj) -> None:
    if not can(user, Capability.RUN_SESSIONS, obj):
        raise PermissionDenied(meetings.CAPABILITY_REFUSAL[Capability.RUN_SESSIONS])


def _poll_url(slug: str, session: int, name: str = "poll_detail") -> str:
    return reverse(name, kwargs={"slug": slug, "session": session})


def _no_poll(request, session: DialogueSession, *, missing_for_others: bool = False):
    """Those who run sessions, where a session has no poll: the page that offers one. Anyone
    else finds no poll there (404) or may not read the grid (403)."""
    if missing_for_others and not can(request.user, Capability.RUN_SESSIONS, session):
        raise Http404
    _require_run(request.user, session)
    context = {"workspace": session.workspace, "session": session}
    return render(request, "dialogues/meetings/poll_none.html", context)


@require_GET
def poll_list(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    context = {
        "workspace": workspace,
        "polls": selectors.polls_for(user=request.user, workspace=workspace),
    }
    return render(request, "dialogues/meetings/poll_list.html", context)


@require_http_methods(["GET", "POST"])
def poll_open(request, slug: str, session: int):
    found = visible_session(request.user, slug, session)
    _require_run(request.user, found)
    length = int((found.ends_at - found.starts_at).total_seconds() // 60) or 120
    initial = {
        "time_zone": getattr(request.user, "timezone", "") or found.time_zone,
        "duration_minutes": min(max(length, 1), 720),
        "closes_on": timezone.localdate() + datetime.timedelta(days=7),
    }
    form = PollOpenForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_into(form) as attempt:
            poll_services.poll_open(
                actor=request.user,
                session=found,
                slots=[(start, data["duration_minutes"]) for start in data["slots"]],
                time_zone=data["time_zone"],
                closes_on=data["closes_on"],
                answers_visible_to=data["answers_visible_to"],
                request=request,
            )
        if attempt.succeeded:
            messages.success(request, _("The scheduling poll is open."))
            return redirect(_poll_url(slug, found.pk, "poll_grid"))
    context = {"workspace": found.workspace, "session": found, "form": form}
    status = 400 if request.method == "POST" else 200
    return render(request, "dialogues/meetings/poll_form.html", context, status=status)


def _answer_page(request, poll: SchedulingPoll, form=None):
    page = selectors.answer_page(user=request.user, poll=poll)
    form = form or PollAnswerForm(
        rows=page.rows,
        for_jurisdiction_offered=page.can_answer_for_jurisdiction,
        initial={"for_jurisdiction": page.answered_for_jurisdiction},
    )
    context = {"workspace": poll.session.workspace, **vars(page), "form": form}
    status = 400 if form.is_bound else 200
    return render(request, "dialogues/meetings/poll_detail.html", context, status=status)


@require_GET
def poll_detail(request, slug: str, session: int):
    poll, found = _poll_or_session(request.user, slug, session)
    if poll is None:
        return _no_poll(request, found, missing_for_others=True)
    return _answer_page(request, poll)


@require_POST
def poll_answer(request, slug: str, session: int):
    poll, found = _poll_or_session(request.user, slug, session)
    if poll is None:
        messages.error(request, _("This session has no scheduling poll."))
        return redirect("session_list", slug=slug)
    page = selectors.answer_page(user=request.user, poll=poll)
    form = PollAnswerForm(
        request.POST, rows=page.rows, for_jurisdiction_offered=page.can_answer_for_jurisdiction
    )
    if form.is_valid():
        with errors_into(form) as attempt:
            poll_services.poll_answer(
                actor=request.user,
                poll=poll,
                choices=form.choices_by_slot(),
                for_jurisdiction=form.cleaned_data.get("for_jurisdiction", False),
            )
        if attempt.succeeded:
            messages.success(request, _("Your answers are saved."))
            return redirect(_poll_url(slug, found.pk))
    return _answer_page(request, poll, form)


@require_GET
def poll_grid(request, slug: str, session: int):
    poll, found = _poll_or_session(request.user, slug, session)
    if poll is None:
        return _no_poll(request, found)
    _require_run(request.user, poll)
    page = selectors.grid_page(user=request.user, poll=poll)
    context = {"workspace": found.workspace, **vars(page)}
    return render(request, "dialogues/meetings/poll_grid.html", context)


def _back_to_grid(request, slug: str, session: int) -> str:
    return _poll_url(slug, session, "poll_grid")


def _poll_to_run(request, slug: str, session: int) -> SchedulingPoll:
    """The poll an organiser acts on: 404 where the session is not seen, 403 where they do not
    run sessions, a message where there is no poll."""
    poll, found = _poll_or_session(request.user, slug, session)
    _require_run(request.user, poll or found)
    if poll is None:
        raise ValidationError(_("This session has no scheduling poll."))
    return poll


@require_POST
@refusals_redirect_to(_back_to_grid)
def poll_pick(request, slug: str, session: int):
    poll = _poll_to_run(request, slug, session)
    picked = poll_services.poll_pick(
        actor=request.user,
        poll=poll,
        slot_id=id_param(request.POST.get("slot")),
        request=request,
    )
    messages.success(
        request, _("The session is scheduled at the chosen slot; the roster is notified.")
    )
    return redirect("session_detail", slug=slug, pk=picked.pk)


@require_POST
@refusals_redirect_to(_back_to_grid)
def poll_close(request, slug: str, session: int):
    poll = _poll_to_run(request, slug, session)
    poll_services.poll_close(actor=request.user, poll=poll, request=request)
    messages.success(request, _("The poll is closed: answers can no longer change."))
    return redirect(_poll_url(slug, session, "poll_grid"))
