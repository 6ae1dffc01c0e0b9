"""Database connections hold under daphne on PostgreSQL.

daphne runs each request's sync code in a thread of its own; a connection kept per thread
(CONN_MAX_AGE > 0) was never reused and piled up until PostgreSQL refused new ones (500s) and
stayed open, idle, long after the load. This drives 200 signed-in page views at concurrency 8
through one daphne and asserts: no 5xx, never more connections to the site's database than one
instance's budget (the pool's size; docs/deploy/README.md, "Database connections"), and
afterwards no more idle ones than that (none without a pool). daphne runs with the options of
docs/deploy/enclave-daphne@.service, a chat socket opens and closes, and every line daphne wrote
must be JSON (its access log included: config.logs.install_daphne_access_log).

The database is created for this test (a unique name) and dropped afterwards. Skipped when
PostgreSQL (127.0.0.1:5432, user postgres, trust auth) is not reachable.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from .chat_support import connect_room, next_frame, room_id
from .server import (
    DEMO_WORKSPACE,
    HTTP_TIMEOUT,
    ServerUnavailable,
    SiteError,
    manage,
    prepare_site,
    session_cookie,
    sign_in,
    site_env,
    tail,
)
from .test_nginx_multiprocess import start_unit_daphne

psycopg = pytest.importorskip("psycopg")
pytest.importorskip("websockets")

PG_ADMIN = os.environ.get("ENCLAVE_LIVE_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_URL = "postgres://postgres@127.0.0.1:5432/{database}"
REQUESTS = 200
CONCURRENCY = 8
PAGE = f"/w/{DEMO_WORKSPACE}/"
# Idle connections are counted until they settle (a connection closes just after its response).
SETTLE_TIMEOUT = 5.0


def admin_connection():
    return psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=2)


def postgres_problem() -> str:
    try:
        with admin_connection() as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL ({PG_ADMIN}) is not reachable: {str(error).strip()[:200]}"
    return ""


def connections_by_state(database: str) -> Counter:
    with admin_connection() as connection:
        rows = connection.execute(
            "SELECT coalesce(state, ''), count(*) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() GROUP BY 1",
            [database],
        ).fetchall()
    return Counter(dict(rows))


def settled_idle(database: str, limit: int) -> int:
    """The idle connections once they drop to `limit` or SETTLE_TIMEOUT has passed."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        idle = connections_by_state(database)["idle"]
        if idle <= limit or time.monotonic() > deadline:
            return idle
        time.sleep(0.1)


def page_views(url: str, cookie: str, count: int, concurrency: int) -> Counter:
    """GET `url` `count` times from `concurrency` threads (one keep-alive connection each);
    the statuses counted (0 for a failed request)."""
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    share = [count // concurrency + (i < count % concurrency) for i in range(concurrency)]

    def worker(n: int) -> Counter:
        statuses: Counter = Counter()
        connection = http.client.HTTPConnection(host, int(port), timeout=HTTP_TIMEOUT)
        try:
            for _ in range(n):
                try:
                    connection.request("GET", PAGE, headers={"Cookie": cookie})
                    response = connection.getresponse()
                    response.read()
                    statuses[response.status] += 1
                except (OSError, http.client.HTTPException):
                    statuses[0] += 1
                    connection.close()
        finally:
            connection.close()
        return statuses

    with ThreadPoolExecutor(concurrency) as executor:
        return sum(executor.map(worker, share), Counter())


_BUDGET = """
from django.db import connection
print("ENCLAVE-LIVE", connection.settings_dict["OPTIONS"].get("pool", {}).get("max_size", 0))
"""


def pool_budget(env: dict[str, str]) -> int:
    """The site's own connection budget per process: its pool's size (0 without a pool)."""
    out = manage(env, "shell", "-c", _BUDGET)
    return int(out.split("ENCLAVE-LIVE", 1)[1].split()[0])


class PeakConnections:
    """The most connections to `database` seen while the block runs (sampled every 50 ms)."""

    def __init__(self, database: str):
        self.database = database
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.05):
            self.peak = max(self.peak, sum(connections_by_state(self.database).values()))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join(timeout=5)


async def open_and_close_a_chat_socket(url: str, room: int, session_key: str) -> None:
    async with connect_room(url, room, session_key) as ws:
        await next_frame(ws, "ready")


def is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


@pytest.fixture
def pg_site(tmp_path):
    problem = postgres_problem()
    if problem:
        pytest.skip(problem)
    database = f"enclave_live_conn_{uuid.uuid4().hex[:12]}"
    with admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    daphne = None
    try:
        env = site_env(tmp_path, DATABASE_URL=PG_URL.format(database=database))
        try:
            prepare_site(env)
            daphne = start_unit_daphne(env, tmp_path / "daphne.log", "daphne")
        except ServerUnavailable as error:
            pytest.skip(str(error))
        except SiteError as error:
            pytest.fail(str(error), pytrace=False)
        yield database, env, daphne
    finally:
        if daphne is not None:
            daphne.stop()
        with admin_connection() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.mark.live
def test_concurrent_page_views_leave_no_idle_connections(pg_site):
    database, env, daphne = pg_site
    budget = pool_budget(env)
    room = room_id(env)
    session_key = sign_in(daphne.url)
    cookie = session_cookie(session_key)

    started = time.monotonic()
    with PeakConnections(database) as connections:
        statuses = page_views(daphne.url, cookie, REQUESTS, CONCURRENCY)
    seconds = time.monotonic() - started
    idle = settled_idle(database, budget)

    log = tail(daphne.log, 5)
    assert sum(statuses.values()) == REQUESTS, statuses
    assert statuses[200] == REQUESTS, f"statuses {dict(statuses)}; daphne log:\n{log}"
    assert idle <= budget, (
        f"{idle} idle connections to {database} after {REQUESTS} requests (budget {budget})"
    )
    if budget:
        assert connections.peak <= budget, f"{connections.peak} connections (budget {budget})"
    asyncio.run(open_and_close_a_chat_socket(daphne.url, room, session_key))
    daphne.stop()
    lines = [line for line in daphne.log.read_text().splitlines() if line.strip()]
    not_json = [line for line in lines if not is_json_object(line)]
    assert lines and not not_json, (
        f"{len(not_json)} of {len(lines)} lines are not JSON: {not_json[:3]}"
    )
    events = [json.loads(line)["event"] for line in lines]
    assert any(event.startswith("WSCONNECT /ws/rooms/") for event in events), events[-10:]
    print(
        f"{REQUESTS} x 200 in {seconds:.2f} s; peak {connections.peak} connections, "
        f"{idle} idle after (budget {budget})"
    )
