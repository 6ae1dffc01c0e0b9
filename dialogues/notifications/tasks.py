"""Background work of notifications, run through django.tasks (never naming its runner)."""

from __future__ import annotations

from django.tasks import task


@task()
def email_announcement(notification_ids: list[int]) -> int:
    """An announcement's emails to those of its readers who want them at once; how many went."""
    from dialogues.notifications.services import send_announcement_emails

    return send_announcement_emails(notification_ids)
