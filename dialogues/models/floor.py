"""Running a live session: which agenda item is under discussion (and for how long), the
speakers' queue, and who was in the room during each item.

All three hang off their session (`ACCESS_PARENT`): the session's roster, audience and
undertakings decide who sees them, as for its agenda.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogues.models.meetings import AgendaItem, DialogueSession


class ItemRun(models.Model):
    """One stretch of a live session during which an agenda item was under discussion. An item
    taken up twice has two runs; its time used is their sum."""

    ACCESS_PARENT = "session"

    session = models.ForeignKey(DialogueSession, on_delete=models.CASCADE, related_name="item_runs")
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=Q(ended_at__isnull=True), name="one_current_item"
            )
        ]


class FloorRequest(models.Model):
    """A raised hand in a live session: for the person, or (a focal point's) for their
    jurisdiction. Waiting hands form the queue in the order raised; one has the floor."""

    ACCESS_PARENT = "session"

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SPEAKING = "speaking", _("Has the floor")
        DONE = "done", _("Spoke")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SKIPPED = "skipped", _("Skipped")
        CLEARED = "cleared", _("Cleared")

    OPEN = (Status.WAITING, Status.SPEAKING)

    session = models.ForeignKey(
        DialogueSession, on_delete=models.CASCADE, related_name="floor_requests"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Copied when raised: the queue stays true if the official moves on later.
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    for_jurisdiction = models.BooleanField(default=False)
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(status__in=["waiting", "speaking"]),
                name="one_open_hand",
            ),
            models.CheckConstraint(
                condition=~Q(for_jurisdiction=True, jurisdiction__isnull=True),
                name="jurisdiction_hand_names_it",
            ),
        ]


class ItemAttendance(models.Model):
    """Someone was in the room while an agenda item was under discussion."""

    ACCESS_PARENT = "session"

    session = models.ForeignKey(
        DialogueSession, on_delete=models.CASCADE, related_name="item_attendance"
    )
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agenda_item", "user"], name="one_item_attendance")
        ]
