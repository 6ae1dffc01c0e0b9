"""`manage.py remind_factsheets` (daily, from cron): ask focal points to review factsheets not
approved for twelve months."""

from django.core.management.base import BaseCommand

from partnership.factsheets.reminders import send_reminders


class Command(BaseCommand):
    help = "Ask focal points to review their jurisdiction's factsheet when a year has passed."

    def handle(self, *args, **options):
        asked, sent = send_reminders()
        self.stdout.write(f"{asked} factsheets to review, {sent} emails sent")
