"""Making a backup archive (operations/archive.py describes it) and pruning old ones."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from operations.archive import (
    BACKUP_NAME,
    DOCUMENTS_PREFIX,
    DUMP_NAMES,
    FORMAT_VERSION,
    MANIFEST,
    BackupError,
    default_backup_path,
    document_files,
    documents_dir,
    pg_connection_args,
    pg_tool,
    row_counts,
    run_pg,
    sqlite_path,
    vendor_of,
)


@dataclass
class BackupResult:
    path: Path
    vendor: str
    tables: int
    rows: int
    files: int
    file_bytes: int


def _dump_sqlite(connection, dump: Path) -> dict[str, int]:
    source_path = sqlite_path(connection)
    if not source_path.exists():
        raise BackupError(f"The SQLite database {source_path} does not exist.")
    known = set(connection.introspection.django_table_names(only_existing=False))
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(dump)
    try:
        source.backup(target)
        # A self-contained file: no -wal beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        present = {
            row[0] for row in target.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        counts = {}
        for table in sorted(known & present):
            quoted = '"' + table.replace('"', '""') + '"'
            counts[table] = target.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0]  # noqa: S608
    finally:
        target.close()
        source.close()
    return counts


def _dump_postgresql(connection, dump: Path) -> dict[str, int]:
    pg_dump = pg_tool("pg_dump")
    args, dbname, env = pg_connection_args(connection)
    # Count the rows inside a snapshot and have pg_dump dump that same snapshot.
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        tables = connection.introspection.django_table_names(only_existing=True)
        counts = row_counts(connection, tables)
        run_pg(
            [
                pg_dump,
                *args,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                dbname,
            ],
            env,
            "pg_dump",
        )
    return counts


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, mtime: float) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(mtime)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def _add_file(archive: tarfile.TarFile, name: str, path: Path, size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(path.stat().st_mtime)
    info.mode = 0o600
    with path.open("rb") as handle:
        archive.addfile(info, handle)


def create_backup(output: Path | None = None, using: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write one archive to `output` (default var/backups/enclave-<UTC timestamp>.tar.gz):
    into a temp file beside it first, renamed into place only once complete."""
    connection = connections[using]
    vendor = vendor_of(connection)
    now = datetime.now(UTC)
    output = Path(output) if output else default_backup_path(now)
    if output.is_dir():
        output = output / default_backup_path(now).name
    if output.exists():
        raise BackupError(f"{output} already exists; choose another name.")
    output.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    root = documents_dir()

    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".enclave-backup-") as work:
        work_dir = Path(work)
        dump = work_dir / PurePosixPath(DUMP_NAMES[vendor]).name
        if vendor == "sqlite":
            counts = _dump_sqlite(connection, dump)
        else:
            counts = _dump_postgresql(connection, dump)
        # After the database: every file the dumped rows name exists by now.
        files = document_files(root)
        manifest = {
            "format": "enclave-backup",
            "format_version": FORMAT_VERSION,
            "created_at": now.isoformat().replace("+00:00", "Z"),
            "database": {
                "vendor": vendor,
                "dump": DUMP_NAMES[vendor],
                "tables": counts,
            },
            "documents": {"files": files},
        }
        partial = work_dir / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            _add_bytes(archive, MANIFEST, data, now.timestamp())
            _add_file(archive, DUMP_NAMES[vendor], dump, dump.stat().st_size)
            for entry in files:
                _add_file(
                    archive, DOCUMENTS_PREFIX + entry["name"], root / entry["name"], entry["size"]
                )
        partial.chmod(0o600)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, output)

    return BackupResult(
        path=output,
        vendor=vendor,
        tables=len(counts),
        rows=sum(counts.values()),
        files=len(files),
        file_bytes=sum(entry["size"] for entry in files),
    )


def prune_backups(directory: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest archives with the default name in `directory`
    (enclave-<UTC timestamp>.tar.gz, which sorts by time); other files are left alone."""
    if keep < 1:
        raise BackupError("--keep must be at least 1.")
    archives = sorted(
        path for path in Path(directory).iterdir() if BACKUP_NAME.fullmatch(path.name)
    )
    removed = archives[:-keep]
    for path in removed:
        path.unlink()
    return removed
