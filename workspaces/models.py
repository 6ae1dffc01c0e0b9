"""Dialogue workspaces and their rosters (guardian grants to jurisdiction groups and users).

The roster is read only through workspaces/access.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class Audience(models.TextChoices):
    """Who inside a workspace may see an item."""

    EVERYONE = "everyone", _("Everyone on the roster")
    FULL_MEMBERS = "full_members", _("Full members only")


class WorkspaceItem(models.Model):
    """Anything inside a workspace that carries its own audience (threads, documents, rooms).

    The access policy reads `workspace`, `audience` and `deleted_at`. Models nested in an item
    (posts in a thread) name it in `ACCESS_PARENT` instead.
    """

    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_full_members_only(self) -> bool:
        return self.audience == Audience.FULL_MEMBERS


class Workspace(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    class ObserverPolicy(models.TextChoices):
        NONE = "none", _("No observers")
        READ = "read", _("Observers read")
        CONTRIBUTE = "contribute", _("Observers contribute")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    purpose_source = models.TextField(_("purpose"), blank=True)
    purpose_html = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    observer_policy = models.CharField(
        _("observer policy"),
        max_length=12,
        choices=ObserverPolicy.choices,
        default=ObserverPolicy.NONE,
    )
    email_excerpts = models.BooleanField(
        _("emails may carry excerpts"),
        default=False,
        help_text=_("Off: notification emails only say that there is new activity."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["title"]
        permissions = [
            ("participate_workspace", "Take part in the dialogue"),
            ("facilitate_workspace", "Facilitate the dialogue"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED


class WorkspaceUserGrant(UserObjectPermissionBase):
    """A roster entry for one user (guardian's direct foreign-key grant)."""

    content_object = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="user_grants"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)


class WorkspaceGroupGrant(GroupObjectPermissionBase):
    """A roster entry for a whole jurisdiction (its group)."""

    content_object = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="group_grants"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
