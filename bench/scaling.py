"""The same pages on the small demo world and on the ten-year world, in one process.

    .venv/bin/python bench/scaling.py [--scale 1.0] [--samples 10] [--warmups 2]
        [--small-db enclave_bench_small] [--large-db enclave_bench_large]

Both worlds live in PostgreSQL (127.0.0.1:5432) and are built by bench/seed_large.py's
`ensure_world` unless already there (a marker row keeps their scale and migration state):
the small one is `seed_demo` plus, in `offsets`, a thread of 1,000 replies and 1,100 more chat
messages; the large one is the ten-year world at SCALE (the same demo world and offsets growth
inside it). Django is set up once (config.settings.test, no connection pool); the default
connection is pointed at one world's database or the other. Each round measures every page on
one world, then on the other (the order alternates by round), after the same warm-ups on both.

Pages, through django.test.Client with force_login (eu@ is a focal point without a required
second factor; secretariat@ has a TOTP authenticator from the demo world, so the MFA middleware
lets it through): the dashboard, the offsets workspace, the 1,000-reply thread (page 1), the
offsets document library, search for a common and a rare word, the notifications page,
the audit log unfiltered and filtered by eu@ as actor, the membership page (Secretariat),
chat catch-up: `messages_after` for eu@ with after_seq = last_seq - 1000, limit 1000, and the
Insights page: the Secretariat's over the last year and over three years, its heat map chart,
and eu@'s (a focal point: the European Union's figures only); the partnership library; and the
API with a token of eu@'s (its dialogues, offsets' threads, documents and chat, the long
thread's first page of posts, its notifications).

Prints p50 / p99 (with ~10 samples the p99 is the slowest one), query counts, and the ratio
large/small of the p50s with the target (<= 1.5x): MET or MISSED. A missed target exits 0.
"""

from __future__ import annotations

import argparse
import logging
import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import seed_large  # noqa: E402

TARGET = 1.5  # the large world's p50 at most 1.5x the small one's
DEMO_DOMAIN = "demo.enclave.test"
SLOW = 5.0  # seconds: a page whose warm-up is slower than this gets at most 3 samples
TIME_BUDGET = 420.0  # seconds of measuring, at most
THREE_YEARS = "start=2023-12-01&end=2026-11-30"  # the longest period the Insights page takes
# Pages that count everything in a period: their work grows with the data by nature (the
# large world holds a hundred times the activity), so their target is the same number of
# queries and a large-world p50 within a budget, not a ratio.
AGGREGATES = {
    "insights, last year (Secretariat)",
    "insights, three years",
    "insights chart: heat map",
    "insights (eu@ focal point)",
}
AGGREGATE_BUDGET_MS = 1500.0


@dataclass
class World:
    name: str
    db: str
    marker: dict
    context: dict = field(default_factory=dict)
    times: dict = field(default_factory=dict)
    queries: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)


def switch(world: World) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = world.db
    ContentType.objects.clear_cache()
    connection.ensure_connection()


def prepare(world: World) -> None:
    from django.test import Client

    from accounts.models import User
    from dialogues.chat.services import workspace_room
    from dialogues.models import Thread
    from workspaces.models import Workspace

    switch(world)
    eu = User.objects.select_related("jurisdiction").get(email=f"eu@{DEMO_DOMAIN}")
    secretariat = User.objects.get(email=f"secretariat@{DEMO_DOMAIN}")
    offsets = Workspace.objects.get(slug="offsets")
    thread = Thread.objects.filter(workspace=offsets, title="A thousand replies").latest("pk")
    member, staff = Client(), Client()
    member.force_login(eu)
    staff.force_login(secretariat)
    # A script of eu@'s with a token (one per run: the last run's is removed first).
    from accounts.api_tokens import api_token_create, latest_expiry
    from accounts.models import ApiToken

    ApiToken.objects.filter(user=eu, name="bench").delete()
    _token, raw = api_token_create(actor=eu, name="bench", scope="read", expires_on=latest_expiry())
    script = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    world.context = {
        "eu": eu,
        "room": workspace_room(offsets),
        "member": member,
        "staff": staff,
        "script": script,
        "thread": thread.pk,
        "eu_pk": eu.pk,
    }


def pages(world: World) -> list[tuple[str, object]]:
    """(name, callable returning a status) for the world; built once its context is known."""
    from dialogues.chat.services import messages_after

    c = world.context

    def get(client_key: str, url: str):
        def run():
            response = c[client_key].get(url)
            return response.status_code

        return run

    def catch_up():
        room = c["room"]
        found = messages_after(user=c["eu"], room=room, after_seq=room.last_seq - 1000, limit=1000)
        return 200 if len(found) == 1000 else f"{len(found)} msgs"

    return [
        ("dashboard /", get("member", "/")),
        ("workspace /w/offsets/", get("member", "/w/offsets/")),
        ("thread, 1,001 posts (page 1)", get("member", f"/w/offsets/t/{c['thread']}/")),
        ("document library", get("member", "/w/offsets/documents/")),
        ("search: common word", get("member", f"/search/?q={seed_large.COMMON_WORD}")),
        ("search: rare word", get("member", f"/search/?q={seed_large.RARE_WORD}")),
        ("notifications", get("member", "/notifications/")),
        ("audit log", get("staff", "/audit/")),
        ("audit log, actor=eu@", get("staff", f"/audit/?actor=eu%40{DEMO_DOMAIN}")),
        ("chat catch-up, 1,000 msgs", catch_up),
        ("membership (Secretariat)", get("staff", "/membership/")),
        ("insights, last year (Secretariat)", get("staff", "/insights/")),
        ("insights, three years", get("staff", f"/insights/?{THREE_YEARS}")),
        # Opened on its own (the page's own charts draw the figures the page counted).
        ("insights chart: heat map", get("staff", "/insights/chart/grid.svg")),
        ("insights (eu@ focal point)", get("member", "/insights/")),
        # The partnership library: its facets count what the reader reads, as the lists do.
        ("partnership library", get("member", "/library/")),
        ("library, one topic", get("member", "/library/?topic=offsets")),
        ("library search: common word", get("member", f"/library/?q={seed_large.COMMON_WORD}")),
        # The API, with a token: the same selectors as the pages above.
        ("API: my dialogues", get("script", "/api/v1/dialogues/")),
        ("API: offsets threads", get("script", "/api/v1/dialogues/offsets/threads/")),
        (
            "API: 1,001 posts (first page)",
            get("script", f"/api/v1/dialogues/offsets/threads/{c['thread']}/posts/"),
        ),
        ("API: offsets documents", get("script", "/api/v1/dialogues/offsets/documents/")),
        (
            "API: offsets chat (latest 100)",
            get("script", "/api/v1/dialogues/offsets/chat/messages/"),
        ),
        ("API: notifications", get("script", "/api/v1/notifications/")),
    ]


def measure(worlds: list[World], samples: int, warmups: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page_sets = {}
    for world in worlds:
        switch(world)
        page_sets[world.name] = pages(world)
    names = [name for name, _run in page_sets[worlds[0].name]]
    wanted = dict.fromkeys(names, samples)
    # Warm-ups, with the query count of the last one and the page's status.
    for world in worlds:
        switch(world)
        for name, run in page_sets[world.name]:
            world.times[name] = []
            for number in range(warmups):
                started = time.perf_counter()
                if number == warmups - 1:
                    with CaptureQueriesContext(connection) as captured:
                        status = run()
                    world.queries[name] = len(captured.captured_queries)
                else:
                    status = run()
                if time.perf_counter() - started > SLOW:
                    wanted[name] = min(wanted[name], 3)
                if status != 200:
                    world.errors[name] = status
    deadline = time.monotonic() + TIME_BUDGET
    for number in range(samples):
        if time.monotonic() > deadline:
            print(f"time budget reached after {number} rounds", flush=True)
            break
        order = worlds if number % 2 == 0 else list(reversed(worlds))
        for world in order:
            switch(world)
            for name, run in page_sets[world.name]:
                if len(world.times[name]) >= wanted[name]:
                    continue
                started = time.perf_counter()
                run()
                world.times[name].append(time.perf_counter() - started)
        print(f"  round {number + 1}/{samples}", flush=True)


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]


def report(small: World, large: World) -> None:
    print(
        f"\n{'page':<30} {'small p50':>9} {'p99':>7} {'large p50':>9} {'p99':>7} "
        f"{'queries s/l':>11} {'ratio':>6}  target <= {TARGET}x"
    )
    for name in small.times:
        s, la = small.times[name], large.times[name]
        if not s or not la:
            print(f"{name:<30} (no samples)")
            continue
        s50, l50 = statistics.median(s) * 1000, statistics.median(la) * 1000
        ratio = l50 / s50
        verdict = "MET" if _within_target(name, ratio, l50) else "MISSED"
        note = ""
        for world in (small, large):
            if name in world.errors:
                note += f"  [{world.name}: {world.errors[name]}]"
        if len(la) < len(s):
            note += f"  [{len(la)} samples]"
        queries = f"{small.queries.get(name, '?')}/{large.queries.get(name, '?')}"
        print(
            f"{name:<30} {s50:9.1f} {p99(s) * 1000:7.1f} {l50:9.1f} {p99(la) * 1000:7.1f} "
            f"{queries:>11} {ratio:6.2f}  {verdict}{note}"
        )
    print("(ms; p99 of ~10 samples is the slowest sample)")
    print(
        "\nTargets: p50 on the large world within 1.5x of the small one, the same query count;"
        "\n  counts over a period (*): the same query count,"
        f" large p50 <= {AGGREGATE_BUDGET_MS:.0f} ms"
    )
    for name in small.times:
        s, la = small.times[name], large.times[name]
        if not s or not la:
            print(f"  MISSED  {name:<30} no samples")
            continue
        ratio = statistics.median(la) / statistics.median(s)
        same = small.queries.get(name) == large.queries.get(name)
        large_ms = statistics.median(la) * 1000
        verdict = "MET" if _within_target(name, ratio, large_ms) and same else "MISSED"
        queries = f"{small.queries.get(name, '?')}/{large.queries.get(name, '?')} queries"
        star = "*" if name in AGGREGATES else " "
        print(f"  {verdict:<7} {name:<30}{star} {ratio:5.2f}x  {large_ms:7.1f} ms  {queries}")


def _within_target(name: str, ratio: float, large_ms: float) -> bool:
    if name in AGGREGATES:
        return large_ms <= AGGREGATE_BUDGET_MS
    return ratio <= TARGET


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="the large world's SCALE")
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--small-db", default="enclave_bench_small")
    parser.add_argument("--large-db", default=seed_large.DEFAULT_DB)
    parser.add_argument(
        "--prepare-only", action="store_true", help="build (or reuse) both worlds and stop"
    )
    args = parser.parse_args()
    samples, warmups = max(1, min(args.samples, 50)), max(1, min(args.warmups, 5))
    seed_large.configure(args.small_db)
    import django

    django.setup()
    logging.getLogger("enclave.security").setLevel(logging.WARNING)

    started = time.perf_counter()
    worlds = []
    for name, db, kind, scale in (
        ("small", args.small_db, "small", 0.0),
        ("large", args.large_db, "large", args.scale),
    ):
        t0 = time.perf_counter()
        print(f"{name} world in {db} …", flush=True)
        marker = seed_large.ensure_world(db, kind, scale)
        how = "reused" if marker["reused"] else "seeded"
        print(
            f"  {how} in {time.perf_counter() - t0:.1f} s: "
            + ", ".join(f"{key} {value:,}" for key, value in marker["counts"].items()),
            flush=True,
        )
        worlds.append(World(name, db, marker))
    if args.prepare_only:
        return 0
    for world in worlds:
        prepare(world)
    print(f"measuring: {warmups} warm-ups, {samples} rounds, worlds interleaved …", flush=True)
    measure(worlds, samples, warmups)
    report(*worlds)
    print(f"whole run {time.perf_counter() - started:.0f} s, large SCALE {args.scale}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
