"""Thin views for dialogue sessions: details, agenda, registration, attendance, minutes,
actions and the calendar file."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.services import site_url
from core.params import id_param
from core.refusals import (
    errors_into,
    refusals_as_messages,
    refusals_redirect_to,
)
from dialogues.attribution.bylines import DialogueBylines
from dialogues.lookups import visible_session, visible_workspace
from dialogues.meetings import live, selectors
from dialogues.meetings import minutes as meeting_minutes
from dialogues.meetings import services as meetings
from dialogues.meetings.feeds import new_calendar, session_event
from dialogues.meetings.forms import (
    ActionForm,
    AgendaItemForm,
    MinutesCommentForm,
    MinutesForm,
    SessionForm,
    ShareMinutesForm,
)
from dialogues.models import (
    ActionItem,
    AgendaItem,
    DialogueSession,
    MinutesEntry,
    SessionAttendance,
    SessionRegistration,
)
from workspaces.access import (
    Capability,
    can,
    get_visible_or_404,
    item_capabilities,
    people_who_can_view,
    visible,
)
from workspaces.attribution import names_on_lists
from workspaces.models import Document

Status = DialogueSession.Status


def _agenda_item(session: DialogueSession, item: int) -> AgendaItem:
    found = session.agenda.filter(pk=item).first()
    if found is None:
        raise Http404
    return found


def _back(session: DialogueSession, anchor: str = ""):
    url = reverse("session_detail", kwargs={"slug": session.workspace.slug, "pk": session.pk})
    return redirect(f"{url}#{anchor}" if anchor else url)


def _back_to_session(anchor: str = ""):
    """A refused step: say why (a PermissionDenied too), change nothing, go back to the
    session's page (at `anchor`)."""

    def back(request, slug: str, pk: int, **kwargs) -> str:
        url = reverse("session_detail", kwargs={"slug": slug, "pk": pk})
        return f"{url}#{anchor}" if anchor else url

    return refusals_redirect_to(back, permission_denied=True)


@require_GET
def session_list(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    found = list(visible(request.user, DialogueSession).filter(workspace=workspace))
    context = {
        "workspace": workspace,
        "can_run": can(request.user, Capability.RUN_SESSIONS, workspace),
        "live": [s for s in found if s.status == Status.LIVE],
        "upcoming": [s for s in found if s.status == Status.SCHEDULED],
        "drafts": [s for s in found if s.status == Status.DRAFT],
        "past": sorted(
            (s for s in found if s.status in (Status.MINUTES_IN_REVIEW, Status.CLOSED)),
            key=lambda s: s.starts_at,
            reverse=True,
        ),
    }
    return render(request, "dialogues/meetings/session_list.html", context)


def _form_details(form: SessionForm) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "description": data["description"],
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "time_zone": data["time_zone"],
        "audience": data["audience"],
        "attribution": data["attribution"],
    }


@require_http_methods(["GET", "POST"])
def session_create(request, slug: str):
    workspace = visible_workspace(request.user, slug)
    if not can(request.user, Capability.RUN_SESSIONS, workspace):
        raise PermissionDenied(meetings.CAPABILITY_REFUSAL[Capability.RUN_SESSIONS])
    initial = {"time_zone": getattr(request.user, "timezone", "") or "Europe/Berlin"}
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            session = meetings.session_create(
                actor=request.user, workspace=workspace, **_form_details(form)
            )
        if attempt.succeeded:
            messages.success(request, _("Draft saved. Add the agenda, then schedule it."))
            return _back(session, "agenda")
    return render(
        request, "dialogues/meetings/session_form.html", {"workspace": workspace, "form": form}
    )


@require_http_methods(["GET", "POST"])
def session_edit(request, slug: str, pk: int):
    session = visible_session(request.user, slug, pk)
    if not can(request.user, Capability.RUN_SESSIONS, session):
        raise PermissionDenied(meetings.CAPABILITY_REFUSAL[Capability.RUN_SESSIONS])
    zone = zoneinfo.ZoneInfo(session.time_zone)
    initial = {
        "title": session.title,
        "description": session.description_source,
        "starts": session.starts_at.astimezone(zone).replace(tzinfo=None),
        "ends": session.ends_at.astimezone(zone).replace(tzinfo=None),
        "time_zone": session.time_zone,
        "audience": session.audience,
        "attribution": session.attribution,
    }
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            meetings.session_update(actor=request.user, session=session, **_form_details(form))
        if attempt.succeeded:
            messages.success(request, _("The session is saved."))
            return _back(session)
    context = {"workspace": session.workspace, "session": session, "form": form}
    return render(request, "dialogues/meetings/session_form.html", context)


def _session_page(request, session: DialogueSession, *, share_form=None, comment_form=None):
    """The session page; with a form posted from it that was refused, that form again with
    its errors beside its fields (400)."""
    page = selectors.session_page(user=request.user, session=session)
    # A refused form the page no longer shows (the review closed, the minutes were shared
    # meanwhile) says why in a message instead: an error nobody sees is no answer.
    share_shown = page.minutes_editable and not session.minutes_shared and not page.share_note
    for form, shown, anchor in (
        (share_form, share_shown, "minutes"),
        (comment_form, page.can_comment, "review"),
    ):
        if form is not None and not shown:
            for error in form.errors.values():
                for text in error:
                    messages.error(request, text)
            return _back(session, anchor)
    context = {
        "workspace": session.workspace,
        **vars(page),
        "share_form": share_form or ShareMinutesForm(),
        "comment_form": comment_form or MinutesCommentForm(agenda=page.agenda),
    }
    status = 400 if share_form or comment_form else 200
    return render(request, "dialogues/meetings/session_detail.html", context, status=status)


@require_GET
def session_detail(request, slug: str, pk: int):
    return _session_page(request, visible_session(request.user, slug, pk))


@require_POST
@_back_to_session()
def session_transition(request, slug: str, pk: int):
    session = visible_session(request.user, slug, pk)
    name = request.POST.get("step", "")
    session = meetings.session_transition(
        actor=request.user, session=session, name=name, request=request
    )
    done = {
        "schedule": _("The session is scheduled; the roster is notified."),
        "unschedule": _("The session is back to draft."),
        "start": _("The session is live: its room is open."),
        "end": _("The session has ended: its room is closed. Write the minutes next."),
        "approve": _("The minutes are approved and published to the roster."),
    }
    messages.success(request, done[name])
    if name == "start":
        return redirect("session_room", slug=slug, session=session.pk)
    return _back(session)


@require_GET
def session_calendar(request, slug: str, pk: int):
    """An .ics file: title, times and a link; no names (it leaves the platform).

    Built with `icalendar`, which does the escaping, folding and CRLF line endings."""
    session = visible_session(request.user, slug, pk)
    url = site_url(request) + reverse("session_detail", kwargs={"slug": slug, "pk": pk})
    calendar = new_calendar()
    calendar.add_component(
        session_event(
            session,
            url=url,
            host=request.get_host().split(":")[0] or "enclave",
            summary=session.title,
            description=_("Dialogue session in Enclave:") + " " + url,
            status="TENTATIVE" if session.status == Status.DRAFT else "CONFIRMED",
        )
    )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


def _agenda_form(request, session: DialogueSession, item: AgendaItem | None = None):
    initial = {}
    if item is not None:
        initial = {
            "title": item.title,
            "duration_minutes": item.duration_minutes,
            "presenter": item.presenter_id,
            "notes": item.notes_source,
            "documents": list(item.documents.values_list("pk", flat=True)),
        }
    return AgendaItemForm(
        request.POST or None,
        initial=initial,
        people=meetings.attendees(session).order_by("full_name"),
        documents=visible(request.user, Document).filter(workspace=session.workspace),
    )


@require_http_methods(["GET", "POST"])
def agenda_item_edit(request, slug: str, pk: int, item: int | None = None):
    session = visible_session(request.user, slug, pk)
    if not can(request.user, Capability.RUN_SESSIONS, session):
        raise PermissionDenied(meetings.CAPABILITY_REFUSAL[Capability.RUN_SESSIONS])
    agenda_item = _agenda_item(session, item) if item else None
    form = _agenda_form(request, session, agenda_item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with errors_into(form) as attempt:
            saved = meetings.agenda_item_save(
                actor=request.user,
                session=session,
                item=agenda_item,
                title=data["title"],
                duration_minutes=data["duration_minutes"],
                presenter_id=data["presenter"],
                notes=data["notes"],
                document_ids=data["documents"],
            )
        if attempt.succeeded:
            messages.success(request, _("The agenda is saved."))
            return _back(session, f"item-{saved.pk}")
    context = {"workspace": session.workspace, "session": session, "item": agenda_item}
    return render(request, "dialogues/meetings/agenda_item_form.html", {**context, "form": form})


@require_POST
@_back_to_session("agenda")
def agenda_item_remove(request, slug: str, pk: int, item: int):
    session = visible_session(request.user, slug, pk)
    meetings.agenda_item_remove(actor=request.user, item=_agenda_item(session, item))
    messages.success(request, _("The agenda item is removed."))
    return _back(session, "agenda")


@require_POST
@_back_to_session("agenda")
def agenda_item_move(request, slug: str, pk: int, item: int):
    session = visible_session(request.user, slug, pk)
    meetings.agenda_item_move(
        actor=request.user,
        item=_agenda_item(session, item),
        up=request.POST.get("direction") == "up",
    )
    return _back(session, f"item-{item}")


@require_POST
@_back_to_session("registration")
def session_register(request, slug: str, pk: int):
    session = visible_session(request.user, slug, pk)
    who = id_param(request.POST.get("user") or request.user.pk)
    person = people_who_can_view(session).filter(pk=who).first() if who else None
    if person is None:
        messages.error(request, _("Choose someone who can attend this session."))
        return _back(session, "registration")
    attending = request.POST.get("attending", "1") == "1"
    meetings.registration_set(actor=request.user, session=session, user=person, attending=attending)
    if attending:
        messages.success(request, _("%(name)s is registered.") % {"name": person.full_name})
    else:
        messages.success(
            request, _("%(name)s is no longer registered.") % {"name": person.full_name}
        )
    return _back(session, "registration")


def _by_jurisdiction(rows) -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for row in rows:
        label = row.jurisdiction.name if row.jurisdiction else _("Secretariat")
        groups.setdefault(label, []).append(row.user)
    return sorted(
        (label, sorted(users, key=lambda u: u.full_name)) for label, users in groups.items()
    )


@require_GET
def session_attendance(request, slug: str, pk: int):
    """The register: who registered and who joined, by jurisdiction. In an anonymous session
    only the Secretariat sees names; everyone else sees the counts."""
    session = visible_session(request.user, slug, pk)
    names_shown = names_on_lists(
        session.effective_attribution,
        item_capabilities(request.user, session),
        unless_held=Capability.UNMASK,
    )
    registrations = SessionRegistration.objects.filter(session=session).select_related(
        "user", "jurisdiction"
    )
    attendance = SessionAttendance.objects.filter(session=session).select_related(
        "user", "jurisdiction"
    )
    context = {
        "workspace": session.workspace,
        "session": session,
        "names_shown": names_shown,
        "registered": _by_jurisdiction(registrations) if names_shown else [],
        "attended": _by_jurisdiction(attendance) if names_shown else [],
        "registered_count": len(registrations),
        "attended_count": len(attendance),
        "attended_jurisdictions": len({row.jurisdiction_id for row in attendance}),
        "by_item": _attendance_by_item(session, names_shown),
    }
    return render(request, "dialogues/meetings/session_attendance.html", context)


def _attendance_by_item(session: DialogueSession, names_shown: bool) -> list[dict]:
    """Who was in the room during each agenda item: counts always; jurisdictions and names
    where the register shows names."""
    present = live.attendance_by_item(session)
    rows = []
    for item in session.agenda.order_by("position", "pk"):
        seen = present.get(item.pk, [])
        rows.append(
            {
                "item": item,
                "count": len(seen),
                "jurisdiction_count": len({row.jurisdiction_id for row in seen}),
                "by_jurisdiction": _by_jurisdiction(seen) if names_shown else [],
            }
        )
    return rows if any(row["count"] for row in rows) else []


@require_http_methods(["GET", "POST"])
def minutes_edit(request, slug: str, pk: int, item: int):
    session = visible_session(request.user, slug, pk)
    if not can(request.user, Capability.RUN_SESSIONS, session):
        raise PermissionDenied(meetings.CAPABILITY_REFUSAL[Capability.RUN_SESSIONS])
    agenda_item = _agenda_item(session, item)
    entry = MinutesEntry.objects.filter(agenda_item=agenda_item).first()
    initial = (
        {"summary": entry.summary_source, "decisions": entry.decisions_source} if entry else {}
    )
    form = MinutesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_into(form) as attempt:
            meeting_minutes.minutes_save(
                actor=request.user,
                session=session,
                item=agenda_item,
                summary=form.cleaned_data["summary"],
                decisions=form.cleaned_data["decisions"],
            )
        if attempt.succeeded:
            messages.success(request, _("The minutes of this item are saved."))
            return _back(session, f"item-{agenda_item.pk}")
    return _minutes_page(request, session, agenda_item, form=form)


def _minutes_page(request, session, agenda_item, *, form=None, action_form=None):
    """The minutes of one agenda item and its actions; with a refused action form, that form
    again with its errors beside its fields (400)."""
    people = DialogueBylines(session)  # the organisers' own page: inside the live view
    if form is None:
        entry = MinutesEntry.objects.filter(agenda_item=agenda_item).first()
        initial = (
            {"summary": entry.summary_source, "decisions": entry.decisions_source} if entry else {}
        )
        form = MinutesForm(initial=initial)
    context = {
        "workspace": session.workspace,
        "session": session,
        "item": agenda_item,
        "form": form,
        "attribution_mode": session.effective_attribution,
        "actions": [
            (action, people.speaker(action.owner))
            for action in agenda_item.actions.select_related("owner__jurisdiction")
        ],
        "action_form": action_form
        or ActionForm(people=people_who_can_view(session).order_by("full_name")),
    }
    status = 400 if form.errors or action_form is not None else 200
    return render(request, "dialogues/meetings/minutes_form.html", context, status=status)


def _minutes_back(session: DialogueSession, item: int):
    url = reverse(
        "minutes_edit", kwargs={"slug": session.workspace.slug, "pk": session.pk, "item": item}
    )
    return redirect(f"{url}#actions")


@require_POST
@refusals_redirect_to(
    lambda request, slug, pk, item: reverse(
        "minutes_edit", kwargs={"slug": slug, "pk": pk, "item": item}
    ),
    permission_denied=True,
)
def action_create(request, slug: str, pk: int, item: int):
    session = visible_session(request.user, slug, pk)
    # The form comes back only to those who may add actions; others are told why.
    meetings.require_capability(request.user, Capability.RUN_SESSIONS, session)
    agenda_item = _agenda_item(session, item)
    form = ActionForm(request.POST, people=people_who_can_view(session).order_by("full_name"))
    if form.is_valid():
        with errors_into(form) as attempt:
            meeting_minutes.action_add(
                actor=request.user,
                session=session,
                item=agenda_item,
                description=form.cleaned_data["description"],
                owner_id=form.cleaned_data["owner"],
                due_date=form.cleaned_data["due_date"],
            )
        if attempt.succeeded:
            messages.success(request, _("The action is added."))
            return _minutes_back(session, item)
    return _minutes_page(request, session, agenda_item, action_form=form)


def _action(request, session: DialogueSession, action: int) -> ActionItem:
    return get_visible_or_404(request.user, ActionItem, pk=action, session=session)


@require_POST
@_back_to_session()
def action_remove(request, slug: str, pk: int, action: int):
    session = visible_session(request.user, slug, pk)
    found = _action(request, session, action)
    item = found.agenda_item_id
    meeting_minutes.action_remove(actor=request.user, action=found)
    messages.success(request, _("The action is removed."))
    return _minutes_back(session, item)


@require_POST
def action_done(request, slug: str, pk: int, action: int):
    session = visible_session(request.user, slug, pk)
    found = _action(request, session, action)
    with refusals_as_messages(request, permission_denied=True):
        meeting_minutes.action_set_done(
            actor=request.user, action=found, done=request.POST.get("done", "1") == "1"
        )
    next_url = request.POST.get("next", "")
    if next_url == "home":
        return redirect("home")
    return _back(session, f"item-{found.agenda_item_id}")


@require_POST
@_back_to_session("minutes")
def minutes_share(request, slug: str, pk: int):
    session = visible_session(request.user, slug, pk)
    form = ShareMinutesForm(request.POST)
    if form.is_valid():
        with errors_into(form) as attempt:
            meeting_minutes.minutes_share(
                actor=request.user, session=session, review_until=form.cleaned_data["review_until"]
            )
        if attempt.succeeded:
            messages.success(
                request, _("The minutes are shared for review; the roster is notified.")
            )
            return _back(session, "minutes")
    return _session_page(request, session, share_form=form)


@require_POST
@_back_to_session("review")
def minutes_comment(request, slug: str, pk: int):
    session = visible_session(request.user, slug, pk)
    form = MinutesCommentForm(request.POST, agenda=session.agenda.all())
    if form.is_valid():
        item = form.cleaned_data["item"]
        with errors_into(form) as attempt:
            meeting_minutes.minutes_comment_add(
                actor=request.user,
                session=session,
                body=form.cleaned_data["body"],
                kind=form.cleaned_data["kind"],
                item=_agenda_item(session, item) if item else None,
            )
        if attempt.succeeded:
            messages.success(request, _("Your comment is added to the review."))
            return _back(session, "review")
    return _session_page(request, session, comment_form=form)
