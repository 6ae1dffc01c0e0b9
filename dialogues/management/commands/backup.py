"""Back up the database and the documents into one .tar.gz (see docs/deploy/backups.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.backup import BackupError, create_backup


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

    def handle(self, *args, **options):
        try:
            result = create_backup(options["output"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backup written: {result.path}\n"
            f"  database ({result.vendor}): {result.tables} tables, {result.rows} rows\n"
            f"  documents: {result.files} files, {result.file_bytes} bytes"
        )
