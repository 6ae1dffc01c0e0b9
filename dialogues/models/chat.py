"""Chat rooms, their messages, mutes, read state and presence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workspaces.models import Workspace, WorkspaceItem


class ChatRoom(WorkspaceItem):
    """A live room: every workspace has one; each dialogue session gets its own when it starts."""

    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="rooms")
    title = models.CharField(_("title"), max_length=200)
    is_workspace_room = models.BooleanField(default=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    # A session's room closes when the session ends: nobody posts any more, moderators neither.
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"],
                condition=Q(is_workspace_room=True),
                name="one_room_per_workspace",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ChatMessage(models.Model):
    ACCESS_PARENT = "room"

    room = models.ForeignKey(ChatRoom, on_delete=models.PROTECT, related_name="messages")
    seq = models.PositiveBigIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Chosen by the sender's client: a retried send with the same id is stored once.
    client_id = models.CharField(max_length=64)
    body_source = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="one_message_per_seq"),
            models.UniqueConstraint(
                fields=["author", "client_id"], name="one_message_per_client_id"
            ),
        ]


class ChatMute(models.Model):
    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)


class ChatReadState(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="+")
    last_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "room"], name="one_chat_read_state")]


class ChatPresence(models.Model):
    """One open socket in a room (shared by all daphne processes through the database)."""

    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)
