"""Retention (privacy/retention.py, `manage.py apply_retention`): exactly what is past its time
goes, for every kind; a second run removes nothing; batches; a dry run changes nothing; the
audit log stays append-only inside its retention period, in the app and in the database."""

from __future__ import annotations

import datetime
import io
import os
from pathlib import Path

import pytest
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.audit import AUDIT_MINIMUM_RETENTION_DAYS, audit_events_delete_older, audit_record
from accounts.migrations import _audit_trigger
from accounts.models import AuditEvent, Invitation
from dialogues.chat import services as chat_services
from dialogues.meetings import minutes as meeting_minutes
from dialogues.meetings import services as meetings
from dialogues.models import (
    ChatMessage,
    ChatMute,
    ChatReadState,
    ChatRoom,
    DialogueSession,
    MinutesEntry,
    Notification,
)
from privacy.checks import retention_settings_check
from privacy.models import DataExport
from privacy.my_data.services import STALE_AFTER
from privacy.retention import KINDS, apply_retention
from tests.factories import DialogueSessionFactory, UserFactory, _on_roster

DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
# Each kind's period in these tests (days).
NOTIFICATIONS, SESSION_CHAT, AUDIT, EMAIL_LOG = 30, 60, 400, 10
EXPORT_RECORDS, TASK_RESULTS, INVITATIONS = 20, 7, 30


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def periods(db, settings, tmp_path):
    settings.ENCLAVE_RETAIN_NOTIFICATIONS_DAYS = NOTIFICATIONS
    settings.ENCLAVE_RETAIN_SESSION_CHAT_DAYS = SESSION_CHAT
    settings.ENCLAVE_RETAIN_AUDIT_DAYS = AUDIT
    settings.ENCLAVE_RETAIN_EMAIL_LOG_DAYS = EMAIL_LOG
    settings.ENCLAVE_RETAIN_DATA_EXPORTS_DAYS = EXPORT_RECORDS
    settings.ENCLAVE_RETAIN_TASK_RESULTS_DAYS = TASK_RESULTS
    settings.ENCLAVE_RETAIN_INVITATIONS_DAYS = INVITATIONS
    settings.DATA_EXPORTS_DIR = tmp_path / "exports"
    settings.DATA_EXPORTS_DIR.mkdir()
    # A second mailer that keeps copies, as `make run`'s does; the default stays in memory.
    settings.MAILERS = {
        **settings.MAILERS,
        "copies": {
            "BACKEND": "core.local_mail.LocalEmailBackend",
            "OPTIONS": {"directory": tmp_path / "mail"},
        },
    }
    (tmp_path / "mail").mkdir()
    return tmp_path


def just_inside(now, days):
    return now - days * DAY + MINUTE


def just_past(now, days):
    return now - days * DAY - MINUTE


def nothing_left(now) -> dict[str, int]:
    return {kind.key: 0 for kind in KINDS}


def notification(user, at):
    return Notification.objects.create(
        recipient=user, kind=Notification.Kind.ACCESS_REVIEW, item_count=1, created_at=at
    )


def old_audit_event(at, **fields):
    # Written with its date, as the log was written then (the database refuses any update).
    return AuditEvent.objects.create(action=AuditEvent.Action.LOGIN, created_at=at, **fields)


# ------------------------------------------------------------------------------
# Notifications; batches; the second run
# ------------------------------------------------------------------------------


def test_notifications_past_their_time_go_and_a_second_run_finds_nothing(world, periods, now):
    stays = notification(world.member, just_inside(now, NOTIFICATIONS))
    goes = notification(world.member, just_past(now, NOTIFICATIONS))
    unread_old = notification(world.observer, now - 400 * DAY)
    counts = apply_retention(now=now)
    assert counts["notifications"] == 2
    assert list(Notification.objects.values_list("pk", flat=True)) == [stays.pk]
    assert not Notification.objects.filter(pk__in=[goes.pk, unread_old.pk]).exists()
    assert apply_retention(now=now) == nothing_left(now)


def test_rows_go_a_batch_at_a_time(world, periods, now):
    for _ in range(5):
        notification(world.member, just_past(now, NOTIFICATIONS))
    with CaptureQueriesContext(connection) as queries:
        counts = apply_retention(now=now, batch_size=2)
    deletes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("DELETE") and "dialogues_notification" in q["sql"]
    ]
    assert counts["notifications"] == 5
    assert len(deletes) == 3  # 2 + 2 + 1, never one statement over everything
    assert not Notification.objects.exists()


def test_zero_keeps_for_ever(world, periods, settings, now):
    settings.ENCLAVE_RETAIN_NOTIFICATIONS_DAYS = 0
    settings.ENCLAVE_RETAIN_AUDIT_DAYS = 0
    old = notification(world.member, now - 3000 * DAY)
    event = old_audit_event(now - 3000 * DAY)
    counts = apply_retention(now=now)
    assert counts["notifications"] == counts["audit_events"] == 0
    assert Notification.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# ------------------------------------------------------------------------------
# Session chat: the session rooms' messages go, dialogue rooms and minutes stay
# ------------------------------------------------------------------------------


def ended_session(world, workspace, *, ended_days_ago: float, now, title: str):
    """A session run through its states by the services, its room used, its minutes
    approved; then its end moved back in time."""
    session = DialogueSessionFactory(
        workspace=workspace,
        created_by=world.secretariat,
        title=title,
        status=DialogueSession.Status.LIVE,
    )
    room = session.room
    for n, who in enumerate((world.member, world.observer, world.member)):
        chat_services.message_send(
            actor=who, room=room, body=f"{title} message {n}", client_id=f"{title}-{n}"
        )
    chat_services.mark_read(actor=world.member, room=room, seq=2)
    chat_services.member_mute(
        actor=world.secretariat, room=room, user=world.observer, minutes=5, reason="Off topic"
    )
    session = meetings.session_transition(actor=world.secretariat, session=session, name="end")
    meeting_minutes.minutes_save(
        actor=world.secretariat,
        session=session,
        item=session.agenda.first(),
        summary=f"{title}: participants compared benchmarks.",
        decisions="",
    )
    meeting_minutes.minutes_share(actor=world.secretariat, session=session)
    approver = UserFactory()
    _on_roster(approver, workspace, "facilitator")
    session = meetings.session_transition(actor=approver, session=session, name="approve")
    ended = now - datetime.timedelta(days=ended_days_ago)
    DialogueSession.objects.filter(pk=session.pk).update(ended_at=ended)
    ChatRoom.objects.filter(pk=room.pk).update(closed_at=ended)
    return DialogueSession.objects.select_related("room").get(pk=session.pk)


def test_session_room_chat_goes_while_dialogue_chat_and_minutes_stay(
    world, dialogue, periods, now, client_for
):
    old = ended_session(
        world, dialogue.offsets, ended_days_ago=SESSION_CHAT + 0.01, now=now, title="Old"
    )
    recent = ended_session(
        world, dialogue.offsets, ended_days_ago=SESSION_CHAT - 0.01, now=now, title="Recent"
    )
    # The dialogue's own room, however old its messages: not a session room, not touched.
    lobby = chat_services.workspace_room(dialogue.offsets)
    kept, _ = chat_services.message_send(
        actor=world.member, room=lobby, body="Lobby talk", client_id="lobby-1"
    )
    ChatMessage.objects.filter(pk=kept.pk).update(created_at=now - 3000 * DAY)
    ChatRoom.objects.filter(pk=lobby.pk).update(closed_at=now - 3000 * DAY)  # even if closed
    # Each author's read mark (sending marks one's own message read) and the mute.
    marks = (
        ChatReadState.objects.filter(room=old.room).count()
        + ChatMute.objects.filter(room=old.room).count()
    )
    assert marks == 3

    counts = apply_retention(now=now)

    assert counts["session_chat"] == 3
    assert not ChatMessage.objects.filter(room=old.room).exists()
    assert ChatMessage.objects.filter(room=recent.room).count() == 3
    assert ChatMessage.objects.filter(pk=kept.pk).exists()
    # The read mark and the mute of the old room went with its messages; the recent ones stay.
    assert counts["session_room_marks"] == marks
    assert not ChatReadState.objects.filter(room=old.room).exists()
    assert not ChatMute.objects.filter(room=old.room).exists()
    assert ChatReadState.objects.filter(room=recent.room).exists()
    assert ChatMute.objects.filter(room=recent.room).exists()
    # The record stays: the session, its room, its approved minutes.
    old.refresh_from_db()
    assert old.status == DialogueSession.Status.CLOSED and old.room_id is not None
    assert MinutesEntry.objects.get(session=old).summary_source.startswith("Old:")
    assert old.room.last_seq == 3  # no seq is handed out again
    assert apply_retention(now=now) == nothing_left(now)

    # Every page of it still renders.
    member = client_for(world.member)
    session_page = member.get(
        reverse("session_detail", kwargs={"slug": "offsets", "pk": old.pk})
    ).content.decode()
    assert "participants compared benchmarks" in session_page
    room_page = member.get(reverse("session_room", kwargs={"slug": "offsets", "session": old.pk}))
    assert room_page.status_code == 200
    assert "Old message" not in room_page.content.decode()
    recent_room = member.get(
        reverse("session_room", kwargs={"slug": "offsets", "session": recent.pk})
    )
    assert "Recent message 1" in recent_room.content.decode()
    assert (
        "Lobby talk"
        in member.get(reverse("chat_room", kwargs={"slug": "offsets"})).content.decode()
    )
    thread = member.get(
        reverse("thread_detail", kwargs={"slug": "offsets", "pk": dialogue.public_thread.pk})
    )
    assert thread.status_code == 200


# ------------------------------------------------------------------------------
# The audit log: deletion past retention only, append-only inside it
# ------------------------------------------------------------------------------


def test_audit_events_past_their_time_go_and_none_inside_it(world, periods, now):
    stays = old_audit_event(just_inside(now, AUDIT), actor=world.member)
    goes = old_audit_event(just_past(now, AUDIT), actor=world.member)
    fresh = audit_record(action=AuditEvent.Action.LOGIN, actor=world.member)
    counts = apply_retention(now=now)
    assert counts["audit_events"] == 1
    assert not AuditEvent.objects.filter(pk=goes.pk).exists()
    assert AuditEvent.objects.filter(pk__in=[stays.pk, fresh.pk]).count() == 2
    assert apply_retention(now=now)["audit_events"] == 0


def test_audit_records_inside_retention_cannot_be_deleted_by_the_app(world, periods, now):
    event = old_audit_event(now - 364 * DAY)
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    # The one deletion path refuses a cutoff inside the minimum retention.
    with pytest.raises(ValueError, match="at least 365 days"):
        audit_events_delete_older(before=now - 10 * DAY)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def raw(sql: str, params: list) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def test_the_database_refuses_to_delete_records_inside_the_minimum_retention(world, now):
    young = old_audit_event(now - (AUDIT_MINIMUM_RETENTION_DAYS - 1) * DAY)
    today = audit_record(action=AuditEvent.Action.LOGIN, actor=world.member)
    for event in (young, today):
        with pytest.raises(DatabaseError):
            raw("DELETE FROM accounts_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError):
        raw("DELETE FROM accounts_auditevent", [])
    assert AuditEvent.objects.filter(pk__in=[young.pk, today.pk]).count() == 2
    # Past the minimum the database lets a record go (retention decides which)...
    old = old_audit_event(now - (AUDIT_MINIMUM_RETENTION_DAYS + 1) * DAY)
    assert raw("DELETE FROM accounts_auditevent WHERE id = %s", [old.pk]) == 1


def test_no_record_can_be_updated_whatever_its_age(world, now):
    for age in (0, AUDIT_MINIMUM_RETENTION_DAYS + 100):
        event = old_audit_event(now - age * DAY, summary="as written")
        with pytest.raises(DatabaseError):
            raw("UPDATE accounts_auditevent SET summary = 'x' WHERE id = %s", [event.pk])
        with pytest.raises(PermissionError):
            AuditEvent.objects.filter(pk=event.pk).update(summary="x")
        assert AuditEvent.objects.get(pk=event.pk).summary == "as written"


def test_the_database_guard_holds_the_same_minimum_as_the_app():
    assert _audit_trigger.MINIMUM_RETENTION_DAYS == AUDIT_MINIMUM_RETENTION_DAYS == 365


@pytest.mark.django_db(transaction=True)
def test_a_flush_still_empties_the_log_and_the_guard_is_back_after_it():
    """The test suite flushes after every transactional test, the log included."""
    audit_record(action=AuditEvent.Action.LOGIN, actor=None, summary="before the flush")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    event = audit_record(action=AuditEvent.Action.LOGIN, actor=None, summary="after the flush")
    with pytest.raises(DatabaseError):
        raw("DELETE FROM accounts_auditevent WHERE id = %s", [event.pk])


def test_an_audit_period_under_a_year_is_refused(world, periods, settings, now):
    settings.ENCLAVE_RETAIN_AUDIT_DAYS = 200
    old_audit_event(now - 300 * DAY)
    assert [e.id for e in retention_settings_check()] == ["privacy.E002"]
    with pytest.raises(ImproperlyConfigured):
        apply_retention(now=now)
    assert AuditEvent.objects.count() == 1


def test_a_setting_that_is_no_number_of_days_is_refused(periods, settings):
    settings.ENCLAVE_RETAIN_EMAIL_LOG_DAYS = -1
    assert [e.id for e in retention_settings_check()] == ["privacy.E001"]
    settings.ENCLAVE_RETAIN_EMAIL_LOG_DAYS = 0
    assert retention_settings_check() == []


# ------------------------------------------------------------------------------
# Copies of sent emails
# ------------------------------------------------------------------------------


def email_copy(directory: Path, name: str, at: datetime.datetime) -> Path:
    path = directory / name
    path.write_text("To: member@example.test\n\nHello")
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def test_email_copies_past_their_time_go(periods, now):
    mail = periods / "mail"
    stays = email_copy(mail, "inside.eml", just_inside(now, EMAIL_LOG))
    goes = email_copy(mail, "past.eml", just_past(now, EMAIL_LOG))
    also_goes = email_copy(mail, "past-file-mailer.log", now - 100 * DAY)
    not_mail = email_copy(mail, "notes.txt", now - 100 * DAY)
    (mail / "sub").mkdir()
    nested = email_copy(mail / "sub", "old.eml", now - 100 * DAY)
    counts = apply_retention(now=now)
    assert counts["email_log"] == 2
    assert stays.exists() and not_mail.exists() and nested.exists()
    assert not goes.exists() and not also_goes.exists()
    assert apply_retention(now=now)["email_log"] == 0


# ------------------------------------------------------------------------------
# Personal-data archives
# ------------------------------------------------------------------------------


def archive(periods, user, name: str, *, expires_at, status=DataExport.Status.READY, file=True):
    if file:
        (periods / "exports" / name).write_bytes(b"PK archive")
    return DataExport.objects.create(
        user=user, status=status, file_name=name, expires_at=expires_at, ready_at=expires_at
    )


def test_archives_expire_with_their_link_and_their_records_go_later(world, periods, now):
    exports = periods / "exports"
    live = archive(periods, world.member, "live.zip", expires_at=now + MINUTE)
    lapsed = archive(periods, world.member, "lapsed.zip", expires_at=now - MINUTE)
    missing = archive(periods, world.member, "missing.zip", expires_at=now - DAY, file=False)
    outside = periods / "outside.zip"
    outside.write_bytes(b"not an export")
    escaping = archive(periods, world.observer, "../outside.zip", expires_at=now - DAY, file=False)
    record_stays = DataExport.objects.create(
        user=world.member,
        status=DataExport.Status.EXPIRED,
        expires_at=just_inside(now, EXPORT_RECORDS),
    )
    record_goes = DataExport.objects.create(
        user=world.member,
        status=DataExport.Status.EXPIRED,
        expires_at=just_past(now, EXPORT_RECORDS),
    )
    never_ready = DataExport.objects.create(
        user=world.member,
        status=DataExport.Status.FAILED,
        requested_at=just_past(now, EXPORT_RECORDS),
    )

    counts = apply_retention(now=now)

    assert counts["data_export_files"] == 3
    assert (exports / "live.zip").exists() and not (exports / "lapsed.zip").exists()
    assert outside.exists()  # a name leading out of the directory is never followed
    for export in (lapsed, missing, escaping):
        export.refresh_from_db()
        assert export.status == DataExport.Status.EXPIRED and export.file_name == ""
    live.refresh_from_db()
    assert live.status == DataExport.Status.READY and live.file_name == "live.zip"
    assert counts["data_exports"] == 2
    assert set(DataExport.objects.values_list("pk", flat=True)) == {
        live.pk,
        lapsed.pk,
        missing.pk,
        escaping.pk,
        record_stays.pk,
    }
    assert not DataExport.objects.filter(pk__in=[record_goes.pk, never_ready.pk]).exists()
    assert apply_retention(now=now) == nothing_left(now)


# ------------------------------------------------------------------------------
# Task results, sign-in sessions, invitations
# ------------------------------------------------------------------------------


def task_result(status, finished_at):
    return DBTaskResult.objects.create(
        status=status,
        finished_at=finished_at,
        args_kwargs={"args": [[1, 2]], "kwargs": {}},
        task_path="dialogues.notifications.tasks.email_announcement",
        backend_name="default",
        run_after=timezone.now(),
        return_value=2,
    )


def test_finished_task_results_past_their_time_go(periods, now):
    stays = task_result("SUCCESSFUL", just_inside(now, TASK_RESULTS))
    goes = task_result("SUCCESSFUL", just_past(now, TASK_RESULTS))
    failed = task_result("FAILED", just_past(now, TASK_RESULTS))
    waiting = task_result("READY", None)
    assert apply_retention(now=now)["task_results"] == 2
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {stays.pk, waiting.pk}
    assert not DBTaskResult.objects.filter(pk__in=[goes.pk, failed.pk]).exists()


def test_expired_sessions_and_the_records_of_ended_ones_go(world, periods, now):
    alive = Session.objects.create(session_key="a" * 32, session_data="", expire_date=now + MINUTE)
    Session.objects.create(session_key="b" * 32, session_data="", expire_date=now - MINUTE)
    record = {"user": world.member, "ip": "192.0.2.1", "user_agent": "Firefox"}
    current = UserSession.objects.create(session_key=alive.session_key, **record)
    expired = UserSession.objects.create(session_key="b" * 32, **record)
    signed_out = UserSession.objects.create(session_key="c" * 32, **record)
    counts = apply_retention(now=now)
    assert counts["login_sessions"] == 1 and counts["session_records"] == 2
    assert list(Session.objects.values_list("session_key", flat=True)) == [alive.session_key]
    assert list(UserSession.objects.values_list("pk", flat=True)) == [current.pk]
    assert not UserSession.objects.filter(pk__in=[expired.pk, signed_out.pk]).exists()


def invitation(world, n: int, **fields):
    return Invitation.objects.create(
        email=f"invitee{n}@example.test",
        full_name=f"Invitee {n}",
        jurisdiction=world.eu,
        role=Invitation.Role.OFFICIAL,
        token_hash=f"{n:064d}",
        **fields,
    )


def test_invitations_never_accepted_go_after_their_time(world, periods, now):
    pending = invitation(world, 1, expires_at=now + DAY)
    lapsed_inside = invitation(world, 2, expires_at=just_inside(now, INVITATIONS))
    lapsed_past = invitation(world, 3, expires_at=just_past(now, INVITATIONS))
    revoked_past = invitation(
        world, 4, expires_at=now + DAY, revoked_at=just_past(now, INVITATIONS)
    )
    accepted = invitation(
        world,
        5,
        expires_at=now - 900 * DAY,
        accepted_at=now - 901 * DAY,
        accepted_user=world.member,
    )
    assert apply_retention(now=now)["invitations"] == 2
    assert set(Invitation.objects.values_list("pk", flat=True)) == {
        pending.pk,
        lapsed_inside.pk,
        accepted.pk,
    }
    assert not Invitation.objects.filter(pk__in=[lapsed_past.pk, revoked_past.pk]).exists()


# ------------------------------------------------------------------------------
# A dry run; the command and its audit record
# ------------------------------------------------------------------------------


def something_of_every_kind(world, periods, now):
    notification(world.member, just_past(now, NOTIFICATIONS))
    old_audit_event(just_past(now, AUDIT), actor=world.member)
    email_copy(periods / "mail", "old.eml", just_past(now, EMAIL_LOG))
    archive(periods, world.member, "old.zip", expires_at=now - MINUTE)
    task_result("SUCCESSFUL", just_past(now, TASK_RESULTS))
    invitation(world, 9, expires_at=just_past(now, INVITATIONS))


def test_a_dry_run_counts_and_changes_nothing(world, periods, now):
    something_of_every_kind(world, periods, now)
    models = (Notification, AuditEvent, DataExport, DBTaskResult, Invitation)
    before = {model: list(model.objects.values()) for model in models}
    files = sorted(periods.rglob("*"))
    counted = apply_retention(now=now, dry_run=True)
    assert {model: list(model.objects.values()) for model in models} == before
    assert sorted(periods.rglob("*")) == files
    assert apply_retention(now=now) == counted
    assert counted["notifications"] == counted["audit_events"] == counted["email_log"] == 1
    assert counted["data_export_files"] == counted["task_results"] == counted["invitations"] == 1


def test_the_command_reports_each_kind_and_audits_the_run_without_personal_data(
    world, periods, now
):
    something_of_every_kind(world, periods, now)
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "notifications: 1 would be deleted" in out.getvalue()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_APPLIED).exists()

    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(KINDS)
    assert "notifications: 1 deleted" in lines
    assert "audit events: 1 deleted" in lines
    assert "email copies: 1 deleted" in lines
    assert "personal-data archives: 1 expired" in lines
    assert "unaccepted invitations: 1 deleted" in lines
    run = AuditEvent.objects.get(action=AuditEvent.Action.RETENTION_APPLIED)
    assert run.actor is None and run.target_user is None
    assert run.detail["counts"]["notifications"] == 1
    assert run.detail["counts"]["audit_events"] == 1
    written = f"{run.actor_label} {run.summary} {run.summary_params} {run.detail}"
    assert "6 records" in run.summary
    assert world.member.email not in written and world.member.full_name not in written
    assert "invitee9" not in written and "Invitee 9" not in written

    # A second run removes nothing, and says so without a new record.
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert all(
        line.endswith(": 0 deleted") or line.endswith(": 0 expired")
        for line in out.getvalue().splitlines()
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_APPLIED).count() == 1


def test_half_written_archives_a_killed_worker_left_are_swept(periods, now):
    """A `.partial-*` file is a whole copy of someone's data that nothing serves: gone once older
    than an export's own time limit; one still being written stays."""
    exports = periods / "exports"
    abandoned = exports / ".partial-abandoned.zip"
    writing = exports / ".partial-writing.zip"
    for path in (abandoned, writing):
        path.write_bytes(b"PK")
    old = (now - STALE_AFTER - MINUTE).timestamp()
    os.utime(abandoned, (old, old))
    assert apply_retention(now=now, dry_run=True)["abandoned_archives"] == 1
    assert abandoned.exists()
    assert apply_retention(now=now)["abandoned_archives"] == 1
    assert not abandoned.exists() and writing.exists()
    assert apply_retention(now=now)["abandoned_archives"] == 0


def test_an_archive_link_of_no_days_is_refused(periods, settings):
    settings.ENCLAVE_DATA_EXPORT_DAYS = 0
    assert [e.id for e in retention_settings_check()] == ["privacy.E003"]
