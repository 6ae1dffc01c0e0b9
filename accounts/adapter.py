"""allauth, changed through its adapters: no open signup, audited session ends."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.usersessions.adapter import DefaultUserSessionsAdapter

from .audit import audit_record
from .backends import OfficialBackend
from .models import AuditEvent
from .signals import access_revoked


class EnclaveAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # The only way in is an invitation (accounts.views.invitation_accept).
        return False

    def pre_login(self, request, user, **kwargs):
        # allauth lets a correct password through when only `is_active` is set; officials of
        # a former jurisdiction are refused like deactivated ones.
        if user.is_active and not OfficialBackend().user_can_authenticate(user):
            from allauth.account.internal.stagekit import clear_login

            clear_login(request)
            return self.respond_user_inactive(request, user)
        return super().pre_login(request, user, **kwargs)


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
                summary=f"Session from {session.ip} ended",
                detail={"ip": session.ip, "user_agent": session.user_agent[:200]},
                request=request,
            )
        if sessions:
            access_revoked.send(
                sender=type(self),
                user_ids=sorted({s.user_id for s in sessions}),
                session_keys=[s.session_key for s in sessions],
            )
