"""Every write to officials, jurisdictions and invitations. Each checks the policy first."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from core.events import after_commit
from core.mail import send_email_in

from .audit import BOOTSTRAP_ACTOR, SystemActor, audit_record, sentence
from .models import AuditEvent, Invitation, Jurisdiction, User, next_access_review, unique_handle
from .policy import (
    INVITATION_ROLE,
    Capability,
    Role,
    can_grant,
    invitation_role_misfit,
    require,
    require_may_admit,
    require_may_invite,
)
from .selectors import invitation_expiry, status_change_refusal
from .signals import announce_access_revoked


def site_url(request: HttpRequest | None) -> str:
    """The address links in emails start with: the configured one, else the request's host."""
    if settings.ENCLAVE_SITE_URL or request is None:
        return settings.ENCLAVE_SITE_URL.rstrip("/")
    return request.build_absolute_uri("/").rstrip("/")


def _announce_revocation(user_ids: list[int]) -> None:
    announce_access_revoked(sender=User, user_ids=user_ids)


def sessions_end_all(*, user: User) -> int:
    """End every session of `user` (deactivation, loss of standing)."""
    from allauth.usersessions.models import UserSession

    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    keys = [s.session_key for s in sessions]
    if keys:
        announce_access_revoked(sender=User, user_ids=[user.pk], session_keys=keys)
    return len(sessions)


# ------------------------------------------------------------------------------
# Jurisdictions
# ------------------------------------------------------------------------------


@transaction.atomic
def jurisdiction_admit(
    *,
    actor: User | SystemActor,
    name: str,
    code: str,
    level: str,
    status: str,
    since: datetime.date,
    request: HttpRequest | None = None,
) -> Jurisdiction:
    """Admit a jurisdiction. A `SystemActor` (the operator) may admit only the first one."""
    require_may_admit(actor)
    if status == Jurisdiction.Status.FORMER:
        raise ValidationError(_("A jurisdiction is admitted as a full member or an observer."))
    code = code.lower()
    if Jurisdiction.objects.filter(code=code).exists():
        raise ValidationError(_("The short code “%(code)s” is already in use.") % {"code": code})
    if Jurisdiction.objects.filter(name__iexact=name).exists():
        raise ValidationError(_("A jurisdiction named “%(name)s” exists already.") % {"name": name})
    group = Group.objects.create(name=f"jurisdiction:{code}")
    jurisdiction = Jurisdiction.objects.create(
        name=name, code=code, level=level, status=status, since=since, group=group
    )
    audit_record(
        action=AuditEvent.Action.JURISDICTION_ADMITTED,
        actor=actor,
        jurisdiction=jurisdiction,
        summary=sentence(
            gettext_noop("%(name)s admitted as %(status_label)s"),
            name=name,
            status_label=Jurisdiction.Status(jurisdiction.status).label,
        ),
        request=request,
    )
    return jurisdiction


@transaction.atomic
def jurisdiction_set_status(
    *,
    actor: User,
    jurisdiction: Jurisdiction,
    status: str,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Jurisdiction:
    """Change a jurisdiction's status; `reason` (optional) is kept in the audit log. The page
    that asks for it first shows what the change would do (selectors.status_change_summary)."""
    require(actor, Capability.MANAGE_JURISDICTIONS, jurisdiction)
    jurisdiction = Jurisdiction.objects.select_for_update().get(pk=jurisdiction.pk)
    refusal = status_change_refusal(jurisdiction, status)
    if refusal is not None:
        raise ValidationError(refusal)
    reason = reason.strip()
    previous = jurisdiction.status
    jurisdiction.status = status
    jurisdiction.save(update_fields=["status"])
    audit_record(
        action=AuditEvent.Action.JURISDICTION_STATUS,
        actor=actor,
        jurisdiction=jurisdiction,
        summary=sentence(
            gettext_noop("%(jurisdiction)s: %(from_label)s → %(to_label)s"),
            jurisdiction=jurisdiction.name,
            from_label=Jurisdiction.Status(previous).label,
            to_label=Jurisdiction.Status(status).label,
        ),
        detail={"from": previous, "to": status, **({"reason": reason} if reason else {})},
        request=request,
    )
    officials = list(jurisdiction.officials.values_list("pk", flat=True))
    if status == Jurisdiction.Status.FORMER:
        for official in jurisdiction.officials.all():
            sessions_end_all(user=official)
        Invitation.objects.pending().filter(jurisdiction=jurisdiction).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
    if previous == Jurisdiction.Status.FULL_MEMBER or status == Jurisdiction.Status.FORMER:
        _announce_revocation(officials)
    return jurisdiction


# ------------------------------------------------------------------------------
# Invitations
# ------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str, request: HttpRequest | None = None) -> str:
    return f"{site_url(request)}{reverse('invitation_accept', kwargs={'token': token})}"


@transaction.atomic
def invitation_create(
    *,
    actor: User | SystemActor,
    email: str,
    full_name: str,
    jurisdiction: Jurisdiction | None,
    role: str,
    request: HttpRequest | None = None,
    language: str | None = None,
) -> tuple[Invitation, str]:
    """Create an invitation and email its link. Returns the invitation and its one-time token.

    A `SystemActor` (the operator) may invite only a Co-Chair, and only while there is none.
    `language` (one of settings.LANGUAGES): the invitee's, when the inviter named it (on the
    form or in the bulk CSV); stored on the invitation, it is the email's language and the new
    account's. Else the email is in the inviter's language and the account takes the one the invitee
    accepts in.
    """
    require_may_invite(actor, role, jurisdiction)
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    if role not in Invitation.Role.values:
        raise ValidationError(_("Choose a valid role."))
    # The same rules the invitation form offers its roles by (policy.invitation_roles).
    misfit = invitation_role_misfit(role, jurisdiction)
    if misfit is not None:
        raise ValidationError(misfit)
    jurisdiction_id = jurisdiction.pk if jurisdiction else None
    if not isinstance(actor, SystemActor) and not can_grant(
        actor, INVITATION_ROLE[role], jurisdiction_id
    ):
        raise PermissionDenied(_("You cannot grant a role you do not hold the right to grant."))
    email = email.strip().lower()
    if (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    ):
        raise ValidationError(_("An account with this email address exists already."))
    if Invitation.objects.pending().filter(email__iexact=email).exists():
        raise ValidationError(
            _("A pending invitation for this email exists already: revoke it first.")
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        full_name=full_name.strip(),
        jurisdiction=jurisdiction,
        role=role,
        token_hash=_token_hash(token),
        invited_by=None if isinstance(actor, SystemActor) else actor,
        expires_at=timezone.now() + datetime.timedelta(days=settings.ENCLAVE_INVITATION_DAYS),
        language=language or "",
    )
    audit_record(
        action=AuditEvent.Action.INVITATION_SENT,
        actor=actor,
        jurisdiction=jurisdiction,
        summary=sentence(
            gettext_noop("%(email)s invited as %(role_label)s of %(jurisdiction)s")
            if invitation.jurisdiction_id
            else gettext_noop("%(email)s invited as %(role_label)s"),
            email=email,
            role_label=Invitation.Role(invitation.role).label,
            jurisdiction=invitation.jurisdiction.name if invitation.jurisdiction_id else "",
        ),
        detail={"invitation": invitation.pk, "email": email, "role": role},
        request=request,
    )
    # The expiry as the invitation page says it: the same instant in the same zone, not the
    # inviter's (selectors.invitation_zone).
    # The expiry is written when the email is, in the email's language (its month's name).
    context = {
        "invitation": invitation,
        "url": invitation_url(token, request),
        "expires": lazy(invitation_expiry, str)(invitation),
    }

    def send() -> None:
        invitation.email_sent = send_email_in(
            invitation.language or translation.get_language(),
            kind="invitation",
            subject=gettext_lazy("[Enclave] You are invited to join Enclave"),
            template="accounts/email/invitation.txt",
            context=context,
            to=[email],
        )

    # Sent once the invitation is saved; `email_sent` says how that went (None until then), so
    # the page can tell a Co-Chair that the mail server did not take it.
    invitation.email_sent = None
    after_commit(send)
    return invitation, token


@transaction.atomic
def invitation_revoke(
    *, actor: User, invitation: Invitation, request: HttpRequest | None = None
) -> Invitation:
    require(actor, Capability.INVITE_OFFICIALS, invitation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != Invitation.State.PENDING:
        raise ValidationError(_("Only a pending invitation can be revoked."))
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = actor
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        action=AuditEvent.Action.INVITATION_REVOKED,
        actor=actor,
        jurisdiction=invitation.jurisdiction,
        summary=sentence(gettext_noop("Invitation for %(email)s revoked"), email=invitation.email),
        detail={"invitation": invitation.pk},
        request=request,
    )
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("jurisdiction", "invited_by")
        .filter(token_hash=_token_hash(token))
        .first()
    )


def _accepting_language(request: HttpRequest | None) -> str:
    """The language the invitation page was shown in (LocaleMiddleware's choice), or blank."""
    if request is None:
        return ""
    return translation.get_language() or ""


INVITATION_REFUSALS = {
    Invitation.State.ACCEPTED: _("This invitation has already been used."),
    Invitation.State.REVOKED: _("This invitation has been revoked."),
    Invitation.State.EXPIRED: _("This invitation has expired. Ask for a new one."),
}


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    full_name: str,
    password: str,
    email: str | None = None,
    request: HttpRequest | None = None,
) -> User:
    """Create the invited official's account. The token is the authority here, not an actor.

    The account's email is the invitation's: the page shows it locked and does not pass one.
    A caller that does pass `email` gets a refusal when it is another address."""
    found = invitation_for_token(token)
    if found is None:
        raise ValidationError(_("This invitation link is not valid."))
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.state != Invitation.State.PENDING:
        raise ValidationError(INVITATION_REFUSALS[invitation.state])
    if email is not None and email.strip().lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation was sent to another email address. Sign up with %(email)s.")
            % {"email": invitation.email}
        )
    if invitation.jurisdiction and invitation.jurisdiction.status == Jurisdiction.Status.FORMER:
        raise ValidationError(_("This invitation is no longer valid."))
    is_co_chair = invitation.role == Invitation.Role.CO_CHAIR
    if is_co_chair and invitation.jurisdiction.status != Jurisdiction.Status.FULL_MEMBER:
        # Its jurisdiction became an observer since: a Co-Chair it cannot have.
        raise ValidationError(_("This invitation is no longer valid."))
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("An account with this email address exists already."))
    user = User(
        email=invitation.email,
        handle=unique_handle(invitation.email),
        full_name=full_name.strip(),
        jurisdiction=invitation.jurisdiction,
        is_secretariat=invitation.role == Invitation.Role.SECRETARIAT,
        is_focal_point=invitation.role == Invitation.Role.FOCAL_POINT,
        is_co_chair=is_co_chair,
        # The invitation's language when the inviter named one, else the one the invitee
        # accepts in (the sign-in page's switcher, or the browser's): their emails follow it.
        language=invitation.language or _accepting_language(request),
    )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    if invitation.jurisdiction:
        user.groups.add(invitation.jurisdiction.group)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    audit_record(
        action=AuditEvent.Action.INVITATION_ACCEPTED,
        actor=user,
        target_user=user,
        summary=sentence(
            gettext_noop("%(email)s joined as %(role_label)s of %(jurisdiction)s")
            if invitation.jurisdiction_id
            else gettext_noop("%(email)s joined as %(role_label)s"),
            email=user.email,
            role_label=Invitation.Role(invitation.role).label,
            jurisdiction=invitation.jurisdiction.name if invitation.jurisdiction_id else "",
        ),
        detail={"invitation": invitation.pk, "invited_by": invitation.invited_by_id},
        request=request,
    )
    return user


# ------------------------------------------------------------------------------
# Officials: roles and deactivation
# ------------------------------------------------------------------------------

ROLE_FIELDS: dict[Role, str] = {
    Role.CO_CHAIR: "is_co_chair",
    Role.FOCAL_POINT: "is_focal_point",
}


@transaction.atomic
def official_set_role(
    *,
    actor: User,
    official: User,
    role: Role,
    granted: bool,
    request: HttpRequest | None = None,
) -> User:
    """Appoint or remove a Co-Chair or a focal point."""
    if role not in ROLE_FIELDS:
        raise ValidationError(_("That role cannot be changed here."))
    official = (
        User.objects.select_for_update(of=("self",))
        .select_related("jurisdiction")
        .get(pk=official.pk)
    )
    if not can_grant(actor, role, official.jurisdiction_id) or official.pk == actor.pk:
        raise PermissionDenied(_("You cannot change this role."))
    field = ROLE_FIELDS[role]
    if getattr(official, field) == granted:
        raise ValidationError(_("Nothing to change."))
    if granted and not official.is_active:
        raise ValidationError(_("Reactivate the official before giving them a role."))
    member = official.jurisdiction.status == Jurisdiction.Status.FULL_MEMBER
    if role is Role.CO_CHAIR and granted and not member:
        raise ValidationError(_("Co-Chairs are officials of full-member jurisdictions."))
    setattr(official, field, granted)
    official.save(update_fields=[field])
    audit_record(
        action=AuditEvent.Action.ROLE_CHANGED,
        actor=actor,
        target_user=official,
        summary=sentence(
            gettext_noop("%(email)s: %(role_label)s granted")
            if granted
            else gettext_noop("%(email)s: %(role_label)s removed"),
            email=official.email,
            role_label=Invitation.Role(role.value).label,
        ),
        detail={"role": role.value, "granted": granted},
        request=request,
    )
    # Removing a role narrows access; granting one can add a second-factor requirement that
    # the official has not met yet. Either way their open sockets check their standing again.
    _announce_revocation([official.pk])
    return official


@transaction.atomic
def official_deactivate(
    *, actor: User, official: User, reason: str = "", request: HttpRequest | None = None
) -> User:
    require(actor, Capability.DEACTIVATE_OFFICIALS, official)
    official = User.objects.select_for_update().get(pk=official.pk)
    if not official.is_active:
        raise ValidationError(_("This official is already deactivated."))
    official.is_active = False
    official.save(update_fields=["is_active"])
    ended = sessions_end_all(user=official)
    audit_record(
        action=AuditEvent.Action.USER_DEACTIVATED,
        actor=actor,
        target_user=official,
        summary=sentence(
            gettext_noop("%(email)s deactivated (%(sessions)s session(s) ended)"),
            email=official.email,
            sessions=ended,
        ),
        detail={"reason": reason, "sessions_ended": ended},
        request=request,
    )
    _announce_revocation([official.pk])
    return official


@transaction.atomic
def official_reactivate(*, actor: User, official: User, request: HttpRequest | None = None) -> User:
    require(actor, Capability.DEACTIVATE_OFFICIALS, official)
    official = User.objects.select_for_update().get(pk=official.pk)
    if official.is_active:
        raise ValidationError(_("This official is active."))
    official.is_active = True
    # A fresh review period: a date that passed while the account was off would suspend it
    # the next night (accounts/reviews.py).
    official.access_review_on = next_access_review()
    official.save(update_fields=["is_active", "access_review_on"])
    audit_record(
        action=AuditEvent.Action.USER_REACTIVATED,
        actor=actor,
        target_user=official,
        summary=sentence(gettext_noop("%(email)s reactivated"), email=official.email),
        request=request,
    )
    return official


@transaction.atomic
def profile_update(
    *, actor: User, full_name: str, timezone_name: str, language: str | None = None
) -> User:
    """`language`: one of settings.LANGUAGES, or blank for the browser's; None leaves it."""
    actor.full_name = full_name.strip()
    actor.timezone = timezone_name
    fields = ["full_name", "timezone"]
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": _("Choose one of the languages offered.")})
        actor.language = language
        fields.append("language")
    actor.full_clean(exclude=["password", "email"])
    actor.save(update_fields=fields)
    return actor


# ------------------------------------------------------------------------------
# Bootstrap: the partnership's first steps, before any account may act
# ------------------------------------------------------------------------------


def bootstrap_refusal() -> str | None:
    """Why `partnership_bootstrap` would refuse, or None on an empty partnership."""
    first = Jurisdiction.objects.order_by("pk").first()
    if first is not None:
        return _("Enclave has a jurisdiction already (%(name)s).") % {"name": first}
    if User.objects.filter(is_co_chair=True).exists():
        return _("Enclave has a Co-Chair already.")
    return None


@transaction.atomic
def partnership_bootstrap(
    *, name: str, code: str, level: str, email: str, full_name: str = ""
) -> tuple[Jurisdiction, Invitation, str]:
    """Admit the first jurisdiction as a full member and invite its first Co-Chair.

    The one path on which no account acts: `manage.py bootstrap` runs it as `BOOTSTRAP_ACTOR`
    (the operator at the console), because before it no account holds a capability. It runs
    only on an empty partnership, so it can neither be repeated nor used to add a Co-Chair
    later; both steps go through the ordinary services and are audited under the operator's
    label. Returns the jurisdiction, the invitation and its one-time token.
    """
    refusal = bootstrap_refusal()
    if refusal is not None:
        raise PermissionDenied(refusal)
    jurisdiction = jurisdiction_admit(
        actor=BOOTSTRAP_ACTOR,
        name=name.strip(),
        code=code,
        level=level,
        status=Jurisdiction.Status.FULL_MEMBER,
        since=timezone.localdate(),
    )
    invitation, token = invitation_create(
        actor=BOOTSTRAP_ACTOR,
        email=email,
        full_name=full_name,
        jurisdiction=jurisdiction,
        role=Invitation.Role.CO_CHAIR,
    )
    return jurisdiction, invitation, token
