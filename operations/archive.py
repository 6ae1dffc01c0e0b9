"""The backup archive of a whole Enclave: the database and the documents directory in one
.tar.gz, and what both making and restoring one need (see docs/deploy/backups.md).

An archive holds:

    manifest.json          format version, created_at, DB vendor, per-table row counts,
                           every document file's relative name, size and SHA-256
    database/enclave.sqlite3   SQLite: a consistent copy made with the sqlite3 backup API
    database/enclave.pgdump    PostgreSQL: `pg_dump --format=custom`
    documents/<name>       every file of the documents storage

The row counts describe exactly the dumped data: on SQLite they are read from the copy, on
PostgreSQL inside the exported snapshot that pg_dump then dumps. Documents are read after the
database, so every file the dumped rows name is in the archive (stored names are never reused).
Standard library and Django only.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import storages

FORMAT_VERSION = 1


MANIFEST = "manifest.json"


DOCUMENTS_PREFIX = "documents/"


DUMP_NAMES = {"sqlite": "database/enclave.sqlite3", "postgresql": "database/enclave.pgdump"}


# Tables `migrate` fills by itself: rows there do not make a database "not empty".
MIGRATE_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})


PG_TIMEOUT = 3600


CHUNK = 1024 * 1024


BACKUP_NAME = re.compile(r"enclave-\d{8}T\d{6}Z\.tar\.gz")

# A restore's working directory, inside the documents directory (or the one the operator
# names): never a document, never backed up.
STAGING_PREFIX = ".enclave-restore-"


class BackupError(Exception):
    """A backup or a restore could not be made; the message says why, for an operator."""


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
        if dirpath == str(root):
            dirnames[:] = [name for name in dirnames if not name.startswith(STAGING_PREFIX)]
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
