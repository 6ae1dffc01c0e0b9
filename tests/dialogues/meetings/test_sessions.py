"""Dialogue sessions: the lifecycle state machine by role, the agenda, registration, the
attendance register, minutes with review and approval, reminders and the calendar file."""

import datetime
import html
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from dialogues.meetings import minutes as meeting_minutes
from dialogues.meetings import services as meetings
from dialogues.models import ActionItem, DialogueSession, Notification, SessionAttendance
from workspaces.access import Capability, WorkspaceRole, can, visible
from workspaces.services import roster_add_user

Status = DialogueSession.Status
STATES = [Status.DRAFT, Status.SCHEDULED, Status.LIVE, Status.MINUTES_IN_REVIEW, Status.CLOSED]
# The steps that lead from a draft to each state (run by the Secretariat).
PATH = {
    Status.DRAFT: [],
    Status.SCHEDULED: ["schedule"],
    Status.LIVE: ["schedule", "start"],
    Status.MINUTES_IN_REVIEW: ["schedule", "start", "end"],
    Status.CLOSED: ["schedule", "start", "end", "approve"],
}
ROLES = ["secretariat", "facilitator", "cochair", "member", "observer"]
RUNNERS = {"secretariat", "facilitator"}
APPROVERS = {"secretariat", "facilitator", "cochair"}


@pytest.fixture
def cast(world, dialogue):
    """On `offsets`: the Secretariat (facilitates), a facilitator, a Co-Chair participating,
    a member official and an observer (observers contribute there)."""
    roster_add_user(
        actor=world.secretariat,
        workspace=dialogue.offsets,
        user=world.focal_point,
        role=WorkspaceRole.FACILITATOR,
    )
    roster_add_user(
        actor=world.secretariat,
        workspace=dialogue.offsets,
        user=world.cochair,
        role=WorkspaceRole.PARTICIPANT,
    )
    return {
        "secretariat": world.secretariat,
        "facilitator": world.focal_point,
        "cochair": world.cochair,
        "member": world.member,
        "observer": world.observer,
    }


def new_session(world, workspace, *, title="Design session", agenda=True, **extra):
    start = timezone.now() + datetime.timedelta(days=7)
    session = meetings.session_create(
        actor=world.secretariat,
        workspace=workspace,
        title=title,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        time_zone="Europe/Berlin",
        **extra,
    )
    if agenda:
        meetings.agenda_item_save(
            actor=world.secretariat, session=session, title="Benchmarks", duration_minutes=30
        )
    return session


def bring_to(world, session, state, *, approver=None):
    for step in PATH[state]:
        if step == "approve":
            meeting_minutes.minutes_share(actor=world.secretariat, session=session)
            session = meetings.session_transition(
                actor=approver or world.cochair, session=session, name=step
            )
            continue
        session = meetings.session_transition(actor=world.secretariat, session=session, name=step)
        if step == "end":
            meeting_minutes.minutes_save(
                actor=world.secretariat,
                session=session,
                item=session.agenda.first(),
                summary="Participants compared benchmark designs.",
                decisions="Circulate a note.",
            )
    return DialogueSession.objects.get(pk=session.pk)


def expected(role: str, state: str, step: str) -> str:
    transition = meetings.TRANSITIONS[step]
    if state == Status.DRAFT and role not in RUNNERS:
        return "denied"  # a draft does not exist for them
    holders = RUNNERS if transition.capability is Capability.RUN_SESSIONS else APPROVERS
    if role not in holders:
        return "denied"
    if transition.source != state:
        return "wrong state"
    if step == "approve" and role == "secretariat":
        return "four eyes"  # the Secretariat shared the minutes: someone else approves
    return "allowed"


@pytest.mark.parametrize("step", list(meetings.TRANSITIONS))
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ROLES)
def test_every_transition_by_role(world, dialogue, cast, role, state, step):
    session = new_session(world, dialogue.offsets)
    session = bring_to(world, session, state, approver=cast["facilitator"])
    if state == Status.MINUTES_IN_REVIEW:
        meeting_minutes.minutes_share(actor=world.secretariat, session=session)
    actor = cast[role]
    outcome = expected(role, state, step)
    if outcome == "allowed":
        moved = meetings.session_transition(actor=actor, session=session, name=step)
        assert moved.status == meetings.TRANSITIONS[step].target
        assert AuditEvent.objects.filter(
            action__in=[AuditEvent.Action.SESSION_CHANGED, AuditEvent.Action.MINUTES_APPROVED],
            actor=actor,
            detail__session=session.pk,
        ).exists()
        return
    with pytest.raises((PermissionDenied, ValidationError)) as refused:
        meetings.session_transition(actor=actor, session=session, name=step)
    message = " ".join(getattr(refused.value, "messages", [str(refused.value)]))
    if outcome == "denied":
        assert refused.type is PermissionDenied
    elif outcome == "wrong state":
        assert refused.type is ValidationError
        assert f"this session is {session.get_status_display().lower()}" in message or (
            f"this one is {session.get_status_display().lower()}" in message
        )
    else:
        assert "someone other than" in message
    assert DialogueSession.objects.get(pk=session.pk).status == state  # nothing changed


def test_outsiders_and_archived_dialogues_cannot_move_sessions(world, dialogue):
    session = bring_to(world, new_session(world, dialogue.offsets), Status.SCHEDULED)
    with pytest.raises(PermissionDenied):
        meetings.session_transition(actor=world.member_nz, session=session, name="start")
    dialogue.offsets.status = "archived"
    dialogue.offsets.save()
    with pytest.raises(PermissionDenied):
        meetings.session_transition(actor=world.secretariat, session=session, name="start")


def test_preconditions_are_refused_with_a_reason(world, dialogue, cast):
    empty = new_session(world, dialogue.offsets, agenda=False)
    with pytest.raises(ValidationError, match="at least one agenda item"):
        meetings.session_transition(actor=world.secretariat, session=empty, name="schedule")
    session = bring_to(world, new_session(world, dialogue.offsets), Status.MINUTES_IN_REVIEW)
    with pytest.raises(ValidationError, match="Share the minutes"):
        meetings.session_transition(actor=world.cochair, session=session, name="approve")
    with pytest.raises(ValidationError, match="Unknown step"):
        meetings.session_transition(actor=world.secretariat, session=session, name="explode")


def test_refused_step_over_http_shows_the_reason_and_changes_nothing(
    world, dialogue, cast, client_for
):
    session = new_session(world, dialogue.offsets)
    url = reverse("session_transition", kwargs={"slug": "offsets", "pk": session.pk})
    response = client_for(world.secretariat).post(url, {"step": "start"}, follow=True)
    assert "Only a scheduled session can be started; this one is draft." in response.text
    assert DialogueSession.objects.get(pk=session.pk).status == Status.DRAFT
    # A member may see a scheduled session but not run it: 403-style message, no change.
    bring_to(world, session, Status.SCHEDULED)
    response = client_for(world.member).post(url, {"step": "start"}, follow=True)
    assert "Only the Secretariat or this dialogue's facilitators" in html.unescape(response.text)
    assert DialogueSession.objects.get(pk=session.pk).status == Status.SCHEDULED


def test_drafts_are_seen_only_by_those_who_run_sessions(world, dialogue, cast):
    draft = new_session(world, dialogue.offsets)
    item = draft.agenda.get()
    for role, user in cast.items():
        sees = role in RUNNERS
        assert (draft in visible(user, DialogueSession)) is sees, role
        assert can(user, Capability.VIEW, draft) is sees, role
        assert (item in visible(user, type(item))) is sees, role
    draft = bring_to(world, draft, Status.SCHEDULED)
    for user in cast.values():
        assert can(user, Capability.VIEW, draft)


def test_full_members_only_session_is_hidden_from_observers(world, dialogue, cast):
    session = new_session(world, dialogue.offsets, audience="full_members")
    session = bring_to(world, session, Status.SCHEDULED)
    assert not can(world.observer, Capability.VIEW, session)
    assert session not in visible(world.observer, DialogueSession)
    assert can(world.member, Capability.VIEW, session)
    assert not Notification.objects.filter(recipient=world.observer, session=session).exists()
    assert Notification.objects.filter(recipient=world.member, session=session).exists()


def test_agenda_changes_only_before_the_session_starts(world, dialogue, cast):
    session = new_session(world, dialogue.offsets)
    second = meetings.agenda_item_save(
        actor=world.secretariat, session=session, title="Offsets", duration_minutes=20
    )
    meetings.agenda_item_move(actor=world.secretariat, item=second, up=True)
    assert [i.title for i in session.agenda.all()] == ["Offsets", "Benchmarks"]
    with pytest.raises(ValidationError, match="1 to 720"):
        meetings.agenda_item_save(
            actor=world.secretariat, session=session, title="Long", duration_minutes=0
        )
    with pytest.raises(ValidationError, match="presenter"):
        meetings.agenda_item_save(
            actor=world.secretariat,
            session=session,
            title="X",
            duration_minutes=5,
            presenter_id=world.member_nz.pk,  # not on the roster
        )
    with pytest.raises(PermissionDenied):
        meetings.agenda_item_save(
            actor=world.member, session=session, title="Mine", duration_minutes=5
        )
    session = bring_to(world, session, Status.LIVE)
    with pytest.raises(ValidationError, match="has started"):
        meetings.agenda_item_save(
            actor=world.secretariat, session=session, title="Late", duration_minutes=5
        )


def test_details_are_validated(world, dialogue, cast):
    start = timezone.now()
    with pytest.raises(ValidationError, match="end after it starts"):
        meetings.session_create(
            actor=world.secretariat,
            workspace=dialogue.offsets,
            title="Backwards",
            starts_at=start,
            ends_at=start,
            time_zone="Europe/Berlin",
        )
    with pytest.raises(ValidationError, match="time zone"):
        meetings.session_create(
            actor=world.secretariat,
            workspace=dialogue.offsets,
            title="Nowhere",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            time_zone="Mars/Olympus",
        )
    dialogue.offsets.attribution = "chatham_house"
    dialogue.offsets.save()
    with pytest.raises(ValidationError, match="never looser"):
        new_session(world, dialogue.offsets, attribution="named")
    stricter = new_session(world, dialogue.offsets, attribution="anonymous")
    assert stricter.effective_attribution == "anonymous"


def test_registration_by_jurisdiction(world, dialogue, cast):
    session = bring_to(world, new_session(world, dialogue.offsets), Status.SCHEDULED)
    meetings.registration_set(
        actor=world.member, session=session, user=world.member, attending=True
    )
    # A colleague of the same jurisdiction may register another; not across jurisdictions.
    meetings.registration_set(
        actor=world.member, session=session, user=world.focal_point, attending=True
    )
    with pytest.raises(PermissionDenied):
        meetings.registration_set(
            actor=world.member, session=session, user=world.observer, attending=True
        )
    assert session.registrations.count() == 2
    meetings.registration_set(
        actor=world.member, session=session, user=world.focal_point, attending=False
    )
    assert session.registrations.count() == 1
    session = meetings.session_transition(actor=world.secretariat, session=session, name="start")
    with pytest.raises(ValidationError, match="Registration is open"):
        meetings.registration_set(
            actor=world.member, session=session, user=world.member, attending=True
        )


def test_live_room_opens_at_start_records_attendance_and_closes_at_end(
    world, dialogue, cast, client_for
):
    from dialogues.chat.services import message_send

    session = bring_to(world, new_session(world, dialogue.offsets), Status.SCHEDULED)
    assert session.room is None
    session = meetings.session_transition(actor=world.secretariat, session=session, name="start")
    room = session.room
    assert room is not None and not room.is_workspace_room and room.closed_at is None
    page = client_for(world.member).get(
        reverse("session_room", kwargs={"slug": "offsets", "session": session.pk})
    )
    assert page.status_code == 200
    attended = SessionAttendance.objects.get(session=session, user=world.member)
    assert attended.jurisdiction == world.eu
    message_send(actor=world.member, room=room, body="Hello session", client_id="s-1")
    session = meetings.session_transition(actor=world.secretariat, session=session, name="end")
    room.refresh_from_db()
    assert room.closed_at is not None
    # Closed for everyone: moderators too.
    with pytest.raises(PermissionDenied):
        message_send(actor=world.secretariat, room=room, body="After", client_id="s-2")
    with pytest.raises(ValidationError, match="closed"):
        from dialogues.chat.services import room_set_locked

        room_set_locked(actor=world.secretariat, room=room, locked=False)


def test_minutes_review_and_approval(
    world, dialogue, cast, client_for, django_capture_on_commit_callbacks
):
    session = bring_to(world, new_session(world, dialogue.offsets), Status.MINUTES_IN_REVIEW)
    item = session.agenda.get()
    action = meeting_minutes.action_add(
        actor=world.secretariat,
        session=session,
        item=item,
        description="Draft a benchmark note",
        owner_id=world.member.pk,
        due_date=datetime.date.today() + datetime.timedelta(days=14),
    )
    # Draft minutes are not visible to participants until shared.
    assert not can(world.member, Capability.VIEW, action)
    with pytest.raises(ValidationError, match="in review"):
        meeting_minutes.minutes_comment_add(actor=world.member, session=session, body="Early")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meeting_minutes.minutes_share(actor=world.secretariat, session=session)
    action = ActionItem.objects.get(pk=action.pk)
    assert can(world.member, Capability.VIEW, action)
    assert Notification.objects.filter(
        recipient=world.member, kind=Notification.Kind.MINUTES_REVIEW
    ).exists()
    assert mail.outbox  # leak-safe session emails
    comment = meeting_minutes.minutes_comment_add(
        actor=world.member,
        session=session,
        body="Please say **two** designs.",
        kind="correction",
        item=item,
    )
    assert "<strong>two</strong>" in comment.body_html
    with pytest.raises(PermissionDenied):
        meeting_minutes.minutes_comment_add(actor=world.member_nz, session=session, body="Outsider")
    home = client_for(world.member).get(reverse("home"))
    assert "Draft a benchmark note" in home.text
    approved = meetings.session_transition(actor=world.cochair, session=session, name="approve")
    assert approved.status == Status.CLOSED and approved.approved_by == world.cochair
    assert Notification.objects.filter(
        recipient=world.member, kind=Notification.Kind.ACTION_ASSIGNED
    ).exists()
    with pytest.raises(ValidationError, match="approved"):
        meeting_minutes.minutes_save(
            actor=world.secretariat, session=approved, item=item, summary="x", decisions=""
        )
    with pytest.raises(ValidationError):
        meeting_minutes.minutes_comment_add(actor=world.member, session=approved, body="Late")
    meeting_minutes.action_set_done(actor=world.member, action=action, done=True)
    with pytest.raises(PermissionDenied):
        meeting_minutes.action_set_done(actor=world.observer, action=action, done=False)
    assert "Draft a benchmark note" not in client_for(world.member).get(reverse("home")).text


def test_reminders_are_sent_once_shortly_before(world, dialogue, cast):
    session = bring_to(world, new_session(world, dialogue.offsets), Status.SCHEDULED)
    soon = session.starts_at - datetime.timedelta(minutes=30)
    assert meetings.send_session_reminders(now=session.starts_at - datetime.timedelta(hours=3)) == 0
    assert meetings.send_session_reminders(now=soon) == 1
    assert meetings.send_session_reminders(now=soon) == 0
    assert Notification.objects.filter(
        recipient=world.member, kind=Notification.Kind.SESSION_STARTING
    ).exists()


def test_changing_a_scheduled_session_notifies_the_roster(world, dialogue, cast):
    session = bring_to(world, new_session(world, dialogue.offsets), Status.SCHEDULED)
    meetings.session_update(
        actor=world.secretariat,
        session=session,
        title=session.title,
        starts_at=session.starts_at + datetime.timedelta(hours=1),
        ends_at=session.ends_at + datetime.timedelta(hours=1),
        time_zone="Europe/Berlin",
    )
    assert Notification.objects.filter(
        recipient=world.member, kind=Notification.Kind.SESSION_CHANGED
    ).exists()


def test_calendar_file(world, dialogue, cast, client_for):
    session = bring_to(world, new_session(world, dialogue.offsets), Status.SCHEDULED)
    response = client_for(world.member).get(
        reverse("session_calendar", kwargs={"slug": "offsets", "pk": session.pk})
    )
    assert response["Content-Type"] == "text/calendar"
    text = response.content.decode()
    assert "BEGIN:VEVENT" in text and "SUMMARY:Design session" in text
    assert f"DTSTART:{session.starts_at.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in text
    assert (
        client_for(world.member_nz)
        .get(reverse("session_calendar", kwargs={"slug": "offsets", "pk": session.pk}))
        .status_code
        == 404
    )


def test_session_page_shows_times_in_the_readers_zone(world, dialogue, cast, client_for):
    session = bring_to(world, new_session(world, dialogue.offsets), Status.SCHEDULED)
    world.member.timezone = "Pacific/Auckland"
    world.member.save()
    page = client_for(world.member).get(
        reverse("session_detail", kwargs={"slug": "offsets", "pk": session.pk})
    )
    assert page.status_code == 200
    auckland = session.starts_at.astimezone(zoneinfo.ZoneInfo("Pacific/Auckland"))
    berlin = session.starts_at.astimezone(zoneinfo.ZoneInfo("Europe/Berlin"))
    assert f"{auckland:%H:%M}" in page.text  # the reader's own zone
    assert f"{berlin:%H:%M}" in page.text and "Europe/Berlin" in page.text  # the session's


def test_comments_close_on_the_review_date(world, dialogue, cast):
    session = bring_to(world, new_session(world, dialogue.offsets), Status.MINUTES_IN_REVIEW)
    today = timezone.localdate()
    meeting_minutes.minutes_share(actor=world.secretariat, session=session, review_until=today)
    session = DialogueSession.objects.get(pk=session.pk)
    assert meeting_minutes.review_open(session)
    meeting_minutes.minutes_comment_add(actor=world.member, session=session, body="In time.")
    DialogueSession.objects.filter(pk=session.pk).update(
        review_until=today - datetime.timedelta(days=1)
    )
    session = DialogueSession.objects.get(pk=session.pk)
    assert not meeting_minutes.review_open(session)
    with pytest.raises(ValidationError, match="Comments closed on"):
        meeting_minutes.minutes_comment_add(actor=world.member, session=session, body="Too late.")
    assert session.minutes_comments.count() == 1


def test_session_emails_follow_the_preference(
    world, dialogue, cast, django_capture_on_commit_callbacks
):
    from dialogues.notifications.services import preferences_of

    preference = preferences_of(world.member)
    preference.email_sessions = False
    preference.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        session = bring_to(world, new_session(world, dialogue.offsets), Status.SCHEDULED)
    recipients = {address for message in mail.outbox for address in message.to}
    assert world.focal_point.email in recipients  # on the roster, emails on
    assert world.member.email not in recipients  # turned them off
    assert Notification.objects.filter(recipient=world.member, session=session).exists()
