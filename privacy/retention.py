"""Retention: nothing is kept longer than its setting says (docs/personal-data.md, "Retention").

`apply_retention` runs every kind below, daily from cron (`manage.py apply_retention`). Each kind
is one function `(*, now, batch_size, dry_run) -> int`: it selects a batch of primary keys of
what is past its time, deletes them in a transaction of their own, and repeats until none is
left, so a large backlog never becomes one huge DELETE, nor a long lock, nor rows in memory. It
is idempotent: a second run finds nothing. `now` is injectable (tests); a dry run only counts.

This is the partnership's own housekeeping, run by the operator's cron with no official acting:
there is no actor to ask the policy about. What may go is decided here by age alone, and what
must stay whatever its age (the record of the dialogues: threads, posts, documents, approved
minutes, attendance) is never selected.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks_db.models import DBTaskResult

from accounts.audit import (
    AUDIT_MINIMUM_RETENTION_DAYS,
    SystemActor,
    audit_events_delete_older,
    audit_record,
    sentence,
)
from accounts.models import AuditEvent, Invitation
from dialogues.models import ChatMessage, ChatMute, ChatReadState, ChatRoom, Notification
from privacy.models import DataExport
from privacy.my_data.services import STALE_AFTER, export_file_delete, exports_dir

logger = logging.getLogger("enclave.retention")

DEFAULT_BATCH_SIZE = 1000
# A batch's keys are one statement's parameters: this stays under SQLite's and PostgreSQL's
# limits on those.
MAX_BATCH_SIZE = 10_000
# Who the audit log names for a run: the schedule itself, no account.
RETENTION_ACTOR = SystemActor(label="Enclave's retention schedule")

# The retention settings (config/settings/base.py, "Personal data"): days, 0 keeps forever.
RETENTION_SETTINGS = (
    "ENCLAVE_RETAIN_NOTIFICATIONS_DAYS",
    "ENCLAVE_RETAIN_SESSION_CHAT_DAYS",
    "ENCLAVE_RETAIN_AUDIT_DAYS",
    "ENCLAVE_RETAIN_EMAIL_LOG_DAYS",
    "ENCLAVE_RETAIN_DATA_EXPORTS_DAYS",
    "ENCLAVE_RETAIN_TASK_RESULTS_DAYS",
    "ENCLAVE_RETAIN_INVITATIONS_DAYS",
)
# Copies of sent emails: what Django's file mailer and `make run`'s mailer write, nothing else.
EMAIL_COPY_SUFFIXES = frozenset({".eml", ".log"})


def retention_days(name: str) -> int | None:
    """The setting `name` in days, or None for "keep forever" (0)."""
    days = getattr(settings, name)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ImproperlyConfigured(f"{name} is a number of days, 0 or more (0 keeps forever).")
    return days or None


def audit_retention_days() -> int | None:
    """ENCLAVE_RETAIN_AUDIT_DAYS, which may not be under the audit log's minimum."""
    days = retention_days("ENCLAVE_RETAIN_AUDIT_DAYS")
    if days is not None and days < AUDIT_MINIMUM_RETENTION_DAYS:
        raise ImproperlyConfigured(
            f"ENCLAVE_RETAIN_AUDIT_DAYS is {days}: the audit log keeps every record at least "
            f"{AUDIT_MINIMUM_RETENTION_DAYS} days (or 0, forever)."
        )
    return days


def _cutoff(now: datetime.datetime, name: str) -> datetime.datetime | None:
    days = retention_days(name)
    return None if days is None else now - datetime.timedelta(days=days)


def _in_batches(
    queryset: models.QuerySet,
    remove: Callable[[list], int],
    *,
    batch_size: int,
    fields: tuple[str, ...] = (),
) -> int:
    """Remove what `queryset` selects a batch at a time, in primary-key order: each batch (its
    primary keys, or (pk, *fields) rows when fields are asked for) is read and handed to
    `remove` in a transaction of its own, until none is left. How many `remove` said went."""
    columns = ("pk", *fields)
    removed = 0
    while True:
        with transaction.atomic():
            rows = list(queryset.order_by("pk").values_list(*columns, flat=not fields)[:batch_size])
            done = remove(rows) if rows else 0
        removed += done
        if not done:  # none left, or gone meanwhile (another run): never loop on the same rows
            return removed


def _delete(queryset: models.QuerySet, *, batch_size: int, dry_run: bool) -> int:
    """Delete what `queryset` selects, a batch at a time; how many rows went."""
    if dry_run:
        return queryset.count()
    model = queryset.model

    def remove(pks: list) -> int:
        _total, by_model = model._base_manager.filter(pk__in=pks).delete()
        return by_model.get(model._meta.label, 0)

    return _in_batches(queryset, remove, batch_size=batch_size)


# ------------------------------------------------------------------------------
# Notifications
# ------------------------------------------------------------------------------


def purge_notifications(*, now: datetime.datetime, batch_size: int, dry_run: bool) -> int:
    """Notifications older than ENCLAVE_RETAIN_NOTIFICATIONS_DAYS, read or not. Nothing refers to
    a notification; the item it pointed at stays."""
    cutoff = _cutoff(now, "ENCLAVE_RETAIN_NOTIFICATIONS_DAYS")
    if cutoff is None:
        return 0
    old = Notification.objects.filter(created_at__lt=cutoff)
    return _delete(old, batch_size=batch_size, dry_run=dry_run)


# ------------------------------------------------------------------------------
# The chat of dialogue sessions' rooms
# ------------------------------------------------------------------------------


def _ended_session_rooms(now: datetime.datetime) -> models.QuerySet | None:
    """Rooms of dialogue sessions that ended before the session chat's retention period.

    A session's room is its own (`is_workspace_room` false) and closes when the session ends
    (`DialogueSession.ended_at`, the room's `closed_at`); no step opens it again. A dialogue's
    own room is never one of them."""
    cutoff = _cutoff(now, "ENCLAVE_RETAIN_SESSION_CHAT_DAYS")
    if cutoff is None:
        return None
    return ChatRoom.objects.filter(
        is_workspace_room=False, closed_at__lt=cutoff, session__ended_at__lt=cutoff
    ).values("pk")


def purge_session_chat(*, now: datetime.datetime, batch_size: int, dry_run: bool) -> int:
    """The messages of dialogue-session rooms that ended ENCLAVE_RETAIN_SESSION_CHAT_DAYS ago.

    Deleted, not anonymised: the session's minutes, approved by its chairs, are the record of
    what was said; the room's messages were its working conversation. Nothing refers to a
    message by key: minutes drafted from one copied its text, moderation's audit records name
    its room and seq as numbers, and the room keeps its `last_seq`, so a client asking for
    "everything after seq N" gets nothing rather than an old number again. The room, the
    session, its agenda, minutes, actions and attendance stay, and their pages still render
    (an empty room)."""
    rooms = _ended_session_rooms(now)
    if rooms is None:
        return 0
    messages = ChatMessage.objects.filter(room__in=rooms)
    return _delete(messages, batch_size=batch_size, dry_run=dry_run)


def purge_session_room_marks(*, now: datetime.datetime, batch_size: int, dry_run: bool) -> int:
    """What those rooms kept about people beside the messages: each reader's read mark and the
    mutes of the room (who, by whom, why). Both concern messages that are gone; the mutes'
    audit records stay. Presence rows are the live sockets and leave with them."""
    rooms = _ended_session_rooms(now)
    if rooms is None:
        return 0
    return sum(
        _delete(model.objects.filter(room__in=rooms), batch_size=batch_size, dry_run=dry_run)
        for model in (ChatReadState, ChatMute)
    )


# ------------------------------------------------------------------------------
# The audit log
# ------------------------------------------------------------------------------


def purge_audit_events(*, now: datetime.datetime, batch_size: int, dry_run: bool) -> int:
    """Audit records older than ENCLAVE_RETAIN_AUDIT_DAYS, never fewer than 365 days: through
    `accounts.audit.audit_events_delete_older`, the one path that deletes them (the database
    refuses to delete a younger one; see docs/personal-data.md)."""
    days = audit_retention_days()
    if days is None:
        return 0
    cutoff = now - datetime.timedelta(days=days)
    if dry_run:
        return AuditEvent.objects.filter(created_at__lt=cutoff).count()
    return audit_events_delete_older(before=cutoff, batch_size=batch_size)


# ------------------------------------------------------------------------------
# Copies of sent emails
# ------------------------------------------------------------------------------


def email_copy_directories() -> list[Path]:
    """Where the configured mailers keep a copy of each email they send: `make run`'s mailer
    (core.local_mail, OPTIONS "directory") and Django's file mailer (OPTIONS "file_path").
    SMTP keeps nothing here; Enclave logs a failed send without an address or a body
    (core/mail.py)."""
    found = []
    for mailer in getattr(settings, "MAILERS", {}).values():
        options = mailer.get("OPTIONS") or {}
        for key in ("directory", "file_path"):
            if options.get(key):
                found.append(Path(options[key]))
    return list(dict.fromkeys(found))


def purge_email_log(*, now: datetime.datetime, batch_size: int, dry_run: bool) -> int:
    """Copies of sent emails older than ENCLAVE_RETAIN_EMAIL_LOG_DAYS (by the time they were
    written): addresses, names and the emails' text. Only the mailers' own files directly in
    their directory (.eml, .log); never a link or a subdirectory."""
    cutoff = _cutoff(now, "ENCLAVE_RETAIN_EMAIL_LOG_DAYS")
    if cutoff is None:
        return 0
    before = cutoff.timestamp()
    removed = 0
    for directory in email_copy_directories():
        if not directory.is_dir():
            continue
        for entry in directory.iterdir():
            if entry.suffix not in EMAIL_COPY_SUFFIXES or entry.is_symlink() or not entry.is_file():
                continue
            if entry.stat().st_mtime >= before:
                continue
            if not dry_run:
                entry.unlink(missing_ok=True)
            removed += 1
    return removed


# ------------------------------------------------------------------------------
# Personal-data archives (privacy.models.DataExport)
# ------------------------------------------------------------------------------


def expire_data_exports(*, now: datetime.datetime, batch_size: int, dry_run: bool) -> int:
    """Archives whose link expired (`expires_at` passed): the file is deleted, the export marked
    EXPIRED and its `file_name` cleared, so nothing can be downloaded any more. The file goes
    first, inside the batch's transaction: if marking fails, the next run finds the export
    again and its file already gone."""
    due = DataExport.objects.filter(expires_at__lte=now).filter(
        ~Q(status=DataExport.Status.EXPIRED) | ~Q(file_name="")
    )
    if dry_run:
        return due.count()

    def expire(rows: list) -> int:
        for _pk, file_name in rows:
            export_file_delete(file_name)
        return DataExport.objects.filter(pk__in=[pk for pk, _name in rows]).update(
            status=DataExport.Status.EXPIRED, file_name=""
        )

    return _in_batches(due, expire, batch_size=batch_size, fields=("file_name",))


def remove_abandoned_archives(*, now: datetime.datetime, batch_size: int, dry_run: bool) -> int:
    """Half-written archives a worker left when it was killed mid-way (`.partial-*` files: a
    finished archive is renamed): a copy of someone's data that nothing would ever serve. Those
    older than an export's own limit (STALE_AFTER) go; a younger one may still be written."""
    directory = exports_dir()
    if not directory.is_dir():
        return 0
    cutoff = (now - STALE_AFTER).timestamp()
    abandoned = [
        path
        for path in directory.glob(".partial-*")
        if path.is_file() and path.stat().st_mtime < cutoff
    ]
    if not dry_run:
        for path in abandoned:
            path.unlink(missing_ok=True)
    return len(abandoned)


def purge_data_exports(*, now: datetime.datetime, batch_size: int, dry_run: bool) -> int:
    """The records of exports ENCLAVE_RETAIN_DATA_EXPORTS_DAYS after their link expired (or,
    never ready, after they were requested), with any file still there. The request and each
    download stay in the audit log."""
    cutoff = _cutoff(now, "ENCLAVE_RETAIN_DATA_EXPORTS_DAYS")
    if cutoff is None:
        return 0
    old = DataExport.objects.filter(
        Q(expires_at__lt=cutoff) | Q(expires_at__isnull=True, requested_at__lt=cutoff)
    )
    if dry_run:
        return old.count()

    def remove(rows: list) -> int:
        for _pk, file_name in rows:
            export_file_delete(file_name)
        _total, by_model = DataExport.objects.filter(pk__in=[pk for pk, _name in rows]).delete()
        return by_model.get(DataExport._meta.label, 0)

    return _in_batches(old, remove, batch_size=batch_size, fields=("file_name",))


# ------------------------------------------------------------------------------
# Other stores that grow without bound
# ------------------------------------------------------------------------------


def purge_task_results(*, now: datetime.datetime, batch_size: int, dry_run: bool) -> int:
    """Finished background tasks (django-tasks-db rows) older than
    ENCLAVE_RETAIN_TASK_RESULTS_DAYS. Enclave's tasks take and return ids and counts, but a
    failed task's traceback may quote what it was working on. Tasks waiting or running stay."""
    cutoff = _cutoff(now, "ENCLAVE_RETAIN_TASK_RESULTS_DAYS")
    if cutoff is None:
        return 0
    old = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    return _delete(old, batch_size=batch_size, dry_run=dry_run)


def _session_model() -> type[models.Model] | None:
    """The sign-in sessions' table, when the session engine keeps one (db, cached_db)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return store.get_model_class() if hasattr(store, "get_model_class") else None


def purge_login_sessions(*, now: datetime.datetime, batch_size: int, dry_run: bool) -> int:
    """Sign-in sessions past their expiry (what `clearsessions` does, in batches). Sessions
    kept in the cache or in signed cookies expire by themselves."""
    model = _session_model()
    if model is None:
        return 0
    expired = model.objects.filter(expire_date__lt=now)
    return _delete(expired, batch_size=batch_size, dry_run=dry_run)


def purge_session_records(*, now: datetime.datetime, batch_size: int, dry_run: bool) -> int:
    """allauth's record of each sign-in session (address, browser, last seen: the "Sessions"
    page) once its session is gone: signed out, ended, expired. allauth drops these only when
    their owner opens that page."""
    model = _session_model()
    if model is None or not apps.is_installed("allauth.usersessions"):
        return 0
    records = apps.get_model("usersessions", "UserSession").objects.exclude(
        session_key__in=model.objects.values("session_key")
    )
    return _delete(records, batch_size=batch_size, dry_run=dry_run)


def purge_invitations(*, now: datetime.datetime, batch_size: int, dry_run: bool) -> int:
    """Invitations never accepted, ENCLAVE_RETAIN_INVITATIONS_DAYS after they expired or were
    revoked: an address and a name of someone who never joined. Accepted ones stay (they record
    how an official joined); their sending and revocation stay in the audit log."""
    cutoff = _cutoff(now, "ENCLAVE_RETAIN_INVITATIONS_DAYS")
    if cutoff is None:
        return 0
    lapsed = Invitation.objects.filter(accepted_at__isnull=True).filter(
        Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)
    )
    return _delete(lapsed, batch_size=batch_size, dry_run=dry_run)


# ------------------------------------------------------------------------------
# All of it
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # as the command prints it
    done: str  # what happened to each: "deleted", "expired"
    apply: Callable[..., int]


# In this order: an archive expires before its record may go; sessions end before their
# records are looked for.
KINDS: tuple[Kind, ...] = (
    Kind("notifications", "notifications", "deleted", purge_notifications),
    Kind("session_chat", "session chat messages", "deleted", purge_session_chat),
    Kind(
        "session_room_marks",
        "session room read marks and mutes",
        "deleted",
        purge_session_room_marks,
    ),
    Kind("audit_events", "audit events", "deleted", purge_audit_events),
    Kind("email_log", "email copies", "deleted", purge_email_log),
    Kind("data_export_files", "personal-data archives", "expired", expire_data_exports),
    Kind(
        "abandoned_archives",
        "half-written personal-data archives",
        "deleted",
        remove_abandoned_archives,
    ),
    Kind("data_exports", "personal-data export records", "deleted", purge_data_exports),
    Kind("task_results", "finished task results", "deleted", purge_task_results),
    Kind("login_sessions", "expired sign-in sessions", "deleted", purge_login_sessions),
    Kind("session_records", "records of ended sign-in sessions", "deleted", purge_session_records),
    Kind("invitations", "unaccepted invitations", "deleted", purge_invitations),
)


def apply_retention(
    *,
    now: datetime.datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
) -> dict[str, int]:
    """Apply every kind's retention; how many of each went (or, in a dry run, would go).

    Not one transaction: each batch commits on its own, so a run over a large backlog holds no
    long lock and a run stopped halfway keeps what it did. A run that removed anything is
    recorded in the audit log with its counts (numbers only)."""
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch_size is from 1 to {MAX_BATCH_SIZE}")
    now = now or timezone.now()
    counts = {
        kind.key: kind.apply(now=now, batch_size=batch_size, dry_run=dry_run) for kind in KINDS
    }
    removed = sum(counts.values())
    if removed and not dry_run:
        audit_record(
            action=AuditEvent.Action.RETENTION_APPLIED,
            actor=RETENTION_ACTOR,
            summary=sentence(
                gettext_noop("Retention applied: %(count)s records past their time removed"),
                count=removed,
            ),
            detail={"counts": counts},
        )
    return counts
