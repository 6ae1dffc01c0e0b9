"""`manage.py review_memberships` (cron, daily): the access review's date work, done by
`accounts.reviews.memberships_review` (ask sponsors 30 and 7 days before each review date,
suspend past it, report dormant accounts). Idempotent: a second run the same day does nothing."""

from django.core.management.base import BaseCommand

from accounts.reviews import memberships_review


class Command(BaseCommand):
    help = "Ask sponsors to review access, suspend unconfirmed officials, report dormant ones."

    def handle(self, *args, **options):
        run = memberships_review()
        self.stdout.write(
            f"{run.suspended} suspended, {run.asked} review(s) asked, "
            f"{run.dormant} dormant reported, {run.emails} email(s) sent."
        )
