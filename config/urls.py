from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from config.health import healthz

# The admin signs in through allauth, so it gets the same rate limits and MFA.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Enclave administration"

# django.conf.urls.i18n, with its one view open signed out: the sign-in and invitation pages
# offer the language switcher before anyone has an account. Django's view only follows a `next`
# on this host (url_has_allowed_host_and_scheme), else the Referer on this host, else "/".
language_patterns = [path("setlang/", login_not_required(set_language), name="set_language")]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include(language_patterns)),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("workspaces.urls")),
    path("", include("dialogues.urls")),
    path("", include("partnership.urls")),
    path("", include("privacy.urls")),
    path("api/", include("api.urls")),
]
