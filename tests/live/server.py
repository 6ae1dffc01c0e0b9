"""A real Enclave under daphne, for tests and benchmarks that talk to it over HTTP only.

Standard library only (no pytest, no Playwright): used by tests/live, tests/live/chat_support.py,
bench/download.py and bench/chat_fanout.py. The site lives in a temp dir: a file SQLite
database, migrated and seeded with the demo world, its own documents directory; servers listen
on 127.0.0.1 only and every wait is bounded. Errors are SiteError (a setup step failed) or
ServerUnavailable (a server could not be run here at all).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT = 30.0
COMMAND_TIMEOUT = 180.0
HTTP_TIMEOUT = 30.0
MB = 1024 * 1024

DEMO_DOMAIN = "demo.enclave.test"
DEMO_EMAIL = f"eu@{DEMO_DOMAIN}"
DEMO_PASSWORD = "enclave-demo"
DEMO_WORKSPACE = "offsets"


class SiteError(RuntimeError):
    """A setup step (migrate, seed, upload, a shell script, sign-in) failed, or a server did
    not come up."""


class ServerUnavailable(SiteError):
    """A server (daphne, nginx) cannot be run here at all (no executable)."""


# ------------------------------------------------------------------------------
# The site: environment, management commands, a large document
# ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_env(
    tmp: Path, *, redis_url: str = "", db_name: str = "live.sqlite3", **extra: str
) -> dict[str, str]:
    """The environment of every process of one site (manage.py and daphne alike):
    config.settings.test, a file SQLite DB `db_name` in `tmp`; with `redis_url`, channels-redis
    and the Redis cache (else the in-memory layer). `extra` is added last."""
    env = os.environ.copy()
    for name in ("REDIS_URL", "ENCLAVE_DOCUMENTS_X_ACCEL_PREFIX", "DATABASE_URL"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{tmp / db_name}",
        ENCLAVE_VAR_DIR=str(tmp),
        ENCLAVE_DOCUMENTS_DIR=str(tmp / "documents"),
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = COMMAND_TIMEOUT) -> str:
    """Run manage.py with the site's environment; its stdout, or SiteError."""
    try:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise SiteError(f"manage.py {args[0]} took longer than {timeout:.0f} s") from error
    if result.returncode != 0:
        raise SiteError(
            f"manage.py {' '.join(args)[:80]} failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
    return result.stdout


def prepare_site(env: dict[str, str]) -> None:
    Path(env["ENCLAVE_DOCUMENTS_DIR"]).mkdir(parents=True, exist_ok=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo")


def write_text_file(path: Path, size: int) -> None:
    """`size` bytes of plain text lines, written 1 MB at a time."""
    line = b"Offsets and removals: a line of plain text for the large download check.\n"
    block = line * (MB // len(line) + 1)
    with path.open("wb") as handle:
        left = size
        while left:
            piece = block[: min(left, len(block))]
            handle.write(piece)
            left -= len(piece)


_UPLOAD = """
import json, os
from django.core.files import File
from accounts.models import User
from workspaces.documents import document_upload
from workspaces.models import Workspace

source = os.environ["ENCLAVE_LIVE_SOURCE"]
with open(source, "rb") as handle:
    document = document_upload(
        actor=User.objects.get(email=os.environ["ENCLAVE_LIVE_EMAIL"]),
        workspace=Workspace.objects.get(slug=os.environ["ENCLAVE_LIVE_WORKSPACE"]),
        upload=File(handle, name=os.path.basename(source)),
        title="Large download check",
        marking="none",
    )
version = document.versions.get()
print("ENCLAVE-LIVE " + json.dumps({
    "pk": document.pk, "size": version.size, "sha256": version.sha256,
    "stored_name": version.file.name, "filename": version.filename,
}))
"""


@dataclass
class StoredDocument:
    pk: int
    size: int
    sha256: str
    stored_name: str
    filename: str
    workspace: str = DEMO_WORKSPACE

    @property
    def download_path(self) -> str:
        return f"/w/{self.workspace}/documents/{self.pk}/download/"


def upload_document(env: dict[str, str], source: Path) -> StoredDocument:
    """Store `source` through the document_upload service, in a manage.py shell subprocess."""
    shell_env = dict(
        env,
        ENCLAVE_LIVE_SOURCE=str(source),
        ENCLAVE_LIVE_EMAIL=DEMO_EMAIL,
        ENCLAVE_LIVE_WORKSPACE=DEMO_WORKSPACE,
    )
    out = manage(shell_env, "shell", "-c", _UPLOAD)
    for line in out.splitlines():
        if line.startswith("ENCLAVE-LIVE "):
            return StoredDocument(**json.loads(line.removeprefix("ENCLAVE-LIVE ")))
    raise SiteError(f"the upload printed no result:\n{out[-2000:]}")


# ------------------------------------------------------------------------------
# Processes: daphne, and stopping anything started here
# ------------------------------------------------------------------------------


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def wait_until_ready(process: subprocess.Popen, url: str, log: Path, name: str) -> None:
    """Poll `url` (no proxy) until it answers 200, at most SERVER_START_TIMEOUT; SiteError if
    the process dies or the time is up."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last_error = error
        try:
            code = process.wait(timeout=0.1)  # the poll interval and the liveness check
        except subprocess.TimeoutExpired:
            continue
        raise SiteError(f"{name} exited with {code} before serving:\n{tail(log)}")
    raise SiteError(
        f"{name} did not serve {url} within {SERVER_START_TIMEOUT:.0f} s "
        f"(last error: {last_error}):\n{tail(log)}"
    )


@dataclass
class Daphne:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        stop(self.process)


def start_daphne(
    env: dict[str, str], log: Path, name: str = "daphne", max_message_size: int = 65536
) -> Daphne:
    """daphne (config.asgi:application, 64 KiB websocket messages as docs/realtime.md says) on
    127.0.0.1:<free port>; returns once /accounts/login/ answers. ServerUnavailable when
    daphne cannot be run at all, SiteError when it does not come up."""
    executable = VENV_BIN / "daphne"
    if not executable.exists():
        raise ServerUnavailable(f"no daphne at {executable}")
    port = free_port()
    command = [
        str(executable),
        "-b",
        "127.0.0.1",
        "-p",
        str(port),
        "--websocket-max-message-size",
        str(max_message_size),
        "config.asgi:application",
    ]
    with log.open("w") as log_file:
        try:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
            )
        except OSError as error:
            raise ServerUnavailable(f"{name} could not be run: {error}") from error
    server = Daphne(process=process, port=port, log=log)
    try:
        wait_until_ready(process, f"{server.url}/accounts/login/", log, name)
    except BaseException:
        server.stop()
        raise
    return server


def rss_bytes(pid: int) -> int:
    """The resident set size of a process (VmRSS in /proc/<pid>/status)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise SiteError(f"no VmRSS for process {pid}")


# ------------------------------------------------------------------------------
# HTTP: sign in, download
# ------------------------------------------------------------------------------

_CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(base_url: str, email: str = DEMO_EMAIL, password: str = DEMO_PASSWORD) -> str:
    """Sign in through allauth's form, like a browser; the session key (sessionid cookie).
    Send it as the Cookie header `session_cookie(key)`."""
    jar = CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(jar)
    )
    login_url = f"{base_url}/accounts/login/"
    with opener.open(login_url, timeout=HTTP_TIMEOUT) as response:
        match = _CSRF_FIELD.search(response.read())
    if match is None:
        raise SiteError("the sign-in page has no csrfmiddlewaretoken field")
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": match.group(1).decode(), "login": email, "password": password}
    ).encode()
    request = urllib.request.Request(login_url, data=body, headers={"Referer": login_url})
    with opener.open(request, timeout=HTTP_TIMEOUT) as response:
        response.read()
        final_url = response.url
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise SiteError(f"signing in as {email} did not start a session (ended at {final_url})")
    return cookies["sessionid"]


def session_cookie(session_key: str) -> str:
    """The Cookie header value of a signed-in session."""
    return f"sessionid={session_key}"


@dataclass
class Download:
    status: int
    headers: dict[str, str]
    size: int
    sha256: str
    seconds: float
    body_start: bytes = b""
    samples: list[int] = field(default_factory=list)

    @property
    def mb_per_s(self) -> float:
        return self.size / MB / self.seconds if self.seconds else 0.0


def download(
    url: str,
    cookie: str = "",
    *,
    chunk: int = MB,
    every: int = 4 * MB,
    on_progress: Callable[[int], None] | None = None,
    digest: bool = True,
    max_mb_per_s: float | None = None,
) -> Download:
    """GET `url`, reading `chunk` bytes at a time and keeping none of them (a running sha256
    only); `on_progress(bytes_so_far)` is called every `every` bytes and at the end. With
    `max_mb_per_s`, the client reads no faster than that, like a client on a slower link."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=HTTP_TIMEOUT)
    headers = {"Cookie": cookie} if cookie else {}
    hasher = hashlib.sha256() if digest else None
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    total = 0
    next_report = every
    first = b""
    started = time.perf_counter()
    try:
        connection.request("GET", parts.path, headers=headers)
        response = connection.getresponse()
        while True:
            count = response.readinto(view)
            if not count:
                break
            if not first:
                first = bytes(view[: min(count, 256)])
            if hasher is not None:
                hasher.update(view[:count])
            total += count
            if max_mb_per_s:
                ahead = total / (max_mb_per_s * MB) - (time.perf_counter() - started)
                if ahead > 0:
                    time.sleep(ahead)
            if on_progress is not None and total >= next_report:
                on_progress(total)
                next_report = total + every
        seconds = time.perf_counter() - started
        if on_progress is not None:
            on_progress(total)
        return Download(
            status=response.status,
            headers={name.lower(): value for name, value in response.getheaders()},
            size=total,
            sha256=hasher.hexdigest() if hasher is not None else "",
            seconds=seconds,
            body_start=first,
        )
    finally:
        connection.close()


# ------------------------------------------------------------------------------
# Commands as another user (the service user of a deployment)
# ------------------------------------------------------------------------------


def as_user_prefix(user: str = "nobody") -> list[str] | str:
    """The argv prefix that runs a command as `user` (root only), or why it cannot be done.

    `runuser -u user --` when that user can run this interpreter; when the interpreter is in a
    directory that user cannot enter (a pyenv Python under /root), `setpriv` with that user's
    uid and gid keeping only CAP_DAC_READ_SEARCH, so it can read the interpreter while every
    write, chown and rename follows that user's rights."""
    if os.geteuid() != 0:
        return "not running as root"
    runuser = "/usr/sbin/runuser" if os.path.exists("/usr/sbin/runuser") else ""
    if runuser:
        probe = subprocess.run(
            [runuser, "-u", user, "--", sys.executable, "-c", "pass"],
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        if probe.returncode == 0:
            return [runuser, "-u", user, "--"]
    setpriv = "/usr/bin/setpriv" if os.path.exists("/usr/bin/setpriv") else ""
    if not setpriv:
        return f"{user} cannot run {sys.executable} and setpriv is not installed"
    import grp
    import pwd

    entry = pwd.getpwnam(user)
    group = grp.getgrgid(entry.pw_gid).gr_name
    return [
        setpriv,
        f"--reuid={user}",
        f"--regid={group}",
        "--init-groups",
        "--inh-caps=+dac_read_search",
        "--ambient-caps=+dac_read_search",
    ]
