"""Scheduling polls: finding a time for a draft dialogue session across time zones.

A slot is a UTC instant plus a duration, with the organiser's time zone kept beside it (as
rallly and Bitpoll store options): every reader sees it in their own zone, each jurisdiction in
its own, and a daylight-saving change between opening the poll and the slot moves nothing.

Access: a poll is an item of its session (the session's roster and audience); unlike the
session's agenda, it is seen while the session is still a draft, since the roster answers it
before there is a time (`SHOWN_BEFORE_PARENT_RELEASE`, read by workspaces/access.py). Answers
are seen by the poll's audience or only by those who run sessions, as the poll says.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogues.models.meetings import DialogueSession


class SchedulingPoll(models.Model):
    ACCESS_PARENT = "session"
    # The session is a draft while its poll runs: the poll is shown to the session's audience
    # all the same (workspaces/access.py stops the release gates here).
    SHOWN_BEFORE_PARENT_RELEASE = True

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class AnswersVisibility(models.TextChoices):
        ROSTER = "roster", _("Everyone who may answer")
        ORGANISERS = "organisers", _("Only those who run sessions")

    session = models.OneToOneField(
        DialogueSession, on_delete=models.CASCADE, related_name="scheduling_poll"
    )
    # The organiser's zone: the slots were entered as wall-clock times in it.
    time_zone = models.CharField(_("time zone"), max_length=64)
    closes_at = models.DateTimeField(_("answers close"))
    answers_visible_to = models.CharField(
        _("answers visible to"),
        max_length=12,
        choices=AnswersVisibility.choices,
        default=AnswersVisibility.ROSTER,
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    picked_slot = models.ForeignKey(
        "PollSlot", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return str(self.session)

    def accepts_answers(self, now: datetime | None = None) -> bool:
        return self.status == self.Status.OPEN and (now or timezone.now()) < self.closes_at


class PollSlot(models.Model):
    ACCESS_PARENT = "poll"

    poll = models.ForeignKey(SchedulingPoll, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts"))  # a UTC instant
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    time_zone = models.CharField(_("time zone"), max_length=64)  # the organiser's, at entry

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "starts_at"], name="one_slot_per_start")
        ]

    def __str__(self) -> str:
        return self.starts_at.isoformat()

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class PollAnswer(models.Model):
    """One person's answer to one slot; `for_jurisdiction`: a focal point's answer that stands
    for their whole jurisdiction (one person per jurisdiction is enough)."""

    ACCESS_PARENT = "slot"
    # Others' answers are released to the poll's audience when the poll says so; those who
    # run sessions always see them.
    RELEASE_LOOKUPS = {"slot__poll__answers_visible_to": "roster"}
    RELEASE_CAPABILITY = "run_sessions"

    class Choice(models.TextChoices):
        YES = "yes", _("Yes")
        IF_NEED_BE = "maybe", _("If need be")
        NO = "no", _("No")

    slot = models.ForeignKey(PollSlot, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Copied when answered: the grid stays true if the official moves on later.
    jurisdiction = models.ForeignKey(
        "accounts.Jurisdiction", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    for_jurisdiction = models.BooleanField(default=False)
    choice = models.CharField(max_length=8, choices=Choice.choices)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["slot", "user"], name="one_answer_per_slot"),
            models.CheckConstraint(
                condition=~models.Q(for_jurisdiction=True, jurisdiction__isnull=True),
                name="jurisdiction_answer_names_it",
            ),
        ]

    def is_released(self) -> bool:
        return self.slot.poll.answers_visible_to == SchedulingPoll.AnswersVisibility.ROSTER
