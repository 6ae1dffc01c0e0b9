"""Email each official a digest of what is new in their dialogues. Meant for a daily cron."""

from django.core.management.base import BaseCommand

from dialogues.notifications.digest import send_digests


class Command(BaseCommand):
    help = "Send the daily digest emails (leak-safe: counts per dialogue, no content)."

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(f"Sent {sent} digest(s).")
