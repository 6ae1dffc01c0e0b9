"""The daily digest: per workspace, how many new items (and how many access review notices
and, for readers who chose the digest for them, announcements); no titles, no content, no
names."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.services import site_url
from accounts.standing import people_with_standing
from core.mail import send_email_in
from dialogues.models import Notification, NotificationPreference
from dialogues.notifications.services import announcement_delivery, still_visible


def send_digest(user: User) -> bool:
    """Email `user` a digest of undigested, unread notifications they may still see."""
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(of=("self",))
            .filter(recipient=user, digested_at__isnull=True, read_at__isnull=True)
            .select_related(
                "recipient",
                "workspace",
                "thread",
                "post",
                "session",
                "poll__session",
                "announcement",
            )
        )
        # Announcements are counted here only for a reader who chose the digest for them.
        delivery = announcement_delivery(NotificationPreference.objects.filter(user=user).first())
        counts_announcements = delivery == NotificationPreference.Delivery.DIGEST
        shown = [
            n
            for n in pending
            if (counts_announcements or n.kind != Notification.Kind.ANNOUNCEMENT)
            and still_visible(n)
        ]
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            digested_at=timezone.now()
        )
    if not shown:
        return False
    counts = Counter(n.workspace for n in shown if n.workspace_id is not None)
    context = {
        "groups": sorted(counts.items(), key=lambda item: item[0].title),
        # Notices about no workspace (access reviews, announcements): how many, nothing more.
        "reviews": sum(1 for n in shown if n.kind == Notification.Kind.ACCESS_REVIEW),
        "announcements": sum(1 for n in shown if n.kind == Notification.Kind.ANNOUNCEMENT),
        "url": site_url(None) + reverse("notifications"),
    }
    if not send_email_in(
        user.language,  # each recipient's own, whatever the cron's
        kind="digest",
        subject=gettext_lazy("[Enclave] Your daily digest"),
        template="dialogues/notifications/email/digest.txt",
        context=context,
        to=[user.email],
    ):
        # Left for the next run, which counts them again.
        Notification.objects.filter(pk__in=[n.pk for n in shown]).update(digested_at=None)
        return False
    return True


def send_digests() -> int:
    opted_out = NotificationPreference.objects.filter(daily_digest=False).values("user_id")
    users = (
        User.objects.filter(
            people_with_standing(),  # the standing rule: nobody without it is emailed
            notifications__digested_at__isnull=True,
            notifications__read_at__isnull=True,
        )
        .exclude(pk__in=opted_out)
        .distinct()
    )
    return sum(send_digest(user) for user in users)
