"""allauth, changed through its adapters: no open signup, audited session ends, links in
emails on ENCLAVE_SITE_URL, and a mail server that is down never fails a sign-in."""

import contextlib
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.mail import deliver, in_language

from .audit import audit_record, sentence
from .backends import OfficialBackend
from .models import AuditEvent, User
from .policy import sponsors_of
from .signals import access_revoked

# Emails whose whole point is the email (the user asked for a link or a code): when one cannot
# be sent, the page says so. The unknown-account replies are in the set too, so the answer to a
# reset request is the same whether or not the address has an account.
ASKED_FOR = {
    "account/email/password_reset_key",
    "account/email/password_reset_code",
    "account/email/unknown_account",
    "account/email/account_already_exists",
    "account/email/email_confirmation",
    "account/email/email_confirmation_signup",
    "account/email/login_code",
}


def on_site(url: str) -> str:
    """`url` on ENCLAVE_SITE_URL when it is set: allauth builds links from the request's host,
    which behind a proxy is not the public address (the port was lost)."""
    site = settings.ENCLAVE_SITE_URL.rstrip("/")
    parts = urlsplit(url)
    if not site or not parts.scheme:
        return url
    return site + parts._replace(scheme="", netloc="").geturl()


# One banner per event. Where one of our views says what happened itself (joining by
# invitation says "Welcome to Enclave"), allauth's own message for the same event ("Successfully
# signed in as …", added by the login that follows) would stack a second banner.
_ANNOUNCED = "_enclave_announced"


def announce(request, message: str) -> None:
    """Tell the user what this request did, once: allauth adds no message of its own after it
    in the same request."""
    messages.success(request, message)
    setattr(request, _ANNOUNCED, True)


class EnclaveAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # The only way in is an invitation (accounts.views.invitation_accept).
        return False

    def add_message(self, request, level, message_template=None, *args, **kwargs) -> None:
        if getattr(request, _ANNOUNCED, False):
            return
        super().add_message(request, level, message_template, *args, **kwargs)

    def pre_login(self, request, user, **kwargs):
        # allauth lets a correct password through when only `is_active` is set; officials of
        # a former jurisdiction are refused like deactivated ones.
        if user.is_active and not OfficialBackend().user_can_authenticate(user):
            # Internal on purpose (django-allauth 65.22.1): this is what the stock `pre_login`
            # does for an inactive user, and allauth has no public hook that drops the stashed
            # login and the password's authentication record from the session. Without it the
            # refused official's session would keep "authenticated by password". Check this
            # import on every allauth upgrade (tests/accounts/test_allauth_hooks.py pins what it
            # does).
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)

    def respond_user_inactive(self, request, user):
        # A suspended official (their access review date passed unconfirmed) has just proved
        # their password: the page says why they cannot sign in and whom to ask. Anyone else
        # refused gets allauth's "inactive" page, which says nothing about the account.
        if user.is_active and user.suspended_at is not None:
            context = {"suspended_at": user.suspended_at, "sponsors": sponsors_of(user)}
            return render(request, "account/suspended.html", context, status=403)
        return super().respond_user_inactive(request, user)

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_site(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every allauth email: links on the site's address, and through core.mail, so a failing
        mail server is logged (and, for an email the user asked for, told) but never a 500."""
        request = self.request
        ctx = {"request": request, "email": email, "current_site": self._current_site(request)}
        ctx.update(context)
        for key, value in ctx.items():
            if key.endswith("_url") and isinstance(value, str):
                ctx[key] = on_site(value)
        # In the language the account chose, whoever's request sends it (else the request's).
        chosen = User.objects.filter(email__iexact=email).values_list("language", flat=True).first()
        with in_language(chosen) if chosen else contextlib.nullcontext():
            message = self.render_mail(template_prefix, email, ctx)
        sent = deliver(message, kind=template_prefix.rsplit("/", 1)[-1])
        if not sent and request is not None and template_prefix in ASKED_FOR:
            messages.error(
                request,
                _("We could not send the email: the mail server did not answer. Try again later."),
                fail_silently=True,
            )

    def _current_site(self, request):
        site = settings.ENCLAVE_SITE_URL
        if site:
            domain = urlsplit(site).netloc
            return SimpleNamespace(domain=domain, name=domain)
        return get_current_site(request)


class EnclaveMFAAdapter(DefaultMFAAdapter):
    def get_totp_label(self, user) -> str:
        return user.email


class EnclaveUserSessionsAdapter(DefaultUserSessionsAdapter):
    def end_sessions(self, sessions) -> None:
        request = context.request
        sessions = list(sessions)
        for session in sessions:
            session.end()
            audit_record(
                action=AuditEvent.Action.SESSION_ENDED,
                actor=getattr(request, "user", None),
                target_user=session.user,
                summary=sentence(gettext_noop("Session from %(ip)s ended"), ip=session.ip),
                detail={"ip": session.ip, "user_agent": session.user_agent[:200]},
                request=request,
            )
        if sessions:
            access_revoked.send(
                sender=type(self),
                user_ids=sorted({s.user_id for s in sessions}),
                session_keys=[s.session_key for s in sessions],
            )
