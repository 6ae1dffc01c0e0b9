"""`manage.py apply_retention` (cron, daily): delete or expire what is past its retention
period (privacy/retention.py; docs/personal-data.md, "Retention"). Idempotent: a second run the
same day finds nothing. `--dry-run` counts what would go and changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from privacy.retention import DEFAULT_BATCH_SIZE, KINDS, MAX_BATCH_SIZE, apply_retention


class Command(BaseCommand):
    help = "Delete or expire personal data past its retention period, and say how much of each."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; change nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows per transaction, 1 to {MAX_BATCH_SIZE} (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args, dry_run: bool, batch_size: int, **options):
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise CommandError(f"--batch-size is from 1 to {MAX_BATCH_SIZE}.")
        counts = apply_retention(batch_size=batch_size, dry_run=dry_run)
        for kind in KINDS:
            done = f"would be {kind.done}" if dry_run else kind.done
            self.stdout.write(f"{kind.label}: {counts[kind.key]} {done}")
