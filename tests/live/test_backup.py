"""`manage.py backup` and `manage.py restore` end to end, in subprocesses with their own sites.

SQLite always; PostgreSQL on 127.0.0.1:5432 (user postgres) when it answers and the client
tools are installed, in two scratch databases dropped afterwards. No pytest-django database.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from .server import (
    COMMAND_TIMEOUT,
    ROOT,
    SiteError,
    as_user_prefix,
    manage,
    prepare_site,
    site_env,
)

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


# ------------------------------------------------------------------------------
# A restore that fails leaves the site as it was; a restore keeps the documents' owner
# ------------------------------------------------------------------------------


def tree(root: Path) -> dict[str, tuple]:
    """Every entry under `root`, hidden ones included: type, owner, group, mode, SHA-256."""
    entries = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            regular = stat.S_ISREG(info.st_mode)
            entries[path.relative_to(root).as_posix()] = (
                stat.S_IFMT(info.st_mode),
                info.st_uid,
                info.st_gid,
                stat.S_IMODE(info.st_mode),
                hashlib.sha256(path.read_bytes()).hexdigest() if regular else "",
            )
    return entries


def sqlite_site(env: dict[str, str]) -> dict:
    """A SQLite site byte for byte: its database directory (the database file and anything
    beside it) and its documents directory."""
    database = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    return {
        "database": tree(database.parent),
        "documents": tree(Path(env["ENCLAVE_DOCUMENTS_DIR"])),
    }


def tamper(archive: Path, output: Path, name_startswith: str, change) -> Path:
    """A copy of `archive` where the first member named `name_startswith…` is `change(data)`."""
    with tarfile.open(archive, "r:gz") as old, tarfile.open(output, "w:gz") as new:
        changed = False
        for member in old.getmembers():
            data = old.extractfile(member).read()
            if member.name.startswith(name_startswith) and not changed:
                data = change(data)
                member.size = len(data)
                changed = True
            new.addfile(member, fileobj=io.BytesIO(data))
    assert changed
    return output


# Runs restore_backup with one step replaced by a failing one: the only way to make a step
# fail on a machine where every check passes (a full disk, a crash at the worst moment).
_FAILING_RESTORE = """
import errno
from pathlib import Path
from operations import restore as backup

step = %r
owner = backup
for part in step[:-1]:
    owner = getattr(owner, part)
original = getattr(owner, step[-1])
calls = []

def failing(*args, **kwargs):
    calls.append(1)
    if len(calls) == %d:
        if %r:
            original(*args, **kwargs)
        raise OSError(errno.ENOSPC, "No space left on device (injected)")
    return original(*args, **kwargs)

setattr(owner, step[-1], failing)
try:
    backup.restore_backup(Path(%r), force=True)
except backup.BackupError as error:
    print("ENCLAVE-FAILED " + str(error).replace(chr(10), " "))
else:
    print("ENCLAVE-RESTORED")
"""


def failing_restore(
    env: dict[str, str], archive: Path, step: tuple[str, ...], call: int = 1, after: bool = False
) -> str:
    """Restore with the `call`-th call of `step` failing (after doing its work when `after`);
    the error the restore reports."""
    out = manage(env, "shell", "-c", _FAILING_RESTORE % (step, call, after, str(archive)))
    assert "ENCLAVE-FAILED " in out, out[-2000:]
    return out.split("ENCLAVE-FAILED ", 1)[1].strip()


@pytest.fixture
def live_site(tmp_path, sqlite_backup) -> dict[str, str]:
    """A SQLite site in use: the backup restored, then one more user and one more document
    file, so it differs from the backup in both halves."""
    env = site_env(tmp_path / "site", db_name="site.sqlite3")
    Path(env["ENCLAVE_DOCUMENTS_DIR"]).mkdir(parents=True)
    manage(env, "restore", str(sqlite_backup.archive))
    manage(
        env,
        "shell",
        "-c",
        "from accounts.models import User; "
        "User.objects.create(email='after@x.test', is_secretariat=True)",
    )
    (Path(env["ENCLAVE_DOCUMENTS_DIR"]) / "after-the-backup.txt").write_text("newer")
    return env


def assert_unchanged(env: dict[str, str], before: dict, error: str) -> None:
    assert "as they were before" in error, error
    assert sqlite_site(env) == before


def test_restore_refuses_a_tampered_document_before_touching_anything(
    tmp_path, sqlite_backup, live_site
):
    tampered = tamper(
        sqlite_backup.archive, tmp_path / "t.tar.gz", "documents/", lambda d: b"x" + d[1:]
    )
    before = sqlite_site(live_site)
    result = run_manage(live_site, "restore", "--force", str(tampered))
    assert result.returncode != 0
    assert "sha256" in result.stderr and "the manifest has" in result.stderr
    assert_unchanged(live_site, before, result.stderr)


def test_restore_refuses_a_broken_database_dump_before_touching_anything(
    tmp_path, sqlite_backup, live_site
):
    broken = tamper(
        sqlite_backup.archive, tmp_path / "b.tar.gz", "database/", lambda d: d[: len(d) // 2]
    )
    before = sqlite_site(live_site)
    result = run_manage(live_site, "restore", "--force", str(broken))
    assert result.returncode != 0
    assert "SQLite" in result.stderr
    assert_unchanged(live_site, before, result.stderr)


def test_restore_failing_while_staging_documents_changes_nothing(sqlite_backup, live_site):
    before = sqlite_site(live_site)
    # The disk fills up while the third document is unpacked.
    error = failing_restore(live_site, sqlite_backup.archive, ("_extract_to",), call=3)
    assert "No space left" in error
    assert_unchanged(live_site, before, error)


def test_restore_failing_in_the_database_step_puts_everything_back(sqlite_backup, live_site):
    before = sqlite_site(live_site)
    # The documents are swapped in and the database file replaced, then the step fails.
    error = failing_restore(
        live_site, sqlite_backup.archive, ("_SqliteDatabase", "replace"), after=True
    )
    assert "No space left" in error
    assert_unchanged(live_site, before, error)
    # The site still works on its own data.
    assert state(live_site)["counts"]["accounts_user"] == (
        sqlite_backup.original["counts"]["accounts_user"] + 1
    )


def test_restore_refuses_a_staging_dir_on_another_filesystem(tmp_path, sqlite_backup, live_site):
    other = Path("/dev/shm")
    documents = Path(live_site["ENCLAVE_DOCUMENTS_DIR"])
    if not other.is_dir() or other.stat().st_dev == documents.stat().st_dev:
        pytest.skip("no second filesystem at /dev/shm")
    before = sqlite_site(live_site)
    result = run_manage(
        live_site, "restore", "--force", "--staging-dir", str(other), str(sqlite_backup.archive)
    )
    assert result.returncode != 0
    assert "same filesystem" in result.stderr
    assert_unchanged(live_site, before, result.stderr)


def test_restore_with_a_staging_dir_on_the_same_filesystem(tmp_path, sqlite_backup, live_site):
    staging = tmp_path / "staging"
    staging.mkdir()
    out = manage(
        live_site, "restore", "--force", "--staging-dir", str(staging), str(sqlite_backup.archive)
    )
    assert "Verified" in out
    assert list(staging.iterdir()) == []
    assert_restored(sqlite_backup.original, state(live_site), sqlite_backup.manifest)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")


@needs_root
def test_restore_as_root_keeps_the_documents_owner_and_mode(tmp_path, sqlite_backup, live_site):
    """Run as root, restored documents (and the database) belong to the documents directory's
    owner and group, as the running site writes them, not to root."""
    documents = Path(live_site["ENCLAVE_DOCUMENTS_DIR"])
    database = Path(live_site["DATABASE_URL"].removeprefix("sqlite:///"))
    shutil.chown(documents, "nobody", "nogroup")
    documents.chmod(0o750)
    shutil.chown(database, "nobody", "nogroup")
    database.chmod(0o600)
    out = manage(live_site, "restore", "--force", str(sqlite_backup.archive))
    assert "Verified" in out
    entries = tree(documents)
    assert set(entries) == {entry["name"] for entry in sqlite_backup.manifest["documents"]["files"]}
    nobody = (os.stat(documents).st_uid, os.stat(documents).st_gid)
    assert nobody != (0, 0)
    for name, (kind, uid, gid, mode, _) in entries.items():
        assert (uid, gid) == nobody, name
        assert mode == (0o640 if kind == stat.S_IFREG else 0o750), name
    info = database.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (*nobody, 0o600)
    assert_restored(sqlite_backup.original, state(live_site), sqlite_backup.manifest)


@dataclass
class ServiceLayout:
    """The deployment's layout (docs/deploy/README.md step 2) in a temp dir: `srv` owned by
    root 0755, its `documents` and `var` owned by the service user 0750."""

    env: dict[str, str]
    archive: Path
    documents: Path
    prefix: list[str]


@pytest.fixture
def service_layout(sqlite_backup):
    prefix = as_user_prefix("nobody")
    if isinstance(prefix, str):
        pytest.skip(f"cannot run a command as the service user: {prefix}")
    # Not under pytest's tmp_path: its parents are closed to other users.
    top = Path(tempfile.mkdtemp(prefix="enclave-layout-", dir="/tmp"))
    try:
        top.chmod(0o755)
        srv = top / "srv"
        srv.mkdir(mode=0o755)
        for name in ("documents", "var"):
            (srv / name).mkdir(mode=0o750)
            shutil.chown(srv / name, "nobody", "nogroup")
        archive = srv / "var" / "enclave.tar.gz"
        shutil.copyfile(sqlite_backup.archive, archive)
        shutil.chown(archive, "nobody", "nogroup")
        env = site_env(
            srv / "var",
            db_name="enclave.sqlite3",
            ENCLAVE_DOCUMENTS_DIR=str(srv / "documents"),
            HOME="/nonexistent",
            PYTHONDONTWRITEBYTECODE="1",
        )
        yield ServiceLayout(env, archive, srv / "documents", prefix)
    finally:
        shutil.rmtree(top, ignore_errors=True)


def run_as_service_user(layout: ServiceLayout, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*layout.prefix, sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=layout.env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


def test_restore_as_the_service_user_in_the_deployment_layout(service_layout, sqlite_backup):
    """The service user cannot write the documents' parent directory: the restore stages inside
    the documents directory and leaves files the site (and nginx's group) can read."""
    layout = service_layout
    result = run_as_service_user(layout, "restore", str(layout.archive))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Verified" in result.stdout
    info = layout.documents.stat()
    for name, (kind, uid, gid, mode, _) in tree(layout.documents).items():
        assert kind == stat.S_IFREG, name
        assert (uid, gid, mode) == (info.st_uid, info.st_gid, 0o640), name
    assert sorted(os.listdir(layout.documents.parent)) == ["documents", "var"]
    assert_restored(sqlite_backup.original, state(layout.env), sqlite_backup.manifest)

    # A directory the service user cannot empty (left by an earlier restore run as root):
    # refused before anything is touched.
    foreign = layout.documents / "left-by-root"
    foreign.mkdir(mode=0o755)
    (foreign / "file").write_text("root's")
    before = sqlite_site(layout.env)
    result = run_as_service_user(layout, "restore", "--force", str(layout.archive))
    assert result.returncode != 0
    assert "chown -R nobody:nogroup" in result.stderr
    assert_unchanged(layout.env, before, result.stderr)


# ------------------------------------------------------------------------------
# Rotation and the Makefile
# ------------------------------------------------------------------------------


def test_backup_keep_deletes_only_older_default_named_archives(tmp_path, sqlite_backup):
    site = site_env(tmp_path / "site", db_name="site.sqlite3")
    Path(site["ENCLAVE_DOCUMENTS_DIR"]).mkdir(parents=True)
    manage(site, "restore", str(sqlite_backup.archive))
    backups = tmp_path / "backups"
    backups.mkdir()
    old = [backups / f"enclave-2020010{day}T020000Z.tar.gz" for day in (1, 2, 3)]
    for path in old:
        path.write_bytes(b"old")
    other = backups / "before-upgrade.tar.gz"
    other.write_bytes(b"kept")
    out = manage(site, "backup", "--output", str(backups), "--keep", "2")
    remaining = sorted(path.name for path in backups.iterdir())
    assert len(remaining) == 3
    assert remaining[0] == other.name and remaining[1] == old[2].name
    assert remaining[2].startswith("enclave-20") and remaining[2] > old[2].name
    assert f"Deleted older backup: {old[0]}" in out
    refused = run_manage(site, "backup", "--output", str(backups), "--keep", "0")
    assert refused.returncode != 0 and "at least 1" in refused.stderr
    assert len(list(backups.iterdir())) == 3


@pytest.mark.parametrize("target", ["backup", "restore"])
def test_make_backup_and_restore_install_nothing(tmp_path, target):
    """Production runs them as the service user: no pip, and a clear error without a venv."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    venv = tmp_path / "no-venv"
    dry = subprocess.run(
        ["make", "-n", target, f"VENV={venv}", "FILE=x.tar.gz"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    assert "pip" not in dry.stdout and "-m venv" not in dry.stdout
    real = subprocess.run(
        ["make", target, f"VENV={venv}", "FILE=x.tar.gz"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    assert real.returncode != 0
    assert "No virtualenv" in real.stderr
    assert not venv.exists()


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


def pg_data(dbname: str) -> str:
    """The SHA-256 of every row of `dbname` (pg_dump's plain data, minus its random keys)."""
    env = {**os.environ, "PGCONNECT_TIMEOUT": "5"}
    env.pop("PGPASSWORD", None)
    out = subprocess.run(
        ["pg_dump", "-h", PG_HOST, "-p", str(PG_PORT), "-U", "postgres", "--data-only", dbname],
        env=env,
        capture_output=True,
        timeout=PG_TIMEOUT,
        check=True,
    ).stdout
    lines = [
        line for line in out.splitlines() if not line.startswith((b"\\restrict", b"\\unrestrict"))
    ]
    return hashlib.sha256(b"\n".join(lines)).hexdigest()


def corrupt_data(dump: bytes) -> bytes:
    """The dump with garbage in the middle of its table data, its table of contents intact:
    `pg_restore --list` reads it, and pg_restore fails half-way through restoring it."""

    def toc_reads(length: int) -> bool:
        with tempfile.NamedTemporaryFile(suffix=".pgdump") as handle:
            handle.write(dump[:length])
            handle.flush()
            listing = subprocess.run(
                ["pg_restore", "--list", handle.name],
                capture_output=True,
                timeout=PG_TIMEOUT,
                check=False,
            )
        return listing.returncode == 0

    # The shortest prefix that holds the whole table of contents: the data blocks follow.
    low, high = 0, len(dump)
    while low < high:
        middle = (low + high) // 2
        if toc_reads(middle):
            high = middle
        else:
            low = middle + 1
    at = (low + len(dump)) // 2
    return dump[:at] + bytes(byte ^ 0x5A for byte in dump[at : at + 64]) + dump[at + 64 :]


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

        # pg_restore fails half-way through the data, after the documents were swapped in:
        # its one transaction is rolled back and the documents are put back.
        manage(
            target,
            "shell",
            "-c",
            "from accounts.models import User; "
            "User.objects.create(email='after@x.test', is_secretariat=True)",
        )
        documents = Path(target["ENCLAVE_DOCUMENTS_DIR"])
        (documents / "after-the-backup.txt").write_text("newer")
        broken = tamper(archive, tmp_path / "broken.tar.gz", "database/", corrupt_data)
        before = (pg_data(target_db), tree(documents))
        result = run_manage(target, "restore", "--force", str(broken))
        assert result.returncode != 0
        assert "pg_restore failed" in result.stderr, result.stderr[-2000:]
        assert "as they were before" in result.stderr
        assert (pg_data(target_db), tree(documents)) == before
    finally:
        for name in (source_db, target_db):
            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
                psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
