"""`manage.py backup` and `manage.py restore` end to end, in subprocesses with their own sites.

SQLite always; PostgreSQL on 127.0.0.1:5432 (user postgres) when it answers and the client
tools are installed, in two scratch databases dropped afterwards. No pytest-django database.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from .server import COMMAND_TIMEOUT, ROOT, SiteError, manage, prepare_site, site_env

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_TIMEOUT = 60
KEY_TABLES = (
    "accounts_user",
    "dialogues_post",
    "workspaces_documentversion",
    "accounts_auditevent",
)

_STATE = """
import hashlib, json
from django.core.files.storage import storages
from django.db import DatabaseError, connection, transaction
from workspaces.models import DocumentVersion

tables = json.loads(%r)
counts = {}
with connection.cursor() as cursor:
    for table in tables:
        cursor.execute("SELECT COUNT(*) FROM " + connection.ops.quote_name(table))
        counts[table] = cursor.fetchone()[0]
storage = storages["documents"]
files = {}
for version in DocumentVersion.objects.order_by("pk"):
    with storage.open(version.file.name, "rb") as handle:
        actual = hashlib.sha256(handle.read()).hexdigest()
    files[version.file.name] = {"expected": version.sha256, "actual": actual}
audit_append_only = False
try:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET scope = 'changed'")
except DatabaseError:
    audit_append_only = True
print("ENCLAVE-STATE " + json.dumps(
    {"counts": counts, "files": files, "audit_append_only": audit_append_only}
))
"""


def state(env: dict[str, str]) -> dict:
    out = manage(env, "shell", "-c", _STATE % json.dumps(KEY_TABLES))
    for line in out.splitlines():
        if line.startswith("ENCLAVE-STATE "):
            return json.loads(line.removeprefix("ENCLAVE-STATE "))
    raise SiteError(f"the state script printed no result:\n{out[-2000:]}")


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """manage.py without raising: for commands expected to fail."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


def backup(env: dict[str, str], output: Path) -> Path:
    manage(env, "backup", "--output", str(output))
    assert output.is_file()
    return output


def check_archive(archive: Path, vendor: str) -> dict:
    with tarfile.open(archive, "r:gz") as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        names = set(tar.getnames())
    assert manifest["format_version"] == 1
    assert manifest["database"]["vendor"] == vendor
    assert manifest["database"]["dump"] in names
    assert set(KEY_TABLES) <= set(manifest["database"]["tables"])
    files = manifest["documents"]["files"]
    assert files, "the demo world stores documents"
    assert {f"documents/{entry['name']}" for entry in files} <= names
    return manifest


def assert_restored(original: dict, restored: dict, manifest: dict) -> None:
    assert restored["counts"] == original["counts"]
    for table in KEY_TABLES:
        assert restored["counts"][table] == manifest["database"]["tables"][table]
        assert restored["counts"][table] > 0, table
    assert restored["files"].keys() == original["files"].keys()
    for name, digests in restored["files"].items():
        assert digests["actual"] == digests["expected"], name
    assert restored["audit_append_only"], "the audit trigger did not survive the restore"


@dataclass
class SqliteBackup:
    original: dict
    archive: Path
    manifest: dict


@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory) -> SqliteBackup:
    """A migrated, seeded SQLite site, its state and one backup of it."""
    tmp = tmp_path_factory.mktemp("backup-source")
    source = site_env(tmp, db_name="source.sqlite3")
    prepare_site(source)
    archive = backup(source, tmp / "backups" / "enclave.tar.gz")
    return SqliteBackup(state(source), archive, check_archive(archive, "sqlite"))


def test_sqlite_backup_and_restore(tmp_path, sqlite_backup):
    original, archive, manifest = (
        sqlite_backup.original,
        sqlite_backup.archive,
        sqlite_backup.manifest,
    )

    # A new, empty site: no database file yet, an empty documents directory.
    target = site_env(tmp_path / "target", db_name="target.sqlite3")
    Path(target["ENCLAVE_DOCUMENTS_DIR"]).mkdir(parents=True)
    out = manage(target, "restore", str(archive))
    assert "Verified" in out
    assert_restored(original, state(target), manifest)

    # Now it holds data: refused without --force, and nothing is touched.
    refused = run_manage(target, "restore", str(archive))
    assert refused.returncode != 0
    assert "not empty" in refused.stderr and "--force" in refused.stderr

    # --force replaces a changed site; verification then passes again.
    stray = Path(target["ENCLAVE_DOCUMENTS_DIR"]) / "stray.txt"
    stray.write_text("not in the backup")
    manage(
        target,
        "shell",
        "-c",
        "from accounts.models import User; "
        "User.objects.create(email='x@x.test', is_secretariat=True)",
    )
    assert state(target)["counts"]["accounts_user"] == original["counts"]["accounts_user"] + 1
    out = manage(target, "restore", "--force", str(archive))
    assert "Verified" in out
    assert not stray.exists()
    assert_restored(original, state(target), manifest)


def test_restore_reports_a_tampered_document(tmp_path, sqlite_backup):
    archive = sqlite_backup.archive
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive, "r:gz") as old, tarfile.open(tampered, "w:gz") as new:
        changed = False
        for member in old.getmembers():
            data = old.extractfile(member).read()
            if member.name.startswith("documents/") and not changed:
                data = b"x" + data[1:]
                changed = True
            new.addfile(member, fileobj=io.BytesIO(data))
    target = site_env(tmp_path / "target")
    result = run_manage(target, "restore", str(tampered))
    assert result.returncode != 0
    assert "MISMATCH document" in result.stderr
    assert "Verification failed" in result.stderr


def test_backup_without_pg_dump_is_a_clear_error(tmp_path):
    env = site_env(
        tmp_path,
        DATABASE_URL=f"postgres://postgres@{PG_HOST}:{PG_PORT}/enclave_backup_none",
        PATH=str(tmp_path / "empty-bin"),
    )
    result = run_manage(env, "backup", "--output", str(tmp_path / "x.tar.gz"))
    assert result.returncode != 0
    assert "pg_dump is not installed" in result.stderr
    assert not (tmp_path / "x.tar.gz").exists()


# ------------------------------------------------------------------------------
# PostgreSQL
# ------------------------------------------------------------------------------


def postgres_available() -> str:
    """Why PostgreSQL cannot be used here, or "" when it can."""
    for tool in ("pg_dump", "pg_restore", "psql"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=2):
            pass
    except OSError as error:
        return f"PostgreSQL is not reachable on {PG_HOST}:{PG_PORT}: {error}"
    return ""


def psql(sql: str) -> None:
    env = {**os.environ, "PGCONNECT_TIMEOUT": "5"}
    env.pop("PGPASSWORD", None)
    subprocess.run(
        ["psql", "-h", PG_HOST, "-p", str(PG_PORT), "-U", "postgres", "-d", "postgres"]
        + ["-v", "ON_ERROR_STOP=1", "-qc", sql],
        env=env,
        capture_output=True,
        text=True,
        timeout=PG_TIMEOUT,
        check=True,
    )


def test_postgresql_backup_and_restore(tmp_path):
    reason = postgres_available()
    if reason:
        pytest.skip(reason)
    suffix = secrets.token_hex(4)
    source_db = f"enclave_backup_src_{suffix}"
    target_db = f"enclave_backup_dst_{suffix}"
    try:
        psql(f"CREATE DATABASE {source_db}")
    except subprocess.CalledProcessError as error:
        pytest.skip(f"cannot create a scratch database: {error.stderr.strip()[:200]}")
    try:
        psql(f"CREATE DATABASE {target_db}")
        url = f"postgres://postgres@{PG_HOST}:{PG_PORT}/"
        source = site_env(tmp_path / "source", DATABASE_URL=url + source_db)
        prepare_site(source)
        original = state(source)
        archive = backup(source, tmp_path / "enclave.tar.gz")
        manifest = check_archive(archive, "postgresql")

        # The target is migrated but holds no data, so restore accepts it without --force.
        target = site_env(tmp_path / "target", DATABASE_URL=url + target_db)
        Path(target["ENCLAVE_DOCUMENTS_DIR"]).mkdir(parents=True)
        manage(target, "migrate", "--noinput", "-v0")
        out = manage(target, "restore", str(archive))
        assert "Verified" in out
        assert_restored(original, state(target), manifest)

        refused = run_manage(target, "restore", str(archive))
        assert refused.returncode != 0
        assert "not empty" in refused.stderr
        out = manage(target, "restore", "--force", str(archive))
        assert "Verified" in out
        assert_restored(original, state(target), manifest)
    finally:
        for name in (source_db, target_db):
            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
