"""Every factsheet read a page shows, already bounded by the policy.

Approved factsheets are read by every member with standing; observers read, of another
jurisdiction's factsheet, only the fields the partnership shows observers (`shown_fields`).
Drafts, submitted and discarded versions are read only by the jurisdiction's officials and the
Secretariat. Anything else is missing (404), never forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from accounts.models import Jurisdiction, User
from partnership.factsheets import schema
from partnership.factsheets.services import field_settings
from partnership.models import Factsheet, FactsheetVersion
from workspaces.access import Capability, can, factsheet_reads_limited

State = FactsheetVersion.State


def may_read_factsheets(user: User) -> bool:
    return can(user, Capability.READ_FACTSHEETS)


def shown_fields(user: User, jurisdiction_id: int | None, settings=None) -> list[schema.Field]:
    """The fields `user` reads of `jurisdiction_id`'s factsheet (None: of several at once)."""
    if not factsheet_reads_limited(user, jurisdiction_id):
        return list(schema.FIELDS)
    settings = settings if settings is not None else field_settings()
    return [spec for spec in schema.FIELDS if settings[spec.key].observers_see]


def notes_shown(user: User, jurisdiction: Jurisdiction) -> bool:
    """Whether `user` reads the drafters' "what changed" notes of `jurisdiction`'s versions:
    free text that may speak of any field, so not to a reader kept from some of them (an
    observer reading another jurisdiction's factsheet)."""
    return not factsheet_reads_limited(user, jurisdiction.pk)


def jurisdiction_or_404(user: User, code: str) -> Jurisdiction:
    if not may_read_factsheets(user):
        raise Http404
    jurisdiction = (
        Jurisdiction.objects.exclude(status=Jurisdiction.Status.FORMER).filter(code=code).first()
    )
    if jurisdiction is None:
        raise Http404
    return jurisdiction


def factsheet_for(jurisdiction: Jurisdiction) -> Factsheet | None:
    return (
        Factsheet.objects.filter(jurisdiction=jurisdiction)
        .select_related("approved__approved_by", "approved__drafted_by")
        .first()
    )


def open_version(user: User, jurisdiction: Jurisdiction) -> FactsheetVersion | None:
    """The jurisdiction's open draft, for those who may read drafts; None for anyone else."""
    if not can(user, Capability.READ_FACTSHEET_DRAFTS, jurisdiction):
        return None
    return (
        FactsheetVersion.objects.filter(
            factsheet__jurisdiction=jurisdiction, state__in=[State.DRAFT, State.SUBMITTED]
        )
        .select_related("drafted_by", "edited_by", "submitted_by")
        .first()
    )


def version_or_404(user: User, jurisdiction: Jurisdiction, number: int) -> FactsheetVersion:
    """A version as `user` may read it: approved versions for every reader, others for the
    jurisdiction and the Secretariat."""
    version = (
        FactsheetVersion.objects.filter(factsheet__jurisdiction=jurisdiction, number=number)
        .select_related("factsheet", "drafted_by", "approved_by", "submitted_by", "based_on")
        .first()
    )
    if version is None:
        raise Http404
    if version.state != State.APPROVED and not can(
        user, Capability.READ_FACTSHEET_DRAFTS, jurisdiction
    ):
        raise Http404
    return version


def history(user: User, jurisdiction: Jurisdiction) -> list[FactsheetVersion]:
    """The versions `user` may read, newest first."""
    versions = FactsheetVersion.objects.filter(factsheet__jurisdiction=jurisdiction)
    if not can(user, Capability.READ_FACTSHEET_DRAFTS, jurisdiction):
        versions = versions.filter(state=State.APPROVED)
    return list(versions.select_related("drafted_by", "approved_by").order_by("-number"))


@dataclass
class FieldChange:
    spec: schema.Field
    before_html: Any
    after_html: Any
    words: list[tuple[str, str]] | None  # a word-level diff for text fields


def changes(
    fields: list[schema.Field],
    before: FactsheetVersion | None,
    after: FactsheetVersion,
) -> list[FieldChange]:
    """Field by field, what differs from `before` (None: nothing yet) to `after`, among
    `fields`."""
    old_values, old_html = (before.values, before.rendered) if before else ({}, {})
    found = []
    for spec in fields:
        old, new = old_values.get(spec.key), after.values.get(spec.key)
        if old == new:
            continue
        words = None
        if spec.kind in ("text", "long", "markdown") and old and new:
            words = schema.word_diff(old, new)
        found.append(
            FieldChange(
                spec,
                schema.as_html(spec, old, old_html),
                schema.as_html(spec, new, after.rendered),
                words,
            )
        )
    return found


def previous_approved(version: FactsheetVersion) -> FactsheetVersion | None:
    """What a version is read against: the approved version before it."""
    return (
        FactsheetVersion.objects.filter(
            factsheet_id=version.factsheet_id, state=State.APPROVED, number__lt=version.number
        )
        .order_by("-number")
        .first()
    )


@dataclass
class FieldStep:
    version: FactsheetVersion
    value: Any
    html: Any


def field_history(user: User, jurisdiction: Jurisdiction, key: str) -> list[FieldStep]:
    """The approved versions in which one field changed, oldest first; 404 for a field the
    reader does not read."""
    spec = schema.BY_KEY.get(key)
    if spec is None or spec not in shown_fields(user, jurisdiction.pk):
        raise Http404
    steps: list[FieldStep] = []
    previous = object()
    approved = (
        FactsheetVersion.objects.filter(factsheet__jurisdiction=jurisdiction, state=State.APPROVED)
        .select_related("approved_by", "drafted_by")
        .order_by("number")
    )
    for version in approved:
        value = version.values.get(key)
        if value != previous:
            steps.append(FieldStep(version, value, schema.as_html(spec, value, version.rendered)))
            previous = value
    return steps


@dataclass
class ListedFactsheet:
    jurisdiction: Jurisdiction
    factsheet: Factsheet | None
    values: dict[str, Any]  # the approved values, only the fields the reader reads
    has_open_draft: bool

    @property
    def rendered(self) -> dict[str, str]:
        approved = self.factsheet.approved if self.factsheet else None
        return approved.rendered if approved else {}


def listing(
    user: User, filters: dict[str, Any] | None = None, settings=None
) -> list[ListedFactsheet]:
    """Every current jurisdiction with its approved values as `user` may read them, filtered by
    field (a choice field's key, or "yes"/"no"), in a few queries."""
    settings = settings if settings is not None else field_settings()
    limited = shown_fields(user, None, settings)
    limited_keys = {spec.key for spec in limited}
    factsheets = {
        f.jurisdiction_id: f
        for f in Factsheet.objects.select_related("approved").exclude(
            jurisdiction__status=Jurisdiction.Status.FORMER
        )
    }
    open_drafts = set(
        FactsheetVersion.objects.filter(state__in=[State.DRAFT, State.SUBMITTED]).values_list(
            "factsheet__jurisdiction_id", flat=True
        )
    )
    rows = []
    jurisdictions = Jurisdiction.objects.exclude(status=Jurisdiction.Status.FORMER).order_by("name")
    for jurisdiction in jurisdictions:
        factsheet = factsheets.get(jurisdiction.pk)
        approved = factsheet.approved.values if factsheet and factsheet.approved else {}
        own = not factsheet_reads_limited(user, jurisdiction.pk)
        values = {k: v for k, v in approved.items() if own or k in limited_keys}
        drafts_seen = can(user, Capability.READ_FACTSHEET_DRAFTS, jurisdiction)
        row = ListedFactsheet(
            jurisdiction, factsheet, values, drafts_seen and jurisdiction.pk in open_drafts
        )
        if _passes(row, filters or {}, limited_keys):
            rows.append(row)
    return rows


def _passes(row: ListedFactsheet, filters: dict[str, Any], readable: set[str]) -> bool:
    for key, wanted in filters.items():
        if not wanted:
            continue
        if key not in readable:
            return False  # a filter on a field the reader does not read matches nothing
        value = row.values.get(key)
        if isinstance(value, list):
            if wanted not in value:
                return False
        elif value != wanted:
            return False
    return True
