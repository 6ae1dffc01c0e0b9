"""Bulk invitations from a CSV: reading the file, each row's verdict, and the confirmed batch.

The file is read with the standard library's `csv`, strictly: UTF-8 (with or without a BOM),
a header row naming the columns, commas or semicolons (`csv.Sniffer` may choose only those),
`strict=True`, at most MAX_ROWS rows and MAX_BYTES bytes. Each row then gets a verdict from the
same rules as a single invitation (`policy.invitation_role_misfit`, `policy.invitation_roles`).

Nothing is sent from the preview. Its rows go into the confirm form signed (bound to the inviter,
expiring after PREVIEW_MAX_AGE), so what is confirmed is what was previewed; confirming checks
every row again against the policy and the state of that moment, in one transaction, and sends
each invitation through `services.invitation_create` (the same email, expiry and audit as one
sent by hand). One row no longer valid and nothing is sent.
"""

from __future__ import annotations

import csv
import enum
import io
from collections import Counter
from dataclasses import astuple, dataclass, field, replace

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from .audit import audit_record, sentence
from .models import AuditEvent, Invitation, Jurisdiction, User
from .policy import (
    Capability,
    invitation_role_misfit,
    invitation_roles,
    require,
    visible,
)
from .services import invitation_create

MAX_ROWS = 500
MAX_BYTES = 256 * 1024
PREVIEW_MAX_AGE = 30 * 60  # seconds between the preview and its confirmation
COLUMNS = ("email", "name", "jurisdiction", "role", "language")
# Other names a spreadsheet's header may give a column (after lower-casing, spaces to "_").
COLUMN_ALIASES = {"full_name": "name", "jurisdiction_code": "jurisdiction", "code": "jurisdiction"}
DELIMITERS = ",;"
_SIGNING_SALT = "accounts.bulk_invitations.preview"
_NAME_MAX = Invitation._meta.get_field("full_name").max_length
_EMAIL_MAX = 254


class RowStatus(enum.StrEnum):
    WILL_INVITE = "will_invite"
    ALREADY_MEMBER = "already_member"
    ALREADY_INVITED = "already_invited"
    INVALID = "invalid"


@dataclass(frozen=True)
class Row:
    """One data row as written in the file; `number` is its line in the file (the header is 1)."""

    number: int
    email: str
    name: str
    jurisdiction: str
    role: str
    language: str


@dataclass(frozen=True)
class Verdict:
    row: Row
    status: RowStatus
    reason: str = ""
    email: str = ""
    role: str = ""
    language: str = ""
    jurisdiction: Jurisdiction | None = None

    @property
    def role_label(self) -> str:
        return Invitation.Role(self.role).label if self.role else ""

    @property
    def affiliation(self) -> str:
        return str(self.jurisdiction) if self.jurisdiction else _("Secretariat")


@dataclass
class Preview:
    """Every row's verdict; confirmable only when no row is invalid and one is to be sent."""

    verdicts: list[Verdict]
    counts: Counter = field(init=False)

    def __post_init__(self) -> None:
        self.counts = Counter(v.status for v in self.verdicts)

    @property
    def invalid(self) -> int:
        return self.counts[RowStatus.INVALID]

    @property
    def to_send(self) -> int:
        return self.counts[RowStatus.WILL_INVITE]

    @property
    def confirmable(self) -> bool:
        return self.invalid == 0 and self.to_send > 0


# ------------------------------------------------------------------------------
# Reading the file
# ------------------------------------------------------------------------------


def _column_name(cell: str) -> str:
    name = "_".join(cell.strip().lower().replace("-", " ").split())
    return COLUMN_ALIASES.get(name, name)


def _header(cells: list[str]) -> list[str]:
    names = [_column_name(cell) for cell in cells]
    if sorted(names) != sorted(COLUMNS):
        raise ValidationError(
            _(
                "The first row must name the columns %(expected)s (in any order); "
                "it names %(found)s. Start from the template."
            ),
            params={
                "expected": ", ".join(COLUMNS),
                "found": ", ".join(c.strip() for c in cells if c.strip()) or _("nothing"),
            },
        )
    return names


def _dialect_delimiter(text: str) -> str:
    """The delimiter, guessed by csv.Sniffer among commas and semicolons from the header row
    (the one row that must have every column: data rows may leave their last cells out)."""
    header = text.lstrip("\r\n").splitlines()[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=DELIMITERS).delimiter
    except csv.Error:
        raise ValidationError(
            _("The columns could not be told apart: separate them with commas or semicolons.")
        ) from None


def parse_csv(data: bytes) -> list[Row]:
    """The rows of an uploaded CSV, or a ValidationError saying what is wrong with the file."""
    if len(data) > MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(kib)s KiB: split it into several files."),
            params={"kib": MAX_BYTES // 1024},
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("The file is not UTF-8 text: save it as “CSV UTF-8” and upload it again.")
        ) from None
    if not text.strip():
        raise ValidationError(_("The file is empty."))
    delimiter = _dialect_delimiter(text)
    # Only the delimiter is taken from the sniffer; quoting is fixed and strict.
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=False,
        strict=True,
    )
    rows: list[Row] = []
    try:
        names = _header(next((cells for cells in reader if any(c.strip() for c in cells)), []))
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, or a spreadsheet's empty rows
            if len(rows) >= MAX_ROWS:
                raise ValidationError(
                    _("The file has more than %(max)s rows: split it into several files."),
                    params={"max": MAX_ROWS},
                )
            if len(cells) > len(names):
                raise ValidationError(
                    _("Row %(row)s has %(found)s values where the header names %(expected)s."),
                    params={"row": reader.line_num, "found": len(cells), "expected": len(names)},
                )
            # A row may leave its last cells out: they are blank.
            values = dict(zip(names, [c.strip() for c in cells] + [""] * len(names), strict=False))
            rows.append(Row(number=reader.line_num, **{c: values[c] for c in COLUMNS}))
    except csv.Error as error:
        raise ValidationError(
            _("Row %(row)s cannot be read as CSV (%(error)s)."),
            params={"row": reader.line_num, "error": error},
        ) from None
    if not rows:
        raise ValidationError(_("The file has a header row but no one to invite."))
    return rows


# ------------------------------------------------------------------------------
# Each row's verdict
# ------------------------------------------------------------------------------


def _role(text: str) -> str | None:
    """An invitation role from its value or its label, in any case; blank is an official."""
    wanted = _column_name(text)
    if not wanted:
        return Invitation.Role.OFFICIAL
    for value, label in Invitation.Role.choices:
        if wanted in (value, _column_name(str(label))):
            return value
    return None


def _languages() -> dict[str, str]:
    return {code.lower(): code for code, _name in settings.LANGUAGES}


def _lowered(queryset, field_name: str, emails: set[str]) -> set[str]:
    return set(
        queryset.annotate(lowered=Lower(field_name))
        .filter(lowered__in=emails)
        .values_list("lowered", flat=True)
    )


class _Invalid(Exception):
    """One row's reason for being invalid (internal to `classify`)."""


def classify(*, actor: User, rows: list[Row], context: Jurisdiction | None) -> Preview:
    """Each row's verdict for `actor`. `context`: the jurisdiction whose page the upload is for
    (a blank jurisdiction cell means it, another code is refused); None: the membership page
    (a blank cell means the Secretariat)."""
    emails = {row.email.strip().lower() for row in rows}
    members = _lowered(User.objects.all(), "email", emails) | _lowered(
        EmailAddress.objects.all(), "email", emails
    )
    invited = _lowered(Invitation.objects.pending(), "email", emails)
    # Only jurisdictions the inviter sees: another's code reads as unknown (missing and
    # forbidden look the same).
    jurisdictions = {j.code: j for j in visible(actor, Jurisdiction)}
    first_row: dict[str, int] = {}
    verdicts = []
    for row in rows:
        try:
            verdicts.append(_verdict(actor, row, context, jurisdictions, first_row))
        except _Invalid as invalid:
            verdicts.append(Verdict(row=row, status=RowStatus.INVALID, reason=str(invalid)))
            continue
        verdict = verdicts[-1]
        if verdict.email in members:
            verdicts[-1] = replace(verdict, status=RowStatus.ALREADY_MEMBER)
        elif verdict.email in invited:
            verdicts[-1] = replace(verdict, status=RowStatus.ALREADY_INVITED)
    return Preview(verdicts)


def _verdict(actor, row, context, jurisdictions, first_row) -> Verdict:
    email = row.email.strip().lower()
    if not email:
        raise _Invalid(_("The email address is missing."))
    try:
        if len(email) > _EMAIL_MAX:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise _Invalid(
            _("“%(email)s” is not a valid email address.") % {"email": row.email}
        ) from None
    if email in first_row:
        raise _Invalid(_("This address is on row %(row)s already.") % {"row": first_row[email]})
    first_row[email] = row.number
    if len(row.name) > _NAME_MAX:
        raise _Invalid(_("The name is longer than %(max)s characters.") % {"max": _NAME_MAX})
    jurisdiction = _jurisdiction(row.jurisdiction, context, jurisdictions)
    role = _role(row.role)
    if role is None:
        raise _Invalid(
            _("“%(role)s” is not a role: use %(roles)s.")
            % {"role": row.role, "roles": ", ".join(Invitation.Role.values)}
        )
    misfit = invitation_role_misfit(role, jurisdiction)
    if misfit is not None:
        raise _Invalid(misfit)
    if role not in invitation_roles(actor, jurisdiction):
        raise _Invalid(
            _("You may not invite %(role)s of %(affiliation)s.")
            % {
                "role": Invitation.Role(role).label,
                "affiliation": jurisdiction or _("the Secretariat"),
            }
        )
    languages = _languages()
    language = languages.get((row.language or settings.LANGUAGE_CODE).lower())
    if language is None:
        raise _Invalid(
            _("The language “%(language)s” is not offered: use %(offered)s.")
            % {"language": row.language, "offered": ", ".join(languages.values())}
        )
    return Verdict(
        row=row,
        status=RowStatus.WILL_INVITE,
        email=email,
        role=role,
        language=language,
        jurisdiction=jurisdiction,
    )


def _jurisdiction(code, context, jurisdictions) -> Jurisdiction | None:
    code = code.strip().lower()
    if context is not None:
        if code and code != context.code:
            raise _Invalid(
                _("This upload is for %(name)s only (code “%(code)s”).")
                % {"name": context, "code": context.code}
            )
        return context
    if not code:
        return None
    if code not in jurisdictions:
        raise _Invalid(
            _("No jurisdiction with the code “%(code)s” that you may invite to.") % {"code": code}
        )
    return jurisdictions[code]


# ------------------------------------------------------------------------------
# The preview, signed into the confirm form
# ------------------------------------------------------------------------------


def preview_sign(*, actor: User, context: Jurisdiction | None, rows: list[Row]) -> str:
    payload = {
        "by": actor.pk,
        "in": context.code if context else "",
        "rows": [astuple(row) for row in rows],
    }
    return signing.dumps(payload, salt=_SIGNING_SALT, compress=True)


def preview_unsign(*, actor: User, signed: str) -> tuple[str, list[Row]]:
    """The context's code and the rows of a preview `actor` signed, or a ValidationError."""
    try:
        payload = signing.loads(signed, salt=_SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            _("This preview has expired: upload the file again to see it afresh.")
        ) from None
    except signing.BadSignature:
        payload = None
    if not isinstance(payload, dict) or payload.get("by") != actor.pk:
        raise ValidationError(_("This preview is not valid: upload the file again."))
    return payload["in"], [Row(*row) for row in payload["rows"]]


# ------------------------------------------------------------------------------
# The confirmed batch
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    sent: list[Invitation]
    skipped: list[Verdict]
    context: Jurisdiction | None


@transaction.atomic
def invitations_send_batch(
    *, actor: User, signed: str, request: HttpRequest | None = None
) -> BatchResult:
    """Send the invitations of a signed preview, checked again row by row: all or nothing."""
    require(actor, Capability.INVITE_OFFICIALS)
    code, rows = preview_unsign(actor=actor, signed=signed)
    context = None
    if code:
        context = visible(actor, Jurisdiction).filter(code=code).first()
        if context is None:
            raise ValidationError(_("This preview is not valid: upload the file again."))
    preview = classify(actor=actor, rows=rows, context=context)
    if preview.invalid:
        raise ValidationError(
            ngettext(
                "%(count)s row is no longer valid: nothing was sent. Upload the file again.",
                "%(count)s rows are no longer valid: nothing was sent. Upload the file again.",
                preview.invalid,
            )
            % {"count": preview.invalid}
        )
    if not preview.to_send:
        raise ValidationError(_("Nobody in this file is left to invite: nothing was sent."))
    sent = []
    for verdict in preview.verdicts:
        if verdict.status is RowStatus.WILL_INVITE:
            invitation, _token = invitation_create(
                actor=actor,
                email=verdict.email,
                full_name=verdict.row.name,
                jurisdiction=verdict.jurisdiction,
                role=verdict.role,
                language=verdict.language,
                request=request,
            )
            sent.append(invitation)
    skipped = [v for v in preview.verdicts if v.status is not RowStatus.WILL_INVITE]
    audit_record(
        action=AuditEvent.Action.INVITATIONS_UPLOADED,
        actor=actor,
        jurisdiction=context,
        summary=sentence(
            gettext_noop("%(sent)s invitation(s) sent from a CSV of %(rows)s row(s)"),
            sent=len(sent),
            rows=len(rows),
        ),
        detail={
            "rows": len(rows),
            "sent": len(sent),
            "already_member": preview.counts[RowStatus.ALREADY_MEMBER],
            "already_invited": preview.counts[RowStatus.ALREADY_INVITED],
            "invitations": [invitation.pk for invitation in sent],
        },
        request=request,
    )
    return BatchResult(sent=sent, skipped=skipped, context=context)


def batch_invitations(*, user: User, pks: list[int]) -> list[Invitation]:
    """The invitations of a confirmed batch that `user` may see, in the order they were sent."""
    found = visible(user, Invitation).filter(pk__in=pks).select_related("jurisdiction")
    return sorted(found, key=lambda invitation: invitation.pk)


def template_csv() -> str:
    """The file to start from: the header row, with a BOM (spreadsheets then read UTF-8)."""
    return "\ufeff" + ",".join(COLUMNS) + "\r\n"
