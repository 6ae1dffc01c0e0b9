"""Live chat over real daphne processes: a throwaway site, sign-in, websockets to rooms.

Shared by tests/live/test_chat_multiprocess.py and bench/chat_fanout.py. No pytest in here:
errors are SiteError (a setup step failed) or ServerUnavailable (a server could not start).
Every server listens on 127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import json
import os
import re
import resource
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT = 30.0
COMMAND_TIMEOUT = 180.0
HTTP_TIMEOUT = 15.0
FRAME_TIMEOUT = 10.0

DEMO_DOMAIN = "demo.enclave.test"
DEMO_PASSWORD = "enclave-demo"
OUTPUT_MARK = "ENCLAVE-CHAT "


class SiteError(RuntimeError):
    """A setup step (migrate, seed, a shell script, sign-in) failed."""


class ServerUnavailable(SiteError):
    """A server cannot be run here at all (no executable)."""


# ------------------------------------------------------------------------------
# The site: environment and management commands
# ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chat_env(tmp: Path, *, redis_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of every process of one site: config.settings.test, a file SQLite DB in
    `tmp`; with `redis_url`, channels-redis and the Redis cache (else the in-memory layer)."""
    env = os.environ.copy()
    for name in ("REDIS_URL", "ENCLAVE_DOCUMENTS_X_ACCEL_PREFIX", "DATABASE_URL"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{tmp / 'chat.sqlite3'}",
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


def shell_json(env: dict[str, str], code: str, timeout: float = COMMAND_TIMEOUT):
    """Run `code` in `manage.py shell -c`; it prints one line OUTPUT_MARK + JSON: return that."""
    out = manage(env, "shell", "-c", code, timeout=timeout)
    for line in out.splitlines():
        if line.startswith(OUTPUT_MARK):
            return json.loads(line.removeprefix(OUTPUT_MARK))
    raise SiteError(f"the shell script printed no result:\n{out[-2000:]}")


_ROOM_ID = f"""
from dialogues.models import ChatRoom
room = ChatRoom.objects.get(workspace__slug={{slug!r}}, is_workspace_room=True)
print({OUTPUT_MARK!r} + str(room.pk))
"""


def room_id(env: dict[str, str], slug: str = "offsets") -> int:
    """The id of the workspace room of /w/<slug>/."""
    return int(shell_json(env, _ROOM_ID.format(slug=slug)))


def raise_nofile(target: int = 65536) -> int:
    """Raise this process's open-files limit (inherited by the servers it starts)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for wanted in ((target, max(hard, target)), (min(target, hard), hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, wanted)
            return wanted[0]
        except (ValueError, OSError):
            continue
    return soft


# ------------------------------------------------------------------------------
# Processes
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
    """Poll `url` until it answers 200, at most SERVER_START_TIMEOUT; SiteError if the process
    dies or the time is up."""
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


# ------------------------------------------------------------------------------
# Redis
# ------------------------------------------------------------------------------


def redis_problem(url: str) -> str:
    """Why Redis at `url` cannot be used ('' when it answers PING)."""
    try:
        import redis
    except ImportError:
        return "the redis package is not installed"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # noqa: BLE001 (any failure means: not usable)
        return f"Redis at {url} is not reachable: {error}"
    return ""


def flush_redis(url: str) -> None:
    """Empty the one Redis database named by `url` (FLUSHDB, never FLUSHALL)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


# ------------------------------------------------------------------------------
# HTTP sign-in and websockets
# ------------------------------------------------------------------------------

_CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(base_url: str, email: str, password: str = DEMO_PASSWORD) -> str:
    """Sign in through allauth's form, like a browser; the session key (sessionid cookie)."""
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


def room_ws_url(base_url: str, room: int) -> str:
    return base_url.replace("http://", "ws://", 1) + f"/ws/rooms/{room}/"


def connect_room(base_url: str, room: int, session_key: str, **options):
    """`websockets` connect (await it, or `async with` it) to a room as the session's user,
    with the browser's Cookie and Origin; no proxy, no compression, no keepalive pings."""
    from websockets.asyncio.client import connect

    options.setdefault("open_timeout", FRAME_TIMEOUT)
    options.setdefault("close_timeout", 2)
    options.setdefault("ping_interval", None)
    options.setdefault("compression", None)
    options.setdefault("max_size", 2**22)
    return connect(
        room_ws_url(base_url, room),
        origin=base_url,
        additional_headers={"Cookie": f"sessionid={session_key}"},
        proxy=None,
        **options,
    )


async def next_frame(ws, *kinds: str, timeout: float = FRAME_TIMEOUT) -> dict:
    """The next frame of one of `kinds`, passing over others (presence, typing, …);
    TimeoutError naming what was awaited and what came instead."""
    import asyncio

    passed: list[str] = []
    try:
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await ws.recv())
                if frame.get("type") in kinds:
                    return frame
                passed.append(str(frame.get("type")))
    except TimeoutError:
        raise TimeoutError(
            f"no {'/'.join(kinds)} frame within {timeout:.0f} s (passed over: {passed[-10:]})"
        ) from None
