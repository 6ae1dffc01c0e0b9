"""Audit receivers for Django's and allauth's authentication signals."""

from allauth.account.signals import email_changed, password_changed, password_reset
from allauth.mfa.signals import authentication_failed as mfa_authentication_failed
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils.translation import gettext_noop

from . import session_lifetime
from .audit import audit_record, sentence
from .models import AuditEvent, User
from .signals import access_revoked, announce_access_revoked


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit_record(action=AuditEvent.Action.LOGIN, actor=user, target_user=user, request=request)
    if request is not None and hasattr(request, "session"):
        session_lifetime.begin(request.session)  # both lifetimes start at sign-in


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        lapse = getattr(request, "enclave_session_lapse", None)
        if lapse is session_lifetime.Lapse.RECORDED:
            pass  # the same session's expiry, recorded by the request that came first
        elif lapse is None:
            audit_record(
                action=AuditEvent.Action.LOGOUT, actor=user, target_user=user, request=request
            )
        else:
            audit_record(
                action=AuditEvent.Action.SESSION_EXPIRED,
                actor=user,
                target_user=user,
                detail={"lifetime": str(lapse)},
                request=request,
            )
        # Sockets opened with this session close too.
        access_revoked.send(
            sender=User, user_ids=[user.pk], session_keys=[request.session.session_key]
        )


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    target = User.objects.filter(email__iexact=email).first() if email else None
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        actor=None,
        target_user=target,
        summary=sentence(gettext_noop("Failed sign-in for %(email)s"), email=email),
        detail={"email": email},
        request=request,
    )


@receiver(authenticator_added)
def audit_mfa_added(sender, request, user, authenticator, **kwargs):
    audit_record(
        action=AuditEvent.Action.MFA_ADDED,
        actor=user,
        target_user=user,
        summary=sentence(
            gettext_noop("%(type_label)s added"),
            type_label=authenticator.Type(authenticator.type).label,
        ),
        detail={"type": authenticator.type},
        request=request,
    )


@receiver(authenticator_removed)
def audit_mfa_removed(sender, request, user, authenticator, **kwargs):
    audit_record(
        action=AuditEvent.Action.MFA_REMOVED,
        actor=user,
        target_user=user,
        summary=sentence(
            gettext_noop("%(type_label)s removed"),
            type_label=authenticator.Type(authenticator.type).label,
        ),
        detail={"type": authenticator.type},
        request=request,
    )
    # Without a second factor where one is required, the account loses standing: its open
    # sockets check again and close.
    announce_access_revoked(sender=User, user_ids=[user.pk])


@receiver(password_changed)
def audit_password_changed(sender, request, user, **kwargs):
    audit_record(
        action=AuditEvent.Action.PASSWORD_CHANGED, actor=user, target_user=user, request=request
    )


@receiver(password_reset)
def audit_password_reset(sender, request, user, **kwargs):
    audit_record(
        action=AuditEvent.Action.PASSWORD_RESET, actor=user, target_user=user, request=request
    )


@receiver(email_changed)
def audit_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    audit_record(
        action=AuditEvent.Action.EMAIL_CHANGED,
        actor=user,
        target_user=user,
        summary=sentence(gettext_noop("Email changed to %(email)s"), email=to_email_address.email),
        detail={
            "from": getattr(from_email_address, "email", None),
            "to": to_email_address.email,
        },
        request=request,
    )


@receiver(mfa_authentication_failed)
def audit_mfa_failed(sender, request, user, authenticator=None, **kwargs):
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        actor=None,
        target_user=user,
        summary=sentence(gettext_noop("Wrong second-factor code for %(email)s"), email=user.email),
        detail={"email": user.email, "second_factor": True},
        request=request,
    )
