"""Every write to a factsheet: save a draft, submit it, approve or return it (the
jurisdiction's focal point alone), discard it; the Secretariat's field settings and its
explicit publication. Each service is keyword-only, atomic, asks the policy first and is
audited; emails go after commit, in each reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, Jurisdiction, User
from core.events import after_commit
from partnership.factsheets import schema
from partnership.factsheets.mail import mail_focal_points, mail_official
from partnership.models import (
    Factsheet,
    FactsheetFieldSetting,
    FactsheetPublication,
    FactsheetVersion,
)
from workspaces.access import Capability, can

State = FactsheetVersion.State


def _require(actor: User, capability: Capability, jurisdiction: Jurisdiction, message: str):
    if not can(actor, capability, jurisdiction):  # a former member's: nobody's (the policy)
        raise PermissionDenied(message)


def _require_drafter(actor: User, jurisdiction: Jurisdiction) -> None:
    _require(
        actor,
        Capability.DRAFT_FACTSHEETS,
        jurisdiction,
        _("Only the jurisdiction's officials and the Secretariat edit its factsheet."),
    )


def _require_approver(actor: User, jurisdiction: Jurisdiction) -> None:
    _require(
        actor,
        Capability.APPROVE_FACTSHEETS,
        jurisdiction,
        _("Only the jurisdiction's focal point approves its factsheet."),
    )


def _audit(actor: User, jurisdiction: Jurisdiction, summary, detail: dict, request=None) -> None:
    audit_record(
        action=AuditEvent.Action.FACTSHEET_CHANGED,
        actor=actor,
        jurisdiction=jurisdiction,
        summary=summary,
        detail=detail,
        scope=f"factsheet:{jurisdiction.code}",
        request=request,
    )


def factsheet_of(jurisdiction: Jurisdiction, *, lock: bool = False) -> Factsheet:
    factsheet, _created = Factsheet.objects.get_or_create(jurisdiction=jurisdiction)
    if lock:
        factsheet = Factsheet.objects.select_for_update().get(pk=factsheet.pk)
    return factsheet


def _open_version(factsheet: Factsheet) -> FactsheetVersion | None:
    return (
        FactsheetVersion.objects.select_for_update()
        .filter(factsheet=factsheet, state__in=[State.DRAFT, State.SUBMITTED])
        .first()
    )


def _next_number(factsheet: Factsheet) -> int:
    return (factsheet.versions.aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def draft_save(
    *,
    actor: User,
    jurisdiction: Jurisdiction,
    values: dict[str, Any],
    note: str = "",
    request: HttpRequest | None = None,
) -> FactsheetVersion:
    """Save the jurisdiction's open draft (started from the approved version when there is
    none). Saving a submitted draft takes it back to draft: the focal point approves what was
    submitted, nothing changed since."""
    _require_drafter(actor, jurisdiction)
    cleaned = schema.clean_values(values)
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationError(_("Say what changed in at most 500 characters."))
    factsheet = factsheet_of(jurisdiction, lock=True)
    version = _open_version(factsheet)
    started = version is None
    if version is None:
        version = FactsheetVersion(
            factsheet=factsheet,
            number=_next_number(factsheet),
            based_on=factsheet.approved,
            drafted_by=actor,
        )
    withdrawn = version.state == State.SUBMITTED
    version.values = cleaned
    version.rendered = schema.rendered(cleaned)
    version.note = note
    version.edited_by = actor
    version.state = State.DRAFT
    version.submitted_by = None
    version.submitted_at = None
    version.save()
    _audit(
        actor,
        jurisdiction,
        sentence(
            gettext_noop("Factsheet draft %(number)s of %(jurisdiction)s saved"),
            number=version.number,
            jurisdiction=jurisdiction.name,
        ),
        {"version": version.number, "started": started, "withdrawn": withdrawn},
        request,
    )
    return version


@transaction.atomic
def draft_save_and_submit(
    *,
    actor: User,
    jurisdiction: Jurisdiction,
    values: dict[str, Any],
    note: str = "",
    request: HttpRequest | None = None,
) -> FactsheetVersion:
    """Save the draft and send it for approval at once: both or neither (a refused submit
    leaves the draft, and any submission it would have withdrawn, as they were)."""
    draft_save(actor=actor, jurisdiction=jurisdiction, values=values, note=note, request=request)
    return draft_submit(actor=actor, jurisdiction=jurisdiction, request=request)


@transaction.atomic
def draft_submit(
    *, actor: User, jurisdiction: Jurisdiction, request: HttpRequest | None = None
) -> FactsheetVersion:
    """Send the open draft to the jurisdiction's focal points for approval."""
    _require_drafter(actor, jurisdiction)
    factsheet = factsheet_of(jurisdiction, lock=True)
    version = _open_version(factsheet)
    if version is None or version.state != State.DRAFT:
        raise ValidationError(_("There is no draft to submit."))
    if factsheet.approved and not schema.changed_keys(factsheet.approved.values, version.values):
        raise ValidationError(_("This draft changes nothing in the approved factsheet."))
    version.state = State.SUBMITTED
    version.submitted_by = actor
    version.submitted_at = timezone.now()
    version.return_note = ""
    version.save()
    _audit(
        actor,
        jurisdiction,
        sentence(
            gettext_noop("Factsheet draft %(number)s of %(jurisdiction)s submitted for approval"),
            number=version.number,
            jurisdiction=jurisdiction.name,
        ),
        {"version": version.number},
        request,
    )
    link = reverse(
        "factsheet_version", kwargs={"code": jurisdiction.code, "number": version.number}
    )
    after_commit(lambda: mail_focal_points(jurisdiction, "submitted", link=link))
    return version


def _submitted(factsheet: Factsheet, number: int) -> FactsheetVersion:
    version = _open_version(factsheet)
    if version is None or version.number != number or version.state != State.SUBMITTED:
        raise ValidationError(_("This version no longer awaits approval."))
    return version


@transaction.atomic
def version_approve(
    *, actor: User, jurisdiction: Jurisdiction, number: int, request: HttpRequest | None = None
) -> FactsheetVersion:
    """The jurisdiction's focal point approves the submitted version: it becomes what every
    member reads."""
    _require_approver(actor, jurisdiction)
    factsheet = factsheet_of(jurisdiction, lock=True)
    version = _submitted(factsheet, number)
    version.state = State.APPROVED
    version.approved_by = actor
    version.approved_at = timezone.now()
    version.save()
    factsheet.approved = version
    factsheet.reminded_at = None
    factsheet.save(update_fields=["approved", "reminded_at"])
    _audit(
        actor,
        jurisdiction,
        sentence(
            gettext_noop("Factsheet version %(number)s of %(jurisdiction)s approved"),
            number=version.number,
            jurisdiction=jurisdiction.name,
        ),
        {"version": version.number},
        request,
    )
    return version


@transaction.atomic
def version_return(
    *,
    actor: User,
    jurisdiction: Jurisdiction,
    number: int,
    reason: str,
    request: HttpRequest | None = None,
) -> FactsheetVersion:
    """The focal point sends the submitted version back to draft, saying why."""
    _require_approver(actor, jurisdiction)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say what should change before approval."))
    if len(reason) > 1000:
        raise ValidationError(_("Say it in at most 1,000 characters."))
    factsheet = factsheet_of(jurisdiction, lock=True)
    version = _submitted(factsheet, number)
    submitter = version.submitted_by
    version.state = State.DRAFT
    version.return_note = reason
    version.submitted_by = None
    version.submitted_at = None
    version.save()
    _audit(
        actor,
        jurisdiction,
        sentence(
            gettext_noop("Factsheet version %(number)s of %(jurisdiction)s returned to draft"),
            number=version.number,
            jurisdiction=jurisdiction.name,
        ),
        {"version": version.number},
        request,
    )
    link = reverse("factsheet_draft", kwargs={"code": jurisdiction.code})
    # To the submitter, while they still may draft it (no email to someone who left).
    if (
        submitter is not None
        and submitter.pk != actor.pk
        and can(submitter, Capability.DRAFT_FACTSHEETS, jurisdiction)
    ):
        after_commit(lambda: mail_official(submitter, jurisdiction, "returned", link=link))
    return version


@transaction.atomic
def draft_discard(
    *, actor: User, jurisdiction: Jurisdiction, request: HttpRequest | None = None
) -> FactsheetVersion:
    _require_drafter(actor, jurisdiction)
    factsheet = factsheet_of(jurisdiction, lock=True)
    version = _open_version(factsheet)
    if version is None:
        raise ValidationError(_("There is no draft to discard."))
    version.state = State.DISCARDED
    version.edited_by = actor
    version.save()
    _audit(
        actor,
        jurisdiction,
        sentence(
            gettext_noop("Factsheet draft %(number)s of %(jurisdiction)s discarded"),
            number=version.number,
            jurisdiction=jurisdiction.name,
        ),
        {"version": version.number},
        request,
    )
    return version


# ------------------------------------------------------------------------------
# The Secretariat's settings and publication
# ------------------------------------------------------------------------------


def _require_manage(actor: User) -> None:
    if not can(actor, Capability.MANAGE_FACTSHEETS):
        raise PermissionDenied(_("Only the Secretariat manages the factsheets."))


@transaction.atomic
def field_settings_save(
    *,
    actor: User,
    observers_see: Iterable[str],
    published: Iterable[str],
    request: HttpRequest | None = None,
) -> None:
    """Which fields observers read and which the published comparison carries (every field
    not named: no)."""
    _require_manage(actor)
    observers_see, published = set(observers_see), set(published)
    unknown = (observers_see | published) - set(schema.BY_KEY)
    if unknown:
        raise ValidationError(_("A factsheet has no field %(key)s.") % {"key": sorted(unknown)[0]})
    # What is published anyone may read: a field kept from observers cannot be.
    kept = [spec for spec in schema.FIELDS if spec.key in published - observers_see]
    if kept:
        raise ValidationError(
            _("%(field)s is kept from observers, so it cannot be published.")
            % {"field": kept[0].label}
        )
    hidden, private = [], []
    for spec in schema.FIELDS:
        FactsheetFieldSetting.objects.update_or_create(
            key=spec.key,
            defaults={
                "observers_see": spec.key in observers_see,
                "published": spec.key in published,
                "updated_by": actor,
            },
        )
        if spec.key not in observers_see:
            hidden.append(spec.key)
        if spec.key not in published:
            private.append(spec.key)
    audit_record(
        action=AuditEvent.Action.FACTSHEET_CHANGED,
        actor=actor,
        summary=sentence(
            gettext_noop(
                "Factsheet fields set: %(hidden)s hidden from observers, %(private)s unpublished"
            ),
            hidden=len(hidden),
            private=len(private),
        ),
        detail={"hidden_from_observers": hidden, "unpublished": private},
        scope="factsheets",
        request=request,
    )


def field_settings() -> dict[str, FactsheetFieldSetting]:
    """Every field's setting, defaults (both yes) for fields never set."""
    stored = {row.key: row for row in FactsheetFieldSetting.objects.all()}
    return {
        spec.key: stored.get(spec.key) or FactsheetFieldSetting(key=spec.key)
        for spec in schema.FIELDS
    }


@transaction.atomic
def publish(*, actor: User, request: HttpRequest | None = None) -> FactsheetPublication:
    """Publish the approved comparison: every current jurisdiction's approved version, the
    published fields only. The public files serve the latest publication, nothing else."""
    _require_manage(actor)
    settings = field_settings()
    keys = [
        spec.key
        for spec in schema.FIELDS
        if settings[spec.key].published and settings[spec.key].observers_see
    ]
    rows = []
    factsheets = (
        Factsheet.objects.filter(approved__isnull=False)
        .exclude(jurisdiction__status=Jurisdiction.Status.FORMER)
        .select_related("jurisdiction", "approved")
        .order_by("jurisdiction__name")
    )
    for factsheet in factsheets:
        version = factsheet.approved
        rows.append(
            {
                "jurisdiction": factsheet.jurisdiction.name,
                "code": factsheet.jurisdiction.code,
                "level": factsheet.jurisdiction.level,
                "version": version.number,
                "approved_at": version.approved_at.isoformat(),
                "values": {key: version.values[key] for key in keys if key in version.values},
            }
        )
    if not rows:
        raise ValidationError(_("No factsheet is approved yet: there is nothing to publish."))
    publication = FactsheetPublication.objects.create(published_by=actor, fields=keys, rows=rows)
    audit_record(
        action=AuditEvent.Action.FACTSHEETS_PUBLISHED,
        actor=actor,
        summary=sentence(
            gettext_noop(
                "Factsheet comparison published: %(count)s jurisdictions, %(fields)s fields"
            ),
            count=len(rows),
            fields=len(keys),
        ),
        detail={"publication": publication.pk, "versions": {r["code"]: r["version"] for r in rows}},
        scope="factsheets",
        request=request,
    )
    return publication
