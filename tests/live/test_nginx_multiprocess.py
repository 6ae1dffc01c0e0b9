"""The production shape on one machine: nginx (docs/deploy/nginx.conf) in front of two daphne
processes (run as docs/deploy/enclave-daphne@.service runs them) on PostgreSQL and Redis.

Checks, all through nginx: signing in; a chat message crossing from one process to the other;
a document download sent by nginx after daphne's check (X-Accel-Redirect), still refused (404)
to an official whose jurisdiction is not on the roster; and, when the daphne process behind a
client stops, the client reconnects through nginx to the other one and catches up.

nginx runs the deployment template itself, rendered for this test only: the upstream servers
become daphne A and, as `backup`, daphne B (so everything through nginx lands on A while A is
up, and on B once A is gone: the failover is deterministic), plain HTTP on 127.0.0.1 (the TLS
lines are dropped), and the paths point into a temp dir. nginx runs from a generated main
config with its own prefix, pid and logs: nothing in /etc/nginx is touched.

The cross-process check therefore connects eu@ through nginx (to A) and california@ straight
to daphne B. Everything listens on 127.0.0.1 only; every wait is bounded. Skipped when nginx,
PostgreSQL (127.0.0.1:5432, user postgres, trust auth) or Redis (127.0.0.1:6379) is missing.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("websockets")

from .chat_support import (  # noqa: E402
    OUTPUT_MARK,
    connect_room,
    flush_redis,
    next_frame,
    redis_problem,
    shell_json,
)
from .server import (  # noqa: E402
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    ROOT,
    VENV_BIN,
    Daphne,
    ServerUnavailable,
    SiteError,
    download,
    free_port,
    manage,
    prepare_site,
    session_cookie,
    sign_in,
    site_env,
    stop,
    tail,
    wait_until_ready,
)

NGINX = os.environ.get("ENCLAVE_LIVE_NGINX", "/usr/sbin/nginx")
PSQL = shutil.which("psql")
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", "5432", "postgres"
REDIS_URL = os.environ.get("ENCLAVE_LIVE_NGINX_REDIS_URL", "redis://127.0.0.1:6379/7")
X_ACCEL_PREFIX = "/protected-documents/"
SCENARIO_TIMEOUT = 90.0
EU = f"eu@{DEMO_DOMAIN}"
CALIFORNIA = f"california@{DEMO_DOMAIN}"
# Created by the setup: an official of Switzerland, which is not on the offsets roster.
OUTSIDER = "swiss-official@example.test"
OUTSIDER_PASSWORD = "Matterhorn-outsider-2026"
DOCUMENT_TITLE = "Removals MRV workshop notes"  # seeded in /w/offsets/, marking "none"

DEPLOY = ROOT / "docs" / "deploy"
TEMPLATE = DEPLOY / "nginx.conf"
SNIPPET = DEPLOY / "nginx-documents.conf"
UNIT = DEPLOY / "enclave-daphne@.service"
TEMPLATE_UPSTREAM = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+;.*\n", re.MULTILINE)
TEMPLATE_STATIC_ROOT = "/srv/enclave/var/staticfiles/"
TEMPLATE_DOCUMENTS = "/srv/enclave/documents/"
TEMPLATE_LOGS = "/var/log/nginx/"

MAIN_CONF = """\
{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;

events {{
    worker_connections 256;
}}

http {{
    {types}
    default_type application/octet-stream;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;

    include {site};
}}
"""


# ------------------------------------------------------------------------------
# Rendering docs/deploy/nginx.conf for this test
# ------------------------------------------------------------------------------


def replace_once(text: str, old: str, new: str, count: int = 1) -> str:
    """Replace `old` in directives only (not in comments); it must occur `count` times."""
    lines, found = [], 0
    for line in text.splitlines(keepends=True):
        code, hash_, comment = line.partition("#")
        found += code.count(old)
        lines.append(code.replace(old, new) + hash_ + comment)
    if found != count:
        raise SiteError(f"{TEMPLATE.name} should contain {old!r} {count}x, not {found}x")
    return "".join(lines)


def render_site(
    template: str,
    *,
    port: int,
    redirect_port: int,
    primary: int,
    backup: int,
    static_root: Path,
    documents: Path,
    logs: Path,
) -> str:
    """The template with only what cannot run here changed: upstream servers, listen lines
    (plain HTTP on 127.0.0.1), no ssl_* lines, local paths. Fails if the template drifted."""
    servers = TEMPLATE_UPSTREAM.findall(template)
    if len(servers) < 2:
        raise SiteError(f"{TEMPLATE.name}: expected several `server 127.0.0.1:<port>;` lines")
    indent = servers[0]
    first = True

    def upstream(_match: re.Match) -> str:
        nonlocal first
        if not first:
            return ""
        first = False
        return (
            f"{indent}server 127.0.0.1:{primary};\n"
            f"{indent}server 127.0.0.1:{backup} backup;  # rendered for the test\n"
        )

    text = TEMPLATE_UPSTREAM.sub(upstream, template)
    text = replace_once(text, "    listen 80;\n", f"    listen 127.0.0.1:{redirect_port};\n")
    text = replace_once(text, "    listen [::]:80;\n", "")
    text = replace_once(text, "    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{port};\n")
    text = replace_once(text, "    listen [::]:443 ssl http2;\n", "")
    text = re.sub(r"^\s*ssl_\w+ [^\n]*;\n", "", text, flags=re.MULTILINE)
    if "ssl" in re.sub(r"#[^\n]*", "", text):
        raise SiteError(f"{TEMPLATE.name}: TLS directives left after rendering")
    text = replace_once(text, TEMPLATE_STATIC_ROOT, f"{static_root}/")
    text = replace_once(text, TEMPLATE_DOCUMENTS, f"{documents}/")
    text = replace_once(text, TEMPLATE_LOGS, f"{logs}/", count=2)
    return text


def block_lines(text: str, opening: str) -> list[str]:
    """The directive lines (comments stripped) of the block that starts with `opening`."""
    start = text.index(opening) + len(opening)
    end = re.compile(r"^\s*}\s*$", re.MULTILINE).search(text, start).start()
    lines = [re.sub(r"\s*#.*", "", line).strip() for line in text[start:end].splitlines()]
    return [line for line in lines if line]


def add_headers(lines: list[str]) -> dict[str, str]:
    headers = {}
    for line in lines:
        match = re.fullmatch(r'add_header ([\w-]+) "([^"]*)" always;', line)
        if match:
            headers[match.group(1).lower()] = match.group(2)
    return headers


@dataclass
class Nginx:
    process: subprocess.Popen
    port: int
    redirect_port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop(self.process)


def start_nginx(tmp: Path, site_text: str, port: int, redirect_port: int) -> Nginx:
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (tmp / name).mkdir(exist_ok=True)
    site = tmp / "enclave-site.conf"
    site.write_text(site_text)
    mime = Path("/etc/nginx/mime.types")
    types = f"include {mime};" if mime.exists() else "types { text/plain txt; text/css css; }"
    conf = tmp / "nginx.conf"
    conf.write_text(
        MAIN_CONF.format(
            user="user root;\n" if os.geteuid() == 0 else "",
            tmp=tmp,
            types=types,
            site=site,
        )
    )
    log = tmp / "error.log"
    check = subprocess.run(
        [NGINX, "-t", "-p", str(tmp), "-c", str(conf), "-e", str(log)],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    if check.returncode != 0:
        raise SiteError(f"nginx rejected the rendered {TEMPLATE.name}:\n{check.stderr}")
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-c", str(conf), "-e", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    server = Nginx(process=process, port=port, redirect_port=redirect_port, log=log)
    try:
        wait_until_ready(process, f"{server.url}/accounts/login/", log, "nginx")
    except BaseException:
        server.stop()
        raise
    return server


# ------------------------------------------------------------------------------
# daphne as the systemd unit runs it; PostgreSQL
# ------------------------------------------------------------------------------


def unit_daphne_flags() -> list[str]:
    """The options of ExecStart in docs/deploy/enclave-daphne@.service, minus bind and port."""
    text = UNIT.read_text().replace("\\\n", " ")
    command = re.search(r"^ExecStart=(.*)$", text, re.MULTILINE).group(1).split()
    flags, skip = [], False
    for word in command[1:-1]:  # between the executable and the application
        if skip:
            skip = False
        elif word in ("--bind", "-b", "--port", "-p"):
            skip = True
        else:
            flags.append(word)
    if command[-1] != "config.asgi:application":
        raise SiteError(f"{UNIT.name}: ExecStart should end with config.asgi:application")
    return flags


def start_unit_daphne(
    env: dict[str, str],
    log: Path,
    name: str,
    *,
    port: int | None = None,
    as_user: list[str] = (),
    ready_path: str = "/accounts/login/",
) -> Daphne:
    """daphne on 127.0.0.1:<port> (a free one by default) with the systemd unit's options
    (`--proxy-headers`, `--websocket-max-message-size 524288`), run behind `as_user` (an argv
    prefix that switches to the service user), ready once `ready_path` answers 200."""
    executable = VENV_BIN / "daphne"
    if not executable.exists():
        raise ServerUnavailable(f"no daphne at {executable}")
    port = port or free_port()
    command = [str(executable), "-b", "127.0.0.1", "-p", str(port), *unit_daphne_flags()]
    with log.open("a") as log_file:
        process = subprocess.Popen(
            [*as_user, *command, "config.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = Daphne(process=process, port=port, log=log)
    try:
        wait_until_ready(process, f"{server.url}{ready_path}", log, name)
    except BaseException:
        server.stop()
        raise
    return server


def psql(sql: str) -> str:
    result = subprocess.run(
        [PSQL, "-h", PG_HOST, "-p", PG_PORT, "-U", PG_USER, "-d", "postgres", "-tAc", sql],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env=dict(os.environ, PGCONNECT_TIMEOUT="5"),
    )
    if result.returncode != 0:
        raise SiteError(f"psql {sql[:60]!r} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def postgres_problem() -> str:
    if PSQL is None:
        return "no psql on PATH (apt-get install postgresql-client)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed"
    try:
        psql("SELECT 1")
    except (SiteError, subprocess.TimeoutExpired) as error:
        return f"PostgreSQL at {PG_HOST}:{PG_PORT} is not usable: {error}"
    return ""


# The outsider, the document and the room, in one manage.py shell.
_SETUP = f"""
import json
from allauth.account.models import EmailAddress
from accounts.models import Jurisdiction, User
from dialogues.models import ChatRoom
from workspaces.access import Capability, can
from workspaces.models import Document, Workspace

swiss = Jurisdiction.objects.get(code="ch")
offsets = Workspace.objects.get(slug="offsets")
user = User(
    email={OUTSIDER!r}, handle="swissofficial", full_name="Outside Official", jurisdiction=swiss
)
user.set_password({OUTSIDER_PASSWORD!r})
user.save()
user.groups.add(swiss.group)
EmailAddress.objects.create(user=user, email={OUTSIDER!r}, verified=True, primary=True)
document = Document.objects.get(workspace=offsets, title={DOCUMENT_TITLE!r})
version = document.versions.order_by("-number").first()
eu = User.objects.get(email={EU!r})
print({OUTPUT_MARK!r} + json.dumps({{
    "room": ChatRoom.objects.get(workspace=offsets, is_workspace_room=True).pk,
    "document": document.pk,
    "sha256": version.sha256,
    "size": version.size,
    "stored_name": version.file.name,
    "outsider_sees_workspace": can(user, Capability.VIEW, offsets),
    "eu_sees_document": can(eu, Capability.VIEW, document),
}}))
"""


# ------------------------------------------------------------------------------
# The stack
# ------------------------------------------------------------------------------


@dataclass
class Stack:
    tmp: Path
    env: dict[str, str]
    a: Daphne
    b: Daphne
    nginx: Nginx
    room: int
    document: int
    sha256: str
    size: int
    stored_name: str

    @property
    def download_path(self) -> str:
        return f"/w/offsets/documents/{self.document}/download/"


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    if not Path(NGINX).exists():
        pytest.skip(f"no nginx at {NGINX} (apt-get install nginx)")
    problem = postgres_problem() or redis_problem(REDIS_URL)
    if problem:
        pytest.skip(problem)

    tmp = tmp_path_factory.mktemp("nginx-multiprocess")
    tmp.chmod(0o755)
    database = f"enclave_nginx_{uuid.uuid4().hex[:12]}"
    env = site_env(
        tmp,
        redis_url=REDIS_URL,
        DATABASE_URL=f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}",
        ENCLAVE_DOCUMENTS_X_ACCEL_PREFIX=X_ACCEL_PREFIX,
    )
    daphnes: list[Daphne] = []
    nginx: Nginx | None = None
    created = False
    flush_redis(REDIS_URL)
    try:
        try:
            psql(f'CREATE DATABASE "{database}"')
            created = True
            prepare_site(env)  # migrate + seed_demo, on PostgreSQL
            facts = shell_json(env, _SETUP)
            assert facts["outsider_sees_workspace"] is False, facts
            assert facts["eu_sees_document"] is True, facts
            manage(env, "collectstatic", "--noinput", "-v0")
            daphnes.append(start_unit_daphne(env, tmp / "daphne-a.log", "daphne A"))
            daphnes.append(start_unit_daphne(env, tmp / "daphne-b.log", "daphne B"))
            port, redirect_port = free_port(), free_port()
            site = render_site(
                TEMPLATE.read_text(),
                port=port,
                redirect_port=redirect_port,
                primary=daphnes[0].port,
                backup=daphnes[1].port,
                static_root=tmp / "staticfiles",
                documents=Path(env["ENCLAVE_DOCUMENTS_DIR"]),
                logs=tmp / "logs",
            )
            nginx = start_nginx(tmp, site, port, redirect_port)
        except ServerUnavailable as error:
            pytest.skip(str(error))
        except SiteError as error:
            pytest.fail(str(error), pytrace=False)
        yield Stack(
            tmp=tmp,
            env=env,
            a=daphnes[0],
            b=daphnes[1],
            nginx=nginx,
            room=facts["room"],
            document=facts["document"],
            sha256=facts["sha256"],
            size=facts["size"],
            stored_name=facts["stored_name"],
        )
    finally:
        if nginx is not None:
            nginx.stop()
        for server in daphnes:
            server.stop()
        # Shown by pytest only when a test failed (captured output of the teardown).
        for server, name in zip(daphnes, "AB", strict=False):
            print(f"--- daphne {name} ({server.url}) log, last lines ---\n{tail(server.log)}")
        if nginx is not None:
            print(f"--- nginx error log ---\n{tail(nginx.log)}")
            print(f"--- nginx site error log ---\n{tail(tmp / 'logs' / 'enclave.error.log')}")
        flush_redis(REDIS_URL)
        if created:
            psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(Path(env["ENCLAVE_DOCUMENTS_DIR"]), ignore_errors=True)


def fetch(url: str, cookie: str = "") -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects: status, lower-cased headers, body."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=15) as response:
            headers = {name.lower(): value for name, value in response.getheaders()}
            return response.status, headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def ws_connections(server: Daphne) -> int:
    """How many websocket handshakes daphne's access log shows (WSCONNECT lines)."""
    return server.log.read_text(errors="replace").count("WSCONNECT /ws/")


# ------------------------------------------------------------------------------
# The checks (in file order: the last one stops daphne A)
# ------------------------------------------------------------------------------


def test_template_keeps_the_documents_snippet():
    """The template's internal location carries every rule of nginx-documents.conf."""
    template = block_lines(TEMPLATE.read_text(), "location /protected-documents/ {")
    snippet = block_lines(SNIPPET.read_text(), "location /protected-documents/ {")
    assert [line for line in snippet if line not in template] == []


def test_redirect_and_static_files(stack):
    status, headers, _ = fetch(f"http://127.0.0.1:{stack.nginx.redirect_port}/w/offsets/?x=1")
    assert status == 301
    assert headers["location"] == "https://127.0.0.1/w/offsets/?x=1"

    status, headers, body = fetch(f"{stack.nginx.url}/static/js/chat.js")
    assert status == 200
    assert body == (ROOT / "static" / "js" / "chat.js").read_bytes()
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "public, max-age=3600"
    assert "x-frame-options" not in headers  # served by nginx, not by Django (whitenoise)


def test_sign_in_and_download_through_nginx(stack):
    eu = session_cookie(sign_in(stack.nginx.url, EU, DEMO_PASSWORD))
    url = f"{stack.nginx.url}{stack.download_path}"

    # daphne itself answers with an empty body and the internal path…
    status, headers, body = fetch(f"{stack.b.url}{stack.download_path}", eu)
    assert status == 200 and body == b""
    assert headers["x-accel-redirect"] == f"{X_ACCEL_PREFIX}{stack.stored_name}"

    # …and nginx sends the bytes, with the snippet's headers.
    got = download(url, eu)
    assert got.status == 200
    assert (got.size, got.sha256) == (stack.size, stack.sha256)
    assert got.headers["content-disposition"].startswith("attachment")
    assert "x-accel-redirect" not in got.headers
    assert got.headers["cache-control"] == "private, no-store"  # kept from daphne's answer
    snippet_headers = add_headers(
        block_lines(SNIPPET.read_text(), "location /protected-documents/ {")
    )
    assert len(snippet_headers) >= 6
    for name, value in snippet_headers.items():
        assert got.headers.get(name) == value, name
    # Only the nginx location adds HSTS (the test settings do not): nginx served these bytes.
    assert "strict-transport-security" in got.headers

    # The internal location is not reachable by URL.
    assert fetch(f"{stack.nginx.url}{X_ACCEL_PREFIX}{stack.stored_name}", eu)[0] == 404

    # An official of a jurisdiction that is not on the roster: signed in, and still 404.
    outsider = session_cookie(sign_in(stack.nginx.url, OUTSIDER, OUTSIDER_PASSWORD))
    refused = download(url, outsider)
    assert refused.status == 404
    assert refused.sha256 != stack.sha256


def send_frame(body: str) -> tuple[str, str]:
    client_id = str(uuid.uuid4())
    return client_id, json.dumps({"type": "send", "client_id": client_id, "body": body})


async def send_and_ack(ws, body: str) -> dict:
    client_id, frame = send_frame(body)
    await ws.send(frame)
    ack = await next_frame(ws, "ack", "error")
    assert ack["type"] == "ack", ack
    assert ack["client_id"] == client_id
    return ack["message"]


async def chat_scenario(stack: Stack, eu_key: str, california_key: str) -> None:
    nginx, a, b, room = stack.nginx, stack.a, stack.b, stack.room
    on_a_before, on_b_before = ws_connections(a), ws_connections(b)

    # eu@ through nginx (upstream: A, with B as backup) and california@ straight to B.
    via_nginx = await connect_room(nginx.url, room, eu_key)
    on_b = await connect_room(b.url, room, california_key)
    try:
        assert (await next_frame(via_nginx, "ready"))["me"]["handle"] == "eu"
        assert (await next_frame(on_b, "ready"))["me"]["handle"] == "california"
        assert ws_connections(a) == on_a_before + 1, "nginx should have sent eu@ to daphne A"

        # A -> B
        sent = await send_and_ack(via_nginx, "From **A**, through nginx")
        heard = (await next_frame(on_b, "message"))["message"]
        assert (heard["seq"], heard["client_id"]) == (sent["seq"], sent["client_id"])
        assert "<strong>A</strong>" in heard["html"]
        assert (await next_frame(via_nginx, "message"))["message"]["seq"] == sent["seq"]

        # B -> A
        reply = await send_and_ack(on_b, "From B, straight")
        assert reply["seq"] == sent["seq"] + 1
        heard = (await next_frame(via_nginx, "message"))["message"]
        assert (heard["seq"], heard["client_id"]) == (reply["seq"], reply["client_id"])
        last_seen = heard["seq"]
        assert (await next_frame(on_b, "message"))["message"]["seq"] == reply["seq"]

        # Daphne A stops under eu@'s socket: nginx closes the client side too.
        a.stop()
        async with asyncio.timeout(10):
            await via_nginx.wait_closed()

        # Meanwhile california@ goes on writing, on B.
        missed = [await send_and_ack(on_b, f"While A was down, {n}") for n in range(2)]
        assert [m["seq"] for m in missed] == [last_seen + 1, last_seen + 2]

        # eu@ reconnects through nginx (A refuses the connection: nginx goes on to B) and
        # resumes from the last seq it had.
        async with connect_room(nginx.url, room, eu_key) as again:
            ready = await next_frame(again, "ready")
            assert ready["room"]["last_seq"] == missed[-1]["seq"]
            await again.send(json.dumps({"type": "resume", "after": last_seen}))
            catchup = await next_frame(again, "catchup")
        assert ws_connections(b) == on_b_before + 2, "the reconnect should have reached B"
        assert catchup["complete"] is True
        assert catchup["last_seq"] == missed[-1]["seq"]
        assert [(m["seq"], m["client_id"]) for m in catchup["messages"]] == [
            (m["seq"], m["client_id"]) for m in missed
        ]
    finally:
        await via_nginx.close()
        await on_b.close()


def test_chat_across_processes_and_failover_through_nginx(stack):
    eu_key = sign_in(stack.nginx.url, EU)
    california_key = sign_in(stack.nginx.url, CALIFORNIA)

    async def bounded():
        async with asyncio.timeout(SCENARIO_TIMEOUT):
            await chat_scenario(stack, eu_key, california_key)

    asyncio.run(bounded())
