"""Threads and posts, their revisions, reactions and read state."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workspaces.models import Document, Workspace, WorkspaceItem

# Replies nest this deep; a reply to a post at the cap joins its parent's level.
MAX_DEPTH = 4


class Thread(WorkspaceItem):
    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="threads")
    title = models.CharField(_("title"), max_length=200)
    # A document's discussion; the document page links here and this thread links back.
    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="discussion"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_post_at = models.DateTimeField(default=timezone.now, db_index=True)
    post_count = models.PositiveIntegerField(default=0)
    pinned_at = models.DateTimeField(null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = [models.F("pinned_at").desc(nulls_last=True), "-last_post_at"]
        indexes = [models.Index(fields=["workspace", "-last_post_at"])]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    ACCESS_PARENT = "thread"

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="posts")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Zero-padded ids from the root down: ordering by it gives the tree in one query.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body_source = models.TextField()
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(max_length=300, blank=True)
    # Deleted when its author was erased with their content (privacy/erasure.py): the post keeps
    # its place in the thread and says it was removed at the author's request.
    removed_on_request = models.BooleanField(default=False)

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                fields=["thread"], condition=Q(depth=0), name="one_opening_post_per_thread"
            )
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in {self.thread_id}"

    @property
    def is_opening(self) -> bool:
        return self.depth == 0


class PostRevision(models.Model):
    """The text of a post before an edit; moderators read the history."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body_source = models.TextField()
    body_html = models.TextField()
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-replaced_at"]


class Reaction(models.Model):
    class Kind(models.TextChoices):
        AGREE = "agree", _("Agree")
        THANKS = "thanks", _("Thanks")
        QUESTION = "question", _("Question")
        NOTED = "noted", _("Noted")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], name="one_reaction_of_a_kind")
        ]


class ThreadReadState(models.Model):
    """How far a user has read a thread: posts created after `read_until` are unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="read_states")
    read_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="one_read_state_per_thread")
        ]
