"""Dialogue sessions: agenda, registration, attendance, minutes, actions and review comments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogues.models.chat import ChatRoom
from workspaces.models import AttributionMode, Document, Workspace, WorkspaceItem, strictest


class DialogueSession(WorkspaceItem):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        MINUTES_IN_REVIEW = "review", _("Minutes in review")
        CLOSED = "closed", _("Closed")

    # Read by the access policy: a draft is seen only by those who run sessions.
    RELEASE_LOOKUPS = {"status__in": ["scheduled", "live", "review", "closed"]}
    RELEASE_CAPABILITY = "run_sessions"

    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="sessions")
    title = models.CharField(_("title"), max_length=200)
    description_source = models.TextField(_("description"), blank=True)
    description_html = models.TextField(blank=True, editable=False)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # Blank: as the workspace. Otherwise stricter than the workspace, never looser.
    attribution = models.CharField(
        _("attribution"), max_length=16, choices=AttributionMode.choices, blank=True
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    room = models.OneToOneField(
        ChatRoom, on_delete=models.PROTECT, null=True, blank=True, related_name="session"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    review_opened_at = models.DateTimeField(null=True, blank=True)
    review_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_until = models.DateField(_("comments close on"), null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["workspace", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def is_released(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def effective_attribution(self) -> str:
        return strictest(self.workspace.attribution, self.attribution)

    @property
    def minutes_shared(self) -> bool:
        return self.review_opened_at is not None


class _MinutesPart(models.Model):
    """Minutes, actions and review comments: seen by the roster once the review opens."""

    ACCESS_PARENT = "session"
    RELEASE_LOOKUPS = {"session__review_opened_at__isnull": False}
    RELEASE_CAPABILITY = "run_sessions"

    class Meta:
        abstract = True

    def is_released(self) -> bool:
        return self.session.review_opened_at is not None


class AgendaItem(models.Model):
    ACCESS_PARENT = "session"

    session = models.ForeignKey(DialogueSession, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=15)
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes_source = models.TextField(_("notes"), blank=True)
    notes_html = models.TextField(blank=True, editable=False)
    documents = models.ManyToManyField(Document, blank=True, related_name="agenda_items")

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class SessionRegistration(models.Model):
    """Someone a jurisdiction has registered to attend (before the session)."""

    ACCESS_PARENT = "session"

    session = models.ForeignKey(
        DialogueSession, on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Copied when registered: the register stays true if the official moves on later.
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="one_registration")]


class SessionAttendance(models.Model):
    """Who joined the live session (the attendance register)."""

    ACCESS_PARENT = "session"

    session = models.ForeignKey(
        DialogueSession, on_delete=models.CASCADE, related_name="attendance"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="one_attendance")]


class MinutesEntry(_MinutesPart):
    session = models.ForeignKey(DialogueSession, on_delete=models.CASCADE, related_name="minutes")
    agenda_item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="minutes")
    summary_source = models.TextField(_("summary"), blank=True)
    summary_html = models.TextField(blank=True, editable=False)
    decisions_source = models.TextField(_("decisions"), blank=True)
    decisions_html = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )


class ActionItem(_MinutesPart):
    session = models.ForeignKey(DialogueSession, on_delete=models.CASCADE, related_name="actions")
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("due"))
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.description


class MinutesComment(_MinutesPart):
    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        CORRECTION = "correction", _("Suggested correction")

    session = models.ForeignKey(
        DialogueSession, on_delete=models.CASCADE, related_name="minutes_comments"
    )
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.COMMENT)
    body_source = models.TextField()
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
