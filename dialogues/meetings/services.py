"""Dialogue sessions: every write from preparing the agenda to approving the minutes (the
minutes themselves are in minutes.py).

Lifecycle: draft -> scheduled -> live -> minutes in review -> closed. Only those who run
sessions in the workspace (its facilitators, the Secretariat on its roster) move it along; a
Co-Chair or facilitator approves the minutes, and never the person who shared them for review.
Each service is keyword-only, atomic, and asks the access policy first.
"""

from __future__ import annotations

import copy
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User
from core.markup import render_markdown
from dialogues.attribution.bylines import DialogueBylines
from dialogues.chat import services as chat_services
from dialogues.models import (
    AgendaItem,
    ChatRoom,
    DialogueSession,
    FloorRequest,
    ItemAttendance,
    ItemRun,
    Notification,
    SessionAttendance,
    SessionRegistration,
)
from dialogues.notifications.services import notify
from workspaces.access import (
    Capability,
    approval_lack,
    can,
    can_act_for,
    item_capabilities,
    people_who_can_view,
    require,
    visible,
)
from workspaces.attribution import stricter_than_workspace
from workspaces.models import AttributionMode, Audience, Document, Workspace

Status = DialogueSession.Status


MAX_LENGTH = timedelta(hours=12)


REMINDER_AHEAD = timedelta(hours=1)


EDITABLE = (Status.DRAFT, Status.SCHEDULED)


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    capability: Capability
    label: str
    refusal: str  # shown when the session is not in `source`


TRANSITIONS: dict[str, Transition] = {
    "schedule": Transition(
        Status.DRAFT,
        Status.SCHEDULED,
        Capability.RUN_SESSIONS,
        gettext_lazy("Schedule and notify the roster"),
        gettext_lazy("Only a draft can be scheduled; this session is %(status)s."),
    ),
    "unschedule": Transition(
        Status.SCHEDULED,
        Status.DRAFT,
        Capability.RUN_SESSIONS,
        gettext_lazy("Back to draft"),
        gettext_lazy("Only a scheduled session can go back to draft; this one is %(status)s."),
    ),
    "start": Transition(
        Status.SCHEDULED,
        Status.LIVE,
        Capability.RUN_SESSIONS,
        gettext_lazy("Start the session"),
        gettext_lazy("Only a scheduled session can be started; this one is %(status)s."),
    ),
    "end": Transition(
        Status.LIVE,
        Status.MINUTES_IN_REVIEW,
        Capability.RUN_SESSIONS,
        gettext_lazy("End the session"),
        gettext_lazy("Only a live session can be ended; this one is %(status)s."),
    ),
    "approve": Transition(
        Status.MINUTES_IN_REVIEW,
        Status.CLOSED,
        Capability.APPROVE_MINUTES,
        gettext_lazy("Approve the minutes and close"),
        gettext_lazy("Minutes can be approved only while in review; this session is %(status)s."),
    ),
}


CAPABILITY_REFUSAL = {
    Capability.RUN_SESSIONS: gettext_lazy(
        "Only the Secretariat or this dialogue's facilitators run its sessions."
    ),
    Capability.APPROVE_MINUTES: gettext_lazy(
        "Only a Co-Chair or a facilitator of this dialogue can approve minutes."
    ),
}


def _scope(session: DialogueSession) -> str:
    return f"workspace:{session.workspace.slug}"


def require_capability(actor: User, capability: Capability, obj) -> None:
    if not can(actor, capability, obj):
        raise PermissionDenied(
            CAPABILITY_REFUSAL.get(capability, _("You do not have permission to do that."))
        )


def locked_session(session: DialogueSession) -> DialogueSession:
    return (
        DialogueSession.objects.select_for_update().select_related("workspace").get(pk=session.pk)
    )


def _status_label(session: DialogueSession) -> str:
    return str(session.get_status_display()).lower()


def attendees(session: DialogueSession):
    """Who may attend: those who will see the session once it is scheduled (a draft is seen
    only by its organisers, but its presenters are chosen from the whole audience)."""
    released = copy.copy(session)
    released.status = Status.SCHEDULED
    return people_who_can_view(released)


def notify_roster(session: DialogueSession, kind: str, actor: User) -> None:
    notify(kind=kind, recipients=people_who_can_view(session), actor=actor, session=session)


def _clean_details(
    *, workspace: Workspace, title, starts_at, ends_at, time_zone, audience, attribution
) -> dict:
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Give the session a title."))
    if len(title) > 200:
        raise ValidationError(_("A title can be at most 200 characters long."))
    if time_zone not in zoneinfo.available_timezones():
        raise ValidationError(_("Choose a time zone from the list."))
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime):
        raise ValidationError(_("Give a start and an end time."))
    if ends_at <= starts_at:
        raise ValidationError(_("The session must end after it starts."))
    if ends_at - starts_at > MAX_LENGTH:
        raise ValidationError(_("A session can last at most 12 hours."))
    if audience not in Audience.values:
        raise ValidationError(_("Choose who may attend the session."))
    if attribution and attribution not in AttributionMode.values:
        raise ValidationError(_("Choose an attribution mode."))
    if not stricter_than_workspace(workspace, attribution):
        raise ValidationError(
            _("A session may be stricter than its dialogue (%(mode)s), never looser.")
            % {"mode": workspace.get_attribution_display()}
        )
    return {
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "time_zone": time_zone,
        "audience": audience,
        "attribution": attribution or "",
    }


@transaction.atomic
def session_create(
    *,
    actor: User,
    workspace: Workspace,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    time_zone: str,
    description: str = "",
    audience: str = Audience.EVERYONE,
    attribution: str = "",
) -> DialogueSession:
    require_capability(actor, Capability.RUN_SESSIONS, workspace)
    details = _clean_details(
        workspace=workspace,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        audience=audience,
        attribution=attribution,
    )
    return DialogueSession.objects.create(
        workspace=workspace,
        description_source=description,
        description_html=render_markdown(description),
        created_by=actor,
        **details,
    )


@transaction.atomic
def session_update(
    *,
    actor: User,
    session: DialogueSession,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    time_zone: str,
    description: str = "",
    audience: str = Audience.EVERYONE,
    attribution: str = "",
) -> DialogueSession:
    session = locked_session(session)
    require_capability(actor, Capability.RUN_SESSIONS, session)
    if session.status not in EDITABLE:
        raise ValidationError(_("A session that has started can no longer be changed."))
    details = _clean_details(
        workspace=session.workspace,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        audience=audience,
        attribution=attribution,
    )
    noticed = (session.title, session.starts_at, session.ends_at) != (
        details["title"],
        details["starts_at"],
        details["ends_at"],
    )
    for field, value in details.items():
        setattr(session, field, value)
    session.description_source = description
    session.description_html = render_markdown(description)
    session.updated_at = timezone.now()
    session.save()
    if session.status == Status.SCHEDULED and noticed:
        session.reminded_at = None  # a new start time deserves a new reminder
        session.save(update_fields=["reminded_at"])
        notify_roster(session, Notification.Kind.SESSION_CHANGED, actor)
    return session


def _editable_agenda(actor: User, session: DialogueSession) -> DialogueSession:
    session = locked_session(session)
    require_capability(actor, Capability.RUN_SESSIONS, session)
    if session.status not in EDITABLE:
        raise ValidationError(_("The agenda can no longer change: the session has started."))
    return session


def _agenda_documents(actor: User, session: DialogueSession, document_ids) -> list[Document]:
    ids = {int(pk) for pk in document_ids or []}
    documents = list(visible(actor, Document).filter(workspace=session.workspace, pk__in=ids))
    if len(documents) != len(ids):
        raise ValidationError(_("Link only documents of this dialogue's library."))
    return documents


def _presenter(session: DialogueSession, presenter_id) -> User | None:
    if not presenter_id:
        return None
    presenter = attendees(session).filter(pk=presenter_id).first()
    if presenter is None:
        raise ValidationError(_("The presenter must be someone who can attend the session."))
    return presenter


@transaction.atomic
def agenda_item_save(
    *,
    actor: User,
    session: DialogueSession,
    title: str,
    duration_minutes: int,
    item: AgendaItem | None = None,
    presenter_id: int | None = None,
    notes: str = "",
    document_ids=(),
) -> AgendaItem:
    """Add an agenda item (at the end) or change one."""
    session = _editable_agenda(actor, session)
    title = (title or "").strip()
    if not title:
        raise ValidationError(_("Give the agenda item a title."))
    if len(title) > 200:
        raise ValidationError(_("A title can be at most 200 characters long."))
    try:
        duration = int(duration_minutes)
    except (TypeError, ValueError):
        duration = 0
    if not 1 <= duration <= 720:
        raise ValidationError(_("Give a duration from 1 to 720 minutes."))
    documents = _agenda_documents(actor, session, document_ids)
    if item is None:
        last = session.agenda.order_by("-position").first()
        item = AgendaItem(session=session, position=(last.position + 1) if last else 1)
    elif item.session_id != session.pk:
        raise ValidationError(_("That agenda item belongs to another session."))
    item.title, item.duration_minutes = title, duration
    item.presenter = _presenter(session, presenter_id)
    item.notes_source, item.notes_html = notes, render_markdown(notes)
    item.save()
    item.documents.set(documents)
    return item


@transaction.atomic
def agenda_item_remove(*, actor: User, item: AgendaItem) -> None:
    _editable_agenda(actor, item.session)
    item.delete()


@transaction.atomic
def agenda_item_move(*, actor: User, item: AgendaItem, up: bool) -> None:
    session = _editable_agenda(actor, item.session)
    items = list(session.agenda.order_by("position", "pk"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    swap = index - 1 if up else index + 1
    if 0 <= swap < len(items):
        items[index], items[swap] = items[swap], items[index]
    for position, other in enumerate(items, start=1):
        if other.position != position:
            AgendaItem.objects.filter(pk=other.pk).update(position=position)


def transition_refusal(
    actor: User, session: DialogueSession, name: str, capabilities: frozenset | None = None
) -> Exception | None:
    """Why `actor` may not take step `name` on `session` now (the exception the service
    raises), or None when they may. The one answer for the service and the page's buttons.
    `capabilities`: the actor's item_capabilities on the session, when the caller has them."""
    step = TRANSITIONS.get(name)
    if step is None:
        return ValidationError(_("Unknown step."))
    if capabilities is None:
        capabilities = item_capabilities(actor, session)
    if Capability.VIEW not in capabilities:
        return PermissionDenied(_("You do not have permission to do that."))
    if step.capability not in capabilities:
        return PermissionDenied(CAPABILITY_REFUSAL[step.capability])
    if session.status != step.source:
        return ValidationError(str(step.refusal) % {"status": _status_label(session)})
    if name == "schedule" and not session.agenda.exists():
        return ValidationError(_("Add at least one agenda item before scheduling the session."))
    if name == "approve":
        lack = approval_lack(
            actor, session, shared_by_id=session.review_opened_by_id, capabilities=capabilities
        )
        if lack:
            return ValidationError(lack)
    return None


def available_transitions(
    actor: User, session: DialogueSession, capabilities: frozenset | None = None
) -> list[tuple[str, Transition]]:
    """The steps `actor` may take on the session now: the session page's buttons, each one
    the service accepts (transition_refusal)."""
    if capabilities is None:
        capabilities = item_capabilities(actor, session)
    return [
        (name, step)
        for name, step in TRANSITIONS.items()
        if transition_refusal(actor, session, name, capabilities) is None
    ]


def can_approve_minutes(
    user: User, session: DialogueSession, capabilities: frozenset | None = None
) -> bool:
    """May `user` approve the session's minutes now (the "Approve" button, the service)?"""
    return transition_refusal(user, session, "approve", capabilities) is None


@transaction.atomic
def session_transition(
    *, actor: User, session: DialogueSession, name: str, request: HttpRequest | None = None
) -> DialogueSession:
    step = TRANSITIONS.get(name)
    if step is None:
        raise ValidationError(_("Unknown step."))
    session = locked_session(session)  # the policy is asked about the session as it is now
    refusal = transition_refusal(actor, session, name)
    if refusal is not None:
        raise refusal
    before, now = session.status, timezone.now()
    session.status = step.target
    session.updated_at = now
    if name == "start":
        session.started_at = now
        session.room = _open_room(session)
    elif name == "end":
        session.ended_at = now
        _close_room(session, now)
        # The clock of the item under discussion stops; the speakers' queue empties.
        ItemRun.objects.filter(session=session, ended_at__isnull=True).update(ended_at=now)
        FloorRequest.objects.filter(session=session, status__in=FloorRequest.OPEN).update(
            status=FloorRequest.Status.CLEARED, resolved_at=now
        )
        from dialogues.meetings.live import announce_state  # live.py builds on this module

        announce_state(session)
    elif name == "approve":
        session.approved_at, session.approved_by = now, actor
    session.save()
    audit_record(
        action=(
            AuditEvent.Action.MINUTES_APPROVED
            if name == "approve"
            else AuditEvent.Action.SESSION_CHANGED
        ),
        actor=actor,
        scope=_scope(session),
        summary=sentence(
            gettext_noop("Session %(session)s %(from_label)s → %(to_label)s"),
            session=session.pk,
            from_label=DialogueSession.Status(before).label,
            to_label=DialogueSession.Status(session.status).label,
        ),
        detail={"session": session.pk, "from": before, "to": session.status},
        request=request,
    )
    if name == "schedule":
        notify_roster(session, Notification.Kind.SESSION_SCHEDULED, actor)
    elif name == "unschedule":
        notify_roster(session, Notification.Kind.SESSION_CHANGED, actor)
    elif name == "approve":
        notify_roster(session, Notification.Kind.MINUTES_APPROVED, actor)
        for action in session.actions.select_related("owner").filter(done_at__isnull=True):
            notify(
                kind=Notification.Kind.ACTION_ASSIGNED,
                recipients=[action.owner],
                actor=actor,
                session=session,
            )
    return session


def _open_room(session: DialogueSession) -> ChatRoom:
    """The session's own live room: created when the session starts, open for its length."""
    if session.room_id:
        ChatRoom.objects.filter(pk=session.room_id).update(locked_at=None, closed_at=None)
        return session.room
    return ChatRoom.objects.create(
        workspace=session.workspace,
        title=session.title,
        is_workspace_room=False,
        audience=session.audience,
    )


def _close_room(session: DialogueSession, now) -> None:
    if not session.room_id:
        return
    ChatRoom.objects.filter(pk=session.room_id).update(locked_at=now, closed_at=now)
    event = {"type": "room", "room": session.room_id, "locked": True, "closed": True}
    chat_services.announce(session.room_id, event)


@transaction.atomic
def registration_set(
    *, actor: User, session: DialogueSession, user: User, attending: bool
) -> SessionRegistration | None:
    require(actor, Capability.VIEW, session)
    session = locked_session(session)
    if session.status != Status.SCHEDULED:
        raise ValidationError(_("Registration is open while the session is scheduled."))
    if not can_act_for(actor, session, user, Capability.RUN_SESSIONS):
        raise PermissionDenied(_("You can register yourself and colleagues of your jurisdiction."))
    if not can(user, Capability.VIEW, session):
        raise ValidationError(_("%(name)s cannot attend this session.") % {"name": user.full_name})
    if not attending:
        SessionRegistration.objects.filter(session=session, user=user).delete()
        return None
    registration, _created = SessionRegistration.objects.get_or_create(
        session=session,
        user=user,
        defaults={"jurisdiction_id": user.jurisdiction_id, "registered_by": actor},
    )
    return registration


def record_attendance(*, user: User, room: ChatRoom) -> None:
    """Someone joined a live session's room (by page or socket): on the register, once."""
    if room.is_workspace_room:
        return
    session = DialogueSession.objects.filter(room=room, status=Status.LIVE).first()
    if session is None or not can(user, Capability.VIEW, session):
        return
    SessionAttendance.objects.get_or_create(
        session=session, user=user, defaults={"jurisdiction_id": user.jurisdiction_id}
    )
    # And on the register of the agenda item under discussion, if any.
    run = ItemRun.objects.filter(session=session, ended_at__isnull=True).first()
    if run is not None:
        ItemAttendance.objects.get_or_create(
            agenda_item_id=run.agenda_item_id,
            user=user,
            defaults={"session": session, "jurisdiction_id": user.jurisdiction_id},
        )


def agenda_for(user: User, session: DialogueSession, people, minutes_shown: bool) -> list:
    """The agenda as `user` may see it, for the session page and the exports alike: each item
    with `shown_presenter` (as `people`, a `DialogueBylines`, shows them), `shown_documents` (the
    pre-reads the user may read) and, when `minutes_shown`, its minutes `entry` and
    `shown_actions` as (action, owner) with owners as minutes show them (outside the live
    view). In constant queries."""
    readable = set(
        visible(user, Document).filter(workspace=session.workspace).values_list("pk", flat=True)
    )
    entries = {m.agenda_item_id: m for m in session.minutes.all()} if minutes_shown else {}
    actions: dict[int, list] = {}
    if minutes_shown:
        outside = DialogueBylines(session, outside=True)
        for action in session.actions.select_related("owner__jurisdiction"):
            actions.setdefault(action.agenda_item_id, []).append(
                (action, outside.speaker(action.owner))
            )
    items = list(
        session.agenda.select_related("presenter__jurisdiction").prefetch_related("documents")
    )
    for item in items:
        item.shown_presenter = people.speaker(item.presenter) if item.presenter_id else None
        item.shown_documents = [d for d in item.documents.all() if d.pk in readable]
        item.entry = entries.get(item.pk)
        item.shown_actions = actions.get(item.pk, [])
    return items


def send_session_reminders(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = DialogueSession.objects.filter(
        status=Status.SCHEDULED,
        reminded_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMINDER_AHEAD,
        deleted_at__isnull=True,
    ).select_related("workspace", "created_by")
    sent = 0
    for session in due:
        with transaction.atomic():
            claimed = DialogueSession.objects.filter(
                pk=session.pk, reminded_at__isnull=True
            ).update(reminded_at=now)
            if claimed:
                notify_roster(session, Notification.Kind.SESSION_STARTING, session.created_by)
                sent += 1
    return sent


def upcoming_for(*, user: User, limit: int = 5):
    """Sessions the user may see that have not ended yet, soonest first (the dashboard)."""
    return (
        visible(user, DialogueSession)
        .filter(status__in=[Status.SCHEDULED, Status.LIVE])
        .select_related("workspace")
        .order_by("starts_at")[:limit]
    )
