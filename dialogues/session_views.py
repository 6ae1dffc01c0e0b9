"""Thin views for dialogue sessions, attribution, unmasking and exports.

As everywhere: what the user may not see answers 404; a refused action on something visible
answers with the service's message (403 for a missing capability).
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC

import icalendar
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.services import site_url
from core.params import id_param
from workspaces.access import (
    Capability,
    can,
    get_visible_or_404,
    item_capabilities,
    people_who_can_view,
    visible,
)
from workspaces.models import Document, Pseudonym

from . import attribution as attribution_services
from . import exports, sessions
from .attribution import DialogueBylines
from .forms import (
    ActionForm,
    AgendaItemForm,
    AttributionForm,
    MinutesCommentForm,
    MinutesForm,
    SessionForm,
    ShareMinutesForm,
    UnmaskForm,
)
from .models import (
    ActionItem,
    AgendaItem,
    DialogueSession,
    MinutesComment,
    MinutesEntry,
    SessionAttendance,
    SessionRegistration,
    Thread,
)
from .views import _errors, _form_errors, _workspace  # the dialogue views' own helpers

Status = DialogueSession.Status


def _session(request, slug: str, pk: int) -> DialogueSession:
    return get_visible_or_404(request.user, DialogueSession, pk=pk, workspace__slug=slug)


def _agenda_item(session: DialogueSession, item: int) -> AgendaItem:
    found = session.agenda.filter(pk=item).first()
    if found is None:
        raise Http404
    return found


def _back(session: DialogueSession, anchor: str = ""):
    url = reverse("session_detail", kwargs={"slug": session.workspace.slug, "pk": session.pk})
    return redirect(f"{url}#{anchor}" if anchor else url)


def _say(request, error: Exception) -> None:
    """Show why a service refused (a ValidationError's messages, or a PermissionDenied's)."""
    if isinstance(error, ValidationError):
        _errors(request, error)
    else:
        messages.error(request, str(error))


def _refused(request, session: DialogueSession, error: Exception, anchor: str = ""):
    """A refused step: say why, change nothing, go back to the session."""
    _say(request, error)
    return _back(session, anchor)


# ------------------------------------------------------------------------------
# Sessions: list, create, edit, the session page
# ------------------------------------------------------------------------------


@require_GET
def session_list(request, slug: str):
    workspace = _workspace(request, slug)
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
    return render(request, "dialogues/session_list.html", context)


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
    workspace = _workspace(request, slug)
    if not can(request.user, Capability.RUN_SESSIONS, workspace):
        raise PermissionDenied(sessions.CAPABILITY_REFUSAL[Capability.RUN_SESSIONS])
    initial = {"time_zone": getattr(request.user, "timezone", "") or "Europe/Berlin"}
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            session = sessions.session_create(
                actor=request.user, workspace=workspace, **_form_details(form)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Draft saved. Add the agenda, then schedule it."))
            return _back(session, "agenda")
    return render(request, "dialogues/session_form.html", {"workspace": workspace, "form": form})


@require_http_methods(["GET", "POST"])
def session_edit(request, slug: str, pk: int):
    session = _session(request, slug, pk)
    if not can(request.user, Capability.RUN_SESSIONS, session):
        raise PermissionDenied(sessions.CAPABILITY_REFUSAL[Capability.RUN_SESSIONS])
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
        try:
            sessions.session_update(actor=request.user, session=session, **_form_details(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The session is saved."))
            return _back(session)
    context = {"workspace": session.workspace, "session": session, "form": form}
    return render(request, "dialogues/session_form.html", context)


@require_GET
def session_detail(request, slug: str, pk: int):
    session = _session(request, slug, pk)
    user = request.user
    capabilities = item_capabilities(user, session)
    can_run = Capability.RUN_SESSIONS in capabilities
    people = DialogueBylines(session)
    minutes_visible = sessions.minutes_visible(user, session)
    agenda = sessions.agenda_for(user, session, people, minutes_visible)
    comments = []
    if minutes_visible:
        # The review belongs to the minutes, which leave the live view: reviewers and the
        # people their comments mention are shown as the minutes show people.
        reviewers = DialogueBylines(session, outside=True)
        comments = []
        for comment in session.minutes_comments.select_related(
            "author__jurisdiction", "agenda_item"
        ):
            comment.shown_html = reviewers.mentions_html(comment.body_html)
            comments.append((comment, reviewers.speaker(comment.author)))
    my_registration = SessionRegistration.objects.filter(session=session, user=user).first()
    colleagues = []
    if user.jurisdiction_id and session.status == Status.SCHEDULED:
        registered = set(
            SessionRegistration.objects.filter(session=session).values_list("user_id", flat=True)
        )
        colleagues = [
            (person, person.pk in registered)
            for person in people_who_can_view(session)
            .filter(jurisdiction_id=user.jurisdiction_id)
            .exclude(pk=user.pk)
            .order_by("full_name")
        ]
    zone = zoneinfo.ZoneInfo(session.time_zone)
    context = {
        "workspace": session.workspace,
        "session": session,
        "attribution_mode": session.effective_attribution,
        "people": people,
        "can_run": can_run,
        "can_approve": Capability.APPROVE_MINUTES in capabilities,
        "can_unmask": Capability.UNMASK in capabilities and people.is_anonymous,
        "transitions": sessions.available_transitions(session, capabilities),
        "agenda": agenda,
        "total_minutes": sum(item.duration_minutes for item in agenda),
        "starts_local": session.starts_at.astimezone(zone),
        "ends_local": session.ends_at.astimezone(zone),
        "minutes_visible": minutes_visible,
        "minutes_editable": can_run and session.status == Status.MINUTES_IN_REVIEW,
        "share_form": ShareMinutesForm(),
        "comments": comments,
        "can_comment": sessions.review_open(session) and Capability.CONTRIBUTE in capabilities,
        "comment_form": MinutesCommentForm(agenda=agenda),
        "my_registration": my_registration,
        "colleagues": colleagues,
        "registered_count": SessionRegistration.objects.filter(session=session).count(),
        "attended_count": SessionAttendance.objects.filter(session=session).count(),
    }
    return render(request, "dialogues/session_detail.html", context)


@require_POST
def session_transition(request, slug: str, pk: int):
    session = _session(request, slug, pk)
    name = request.POST.get("step", "")
    try:
        session = sessions.session_transition(
            actor=request.user, session=session, name=name, request=request
        )
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, session, error)
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
    session = _session(request, slug, pk)
    url = site_url(request) + reverse("session_detail", kwargs={"slug": slug, "pk": pk})
    host = request.get_host().split(":")[0] or "enclave"
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//Enclave//Dialogue sessions//EN")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"session-{session.pk}@{host}")
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("sequence", int(session.updated_at.timestamp()))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", session.title)
    event.add("description", _("Dialogue session in Enclave:") + " " + url)
    event.add("url", url)
    event.add("status", "TENTATIVE" if session.status == Status.DRAFT else "CONFIRMED")
    calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


# ------------------------------------------------------------------------------
# The agenda
# ------------------------------------------------------------------------------


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
        people=sessions.attendees(session).order_by("full_name"),
        documents=visible(request.user, Document).filter(workspace=session.workspace),
    )


@require_http_methods(["GET", "POST"])
def agenda_item_edit(request, slug: str, pk: int, item: int | None = None):
    session = _session(request, slug, pk)
    if not can(request.user, Capability.RUN_SESSIONS, session):
        raise PermissionDenied(sessions.CAPABILITY_REFUSAL[Capability.RUN_SESSIONS])
    agenda_item = _agenda_item(session, item) if item else None
    form = _agenda_form(request, session, agenda_item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = sessions.agenda_item_save(
                actor=request.user,
                session=session,
                item=agenda_item,
                title=data["title"],
                duration_minutes=data["duration_minutes"],
                presenter_id=data["presenter"],
                notes=data["notes"],
                document_ids=data["documents"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The agenda is saved."))
            return _back(session, f"item-{saved.pk}")
    context = {"workspace": session.workspace, "session": session, "item": agenda_item}
    return render(request, "dialogues/agenda_item_form.html", {**context, "form": form})


@require_POST
def agenda_item_remove(request, slug: str, pk: int, item: int):
    session = _session(request, slug, pk)
    try:
        sessions.agenda_item_remove(actor=request.user, item=_agenda_item(session, item))
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, session, error, "agenda")
    messages.success(request, _("The agenda item is removed."))
    return _back(session, "agenda")


@require_POST
def agenda_item_move(request, slug: str, pk: int, item: int):
    session = _session(request, slug, pk)
    try:
        sessions.agenda_item_move(
            actor=request.user,
            item=_agenda_item(session, item),
            up=request.POST.get("direction") == "up",
        )
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, session, error, "agenda")
    return _back(session, f"item-{item}")


# ------------------------------------------------------------------------------
# Registration and the attendance register
# ------------------------------------------------------------------------------


@require_POST
def session_register(request, slug: str, pk: int):
    session = _session(request, slug, pk)
    who = id_param(request.POST.get("user") or request.user.pk)
    person = people_who_can_view(session).filter(pk=who).first() if who else None
    if person is None:
        messages.error(request, _("Choose someone who can attend this session."))
        return _back(session, "registration")
    attending = request.POST.get("attending", "1") == "1"
    try:
        sessions.registration_set(
            actor=request.user, session=session, user=person, attending=attending
        )
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, session, error, "registration")
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
    session = _session(request, slug, pk)
    people = DialogueBylines(session)
    names_shown = not people.is_anonymous or can(request.user, Capability.UNMASK, session)
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
    }
    return render(request, "dialogues/session_attendance.html", context)


# ------------------------------------------------------------------------------
# Minutes, actions and the review
# ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def minutes_edit(request, slug: str, pk: int, item: int):
    session = _session(request, slug, pk)
    if not can(request.user, Capability.RUN_SESSIONS, session):
        raise PermissionDenied(sessions.CAPABILITY_REFUSAL[Capability.RUN_SESSIONS])
    agenda_item = _agenda_item(session, item)
    entry = MinutesEntry.objects.filter(agenda_item=agenda_item).first()
    initial = (
        {"summary": entry.summary_source, "decisions": entry.decisions_source} if entry else {}
    )
    form = MinutesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sessions.minutes_save(
                actor=request.user,
                session=session,
                item=agenda_item,
                summary=form.cleaned_data["summary"],
                decisions=form.cleaned_data["decisions"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The minutes of this item are saved."))
            return _back(session, f"item-{agenda_item.pk}")
    people = DialogueBylines(session)  # the organisers' own page: inside the live view
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
        "action_form": ActionForm(people=people_who_can_view(session).order_by("full_name")),
    }
    return render(request, "dialogues/minutes_form.html", context)


def _minutes_back(session: DialogueSession, item: int):
    url = reverse(
        "minutes_edit", kwargs={"slug": session.workspace.slug, "pk": session.pk, "item": item}
    )
    return redirect(f"{url}#actions")


@require_POST
def action_create(request, slug: str, pk: int, item: int):
    session = _session(request, slug, pk)
    agenda_item = _agenda_item(session, item)
    form = ActionForm(request.POST, people=people_who_can_view(session))
    if not form.is_valid():
        _form_errors(request, form)
        return _minutes_back(session, item)
    try:
        sessions.action_add(
            actor=request.user,
            session=session,
            item=agenda_item,
            description=form.cleaned_data["description"],
            owner_id=form.cleaned_data["owner"],
            due_date=form.cleaned_data["due_date"],
        )
    except (ValidationError, PermissionDenied) as error:
        _say(request, error)
    else:
        messages.success(request, _("The action is added."))
    return _minutes_back(session, item)


def _action(request, session: DialogueSession, action: int) -> ActionItem:
    return get_visible_or_404(request.user, ActionItem, pk=action, session=session)


@require_POST
def action_remove(request, slug: str, pk: int, action: int):
    session = _session(request, slug, pk)
    found = _action(request, session, action)
    item = found.agenda_item_id
    try:
        sessions.action_remove(actor=request.user, action=found)
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, session, error)
    messages.success(request, _("The action is removed."))
    return _minutes_back(session, item)


@require_POST
def action_done(request, slug: str, pk: int, action: int):
    session = _session(request, slug, pk)
    found = _action(request, session, action)
    try:
        sessions.action_set_done(
            actor=request.user, action=found, done=request.POST.get("done", "1") == "1"
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
    next_url = request.POST.get("next", "")
    if next_url == "home":
        return redirect("home")
    return _back(session, f"item-{found.agenda_item_id}")


@require_POST
def minutes_share(request, slug: str, pk: int):
    session = _session(request, slug, pk)
    form = ShareMinutesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a valid date, or leave it empty."))
        return _back(session, "minutes")
    try:
        sessions.minutes_share(
            actor=request.user, session=session, review_until=form.cleaned_data["review_until"]
        )
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, session, error, "minutes")
    messages.success(request, _("The minutes are shared for review; the roster is notified."))
    return _back(session, "minutes")


@require_POST
def minutes_comment(request, slug: str, pk: int):
    session = _session(request, slug, pk)
    form = MinutesCommentForm(request.POST, agenda=session.agenda.all())
    if not form.is_valid():
        messages.error(request, _("Write your comment and choose what it is about."))
        return _back(session, "review")
    item = form.cleaned_data["item"]
    try:
        sessions.minutes_comment_add(
            actor=request.user,
            session=session,
            body=form.cleaned_data["body"],
            kind=form.cleaned_data["kind"] or MinutesComment.Kind.COMMENT,
            item=_agenda_item(session, item) if item else None,
        )
    except (ValidationError, PermissionDenied) as error:
        return _refused(request, session, error, "review")
    messages.success(request, _("Your comment is added to the review."))
    return _back(session, "review")


# ------------------------------------------------------------------------------
# Attribution and unmasking
# ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def workspace_attribution(request, slug: str):
    workspace = _workspace(request, slug)
    if not can(request.user, Capability.SET_ATTRIBUTION, workspace):
        raise PermissionDenied(_("Only the Secretariat sets a dialogue's attribution."))
    form = AttributionForm(request.POST or None, initial={"attribution": workspace.attribution})
    if request.method == "POST" and form.is_valid():
        try:
            attribution_services.attribution_set(
                actor=request.user,
                workspace=workspace,
                mode=form.cleaned_data["attribution"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The attribution mode is saved. This is recorded."))
            return redirect("workspace_detail", slug=slug)
    return render(
        request, "dialogues/workspace_attribution.html", {"workspace": workspace, "form": form}
    )


def _pseudonym_context(pseudonym: Pseudonym, user) -> tuple[str, str]:
    """(label, link) of where the pseudonym speaks, if the user may see it."""
    kind, item = attribution_services.context_item(pseudonym)
    slug = pseudonym.workspace.slug
    if kind in ("thread", "session") and can(user, Capability.VIEW, item):
        name = "thread_detail" if kind == "thread" else "session_detail"
        return item.title, reverse(name, kwargs={"slug": slug, "pk": item.pk})
    if kind == "room":
        return _("Live chat"), reverse("chat_room", kwargs={"slug": slug})
    return _("Documents"), reverse("document_list", kwargs={"slug": slug})


@require_http_methods(["GET", "POST"])
def pseudonym_unmask(request, slug: str, pk: int):
    workspace = _workspace(request, slug)
    pseudonym = Pseudonym.objects.filter(pk=pk, workspace=workspace).select_related("user").first()
    if pseudonym is None or not can(request.user, Capability.UNMASK, workspace):
        raise Http404  # to everyone else, unmasking does not exist
    label, link = _pseudonym_context(pseudonym, request.user)
    form = UnmaskForm(request.POST or None)
    revealed = None
    if request.method == "POST" and form.is_valid():
        try:
            revealed = attribution_services.pseudonym_unmask(
                actor=request.user,
                pseudonym=pseudonym,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
    context = {
        "workspace": workspace,
        "pseudonym": pseudonym,
        "context_label": label,
        "context_link": link,
        "form": form,
        "revealed": revealed,
    }
    return render(request, "dialogues/pseudonym_unmask.html", context)


# ------------------------------------------------------------------------------
# Exports
# ------------------------------------------------------------------------------


def _export_response(request, target, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404
    text, filename, content_type = exports.export(
        actor=request.user, target=target, fmt=fmt, request=request
    )
    response = HttpResponse(text, content_type=content_type)
    disposition = "inline" if fmt == "html" else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def thread_export(request, slug: str, pk: int, fmt: str):
    thread = get_visible_or_404(request.user, Thread, pk=pk, workspace__slug=slug)
    return _export_response(request, thread, fmt)


@require_GET
def session_export(request, slug: str, pk: int, fmt: str):
    return _export_response(request, _session(request, slug, pk), fmt)


@require_GET
def workspace_export(request, slug: str, fmt: str):
    return _export_response(request, _workspace(request, slug), fmt)
