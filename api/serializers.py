"""What the API shows: each representation built from what the selectors already give a page or
an export, never from a second reading of the rules.

Everything the API returns leaves the live view, so people appear as exports show them: named
dialogues name them, Chatham House ones say "A participant", anonymous ones give the pseudonym
of that thread, session or room. Nothing carries a person's id or handle outside a named
dialogue.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class Instant(serializers.DateTimeField):
    """Every instant in UTC (`…Z`), whatever the official's own time zone: a script compares
    and stores them as they come."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default_timezone", datetime.UTC)
        super().__init__(*args, **kwargs)


class PersonSerializer(serializers.Serializer):
    """A person as the attribution mode shows them outside the live view."""

    name = serializers.CharField()
    affiliation = serializers.CharField(allow_blank=True)


def person(speaker) -> dict | None:
    if speaker is None:
        return None
    return {"name": str(speaker.name), "affiliation": str(speaker.affiliation or "")}


def absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


class MeSerializer(serializers.Serializer):
    name = serializers.CharField(source="full_name")
    email = serializers.EmailField()
    affiliation = serializers.CharField()
    time_zone = serializers.CharField(source="timezone")
    language = serializers.CharField(allow_blank=True)
    token = serializers.SerializerMethodField(help_text="The token making this request, if any.")

    def get_token(self, user) -> dict | None:
        token = self.context["request"].auth
        if token is None or not hasattr(token, "scope"):
            return None
        return {"name": token.name, "scope": token.scope, "expires_at": token.expires_at}


class DialogueSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    purpose_html = serializers.CharField(
        source="shown_purpose",
        allow_blank=True,
        help_text="Sanitised HTML, as the page shows it; empty until you accept the dialogue's "
        "undertaking.",
    )
    undertaking_pending = serializers.BooleanField(
        help_text="The dialogue has an undertaking you have not accepted yet: accept it in "
        "Enclave before anything inside can be read."
    )
    status = serializers.CharField()
    attribution = serializers.CharField(help_text="named, chatham_house or anonymous")
    last_activity_at = Instant()
    unread_threads = serializers.IntegerField(required=False)
    url = serializers.SerializerMethodField()

    def get_url(self, workspace) -> str:
        return absolute(self.context["request"], "workspace_detail", slug=workspace.slug)


class ThreadSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    audience = serializers.CharField()
    author = serializers.SerializerMethodField()
    created_at = Instant()
    last_post_at = Instant()
    post_count = serializers.IntegerField()
    pinned = serializers.SerializerMethodField()
    locked = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def get_author(self, thread) -> PersonSerializer:
        return person(thread.shown_author)

    def get_pinned(self, thread) -> bool:
        return thread.pinned_at is not None

    def get_locked(self, thread) -> bool:
        return thread.locked_at is not None

    def get_url(self, thread) -> str:
        slug = self.context["workspace"].slug
        return absolute(self.context["request"], "thread_detail", slug=slug, pk=thread.pk)


class PostSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    depth = serializers.IntegerField()
    author = serializers.SerializerMethodField(help_text="Null for a deleted post.")
    created_at = Instant()
    edited_at = serializers.SerializerMethodField()
    body = serializers.CharField(
        source="shown.source", allow_blank=True, help_text="Markdown, as written."
    )
    body_html = serializers.CharField(source="shown.html", allow_blank=True)
    notice = serializers.CharField(
        source="shown.notice",
        allow_blank=True,
        help_text="Instead of the text: the post was deleted or hidden by a moderator.",
    )

    def get_author(self, post) -> PersonSerializer(allow_null=True):
        return person(post.shown.person)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_edited_at(self, post):
        """When it was last edited; null if never, or once deleted (as the page shows it)."""
        if post.deleted_at or post.edited_at is None:
            return None
        return self.fields["created_at"].to_representation(post.edited_at)


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(help_text="Markdown (the thread's own limit applies).")
    parent = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**62,
        help_text="The post replied to (the opening post if none).",
    )


class VersionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = Instant()
    change_note = serializers.CharField(allow_blank=True)


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    description_html = serializers.CharField(allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(), source="tag_list")
    marking = serializers.CharField(allow_blank=True)
    audience = serializers.CharField()
    watermarked = serializers.BooleanField(source="watermark")
    uploaded_by = serializers.SerializerMethodField()
    created_at = Instant()
    updated_at = Instant()
    must_acknowledge = serializers.BooleanField(
        help_text="Downloads wait until the reader acknowledges the document's marking."
    )
    download = serializers.SerializerMethodField()

    def get_uploaded_by(self, document) -> PersonSerializer:
        return person(document.shown_uploader)

    def get_download(self, document) -> str:
        slug = self.context["workspace"].slug
        return absolute(self.context["request"], "api:document-download", slug=slug, pk=document.pk)


class DocumentDetailSerializer(DocumentSerializer):
    versions = VersionSerializer(many=True, source="shown_versions")


class AgendaItemSerializer(serializers.Serializer):
    title = serializers.CharField(source="item.title")
    duration_minutes = serializers.IntegerField(source="item.duration_minutes")
    presenter = serializers.CharField(allow_blank=True)
    notes_html = serializers.CharField(source="item.notes_html", allow_blank=True)
    documents = serializers.ListField(child=serializers.CharField())
    minutes = serializers.SerializerMethodField(
        help_text="The approved minutes of this item (null until the minutes are approved)."
    )

    def get_minutes(self, shown) -> dict | None:
        if not self.context.get("approved") or shown.minutes is None:
            return None
        return {
            "summary_html": shown.minutes.summary_html,
            "decisions_html": shown.minutes.decisions_html,
            "actions": [
                {
                    "description": action.description,
                    "owner": owner,
                    "due_date": action.due_date,
                    "done": action.done_at is not None,
                }
                for action, owner in shown.actions
            ],
        }


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    status = serializers.CharField()
    audience = serializers.CharField()
    starts_at = Instant()
    ends_at = Instant()
    time_zone = serializers.CharField()
    attribution = serializers.CharField(source="effective_attribution")
    url = serializers.SerializerMethodField()

    def get_url(self, session) -> str:
        slug = self.context["workspace"].slug
        return absolute(self.context["request"], "session_detail", slug=slug, pk=session.pk)


class SessionDetailSerializer(serializers.Serializer):
    session = SessionSerializer(source="exported.session")
    description_html = serializers.CharField(source="exported.session.description_html")
    agenda = AgendaItemSerializer(many=True, source="exported.items")
    minutes_approved = serializers.BooleanField(source="approved")
    attendee_count = serializers.IntegerField(source="exported.attendee_count")
    jurisdiction_count = serializers.IntegerField(source="exported.jurisdiction_count")


class ChatMessageSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="The message's place in the room: 1, 2, 3, …")
    client_id = serializers.CharField(
        allow_blank=True, help_text="The id you sent it with (on your own messages only)."
    )
    author = PersonSerializer()
    created_at = Instant()
    edited = serializers.BooleanField()
    hidden = serializers.BooleanField()
    deleted = serializers.BooleanField()
    html = serializers.CharField(allow_blank=True)


class ChatPageSerializer(serializers.Serializer):
    results = ChatMessageSerializer(many=True)
    next = serializers.URLField(help_text="The messages after these (poll it for new ones).")
    previous = serializers.URLField(
        allow_null=True, help_text="The messages before these (null at the first)."
    )


class ChatSendSerializer(serializers.Serializer):
    body = serializers.CharField(help_text="Markdown (the chat's own limit applies).")
    client_id = serializers.UUIDField(
        help_text="A new random UUID for each message (uuid4): sending it again stores the "
        "message once. Random, so that it says nothing about who sent it."
    )


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")
    created_at = Instant()
    read = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()
    dialogue = serializers.SlugField(source="workspace.slug", allow_null=True, default=None)
    url = serializers.SerializerMethodField()

    def get_read(self, notification) -> bool:
        return notification.read_at is not None

    def get_actor(self, notification) -> PersonSerializer:
        return person(notification.shown_actor)

    def get_url(self, notification) -> str:
        return self.context["request"].build_absolute_uri(notification.shown_link)


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**62),
        required=False,
        max_length=500,
        help_text="The notifications to mark read; leave out to mark all read.",
    )
