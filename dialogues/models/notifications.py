"""Notifications and each user's preferences for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogues.models.threads import Post, Thread
from workspaces.models import Workspace


class Notification(models.Model):
    class Kind(models.TextChoices):
        MENTION = "mention", _("Mentioned you")
        REPLY = "reply", _("Replied to you")
        NEW_THREAD = "new_thread", _("New thread")
        MODERATION = "moderation", _("Moderation")
        SESSION_SCHEDULED = "session_scheduled", _("Session scheduled")
        SESSION_CHANGED = "session_changed", _("Session changed")
        POLL_OPENED = "poll_opened", _("Scheduling poll: when can you attend?")
        SESSION_STARTING = "session_starting", _("Session starting soon")
        MINUTES_REVIEW = "minutes_review", _("Minutes ready for review")
        MINUTES_APPROVED = "minutes_approved", _("Minutes approved")
        ACTION_ASSIGNED = "action_assigned", _("Action assigned to you")
        UNMASKED = "unmasked", _("Your pseudonym was unmasked")
        # About no workspace: the daily access review asks a sponsor (accounts.reviews).
        ACCESS_REVIEW = "access_review", _("Access reviews due")
        # About no workspace: an announcement to the partnership (dialogues/announcements).
        ANNOUNCEMENT = "announcement", _("Announcement")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Empty only for a notice about no workspace (ACCESS_REVIEW): it links to its own page and
    # is shown while its reader may still act on it (dialogues/notifications/selectors.py).
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, related_name="+")
    room = models.ForeignKey("ChatRoom", on_delete=models.CASCADE, null=True, related_name="+")
    session = models.ForeignKey(
        "DialogueSession", on_delete=models.CASCADE, null=True, related_name="+"
    )
    # A scheduling poll: its session is still a draft, which the roster may not see yet.
    poll = models.ForeignKey(
        "SchedulingPoll", on_delete=models.CASCADE, null=True, related_name="+"
    )
    # An announcement (about no workspace): shown while its reader may read it.
    announcement = models.ForeignKey(
        "Announcement", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # How many things a notice about no single item concerns (ACCESS_REVIEW: officials to
    # review); a count only, so the notice names nobody.
    item_count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # The notifications page: a recipient's newest first, a page from its cursor.
            models.Index(
                fields=["recipient", "-created_at", "-id"], name="notification_recent_idx"
            ),
        ]


class NotificationPreference(models.Model):
    class Delivery(models.TextChoices):
        AT_ONCE = "at_once", _("Email me at once")
        DIGEST = "digest", _("Count them in my daily digest")
        NEVER = "never", _("Never email me (they still show in Enclave)")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_mentions = models.BooleanField(_("Email me when someone mentions me"), default=True)
    email_replies = models.BooleanField(_("Email me when someone replies to me"), default=True)
    daily_digest = models.BooleanField(_("Send me a daily digest"), default=True)
    notify_new_threads = models.BooleanField(
        _("Notify me of new threads in my dialogues"), default=True
    )
    email_sessions = models.BooleanField(
        _("Email me about dialogue sessions: scheduled, changed, starting soon, minutes"),
        default=True,
    )
    email_announcements = models.CharField(
        _("Announcements from the Secretariat and the Co-Chairs"),
        max_length=8,
        choices=Delivery.choices,
        default=Delivery.AT_ONCE,
    )
