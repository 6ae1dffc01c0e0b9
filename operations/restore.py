"""Restoring a backup archive (operations/archive.py describes it), driven by
`manage.py restore`.

A restore checks, then unpacks and checks everything beside the site (documents in a staging
directory on the documents' filesystem, owned as the site's storage writes them), then swaps by
renames and a single-transaction pg_restore; a failure at any point leaves the database and the
documents as they were.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from operations.archive import (
    CHUNK,
    DOCUMENTS_PREFIX,
    FORMAT_VERSION,
    MANIFEST,
    MIGRATE_TABLES,
    STAGING_PREFIX,
    BackupError,
    documents_dir,
    pg_connection_args,
    pg_tool,
    row_counts,
    run_pg,
    sha256_file,
    sqlite_path,
    vendor_of,
)

SPACE_MARGIN = 16 * 1024 * 1024


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


def _extract_to(
    archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path, digest=None
) -> int:
    """Copy one member to `target`; feeds `digest` on the way; returns the bytes written."""
    source = archive.extractfile(member)
    if source is None:
        raise BackupError(f"{member.name} in the archive is not a regular file.")
    size = 0
    with source, target.open("xb") as handle:
        while chunk := source.read(CHUNK):
            handle.write(chunk)
            size += len(chunk)
            if digest is not None:
                digest.update(chunk)
        handle.flush()
        os.fsync(handle.fileno())
    return size


def _may_chown_to(uid: int, gid: int) -> bool:
    """Whether this process can give its files this owner and group: root can; anyone else only
    their own uid and one of their groups."""
    if os.geteuid() == 0:
        return True
    return uid == os.geteuid() and gid in {os.getegid(), *os.getgroups()}


def _owner_name(uid: int, gid: int) -> str:
    try:
        import grp
        import pwd

        return f"{pwd.getpwuid(uid).pw_name}:{grp.getgrgid(gid).gr_name}"
    except (ImportError, KeyError):
        return f"{uid}:{gid}"


def _set_owner(path: Path, uid: int, gid: int, mode: int) -> None:
    st = path.stat()
    if (st.st_uid, st.st_gid) != (uid, gid):
        os.chown(path, uid if os.geteuid() == 0 else -1, gid)
    path.chmod(mode)


def _check_space(needs: dict[Path, int]) -> None:
    """Refuse when a filesystem lacks room for what the restore writes there."""
    by_device: dict[int, tuple[Path, int]] = {}
    for path, size in needs.items():
        device = path.stat().st_dev
        first, total = by_device.get(device, (path, 0))
        by_device[device] = (first, total + size)
    for path, total in by_device.values():
        free = shutil.disk_usage(path).free
        if free < total + SPACE_MARGIN:
            raise BackupError(
                f"Not enough space for the restore on the filesystem of {path}: it needs "
                f"{total + SPACE_MARGIN} bytes, {free} are free. Nothing was changed."
            )


def _make_missing_dirs(path: Path) -> list[Path]:
    """Create `path` and its missing parents (mode 0750); the ones created, deepest last."""
    missing = []
    while not path.is_dir():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o750)
    return list(reversed(missing))


def _remove_dirs(created: list[Path]) -> None:
    """Undo _make_missing_dirs where the directories are still empty."""
    for directory in reversed(created):
        with contextlib.suppress(OSError):
            directory.rmdir()


class _Documents:
    """The documents half of a restore: everything is unpacked, owned like the site's files and
    checked against the manifest in a staging directory on the documents' filesystem, then
    swapped in by renames that are undone if anything later fails."""

    def __init__(self, root: Path, staging_parent: Path | None):
        self.root = root
        self.parent = Path(staging_parent) if staging_parent else root
        self.work: Path | None = None
        self.moved_out: list[str] = []
        self.moved_in: list[str] = []
        self.created: list[Path] = []

    def check(self, needs: dict[Path, int], size: int) -> None:
        root = self.root
        try:
            self.created = _make_missing_dirs(root)
        except OSError as error:
            raise BackupError(
                f"The documents directory {root} does not exist and cannot be created "
                f"({error.strerror}). Create it, owned by the user the site runs as."
            ) from error
        st = root.stat()
        self.uid, self.gid = st.st_uid, st.st_gid
        storage = storages["documents"]
        self.file_mode = getattr(storage, "file_permissions_mode", None) or 0o640
        self.dir_mode = getattr(storage, "directory_permissions_mode", None) or (
            st.st_mode & 0o7777
        )
        owner = _owner_name(self.uid, self.gid)
        if not _may_chown_to(self.uid, self.gid):
            raise BackupError(
                f"Run the restore as the owner of {root} ({owner}) or as root: restored "
                "documents must keep the documents directory's owner and group."
            )
        if not self.parent.is_dir():
            raise BackupError(f"The staging directory {self.parent} does not exist.")
        if self.parent != root and root in self.parent.resolve().parents:
            raise BackupError(
                f"The staging directory {self.parent} is inside {root}, whose contents the "
                "restore replaces: name one beside it, or none (a hidden one inside is used)."
            )
        if self.parent.stat().st_dev != st.st_dev:
            raise BackupError(
                f"The staging directory {self.parent} is not on the filesystem of {root}: "
                "documents are swapped in by renaming them, which needs the same filesystem."
            )
        for place in {root, self.parent}:
            for entry in place.iterdir():
                if entry.name.startswith(STAGING_PREFIX):
                    raise BackupError(
                        f"{entry} is left from an interrupted restore; its old/ directory may "
                        f"hold the documents from before it. Move them back into {root} or "
                        "delete it, then restore again."
                    )
            if not os.access(place, os.W_OK | os.X_OK):
                raise BackupError(f"{place} is not writable by this user ({owner} owns {root}).")
        # Every directory of the current documents must be movable and emptiable.
        for dirpath, dirnames, _ in os.walk(root):
            for name in dirnames:
                path = Path(dirpath) / name
                if not path.is_symlink() and not os.access(path, os.W_OK | os.X_OK):
                    raise BackupError(
                        f"{path} is not writable by this user; give the documents back to their "
                        f"owner (chown -R {owner} {root}) and restore again."
                    )
        needs[self.parent] = needs.get(self.parent, 0) + size

    def stage(self, archive: tarfile.TarFile, members, manifest: dict) -> None:
        self.work = Path(tempfile.mkdtemp(dir=self.parent, prefix=STAGING_PREFIX))
        new = self.work / "new"
        new.mkdir()
        (self.work / "old").mkdir()
        expected = {entry["name"]: entry for entry in manifest["documents"]["files"]}
        for member, relative in members:
            target = new.joinpath(*relative.parts)
            self._make_dirs(new, target.parent)
            digest = hashlib.sha256()
            size = _extract_to(archive, member, target, digest)
            entry = expected.pop(relative.as_posix())
            if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
                raise BackupError(
                    f"document {relative}: size {size} sha256 {digest.hexdigest()[:12]}…, the "
                    f"manifest has size {entry['size']} sha256 {entry['sha256'][:12]}…"
                )
            _set_owner(target, self.uid, self.gid, self.file_mode)
        if expected:
            raise BackupError(
                f"The archive lacks {len(expected)} document(s) its manifest lists, "
                f"e.g. {sorted(expected)[0]}."
            )

    def _make_dirs(self, top: Path, path: Path) -> None:
        missing = []
        while path != top and not path.is_dir():
            missing.append(path)
            path = path.parent
        for directory in reversed(missing):
            directory.mkdir()
            _set_owner(directory, self.uid, self.gid, self.dir_mode)

    def swap_in(self) -> None:
        old, new = self.work / "old", self.work / "new"
        for entry in sorted(self.root.iterdir()):
            if entry == self.work:
                continue
            os.rename(entry, old / entry.name)
            self.moved_out.append(entry.name)
        for entry in sorted(new.iterdir()):
            os.rename(entry, self.root / entry.name)
            self.moved_in.append(entry.name)

    def roll_back(self) -> None:
        old, new = self.work / "old", self.work / "new"
        try:
            while self.moved_in:
                os.rename(self.root / self.moved_in[-1], new / self.moved_in[-1])
                self.moved_in.pop()
            while self.moved_out:
                os.rename(old / self.moved_out[-1], self.root / self.moved_out[-1])
                self.moved_out.pop()
        except OSError as error:
            raise BackupError(
                f"Putting the documents back failed ({error}): the documents from before the "
                f"restore are in {old}; move them back into {self.root}."
            ) from error

    def discard(self, *, failed: bool) -> None:
        """Remove the staging directory (after success: the documents from before)."""
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)
        if failed:
            _remove_dirs(self.created)


class _SqliteDatabase:
    """The SQLite half: the archived file is copied beside the database and checked there, then
    renamed over it; the file it replaces (and any -wal/-shm) is kept aside until the end."""

    SIDE_FILES = ("-wal", "-shm", "-journal")

    def __init__(self, connection, token: str):
        self.connection = connection
        self.target = sqlite_path(connection)
        self.token = token
        self.staged = self.target.with_name(f".{self.target.name}.restoring-{token}")
        self.aside: list[tuple[Path, Path]] = []
        self.replaced = False
        self.created: list[Path] = []

    def check(self, needs: dict[Path, int], size: int) -> None:
        directory = self.target.parent
        try:
            self.created = _make_missing_dirs(directory)
        except OSError as error:
            raise BackupError(
                f"The database's directory {directory} cannot be created ({error.strerror})."
            ) from error
        if not os.access(directory, os.W_OK | os.X_OK):
            raise BackupError(f"{directory}, where the database lives, is not writable.")
        st = (self.target if self.target.exists() else directory).stat()
        self.uid, self.gid = st.st_uid, st.st_gid
        self.mode = st.st_mode & 0o777 if self.target.exists() else 0o600
        if not _may_chown_to(self.uid, self.gid):
            raise BackupError(
                f"Run the restore as the owner of {self.target} "
                f"({_owner_name(self.uid, self.gid)}) or as root."
            )
        needs[directory] = needs.get(directory, 0) + size

    def stage(self, archive: tarfile.TarFile, member, manifest: dict, work: Path) -> None:
        _extract_to(archive, member, self.staged)
        _set_owner(self.staged, self.uid, self.gid, self.mode)
        try:
            check = sqlite3.connect(self.staged)
            try:
                result = check.execute("PRAGMA quick_check").fetchone()[0]
                present = {
                    row[0]
                    for row in check.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                counts = {}
                for table in manifest["database"]["tables"]:
                    if table in present:
                        quoted = '"' + table.replace('"', '""') + '"'
                        query = f"SELECT COUNT(*) FROM {quoted}"  # noqa: S608
                        counts[table] = check.execute(query).fetchone()[0]
            finally:
                check.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(
                f"The database in the archive is not a valid SQLite file: {error}"
            ) from error
        if result != "ok":
            raise BackupError(f"The database in the archive fails SQLite's check: {result}")
        if counts != manifest["database"]["tables"]:
            raise BackupError("The database in the archive does not match its manifest's rows.")

    def replace(self) -> None:
        self.connection.close()
        # The replaced file and its side files stay together, so a stale write-ahead log is
        # never replayed into the restored file and can be put back with its own database.
        for suffix in ("", *self.SIDE_FILES):
            path = self.target.with_name(self.target.name + suffix)
            if path.exists():
                aside = path.with_name(f".{path.name}.before-restore-{self.token}")
                os.rename(path, aside)
                self.aside.append((path, aside))
        os.rename(self.staged, self.target)
        self.replaced = True

    def roll_back(self) -> None:
        try:
            if self.replaced:
                os.rename(self.target, self.staged)
                self.replaced = False
            while self.aside:
                path, aside = self.aside[-1]
                os.rename(aside, path)
                self.aside.pop()
        except OSError as error:
            kept = ", ".join(str(aside) for _, aside in self.aside)
            raise BackupError(
                f"Putting the database back failed ({error}): the database from before the "
                f"restore is {kept}; rename it back to {self.target}."
            ) from error

    def discard(self, *, failed: bool) -> None:
        with contextlib.suppress(OSError):
            self.staged.unlink()
        for _, aside in self.aside:
            with contextlib.suppress(OSError):
                aside.unlink()
        if failed:
            _remove_dirs(self.created)


class _PostgresDatabase:
    """The PostgreSQL half: the dump is unpacked into the staging directory and its table of
    contents read; pg_restore then replaces everything in one transaction, so a failure
    leaves the database as it was."""

    def __init__(self, connection, token: str):
        self.connection = connection
        self.dump: Path | None = None

    def check(self, needs: dict[Path, int], size: int, staging: Path) -> None:
        self.pg_restore = pg_tool("pg_restore")
        self.args, self.dbname, self.env = pg_connection_args(self.connection)
        try:
            self.connection.ensure_connection()
        except DatabaseError as error:
            raise BackupError(f"Cannot connect to the database: {error}") from error
        needs[staging] = needs.get(staging, 0) + size

    def stage(self, archive: tarfile.TarFile, member, manifest: dict, work: Path) -> None:
        self.dump = work / "database.pgdump"
        _extract_to(archive, member, self.dump)
        run_pg([self.pg_restore, "--list", str(self.dump)], self.env, "Reading the dump")

    def replace(self) -> None:
        self.connection.close()
        if self.connection.settings_dict["OPTIONS"].get("pool"):
            self.connection.close_pool()
        run_pg(
            [
                self.pg_restore,
                *self.args,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={self.dbname}",
                str(self.dump),
            ],
            self.env,
            "pg_restore",
        )

    def roll_back(self) -> None:
        """Nothing to do: pg_restore's single transaction was rolled back."""

    def discard(self, *, failed: bool) -> None:
        """The dump lives in the documents' staging directory."""


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
    archive_path: Path,
    *,
    force: bool = False,
    staging_dir: Path | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> RestoreResult:
    """Replace the database and the documents with the archive's, then verify both against
    its manifest. Refuses a database that holds data unless `force`. Everything is unpacked
    and checked before the site is touched, and a failure after that puts both back."""
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"No backup file at {archive_path}.")
    connection = connections[using]
    vendor = vendor_of(connection)
    root = documents_dir()
    try:
        return _restore(archive_path, connection, vendor, root, force, staging_dir)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise BackupError(f"{archive_path} is not a readable .tar.gz: {error}") from error


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as error:
        raise BackupError(f"{path} is not a readable .tar.gz: {error}") from error


def _unchanged(error: Exception) -> BackupError:
    return BackupError(
        f"Restore failed; the database and the documents are as they were before it.\n{error}"
    )


def _restore(archive_path: Path, connection, vendor, root, force, staging_dir):
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

        token = secrets.token_hex(4)
        docs = _Documents(root, staging_dir)
        database = (
            _SqliteDatabase(connection, token)
            if vendor == "sqlite"
            else _PostgresDatabase(connection, token)
        )
        try:
            # 1. Checks: ownership, permissions, space, the database answering.
            needs: dict[Path, int] = {}
            docs.check(needs, sum(member.size for member, _ in documents))
            if vendor == "sqlite":
                database.check(needs, dump_member.size)
            else:
                database.check(needs, dump_member.size, docs.parent)
            _check_space(needs)
            # 2. Everything unpacked beside the site and checked against the manifest.
            docs.stage(archive, documents, manifest)
            database.stage(archive, dump_member, manifest, docs.work)
        except BaseException as error:
            database.discard(failed=True)
            docs.discard(failed=True)
            if isinstance(error, Exception):
                raise _unchanged(error) from error
            raise

        # 3. The swap: documents by renames, then the database; any failure undoes both.
        try:
            docs.swap_in()
            database.replace()
        except BaseException as error:
            problems = []
            for step in (database, docs):
                try:
                    step.roll_back()
                except BackupError as problem:
                    problems.append(str(problem))
            if problems:
                raise BackupError(
                    "Restore failed and could not put everything back:\n"
                    + "\n".join(problems)
                    + f"\nThe failure: {error}"
                ) from error
            database.discard(failed=True)
            docs.discard(failed=True)
            if isinstance(error, Exception):
                raise _unchanged(error) from error
            raise
        database.discard(failed=False)
        docs.discard(failed=False)

    connection.close()
    return verify(connection, manifest, root)
