"""Creating notifications and their emails: leak-safe by default.

A notification names only an item its recipient may see (checked when it is created, again when
it is shown, and again when it is emailed). Emails from a workspace carry no content unless the
Secretariat allowed excerpts for it: only "New activity in <workspace>" and a link. An
announcement's email likewise says only that there is one, with a link, unless its author let
it carry the title and an excerpt; each reader chooses to get it at once, in the digest or never.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import site_url
from core.events import after_commit
from core.mail import send_email_in
from core.markup import plain_excerpt
from dialogues.attribution.bylines import DialogueBylines
from dialogues.models import (
    Announcement,
    AnnouncementRead,
    Notification,
    NotificationPreference,
    Post,
    SchedulingPoll,
    Thread,
)
from dialogues.notifications.live import announce_counts
from workspaces.access import (
    Capability,
    can,
    may_review_access,
    people_who_can_view,
)

EMAIL_PREFERENCE = {
    Notification.Kind.MENTION: "email_mentions",
    Notification.Kind.REPLY: "email_replies",
    Notification.Kind.SESSION_SCHEDULED: "email_sessions",
    Notification.Kind.SESSION_CHANGED: "email_sessions",
    Notification.Kind.POLL_OPENED: "email_sessions",
    Notification.Kind.SESSION_STARTING: "email_sessions",
    Notification.Kind.MINUTES_REVIEW: "email_sessions",
    Notification.Kind.MINUTES_APPROVED: "email_sessions",
    Notification.Kind.ACTION_ASSIGNED: "email_sessions",
    Notification.Kind.UNMASKED: None,  # always emailed: it concerns the person's identity
    # Kinds absent here are not emailed from here: an access review's email is the review's
    # own (accounts.reviews), sent with the notice.
}


def preferences_of(user: User) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.get_or_create(user=user)
    return preference


def notify(
    *,
    kind: str,
    recipients: Iterable[User],
    actor: User | None,
    thread: Thread | None = None,
    post: Post | None = None,
    room=None,
    session=None,
    poll=None,
    workspace=None,
) -> list[Notification]:
    """Notify each recipient who may see the thread, room or session (or, for a notice about
    the workspace itself, the workspace), never the actor. Emails go after commit."""
    actor_id = actor.pk if actor is not None else None
    recipients = [u for u in recipients if u.pk != actor_id]
    if not recipients:
        return []
    item = next(i for i in (thread, room, session, poll, workspace) if i is not None)
    allowed = set(people_who_can_view(item).values_list("pk", flat=True))
    wanted = {u.pk: u for u in recipients if u.pk in allowed}
    if not wanted:
        return []
    # One notification per recipient and post: a mention in a reply to me is one notice.
    already = (
        set(
            Notification.objects.filter(post=post, recipient_id__in=wanted).values_list(
                "recipient_id", flat=True
            )
        )
        if post is not None
        else set()
    )
    created = Notification.objects.bulk_create(
        Notification(
            recipient_id=pk,
            kind=kind,
            actor=actor,
            workspace_id=_workspace_id(item, workspace),
            thread=thread,
            post=post,
            room=room,
            session=session,
            poll=poll,
        )
        for pk in wanted
        if pk not in already
    )
    # The recipients' open sockets update their bell once this commits.
    announce_counts(n.recipient_id for n in created)
    if kind in EMAIL_PREFERENCE:
        ids = [n.pk for n in created]
        # robust: a mail server failure is logged; the post is saved and the digest retries.
        after_commit(lambda: send_immediate_emails(ids))
    return created


def _workspace_id(item, workspace) -> int:
    if item is workspace:
        return item.pk
    # A poll belongs to its session's workspace.
    return item.session.workspace_id if isinstance(item, SchedulingPoll) else item.workspace_id


def access_review_notify(*, sponsor: User, due: int, dormant: int) -> Notification | None:
    """Ring `sponsor`'s bell: the daily access review asked them to review `due` officials
    and told them of `dormant` ones (one notice per sponsor and run, naming nobody: a count
    and a link to the review page). Nothing for someone who reviews nobody's access."""
    count = due + dormant
    if count <= 0 or not may_review_access(sponsor):
        return None
    notification = Notification.objects.create(
        recipient=sponsor,
        kind=Notification.Kind.ACCESS_REVIEW,
        actor=None,
        workspace=None,
        item_count=count,
    )
    announce_counts([sponsor.pk])
    return notification


def ring_access_review(sender, *, sponsor: User, due: int, dormant: int, **kwargs) -> None:
    """Receiver of `accounts.signals.access_review_asked` (connected in DialoguesConfig)."""
    access_review_notify(sponsor=sponsor, due=due, dormant=dormant)


def announcement_notify(*, announcement: Announcement, actor: User) -> list[Notification]:
    """Ring the bell of everyone who may read `announcement` (the policy's readers: standing
    and audience), its author left out; once this commits, email those who want it at once
    (a background task: a partnership-wide announcement may go to hundreds)."""
    readers = people_who_can_view(announcement).exclude(pk=actor.pk).values_list("pk", flat=True)
    created = Notification.objects.bulk_create(
        Notification(
            recipient_id=pk,
            kind=Notification.Kind.ANNOUNCEMENT,
            actor=actor,
            workspace=None,
            announcement=announcement,
        )
        for pk in readers
    )
    announce_counts(n.recipient_id for n in created)
    ids = [n.pk for n in created]
    if ids:
        from dialogues.notifications.tasks import email_announcement

        after_commit(lambda: email_announcement.enqueue(ids))
    return created


def announcement_notices_read(*, actor: User, announcement_ids: list[int]) -> int:
    """The reader has read these announcements: their notices to them are read too (the bell
    drops)."""
    if not announcement_ids:
        return 0
    read = Notification.objects.filter(
        recipient=actor, announcement_id__in=announcement_ids, read_at__isnull=True
    ).update(read_at=timezone.now())
    if read:
        announce_counts([actor.pk])
    return read


def announcement_delivery(preference: NotificationPreference | None) -> str:
    """How a reader wants announcements emailed: at once, in the digest, or never."""
    if preference is None:
        return NotificationPreference.Delivery.AT_ONCE
    return preference.email_announcements


def announcement_email_context(notification: Notification, base: str) -> dict:
    """Leak-safe: a link, and the title and an excerpt only where the author allowed them."""
    announcement = notification.announcement
    context = {"url": base + notification_link(notification), "title": None, "excerpt": None}
    if announcement.email_excerpt:
        context["title"] = announcement.title
        context["excerpt"] = announcement.body_excerpt  # stored on write
    return context


def send_announcement_emails(notification_ids: list[int]) -> int:
    """Email each announcement notice whose reader wants it at once and may still read it, in
    the reader's language; a notice emailed is marked so (the digest leaves it out)."""
    base = site_url(None)
    notifications = list(
        Notification.objects.filter(
            pk__in=notification_ids,
            kind=Notification.Kind.ANNOUNCEMENT,
            emailed_at__isnull=True,
            read_at__isnull=True,
        ).select_related("recipient__jurisdiction", "announcement")
    )
    preferences = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(
            user_id__in=[n.recipient_id for n in notifications]
        )
    }
    at_once = NotificationPreference.Delivery.AT_ONCE
    # Who may still read each announcement, asked of the policy once per announcement (not a
    # `can` per reader: a partnership-wide announcement goes to hundreds).
    readers: dict[int, set[int]] = {}
    for announcement in {n.announcement for n in notifications}:
        recipients = [n.recipient_id for n in notifications if n.announcement == announcement]
        still = people_who_can_view(announcement).filter(pk__in=recipients)
        readers[announcement.pk] = set(still.values_list("pk", flat=True))
    emailed = []
    for notification in notifications:
        if announcement_delivery(preferences.get(notification.recipient_id)) != at_once:
            continue
        if notification.recipient_id not in readers[notification.announcement_id]:
            continue
        if not send_email_in(
            notification.recipient.language,
            kind="announcement",
            subject=gettext_lazy("[Enclave] New announcement"),
            template="dialogues/announcements/email/announcement.txt",
            context=announcement_email_context(notification, base),
            to=[notification.recipient.email],
        ):
            continue  # not marked emailed: the bell and the dashboard still show it
        emailed.append(notification.pk)
    Notification.objects.filter(pk__in=emailed).update(emailed_at=timezone.now())
    return len(emailed)


def notification_link(notification: Notification) -> str:
    if notification.announcement_id is not None:
        return reverse("announcement_detail", kwargs={"pk": notification.announcement_id})
    if notification.workspace_id is None:
        # The only notice about no workspace: an access review.
        return reverse("access_reviews")
    if notification.session_id:
        return reverse(
            "session_detail",
            kwargs={"slug": notification.workspace.slug, "pk": notification.session_id},
        )
    if notification.poll_id:
        return reverse(
            "poll_detail",
            kwargs={"slug": notification.workspace.slug, "session": notification.poll.session_id},
        )
    if notification.room_id:
        return reverse("chat_room", kwargs={"slug": notification.workspace.slug})
    if notification.post_id:
        return reverse("post_permalink", kwargs={"pk": notification.post_id})
    if notification.thread_id:
        return reverse(
            "thread_detail",
            kwargs={"slug": notification.workspace.slug, "pk": notification.thread_id},
        )
    return reverse("workspace_detail", kwargs={"slug": notification.workspace.slug})


def still_visible(notification: Notification) -> bool:
    if notification.announcement_id is not None:
        return can(notification.recipient, Capability.VIEW, notification.announcement)
    if notification.workspace_id is None:
        # An access review: shown while its reader may still review someone's access (which
        # needs standing: the platform policy gives no role without it).
        return notification.kind == Notification.Kind.ACCESS_REVIEW and may_review_access(
            notification.recipient
        )
    target = (
        notification.post
        or notification.thread
        or notification.session
        or notification.poll
        or notification.room
        or notification.workspace
    )
    return can(notification.recipient, Capability.VIEW, target)


def email_context(notification: Notification, base: str) -> dict:
    workspace = notification.workspace
    context = {
        "workspace": workspace,
        "url": base + notification_link(notification),
        "kind": notification.get_kind_display(),
        "excerpt": None,
    }
    if workspace.email_excerpts and notification.session_id:
        context["session_title"] = notification.session.title
    if workspace.email_excerpts and notification.poll_id:
        context["session_title"] = notification.poll.session.title
    if workspace.email_excerpts and notification.thread_id:
        context["thread_title"] = notification.thread.title
        if notification.post_id and not notification.post.hidden_at:
            # An email leaves the live view: mentions read as its bylines would.
            html = DialogueBylines(notification.thread, outside=True).mentions_html(
                notification.post.body_html
            )
            context["excerpt"] = plain_excerpt(html, 300)
    return context


def send_immediate_emails(notification_ids: list[int]) -> int:
    sent = 0
    base = site_url(None)
    notifications = Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("recipient", "workspace", "thread", "post", "session", "poll__session")
    for notification in notifications:
        if notification.kind not in EMAIL_PREFERENCE or notification.workspace_id is None:
            continue  # emailed where it was made (an access review's own email), not here
        preference = preferences_of(notification.recipient)
        wanted = EMAIL_PREFERENCE[notification.kind]
        if wanted is not None and not getattr(preference, wanted):
            continue
        if not still_visible(notification):
            continue
        context = email_context(notification, base)
        # Subject and body in the recipient's language, whoever's action sent it.
        if not send_email_in(
            notification.recipient.language,
            kind="notification",
            subject=lambda title=notification.workspace.title: (
                _("[Enclave] New activity in %(title)s") % {"title": title}
            ),
            template="dialogues/notifications/email/notification.txt",
            context=context,
            to=[notification.recipient.email],
        ):
            # Not marked emailed; the bell still shows it and the daily digest counts it.
            continue
        Notification.objects.filter(pk=notification.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


@transaction.atomic
def notifications_mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    """The bell's notices read. An announcement's notice read is the announcement read: it
    leaves the dashboard too, as opening it would."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    announcements = set(
        unread.filter(announcement__isnull=False).values_list("announcement_id", flat=True)
    )
    AnnouncementRead.objects.bulk_create(
        [AnnouncementRead(announcement_id=pk, user=actor) for pk in announcements],
        ignore_conflicts=True,
    )
    return unread.update(read_at=timezone.now())


def preferences_update(*, actor: User, **choices) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.get_or_create(user=actor)
    for field, value in choices.items():
        if field == "email_announcements":
            if not value:
                continue  # not given: the choice stays as it was
            if value not in NotificationPreference.Delivery.values:
                raise ValidationError(_("Choose how announcements reach you."))
            preference.email_announcements = value
            continue
        if field not in {"email_mentions", "email_replies", "daily_digest", "notify_new_threads"}:
            raise ValidationError(_("Unknown preference."))
        setattr(preference, field, bool(value))
    preference.save()
    return preference
