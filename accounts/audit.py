"""Writing the append-only audit log, how a record reads back (its actor, what it says in the
reader's language, its reason, its link), and the one way old records leave it (retention)."""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connections, router, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop

from .models import ERASED_EMAIL_DOMAIN, AuditEvent, Invitation, Jurisdiction, User

security_logger = logging.getLogger("enclave.security")


def log_security_event(event: AuditEvent) -> None:
    """One structured log line per audit record: the action and ids only, never content."""
    security_logger.info(
        event.action,
        extra={
            "fields": {
                "actor": event.actor_id,
                "target": event.target_user_id,
                "jurisdiction": event.jurisdiction_id,
                "scope": event.scope,
                "ip": event.ip_address,
            }
        },
    )


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    from allauth.account.adapter import get_adapter

    # allauth's reading (its account adapter's public `get_client_ip`) honours
    # ALLAUTH_TRUSTED_PROXY_COUNT, so a forged header changes nothing. The adapter refuses a
    # request whose address it cannot read; the audit log records it without one.
    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None


@dataclass(frozen=True)
class SystemActor:
    """Who acts where no account can: the operator at the server's console.

    It is no account and holds no role: the policy grants it nothing. A service accepts it only
    where its docstring says so, checking that path's own precondition instead (see
    `accounts.services.partnership_bootstrap`). Its events have no actor; `label` names it.
    """

    label: str
    is_authenticated = False


BOOTSTRAP_ACTOR = SystemActor(label=gettext_noop("the operator via bootstrap"))
# Labels of the platform itself inside actor labels, stored in English and shown translated (a
# jurisdiction's name is content and stays as written).
PLATFORM_LABELS = frozenset(
    {BOOTSTRAP_ACTOR.label, gettext_noop("Secretariat"), gettext_noop("Operator")}
)


def actor_label(user: Any) -> str:
    if isinstance(user, SystemActor):
        return user.label
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    # In English whoever writes: the platform's own affiliations are translated when shown.
    with translation.override("en"):
        affiliation = user.affiliation
    return f"{user.full_name} <{user.email}> ({affiliation})"


# ------------------------------------------------------------------------------
# What a record says: an English template and its parameters, read in each reader's language
# ------------------------------------------------------------------------------

LABEL = "_label"  # a key ending so holds a UI label's English msgid, translated when shown
LABELS = "_labels"  # ... a list of them, shown joined
DATE = "_date"  # ... a date as an ISO string, written as the reader's language writes dates
_PLAIN = (str, int, float, bool, type(None))
# A % that opens no named placeholder: with a mapping, "%s" would print the whole mapping.
_UNNAMED = re.compile(r"%(?!\()")


@dataclass(frozen=True)
class Sentence:
    """What an audit record says, kept so that every reader reads it in their own language.

    `template` is an English msgid with %(name)s placeholders, marked with gettext_noop where
    it is written (makemessages extracts it; nothing is translated when the record is made).
    `params` are plain JSON values: ids, slugs, emails, names, numbers. They are content and are
    never translated, except where the key's ending says the value is not content:

    - `…_label`: a UI label (a role, a status, a marking, a kind of second factor), stored as
      its English msgid and translated when shown. Pass the label itself, a choice's lazy
      `.label` or `gettext_noop("…")`: never a label already translated for the writer.
    - `…_labels`: a list of such labels, each translated, shown joined.
    - `…_date`: a date (pass a `datetime.date`), stored as ISO, shown as the reader's
      language writes dates.

    Make one with `sentence()`, which checks it. The English sentence is stored too, as the
    record's `summary`: for logs, older tools, and the fallback of `event_summary`.
    """

    template: str
    params: dict[str, Any]

    def english(self) -> str:
        return _composed(self.template, self.params, translated=False)


def sentence(template: str, /, **params: Any) -> Sentence:
    """A checked Sentence: `template` formats with `params` (a mistake fails here, where it is
    written, not later on the audit page) and every value is stored as plain JSON."""
    if not isinstance(template, str) or isinstance(template, Promise):
        raise TypeError("An audit template is an English msgid: mark it with gettext_noop.")
    if len(template) > AuditEvent._meta.get_field("summary_template").max_length:
        raise ValueError(f"Audit template too long: {template!r}")
    if _UNNAMED.search(template.replace("%%", "")):
        raise ValueError(f"Name every placeholder, %(name)s: {template!r}")
    made = Sentence(str(template), {key: _stored(key, value) for key, value in params.items()})
    made.english()  # raises KeyError, TypeError or ValueError when they do not fit
    return made


def _msgid(key: str, label: Any) -> str:
    if isinstance(label, Promise):
        with translation.override(None):  # no catalog: a lazy label reads as its msgid
            label = str(label)
    if not isinstance(label, str):
        raise TypeError(f"{key}: a label is a string, not {type(label).__name__}")
    return str(label)


def _stored(key: str, value: Any) -> Any:
    if key.endswith(LABEL):
        return _msgid(key, value)
    if key.endswith(LABELS):
        if isinstance(value, str | Promise):
            raise TypeError(f"{key}: a list of labels, not one")
        return [_msgid(key, label) for label in value]
    if key.endswith(DATE):
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise TypeError(f"{key}: a date, not {type(value).__name__}")
        return value.isoformat()
    if isinstance(value, Promise):
        raise TypeError(f"{key}: translated for the writer; a label goes under a *_label key")
    if not isinstance(value, _PLAIN):
        raise TypeError(f"{key}: {type(value).__name__} is not a plain JSON value")
    return str(value) if isinstance(value, str) else value


def _label(msgid: str, translated: bool) -> str:
    # gettext("") would return the catalog's header.
    return gettext(msgid) if translated and msgid else msgid


def _shown(key: str, value: Any, translated: bool) -> Any:
    if key.endswith(LABEL):
        return _label(value, translated)
    if key.endswith(LABELS):
        return ", ".join(_label(label, translated) for label in value)
    if key.endswith(DATE) and translated:
        return date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
    return value


def _composed(template: str, params: Mapping[str, Any], *, translated: bool) -> str:
    return template % {key: _shown(key, value, translated) for key, value in params.items()}


def audit_record(
    *,
    action: AuditEvent.Action,
    actor: User | None,
    target_user: User | None = None,
    jurisdiction: Jurisdiction | None = None,
    summary: Sentence | str = "",
    detail: dict | None = None,
    scope: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Write one record. `summary` is a Sentence (see `sentence`); free text (a test's marker)
    is stored as it is, read the same by everyone."""
    if jurisdiction is None:
        # The jurisdiction concerned: the target's, else the actor's own.
        concerned = target_user or (actor if getattr(actor, "is_authenticated", False) else None)
        jurisdiction = concerned.jurisdiction if concerned is not None else None
    if isinstance(summary, Sentence):
        template, params, text = summary.template, summary.params, summary.english()
    else:
        template, params, text = "", {}, str(summary)
    event = AuditEvent.objects.create(
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label(actor),
        target_user=target_user,
        jurisdiction=jurisdiction,
        ip_address=client_ip(request),
        summary=text[:500],
        summary_template=template,
        summary_params=params,
        scope=scope,
        detail=detail or {},
    )
    log_security_event(event)
    return event


# ------------------------------------------------------------------------------
# Retention: the one path by which records leave the log
# ------------------------------------------------------------------------------

# Whatever ENCLAVE_RETAIN_AUDIT_DAYS says, a record stays this long; the database's delete guard
# holds the same number (accounts/migrations/_audit_trigger.py, MINIMUM_RETENTION_DAYS).
AUDIT_MINIMUM_RETENTION_DAYS = 365


def audit_events_delete_older(*, before: datetime.datetime, batch_size: int = 1000) -> int:
    """Delete the records written before `before`, oldest first, `batch_size` at a time (each
    batch its own transaction, so the log stays writable meanwhile); how many went.

    The log is append-only for everything inside its retention period: `before` may not fall
    within the minimum retention (ValueError), and the database refuses, below this, to delete
    any record younger than it. Nothing here updates a record. Only retention
    (`privacy.retention`, `manage.py apply_retention`) calls this."""
    floor = timezone.now() - datetime.timedelta(days=AUDIT_MINIMUM_RETENTION_DAYS)
    if before > floor:
        raise ValueError(
            f"Audit records are kept at least {AUDIT_MINIMUM_RETENTION_DAYS} days: "
            f"nothing written after {floor:%Y-%m-%d %H:%M} may be deleted."
        )
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    using = router.db_for_write(AuditEvent)
    connection = connections[using]
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    cutoff = connection.ops.adapt_datetimefield_value(before)
    removed = 0
    while True:
        with transaction.atomic(using=using):
            ids = list(
                AuditEvent.objects.using(using)
                .filter(created_at__lt=before)
                .order_by("created_at", "id")  # the log's time index
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                return removed
            # The model and its queryset refuse deletion (the app never deletes a record):
            # this statement, which repeats the age condition, is the only one that does.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(ids))})"  # noqa: S608
                    " AND created_at < %s",
                    [*ids, cutoff],
                )
                deleted = cursor.rowcount
        removed += deleted
        if not deleted:  # gone meanwhile (another run): never loop on the same ids
            return removed


# ------------------------------------------------------------------------------
# Reading the log: what each record shows (its writing above stays as it is)
# ------------------------------------------------------------------------------

_ACTOR_LABEL = re.compile(r"^(?P<name>.*?) <(?P<email>[^<>\s]+@[^<>\s]+)> \((?P<affiliation>.*)\)$")


@dataclass(frozen=True)
class ActorParts:
    """An actor label (written by `actor_label`) read back as its parts, for display."""

    name: str
    email: str = ""
    affiliation: str = ""

    @property
    def email_local(self) -> str:
        return self.email.partition("@")[0]

    @property
    def email_domain(self) -> str:
        return self.email.partition("@")[2]


def actor_parts(label: str) -> ActorParts:
    """`label` as name, email and affiliation; a label of another shape (the operator's) is all
    name."""
    found = _ACTOR_LABEL.match(label or "")
    if found is None:
        name = label or ""
        return ActorParts(name=gettext(name) if name in PLATFORM_LABELS else name)
    parts = found.groupdict()
    if parts["affiliation"] in PLATFORM_LABELS:
        parts["affiliation"] = gettext(parts["affiliation"])
    return ActorParts(**parts)


def concerns_erased(event: AuditEvent) -> bool:
    """Whether the event's actor or the person it concerns was erased since (privacy/erasure):
    its row stays as written (the log is append-only), but its words and address may name that
    person, so pages and exports show the action alone. Read with `actor` and `target_user`
    selected, and the page's events passed through `mark_erased` (an invitation's events name
    their person by the invitation only)."""
    marked = getattr(event, "_concerns_erased", None)
    if marked is not None:
        return marked
    return any(
        person is not None and person.erased_at is not None
        for person in (event.actor, event.target_user)
    )


def mark_erased(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """`events` (one page of them), each marked with whether it concerns an erased person; one
    query for the invitations their details name."""
    events = list(events)
    invitation_ids = {
        event.detail["invitation"]
        for event in events
        if isinstance(event.detail, dict) and isinstance(event.detail.get("invitation"), int)
    }
    erased = set()
    if invitation_ids:
        erased = set(
            Invitation.objects.filter(pk__in=invitation_ids)
            .filter(
                Q(accepted_user__erased_at__isnull=False)
                | Q(email__iendswith="@" + ERASED_EMAIL_DOMAIN)
            )
            .values_list("pk", flat=True)
        )
    for event in events:
        event._concerns_erased = None  # asked afresh below, not read from an earlier mark
        by_invitation = isinstance(event.detail, dict) and event.detail.get("invitation") in erased
        event._concerns_erased = by_invitation or concerns_erased(event)
    return events


def shown_ip(event: AuditEvent) -> str:
    """The address the event came from, unless it may be an erased person's."""
    return "" if concerns_erased(event) else (event.ip_address or "")


def shown_actor(event: AuditEvent) -> ActorParts:
    """Who acted, as the log shows it: the label written with the event, or an erased actor's
    label of today."""
    actor = event.actor
    if actor is not None and actor.erased_at is not None:
        return ActorParts(name=actor.full_name, affiliation=actor.affiliation)
    return actor_parts(event.actor_label)


def event_summary(event: AuditEvent) -> str:
    """What `event` says, in the active language. A record written before templates (or with
    free text) says its `summary`; one whose template no longer fits its parameters (a changed
    template, a translation that drops or renames a placeholder) says its English `summary`. An
    event about an erased person says its action alone."""
    if concerns_erased(event):
        return str(event.get_action_display())
    params = event.summary_params
    if not event.summary_template or not isinstance(params, dict):
        return event.summary
    try:
        return _composed(gettext(event.summary_template), params, translated=True)
    except (KeyError, TypeError, ValueError, AttributeError):
        return event.summary


def event_reason(event: AuditEvent) -> str:
    """The reason given for the action, as its service stored it in the event's detail."""
    if concerns_erased(event):
        return ""
    reason = (event.detail or {}).get("reason") if isinstance(event.detail, dict) else None
    return reason.strip() if isinstance(reason, str) else ""


@dataclass(frozen=True)
class AuditLink:
    """Where the reader may open what an event concerns: `url`, and `label`, what it is (a title
    only when the reader may see it)."""

    url: str
    label: str


# finder(reader, events) -> {event id: AuditLink}, for the events it knows how to place. Layers
# above provide theirs from their AppConfig.ready() (dialogues: posts, threads, documents,
# sessions, workspaces); each must decide through the access policy and read the whole page of
# events in a few queries, never one per row.
AuditLinkFinder = Callable[[Any, list[AuditEvent]], dict[int, AuditLink]]
_link_finders: list[AuditLinkFinder] = []


def provide_audit_links(finder: AuditLinkFinder) -> None:
    if finder not in _link_finders:
        _link_finders.append(finder)


def provided_audit_links(user: Any, events: list[AuditEvent]) -> dict[int, AuditLink]:
    """The links the layers above give for `events`; the first finder to place an event wins."""
    links: dict[int, AuditLink] = {}
    for finder in _link_finders:
        for event_id, link in finder(user, events).items():
            links.setdefault(event_id, link)
    return links
