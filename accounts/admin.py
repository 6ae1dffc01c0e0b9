"""The Django admin, for operators: it shows, the pages change.

Jurisdictions, officials (their roles, affiliation and sign-in addresses) and the jurisdiction
groups are read-only here; the audit log and invitations too. Read-only rather than audited
saves, because a save here would skip more than the audit event: each of these changes goes
through a service (accounts/services.py) that asks the access policy and keeps rules a model
form cannot see. A jurisdiction that leaves has its sessions ended and invitations revoked and
cannot take a Co-Chair with it; an official's group follows their jurisdiction; a new role may
require a second factor; access that narrows closes open sockets at once. An admin save that
only wrote an audit event would record a change that broke those rules. So the admin refuses
(403) and points to the pages, where Co-Chairs, the Secretariat and focal points make these
changes; the first jurisdiction and Co-Chair come from `manage.py bootstrap`.
"""

from allauth.account.admin import EmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from allauth.usersessions.admin import UserSessionAdmin
from allauth.usersessions.models import UserSession
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .models import AuditEvent, Invitation, Jurisdiction, User


class ChangedOnThePages:
    """A ModelAdmin mixin: view only, and each page says where the change is made."""

    actions = None

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def pages_url(self, obj=None) -> str:
        return reverse("membership")

    def _point_to_pages(self, request, obj=None) -> None:
        messages.info(
            request,
            format_html(
                _(
                    "Read-only here. Jurisdictions, officials and their roles change on the "
                    '<a href="{}">membership pages</a>, where each change is checked and '
                    "audited; the first jurisdiction and Co-Chair come from "
                    "<code>manage.py bootstrap</code>."
                ),
                self.pages_url(obj),
            ),
        )

    def changelist_view(self, request, extra_context=None):
        self._point_to_pages(request)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._point_to_pages(request, self.get_object(request, object_id))
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Jurisdiction)
class JurisdictionAdmin(ChangedOnThePages, admin.ModelAdmin):
    list_display = ["name", "code", "level", "status", "since"]
    list_filter = ["status", "level"]
    search_fields = ["name", "code"]

    def pages_url(self, obj=None) -> str:
        if obj is None:
            return reverse("membership")
        return reverse("jurisdiction_detail", kwargs={"code": obj.code})


@admin.register(User)
class UserAdmin(ChangedOnThePages, admin.ModelAdmin):
    list_display = [
        "email",
        "full_name",
        "jurisdiction",
        "is_secretariat",
        "is_co_chair",
        "is_active",
    ]
    list_filter = ["is_active", "is_secretariat", "is_co_chair", "jurisdiction"]
    search_fields = ["email", "full_name"]
    exclude = ["password", "user_permissions"]

    def pages_url(self, obj=None) -> str:
        if obj is None or not obj.jurisdiction_id:
            return reverse("membership")
        return reverse("jurisdiction_detail", kwargs={"code": obj.jurisdiction.code})


# A jurisdiction's group is its officials' access to dialogues: membership, not a setting.
admin.site.unregister(Group)


@admin.register(Group)
class JurisdictionGroupAdmin(ChangedOnThePages, GroupAdmin):
    pass


# An official's sign-in address: changed here, it would let a password reset take the account.
admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class OfficialEmailAddressAdmin(ChangedOnThePages, EmailAddressAdmin):
    pass


# Second factors and sign-in sessions: removing one here would skip the audit log and leave the
# official's open sockets running (the pages and allauth's own views do both).
admin.site.unregister(Authenticator)
admin.site.unregister(UserSession)


@admin.register(Authenticator)
class OfficialAuthenticatorAdmin(ChangedOnThePages, AuthenticatorAdmin):
    pass


@admin.register(UserSession)
class OfficialUserSessionAdmin(ChangedOnThePages, UserSessionAdmin):
    pass


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "role", "jurisdiction", "created_at", "expires_at", "accepted_at"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_label", "target_user", "jurisdiction"]
    list_filter = ["action", "jurisdiction"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
