"""Backups of a whole Enclave: the database and the documents directory in one .tar.gz.

Standard library and Django only; driven by `manage.py backup` and `manage.py restore`
(dialogues/management/commands). See docs/deploy/backups.md.

An archive holds:

    manifest.json          format version, created_at, DB vendor, per-table row counts,
                           every document file's relative name, size and SHA-256
    database/enclave.sqlite3   SQLite: a consistent copy made with the sqlite3 backup API
    database/enclave.pgdump    PostgreSQL: `pg_dump --format=custom`
    documents/<name>       every file of the documents storage

The row counts describe exactly the dumped data: on SQLite they are read from the copy, on
PostgreSQL inside the exported snapshot that pg_dump then dumps. Documents are read after the
database, so every file the dumped rows name is in the archive (stored names are never reused).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, connections, transaction

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DOCUMENTS_PREFIX = "documents/"
DUMP_NAMES = {"sqlite": "database/enclave.sqlite3", "postgresql": "database/enclave.pgdump"}
# Tables `migrate` fills by itself: rows there do not make a database "not empty".
MIGRATE_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})
PG_TIMEOUT = 3600
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore could not be made; the message says why, for an operator."""


# ------------------------------------------------------------------------------
# Shared helpers
# ------------------------------------------------------------------------------


def documents_dir() -> Path:
    """Where the "documents" storage keeps its files (settings.DOCUMENTS_DIR unless the
    storage names another location)."""
    location = getattr(storages["documents"], "location", None)
    return Path(location or settings.DOCUMENTS_DIR)


def default_backup_path(now: datetime | None = None) -> Path:
    now = now or datetime.now(UTC)
    var_dir = Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var"))
    return var_dir / "backups" / f"enclave-{now:%Y%m%dT%H%M%SZ}.tar.gz"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def document_files(root: Path) -> list[dict]:
    """Every regular file under `root`: relative POSIX name, size, SHA-256 (sorted by name)."""
    files = []
    if not root.is_dir():
        return files
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if path.is_symlink() or not path.is_file():
                continue
            files.append(
                {
                    "name": path.relative_to(root).as_posix(),
                    "size": path.stat().st_size,
                    "sha256": sha256_file(path),
                }
            )
    return files


def row_counts(connection, tables) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def vendor_of(connection) -> str:
    if connection.vendor not in DUMP_NAMES:
        raise BackupError(
            f"Backups support SQLite and PostgreSQL; this database is {connection.vendor}."
        )
    return connection.vendor


def sqlite_path(connection) -> Path:
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"The SQLite database must be a file to back it up (NAME={name!r}).")
    return Path(name)


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed or not on PATH: install the PostgreSQL client tools "
            f"(e.g. apt-get install postgresql-client) in the same major version as the server."
        )
    return path


def pg_connection_args(connection) -> tuple[list[str], str, dict[str, str]]:
    """(-h/-p/-U options, database name, environment) for the pg_* tools, from the settings;
    the password travels in PGPASSWORD, SSL and service options as PG* variables."""
    settings_dict = connection.settings_dict
    _, client_env = connection.client.settings_to_cmd_args_env(settings_dict, [])
    env = {**os.environ, **(client_env or {})}
    args = []
    if settings_dict.get("HOST"):
        args += ["-h", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["-p", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["-U", str(settings_dict["USER"])]
    dbname = str(settings_dict.get("NAME") or "")
    if not dbname:
        raise BackupError("DATABASES['default'] names no PostgreSQL database.")
    return args, dbname, env


def run_pg(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - a fixed tool, arguments from settings
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=PG_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BackupError(f"{what} took longer than {PG_TIMEOUT} s.") from error
    except OSError as error:
        raise BackupError(f"{what} could not be run: {error}") from error
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-3000:]
        raise BackupError(f"{what} failed (exit {result.returncode}):\n{detail}")


# ------------------------------------------------------------------------------
# Backup
# ------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------
# Restore
# ------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    vendor: str
    tables: int = 0
    rows: int = 0
    files: int = 0
    file_bytes: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _safe_member_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"The archive holds an unsafe path: {name!r}.")
    return path


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
        handle = archive.extractfile(member)
        manifest = json.load(handle)
    except (KeyError, AttributeError, TypeError, ValueError) as error:
        raise BackupError(f"Not an Enclave backup: no readable {MANIFEST}.") from error
    if manifest.get("format") != "enclave-backup":
        raise BackupError("Not an Enclave backup: the manifest names another format.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"This backup has format version {manifest.get('format_version')}; "
            f"this Enclave reads version {FORMAT_VERSION}."
        )
    return manifest


def existing_data(connection) -> dict[str, int]:
    """Tables (other than those migrate fills) that hold rows, with their counts."""
    if connection.vendor == "sqlite" and not sqlite_path(connection).exists():
        return {}
    tables = set(connection.introspection.django_table_names(only_existing=True))
    counts = row_counts(connection, tables - MIGRATE_TABLES)
    return {table: count for table, count in counts.items() if count}


def _extract_to(archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    source = archive.extractfile(member)
    if source is None:
        raise BackupError(f"{member.name} in the archive is not a regular file.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with source, target.open("wb") as handle:
        shutil.copyfileobj(source, handle, CHUNK)


def _restore_sqlite(connection, dump: Path) -> None:
    target = sqlite_path(connection)
    try:
        check = sqlite3.connect(dump)
        try:
            result = check.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            check.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(
            f"The database in the archive is not a valid SQLite file: {error}"
        ) from error
    if result != "ok":
        raise BackupError(f"The database in the archive fails SQLite's check: {result}")
    connection.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(dump, staged)
    # A stale write-ahead log must never be replayed into the restored file.
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            target.with_name(target.name + suffix).unlink()
    os.replace(staged, target)


def _restore_postgresql(connection, dump: Path) -> None:
    pg_restore = pg_tool("pg_restore")
    args, dbname, env = pg_connection_args(connection)
    connection.close()
    run_pg(
        [
            pg_restore,
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={dbname}",
            str(dump),
        ],
        env,
        "pg_restore",
    )


def _replace_documents(archive: tarfile.TarFile, members, root: Path) -> None:
    """Unpack into a staging directory beside `root`, then swap its contents in."""
    root.mkdir(parents=True, exist_ok=True)
    storage = storages["documents"]
    file_mode = getattr(storage, "file_permissions_mode", None) or 0o640
    staging = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}.restoring-"))
    try:
        for member, relative in members:
            target = staging.joinpath(*relative.parts)
            _extract_to(archive, member, target)
            target.chmod(file_mode)
        for entry in list(root.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        for entry in list(staging.iterdir()):
            shutil.move(str(entry), root / entry.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def verify(connection, manifest: dict, root: Path) -> RestoreResult:
    """Compare the database's row counts and the documents' SHA-256 with the manifest."""
    result = RestoreResult(vendor=connection.vendor)
    expected = manifest["database"]["tables"]
    existing = set(connection.introspection.django_table_names(only_existing=True))
    missing = sorted(set(expected) - existing)
    for table in missing:
        result.mismatches.append(f"table {table}: missing after the restore")
    actual = row_counts(connection, set(expected) & existing)
    for table, count in actual.items():
        if count != expected[table]:
            result.mismatches.append(
                f"table {table}: {count} rows, the backup has {expected[table]}"
            )
    result.tables = len(actual)
    result.rows = sum(actual.values())
    for entry in manifest["documents"]["files"]:
        path = root.joinpath(*PurePosixPath(entry["name"]).parts)
        if not path.is_file():
            result.mismatches.append(f"document {entry['name']}: missing")
            continue
        size = path.stat().st_size
        digest = sha256_file(path)
        if size != entry["size"] or digest != entry["sha256"]:
            result.mismatches.append(
                f"document {entry['name']}: size {size} sha256 {digest[:12]}…, "
                f"the backup has size {entry['size']} sha256 {entry['sha256'][:12]}…"
            )
            continue
        result.files += 1
        result.file_bytes += size
    return result


def restore_backup(
    archive_path: Path, *, force: bool = False, using: str = DEFAULT_DB_ALIAS
) -> RestoreResult:
    """Replace the database and the documents with the archive's, then verify both against
    its manifest. Refuses a database that holds data unless `force`."""
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"No backup file at {archive_path}.")
    connection = connections[using]
    vendor = vendor_of(connection)
    root = documents_dir()
    try:
        return _restore(archive_path, connection, vendor, root, force)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise BackupError(f"{archive_path} is not a readable .tar.gz: {error}") from error


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{path} is not a readable .tar.gz: {error}") from error


def _restore(archive_path: Path, connection, vendor: str, root: Path, force: bool):
    with _open_archive(archive_path) as archive:
        manifest = read_manifest(archive)
        backup_vendor = manifest["database"]["vendor"]
        if backup_vendor != vendor:
            raise BackupError(
                f"This backup holds a {backup_vendor} database; the configured database is "
                f"{vendor}. Restore it into a {backup_vendor} database."
            )
        listed = {entry["name"] for entry in manifest["documents"]["files"]}
        dump_member = None
        documents = []
        for member in archive.getmembers():
            relative = _safe_member_name(member.name)
            if member.name == manifest["database"]["dump"] and member.isfile():
                dump_member = member
            elif member.name.startswith(DOCUMENTS_PREFIX) and member.isfile():
                name = member.name.removeprefix(DOCUMENTS_PREFIX)
                if name not in listed:
                    raise BackupError(f"{member.name} is in the archive but not in its manifest.")
                documents.append((member, PurePosixPath(*relative.parts[1:])))
        if dump_member is None:
            raise BackupError("The archive holds no database dump.")

        if not force:
            data = existing_data(connection)
            if data:
                listing = ", ".join(f"{t} ({n} rows)" for t, n in sorted(data.items())[:6])
                more = f" and {len(data) - 6} more tables" if len(data) > 6 else ""
                raise BackupError(
                    "Refusing to restore: the target database is not empty "
                    f"({listing}{more}). Restoring replaces all of its data and the documents "
                    f"in {root}; run `manage.py restore --force {archive_path}` to do that."
                )

        with tempfile.TemporaryDirectory(prefix="enclave-restore-") as work:
            dump = Path(work) / PurePosixPath(dump_member.name).name
            _extract_to(archive, dump_member, dump)
            if vendor == "sqlite":
                _restore_sqlite(connection, dump)
            else:
                _restore_postgresql(connection, dump)
        _replace_documents(archive, documents, root)

    connection.close()
    return verify(connection, manifest, root)
