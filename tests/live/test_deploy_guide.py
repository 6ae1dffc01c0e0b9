"""docs/deploy/ followed on one machine with its own files and commands, from nothing to a
working partnership.

The env file is the guide's own example (step 4) with only what differs here changed (secrets,
addresses, paths, a mail server that is down); every management command runs as the guide
runs it — `manage.py --env-file FILE …` as the service user (here `nobody`) — and so does
daphne, with the systemd unit's options, behind the guide's nginx.conf. The layout is the
guide's: a root-owned parent with the service user's var and documents directories. Then:

- the env file checks clean; migrate, collectstatic and `check --deploy` pass on production
  settings; `bootstrap` admits the first jurisdiction and invites its first Co-Chair, with the
  mail server down (the link is printed, nothing fails);
- two daphne instances behind nginx serve the sign-in page and the invitation link, and 200
  requests at concurrency 8 (pages and /healthz) give no 5xx and leave no more idle database
  connections than the instances' pools;
- a backup as the service user; a restore that fails half-way (pg_restore on a corrupted dump)
  leaves the database and documents exactly as they were; a successful restore brings back
  the backed-up state, owner and mode included, and the site serves again.

PostgreSQL databases and Redis db 9 are this test's own. Skipped when not root (the service
user needs root to switch to), or without nginx, PostgreSQL or Redis.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from config.envfile import parse
from tests.config.test_envfile import guide_env_example

from .chat_support import flush_redis, redis_problem
from .server import (
    HTTP_TIMEOUT,
    ROOT,
    Daphne,
    SiteError,
    as_user_prefix,
    free_port,
    tail,
)
from .test_backup import corrupt_data, tamper
from .test_db_connections import connections_by_state, postgres_problem, settled_idle
from .test_nginx_multiprocess import (
    NGINX,
    TEMPLATE,
    Nginx,
    psql,
    render_site,
    start_nginx,
    start_unit_daphne,
)

pytestmark = pytest.mark.live

SERVICE_USER = "nobody"
REDIS_URL = "redis://127.0.0.1:6379/9"
COMMAND_TIMEOUT = 300
REQUESTS = 200
CONCURRENCY = 8


@dataclass
class Guide:
    tmp: Path
    env_file: Path
    env: dict[str, str]  # what systemd gives the units: the env file's variables
    prefix: list[str]  # runs a command as the service user
    database: str
    documents: Path
    var: Path

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """`enclave-manage …` of the guide: manage.py --env-file, as the service user."""
        command = [sys.executable, str(ROOT / "manage.py"), "--env-file", str(self.env_file)]
        result = subprocess.run(
            [*self.prefix, *command, *args],
            cwd=ROOT,
            env=_bare_environment(self.tmp),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
            )
        return result


def _bare_environment(tmp: Path) -> dict[str, str]:
    """What a fresh login of the service user has: nothing of this test's own settings."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), "LANG": "C.UTF-8"}


def write_env_file(path: Path, overrides: dict[str, str]) -> None:
    """The guide's example with the values that differ here; every other line as written."""
    lines, seen = [], set()
    for line in guide_env_example().splitlines():
        name = line.split("=", 1)[0].strip()
        if "=" in line and not line.lstrip().startswith("#") and name in overrides:
            line = f'{name}="{overrides[name]}"'
            seen.add(name)
        lines.append(line)
    lines += [f'{name}="{value}"' for name, value in overrides.items() if name not in seen]
    path.write_text("\n".join(lines) + "\n")


def start_unit(guide: Guide, port: int, name: str) -> Daphne:
    """daphne as enclave-daphne@.service runs it: the service user, the env file, its flags."""
    return start_unit_daphne(
        {**_bare_environment(guide.tmp), **guide.env},
        guide.tmp / f"{name}.log",
        name,
        port=port,
        as_user=guide.prefix,
        ready_path="/healthz",
    )


def get(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


def load(port: int, paths: list[str]) -> Counter:
    """REQUESTS GETs spread over `paths`, CONCURRENCY at a time: the statuses seen."""

    def one(index: int) -> int:
        try:
            return get(port, paths[index % len(paths)])[0]
        except OSError:
            return 599

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        return Counter(pool.map(one, range(REQUESTS)))


def site_state(guide: Guide) -> dict:
    """What a restore must keep or bring back: database rows that matter, document files with
    their owner and mode."""
    shown = guide.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import Group; from accounts.models import "
        "Jurisdiction, Invitation; print(sorted(Group.objects.values_list('name', flat=True)),"
        " sorted(Jurisdiction.objects.values_list('code', flat=True)),"
        " Invitation.objects.count())",
    ).stdout.strip()
    files = {}
    for path in sorted(guide.documents.rglob("*")):
        info = path.stat()
        files[str(path.relative_to(guide.documents))] = (
            path.is_file() and path.read_bytes(),
            info.st_uid,
            info.st_gid,
            oct(info.st_mode),
        )
    return {"rows": shown.splitlines()[-1], "files": files}


@pytest.fixture
def guide():
    prefix = as_user_prefix(SERVICE_USER)
    if isinstance(prefix, str):
        pytest.skip(f"cannot run commands as the service user: {prefix}")
    for problem in (
        "" if Path(NGINX).exists() else f"no nginx at {NGINX}",
        postgres_problem(),
        redis_problem(REDIS_URL),
        "" if shutil.which("pg_dump") else "no pg_dump on PATH",
    ):
        if problem:
            pytest.skip(problem)
    import grp
    import pwd

    uid = pwd.getpwnam(SERVICE_USER).pw_uid
    gid = pwd.getpwnam(SERVICE_USER).pw_gid
    # The guide's layout: a root-owned parent, the service user's var and documents (0750),
    # the env file root:<service group> 0640. Outside pytest's own temp dir, which only root may
    # enter: the service user must reach its directories as it would under /srv.
    tmp_path = Path(tempfile.mkdtemp(prefix="enclave-guide-"))
    tmp_path.chmod(0o755)
    srv = tmp_path / "srv" / "enclave"
    var, documents = srv / "var", srv / "documents"
    for directory in (var, documents):
        directory.mkdir(parents=True)
        os.chown(directory, uid, gid)
        directory.chmod(0o750)
    etc = tmp_path / "etc" / "enclave"
    etc.mkdir(parents=True)
    os.chown(etc, 0, gid)
    etc.chmod(0o750)
    database = f"enclave_guide_{uuid.uuid4().hex[:12]}"
    psql(f'CREATE DATABASE "{database}"')
    nginx_port, redirect_port = free_port(), free_port()
    env_file = etc / "env"
    write_env_file(
        env_file,
        {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{nginx_port}",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "REDIS_URL": REDIS_URL,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(free_port()),  # nothing listens: the mail server is down
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": "0",
            "ENCLAVE_SITE_URL": f"https://127.0.0.1:{nginx_port}",
            "ENCLAVE_VAR_DIR": str(var),
            "ENCLAVE_DOCUMENTS_DIR": str(documents),
        },
    )
    os.chown(env_file, 0, gid)
    env_file.chmod(0o640)
    flush_redis(REDIS_URL)
    guide = Guide(
        tmp=tmp_path,
        env_file=env_file,
        env=parse(env_file.read_text()),
        prefix=prefix,
        database=database,
        documents=documents,
        var=var,
    )
    guide.nginx_port, guide.redirect_port = nginx_port, redirect_port
    grp.getgrgid(gid)  # the group exists (chown above would have failed otherwise)
    try:
        yield guide
    finally:
        flush_redis(REDIS_URL)
        with contextlib.suppress(SiteError, subprocess.TimeoutExpired):
            psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_partnership_from_nothing_by_the_guide(guide):
    # Step 4: the env file checks clean (as the service user, who can read it).
    checked = subprocess.run(
        [*guide.prefix, sys.executable, "-m", "config.envfile", str(guide.env_file)],
        cwd=ROOT,
        env=_bare_environment(guide.tmp),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0 and not checked.stderr, checked.stderr
    # Step 5: migrate, collect static files, check, bootstrap.
    guide.manage("migrate", "--noinput", "-v0")
    guide.manage("collectstatic", "--noinput", "-v0")
    deploy_check = guide.manage("check", "--deploy", "--fail-level", "WARNING")
    assert "no issues" in deploy_check.stdout
    bootstrap = guide.manage(
        "bootstrap",
        "--jurisdiction",
        "European Union",
        "--code",
        "eu",
        "--level",
        "supranational",
        "--email",
        "first.cochair@example.org",
        "--name",
        "First Co-Chair",
    )
    link = next(
        word
        for word in bootstrap.stdout.split()
        if word.startswith(guide.env["ENCLAVE_SITE_URL"] + "/invitations/")
    )
    again = guide.manage("bootstrap", "--jurisdiction", "X", "--code", "xx", "--email",
                         "x@example.org", check=False)  # fmt: skip
    assert again.returncode == 1 and "Nothing was changed" in again.stderr

    # Steps 6-7: two daphne instances (the unit's user, env and flags) behind nginx.
    ports = free_port(), free_port()
    daphnes = [start_unit(guide, port, f"daphne-{port}") for port in ports]
    nginx: Nginx | None = None
    try:
        site = render_site(
            TEMPLATE.read_text(),
            port=guide.nginx_port,
            redirect_port=guide.redirect_port,
            primary=ports[0],
            backup=ports[1],
            static_root=guide.var / "staticfiles",
            documents=guide.documents,
            logs=guide.tmp / "logs",
        )
        # TLS ends at nginx in the guide; here nginx listens on plain HTTP, so it tells daphne
        # what the guide's nginx would.
        site = site.replace("X-Forwarded-Proto $scheme;", "X-Forwarded-Proto https;")
        nginx = start_nginx(guide.tmp, site, guide.nginx_port, guide.redirect_port)
        status, page = get(guide.nginx_port, "/accounts/login/")
        assert status == 200 and "Sign in" in page
        status, page = get(guide.nginx_port, link.split(guide.env["ENCLAVE_SITE_URL"], 1)[1])
        assert status == 200 and "European Union" in page
        assert get(ports[1], "/healthz")[0] == 200

        # Concurrent requests on PostgreSQL: no 5xx, idle connections within the pools.
        statuses = load(guide.nginx_port, ["/accounts/login/", "/healthz", "/accounts/login/"])
        assert sum(n for code, n in statuses.items() if code >= 500) == 0, statuses
        budget = len(daphnes) * int(guide.env.get("DATABASE_POOL_MAX_SIZE", "8"))
        assert settled_idle(guide.database, budget) <= budget
        assert sum(connections_by_state(guide.database).values()) <= budget

        # Step 10: a backup as the service user.
        backups = guide.var / "backups"
        made = guide.manage("backup", "--keep", "3")
        archives = sorted(backups.glob("enclave-*.tar.gz"))
        assert len(archives) == 1, made.stdout
        archive = archives[0]
        backed_up = site_state(guide)

        # Changes after the backup: a row and a document file.
        guide.manage(
            "shell", "-c", "from django.contrib.auth.models import Group; "
            "Group.objects.create(name='after-the-backup')",
        )  # fmt: skip
        extra = guide.documents / "after-the-backup.txt"
        extra.write_text("newer")
        os.chown(extra, *(guide.documents.stat().st_uid, guide.documents.stat().st_gid))
        extra.chmod(0o640)
        changed = site_state(guide)
        assert changed != backed_up

        # backups.md: stop the instances, then restore.
        for server in daphnes:
            server.stop()
        broken = tamper(archive, guide.tmp / "broken.tar.gz", "database/", corrupt_data)
        broken.chmod(0o644)
        failed = guide.manage("restore", "--force", str(broken), check=False)
        assert failed.returncode != 0
        # Half-way: every check passed and pg_restore itself failed on the data.
        assert "pg_restore failed" in failed.stderr, failed.stderr[-2000:]
        assert "as they were before" in failed.stderr, failed.stderr[-2000:]
        assert site_state(guide) == changed
        restored = guide.manage("restore", "--force", str(archive))
        assert "Verified" in restored.stdout
        assert site_state(guide) == backed_up

        daphnes = [start_unit(guide, ports[0], "daphne-restarted")]
        status, page = get(guide.nginx_port, "/accounts/login/")
        assert status == 200
    finally:
        if nginx is not None:
            nginx.stop()
        for server in daphnes:
            server.stop()
        for server in daphnes:
            print(f"--- {server.log.name} ---\n{tail(server.log)}")
