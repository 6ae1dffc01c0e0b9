from django.conf import settings

from . import session_lifetime
from .policy import Capability, can


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_membership": can(user, Capability.VIEW_MEMBERSHIP),
        "nav_audit": can(user, Capability.READ_AUDIT),
        "nav_insights": can(user, Capability.VIEW_INSIGHTS),
        "nav_factsheets": can(user, Capability.READ_FACTSHEETS),
        "nav_library": can(user, Capability.READ_LIBRARY),
    }


def session_clock(request):
    """Seconds an open page's session has left (static/js/session.js warns before the end)."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated or session is None:
        return {}
    left = session_lifetime.remaining(session)
    return {"session_clock": left | {"warning": settings.ENCLAVE_SESSION_WARNING}}
