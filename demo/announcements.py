"""The demo world's announcements: one from the Secretariat to all members (observers
included), one from a Co-Chair to full members only (the leak crawl checks that no observer
ever reads it). Both are unread on every dashboard; the bell starts clean, as for threads."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import User
from dialogues.announcements.services import announcement_post
from dialogues.models import Announcement, Notification

ANNOUNCEMENTS = [
    {
        "author": "secretariat",
        "audience": "everyone",
        "days_ago": 3,
        "title": "Partnership plenary: dates and registration for the spring meeting",
        "body": (
            "The spring plenary of the partnership will take place over two half-days, "
            "online, in the second half of April. Each member and observer jurisdiction may "
            "register up to four officials.\n\n"
            "- **Registration for the plenary** opens next week, through your focal point.\n"
            "- **Agenda proposals** are welcome until the end of the month.\n\n"
            "The Secretariat will circulate the draft agenda and the pre-reads in Enclave."
        ),
    },
    {
        "author": "cochair",
        "audience": "full_members",
        "days_ago": 1,
        "title": "Membership decisions ahead of the plenary: consultation of full members",
        "body": (
            "Ahead of the plenary, the Co-Chairs consult full members on two applications for "
            "observer status and on the renewal of one observer's mandate.\n\n"
            "Please send any comments on the applications to the Co-Chairs within three "
            "weeks. The files are confidential to full members until the plenary decides."
        ),
    },
]


def seed_announcements(officials: dict[str, User]) -> None:
    """Post each demo announcement once (one with the same title is left as it is)."""
    posted = []
    for spec in ANNOUNCEMENTS:
        if Announcement.objects.filter(title=spec["title"]).exists():
            continue
        announcement = announcement_post(
            actor=officials[spec["author"]],
            title=spec["title"],
            body=spec["body"],
            audience=spec["audience"],
        )
        when = timezone.now() - datetime.timedelta(days=spec["days_ago"])
        Announcement.objects.filter(pk=announcement.pk).update(created_at=when)
        posted.append(announcement.pk)
    # The demo starts with a clean bell and no email: the dashboards show them, unread.
    now = timezone.now()
    Notification.objects.filter(announcement_id__in=posted).update(
        read_at=now, emailed_at=now, digested_at=now
    )
