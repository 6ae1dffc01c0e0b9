"""Exports: a thread, a session or a whole workspace, as a printable HTML page or a Markdown file.

An export leaves the live view: it follows the attribution mode as an outside output (Chatham
House names nobody, anonymous shows pseudonyms) and the reader's audience (only what the reader
may see). Every export is audited.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record, sentence
from accounts.models import AuditEvent, User
from dialogues.attribution.bylines import DialogueBylines, Speaker
from dialogues.chat.services import serialize
from dialogues.meetings.minutes import minutes_visible
from dialogues.meetings.services import agenda_for
from dialogues.models import (
    ActionItem,
    AgendaItem,
    DialogueSession,
    MinutesEntry,
    SessionAttendance,
    Thread,
)
from workspaces.access import Capability, require, require_undertaking_accepted, visible
from workspaces.models import Document, Workspace
from workspaces.undertakings import current_undertaking

FORMATS = {"html": "text/html; charset=utf-8", "md": "text/markdown; charset=utf-8"}


@dataclass
class ExportedPost:
    speaker: str
    created_at: object
    depth: int
    html: str
    source: str
    notice: str = ""  # instead of the text: deleted or hidden
    person: Speaker | None = None  # the speaker's parts (name, affiliation)


@dataclass
class ExportedThread:
    thread: Thread
    posts: list[ExportedPost]


@dataclass
class ExportedItem:
    item: AgendaItem
    presenter: str
    documents: list[str]
    minutes: MinutesEntry | None = None
    actions: list[tuple[ActionItem, str]] = field(default_factory=list)


@dataclass
class ExportedSession:
    session: DialogueSession
    starts_local: object
    ends_local: object
    items: list[ExportedItem]
    minutes_shown: bool
    names_attendees: bool
    attendance: list[tuple[str, list[str]]]  # (jurisdiction, names) when names are allowed
    attendee_count: int
    jurisdiction_count: int


def exported_post(attribution: DialogueBylines, post) -> ExportedPost:
    """A post as it reads outside the live view (exports, the API): its author as `attribution`
    (an outside `DialogueBylines` of its thread) shows them, no text if deleted or hidden."""
    notice = ""
    if post.deleted_at:
        notice = _("Deleted post.")
    elif post.hidden_at:
        notice = _("Hidden by a moderator.")
    # A deleted post names nobody, as on the thread page: its place in the thread stays.
    speaker = None if post.deleted_at else attribution.speaker(post.author)
    return ExportedPost(
        speaker=str(speaker) if speaker else "",
        person=speaker,
        created_at=post.created_at,
        depth=post.depth,
        html="" if notice else attribution.mentions_html(post.body_html),
        source=""
        if notice
        else attribution.mentions_text(post.body_source, marked_in=post.body_html),
        notice=notice,
    )


def exported_message(people: DialogueBylines, message, reader: User) -> dict:
    """A chat message as it reads outside the live view (the API), like a post in an export:
    its room's frame with its author as `people` (an outside `DialogueBylines` of the room)
    shows them, no text once deleted or hidden, for anyone (its author and the moderators
    included), and the sender's client id only on the reader's own messages."""
    frame = serialize(message, people)
    return frame | {
        "author": people.speaker(message.author),
        "created_at": message.created_at,
        "html": "" if frame["hidden"] or frame["deleted"] else frame["html"],
        "client_id": message.client_id if message.author_id == reader.pk else "",
    }


def _thread(user: User, thread: Thread) -> ExportedThread:
    attribution = DialogueBylines(thread, outside=True)
    posts = [
        exported_post(attribution, post)
        for post in thread.posts.select_related("author__jurisdiction").order_by("path")
    ]
    return ExportedThread(thread=thread, posts=posts)


def exported_session(user: User, session: DialogueSession) -> ExportedSession:
    """A session as it reads outside the live view (exports, the API)."""
    attribution = DialogueBylines(session, outside=True)
    minutes_shown = minutes_visible(user, session)
    items = [
        ExportedItem(
            item=item,
            presenter=str(item.shown_presenter or ""),
            documents=[d.title for d in item.shown_documents],
            minutes=item.entry,
            actions=[(action, str(owner)) for action, owner in item.shown_actions],
        )
        for item in agenda_for(user, session, attribution, minutes_shown)
    ]
    present = list(
        SessionAttendance.objects.filter(session=session).select_related("user", "jurisdiction")
    )
    groups: dict[str, list[str]] = {}
    for row in present:
        label = row.jurisdiction.name if row.jurisdiction else _("Secretariat")
        groups.setdefault(label, []).append(row.user.full_name)
    tz = zoneinfo.ZoneInfo(session.time_zone)
    return ExportedSession(
        session=session,
        starts_local=session.starts_at.astimezone(tz),
        ends_local=session.ends_at.astimezone(tz),
        items=items,
        minutes_shown=minutes_shown,
        # Attendance by name and jurisdiction is attribution too: only in named sessions.
        names_attendees=attribution.names_people,
        attendance=sorted((k, sorted(v)) for k, v in groups.items()),
        attendee_count=len(present),
        jurisdiction_count=len({row.jurisdiction_id for row in present}),
    )


def _documents(user: User, workspace: Workspace) -> list[tuple[Document, str]]:
    attribution = DialogueBylines(workspace, outside=True)
    return [
        (document, str(attribution.speaker(document.uploaded_by)))
        for document in visible(user, Document)
        .filter(workspace=workspace)
        .select_related("uploaded_by__jurisdiction")
        .order_by("title")
    ]


def export(*, actor: User, target, fmt: str, request: HttpRequest | None = None) -> tuple:
    """Render an export of a thread, a session or a workspace. Returns (text, filename, type)."""
    require(actor, Capability.VIEW, target)
    if fmt not in FORMATS:
        raise ValueError(fmt)
    context: dict = {"generated_at": timezone.now(), "reader": actor, "threads": [], "sessions": []}
    if isinstance(target, Thread):
        workspace, kind = target.workspace, "thread"
        context["threads"] = [_thread(actor, target)]
        context["title"] = target.title
    elif isinstance(target, DialogueSession):
        workspace, kind = target.workspace, "session"
        context["sessions"] = [exported_session(actor, target)]
        context["title"] = target.title
    else:
        workspace, kind = target, "workspace"
        # The workspace itself is seen before its undertaking is accepted; its content is not.
        require_undertaking_accepted(actor, workspace)
        threads = visible(actor, Thread).filter(workspace=workspace).order_by("created_at")
        sessions = visible(actor, DialogueSession).filter(workspace=workspace)
        context["threads"] = [_thread(actor, t) for t in threads]
        context["sessions"] = [exported_session(actor, s) for s in sessions]
        context["documents"] = _documents(actor, workspace)
        context["title"] = workspace.title
    # The confidentiality notice names the undertaking the reader accepted (its version).
    context.update(workspace=workspace, kind=kind, undertaking=current_undertaking(workspace))
    text = render_to_string(f"dialogues/exports/export.{fmt}", context, request=request)
    audit_record(
        action=AuditEvent.Action.EXPORTED,
        actor=actor,
        scope=f"workspace:{workspace.slug}",
        summary=sentence(
            {
                "thread": gettext_noop("Exported thread %(id)s of %(workspace)s as %(format)s"),
                "session": gettext_noop("Exported session %(id)s of %(workspace)s as %(format)s"),
                "workspace": gettext_noop("Exported workspace %(workspace)s as %(format)s"),
            }[kind],
            id=target.pk,
            workspace=workspace.slug,
            format=fmt,
        ),
        detail={
            "kind": kind,
            "id": target.pk,
            "format": fmt,
            "undertaking": context["undertaking"].version if context["undertaking"] else None,
        },
        request=request,
    )
    filename = f"{workspace.slug}-{kind}-{target.pk}.{fmt}"
    return text, filename, FORMATS[fmt]
