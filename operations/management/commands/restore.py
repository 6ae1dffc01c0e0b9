"""Restore a backup made by `manage.py backup`, then verify it (see docs/deploy/backups.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.archive import BackupError
from operations.restore import restore_backup


class Command(BaseCommand):
    help = (
        "Replace the database and the documents directory with a backup's, then check every "
        "table's row count and every document's SHA-256 against its manifest. Stop the site "
        "first. Everything is unpacked and checked before the site is touched; a failure "
        "leaves the database and the documents as they were. Refuses a database that already "
        "holds data unless --force is given."
    )
    # The database may not exist yet (a new server): the checks must not need it.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .tar.gz written by `manage.py backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite a database that already holds data (and replace the documents).",
        )
        parser.add_argument(
            "--staging-dir",
            type=Path,
            help="Where to unpack the documents before swapping them in (default: inside the "
            "documents directory). Must be on the documents' filesystem and writable.",
        )

    def handle(self, *args, **options):
        try:
            result = restore_backup(
                options["file"], force=options["force"], staging_dir=options["staging_dir"]
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {options['file']} ({result.vendor}).\n"
            f"  database: {result.tables} tables, {result.rows} rows match the manifest\n"
            f"  documents: {result.files} files, {result.file_bytes} bytes match the manifest"
        )
        if not result.ok:
            for mismatch in result.mismatches:
                self.stderr.write(f"  MISMATCH {mismatch}")
            raise CommandError(
                f"Verification failed: {len(result.mismatches)} mismatch(es) with the manifest."
            )
        self.stdout.write("Verified: everything matches the backup's manifest.")
