"""1,000 idle sockets: server memory per connection and idle CPU, Enclave against the raw server.

    .venv/bin/python bench/idle_sockets.py [--sockets 1000] [--idle-seconds 10]

N authenticated sockets (N distinct officials of the EU, sessions created in the bench's
throwaway site, as bench/chat_fanout.py does) join the /w/offsets/ room of one daphne process
(embedded in-memory channel layer), 16 handshakes at a time; every socket waits for `ready` and
then drains whatever comes (arrivals are announced in batched presence frames). Once nothing has
arrived for 3.5 s, the clients do nothing at all (no pings, no frames) and the bench measures
daphne: its RSS before the first socket vs after the last one (per socket = delta / N), and the
CPU time it used (utime + stime from /proc/<pid>/stat) over an idle window. Then the same with
N plain connections to the minimal `websockets` broadcast server of bench/chat_fanout.py.

Before the baseline, each server gets a warm-up: 16 sockets (users outside the N) opened and
closed, so lazy imports, the first database connections and the worker threads are not counted
as per-socket memory.

Printed: RSS before / after connecting / after the idle window, memory per socket, idle CPU,
connect time and the CPU it cost, the Enclave/raw ratios, and the targets with MET or MISSED:
memory per idle socket within 4x of the raw server's; the sockets open and quiet (the last frame
arrived) within 3 s of the last handshake (the last `ready`); at most 5 presence frames per
socket while connecting (O(N) in all); connect CPU within 10x of the raw server's. Everything
listens on 127.0.0.1 only and is torn down at the end; the whole run is bounded (< 3 minutes).
Exit 0 when a target is missed; non-zero on errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The site's users and sessions, the raw server and the connection settings are
# bench/chat_fanout.py's, imported as they are.
from bench.chat_fanout import (  # noqa: E402
    _USERS,
    CONNECT_ATTEMPTS,
    CONNECT_CONCURRENCY,
    RawServer,
    start_raw_server,
)
from tests.live.chat_support import connect_room, raise_nofile, shell_json  # noqa: E402
from tests.live.server import (  # noqa: E402
    MB,
    Daphne,
    prepare_site,
    rss_bytes,
    site_env,
    start_daphne,
    tail,
)

try:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed, InvalidHandshake
except ImportError:  # pragma: no cover
    sys.exit("bench/idle_sockets.py needs the websockets package: pip install -e '.[dev]'")

TARGET_MEMORY_RATIO = 4.0  # Enclave's memory per idle socket within 4x of the raw server's
TARGET_QUIET_AFTER = 3.0  # seconds from the last handshake to the last frame while connecting
TARGET_FRAMES_PER_SOCKET = 5.0  # presence frames while connecting, per socket: O(N) in all
TARGET_CONNECT_CPU_RATIO = 10.0  # Enclave's connect CPU within 10x of the raw server's
# No frame for this long after the last handshake and the last frame: connecting is over. Longer
# than the target, so a frame that comes late is seen (and counted) rather than taken for idle.
IDLE_QUIET = TARGET_QUIET_AFTER + 0.5
WARM_UP = CONNECT_CONCURRENCY  # sockets opened and closed before the baseline
SETTLE = 1.0  # after the warm-up closes, before the baseline RSS
TIME_BUDGET = 175.0  # seconds for the whole run (< 3 minutes)
CONNECT_LIMIT = 150.0  # at most, for the N sockets of one server (less if the budget is short)
RESERVED = 30.0  # of the budget: the Enclave idle window and the whole raw measurement
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all its threads (fields 14 and 15 of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class Measurement:
    server: str
    sockets: int
    idle_seconds: float
    rss_before: int = 0
    rss_after: int = 0
    rss_idle: int = 0
    idle_cpu: float = 0.0
    connect_cpu: float = 0.0
    connect_seconds: float = 0.0
    settle_seconds: float = 0.0
    retries: int = 0
    connect_frames: int = 0
    quiet_after: float = 0.0  # from the last handshake to the last frame while connecting
    idle_frames: int = 0
    settled: bool = True
    failure: str = ""

    @property
    def per_socket(self) -> float:
        """Bytes of RSS per socket, measured right after the last one opened."""
        return (self.rss_after - self.rss_before) / self.sockets

    @property
    def idle_cpu_percent(self) -> float:
        return 100 * self.idle_cpu / self.idle_seconds


class Sockets:
    """Open sockets and their drain tasks; frames are counted, not parsed."""

    def __init__(self) -> None:
        self.open: list = []
        self.tasks: list[asyncio.Task] = []
        self.frames = 0
        self.last_frame = time.monotonic()
        self.last_open = 0.0  # when the last socket opened (its `ready`, for Enclave)
        self.retries = 0
        self.failure = ""

    async def _drain(self, ws) -> None:
        try:
            async for _ in ws:
                self.frames += 1
                self.last_frame = time.monotonic()
        except ConnectionClosed:
            pass

    async def open_many(self, opener, indexes, enclave: bool, limit: float) -> float:
        """Open a socket per index, CONNECT_CONCURRENCY handshakes at a time, retried like the
        browser client; with `enclave`, a socket counts once its first frame, `ready`, came.
        Stops at the first socket that cannot be opened or after `limit` seconds (failure says
        why; the sockets open by then stay open). Returns the seconds taken."""
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(index: int) -> None:
            async with gate:
                for attempt in range(CONNECT_ATTEMPTS):
                    try:
                        ws = await opener(index)
                        break
                    except (OSError, InvalidHandshake) as error:
                        self.retries += 1
                        if attempt == CONNECT_ATTEMPTS - 1:
                            raise RuntimeError(
                                f"socket {index} could not connect: {error}"
                            ) from error
                        await asyncio.sleep(0.5 * 2**attempt)
                try:
                    if enclave:
                        try:
                            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                        except TimeoutError as error:
                            raise RuntimeError(f"socket {index}: no ready in 30 s") from error
                        if frame.get("type") != "ready":
                            raise RuntimeError(f"socket {index}: not ready: {str(frame)[:100]}")
                except BaseException:
                    ws.transport.abort()
                    raise
                self.open.append(ws)
                self.last_open = time.monotonic()
                self.tasks.append(asyncio.create_task(self._drain(ws)))

        started = time.perf_counter()
        try:
            async with asyncio.timeout(limit), asyncio.TaskGroup() as group:
                for index in indexes:
                    group.create_task(one(index))
        except* TimeoutError:
            self.failure = f"{len(self.open)} of {len(indexes)} sockets open after {limit:.0f} s"
        except* (RuntimeError, ConnectionClosed) as errors:
            self.failure = f"{len(self.open)} sockets open; {errors.exceptions[0]}"
        return time.perf_counter() - started

    async def wait_quiet(self, deadline: float) -> tuple[bool, float]:
        """Until no frame has come for IDLE_QUIET seconds (at most until `deadline`)."""
        started = time.monotonic()
        while time.monotonic() < deadline:
            if time.monotonic() - max(self.last_frame, self.last_open) > IDLE_QUIET:
                return True, time.monotonic() - started
            await asyncio.sleep(0.1)
        return False, time.monotonic() - started

    async def close(self, cleanly: bool) -> None:
        if cleanly:
            await asyncio.gather(*(ws.close() for ws in self.open), return_exceptions=True)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if not cleanly:
            for ws in self.open:
                ws.transport.abort()  # the server is gone: no closing handshake
        await asyncio.sleep(0)


async def measure(opener, pid: int, m: Measurement, enclave: bool, end: float, stop_server):
    """Warm up, baseline, open m.sockets sockets, wait until quiet, then an idle window.
    Opening and waiting for quiet end by `end` (monotonic) at the latest."""
    warm = Sockets()
    await warm.open_many(opener, range(m.sockets, m.sockets + WARM_UP), enclave, 60)
    await warm.close(cleanly=True)
    if warm.failure:
        stop_server()
        raise RuntimeError(f"warm-up: {warm.failure}")
    await asyncio.sleep(SETTLE)
    sockets = Sockets()
    try:
        m.rss_before = rss_bytes(pid)
        cpu_start = cpu_seconds(pid)
        limit = min(CONNECT_LIMIT, end - time.monotonic())
        m.connect_seconds = await sockets.open_many(opener, range(m.sockets), enclave, limit)
        m.retries, m.failure = sockets.retries, sockets.failure
        if sockets.failure:
            print(f"  {sockets.failure}", flush=True)
            if len(sockets.open) < m.sockets // 2:
                return
            m.sockets = len(sockets.open)  # measure what did open, marked as partial
        m.settled, m.settle_seconds = await sockets.wait_quiet(end)
        m.connect_frames = sockets.frames
        m.quiet_after = max(0.0, sockets.last_frame - sockets.last_open)
        m.connect_cpu = cpu_seconds(pid) - cpu_start
        m.rss_after = rss_bytes(pid)
        print(
            f"  {m.sockets} sockets open in {m.connect_seconds:.1f} s ({m.retries} retried), "
            f"{m.connect_frames} frames, the last {m.quiet_after:.1f} s after the last handshake, "
            f"quiet {m.settle_seconds:.1f} s later"
            f"{'' if m.settled else ' (NOT quiet: out of time)'}; "
            f"idle for {m.idle_seconds:g} s…",
            flush=True,
        )
        cpu_idle_start = cpu_seconds(pid)
        started = time.perf_counter()
        await asyncio.sleep(m.idle_seconds)
        m.idle_cpu = cpu_seconds(pid) - cpu_idle_start
        m.idle_seconds = time.perf_counter() - started
        m.rss_idle = rss_bytes(pid)
        m.idle_frames = sockets.frames - m.connect_frames
        still_open = sum(ws.state.name == "OPEN" for ws in sockets.open)
        if still_open < m.sockets:
            note = f"only {still_open} of {m.sockets} sockets still open after idling"
            m.failure = f"{m.failure}; {note}" if m.failure else note
    finally:
        stop_server()  # first: closing N sockets one by one would be a presence storm
        await sockets.close(cleanly=False)


# ------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------


def mb(value: int) -> str:
    return f"{value / MB:.1f} MB"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b > 0 else "-"


def print_table(results: list[Measurement]) -> None:
    print()
    header = (
        f"{'server':<8} {'sockets':>7} {'RSS before':>11} {'RSS after':>11} {'after idle':>11} "
        f"{'per socket':>11} {'idle CPU':>15} {'open s':>7} {'connect CPU':>11}  notes"
    )
    print(header)
    print("-" * (len(header) + 20))
    for m in results:
        notes = []
        if m.failure:
            notes.append(m.failure)
        if m.retries:
            notes.append(f"{m.retries} handshakes retried")
        if m.connect_frames:
            notes.append(f"{m.connect_frames} presence frames while connecting")
        if not m.settled:
            notes.append("frames still coming when the idle window began (not idle)")
        if m.idle_frames:
            notes.append(f"{m.idle_frames} frames while idle")
        if not m.rss_after:
            print(
                f"{m.server:<8} {m.sockets:>7} {mb(m.rss_before):>11}  {'; '.join(notes)}".rstrip()
            )
            continue
        cpu = f"{m.idle_cpu:.2f} s ({m.idle_cpu_percent:.1f}%)"
        print(
            f"{m.server:<8} {m.sockets:>7} {mb(m.rss_before):>11} {mb(m.rss_after):>11} "
            f"{mb(m.rss_idle):>11} {m.per_socket / 1024:>8.1f} KB {cpu:>15} "
            f"{m.connect_seconds:>7.1f} {m.connect_cpu:>9.2f} s  {'; '.join(notes)}".rstrip()
        )
    idle = results[0].idle_seconds if results else 0
    print(
        f"(per socket: (RSS after connecting - RSS before) / sockets; idle CPU: the server's "
        f"utime + stime over {idle:.0f} s with the clients silent, % of one core; connect CPU: "
        f"the server's CPU time from the first handshake until quiet; daphne pings each socket "
        f"every 20 s, the raw server is run with pings off)"
    )


def print_targets(enclave: Measurement | None, raw: Measurement | None) -> None:
    ok = bool(enclave and raw and enclave.rss_after and raw.rss_after)
    if ok:
        print(
            f"\nEnclave/raw: memory per socket {ratio(enclave.per_socket, raw.per_socket)}, "
            f"idle CPU {ratio(enclave.idle_cpu, raw.idle_cpu)}"
            f"{' (the raw server used no measurable CPU)' if raw.idle_cpu <= 0 else ''}, "
            f"connect CPU {ratio(enclave.connect_cpu, raw.connect_cpu)}"
        )
    print("\nTargets:")
    names = (
        "memory per idle socket within 4x of raw",
        "open and quiet within 3 s of the last handshake",
        "presence frames at most 5 per socket (O(N))",
        "connect CPU within 10x of raw",
    )
    if not ok:
        for name in names:
            print(f"  MISSED  {name:<48} (not measured: see above)")
        return
    partial = f"; partial: {enclave.sockets} Enclave sockets" if enclave.failure else ""
    rows = [
        (
            enclave.per_socket <= TARGET_MEMORY_RATIO * raw.per_socket,
            f"{enclave.per_socket / 1024:.1f} KB vs {raw.per_socket / 1024:.1f} KB "
            f"({ratio(enclave.per_socket, raw.per_socket)})",
        ),
        (
            enclave.settled and not enclave.failure and enclave.quiet_after <= TARGET_QUIET_AFTER,
            f"{enclave.sockets} open in {enclave.connect_seconds:.1f} s, the last frame "
            f"{enclave.quiet_after:.1f} s after the last handshake",
        ),
        (
            enclave.connect_frames <= TARGET_FRAMES_PER_SOCKET * enclave.sockets,
            f"{enclave.connect_frames} frames for {enclave.sockets} sockets "
            f"({enclave.connect_frames / enclave.sockets:.1f} per socket)",
        ),
        (
            enclave.connect_cpu <= TARGET_CONNECT_CPU_RATIO * raw.connect_cpu,
            f"{enclave.connect_cpu:.2f} s vs {raw.connect_cpu:.2f} s "
            f"({ratio(enclave.connect_cpu, raw.connect_cpu)})",
        ),
    ]
    for name, (met, note) in zip(names, rows, strict=True):
        print(f"  {'MET   ' if met else 'MISSED'}  {name:<48} {note}{partial}")


# ------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=1000, help="idle sockets (default 1000)")
    parser.add_argument(
        "--idle-seconds", type=float, default=10.0, help="the idle window (default 10 s)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and its logs")
    args = parser.parse_args()
    count = args.sockets
    started = time.monotonic()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Load average before: {load} ({os.cpu_count()} CPUs; other load skews the numbers)")
    limit = raise_nofile(65536)
    if limit < count * 2 + 200:
        sys.exit(f"the open-files limit ({limit}) is too low for {count} sockets")

    tmp = Path(tempfile.mkdtemp(prefix="enclave-idle-bench-"))
    env = site_env(
        tmp,
        db_name="idle.sqlite3",
        ENCLAVE_CHAT_MAX_SOCKETS_PER_USER="100000",
        ENCLAVE_CHAT_RATE_BURST="1000000",
    )
    enclave: Measurement | None = None
    raw_result: Measurement | None = None
    raw: RawServer | None = None
    daphne: Daphne | None = None
    failed = True
    try:
        users = count + WARM_UP
        print(f"Site in {tmp}: migrate, seed_demo, {users} officials with sessions…", flush=True)
        prepare_site(env)
        made = shell_json(env | {"BENCH_USERS": str(users)}, _USERS)
        room, keys = made["room"], made["keys"]

        daphne = start_daphne(env, tmp / "daphne.log")
        print(f"Enclave: room {room}, one daphne process (in-memory layer), {count} sockets…")

        def enclave_socket(index, base=daphne.url):
            return connect_room(base, room, keys[index], open_timeout=30)

        enclave = Measurement("enclave", count, args.idle_seconds)
        end = started + TIME_BUDGET - RESERVED
        asyncio.run(measure(enclave_socket, daphne.pid, enclave, True, end, daphne.stop))
        daphne = None

        raw = start_raw_server(tmp / "raw.log")
        print(f"Raw websockets server on {raw.url}, {count} sockets…", flush=True)

        def raw_socket(index, url=raw.url):
            return connect(url, compression=None, ping_interval=None, open_timeout=30, proxy=None)

        raw_result = Measurement("raw", count, args.idle_seconds)
        end = max(started + TIME_BUDGET - args.idle_seconds, time.monotonic() + 10)
        asyncio.run(measure(raw_socket, raw.process.pid, raw_result, False, end, raw.stop))
        failed = False
    finally:
        if daphne is not None:
            daphne.stop()
        if raw is not None:
            raw.stop()
        if failed or args.keep:
            for log in sorted(tmp.glob("*.log")):
                print(f"--- {log.name}, last lines ---\n{tail(log)}", file=sys.stderr)
            print(f"Kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print_table([m for m in (enclave, raw_result) if m is not None])
    print_targets(enclave, raw_result)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nTotal {time.monotonic() - started:.0f} s; load average now {load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
