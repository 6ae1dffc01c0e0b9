"""Announcements: what the Secretariat and the Co-Chairs post to the whole partnership, and
each reader's read mark.

Access: an announcement is a `PartnershipItem` (workspaces/models.py), addressed to all members
(observers included), to full members only, or to the officials of chosen jurisdictions; the
access policy (workspaces/access.py) reads its audience, jurisdictions and withdrawal, and its
`AUTHOR_CAPABILITY`, whose holders post, edit and withdraw announcements and read them all.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workspaces.models import PartnershipItem


class Announcement(PartnershipItem):
    AUTHOR_CAPABILITY = "post_announcements"

    title = models.CharField(_("title"), max_length=200)
    body_source = models.TextField()
    body_html = models.TextField(editable=False)  # rendered and sanitised once, on write
    # Its plain text, cut at EXCERPT_LENGTH, made once on write: the dashboard and the emails
    # show it (never sanitised again at each page view).
    body_excerpt = models.CharField(max_length=300, blank=True, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Shown on the dashboard until then (empty: until read); still listed afterwards.
    show_until = models.DateTimeField(_("show until"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Leak-safe by default: an email says only that there is an announcement, with a link. The
    # author may let emails carry its title and the start of its text.
    email_excerpt = models.BooleanField(_("emails may carry an excerpt"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="announcement_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return self.show_until is not None and self.show_until <= (now or timezone.now())


class AnnouncementRead(models.Model):
    """`user` has read `announcement`: it no longer shows on their dashboard."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "announcement"], name="one_read_mark_per_announcement"
            )
        ]
