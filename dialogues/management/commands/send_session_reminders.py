"""Send "starting soon" notifications for sessions that start within the hour (run by cron)."""

from django.core.management.base import BaseCommand

from dialogues.meetings.services import send_session_reminders


class Command(BaseCommand):
    help = "Notify each session's roster once, an hour before it starts."

    def handle(self, *args, **options):
        sent = send_session_reminders()
        self.stdout.write(f"Reminded the roster of {sent} session(s).")
