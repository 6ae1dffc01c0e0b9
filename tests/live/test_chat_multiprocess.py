"""Live chat across two daphne processes sharing one SQLite file and one Redis database.

eu@ is connected to process A, california@ to process B: a message sent on A is acknowledged
on A and announced on B with the same seq (and the other way round). Then B is stopped; its
client reconnects to A, resumes from the last seq it had, and gets exactly what it missed.

Talks to the servers and to manage.py subprocesses only: no pytest-django database fixture.
Skipped when Redis (127.0.0.1:6379) does not answer.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("websockets")

from .chat_support import (  # noqa: E402
    connect_room,
    flush_redis,
    next_frame,
    redis_problem,
    room_id,
)
from .server import (  # noqa: E402
    DEMO_DOMAIN,
    Daphne,
    ServerUnavailable,
    SiteError,
    prepare_site,
    sign_in,
    site_env,
    start_daphne,
    tail,
)

REDIS_URL = os.environ.get("ENCLAVE_LIVE_REDIS_URL", "redis://127.0.0.1:6379/5")
SCENARIO_TIMEOUT = 90.0
EU = f"eu@{DEMO_DOMAIN}"
CALIFORNIA = f"california@{DEMO_DOMAIN}"


@dataclass
class TwoProcesses:
    a: Daphne
    b: Daphne
    room: int


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory) -> Iterator[TwoProcesses]:
    problem = redis_problem(REDIS_URL)
    if problem:
        pytest.skip(problem)
    flush_redis(REDIS_URL)
    tmp = tmp_path_factory.mktemp("chat-multiprocess")
    env = site_env(tmp, redis_url=REDIS_URL, db_name="chat.sqlite3")
    servers: list[Daphne] = []
    try:
        try:
            prepare_site(env)
            room = room_id(env)
            servers.append(start_daphne(env, tmp / "daphne-a.log", "daphne A"))
            servers.append(start_daphne(env, tmp / "daphne-b.log", "daphne B"))
        except ServerUnavailable as error:
            pytest.skip(str(error))
        except SiteError as error:
            pytest.fail(str(error), pytrace=False)
        yield TwoProcesses(a=servers[0], b=servers[1], room=room)
    finally:
        for server in servers:
            server.stop()
        # Shown by pytest only when the test failed (captured output of the teardown).
        for server, name in zip(servers, "AB", strict=False):
            print(f"--- daphne {name} ({server.url}) log, last lines ---\n{tail(Path(server.log))}")
        flush_redis(REDIS_URL)


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


async def scenario(site: TwoProcesses, eu_key: str, california_key: str) -> None:
    a, b, room = site.a, site.b, site.room
    async with connect_room(a.url, room, eu_key) as on_a:
        ready_a = await next_frame(on_a, "ready")
        assert ready_a["me"]["handle"] == "eu"
        assert ready_a["can_send"] is True

        on_b = await connect_room(b.url, room, california_key)
        try:
            ready_b = await next_frame(on_b, "ready")
            assert ready_b["me"]["handle"] == "california"
            assert ready_b["room"]["id"] == room
            # Presence is in the database, written with A's presence frame: B sees eu@
            # (connected to A) in its ready frame, or hears of it in that frame through Redis…
            seen_by_b = {person["handle"] for person in ready_b["present"]}
            while "eu" not in seen_by_b:
                seen_by_b |= {p["handle"] for p in (await next_frame(on_b, "presence"))["joined"]}
            # …and A hears of california@ joining on B through Redis.
            while True:
                presence = await next_frame(on_a, "presence")
                if "california" in {p["handle"] for p in presence["joined"]}:
                    break

            # A -> B: acknowledged on A, announced on B with the same seq.
            sent = await send_and_ack(on_a, "Hello from process **A**")
            announced = (await next_frame(on_b, "message"))["message"]
            assert announced["seq"] == sent["seq"]
            assert announced["client_id"] == sent["client_id"]
            assert announced["author"]["handle"] == "eu"
            assert "<strong>A</strong>" in announced["html"]
            assert (await next_frame(on_a, "message"))["message"]["seq"] == sent["seq"]

            # B -> A: the other direction, the next seq.
            reply = await send_and_ack(on_b, "Hello from process B")
            assert reply["seq"] == sent["seq"] + 1
            heard = (await next_frame(on_a, "message"))["message"]
            assert (heard["seq"], heard["client_id"]) == (reply["seq"], reply["client_id"])
            last_seen_by_b = (await next_frame(on_b, "message"))["message"]["seq"]
            assert last_seen_by_b == reply["seq"]
        finally:
            b.stop()  # process B goes away under its client
            await on_b.close()

        # Meanwhile, eu@ goes on writing on A.
        missed = [await send_and_ack(on_a, f"While B was down, {n}") for n in range(3)]
        assert [m["seq"] for m in missed] == [last_seen_by_b + n for n in (1, 2, 3)]

        # California's client reconnects, to A this time, and resumes.
        async with connect_room(a.url, room, california_key) as again:
            ready = await next_frame(again, "ready")
            assert ready["room"]["last_seq"] == missed[-1]["seq"]
            await again.send(json.dumps({"type": "resume", "after": last_seen_by_b}))
            catchup = await next_frame(again, "catchup")
        assert catchup["complete"] is True
        assert catchup["last_seq"] == missed[-1]["seq"]
        assert [(m["seq"], m["client_id"]) for m in catchup["messages"]] == [
            (m["seq"], m["client_id"]) for m in missed
        ]


def test_message_crosses_processes_and_resume_after_a_process_stops(two_processes):
    site = two_processes
    eu_key = sign_in(site.a.url, EU)
    california_key = sign_in(site.b.url, CALIFORNIA)

    async def bounded():
        async with asyncio.timeout(SCENARIO_TIMEOUT):
            await scenario(site, eu_key, california_key)

    asyncio.run(bounded())
