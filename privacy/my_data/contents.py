"""What "My data" holds: the official's own records, section by section, read through the one
access policy.

Their own data in full; of anything else only what they may still read today (a thread's title
and its dialogue, asked of `visible()` row by row, so a title they lost access to is never
written), and never another person's name, email, network address or words. Each section that
grows with the account is one query read with `.iterator()` (a post's earlier versions: one
more, walked beside the posts), so a large account costs the same few queries as a small one and
is never held in memory; the profile and the dialogues' roles are a few more, however many posts.

A section yields plain records (keys in English, values as Python holds them); the archive
(privacy/my_data/archive.py) writes each one to data.json and index.html as it is read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from accounts.audit import event_summary
from accounts.models import ApiToken, AuditEvent, CalendarFeedToken, Invitation, User
from dialogues.models import (
    ActionItem,
    AgendaItem,
    Announcement,
    AnnouncementRead,
    ChatMessage,
    ChatMute,
    ChatRoom,
    DialogueSession,
    FloorRequest,
    ItemAttendance,
    MinutesComment,
    Notification,
    NotificationPreference,
    PollAnswer,
    Post,
    PostRevision,
    Reaction,
    SchedulingPoll,
    SessionAttendance,
    SessionRegistration,
    Thread,
    ThreadReadState,
)
from privacy.models import DataExport
from workspaces.access import (
    library_capabilities,
    platform_standing,
    roles_of,
    visible,
    workspace_standing,
)
from workspaces.models import (
    Document,
    DocumentVersion,
    Download,
    Marking,
    MarkingAcknowledgement,
    Pseudonym,
    UndertakingAcceptance,
    Workspace,
)

# What the archive holds and leaves out, in plain words: the page, the README and index.html
# say the same.
HOLDS = (
    gettext_lazy(
        "Your profile: name, email, handle, jurisdiction, roles, language, time zone, when you "
        "joined and last signed in, and your access review date."
    ),
    gettext_lazy(
        "Your email addresses; your second factors (their kind and dates); your sign-in "
        "sessions (address, browser, first and last seen); your API tokens and calendar link "
        "(names, key prefixes, dates)."
    ),
    gettext_lazy(
        "The dialogues whose roster you are on and your role there, the undertakings you "
        "accepted and the markings you acknowledged."
    ),
    gettext_lazy(
        "What you wrote: your posts with their earlier versions, your chat messages, your "
        "comments on minutes, your reactions, and any announcements you posted."
    ),
    gettext_lazy("The documents you uploaded (their details, not the files) and your downloads."),
    gettext_lazy(
        "Your registrations for dialogue sessions, your attendance, the turns you asked for, "
        "your answers to scheduling polls and the actions assigned to you."
    ),
    gettext_lazy(
        "Your notifications and notification settings, and the audit log's records of what you "
        "did and of what was done to your account."
    ),
)
LEAVES_OUT = (
    gettext_lazy(
        "What other people wrote: replies to you, threads and messages of others, their "
        "reactions. The title of a thread, room, session or document and the name of its "
        "dialogue are given only where you may still read it, so that your own words make "
        "sense; where you no longer may, the archive says so and names nothing."
    ),
    gettext_lazy(
        "Other people's names, email addresses and network addresses: the audit records say "
        "“someone else” acted, and carry only your own addresses."
    ),
    gettext_lazy(
        "Secrets: your password, second-factor secrets and recovery codes, the secret part of "
        "tokens and links, session keys."
    ),
    gettext_lazy(
        "The files of the documents you uploaded: download them from their dialogue while you "
        "may read them."
    ),
    gettext_lazy(
        "Moderators' reasons for hiding your posts or muting you, and the partnership's records "
        "you kept as part of a role (sessions, minutes, rosters, invitations, factsheets): what "
        "you did there is in your audit records."
    ),
)

THREAD_GONE = gettext_lazy("A thread you can no longer read")
ROOM_GONE = gettext_lazy("A chat room you can no longer read")
SESSION_GONE = gettext_lazy("A session you can no longer see")
DOCUMENT_GONE = gettext_lazy("A document you can no longer read")
DIALOGUE_GONE = gettext_lazy("A dialogue you can no longer read")
ITEM_GONE = gettext_lazy("Something you can no longer see")
SOMEONE_ELSE = gettext_lazy("another person")
A_DIALOGUE_GONE = gettext_lazy("a dialogue you can no longer read")


# ------------------------------------------------------------------------------
# Sections: what each holds, read through the policy
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    key: str
    label: Promise | str
    text: bool = False  # written by the official: shown as written, line breaks kept
    nested: tuple[Field, ...] = ()  # a list of records of these fields


@dataclass(frozen=True)
class Section:
    key: str
    title: Promise | str
    fields: tuple[Field, ...]
    rows: Callable[[User], Iterable[dict[str, Any]]]
    about: Promise | str = ""
    single: bool = False  # one record (the profile), not a list


def _readable(user: User, model, ref: str, value: str = "title") -> Subquery:
    """`value` of the `model` row that the field `ref` names, where `user` may still read it
    today (one primary-key probe of the policy per row); else NULL."""
    probe = visible(user, model).filter(pk=OuterRef(ref)).order_by().values(value)[:1]
    return Subquery(probe)


def _or(value: Any, gone: Promise | str) -> Any:
    return gone if value is None else value


def _label(choices, value: str) -> Any:
    try:
        return choices(value).label
    except ValueError:
        return value


def _profile(user: User) -> Iterator[dict]:
    invitation = Invitation.objects.filter(accepted_user=user).first()
    standing = platform_standing(user)
    jurisdiction = user.jurisdiction if user.jurisdiction_id else None
    yield {
        "name": user.full_name,
        "email": user.email,
        "handle": user.handle,
        "affiliation": user.affiliation,
        "jurisdiction": jurisdiction.name if jurisdiction else None,
        "jurisdiction_status": jurisdiction.get_status_display() if jurisdiction else None,
        "standing": standing.label if standing else None,
        "roles": sorted(str(role) for role in roles_of(user)),
        "secretariat": user.is_secretariat,
        "co_chair": user.is_co_chair,
        "focal_point": user.is_focal_point,
        "admin_access": user.is_staff,
        "active": user.is_active,
        "language": user.language or None,
        "time_zone": user.timezone,
        "joined": user.date_joined,
        "last_sign_in": user.last_login,
        "access_review_on": user.access_review_on,
        "access_last_confirmed": user.last_confirmed_at,
        "suspended": user.suspended_at,
        "invited_as": invitation.get_role_display() if invitation else None,
        "invitation_accepted": invitation.accepted_at if invitation else None,
    }


def _email_addresses(user: User) -> Iterator[dict]:
    for email, verified, primary in (
        EmailAddress.objects.filter(user=user)
        .order_by("pk")
        .values_list("email", "verified", "primary")
    ):
        yield {"email": email, "verified": verified, "primary": primary}


def _second_factors(user: User) -> Iterator[dict]:
    # `data` holds the secrets: never read.
    rows = Authenticator.objects.filter(user=user).order_by("created_at", "pk")
    for kind, created, used in rows.values_list("type", "created_at", "last_used_at"):
        yield {
            "type": kind,
            "kind": _label(Authenticator.Type, kind),
            "added": created,
            "last_used": used,
        }


def _sign_in_sessions(user: User) -> Iterator[dict]:
    # Never the session key: it would open the session.
    rows = UserSession.objects.filter(user=user).order_by("created_at", "pk")
    for ip, agent, created, seen in rows.values_list(
        "ip", "user_agent", "created_at", "last_seen_at"
    ):
        yield {"address": ip, "browser": agent, "first_seen": created, "last_seen": seen}


def _api_tokens(user: User) -> Iterator[dict]:
    rows = (
        ApiToken.objects.filter(user=user)
        .order_by("created_at", "pk")
        .values(
            "name",
            "key",
            "scope",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
            "last_address",
        )
    )
    for row in rows.iterator():
        yield {
            "name": row["name"],
            "key_prefix": f"enclave_{row['key']}",
            "scope": row["scope"],
            "created": row["created_at"],
            "expires": row["expires_at"],
            "revoked": row["revoked_at"],
            "last_used": row["last_used_at"],
            "last_address": row["last_address"],
        }


def _calendar_feed(user: User) -> Iterator[dict]:
    # The link's nonce and digest are its secret: only when it was made and where it was read.
    for created, address in CalendarFeedToken.objects.filter(user=user).values_list(
        "created_at", "last_address"
    ):
        yield {"created": created, "last_address": address}


def _dialogues(user: User) -> Iterator[dict]:
    for workspace in visible(user, Workspace).order_by("title", "pk"):
        standing = workspace_standing(user, workspace)
        yield {
            "dialogue": workspace.title,
            "role": standing.label if standing else None,
            "archived": workspace.is_archived,
        }


def _undertakings(user: User) -> Iterator[dict]:
    rows = (
        UndertakingAcceptance.objects.filter(user=user)
        .annotate(dialogue=_readable(user, Workspace, "undertaking__workspace_id"))
        .order_by("accepted_at", "pk")
        .values("dialogue", "undertaking__version", "accepted_at")
    )
    for row in rows.iterator():
        yield {
            "dialogue": _or(row["dialogue"], DIALOGUE_GONE),
            "version": row["undertaking__version"],
            "accepted": row["accepted_at"],
        }


def _beside(rows: Iterable[dict], children: Iterable[dict], key: str) -> Iterator[tuple]:
    """Each row with its children, both read in the order of the row's id (a merge: neither
    list is held whole)."""
    children = iter(children)
    pending = next(children, None)
    for row in rows:
        found = []
        while pending is not None and pending[key] < row["id"]:
            pending = next(children, None)
        while pending is not None and pending[key] == row["id"]:
            found.append(pending)
            pending = next(children, None)
        yield row, found


def _posts(user: User) -> Iterator[dict]:
    posts = (
        Post.objects.filter(author=user)
        .annotate(
            thread_title=_readable(user, Thread, "thread_id"),
            dialogue=_readable(user, Thread, "thread_id", "workspace__title"),
        )
        .order_by("pk")
        .values(
            "id",
            "thread_title",
            "dialogue",
            "depth",
            "body_source",
            "created_at",
            "edited_at",
            "deleted_at",
            "hidden_at",
        )
    )
    revisions = (
        PostRevision.objects.filter(post__author=user)
        .order_by("post_id", "written_at", "pk")
        .values("post_id", "body_source", "written_at", "replaced_at")
    )
    for post, earlier in _beside(posts.iterator(), revisions.iterator(), "post_id"):
        yield {
            "id": post["id"],
            "thread": _or(post["thread_title"], THREAD_GONE),
            "dialogue": post["dialogue"],
            "opening_post": post["depth"] == 0,
            "body": post["body_source"],
            "written": post["created_at"],
            "edited": post["edited_at"],
            "deleted": post["deleted_at"],
            "hidden_by_a_moderator": post["hidden_at"],
            "earlier_versions": [
                {
                    "body": revision["body_source"],
                    "written": revision["written_at"],
                    "replaced": revision["replaced_at"],
                }
                for revision in earlier
            ],
        }


def _reactions(user: User) -> Iterator[dict]:
    rows = (
        Reaction.objects.filter(user=user)
        .annotate(thread=_readable(user, Thread, "post__thread_id"))
        .order_by("created_at", "pk")
        .values("kind", "thread", "created_at")
    )
    for row in rows.iterator():
        yield {
            "reaction": row["kind"],
            "label": _label(Reaction.Kind, row["kind"]),
            "thread": _or(row["thread"], THREAD_GONE),
            "when": row["created_at"],
        }


def _thread_reads(user: User) -> Iterator[dict]:
    rows = (
        ThreadReadState.objects.filter(user=user)
        .annotate(thread_title=_readable(user, Thread, "thread_id"))
        .order_by("pk")
        .values("thread_title", "read_until")
    )
    for row in rows.iterator():
        yield {"thread": _or(row["thread_title"], THREAD_GONE), "read_until": row["read_until"]}


def _chat_messages(user: User) -> Iterator[dict]:
    rows = (
        ChatMessage.objects.filter(author=user)
        .annotate(
            room_title=_readable(user, ChatRoom, "room_id"),
            dialogue=_readable(user, ChatRoom, "room_id", "workspace__title"),
        )
        .order_by("pk")
        .values(
            "room_title",
            "dialogue",
            "body_source",
            "created_at",
            "edited_at",
            "deleted_at",
            "hidden_at",
        )
    )
    for row in rows.iterator():
        yield {
            "room": _or(row["room_title"], ROOM_GONE),
            "dialogue": row["dialogue"],
            "body": row["body_source"],
            "sent": row["created_at"],
            "edited": row["edited_at"],
            "deleted": row["deleted_at"],
            "hidden_by_a_moderator": row["hidden_at"],
        }


def _chat_mutes(user: User) -> Iterator[dict]:
    rows = (
        ChatMute.objects.filter(user=user)
        .annotate(room_title=_readable(user, ChatRoom, "room_id"))
        .order_by("created_at", "pk")
        .values("room_title", "created_at", "until")
    )
    for row in rows.iterator():
        yield {
            "room": _or(row["room_title"], ROOM_GONE),
            "muted": row["created_at"],
            "until": row["until"],
        }


def _uploads(user: User) -> Iterator[dict]:
    rows = (
        DocumentVersion.objects.filter(uploaded_by=user)
        .annotate(
            document_title=_readable(user, Document, "document_id"),
            dialogue=_readable(user, Document, "document_id", "workspace__title"),
        )
        .order_by("created_at", "pk")
        .values(
            "document_title",
            "dialogue",
            "number",
            "filename",
            "content_type",
            "created_at",
            "size",
            "sha256",
            "change_note",
        )
    )
    for row in rows.iterator():
        yield {
            "document": _or(row["document_title"], DOCUMENT_GONE),
            "dialogue": row["dialogue"],
            "version": row["number"],
            "file_name": row["filename"],
            "type": row["content_type"],
            "uploaded": row["created_at"],
            "size": row["size"],
            "sha256": row["sha256"],
            "change_note": row["change_note"] or None,
        }


def _downloads(user: User) -> Iterator[dict]:
    rows = (
        Download.objects.filter(user=user)
        .annotate(document_title=_readable(user, Document, "version__document_id"))
        .order_by("created_at", "pk")
        .values("document_title", "version__number", "code", "created_at", "sha256", "watermarked")
    )
    for row in rows.iterator():
        yield {
            "document": _or(row["document_title"], DOCUMENT_GONE),
            "version": row["version__number"],
            "download_id": row["code"],
            "downloaded": row["created_at"],
            "sha256": row["sha256"],
            "watermarked": row["watermarked"],
        }


def _acknowledgements(user: User) -> Iterator[dict]:
    rows = (
        MarkingAcknowledgement.objects.filter(user=user)
        .annotate(document_title=_readable(user, Document, "document_id"))
        .order_by("acknowledged_at", "pk")
        .values("document_title", "marking", "acknowledged_at")
    )
    for row in rows.iterator():
        yield {
            "document": _or(row["document_title"], DOCUMENT_GONE),
            "marking": _label(Marking, row["marking"]),
            "acknowledged": row["acknowledged_at"],
        }


def _session_fields(user: User, ref: str) -> dict[str, Subquery]:
    return {
        "session_title": _readable(user, DialogueSession, ref),
        "session_dialogue": _readable(user, DialogueSession, ref, "workspace__title"),
        "session_starts": _readable(user, DialogueSession, ref, "starts_at"),
    }


def _registrations(user: User) -> Iterator[dict]:
    rows = (
        SessionRegistration.objects.filter(user=user)
        .annotate(**_session_fields(user, "session_id"))
        .order_by("created_at", "pk")
        .values(
            "session_title", "session_dialogue", "session_starts", "created_at", "registered_by_id"
        )
    )
    for row in rows.iterator():
        yield {
            "session": _or(row["session_title"], SESSION_GONE),
            "dialogue": row["session_dialogue"],
            "starts": row["session_starts"],
            "registered": row["created_at"],
            "registered_by_you": row["registered_by_id"] == user.pk,
        }


def _attendance(user: User) -> Iterator[dict]:
    rows = (
        SessionAttendance.objects.filter(user=user)
        .annotate(**_session_fields(user, "session_id"))
        .order_by("joined_at", "pk")
        .values("session_title", "session_dialogue", "session_starts", "joined_at")
    )
    for row in rows.iterator():
        yield {
            "session": _or(row["session_title"], SESSION_GONE),
            "dialogue": row["session_dialogue"],
            "starts": row["session_starts"],
            "joined": row["joined_at"],
        }


def _item_attendance(user: User) -> Iterator[dict]:
    rows = (
        ItemAttendance.objects.filter(user=user)
        .annotate(
            item_title=_readable(user, AgendaItem, "agenda_item_id"),
            session_title=_readable(user, DialogueSession, "session_id"),
        )
        .order_by("first_seen_at", "pk")
        .values("item_title", "session_title", "first_seen_at")
    )
    for row in rows.iterator():
        yield {
            "agenda_item": _or(row["item_title"], ITEM_GONE),
            "session": _or(row["session_title"], SESSION_GONE),
            "present_from": row["first_seen_at"],
        }


def _floor_requests(user: User) -> Iterator[dict]:
    rows = (
        FloorRequest.objects.filter(user=user)
        .annotate(session_title=_readable(user, DialogueSession, "session_id"))
        .order_by("raised_at", "pk")
        .values("session_title", "status", "for_jurisdiction", "raised_at", "resolved_at")
    )
    for row in rows.iterator():
        yield {
            "session": _or(row["session_title"], SESSION_GONE),
            "status": _label(FloorRequest.Status, row["status"]),
            "for_your_jurisdiction": row["for_jurisdiction"],
            "raised": row["raised_at"],
            "resolved": row["resolved_at"],
        }


def _poll_answers(user: User) -> Iterator[dict]:
    rows = (
        PollAnswer.objects.filter(user=user)
        .annotate(session_title=_readable(user, SchedulingPoll, "slot__poll_id", "session__title"))
        .order_by("answered_at", "pk")
        .values(
            "session_title",
            "slot__starts_at",
            "slot__duration_minutes",
            "choice",
            "for_jurisdiction",
            "answered_at",
        )
    )
    for row in rows.iterator():
        yield {
            "session": _or(row["session_title"], SESSION_GONE),
            "slot_starts": row["slot__starts_at"],
            "slot_minutes": row["slot__duration_minutes"],
            "answer": _label(PollAnswer.Choice, row["choice"]),
            "for_your_jurisdiction": row["for_jurisdiction"],
            "answered": row["answered_at"],
        }


def _minutes_comments(user: User) -> Iterator[dict]:
    rows = (
        MinutesComment.objects.filter(author=user)
        .annotate(session_title=_readable(user, DialogueSession, "session_id"))
        .order_by("created_at", "pk")
        .values("session_title", "kind", "body_source", "created_at")
    )
    for row in rows.iterator():
        yield {
            "session": _or(row["session_title"], SESSION_GONE),
            "kind": _label(MinutesComment.Kind, row["kind"]),
            "body": row["body_source"],
            "written": row["created_at"],
        }


def _actions(user: User) -> Iterator[dict]:
    # The description is the minutes' (written by who ran the session): only while readable.
    rows = (
        ActionItem.objects.filter(owner=user)
        .annotate(
            readable_description=_readable(user, ActionItem, "pk", "description"),
            session_title=_readable(user, DialogueSession, "session_id"),
        )
        .order_by("due_date", "pk")
        .values("readable_description", "session_title", "due_date", "done_at")
    )
    for row in rows.iterator():
        yield {
            "action": _or(row["readable_description"], ITEM_GONE),
            "session": _or(row["session_title"], SESSION_GONE),
            "due": row["due_date"],
            "done": row["done_at"],
        }


def _announcements(user: User) -> Iterator[dict]:
    rows = (
        Announcement.objects.filter(author=user)
        .order_by("created_at", "pk")
        .values("title", "body_source", "created_at", "edited_at", "withdrawn_at")
    )
    for row in rows.iterator():
        yield {
            "title": row["title"],
            "body": row["body_source"],
            "posted": row["created_at"],
            "edited": row["edited_at"],
            "withdrawn": row["withdrawn_at"],
        }


def _announcement_reads(user: User) -> Iterator[dict]:
    rows = (
        AnnouncementRead.objects.filter(user=user)
        .annotate(title=_readable(user, Announcement, "announcement_id"))
        .order_by("read_at", "pk")
        .values("title", "read_at")
    )
    for row in rows.iterator():
        yield {"announcement": _or(row["title"], ITEM_GONE), "read": row["read_at"]}


def _pseudonyms(user: User) -> Iterator[dict]:
    rows = (
        Pseudonym.objects.filter(user=user)
        .annotate(dialogue=_readable(user, Workspace, "workspace_id"))
        .order_by("created_at", "pk")
        .values("dialogue", "context", "number", "created_at")
    )
    for row in rows.iterator():
        yield {
            "dialogue": _or(row["dialogue"], DIALOGUE_GONE),
            # "thread", "session", "room" or "workspace": where the pseudonym is used.
            "used_in": row["context"].partition(":")[0],
            "pseudonym": gettext("Participant %(number)s") % {"number": row["number"]},
            "since": row["created_at"],
        }


def _notifications(user: User) -> Iterator[dict]:
    about = Coalesce(
        _readable(user, Thread, "thread_id"),
        _readable(user, SchedulingPoll, "poll_id", "session__title"),
        _readable(user, DialogueSession, "session_id"),
        _readable(user, ChatRoom, "room_id"),
        _readable(user, Announcement, "announcement_id"),
        _readable(user, Workspace, "workspace_id"),
    )
    rows = (
        Notification.objects.filter(recipient=user)
        .annotate(about=about)
        .order_by("created_at", "pk")
        .values(
            "kind",
            "about",
            "workspace_id",
            "announcement_id",
            "item_count",
            "created_at",
            "read_at",
            "emailed_at",
        )
    )
    for row in rows.iterator():
        about_something = row["workspace_id"] is not None or row["announcement_id"] is not None
        yield {
            "kind": row["kind"],
            "what": _label(Notification.Kind, row["kind"]),
            "about": _or(row["about"], ITEM_GONE) if about_something else None,
            "count": row["item_count"],
            "when": row["created_at"],
            "read": row["read_at"],
            "emailed": row["emailed_at"],
        }


_PREFERENCES = (
    "email_mentions",
    "email_replies",
    "daily_digest",
    "notify_new_threads",
    "email_sessions",
)


def _notification_preferences(user: User) -> Iterator[dict]:
    stored = NotificationPreference.objects.filter(user=user).first()
    preference = stored or NotificationPreference(user=user)
    row = {name: getattr(preference, name) for name in _PREFERENCES}
    row["email_announcements"] = preference.get_email_announcements_display()
    row["as_set_by_you"] = stored is not None
    yield row


def _data_exports(user: User) -> Iterator[dict]:
    rows = DataExport.objects.filter(user=user).order_by("requested_at", "pk")
    for row in rows.values("requested_at", "status", "ready_at", "expires_at", "downloaded_at"):
        yield {
            "requested": row["requested_at"],
            "status": _label(DataExport.Status, row["status"]),
            "ready": row["ready_at"],
            "expires": row["expires_at"],
            "downloaded": row["downloaded_at"],
        }


_EMAIL = re.compile(r"[^\s<>()\"',;:]+@[^\s<>()\"',;:]+\.[^\s<>()\"',;:]+")
# Where an audit record names a dialogue: by its short name, in its scope and these parameters.
_DIALOGUE_PARAMS = ("workspace", "source", "target")


@dataclass(frozen=True)
class _Masks:
    """What an audit summary may not say to this official: others' email addresses, and the
    short names of dialogues they cannot read (a short name often spells out the title)."""

    own_emails: frozenset[str]
    readable_slugs: frozenset[str]

    def slugs_to_hide(self, event: AuditEvent) -> set[str]:
        params = event.summary_params if isinstance(event.summary_params, dict) else {}
        named = {params.get(key) for key in _DIALOGUE_PARAMS}
        kind, _colon, slug = event.scope.partition(":")
        if kind == "workspace":
            named.add(slug)
        return {s for s in named if isinstance(s, str) and s and s not in self.readable_slugs}

    def apply(self, event: AuditEvent, text: str) -> str:
        text = _EMAIL.sub(
            lambda found: found[0] if found[0].lower() in self.own_emails else str(SOMEONE_ELSE),
            text or "",
        )
        for slug in self.slugs_to_hide(event):
            text = re.sub(rf"(?<![\w-]){re.escape(slug)}(?![\w-])", str(A_DIALOGUE_GONE), text)
        return text


def _masks(user: User) -> _Masks:
    own = set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    own.add(user.email)
    readable = set(visible(user, Workspace).values_list("slug", flat=True))
    # The library has no roster: its short name hides nothing from a member who reads it.
    if library_capabilities(user):
        readable |= set(
            Workspace.objects.filter(kind=Workspace.Kind.LIBRARY).values_list("slug", flat=True)
        )
    return _Masks(frozenset(e.lower() for e in own), frozenset(readable))


def _audit_events(user: User) -> Iterator[dict]:
    masks = _masks(user)
    events = (
        AuditEvent.objects.filter(Q(actor=user) | Q(target_user=user))
        .order_by("created_at", "pk")
        # Never the detail (it may name others) nor another actor's label; whether someone it
        # concerns was erased since (its summary then says its action alone) in the same query.
        .select_related("actor", "target_user")
        .only(
            "action",
            "created_at",
            "actor_id",
            "target_user_id",
            "actor__erased_at",
            "target_user__erased_at",
            "scope",
            "ip_address",
            "summary",
            "summary_template",
            "summary_params",
        )
    )
    for event in events.iterator():
        mine = event.actor_id == user.pk
        if mine:
            by = gettext("You")
        elif event.actor_id is None:
            by = gettext("No account: Enclave itself, or someone not signed in")
        else:
            by = gettext("Someone else")
        yield {
            "action": event.action,
            "what": event.get_action_display(),
            "when": event.created_at,
            "by": by,
            # The address of the one who acted: another person's is theirs, not the official's.
            "address": event.ip_address if mine else None,
            "summary": masks.apply(event, event_summary(event)),
        }


_DIALOGUE = (Field("dialogue", gettext_lazy("Dialogue")),)
SECTIONS: tuple[Section, ...] = (
    Section(
        "profile",
        gettext_lazy("Profile"),
        (
            Field("name", gettext_lazy("Name")),
            Field("email", gettext_lazy("Email")),
            Field("handle", gettext_lazy("Handle")),
            Field("affiliation", gettext_lazy("Affiliation")),
            Field("jurisdiction", gettext_lazy("Jurisdiction")),
            Field("jurisdiction_status", gettext_lazy("Jurisdiction's status")),
            Field("standing", gettext_lazy("Standing")),
            Field("roles", gettext_lazy("Roles")),
            Field("secretariat", gettext_lazy("Secretariat staff")),
            Field("co_chair", gettext_lazy("Co-Chair")),
            Field("focal_point", gettext_lazy("Focal point")),
            Field("admin_access", gettext_lazy("Django admin access")),
            Field("active", gettext_lazy("Active")),
            Field("language", gettext_lazy("Language")),
            Field("time_zone", gettext_lazy("Time zone")),
            Field("joined", gettext_lazy("Joined")),
            Field("last_sign_in", gettext_lazy("Last sign-in")),
            Field("access_review_on", gettext_lazy("Access review date")),
            Field("access_last_confirmed", gettext_lazy("Access last confirmed")),
            Field("suspended", gettext_lazy("Suspended")),
            Field("invited_as", gettext_lazy("Invited as")),
            Field("invitation_accepted", gettext_lazy("Invitation accepted")),
        ),
        _profile,
        single=True,
    ),
    Section(
        "email_addresses",
        gettext_lazy("Email addresses"),
        (
            Field("email", gettext_lazy("Email")),
            Field("verified", gettext_lazy("Verified")),
            Field("primary", gettext_lazy("Primary")),
        ),
        _email_addresses,
    ),
    Section(
        "second_factors",
        gettext_lazy("Second factors"),
        (
            Field("kind", gettext_lazy("Kind")),
            Field("added", gettext_lazy("Added")),
            Field("last_used", gettext_lazy("Last used")),
        ),
        _second_factors,
        about=gettext_lazy("Their kind and dates only: their secrets stay in Enclave."),
    ),
    Section(
        "sign_in_sessions",
        gettext_lazy("Sign-in sessions"),
        (
            Field("address", gettext_lazy("Address")),
            Field("browser", gettext_lazy("Browser")),
            Field("first_seen", gettext_lazy("First seen")),
            Field("last_seen", gettext_lazy("Last seen")),
        ),
        _sign_in_sessions,
    ),
    Section(
        "api_tokens",
        gettext_lazy("API tokens"),
        (
            Field("name", gettext_lazy("Name")),
            Field("key_prefix", gettext_lazy("Key")),
            Field("scope", gettext_lazy("What it may do")),
            Field("created", gettext_lazy("Created")),
            Field("expires", gettext_lazy("Expires")),
            Field("revoked", gettext_lazy("Revoked")),
            Field("last_used", gettext_lazy("Last used")),
            Field("last_address", gettext_lazy("Last used from")),
        ),
        _api_tokens,
    ),
    Section(
        "calendar_feed",
        gettext_lazy("Calendar link"),
        (
            Field("created", gettext_lazy("Created")),
            Field("last_address", gettext_lazy("Last read from")),
        ),
        _calendar_feed,
    ),
    Section(
        "dialogues",
        gettext_lazy("Dialogues you are on"),
        (
            *_DIALOGUE,
            Field("role", gettext_lazy("Your role")),
            Field("archived", gettext_lazy("Archived")),
        ),
        _dialogues,
    ),
    Section(
        "undertakings",
        gettext_lazy("Undertakings you accepted"),
        (
            *_DIALOGUE,
            Field("version", gettext_lazy("Version")),
            Field("accepted", gettext_lazy("Accepted")),
        ),
        _undertakings,
    ),
    Section(
        "posts",
        gettext_lazy("Your posts"),
        (
            Field("thread", gettext_lazy("Thread")),
            *_DIALOGUE,
            Field("opening_post", gettext_lazy("Opening post")),
            Field("body", gettext_lazy("Text"), text=True),
            Field("written", gettext_lazy("Written")),
            Field("edited", gettext_lazy("Edited")),
            Field("deleted", gettext_lazy("Deleted")),
            Field("hidden_by_a_moderator", gettext_lazy("Hidden by a moderator")),
            Field(
                "earlier_versions",
                gettext_lazy("Earlier versions"),
                nested=(
                    Field("body", gettext_lazy("Text"), text=True),
                    Field("written", gettext_lazy("Written")),
                    Field("replaced", gettext_lazy("Replaced")),
                ),
            ),
        ),
        _posts,
        about=gettext_lazy("The text as you wrote it (Markdown), with its earlier versions."),
    ),
    Section(
        "reactions",
        gettext_lazy("Your reactions"),
        (
            Field("label", gettext_lazy("Reaction")),
            Field("thread", gettext_lazy("Thread")),
            Field("when", gettext_lazy("When")),
        ),
        _reactions,
    ),
    Section(
        "threads_read",
        gettext_lazy("How far you read each thread"),
        (Field("thread", gettext_lazy("Thread")), Field("read_until", gettext_lazy("Read until"))),
        _thread_reads,
    ),
    Section(
        "chat_messages",
        gettext_lazy("Your chat messages"),
        (
            Field("room", gettext_lazy("Room")),
            *_DIALOGUE,
            Field("body", gettext_lazy("Text"), text=True),
            Field("sent", gettext_lazy("Sent")),
            Field("edited", gettext_lazy("Edited")),
            Field("deleted", gettext_lazy("Deleted")),
            Field("hidden_by_a_moderator", gettext_lazy("Hidden by a moderator")),
        ),
        _chat_messages,
    ),
    Section(
        "chat_mutes",
        gettext_lazy("Times you were muted in a chat room"),
        (
            Field("room", gettext_lazy("Room")),
            Field("muted", gettext_lazy("Muted")),
            Field("until", gettext_lazy("Until")),
        ),
        _chat_mutes,
    ),
    Section(
        "documents_uploaded",
        gettext_lazy("Documents you uploaded"),
        (
            Field("document", gettext_lazy("Document")),
            *_DIALOGUE,
            Field("version", gettext_lazy("Version")),
            Field("file_name", gettext_lazy("File name")),
            Field("type", gettext_lazy("Type")),
            Field("uploaded", gettext_lazy("Uploaded")),
            Field("size", gettext_lazy("Size (bytes)")),
            Field("sha256", gettext_lazy("SHA-256")),
            Field("change_note", gettext_lazy("Change note")),
        ),
        _uploads,
        about=gettext_lazy("Their details only, not the files."),
    ),
    Section(
        "downloads",
        gettext_lazy("Your downloads"),
        (
            Field("document", gettext_lazy("Document")),
            Field("version", gettext_lazy("Version")),
            Field("download_id", gettext_lazy("Download id")),
            Field("downloaded", gettext_lazy("Downloaded")),
            Field("sha256", gettext_lazy("SHA-256 of the copy")),
            Field("watermarked", gettext_lazy("Watermarked")),
        ),
        _downloads,
    ),
    Section(
        "markings_acknowledged",
        gettext_lazy("Handling markings you acknowledged"),
        (
            Field("document", gettext_lazy("Document")),
            Field("marking", gettext_lazy("Marking")),
            Field("acknowledged", gettext_lazy("Acknowledged")),
        ),
        _acknowledgements,
    ),
    Section(
        "session_registrations",
        gettext_lazy("Your registrations for dialogue sessions"),
        (
            Field("session", gettext_lazy("Session")),
            *_DIALOGUE,
            Field("starts", gettext_lazy("Starts")),
            Field("registered", gettext_lazy("Registered")),
            Field("registered_by_you", gettext_lazy("Registered by you")),
        ),
        _registrations,
    ),
    Section(
        "session_attendance",
        gettext_lazy("Sessions you attended"),
        (
            Field("session", gettext_lazy("Session")),
            *_DIALOGUE,
            Field("starts", gettext_lazy("Starts")),
            Field("joined", gettext_lazy("Joined")),
        ),
        _attendance,
    ),
    Section(
        "agenda_item_attendance",
        gettext_lazy("Agenda items you were present for"),
        (
            Field("agenda_item", gettext_lazy("Agenda item")),
            Field("session", gettext_lazy("Session")),
            Field("present_from", gettext_lazy("Present from")),
        ),
        _item_attendance,
    ),
    Section(
        "floor_requests",
        gettext_lazy("Turns you asked for in live sessions"),
        (
            Field("session", gettext_lazy("Session")),
            Field("status", gettext_lazy("Status")),
            Field("for_your_jurisdiction", gettext_lazy("For your jurisdiction")),
            Field("raised", gettext_lazy("Asked")),
            Field("resolved", gettext_lazy("Resolved")),
        ),
        _floor_requests,
    ),
    Section(
        "poll_answers",
        gettext_lazy("Your answers to scheduling polls"),
        (
            Field("session", gettext_lazy("Session")),
            Field("slot_starts", gettext_lazy("Slot")),
            Field("slot_minutes", gettext_lazy("Minutes")),
            Field("answer", gettext_lazy("Answer")),
            Field("for_your_jurisdiction", gettext_lazy("For your jurisdiction")),
            Field("answered", gettext_lazy("Answered")),
        ),
        _poll_answers,
    ),
    Section(
        "minutes_comments",
        gettext_lazy("Your comments on minutes"),
        (
            Field("session", gettext_lazy("Session")),
            Field("kind", gettext_lazy("Kind")),
            Field("body", gettext_lazy("Text"), text=True),
            Field("written", gettext_lazy("Written")),
        ),
        _minutes_comments,
    ),
    Section(
        "actions",
        gettext_lazy("Actions assigned to you"),
        (
            Field("action", gettext_lazy("Action")),
            Field("session", gettext_lazy("Session")),
            Field("due", gettext_lazy("Due")),
            Field("done", gettext_lazy("Done")),
        ),
        _actions,
    ),
    Section(
        "announcements_posted",
        gettext_lazy("Announcements you posted"),
        (
            Field("title", gettext_lazy("Title")),
            Field("body", gettext_lazy("Text"), text=True),
            Field("posted", gettext_lazy("Posted")),
            Field("edited", gettext_lazy("Edited")),
            Field("withdrawn", gettext_lazy("Withdrawn")),
        ),
        _announcements,
    ),
    Section(
        "announcements_read",
        gettext_lazy("Announcements you read"),
        (Field("announcement", gettext_lazy("Announcement")), Field("read", gettext_lazy("Read"))),
        _announcement_reads,
    ),
    Section(
        "pseudonyms",
        gettext_lazy("Your pseudonyms"),
        (
            *_DIALOGUE,
            Field("used_in", gettext_lazy("Used in")),
            Field("pseudonym", gettext_lazy("Pseudonym")),
            Field("since", gettext_lazy("Since")),
        ),
        _pseudonyms,
        about=gettext_lazy(
            "The labels others read instead of your name where a dialogue shows pseudonyms."
        ),
    ),
    Section(
        "notifications",
        gettext_lazy("Your notifications"),
        (
            Field("what", gettext_lazy("What")),
            Field("about", gettext_lazy("About")),
            Field("count", gettext_lazy("How many")),
            Field("when", gettext_lazy("When")),
            Field("read", gettext_lazy("Read")),
            Field("emailed", gettext_lazy("Emailed")),
        ),
        _notifications,
    ),
    Section(
        "notification_preferences",
        gettext_lazy("Your notification settings"),
        (
            Field("email_mentions", gettext_lazy("Email me when someone mentions me")),
            Field("email_replies", gettext_lazy("Email me when someone replies to me")),
            Field("daily_digest", gettext_lazy("Send me a daily digest")),
            Field("notify_new_threads", gettext_lazy("Notify me of new threads in my dialogues")),
            Field("email_sessions", gettext_lazy("Email me about dialogue sessions")),
            Field("email_announcements", gettext_lazy("Announcements")),
            Field("as_set_by_you", gettext_lazy("Set by you (otherwise the defaults)")),
        ),
        _notification_preferences,
        single=True,
    ),
    Section(
        "data_exports",
        gettext_lazy("Your requests for this archive"),
        (
            Field("requested", gettext_lazy("Requested")),
            Field("status", gettext_lazy("Status")),
            Field("ready", gettext_lazy("Ready")),
            Field("expires", gettext_lazy("Expires")),
            Field("downloaded", gettext_lazy("Downloaded")),
        ),
        _data_exports,
    ),
    Section(
        "audit_events",
        gettext_lazy("Audit records about you"),
        (
            Field("what", gettext_lazy("What")),
            Field("when", gettext_lazy("When")),
            Field("by", gettext_lazy("By")),
            Field("address", gettext_lazy("Your address")),
            Field("summary", gettext_lazy("Record")),
        ),
        _audit_events,
        about=gettext_lazy(
            "What you did, and what was done to your account. Another person who acted is not "
            "named, and only your own network address is shown."
        ),
    ),
)
