"""What the personal-data features keep: an official's export archives and the privacy notice."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _export_key() -> str:
    return secrets.token_urlsafe(24)


class DataExport(models.Model):
    """One request for an official's own data: prepared in the background, downloaded through a
    private link (its owner's, signed in) until it expires, then its file is deleted."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    # The link's unguessable part: the owner alone may follow it, and only until it expires.
    key = models.CharField(max_length=40, unique=True, default=_export_key, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREPARING)
    requested_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Relative to settings.DATA_EXPORTS_DIR; empty until ready and again once expired.
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["user", "-requested_at"])]

    def __str__(self) -> str:
        return f"data export {self.pk} ({self.status})"


class PrivacyNotice(models.Model):
    """The privacy page in one language, written by the Secretariat in Markdown and rendered
    once, on save (core.markup)."""

    language = models.CharField(_("language"), max_length=16, unique=True)
    source = models.TextField(_("text"))
    html = models.TextField(editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["language"]

    def __str__(self) -> str:
        return f"privacy notice ({self.language})"
