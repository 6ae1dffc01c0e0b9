"""My data: an official asks for their own data, the archive is prepared in the background
(`tasks.prepare_data_export`), and they download it through a private link, theirs alone while
signed in with standing, until it expires (retention then deletes the file).

One export prepares at a time per official, at most DAILY_LIMIT are asked for in a day (a failed
one does not count), and every request and download is audited.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User
from accounts.standing import standing_lack
from core.events import after_commit
from privacy.models import DataExport

from .archive import archive_write

logger = logging.getLogger(__name__)

Status = DataExport.Status
DAILY_LIMIT = 3
LIMIT_WINDOW = datetime.timedelta(days=1)
# A worker that died mid-way leaves its export preparing: past this, it counts as failed, so
# the official may ask again.
STALE_AFTER = datetime.timedelta(hours=1)


def exports_dir() -> Path:
    return Path(settings.DATA_EXPORTS_DIR)


def export_file_delete(file_name: str) -> None:
    """Delete an archive's file under DATA_EXPORTS_DIR (retention at its link's end, erasure of
    its official); one already gone is no error. A name that leads outside the directory is
    never followed."""
    if not file_name:
        return
    root = exports_dir().resolve()
    path = (root / file_name).resolve()
    if path == root or not path.is_relative_to(root):
        logger.warning("data export file outside DATA_EXPORTS_DIR left alone")
        return
    path.unlink(missing_ok=True)


def is_stale(export: DataExport, now: datetime.datetime | None = None) -> bool:
    return export.status == Status.PREPARING and export.requested_at < (
        (now or timezone.now()) - STALE_AFTER
    )


def is_expired(export: DataExport, now: datetime.datetime | None = None) -> bool:
    """Past its link's end, whether or not retention has deleted its file yet."""
    if export.status == Status.EXPIRED:
        return True
    return export.expires_at is not None and export.expires_at <= (now or timezone.now())


def data_export_check(*, actor: User, now: datetime.datetime | None = None) -> None:
    """Whether `actor` may ask for their data now (standing; none being prepared; the daily
    limit): asked before the password is asked again, and by the request itself."""
    if standing_lack(actor) is not None:
        raise PermissionDenied
    now = now or timezone.now()
    mine = DataExport.objects.filter(user=actor)
    preparing = mine.filter(status=Status.PREPARING, requested_at__gte=now - STALE_AFTER)
    if preparing.exists():
        raise ValidationError(
            _("Your data is already being prepared: this page shows it as soon as it is ready.")
        )
    recent = mine.filter(requested_at__gt=now - LIMIT_WINDOW).exclude(status=Status.FAILED)
    recent = recent.exclude(status=Status.PREPARING, requested_at__lt=now - STALE_AFTER)
    if recent.count() >= DAILY_LIMIT:
        oldest = recent.order_by("requested_at").values_list("requested_at", flat=True)[0]
        again = timezone.localtime(oldest + LIMIT_WINDOW)
        raise ValidationError(
            _("You can ask for your data %(count)s times a day. You can ask again from %(when)s.")
            % {"count": DAILY_LIMIT, "when": date_format(again, "SHORT_DATETIME_FORMAT")}
        )


@transaction.atomic
def data_export_request(*, actor: User, request: HttpRequest | None = None) -> DataExport:
    """Ask for `actor`'s own data: a new export, prepared once this commits."""
    # One official's requests one after the other: two posts at once cannot both pass the
    # checks.
    list(User.objects.select_for_update().filter(pk=actor.pk).values_list("pk"))
    now = timezone.now()
    DataExport.objects.filter(
        user=actor, status=Status.PREPARING, requested_at__lt=now - STALE_AFTER
    ).update(status=Status.FAILED)
    data_export_check(actor=actor, now=now)
    export = DataExport.objects.create(user=actor, requested_at=now)
    audit_record(
        action=AuditEvent.Action.DATA_EXPORT_REQUESTED,
        actor=actor,
        target_user=actor,
        summary=sentence(
            gettext_noop("Personal data export %(export)s requested"), export=export.pk
        ),
        detail={"export": export.pk},
        request=request,
    )
    export_id = export.pk

    def enqueue() -> None:
        from .tasks import prepare_data_export

        prepare_data_export.enqueue(export_id)

    after_commit(enqueue)
    return export


def _failed(export: DataExport) -> str:
    DataExport.objects.filter(pk=export.pk, status=Status.PREPARING).update(status=Status.FAILED)
    return Status.FAILED


def data_export_prepare(*, export_id: int) -> str:
    """Write one export's archive (the task's work) and record it ready; its state afterwards.
    An export no longer preparing (ready, failed, or closed as stale) is left alone."""
    export = DataExport.objects.select_related("user__jurisdiction").filter(pk=export_id).first()
    if export is None:
        return ""
    if export.status != Status.PREPARING:
        return export.status
    user = export.user
    if standing_lack(user) is not None:  # nobody left to give it to
        return _failed(export)
    name = f"{export.key}.zip"
    try:
        written = archive_write(user=user, directory=exports_dir(), name=name)
    except Exception:
        # Ids only in the log, never content: the archive left nothing behind.
        logger.exception("Personal data export %s could not be written", export.pk)
        return _failed(export)
    ready_at = timezone.now()
    done = DataExport.objects.filter(pk=export.pk, status=Status.PREPARING).update(
        status=Status.READY,
        ready_at=ready_at,
        expires_at=ready_at + datetime.timedelta(days=settings.ENCLAVE_DATA_EXPORT_DAYS),
        file_name=written.name,
        size=written.size,
        sha256=written.sha256,
    )
    if not done:  # closed meanwhile as stale: its archive is not kept
        (exports_dir() / name).unlink(missing_ok=True)
        return Status.FAILED
    return Status.READY


@transaction.atomic
def data_export_download(
    *, actor: User, export: DataExport, request: HttpRequest | None = None
) -> DataExport:
    """Record that `actor` downloads their own ready export (the view streams it)."""
    if standing_lack(actor) is not None or export.user_id != actor.pk:
        raise PermissionDenied
    export.downloaded_at = timezone.now()
    DataExport.objects.filter(pk=export.pk).update(downloaded_at=export.downloaded_at)
    audit_record(
        action=AuditEvent.Action.DATA_EXPORT_DOWNLOADED,
        actor=actor,
        target_user=actor,
        summary=sentence(
            gettext_noop("Personal data export %(export)s downloaded"), export=export.pk
        ),
        detail={"export": export.pk, "sha256": export.sha256},
        request=request,
    )
    return export
