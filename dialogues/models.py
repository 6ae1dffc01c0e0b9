"""Threads and posts, reactions, read state and notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workspaces.models import AttributionMode, Document, Workspace, WorkspaceItem, strictest

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


class Notification(models.Model):
    class Kind(models.TextChoices):
        MENTION = "mention", _("Mentioned you")
        REPLY = "reply", _("Replied to you")
        NEW_THREAD = "new_thread", _("New thread")
        MODERATION = "moderation", _("Moderation")
        SESSION_SCHEDULED = "session_scheduled", _("Session scheduled")
        SESSION_CHANGED = "session_changed", _("Session changed")
        SESSION_STARTING = "session_starting", _("Session starting soon")
        MINUTES_REVIEW = "minutes_review", _("Minutes ready for review")
        MINUTES_APPROVED = "minutes_approved", _("Minutes approved")
        ACTION_ASSIGNED = "action_assigned", _("Action assigned to you")
        UNMASKED = "unmasked", _("Your pseudonym was unmasked")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, related_name="+")
    room = models.ForeignKey("ChatRoom", on_delete=models.CASCADE, null=True, related_name="+")
    session = models.ForeignKey(
        "DialogueSession", on_delete=models.CASCADE, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]


class NotificationPreference(models.Model):
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


# ------------------------------------------------------------------------------
# Dialogue sessions: agenda, attendance, minutes
# ------------------------------------------------------------------------------


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
