"""The Django admin, for operators. The audit log is read-only here as everywhere."""

from django.contrib import admin

from .models import AuditEvent, Invitation, Jurisdiction, User


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "status", "since"]
    list_filter = ["status", "level"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
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
    readonly_fields = ["last_login", "date_joined"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
