"""What a dialogue session's page shows its reader, read once (like ThreadPage for a thread)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from accounts.models import User
from dialogues.attribution.bylines import DialogueBylines
from dialogues.meetings import minutes as meeting_minutes
from dialogues.meetings import services as meetings
from dialogues.models import DialogueSession, SessionAttendance, SessionRegistration
from workspaces.access import Capability, colleagues_who_can_view, item_capabilities

Status = DialogueSession.Status


@dataclass
class SessionPage:
    session: DialogueSession
    attribution_mode: str
    people: DialogueBylines
    can_run: bool
    can_approve: bool  # the "Approve the minutes" step is offered (the service accepts it)
    approval_note: str  # why it is not, to those who run or approve sessions, in review
    can_unmask: bool
    transitions: list
    agenda: list
    total_minutes: int
    starts_local: datetime
    ends_local: datetime
    minutes_visible: bool
    minutes_editable: bool
    share_note: str  # why editable minutes cannot be shared yet ("" when they can)
    comments: list  # (comment, its author as the minutes show people)
    can_comment: bool
    my_registration: SessionRegistration | None
    colleagues: list  # (colleague, registered?) while registration is open
    registered_count: int
    attended_count: int


def session_page(*, user: User, session: DialogueSession) -> SessionPage:
    capabilities = item_capabilities(user, session)
    can_run = Capability.RUN_SESSIONS in capabilities
    people = DialogueBylines(session)
    minutes_visible = meeting_minutes.minutes_visible(user, session)
    agenda = meetings.agenda_for(user, session, people, minutes_visible)
    comments = []
    if minutes_visible:
        # The review belongs to the minutes, which leave the live view: reviewers and the
        # people their comments mention are shown as the minutes show people.
        reviewers = DialogueBylines(session, outside=True)
        for comment in session.minutes_comments.select_related(
            "author__jurisdiction", "agenda_item"
        ):
            comment.shown_html = reviewers.mentions_html(comment.body_html)
            comments.append((comment, reviewers.speaker(comment.author)))
    registrations = SessionRegistration.objects.filter(session=session)
    colleagues = []
    if session.status == Status.SCHEDULED:
        registered = set(registrations.values_list("user_id", flat=True))
        colleagues = [
            (person, person.pk in registered)
            for person in colleagues_who_can_view(user, session).order_by("full_name")
        ]
    for item in agenda:
        # Each action's "Mark done" / "Reopen" button: the service's own rule.
        item.shown_actions = [
            (action, owner, meeting_minutes.can_mark_action(user, action, capabilities))
            for action, owner in item.shown_actions
        ]
    transitions = meetings.available_transitions(user, session, capabilities)
    approval_note = ""
    in_review = session.status == Status.MINUTES_IN_REVIEW
    organiser = capabilities & {Capability.RUN_SESSIONS, Capability.APPROVE_MINUTES}
    if in_review and organiser and not any(name == "approve" for name, _s in transitions):
        # Those who run or approve sessions are told why they are not offered the approval.
        refusal = meetings.transition_refusal(user, session, "approve", capabilities)
        approval_note = " ".join(getattr(refusal, "messages", None) or [str(refusal)])
    minutes_editable = can_run and in_review
    zone = zoneinfo.ZoneInfo(session.time_zone)
    return SessionPage(
        session=session,
        attribution_mode=session.effective_attribution,
        people=people,
        can_run=can_run,
        can_approve=any(name == "approve" for name, _step in transitions),
        approval_note=approval_note,
        can_unmask=Capability.UNMASK in capabilities and people.is_anonymous,
        transitions=transitions,
        agenda=agenda,
        total_minutes=sum(item.duration_minutes for item in agenda),
        starts_local=session.starts_at.astimezone(zone),
        ends_local=session.ends_at.astimezone(zone),
        minutes_visible=minutes_visible,
        minutes_editable=minutes_editable,
        share_note=(meeting_minutes.share_lack(session) or "") if minutes_editable else "",
        comments=comments,
        can_comment=meeting_minutes.review_open(session) and Capability.CONTRIBUTE in capabilities,
        my_registration=registrations.filter(user=user).first(),
        colleagues=colleagues,
        registered_count=registrations.count(),
        attended_count=SessionAttendance.objects.filter(session=session).count(),
    )
