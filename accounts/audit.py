"""Writing the append-only audit log."""

from __future__ import annotations

import logging
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
