"""Back up the database and the documents into one .tar.gz (see docs/deploy/backups.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.archive import BackupError
from operations.backup import create_backup, prune_backups


class Command(BaseCommand):
    help = (
        "Write the database and the documents directory, with a manifest of row counts and "
        "SHA-256 sums, to one .tar.gz (default var/backups/enclave-<UTC timestamp>.tar.gz)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            help="The archive to write, or a directory to write the default name into.",
        )
        parser.add_argument(
            "--keep",
            type=int,
            metavar="N",
            help="After writing, delete all but the N newest enclave-<timestamp>.tar.gz "
            "archives in the archive's directory.",
        )

    def handle(self, *args, **options):
        keep = options["keep"]
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1.")
        try:
            result = create_backup(options["output"])
            removed = prune_backups(result.path.parent, keep) if keep else []
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backup written: {result.path}\n"
            f"  database ({result.vendor}): {result.tables} tables, {result.rows} rows\n"
            f"  documents: {result.files} files, {result.file_bytes} bytes"
        )
        for path in removed:
            self.stdout.write(f"Deleted older backup: {path}")
