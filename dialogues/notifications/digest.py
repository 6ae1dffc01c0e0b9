"""The daily digest: per workspace, how many new items (and how many access review notices);
no titles, no content, no names."""

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
from dialogues.notifications.services import still_visible


def send_digest(user: User) -> bool:
    """Email `user` a digest of undigested, unread notifications they may still see."""
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(of=("self",))
            .filter(recipient=user, digested_at__isnull=True, read_at__isnull=True)
            .select_related("recipient", "workspace", "thread", "post", "session", "poll__session")
        )
        shown = [n for n in pending if still_visible(n)]
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            digested_at=timezone.now()
        )
    if not shown:
        return False
    counts = Counter(n.workspace for n in shown if n.workspace_id is not None)
    context = {
        "groups": sorted(counts.items(), key=lambda item: item[0].title),
        # Notices about no workspace (access reviews): how many, nothing more.
        "reviews": sum(1 for n in shown if n.workspace_id is None),
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
