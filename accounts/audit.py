"""Writing the append-only audit log, and how a record reads back (its actor, reason, link)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import AuditEvent, Jurisdiction, User

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


BOOTSTRAP_ACTOR = SystemActor(label="the operator via bootstrap")


def actor_label(user: Any) -> str:
    if isinstance(user, SystemActor):
        return user.label
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return f"{user.full_name} <{user.email}> ({user.affiliation})"


def audit_record(
    *,
    action: AuditEvent.Action,
    actor: User | None,
    target_user: User | None = None,
    jurisdiction: Jurisdiction | None = None,
    summary: str = "",
    detail: dict | None = None,
    scope: str = "",
    request: HttpRequest | None = None,
) -> AuditEvent:
    if jurisdiction is None:
        # The jurisdiction concerned: the target's, else the actor's own.
        concerned = target_user or (actor if getattr(actor, "is_authenticated", False) else None)
        jurisdiction = concerned.jurisdiction if concerned is not None else None
    event = AuditEvent.objects.create(
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label(actor),
        target_user=target_user,
        jurisdiction=jurisdiction,
        ip_address=client_ip(request),
        summary=summary[:500],
        scope=scope,
        detail=detail or {},
    )
    log_security_event(event)
    return event


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
        return ActorParts(name=label or "")
    return ActorParts(**found.groupdict())


def event_reason(event: AuditEvent) -> str:
    """The reason given for the action, as its service stored it in the event's detail."""
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
