"""The audit log as a CSV file: the events the reader may read, under the page's filters, newest
first, written a row at a time from a database cursor, never the whole log in memory."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator
from itertools import batched
from typing import Any

from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.spreadsheets import neutralised

from . import selectors
from .audit import (
    audit_record,
    event_reason,
    event_summary,
    mark_erased,
    sentence,
    shown_actor,
    shown_ip,
)
from .models import AuditEvent, User
from .policy import Capability, require

CHUNK_SIZE = 1000  # rows read from the cursor at a time


class _Line:
    """A file-like sink for csv.writer that hands back each line it writes."""

    def write(self, value: str) -> str:
        return value


def _filters_detail(filters: dict[str, Any]) -> dict[str, Any]:
    """The filters as the export's audit record keeps them: ids and dates, never objects."""
    detail: dict[str, Any] = {}
    for name, value in filters.items():
        if name == "actor":
            detail[name] = [official.pk for official in value]
        elif hasattr(value, "pk"):
            detail[name] = value.pk
        elif isinstance(value, datetime.date):
            detail[name] = value.isoformat()
        else:
            detail[name] = value
    return detail


def audit_log_export(
    *, actor: User, filters: dict[str, Any], request: HttpRequest | None = None
) -> Iterator[str]:
    """Record the export, then return the CSV's lines (a byte-order mark first, for spreadsheet
    programs that otherwise guess the encoding). Labels and times are settled now, in the
    reader's language and zone: the lines are produced later, while the response streams."""
    require(actor, Capability.READ_AUDIT)
    audit_record(
        action=AuditEvent.Action.EXPORTED,
        actor=actor,
        scope="audit",
        summary=sentence(gettext_noop("Audit log exported as CSV")),
        detail={"kind": "audit_log", "format": "csv", "filters": _filters_detail(filters)},
        request=request,
    )
    events = (
        selectors.audit_events(user=actor, **filters)
        .order_by("-created_at", "-pk")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    header = [
        _("Time"),
        _("Action"),
        _("Actor"),
        _("Actor’s email"),
        _("Actor’s affiliation"),
        _("Concerning"),
        _("Concerning (email)"),
        _("Jurisdiction"),
        _("Summary"),
        _("Reason"),
        _("Scope"),
        _("IP address"),
    ]
    labels = {value: str(label) for value, label in AuditEvent.Action.choices}
    zone, language = timezone.get_current_timezone(), translation.get_language()
    return _lines(events, header, labels, zone, language)


def _lines(events, header: list[str], labels: dict[str, str], zone, language) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(header)
    for event in (e for page in batched(events, CHUNK_SIZE) for e in mark_erased(page)):
        actor = shown_actor(event)
        # Each summary in the reader's language: the stream may run where another is active.
        with translation.override(language):
            summary = event_summary(event)
        target = event.target_user
        cells = [
            timezone.localtime(event.created_at, zone).isoformat(timespec="seconds"),
            labels.get(event.action, event.action),
            actor.name,
            actor.email,
            actor.affiliation,
            target.full_name if target else "",
            target.email if target else "",
            str(event.jurisdiction) if event.jurisdiction_id else "",
            summary,
            event_reason(event),
            event.scope,
            shown_ip(event),
        ]
        yield writer.writerow([neutralised(cell) for cell in cells])


def export_filename(today: datetime.date) -> str:
    return f"enclave-audit-log-{today.isoformat()}.csv"
