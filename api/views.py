"""The API's endpoints: thin, like the pages' views. Each one opens what it reads through the
access policy (`visible`, `get_visible_or_404`, `visible_workspace`) and calls the same
selectors and services as the page that shows or does the same thing, so an API client reaches
exactly what its official reaches in the browser, as an export would show it.

Missing and forbidden are the same 404; an action on something the caller sees but may not do
is a 403 with the service's reason.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from core.params import id_or_404, int_param
from dialogues.attribution.bylines import DialogueBylines, context_of
from dialogues.chat import services as chat
from dialogues.exports.services import exported_message, exported_post, exported_session
from dialogues.meetings.minutes import approved_minutes_visible
from dialogues.models import ChatRoom, DialogueSession, Post, Thread
from dialogues.notifications.selectors import visible_notifications, with_shown_actors
from dialogues.notifications.services import notification_link, notifications_mark_read
from dialogues.threads import services as threads
from dialogues.threads.selectors import unread_thread_counts, workspace_threads
from workspaces import documents as document_services
from workspaces.access import (
    documents_to_acknowledge,
    get_visible_or_404,
    must_acknowledge,
    undertakings_pending,
    visible,
)
from workspaces.attribution import for_places, for_workspace
from workspaces.models import Document, Workspace
from workspaces.selectors import document_list, document_versions, visible_workspace
from workspaces.serving import serve_version, version_to_serve

from . import pagination, serializers
from .filters import DATE_PARAMETERS, in_date_range


class Endpoint(GenericAPIView):
    """Every endpoint: reached by a token without a session, so the login middleware lets it
    through and the API's own authentication and permissions (settings.REST_FRAMEWORK) decide."""

    # No OPTIONS description: the OpenAPI schema is the description.
    metadata_class = None

    @classmethod
    def as_view(cls, **initkwargs):
        return login_not_required(super().as_view(**initkwargs))


# ------------------------------------------------------------------------------
# Who am I, and my dialogues
# ------------------------------------------------------------------------------


class Me(Endpoint):
    @extend_schema(responses=serializers.MeSerializer, summary="The official making the request")
    def get(self, request):
        return Response(serializers.MeSerializer(request.user, context={"request": request}).data)


class Listing(ListModelMixin, Endpoint):
    """A list: the policy's rows (`get_queryset`), narrowed by date (`date_field`), one cursor
    page of them, each given what its representation shows (`decorate`, once per page)."""

    date_field = "created_at"

    def filter_queryset(self, queryset):
        return in_date_range(self.request, queryset, self.date_field)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self.decorate(page)
        return page

    def decorate(self, page) -> None:
        pass


class DialogueList(Listing):
    serializer_class = serializers.DialogueSerializer
    pagination_class = pagination.ByActivity
    date_field = "last_activity_at"

    def get_queryset(self):
        return visible(self.request.user, Workspace)

    def decorate(self, page):
        unread = unread_thread_counts(self.request.user) if page else {}
        _dialogues_shown(self.request.user, page)
        for workspace in page:
            workspace.unread_threads = unread.get(workspace.pk, 0)

    @extend_schema(parameters=DATE_PARAMETERS, summary="My dialogues, by latest activity")
    def get(self, request):
        return self.list(request)


def _dialogues_shown(user, workspaces: list[Workspace]) -> None:
    """Until its undertaking is accepted, a dialogue shows its name alone (as the dashboard
    does: its page sends the reader to the undertaking first)."""
    pending = undertakings_pending(user) if workspaces else set()
    for workspace in workspaces:
        workspace.undertaking_pending = workspace.pk in pending
        workspace.shown_purpose = "" if workspace.undertaking_pending else workspace.purpose_html


class DialogueDetail(Endpoint):
    @extend_schema(responses=serializers.DialogueSerializer, summary="One of my dialogues")
    def get(self, request, slug: str):
        workspace = get_visible_or_404(request.user, Workspace, slug=slug)
        _dialogues_shown(request.user, [workspace])
        data = serializers.DialogueSerializer(workspace, context={"request": request}).data
        return Response(data)


class InDialogue(Endpoint):
    """A list inside a dialogue: 404 off its roster; until its undertaking is accepted, a 403
    that says where to accept it."""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["workspace"] = self.workspace
        return context

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.workspace = visible_workspace(request.user, kwargs["slug"])


# ------------------------------------------------------------------------------
# Threads and posts
# ------------------------------------------------------------------------------


class ThreadList(InDialogue, Listing):
    serializer_class = serializers.ThreadSerializer
    pagination_class = pagination.ByLastPost
    date_field = "last_post_at"

    def get_queryset(self):
        found = workspace_threads(user=self.request.user, workspace=self.workspace)
        return found.select_related("workspace")

    def decorate(self, page):
        places = {thread.pk: context_of(thread) for thread in page}
        bylines = for_places(list(places.values()), outside=True)
        for thread in page:
            thread.shown_author = bylines[places[thread.pk][1]].speaker(thread.author)

    @extend_schema(parameters=DATE_PARAMETERS, summary="A dialogue's threads, by latest post")
    def get(self, request, slug: str):
        return self.list(request)


class ThreadDetail(InDialogue):
    serializer_class = serializers.ThreadSerializer

    @extend_schema(summary="One thread")
    def get(self, request, slug: str, pk: int):
        thread = _thread(request, slug, pk)
        thread.shown_author = DialogueBylines(thread, outside=True).speaker(thread.author)
        return Response(self.get_serializer(thread).data)


def _thread(request, slug: str, pk: int) -> Thread:
    return get_visible_or_404(
        request.user, Thread, pk=pk, workspace__slug=slug, select_related=("author__jurisdiction",)
    )


class PostList(InDialogue, Listing):
    serializer_class = serializers.PostSerializer
    pagination_class = pagination.InTreeOrder
    date_field = "created_at"

    def get_queryset(self):
        self.thread = _thread(self.request, self.kwargs["slug"], self.kwargs["pk"])
        return self.thread.posts.select_related("author__jurisdiction")

    def decorate(self, page):
        attribution = DialogueBylines(self.thread, outside=True)
        for post in page:
            post.shown = exported_post(attribution, post)

    @extend_schema(
        parameters=DATE_PARAMETERS,
        summary="A thread's posts, in the order of the conversation",
        description="Replies follow the post they answer. Deleted and hidden posts keep their "
        "place with a notice instead of their text.",
    )
    def get(self, request, slug: str, pk: int):
        return self.list(request)

    @extend_schema(
        request=serializers.ReplySerializer,
        responses={201: serializers.PostSerializer},
        summary="Reply in a thread",
    )
    def post(self, request, slug: str, pk: int):
        thread = _thread(request, slug, pk)
        reply = serializers.ReplySerializer(data=request.data)
        reply.is_valid(raise_exception=True)
        parent = None
        if reply.validated_data.get("parent") is not None:
            parent = thread.posts.filter(pk=reply.validated_data["parent"]).first()
            if parent is None:
                raise drf_serializers.ValidationError(
                    {"parent": [_("That post is not in this thread.")]}
                )
        post = threads.post_reply(
            actor=request.user, thread=thread, body=reply.validated_data["body"], parent=parent
        )
        post = Post.objects.select_related("author__jurisdiction").get(pk=post.pk)
        post.shown = exported_post(DialogueBylines(thread, outside=True), post)
        return Response(self.get_serializer(post).data, status=status.HTTP_201_CREATED)


# ------------------------------------------------------------------------------
# Documents
# ------------------------------------------------------------------------------


def _documents_shown(user, workspace: Workspace, documents: list[Document]) -> list[Document]:
    people = for_workspace(workspace, outside=True)
    waiting = documents_to_acknowledge(user, documents)
    for document in documents:
        document.shown_uploader = people.speaker(document.uploaded_by)
        document.must_acknowledge = document.pk in waiting
    return documents


class DocumentList(InDialogue, Listing):
    serializer_class = serializers.DocumentSerializer
    pagination_class = pagination.ByUpdate
    date_field = "updated_at"

    def get_queryset(self):
        found = document_list(user=self.request.user, workspace=self.workspace)
        return found.select_related("uploaded_by__jurisdiction")

    def decorate(self, page):
        _documents_shown(self.request.user, self.workspace, page)

    @extend_schema(parameters=DATE_PARAMETERS, summary="A dialogue's documents, latest first")
    def get(self, request, slug: str):
        return self.list(request)


def _document(request, slug: str, pk: int) -> Document:
    return get_visible_or_404(
        request.user,
        Document,
        pk=pk,
        workspace__slug=slug,
        select_related=("uploaded_by__jurisdiction", "workspace"),
    )


class DocumentDetail(InDialogue):
    serializer_class = serializers.DocumentDetailSerializer

    @extend_schema(summary="One document, with its versions")
    def get(self, request, slug: str, pk: int):
        document = _document(request, slug, pk)
        _documents_shown(request.user, self.workspace, [document])
        document.shown_versions = list(document_versions(document=document))
        return Response(self.get_serializer(document).data)


class DocumentDownload(Endpoint):
    # Not InDialogue: the download finds its version through the policy itself and audits a
    # refusal, as the page's does (version_to_serve).

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "version", OpenApiTypes.INT, description="A version's id (the newest if none)."
            )
        ],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            409: OpenApiResponse(description="The document's marking is not acknowledged yet."),
        },
        summary="Download a document",
        description="The same download as the page's: audited, and stamped with the reader's "
        "watermark where the document is watermarked.",
    )
    def get(self, request, slug: str, pk: int):
        raw = request.query_params.get("version")
        version_id = id_or_404(raw) if raw else None
        try:
            version = version_to_serve(request, slug=slug, pk=pk, version_id=version_id)
        finally:
            # Found or refused (and audited), the dialogue is then opened as every route inside
            # one opens it: a 403 with its link while its undertaking waits, whatever the id; a
            # 404 for anything but a dialogue of the reader's (the library is not the API's).
            visible_workspace(request.user, slug)
        if must_acknowledge(request.user, version.document):
            return Response(
                {
                    "detail": _(
                        "This document is marked “%(marking)s”: acknowledge its marking first."
                    )
                    % {"marking": version.document.get_marking_display()},
                    "acknowledge": serializers.absolute(
                        request, "api:document-acknowledge", slug=slug, pk=pk
                    ),
                },
                status=status.HTTP_409_CONFLICT,
            )
        response, served = serve_version(request, version)
        if response is None:
            return Response({"detail": served.refusal}, status=served.status)
        return response


class DocumentAcknowledge(InDialogue):
    @extend_schema(request=None, responses={204: None}, summary="Acknowledge a document's marking")
    def post(self, request, slug: str, pk: int):
        document = _document(request, slug, pk)
        document_services.marking_acknowledge(
            actor=request.user, document=document, request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------------------
# Dialogue sessions
# ------------------------------------------------------------------------------


class SessionList(InDialogue, Listing):
    serializer_class = serializers.SessionSerializer
    pagination_class = pagination.ByStart
    date_field = "starts_at"

    def get_queryset(self):
        found = visible(self.request.user, DialogueSession).filter(workspace=self.workspace)
        return found.select_related("workspace")

    @extend_schema(
        parameters=DATE_PARAMETERS,
        summary="A dialogue's sessions, latest start first",
        description="`since` and `until` bound the start: sessions from `since` on.",
    )
    def get(self, request, slug: str):
        return self.list(request)


class SessionDetail(InDialogue):
    serializer_class = serializers.SessionDetailSerializer

    @extend_schema(summary="One session, with its agenda and, once approved, its minutes")
    def get(self, request, slug: str, pk: int):
        session = get_visible_or_404(
            request.user,
            DialogueSession,
            pk=pk,
            workspace__slug=slug,
            select_related=("workspace",),
        )
        exported = exported_session(request.user, session)
        approved = approved_minutes_visible(request.user, session)
        context = self.get_serializer_context() | {"approved": approved}
        shown = {"exported": exported, "approved": approved}
        return Response(serializers.SessionDetailSerializer(shown, context=context).data)


# ------------------------------------------------------------------------------
# The dialogue's chat
# ------------------------------------------------------------------------------


class ChatMessages(InDialogue):
    serializer_class = serializers.ChatMessageSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("after", OpenApiTypes.INT, description="Messages after this seq."),
            OpenApiParameter("before", OpenApiTypes.INT, description="Messages before this seq."),
            OpenApiParameter("limit", OpenApiTypes.INT, description="At most 200 (100 if none)."),
        ],
        responses=serializers.ChatPageSerializer,
        summary="The dialogue's chat, oldest first",
        description="With `after`, the messages after that sequence number (catching up); "
        "else the latest ones, or those before `before` (scrolling back).",
    )
    def get(self, request, slug: str):
        room = _room(request, self.workspace)
        after, before = _seq(request, "after"), _seq(request, "before")
        limit = pagination.limit_param(request, default=100)
        if after is not None:
            messages = chat.messages_after(
                user=request.user, room=room, after_seq=after, limit=limit
            )
        else:
            messages = chat.messages_before(
                user=request.user, room=room, before_seq=before, limit=limit
            )
        people = DialogueBylines(room, outside=True)
        shown = [_chat_message(message, people, request.user) for message in messages]
        last = shown[-1]["seq"] if shown else (after if after is not None else room.last_seq)
        first = shown[0]["seq"] if shown else None
        page = {
            "results": shown,
            "next": _chat_url(request, after=last),
            "previous": _chat_url(request, before=first) if first and first > 1 else None,
        }
        return Response(serializers.ChatPageSerializer(page).data)

    @extend_schema(
        request=serializers.ChatSendSerializer,
        responses={201: serializers.ChatMessageSerializer, 200: serializers.ChatMessageSerializer},
        summary="Send a message to the dialogue's chat",
        description="Sending the same `client_id` again returns the stored message (200).",
    )
    def post(self, request, slug: str):
        room = _room(request, self.workspace)
        sent = serializers.ChatSendSerializer(data=request.data)
        sent.is_valid(raise_exception=True)
        message, created = chat.message_send(
            actor=request.user,
            room=room,
            body=sent.validated_data["body"],
            client_id=str(sent.validated_data["client_id"]),
        )
        people = DialogueBylines(room, outside=True)
        data = self.get_serializer(_chat_message(message, people, request.user))
        return Response(
            data.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


def _room(request, workspace: Workspace) -> ChatRoom:
    """The dialogue's own room, as the chat page opens it (through the policy)."""
    return get_visible_or_404(request.user, ChatRoom, pk=chat.workspace_room(workspace).pk)


def _chat_message(message, people: DialogueBylines, reader) -> dict:
    shown = exported_message(people, message, reader)
    return shown | {"author": serializers.person(shown["author"])}


def _chat_url(request, **cursor) -> str:
    query = request.query_params.copy()
    for name in ("after", "before"):
        query.pop(name, None)
    query.update(cursor)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _seq(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    seq = int_param(raw, minimum=0)
    if seq is None:
        raise drf_serializers.ValidationError({name: [_("A sequence number is a whole number.")]})
    return seq


# ------------------------------------------------------------------------------
# My notifications
# ------------------------------------------------------------------------------


class NotificationList(Listing):
    serializer_class = serializers.NotificationSerializer
    date_field = "created_at"

    def get_queryset(self):
        return visible_notifications(user=self.request.user)

    def decorate(self, page):
        with_shown_actors(page)
        for notification in page:
            notification.shown_link = notification_link(notification)

    @extend_schema(parameters=DATE_PARAMETERS, summary="My notifications, newest first")
    def get(self, request):
        return self.list(request)


class NotificationsRead(Endpoint):
    @extend_schema(
        request=serializers.MarkReadSerializer,
        responses={
            200: inline_serializer("Marked", fields={"marked": drf_serializers.IntegerField()})
        },
        summary="Mark my notifications read",
    )
    def post(self, request):
        chosen = serializers.MarkReadSerializer(data=request.data)
        chosen.is_valid(raise_exception=True)
        count = notifications_mark_read(actor=request.user, ids=chosen.validated_data.get("ids"))
        return Response({"marked": count})
