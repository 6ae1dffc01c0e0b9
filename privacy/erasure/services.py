"""Erasure that keeps the record: a departed official's personal data goes, what they wrote in
the dialogues stays under a stable label.

The account row stays (every post, document, attendance and audit event points at it, and
`PROTECT` keeps it so); its name, email and handle become "Former official N" (N is the row's
number, so the label is stable and names nobody), its password, email addresses, second factors,
tokens, sessions, notifications, reading marks, preferences and personal-data archives are
deleted. Everywhere a person is shown, the dialogues show that label under their attribution rule
("A participant" under Chatham House, the pseudonym where anonymous), because every page reads the
name from the account. Mentions of the old handle in anyone's text become the new handle, and the
old email and full name written in texts become the label.

With `remove_content`, their posts keep their place in the thread and say "Removed at the
author's request" (no text, no revisions), their chat messages are deleted the same way and their
comments on minutes lose their text. Documents they uploaded stay: they are the partnership's.

Audit events written before the erasure are left as they were (the log is append-only: see
docs/personal-data.md); the event that records the erasure carries counts only, and pages no
longer show the words of older events that concern the erased person.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import (
    ERASED_EMAIL_DOMAIN,
    ApiToken,
    AuditEvent,
    CalendarFeedToken,
    Invitation,
    User,
)
from accounts.policy import Capability, require
from accounts.services import sessions_end_all
from core.markup import renamed_mention
from dialogues.models import (
    ActionItem,
    AgendaItem,
    Announcement,
    AnnouncementRead,
    ChatMessage,
    ChatMute,
    ChatPresence,
    ChatReadState,
    DialogueSession,
    MinutesComment,
    MinutesEntry,
    Notification,
    NotificationPreference,
    Post,
    PostRevision,
    Thread,
    ThreadReadState,
)
from privacy.models import DataExport
from privacy.my_data.services import export_file_delete
from workspaces.models import Document

# Texts where people write about each other, wherever a page, an export or an email shows them:
# (model, [(source field, rendered HTML field)]). A field with no HTML twin is plain text.
WRITTEN: list[tuple[type[Model], list[tuple[str, str | None]]]] = [
    (Post, [("body_source", "body_html"), ("hidden_reason", None)]),
    (PostRevision, [("body_source", "body_html")]),
    (ChatMessage, [("body_source", "body_html"), ("hidden_reason", None)]),
    (ChatMute, [("reason", None)]),
    (MinutesComment, [("body_source", "body_html")]),
    (MinutesEntry, [("summary_source", "summary_html"), ("decisions_source", "decisions_html")]),
    (ActionItem, [("description", None)]),
    (AgendaItem, [("title", None), ("notes_source", "notes_html")]),
    (DialogueSession, [("title", None), ("description_source", "description_html")]),
    (Thread, [("title", None)]),
    (Announcement, [("title", None), ("body_source", "body_html"), ("body_excerpt", None)]),
    (Document, [("title", None), ("description", "description_html"), ("delete_reason", None)]),
]


@dataclass(frozen=True)
class ErasureSummary:
    """What an erasure changes, counted before it is done (the confirmation page) and recorded
    after (the audit event): counts only, never the personal data itself."""

    label: str
    posts: int
    chat_messages: int
    minutes_comments: int
    documents: int
    email_addresses: int
    second_factors: int
    api_tokens: int
    sessions: int
    notifications: int
    data_exports: int

    def as_detail(self) -> dict:
        detail = asdict(self)
        detail.pop("label")
        return detail


def erased_label(official: User) -> str:
    """Stored, so read by everyone in every language: written in the site's language, whatever
    the language of the Secretariat member who erases."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Former official %(number)s") % {"number": official.pk}


def _free_handle(official: User) -> str:
    handle, n = f"former-official-{official.pk}", 1
    while User.objects.filter(handle=handle).exclude(pk=official.pk).exists():
        n += 1  # someone invited as former-official-N@… took it first
        handle = f"former-official-{official.pk}-{n}"
    return handle


def erasure_check(*, actor: User, official: User) -> None:
    """Who may be erased: the policy (the Secretariat; nobody erases themselves), and only a
    departed official — deactivated first, so the usual rules of deactivation (the last Co-Chair,
    say) have been applied — not erased already."""
    require(actor, Capability.ERASE_OFFICIALS, official)
    if official.erased_at is not None:
        raise ValidationError(_("This official has been erased already."))
    if official.is_active:
        raise ValidationError(
            _("Deactivate this official first: only someone who has left can be erased.")
        )


def erasure_summary(*, actor: User, official: User) -> ErasureSummary:
    erasure_check(actor=actor, official=official)
    from allauth.usersessions.models import UserSession

    return ErasureSummary(
        label=erased_label(official),
        posts=Post.objects.filter(author=official, deleted_at__isnull=True).count(),
        chat_messages=ChatMessage.objects.filter(author=official, deleted_at__isnull=True).count(),
        minutes_comments=MinutesComment.objects.filter(author=official).count(),
        documents=Document.objects.filter(uploaded_by=official).count(),
        email_addresses=EmailAddress.objects.filter(user=official).count(),
        second_factors=Authenticator.objects.filter(user=official).count(),
        api_tokens=ApiToken.objects.filter(user=official).count(),
        sessions=UserSession.objects.filter(user=official).count(),
        notifications=Notification.objects.filter(recipient=official).count(),
        data_exports=DataExport.objects.filter(user=official).count(),
    )


@transaction.atomic
def official_erase(
    *,
    actor: User,
    official: User,
    remove_content: bool,
    request: HttpRequest | None = None,
) -> ErasureSummary:
    official = (
        User.objects.select_for_update(of=("self",))
        .select_related("jurisdiction")
        .get(pk=official.pk)
    )
    summary = erasure_summary(actor=actor, official=official)
    old_name, old_email, old_handle = official.full_name, official.email, official.handle
    label = erased_label(official)

    # Sessions first: their sockets close as the account stops being a person.
    sessions_end_all(user=official)
    official.full_name = label
    official.handle = _free_handle(official)
    official.email = f"{official.handle}@{ERASED_EMAIL_DOMAIN}"
    official.language = ""
    official.is_active = False
    official.is_staff = official.is_superuser = False
    official.is_co_chair = official.is_focal_point = False
    official.last_login = None
    official.erased_at = timezone.now()
    official.set_unusable_password()
    official.save()

    # The sign-in and everything personal that is not part of the dialogues' record.
    EmailAddress.objects.filter(user=official).delete()
    Authenticator.objects.filter(user=official).delete()
    ApiToken.objects.filter(user=official).delete()
    CalendarFeedToken.objects.filter(user=official).delete()
    Notification.objects.filter(recipient=official).delete()
    NotificationPreference.objects.filter(user=official).delete()
    for model in (ThreadReadState, ChatReadState, AnnouncementRead, ChatPresence):
        model.objects.filter(user=official).delete()
    _delete_data_exports(official)
    official.user_permissions.clear()
    invitations = Invitation.objects.filter(Q(accepted_user=official) | Q(email__iexact=old_email))
    invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    invitations.update(email=official.email, full_name="")
    # The admin's history names what it changed by its text of the day.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(official.pk)
    ).update(object_repr=str(official)[:200])

    if remove_content:
        _remove_content(official)
    written = {old_email: label}
    if len(old_name.split()) > 1:  # a single word could be anyone's
        written[old_name] = label
    _rewrite_texts(old_handle=old_handle, new_handle=official.handle, written=written)

    audit_record(
        action=AuditEvent.Action.OFFICIAL_ERASED,
        actor=actor,
        target_user=official,
        detail=summary.as_detail() | {"content_removed": remove_content},
        request=request,
    )
    return summary


def _delete_data_exports(official: User) -> None:
    for file_name in DataExport.objects.filter(user=official).values_list("file_name", flat=True):
        export_file_delete(file_name)
    DataExport.objects.filter(user=official).delete()


def _remove_content(official: User) -> None:
    now = timezone.now()
    posts = Post.objects.filter(author=official)
    PostRevision.objects.filter(post__in=posts).delete()
    posts.update(
        body_source="",
        body_html="",
        removed_on_request=True,
        deleted_at=now,
        edited_at=None,
    )
    ChatMessage.objects.filter(author=official).update(
        body_source="", body_html="", deleted_at=now, edited_at=None
    )
    with translation.override(settings.LANGUAGE_CODE):  # stored: read in every language
        removed = _("Removed at the author's request.")
    MinutesComment.objects.filter(author=official).update(
        body_source=removed, body_html=f"<p>{html.escape(removed)}</p>"
    )


def _rewrite_texts(*, old_handle: str, new_handle: str, written: dict[str, str]) -> None:
    """One scan of every kind of text for what names the erased person. Mentions are stored with
    the handle itself (pages show them as the bylines show people): the old handle becomes the
    new one. Each of `written` (the old email, the full name) becomes its label: in a source as
    it is, in rendered HTML as the sanitiser writes text (&, < and > escaped, quotes as they
    are)."""
    rewrites = [
        (_written_pattern(old), _written_pattern(html.escape(old, quote=False)), new)
        for old, new in written.items()
    ]
    needles = ["@" + old_handle, *written]
    for model, fields in WRITTEN:
        wanted = Q()
        for source, _html in fields:
            for needle in needles:
                wanted |= Q(**{f"{source}__icontains": needle})
        for row in model.objects.filter(wanted).iterator(chunk_size=500):
            changed = []
            for source, rendered in fields:
                for name, is_html in ((source, False), (rendered, True)):
                    if name is None:
                        continue
                    before = getattr(row, name)
                    after = renamed_mention(before, old_handle, new_handle)
                    for plain, escaped, new in rewrites:
                        if is_html:
                            after = escaped.sub(html.escape(new, quote=False), after)
                        else:
                            after = plain.sub(new, after)
                    if after != before:
                        setattr(row, name, after)
                        changed.append(name)
            if changed:
                row.save(update_fields=changed)


def _written_pattern(text: str) -> re.Pattern:
    """`text` as a whole word or address, in any case."""
    return re.compile(r"(?<![\w.@-])" + re.escape(text) + r"(?![\w@-])", re.IGNORECASE)
