"""Reads of "My data": the official's own requests, and the one export a download may serve."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.standing import standing_lack
from privacy.models import DataExport

from .services import Status, is_expired, is_stale

SHOWN = 20  # the most recent requests listed (at most a few a day, each a week's link)


@dataclass(frozen=True)
class ExportRow:
    export: DataExport
    state: str  # preparing | ready | failed | expired, as of now

    @property
    def downloadable(self) -> bool:
        return self.state == Status.READY


@dataclass(frozen=True)
class MyDataPage:
    rows: list[ExportRow]

    @property
    def preparing(self) -> bool:
        return any(row.state == Status.PREPARING for row in self.rows)

    @property
    def latest(self) -> ExportRow | None:
        return self.rows[0] if self.rows else None


def _state(export: DataExport, now: datetime.datetime) -> str:
    if is_stale(export, now):
        return Status.FAILED
    if export.status == Status.READY and is_expired(export, now):
        return Status.EXPIRED
    return export.status


def _standing_or_404(user: User) -> None:
    if standing_lack(user) is not None:
        raise Http404


def my_data_page(user: User) -> MyDataPage:
    """The official's latest requests, newest first, each in its state as of now (a link past
    its end reads as expired before retention deletes its file)."""
    _standing_or_404(user)
    now = timezone.now()
    exports = DataExport.objects.filter(user=user).order_by("-requested_at", "-pk")[:SHOWN]
    return MyDataPage([ExportRow(export, _state(export, now)) for export in exports])


def export_to_download(user: User, key: str) -> DataExport:
    """The signed-in official's own ready export named by `key`; anyone else's, an unknown
    key, and an export preparing, failed or expired are the same 404."""
    _standing_or_404(user)
    export = (
        DataExport.objects.filter(user=user, key=key, status=Status.READY)
        .exclude(file_name="")
        .first()
    )
    if export is None or is_expired(export):
        raise Http404
    return export
