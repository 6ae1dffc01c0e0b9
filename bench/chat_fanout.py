"""Live chat fan-out: Enclave under one daphne process against a raw `websockets` broadcast server.

    .venv/bin/python bench/chat_fanout.py [--sizes 200,1000] [--quick] [--redis]

For each size N, N authenticated sockets (N distinct officials of the EU, signed in through
sessions created in the bench's throwaway site) join the /w/offsets/ room; one of them sends M
messages at a fixed rate, each body carrying its index and send time ("bench <i> <t_ns>"; the
server renders Markdown, so the number is parsed back out of message.html). Every socket, the
sender included, records when each message arrives. Then the same against a minimal
`websockets` server that broadcasts each frame it receives to everyone connected, at the same
N and rate. Printed: send-to-receive latency (p50, p99, max), lost deliveries (expected minus
received after a drain timeout), deliveries per second, the ratios Enclave/raw, and the
targets with MET or MISSED.

One daphne process with the embedded in-memory channel layer (no REDIS_URL), or with --redis
channels-redis and the Redis cache on redis://127.0.0.1:6379/6 (flushed before and after).
Everything listens on 127.0.0.1 only and is torn down at the end; the whole run is bounded.
Exit 0 when targets are missed (MISSED is printed); non-zero on errors.
"""

from __future__ import annotations

import argparse
import asyncio
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
TIME_BUDGET = 330.0  # seconds for the whole run (< 6 minutes)
CONNECT_CONCURRENCY = 16  # handshakes in flight (daphne listens with a backlog of 50)
CONNECT_ATTEMPTS = 4  # daphne drops a handshake the app has not accepted within 5 s
CONNECT_TIMEOUT = 120.0  # for all N sockets of one server
QUIET = 1.0  # no frame for this long: the connect-time presence storm is over
QUIET_TIMEOUT = 90.0
DRAIN_IDLE = 5.0  # after the last send: give up when nothing arrived for this long…
DRAIN_MAX = 40.0  # …or after this long in all
# Size -> (messages per second, seconds). Offered deliveries per second = N x rate.
PLANS = {200: (20.0, 10.0), 1000: (4.0, 10.0)}
QUICK_PLAN = (10.0, 3.0)
TARGET_P99_RATIO = 5.0  # at 200 sockets: Enclave p99 within 5x of the raw server's
TARGET_DELIVERIES = 3000.0  # deliveries per second from one daphne process
BENCH_RE = re.compile(r"bench (\d+) (\d+)")

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
class Run:
    """What the sockets of one measurement saw."""

    sockets: int
    messages: int
    latencies_ns: list[int] = field(default_factory=list)
    seen: list[set] = field(default_factory=list)
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    other_frames: int = 0
    last_frame_ns: int = 0
    first_send_ns: int = 0
    last_receive_ns: int = 0
    connect_seconds: float = 0.0
    retries: int = 0
    failure: str = ""
    connect_frames: int = 0
    settled: bool = False
    settle_seconds: float = 0.0

    @property
    def received(self) -> int:
        return sum(len(s) for s in self.seen)

    @property
    def expected(self) -> int:
        return self.sockets * self.messages


async def reader(ws, index: int, run: Run) -> None:
    seen = run.seen[index]
    latencies = run.latencies_ns
    clock = time.perf_counter_ns
    try:
        async for text in ws:
            now = clock()
            run.last_frame_ns = now
            frame = json.loads(text)
            kind = frame.get("type")
            if kind == "message":  # Enclave
                body = frame["message"]["html"]
            elif kind == "send":  # the raw server echoes the frame as sent
                body = frame["body"]
            else:
                if kind == "error":
                    run.errors.append(f"{frame.get('code')}: {frame.get('detail')}")
                run.other_frames += 1
                continue
            match = BENCH_RE.search(body)
            if match is None:
                continue
            number = int(match.group(1))
            if number in seen:
                run.duplicates += 1
                continue
            seen.add(number)
            latencies.append(now - int(match.group(2)))
            run.last_receive_ns = now
    except Exception as error:  # noqa: BLE001 (a dropped socket shows as lost messages)
        if not run.errors or len(run.errors) < 20:
            run.errors.append(f"socket {index}: {type(error).__name__}: {error}")


class _Abort(Exception):
    """One socket could not be opened: stop opening the others (run.failure says why)."""


async def open_sockets(opener, run: Run, enclave: bool, sockets: list, tasks: list) -> None:
    """Fill `sockets` (and `tasks`, their readers), CONNECT_CONCURRENCY handshakes at a time;
    on the first socket that cannot be opened, set run.failure and stop."""
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    count = len(sockets)

    async def one(index: int) -> None:
        async with gate:
            for attempt in range(CONNECT_ATTEMPTS):
                try:
                    sockets[index] = await opener(index)
                    break
                except (OSError, InvalidHandshake) as error:
                    # Like the browser client: back off and retry.
                    run.retries += 1
                    if attempt == CONNECT_ATTEMPTS - 1:
                        run.failure = f"socket {index} could not connect: {error}"
                        raise _Abort from error
                    await asyncio.sleep(0.5 * 2**attempt)
            ws = sockets[index]
            if enclave:  # the reader starts after `ready`, the first frame
                try:
                    ready = json.loads(await asyncio.wait_for(ws.recv(), 30))
                except (TimeoutError, ConnectionClosed) as error:
                    run.failure = f"socket {index}, no ready: {type(error).__name__}: {error}"
                    raise _Abort from error
                if ready.get("type") != "ready":
                    run.failure = f"socket {index}: expected ready, got {str(ready)[:100]}"
                    raise _Abort
            tasks[index] = asyncio.create_task(reader(ws, index, run))

    started = time.perf_counter()
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT), asyncio.TaskGroup() as group:
            for index in range(count):
                group.create_task(one(index))
    except* _Abort:
        pass
    except* TimeoutError:
        opened = sum(task is not None for task in tasks)
        run.failure = f"only {opened} of {count} sockets open after {CONNECT_TIMEOUT:.0f} s"
    run.connect_seconds = time.perf_counter() - started


async def wait_quiet(run: Run) -> None:
    """Until no frame has arrived for QUIET seconds (the connect-time presence storm is over)."""
    started = time.perf_counter()
    deadline = time.monotonic() + QUIET_TIMEOUT
    while time.monotonic() < deadline:
        if time.perf_counter_ns() - run.last_frame_ns > QUIET * 1e9:
            run.settled = True
            break
        await asyncio.sleep(0.2)
    run.settle_seconds = time.perf_counter() - started


async def send_at_rate(ws, run: Run, rate: float) -> None:
    start = time.perf_counter()
    run.first_send_ns = time.perf_counter_ns()
    for number in range(run.messages):
        delay = start + number / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        body = f"bench {number} {time.perf_counter_ns()}"
        await ws.send(json.dumps({"type": "send", "client_id": f"bench-{number}", "body": body}))


async def drain(run: Run) -> None:
    deadline = time.monotonic() + DRAIN_MAX
    last_count, last_change = -1, time.monotonic()
    while time.monotonic() < deadline and run.received < run.expected:
        count = run.received
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > DRAIN_IDLE:
            break
        await asyncio.sleep(0.1)


async def close_all(sockets: list, tasks: list) -> None:
    for task in tasks:
        if task is not None:
            task.cancel()
    await asyncio.gather(*(t for t in tasks if t is not None), return_exceptions=True)
    open_ones = [ws for ws in sockets if ws is not None]
    for ws in open_ones:
        ws.transport.abort()  # the server is gone or about to be: no closing handshake
    await asyncio.sleep(0)


async def measure(opener, count: int, rate: float, seconds: float, enclave: bool, on_done):
    run = Run(sockets=count, messages=max(1, round(rate * seconds)))
    run.seen = [set() for _ in range(count)]
    sockets: list = [None] * count
    tasks: list = [None] * count
    try:
        await open_sockets(opener, run, enclave, sockets, tasks)
        if run.failure:
            print(f"  {run.failure}", flush=True)
            return run
        await wait_quiet(run)
        run.connect_frames = run.other_frames
        print(
            f"  {count} sockets open in {run.connect_seconds:.1f} s ({run.retries} retried); "
            f"{run.connect_frames} frames (presence) until quiet {run.settle_seconds:.1f} s "
            f"later{'' if run.settled else ' (NOT quiet: gave up waiting)'}; "
            f"sending {run.messages} messages…",
            flush=True,
        )
        run.other_frames = 0
        run.errors.clear()
        await send_at_rate(sockets[0], run, rate)
        await drain(run)
    finally:
        on_done()  # stop the server first: closing N sockets one by one would be a storm
        await close_all(sockets, tasks)
    return run


# ------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------


@dataclass
class Result:
    size: int
    server: str
    rate: float
    run: Run

    def percentile(self, q: float) -> float:
        values = sorted(self.run.latencies_ns)
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
        return self.run.expected - self.run.received

    @property
    def per_second(self) -> float:
        span = (self.run.last_receive_ns - self.run.first_send_ns) / 1e9
        return self.run.received / span if span > 0 else 0.0

    @property
    def note(self) -> str:
        if self.run.failure:
            return self.run.failure
        notes = []
        if self.run.retries:
            notes.append(f"{self.run.retries} handshakes retried")
        if self.run.connect_frames:
            notes.append(f"{self.run.connect_frames} presence frames while connecting")
        if self.run.connect_frames and not self.run.settled:
            notes.append(f"still not quiet after {QUIET_TIMEOUT:.0f} s")
        if self.run.duplicates:
            notes.append(f"{self.run.duplicates} duplicates")
        if self.run.errors:
            notes.append(f"errors: {self.run.errors[:2]}")
        return "; ".join(notes)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b and a == a and b == b else "-"


def print_table(results: list[Result]) -> None:
    print()
    header = (
        f"{'N':>5}  {'server':<8} {'msg/s':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'lost':>6} {'deliv/s':>7}  {'open s':>6} {'settle s':>8}  notes"
    )
    print(header)
    print("-" * (len(header) + 30))
    for r in results:
        print(
            f"{r.size:>5}  {r.server:<8} {r.rate:>5g} {r.p50:>8.1f} {r.p99:>8.1f} "
            f"{r.max:>8.1f} {r.lost:>6} {r.per_second:>7.0f}  "
            f"{r.run.connect_seconds:>6.1f} {r.run.settle_seconds:>8.1f}  {r.note}"
        )
    print(
        f"(latency: send to receive, every socket incl. the sender's; lost: not received "
        f"{DRAIN_IDLE:.0f} s after the last arrival or {DRAIN_MAX:.0f} s after the last send; "
        f"deliv/s: received / (last receive - first send))"
    )
    print()
    for size in sorted({r.size for r in results}):
        pair = {r.server: r for r in results if r.size == size}
        enclave, raw = pair.get("enclave"), pair.get("raw")
        if enclave and raw:
            throughput = enclave.per_second / raw.per_second if raw.per_second else float("nan")
            print(
                f"N={size}: Enclave/raw  p50 {ratio(enclave.p50, raw.p50)}, "
                f"p99 {ratio(enclave.p99, raw.p99)}, max {ratio(enclave.max, raw.max)}, "
                f"deliveries/s {throughput:.2f}x"
            )


def print_targets(results: list[Result]) -> bool:
    print("\nTargets:")
    rows = []
    for r in results:
        rows.append((f"0 lost ({r.server}, N={r.size})", r.lost == 0, f"{r.lost} lost"))
    pair = {r.server: r for r in results if r.size == 200}
    if "enclave" in pair and "raw" in pair:
        e, w = pair["enclave"], pair["raw"]
        rows.append(
            (
                "Enclave p99 within 5x of raw at N=200",
                e.p99 <= TARGET_P99_RATIO * w.p99,
                f"{e.p99:.1f} ms vs {w.p99:.1f} ms ({ratio(e.p99, w.p99)})",
            )
        )
    enclave = [r for r in results if r.server == "enclave"]
    if enclave:
        best = max(enclave, key=lambda r: r.per_second)
        offered = best.size * best.rate
        note = f"{best.per_second:.0f}/s at N={best.size} (offered {offered:.0f}/s)"
        if offered < TARGET_DELIVERIES:
            note += ": offered load below the target"
        rows.append(
            ("≥ 3,000 deliveries/s from one daphne", best.per_second >= TARGET_DELIVERIES, note)
        )
    for name, ok, note in rows:
        print(f"  {'MET   ' if ok else 'MISSED'}  {name:<40} {note}")
    return all(ok for _, ok, _ in rows)


# ------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------


def plan_for(size: int, quick: bool, rate: float | None, seconds: float | None):
    if quick:
        default = QUICK_PLAN
    elif size in PLANS:
        default = PLANS[size]
    else:  # about 4,000 offered deliveries per second, at most 20 messages per second
        default = (min(20.0, max(1.0, round(4000 / size))), 10.0)
    return (rate or default[0], seconds or default[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=None, help="socket counts, e.g. 200,1000 (default)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (N=50, 3 s)")
    parser.add_argument("--redis", action="store_true", help=f"channels-redis on {REDIS_URL}")
    parser.add_argument("--rate", type=float, help="messages per second (all sizes)")
    parser.add_argument("--seconds", type=float, help="sending time per measurement")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and its logs")
    parser.add_argument(
        "--max-message-size",
        type=int,
        default=65536,
        help="daphne --websocket-max-message-size (default 65536, as docs/realtime.md says)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in (args.sizes or ("50" if args.quick else "200,1000")).split(",")]
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
    raw: RawServer | None = None
    daphne: Daphne | None = None
    failed = True
    try:
        print(f"Site in {tmp}: migrate, seed_demo, {max(sizes)} officials with sessions…")
        prepare_site(env)
        made = shell_json(env | {"BENCH_USERS": str(max(sizes))}, _USERS)
        room, keys = made["room"], made["keys"]
        raw = start_raw_server(tmp / "raw.log")
        layer = "channels-redis" if redis_url else "in-memory layer"
        print(f"Room {room}; one daphne process ({layer}); raw server on {raw.url}")
        for size in sizes:
            rate, seconds = plan_for(size, args.quick, args.rate, args.seconds)
            if time.monotonic() - started > TIME_BUDGET:
                print(f"Out of time budget; N={size} skipped")
                break
            shell_json(env, _FORGET_PRESENCE)  # rows of the previous, stopped daphne
            if redis_url:
                flush_redis(redis_url)
            daphne = start_daphne(
                env, tmp / f"daphne-{size}.log", max_message_size=args.max_message_size
            )
            base = daphne.url

            def enclave_socket(index, base=base):
                return connect_room(base, room, keys[index], open_timeout=30)

            print(f"N={size}: Enclave, {rate:g} msg/s for {seconds:g} s…", flush=True)
            run = asyncio.run(measure(enclave_socket, size, rate, seconds, True, daphne.stop))
            results.append(Result(size, "enclave", rate, run))
            daphne = None

            def raw_socket(index, url=raw.url):
                return connect(
                    url, compression=None, ping_interval=None, open_timeout=30, proxy=None
                )

            print(f"N={size}: raw websockets, {rate:g} msg/s for {seconds:g} s…", flush=True)
            run = asyncio.run(measure(raw_socket, size, rate, seconds, False, lambda: None))
            results.append(Result(size, "raw", rate, run))
        failed = False
    finally:
        if daphne is not None:
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
    print_table(results)
    print_targets(results)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nTotal {time.monotonic() - started:.0f} s; load average now {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
