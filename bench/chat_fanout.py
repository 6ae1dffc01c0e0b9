"""Live chat fan-out: Enclave under one daphne process against a raw `websockets` broadcast server.

    .venv/bin/python bench/chat_fanout.py [--sizes 200,1000] [--rates 5,10,20] [--quick] [--redis]

For each size N, N authenticated sockets (N distinct officials of the EU, signed in through
sessions created in the bench's throwaway site) join the /w/offsets/ room, and N sockets join a
minimal `websockets` server that broadcasts each frame it receives to everyone connected (the
reference). Both sets stay open while a sweep of message rates runs, the two servers
interleaved at each rate: one socket sends messages at a fixed rate for a few seconds, each
body carrying the phase, its index and send time ("bench <phase> <i> <t_ns>"; Enclave renders
Markdown, so they are parsed back out of message.html). Every socket, the sender's included,
records when each message arrives. Printed per server and rate: send-to-receive latency (p50,
p99, max), lost deliveries (expected minus received after a drain timeout), deliveries per
second, Enclave's p99 over the raw server's; then the highest rate at which Enclave's p99 stays
within 3x of the raw server's with nothing lost, and the targets with MET or MISSED: nothing
lost; at 200 sockets and up to 20 messages a second, Enclave's p99 within 3x of the raw
server's; at least 6,000 deliveries a second from one daphne process (the sweep's fastest
rates, 40 msg/s at N=200 and 8 msg/s at N=1000, offer 8,000).

Neither server compresses: the bench offers permessage-deflate once to each and prints what
was negotiated (daphne's autobahn declines it unless configured; the raw server runs with
compression=None, where `websockets` would otherwise negotiate it). The measuring sockets
offer no compression.

One daphne process with the embedded in-memory channel layer (no REDIS_URL), or with --redis
channels-redis and the Redis cache on redis://127.0.0.1:6379/6 (flushed before and after);
--redis --processes 2 splits the sockets between two daphne processes (scale-out). Before the
sweep, each server gets a warm-up of WARM_UP seconds at the first rate, printed but not in the
table.
Everything listens on 127.0.0.1 only and is torn down at the end; the whole run is bounded.
Exit 0 when targets are missed (MISSED is printed); non-zero on errors.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live.chat_support import (  # noqa: E402
    connect_room,
    flush_redis,
    raise_nofile,
    redis_problem,
    shell_json,
)
from tests.live.server import (  # noqa: E402
    Daphne,
    SiteError,
    free_port,
    prepare_site,
    site_env,
    start_daphne,
    stop,
    tail,
)

try:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidHandshake
except ImportError:  # pragma: no cover
    sys.exit("bench/chat_fanout.py needs the websockets package: pip install -e '.[dev]'")

REDIS_URL = "redis://127.0.0.1:6379/6"
TIME_BUDGET = 200.0  # seconds: no new phase starts after this (the run stays under ~4 minutes)
CONNECT_CONCURRENCY = 16  # handshakes in flight (daphne listens with a backlog of 50)
CONNECT_ATTEMPTS = 4  # daphne drops a handshake the app has not accepted within 5 s
CONNECT_TIMEOUT = 120.0  # for all N sockets of one server
QUIET = 1.0  # no frame for this long: the connect-time presence storm (or a backlog) is over
QUIET_TIMEOUT = 60.0
DRAIN_IDLE = 3.0  # after the last send: give up when nothing arrived for this long…
DRAIN_MAX = 20.0  # …or after this long in all
SECONDS = 6.0  # sending time of one phase
# Seconds at the sweep's first rate, per server, before the sweep; printed, not in the table
# (cold caches, the connect storm's after-effects). Enclave stalls one message by ~100 ms now
# and then (seen every hundred-odd messages; most likely SQLite's WAL checkpoint in that
# message's commit, the file database of the test settings): in a short low-rate phase that one
# message sets the p99 (1 of 30 messages is 3% of the deliveries).
WARM_UP = 4.0
# Size -> the message rates of its sweep. Offered deliveries per second = N x rate. N=200
# sweeps up to the chat load (20/s = 4,000 deliveries/s), then a capacity rate (40/s = 8,000);
# N=1000 runs at a rate one process carries and at 8/s (8,000 deliveries/s).
PLANS = {200: (5.0, 10.0, 20.0, 40.0), 1000: (2.0, 8.0)}
QUICK_SIZE, QUICK_PLAN, QUICK_SECONDS = 50, (10.0,), 3.0
TARGET_SIZE = 200
TARGET_P99_RATIO = 3.0  # at 200 sockets: Enclave p99 within 3x of the raw server's…
TARGET_P99_MAX_RATE = 20.0  # …at rates up to this (faster ones measure capacity)
TARGET_DELIVERIES = 6000.0  # deliveries per second from one daphne process
RUN_ID = f"{os.getpid()}-{time.time_ns() % 10**9}"
BENCH_RE = re.compile(r"bench (\d+) (\d+) (\d+)")

_USERS = """
import json, os
from allauth.account.models import EmailAddress
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from accounts.models import Jurisdiction, User
from dialogues.models import ChatRoom

count = int(os.environ["BENCH_USERS"])
eu = Jurisdiction.objects.get(code="eu")
room = ChatRoom.objects.get(workspace__slug="offsets", is_workspace_room=True)
keys = []
with transaction.atomic():
    for n in range(count):
        email = f"bench{n:04d}@bench.enclave.test"
        user = User.objects.create_user(
            email, "enclave-demo", handle=f"bench{n:04d}", full_name=f"Bench Official {n}",
            jurisdiction=eu,
        )
        user.groups.add(eu.group)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "accounts.backends.OfficialBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
print("ENCLAVE-CHAT " + json.dumps({"room": room.pk, "keys": keys}))
"""

_FORGET_PRESENCE = """
from dialogues.models import ChatPresence
ChatPresence.objects.all().delete()
print("ENCLAVE-CHAT 0")
"""

# The reference: every text frame received is sent to everyone connected, as is.
_RAW_SERVER = textwrap.dedent(
    """
    import asyncio, resource, sys
    from websockets.asyncio.server import broadcast, serve
    from websockets.exceptions import ConnectionClosed

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    CLIENTS = set()

    async def handler(ws):
        CLIENTS.add(ws)
        try:
            async for frame in ws:
                broadcast(CLIENTS, frame)
        except ConnectionClosed:
            pass  # the bench drops its sockets without a closing handshake
        finally:
            CLIENTS.discard(ws)

    async def main(port):
        async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=None,
                         max_size=65536, backlog=1024):
            print("READY", flush=True)
            await asyncio.get_running_loop().create_future()

    asyncio.run(main(int(sys.argv[1])))
    """
)


# ------------------------------------------------------------------------------
# Servers
# ------------------------------------------------------------------------------


@dataclass
class RawServer:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        stop(self.process)


def start_raw_server(log: Path) -> RawServer:
    port = free_port()
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-c", _RAW_SERVER, str(port)],
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
        )
    server = RawServer(process=process, port=port)
    deadline = time.monotonic() + 20
    # One line, READY, then nothing: a blocking readline is bounded by the process itself.
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.strip() == "READY":
            return server
        if process.poll() is not None:
            break
    server.stop()
    raise SiteError(f"the raw websockets server did not start:\n{tail(log)}")


# ------------------------------------------------------------------------------
# Clients
# ------------------------------------------------------------------------------


@dataclass
class Phase:
    """What the sockets saw of one server at one rate."""

    tag: int
    sockets: int
    messages: int
    latencies_ns: list[int] = field(default_factory=list)
    seen: list[set] = field(default_factory=list)
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    first_send_ns: int = 0
    last_receive_ns: int = 0
    settled: bool = True

    @property
    def received(self) -> int:
        return sum(len(s) for s in self.seen)

    @property
    def expected(self) -> int:
        return self.sockets * self.messages


@dataclass
class Crowd:
    """N open sockets to one server, and the phase they are counting now (if any)."""

    server: str
    size: int
    sockets: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    phase: Phase | None = None
    last_frame_ns: int = 0
    other_frames: int = 0
    errors: list[str] = field(default_factory=list)
    connect_seconds: float = 0.0
    retries: int = 0
    failure: str = ""
    connect_frames: int = 0
    settled: bool = False
    settle_seconds: float = 0.0


async def reader(ws, index: int, crowd: Crowd) -> None:
    clock = time.perf_counter_ns
    try:
        async for text in ws:
            now = clock()
            crowd.last_frame_ns = now
            frame = json.loads(text)
            kind = frame.get("type")
            if kind == "message":  # Enclave
                body = frame["message"]["html"]
            elif kind == "send":  # the raw server echoes the frame as sent
                body = frame["body"]
            else:
                if kind == "error" and len(crowd.errors) < 20:
                    crowd.errors.append(f"{frame.get('code')}: {frame.get('detail')}")
                crowd.other_frames += 1
                continue
            match = BENCH_RE.search(body)
            phase = crowd.phase
            if match is None or phase is None or int(match.group(1)) != phase.tag:
                continue  # a straggler of an earlier phase: counted lost there
            number = int(match.group(2))
            seen = phase.seen[index]
            if number in seen:
                phase.duplicates += 1
                continue
            seen.add(number)
            phase.latencies_ns.append(now - int(match.group(3)))
            phase.last_receive_ns = now
    except Exception as error:  # noqa: BLE001 (a dropped socket shows as lost messages)
        if len(crowd.errors) < 20:
            crowd.errors.append(f"socket {index}: {type(error).__name__}: {error}")


class _Abort(Exception):
    """One socket could not be opened: stop opening the others (crowd.failure says why)."""


async def open_crowd(opener, crowd: Crowd, enclave: bool) -> None:
    """Open crowd.size sockets, CONNECT_CONCURRENCY handshakes at a time, each with its reader;
    on the first socket that cannot be opened, set crowd.failure and stop. Then wait until the
    connect-time frames stop."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    count = crowd.size
    crowd.sockets = [None] * count
    crowd.tasks = [None] * count

    async def one(index: int) -> None:
        async with gate:
            for attempt in range(CONNECT_ATTEMPTS):
                try:
                    crowd.sockets[index] = await opener(index)
                    break
                except (OSError, InvalidHandshake) as error:
                    # Like the browser client: back off and retry.
                    crowd.retries += 1
                    if attempt == CONNECT_ATTEMPTS - 1:
                        crowd.failure = f"socket {index} could not connect: {error}"
                        raise _Abort from error
                    await asyncio.sleep(0.5 * 2**attempt)
            ws = crowd.sockets[index]
            if enclave:  # the reader starts after `ready`, the first frame
                try:
                    ready = json.loads(await asyncio.wait_for(ws.recv(), 30))
                except (TimeoutError, ConnectionClosed) as error:
                    crowd.failure = f"socket {index}, no ready: {type(error).__name__}: {error}"
                    raise _Abort from error
                if ready.get("type") != "ready":
                    crowd.failure = f"socket {index}: expected ready, got {str(ready)[:100]}"
                    raise _Abort
            crowd.tasks[index] = asyncio.create_task(reader(ws, index, crowd))

    started = time.perf_counter()
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT), asyncio.TaskGroup() as group:
            for index in range(count):
                group.create_task(one(index))
    except* _Abort:
        pass
    except* TimeoutError:
        opened = sum(task is not None for task in crowd.tasks)
        crowd.failure = f"only {opened} of {count} sockets open after {CONNECT_TIMEOUT:.0f} s"
    crowd.connect_seconds = time.perf_counter() - started
    if crowd.failure:
        return
    crowd.settled, crowd.settle_seconds = await wait_quiet(crowd)
    crowd.connect_frames = crowd.other_frames
    print(
        f"  {crowd.server}: {count} sockets open in {crowd.connect_seconds:.1f} s "
        f"({crowd.retries} retried); {crowd.connect_frames} frames (presence) until quiet "
        f"{crowd.settle_seconds:.1f} s later{'' if crowd.settled else ' (NOT quiet)'}",
        flush=True,
    )


async def wait_quiet(crowd: Crowd) -> tuple[bool, float]:
    """Until no frame has arrived for QUIET seconds: (quiet, seconds waited)."""
    started = time.perf_counter()
    deadline = time.monotonic() + QUIET_TIMEOUT
    while time.monotonic() < deadline:
        if time.perf_counter_ns() - crowd.last_frame_ns > QUIET * 1e9:
            return True, time.perf_counter() - started
        await asyncio.sleep(0.1)
    return False, time.perf_counter() - started


async def send_at_rate(ws, phase: Phase, rate: float) -> None:
    start = time.perf_counter()
    phase.first_send_ns = time.perf_counter_ns()
    for number in range(phase.messages):
        delay = start + number / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        body = f"bench {phase.tag} {number} {time.perf_counter_ns()}"
        # Unique in the run: a client id the same user sent before is acknowledged with the
        # stored message and not broadcast again (an earlier version reused ids across sizes,
        # so every N=1000 delivery counted as lost).
        client_id = f"bench-{RUN_ID}-{phase.tag}-{number}"
        await ws.send(json.dumps({"type": "send", "client_id": client_id, "body": body}))


async def drain(phase: Phase) -> None:
    deadline = time.monotonic() + DRAIN_MAX
    last_count, last_change = -1, time.monotonic()
    while time.monotonic() < deadline and phase.received < phase.expected:
        count = phase.received
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > DRAIN_IDLE:
            break
        await asyncio.sleep(0.05)


async def run_phase(crowd: Crowd, tag: int, rate: float, seconds: float) -> Phase:
    phase = Phase(tag=tag, sockets=crowd.size, messages=max(1, round(rate * seconds)))
    phase.seen = [set() for _ in range(crowd.size)]
    crowd.errors.clear()
    crowd.phase = phase
    await send_at_rate(crowd.sockets[0], phase, rate)
    await drain(phase)
    crowd.phase = None
    phase.errors = list(crowd.errors)
    phase.settled, _ = await wait_quiet(crowd)  # stragglers (a backlog) gone before the next
    return phase


async def close_crowd(crowd: Crowd) -> None:
    for task in crowd.tasks:
        if task is not None:
            task.cancel()
    await asyncio.gather(*(t for t in crowd.tasks if t is not None), return_exceptions=True)
    for ws in crowd.sockets:
        if ws is not None:
            ws.transport.abort()  # the server is gone or about to be: no closing handshake
    await asyncio.sleep(0)


async def negotiated(connecting) -> str:
    """The Sec-WebSocket-Extensions a server answers (`connecting`: a `connect(...)` offering
    permessage-deflate)."""
    try:
        ws = await connecting
    except (OSError, InvalidHandshake) as error:
        return f"(probe failed: {error})"
    try:
        return ws.response.headers.get("Sec-WebSocket-Extensions") or "none"
    finally:
        ws.transport.abort()


# ------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------


@dataclass
class Result:
    size: int
    server: str
    rate: float
    phase: Phase
    raw: Result | None = None  # for Enclave: the raw server's result at the same N and rate

    def percentile(self, q: float) -> float:
        values = sorted(self.phase.latencies_ns)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))] / 1e6

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    @property
    def max(self) -> float:
        return self.percentile(1.0)

    @property
    def lost(self) -> int:
        return self.phase.expected - self.phase.received

    @property
    def offered(self) -> float:
        return self.size * self.rate

    @property
    def per_second(self) -> float:
        span = (self.phase.last_receive_ns - self.phase.first_send_ns) / 1e9
        return self.phase.received / span if span > 0 else 0.0

    @property
    def within_target(self) -> bool:
        """Enclave: nothing lost on either server, p99 within 3x of the raw server's."""
        raw = self.raw
        return (
            raw is not None
            and self.lost == 0
            and raw.lost == 0
            and self.p99 <= TARGET_P99_RATIO * raw.p99
        )

    @property
    def note(self) -> str:
        notes = []
        if not self.phase.settled:
            notes.append(f"frames still arriving {QUIET_TIMEOUT:.0f} s later")
        if self.phase.duplicates:
            notes.append(f"{self.phase.duplicates} duplicates")
        if self.phase.errors:
            notes.append(f"errors: {self.phase.errors[:2]}")
        return "; ".join(notes)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b and a == a and b == b else "-"


def print_table(results: list[Result], crowds: list[Crowd]) -> None:
    print()
    header = (
        f"{'N':>5}  {'server':<8} {'msg/s':>5} {'offered':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'lost':>6} {'deliv/s':>7} {'p99/raw':>7}  notes"
    )
    print(header)
    print("-" * (len(header) + 20))
    for r in results:
        versus = ratio(r.p99, r.raw.p99) if r.raw is not None else ""
        print(
            f"{r.size:>5}  {r.server:<8} {r.rate:>5g} {r.offered:>7.0f} {r.p50:>8.1f} "
            f"{r.p99:>8.1f} {r.max:>8.1f} {r.lost:>6} {r.per_second:>7.0f} {versus:>7}  {r.note}"
        )
    print(
        f"(latency: send to receive, every socket incl. the sender's; offered: N x msg/s "
        f"deliveries per second; lost: not received {DRAIN_IDLE:.0f} s after the last arrival "
        f"or {DRAIN_MAX:.0f} s after the last send; deliv/s: received / (last receive - first "
        f"send); p99/raw: Enclave's p99 over the raw server's at the same N and rate)"
    )
    print()
    for crowd in crowds:
        if crowd.failure:
            print(f"N={crowd.size} {crowd.server}: {crowd.failure}")
            continue
        print(
            f"N={crowd.size} {crowd.server}: sockets open in {crowd.connect_seconds:.1f} s"
            f"{f' ({crowd.retries} handshakes retried)' if crowd.retries else ''}, "
            f"{crowd.connect_frames} presence frames, quiet {crowd.settle_seconds:.1f} s later"
            f"{'' if crowd.settled else ' (NOT quiet)'}"
        )


def highest_within(results: list[Result], size: int) -> Result | None:
    """The highest-rate Enclave phase at `size` within the target (None: none is)."""
    good = [r for r in results if r.server == "enclave" and r.size == size and r.within_target]
    return max(good, key=lambda r: r.rate, default=None)


def print_targets(results: list[Result]) -> bool:
    print("\nTargets:")
    rows = []
    for r in results:
        if r.lost:
            rows.append((f"0 lost ({r.server}, N={r.size}, {r.rate:g} msg/s)", False, ""))
    if not any(r.lost for r in results):
        rows.append(("0 lost (every server, N and rate)", True, f"{len(results)} phases"))
    for r in results:
        if (
            r.server == "enclave"
            and r.size == TARGET_SIZE
            and r.raw is not None
            and r.rate <= TARGET_P99_MAX_RATE
        ):
            rows.append(
                (
                    f"p99 within 3x of raw, N={r.size}, {r.rate:g} msg/s",
                    r.within_target,
                    f"{r.p99:.1f} ms vs {r.raw.p99:.1f} ms ({ratio(r.p99, r.raw.p99)})"
                    + (f", {r.lost} lost" if r.lost else ""),
                )
            )
    enclave = [r for r in results if r.server == "enclave"]
    if enclave:
        best = max(enclave, key=lambda r: r.per_second)
        note = f"{best.per_second:.0f}/s at N={best.size}, {best.rate:g} msg/s"
        note += f" (offered {best.offered:.0f}/s)"
        if max(r.offered for r in enclave) < TARGET_DELIVERIES:
            note += ": offered load below the target"
        rows.append(
            ("≥ 6,000 deliveries/s from one daphne", best.per_second >= TARGET_DELIVERIES, note)
        )
    for name, ok, note in rows:
        print(f"  {'MET   ' if ok else 'MISSED'}  {name:<40} {note}")
    for size in sorted({r.size for r in enclave}):
        best = highest_within(results, size)
        rates = ", ".join(f"{r.rate:g}" for r in enclave if r.size == size)
        if best is None:
            print(f"N={size}: at no rate swept ({rates} msg/s) is Enclave's p99 within 3x of raw")
        else:
            print(
                f"N={size}: highest rate swept ({rates} msg/s) with Enclave's p99 within 3x of "
                f"raw and 0 lost: {best.rate:g} msg/s ({best.offered:.0f} deliveries/s offered; "
                f"p99 {best.p99:.1f} ms vs {best.raw.p99:.1f} ms)"
            )
    return all(ok for _, ok, _ in rows)


# ------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------


def rates_for(size: int, args) -> tuple[float, ...]:
    if args.rates:
        return tuple(float(r) for r in args.rates.split(","))
    if args.rate:
        return (args.rate,)
    if args.quick:
        return QUICK_PLAN
    if size in PLANS:
        return PLANS[size]
    # about 1,000 and 4,000 offered deliveries per second, at most 20 messages per second
    return tuple(min(20.0, max(1.0, round(load / size))) for load in (1000, 4000))


async def measure_size(
    size, rates, seconds, enclave_socket, raw_socket, stop_daphne, started, tags
):
    """Open both crowds, run the interleaved sweep, stop daphne, close. (results, crowds)."""
    results: list[Result] = []
    enclave = Crowd("enclave", size)
    raw = Crowd("raw", size)
    try:
        await open_crowd(enclave_socket, enclave, True)
        if enclave.failure:
            print(f"  enclave: {enclave.failure}", flush=True)
            return results, [enclave]
        await open_crowd(raw_socket, raw, False)
        if raw.failure:
            print(f"  raw: {raw.failure}", flush=True)
            return results, [enclave, raw]
        for crowd in (enclave, raw):  # cold caches, the connect storm's after-effects
            warm = Result(
                size, crowd.server, rates[0], await run_phase(crowd, next(tags), rates[0], WARM_UP)
            )
            print(
                f"  {crowd.server}, warm-up at {rates[0]:g} msg/s for {WARM_UP:g} s (not in the "
                f"table): p50 {warm.p50:.1f} ms, p99 {warm.p99:.1f} ms, max {warm.max:.1f} ms, "
                f"{warm.lost} lost",
                flush=True,
            )
        for step, rate in enumerate(rates):
            if time.monotonic() - started > TIME_BUDGET:
                print(f"  out of time budget: {rate:g} msg/s and faster skipped", flush=True)
                break
            # Alternate which server goes first, so neither always runs on a warmer machine.
            order = [enclave, raw] if step % 2 == 0 else [raw, enclave]
            pair = {}
            for crowd in order:
                phase = await run_phase(crowd, next(tags), rate, seconds)
                pair[crowd.server] = Result(size, crowd.server, rate, phase)
                r = pair[crowd.server]
                print(
                    f"  {crowd.server}, {rate:g} msg/s for {seconds:g} s: p50 {r.p50:.1f} ms, "
                    f"p99 {r.p99:.1f} ms, {r.lost} lost",
                    flush=True,
                )
            pair["enclave"].raw = pair["raw"]
            results += [pair["enclave"], pair["raw"]]
        return results, [enclave, raw]
    finally:
        stop_daphne()  # stop the server first: closing N sockets one by one would be a storm
        await close_crowd(enclave)
        await close_crowd(raw)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=None, help="socket counts, e.g. 200,1000 (default)")
    parser.add_argument(
        "--quick", action="store_true", help=f"a short smoke run (N={QUICK_SIZE}, 3 s)"
    )
    parser.add_argument("--redis", action="store_true", help=f"channels-redis on {REDIS_URL}")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="daphne processes, the sockets split between them (more than 1 needs --redis)",
    )
    parser.add_argument(
        "--rates",
        help="messages per second to sweep at every size, e.g. 5,10,20 "
        "(default: 5,10,20,40 at N=200, 2,8 at N=1000)",
    )
    parser.add_argument("--rate", type=float, help="one rate at every size (no sweep)")
    parser.add_argument(
        "--seconds", type=float, help=f"sending time per phase (default {SECONDS:g})"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and its logs")
    parser.add_argument(
        "--max-message-size",
        type=int,
        default=65536,
        help="daphne --websocket-max-message-size (default 65536, as docs/realtime.md says)",
    )
    args = parser.parse_args()
    if args.processes > 1 and not args.redis:
        parser.error("--processes above 1 needs --redis (the in-memory layer is one process)")
    default_sizes = str(QUICK_SIZE) if args.quick else ",".join(str(n) for n in PLANS)
    sizes = [int(s) for s in (args.sizes or default_sizes).split(",")]
    seconds = args.seconds or (QUICK_SECONDS if args.quick else SECONDS)
    started = time.monotonic()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Load average before: {load} ({os.cpu_count()} CPUs; other load skews the numbers)")
    limit = raise_nofile(65536)
    if limit < max(sizes) * 2 + 100:
        sys.exit(f"the open-files limit ({limit}) is too low for {max(sizes)} sockets")
    redis_url = ""
    if args.redis:
        problem = redis_problem(REDIS_URL)
        if problem:
            sys.exit(problem)
        redis_url = REDIS_URL
        flush_redis(redis_url)

    tmp = Path(tempfile.mkdtemp(prefix="enclave-chat-bench-"))
    env = site_env(
        tmp,
        redis_url=redis_url,
        db_name="chat.sqlite3",
        ENCLAVE_CHAT_MAX_SOCKETS_PER_USER="100000",
        ENCLAVE_CHAT_RATE_BURST="1000000",
    )
    results: list[Result] = []
    crowds: list[Crowd] = []
    tags = itertools.count(1)  # phase numbers, unique in the run
    raw: RawServer | None = None
    daphnes: list[Daphne] = []
    failed = True
    try:
        print(f"Site in {tmp}: migrate, seed_demo, {max(sizes)} officials with sessions…")
        prepare_site(env)
        made = shell_json(env | {"BENCH_USERS": str(max(sizes))}, _USERS)
        room, keys = made["room"], made["keys"]
        raw = start_raw_server(tmp / "raw.log")
        layer = "channels-redis" if redis_url else "in-memory layer"
        processes = "one daphne process" if args.processes == 1 else f"{args.processes} daphnes"
        print(f"Room {room}; {processes} ({layer}); raw server on {raw.url}")
        for size in sizes:
            rates = rates_for(size, args)
            if time.monotonic() - started > TIME_BUDGET:
                print(f"Out of time budget; N={size} skipped")
                break
            shell_json(env, _FORGET_PRESENCE)  # rows of the previous, stopped daphne
            if redis_url:
                flush_redis(redis_url)
            daphnes = [
                start_daphne(
                    env,
                    tmp / f"daphne-{size}-{n}.log",
                    max_message_size=args.max_message_size,
                )
                for n in range(args.processes)
            ]
            bases = [daphne.url for daphne in daphnes]

            def enclave_socket(index, bases=bases, **options):
                options.setdefault("open_timeout", 30)
                # Socket i on process i mod K: the sender's messages reach the others via Redis.
                return connect_room(bases[index % len(bases)], room, keys[index], **options)

            def stop_daphnes(daphnes=daphnes):
                for daphne in daphnes:
                    daphne.stop()

            def raw_socket(index, url=raw.url, **options):
                options.setdefault("compression", None)
                return connect(url, ping_interval=None, open_timeout=30, proxy=None, **options)

            if size == sizes[0]:
                daphne_answer = asyncio.run(negotiated(enclave_socket(0, compression="deflate")))
                raw_answer = asyncio.run(negotiated(raw_socket(0, compression="deflate")))
                print(
                    f"permessage-deflate offered: daphne answers {daphne_answer}; "
                    f"raw server (compression=None) answers {raw_answer}",
                    flush=True,
                )
            print(f"N={size}: {', '.join(f'{r:g}' for r in rates)} msg/s…", flush=True)
            size_results, size_crowds = asyncio.run(
                measure_size(
                    size, rates, seconds, enclave_socket, raw_socket, stop_daphnes, started, tags
                )
            )
            results += size_results
            crowds += size_crowds
            daphnes = []
        failed = False
    finally:
        for daphne in daphnes:
            daphne.stop()
        if raw is not None:
            raw.stop()
        if redis_url:
            flush_redis(redis_url)
        if failed or args.keep:
            for log in sorted(tmp.glob("*.log")):
                print(f"--- {log.name}, last lines ---\n{tail(log)}", file=sys.stderr)
            print(f"Kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print_table(results, crowds)
    print_targets(results)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nTotal {time.monotonic() - started:.0f} s; load average now {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
