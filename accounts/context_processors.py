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
