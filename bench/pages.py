"""Page, policy and login costs, each next to a peer measured in the same run.

    .venv/bin/python bench/pages.py [--iterations 30] [--list-iterations 200] [--logins 20]

One throwaway site (temp dir, file SQLite, demo world), grown by one `manage.py shell -c`
script: a thread of 1,000 replies in the offsets dialogue and 200 more dialogues with the EU's
jurisdiction on their roster. Then, interleaved:

  1. the 1,000-post thread page through the real view (django.test.Client, eu@ signed in),
     against a bare template render of the same page's 100 posts fetched by one plain query;
     target: the view within 2x of the bare render (p50);
  2. `visible(eu, Workspace)` listed, against `Workspace.objects.all()` listed (same ordering);
     target: within 1.5x (p50);
  3. sign-ins over HTTP to daphne run with config.settings.local (Django's default hashers,
     PBKDF2), against the same PBKDF2 check alone; target: logins/s >= 0.8x hashes/s.

1 and 2 run in this process, with Django set up against the site (config.settings.test); 3
talks to a daphne on 127.0.0.1. A missed target prints MISSED and exits 0; errors exit
non-zero. Everything started here is stopped and the temp dir removed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live.server import (  # noqa: E402
    DEMO_EMAIL,
    DEMO_PASSWORD,
    DEMO_WORKSPACE,
    HTTP_TIMEOUT,
    Daphne,
    SiteError,
    manage,
    prepare_site,
    site_env,
    start_daphne,
)

TARGET_PAGE = 2.0  # the thread view's p50 at most 2x a bare render of the same posts
TARGET_LIST = 1.5  # the permission-filtered list's p50 at most 1.5x the unfiltered one
TARGET_LOGIN = 0.8  # logins/s at least 0.8x PBKDF2 checks/s
TIME_BUDGET = 170.0  # seconds for the whole run
REPLIES = 1000
EXTRA_WORKSPACES = 200
LOGIN_RATE_LIMIT = 30  # ACCOUNT_RATE_LIMITS["login"]: 30/m/ip; stay under it

# Run under config.settings.test, in the site's environment.
_GROW = """
import datetime, json, os
from django.db import transaction
from django.utils import timezone
from accounts.models import Jurisdiction, User
from dialogues.threads import services
from dialogues.models import Post, Thread
from workspaces.access import WorkspaceRole
from workspaces.models import Workspace
from workspaces.services import roster_grant

REPLIES, EXTRA = int(os.environ["BENCH_REPLIES"]), int(os.environ["BENCH_WORKSPACES"])
eu_user = User.objects.get(email=os.environ["BENCH_EMAIL"])
offsets = Workspace.objects.get(slug=os.environ["BENCH_WORKSPACE"])
authors = list(User.objects.filter(jurisdiction__isnull=False).order_by("pk"))
thread = services.thread_create(
    actor=eu_user, workspace=offsets, title="A thousand replies", body="The opening post."
)
opening = thread.posts.get(depth=0)
start = timezone.now()
with transaction.atomic():
    posts = Post.objects.bulk_create(
        Post(
            thread=thread,
            parent=opening,
            depth=1,
            author=authors[i % len(authors)],
            body_source=f"Reply {i}: offsets, removals and the accounting of both.",
            body_html=f"<p>Reply {i}: offsets, removals and the accounting of both.</p>",
            path="",
            created_at=start - datetime.timedelta(seconds=REPLIES - i),
        )
        for i in range(REPLIES)
    )
    for post in posts:
        post.path = f"{opening.path}.{post.pk:010d}"
    Post.objects.bulk_update(posts, ["path"])
    # A thread the reader has caught up with: the view marks it read up to its last post.
    Thread.objects.filter(pk=thread.pk).update(
        post_count=REPLIES + 1, last_post_at=max(post.created_at for post in posts)
    )

secretariat = User.objects.get(is_secretariat=True, email__startswith="secretariat@")
eu_group = Jurisdiction.objects.get(code="eu").group
with transaction.atomic():
    for n in range(EXTRA):
        workspace = Workspace.objects.create(
            title=f"Bench dialogue {n:03d}", slug=f"bench-{n:03d}", created_by=secretariat
        )
        roster_grant(
            workspace=workspace, role=WorkspaceRole.FACILITATOR, added_by=secretariat,
            user=secretariat,
        )
        roster_grant(
            workspace=workspace, role=WorkspaceRole.PARTICIPANT, added_by=secretariat,
            group=eu_group,
        )
print("BENCH " + json.dumps({"thread": thread.pk, "workspaces": Workspace.objects.count()}))
"""

# Run under config.settings.local: Django's default PASSWORD_HASHERS, PBKDF2 first.
_PBKDF2 = """
import os
from django.contrib.auth.hashers import get_hasher
from accounts.models import User
user = User.objects.get(email=os.environ["BENCH_EMAIL"])
user.set_password(os.environ["BENCH_PASSWORD"])
user.save(update_fields=["password"])
print("BENCH " + get_hasher().algorithm)
"""

_BARE = """{% for post in posts %}<article id="post-{{ post.pk }}"><h3>{{ post.author.full_name }}\
</h3><div class="prose">{{ post.body_html|safe }}</div></article>
{% endfor %}"""

_CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def check(self, step: str) -> None:
        if time.monotonic() > self.end:
            raise SiteError(f"out of time ({TIME_BUDGET:.0f} s) before {step}")


def bench_output(out: str) -> str:
    for line in out.splitlines():
        if line.startswith("BENCH "):
            return line.removeprefix("BENCH ")
    raise SiteError(f"a shell step printed no result:\n{out[-2000:]}")


def p50_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


# ------------------------------------------------------------------------------
# 1 and 2: in this process, Django set up against the site
# ------------------------------------------------------------------------------


def calls_per_request(get, rounds: int = 5) -> tuple[float, list[tuple[str, int]]]:
    """Python function calls per request (cProfile), and the policy functions among them:
    a count is stable on a loaded machine where milliseconds are not."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        get()
    profiler.disable()
    stats = pstats.Stats(profiler)
    ours = [
        (f"{Path(file).parent.name}/{Path(file).name}:{name}", entry[1] // rounds)
        for (file, _, name), entry in stats.stats.items()
        if file.endswith(("workspaces/access.py", "accounts/policy.py", "accounts/standing.py"))
    ]
    ours.sort(key=lambda item: -item[1])
    return stats.total_calls / rounds, ours


def measure_in_process(
    thread_pk: int, iterations: int, list_iterations: int, profile: bool
) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.template import Context, Template
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from dialogues.models import Post
    from dialogues.threads.selectors import POSTS_PER_PAGE
    from workspaces.access import visible
    from workspaces.models import Workspace

    # force_login writes a security log line; the bench's output stays a table.
    logging.getLogger("enclave.security").setLevel(logging.WARNING)
    user = User.objects.select_related("jurisdiction").get(email=DEMO_EMAIL)
    client = Client()
    client.force_login(user)
    url = f"/w/{DEMO_WORKSPACE}/t/{thread_pk}/"
    bare = Template(_BARE)

    sizes = {}

    def view() -> int:
        response = client.get(url)
        if response.status_code != 200:
            raise SiteError(f"GET {url} answered {response.status_code}")
        sizes["view"] = len(response.content)
        return response.content.count(b'class="post ')

    # The same view on the workspace's shortest thread: what any signed-in page of this kind
    # costs whatever its length (session, user, policy, bell, layout), for the breakdown.
    from dialogues.models import Thread

    short = (
        Thread.objects.filter(workspace__slug=DEMO_WORKSPACE, audience="everyone")
        .annotate(n=Count("posts"))
        .order_by("n", "pk")
        .first()
    )
    short_url = f"/w/{DEMO_WORKSPACE}/t/{short.pk}/"

    def view_short() -> int:
        response = client.get(short_url)
        if response.status_code != 200:
            raise SiteError(f"GET {short_url} answered {response.status_code}")
        return short.n

    def render_bare() -> int:
        posts = list(
            Post.objects.filter(thread_id=thread_pk)
            .select_related("author")
            .order_by("path")[:POSTS_PER_PAGE]
        )
        html = bare.render(Context({"posts": posts}))
        sizes["bare"] = len(html.encode())
        return html.count("<article")

    # Warm up (templates, content types, the session) and check both show a full page.
    for _ in range(3):
        shown_view, shown_bare = view(), render_bare()
    if shown_view != POSTS_PER_PAGE or shown_bare != POSTS_PER_PAGE:
        raise SiteError(f"posts shown: view {shown_view}, bare {shown_bare}")
    with CaptureQueriesContext(connection) as captured:
        view()
    view_queries = [query["sql"] for query in captured.captured_queries]
    with CaptureQueriesContext(connection) as captured:
        render_bare()
    bare_queries = [query["sql"] for query in captured.captured_queries]

    def dashboard() -> None:
        response = client.get("/")
        if response.status_code != 200:
            raise SiteError(f"GET / answered {response.status_code}")

    # What any signed-in page costs, counted rather than timed: calls and queries per request.
    fixed = {}
    for name, get in (("short", view_short), ("dashboard", dashboard)):
        for _ in range(2):  # warm: the first visit marks the thread read (a write)
            get()
        with CaptureQueriesContext(connection) as captured:
            get()
        fixed[name] = {
            "queries": [query["sql"] for query in captured.captured_queries],
            "calls": calls_per_request(get),
        }

    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(5):
            view()
        profiler.disable()
        print("\nprofile of 5 GETs of the thread view (by own time):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(40)

    page = {"view": [], "bare": [], "short": []}
    measured = {"view": view, "bare": render_bare, "short": view_short}
    for number in range(iterations):
        order = ("view", "bare", "short") if number % 2 == 0 else ("short", "bare", "view")
        for key in order:
            started = time.perf_counter()
            measured[key]()
            page[key].append(time.perf_counter() - started)

    # 2: the permission-filtered list against the unfiltered one.
    filtered_count = len(list(visible(user, Workspace)))
    all_count = len(list(Workspace.objects.all()))
    with CaptureQueriesContext(connection) as captured:
        list(visible(user, Workspace))
    list_queries = [query["sql"] for query in captured.captured_queries]
    lists = {"filtered": [], "all": []}
    for number in range(list_iterations):
        order = ("filtered", "all") if number % 2 == 0 else ("all", "filtered")
        for key in order:
            started = time.perf_counter()
            if key == "filtered":
                list(visible(user, Workspace))
            else:
                list(Workspace.objects.all())
            lists[key].append(time.perf_counter() - started)
    encoded = User.objects.get(email=DEMO_EMAIL).password
    connection.close()
    return {
        "page": page,
        "sizes": sizes,
        "short_posts": short.n,
        "view_queries": view_queries,
        "bare_queries": bare_queries,
        "lists": lists,
        "filtered_count": filtered_count,
        "all_count": all_count,
        "list_queries": list_queries,
        "fixed": fixed,
        "encoded": encoded,
    }


# ------------------------------------------------------------------------------
# 3: sign-ins over HTTP against the hash alone
# ------------------------------------------------------------------------------


def login(port: int) -> tuple[float, float]:
    """One sign-in as a browser makes it: GET the form, POST the credentials (the redirect to
    the dashboard is not followed). Returns (seconds for GET + POST, seconds for the POST)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT)
    path = "/accounts/login/"
    try:
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        match = _CSRF_FIELD.search(body)
        if response.status != 200 or match is None or "csrftoken" not in cookies:
            raise SiteError(f"GET {path}: {response.status}, no CSRF token")
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": match.group(1).decode(),
                "login": DEMO_EMAIL,
                "password": DEMO_PASSWORD,
            }
        )
        posted = time.perf_counter()
        connection.request(
            "POST",
            path,
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookies['csrftoken'].value}",
                "Referer": f"http://127.0.0.1:{port}{path}",
            },
        )
        response = connection.getresponse()
        response.read()
        ended = time.perf_counter()
        set_cookies = " ".join(response.headers.get_all("Set-Cookie") or [])
        if response.status != 302 or "sessionid=" not in set_cookies:
            raise SiteError(f"POST {path}: {response.status}, no session (wrong hasher?)")
        return ended - started, ended - posted
    finally:
        connection.close()


def measure_logins(env: dict[str, str], tmp: Path, encoded: str, count: int) -> dict:
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    if not encoded.startswith(f"{hasher.algorithm}$"):
        raise SiteError(f"eu@'s password is not a {hasher.algorithm} hash: {encoded[:20]}…")
    if not hasher.verify(DEMO_PASSWORD, encoded):
        raise SiteError("the PBKDF2 hash does not verify the demo password")
    iterations = int(encoded.split("$")[1])
    server: Daphne = start_daphne(env, tmp / "daphne-local.log")
    try:
        login(server.port)  # warm up (templates, the first connection)
        times = {"full": [], "post": [], "hash": []}
        for number in range(count):
            order = ("login", "hash") if number % 2 == 0 else ("hash", "login")
            for key in order:
                if key == "login":
                    full, post = login(server.port)
                    times["full"].append(full)
                    times["post"].append(post)
                else:
                    started = time.perf_counter()
                    hasher.verify(DEMO_PASSWORD, encoded)
                    times["hash"].append(time.perf_counter() - started)
        return {"times": times, "iterations": iterations}
    finally:
        server.stop()


# ------------------------------------------------------------------------------


def run(
    iterations: int, list_iterations: int, logins: int, show_queries: bool, profile: bool
) -> int:
    deadline = Deadline(TIME_BUDGET)
    tmp = Path(tempfile.mkdtemp(prefix="enclave-bench-pages-"))
    try:
        env = site_env(tmp)
        print(
            f"site in {tmp}: migrate, seed_demo, {REPLIES} replies, {EXTRA_WORKSPACES} dialogues …",
            flush=True,
        )
        prepare_site(env)
        grown = json.loads(
            bench_output(
                manage(
                    dict(
                        env,
                        BENCH_REPLIES=str(REPLIES),
                        BENCH_WORKSPACES=str(EXTRA_WORKSPACES),
                        BENCH_EMAIL=DEMO_EMAIL,
                        BENCH_WORKSPACE=DEMO_WORKSPACE,
                    ),
                    "shell",
                    "-c",
                    _GROW,
                )
            )
        )
        local_env = dict(env, DJANGO_SETTINGS_MODULE="config.settings.local")
        algorithm = bench_output(
            manage(
                dict(local_env, BENCH_EMAIL=DEMO_EMAIL, BENCH_PASSWORD=DEMO_PASSWORD),
                "shell",
                "-c",
                _PBKDF2,
            )
        )
        deadline.check("the page and list measurements")

        os.environ.update(env)  # config.settings.test against the site's database
        print("measuring the thread page and the workspace list …", flush=True)
        inproc = measure_in_process(grown["thread"], iterations, list_iterations, profile)
        deadline.check("the login measurement")
        print(f"measuring {logins} sign-ins against daphne (config.settings.local) …", flush=True)
        signins = measure_logins(local_env, tmp, inproc["encoded"], logins)

        page, lists, times = inproc["page"], inproc["lists"], signins["times"]
        view_ms, bare_ms = p50_ms(page["view"]), p50_ms(page["bare"])
        filtered_ms, all_ms = p50_ms(lists["filtered"]), p50_ms(lists["all"])
        page_ratio, list_ratio = view_ms / bare_ms, filtered_ms / all_ms
        post_rate = 1 / statistics.median(times["post"])
        full_rate = 1 / statistics.median(times["full"])
        hash_rate = 1 / statistics.median(times["hash"])
        login_ratio = post_rate / hash_rate

        print(f"\n{'':58} {'Enclave':>10} {'peer':>10} {'ratio':>7}  target")
        print(
            f"1. thread page, {REPLIES + 1} posts, p50 ms ({iterations} interleaved)"
            f"{'':>8} {view_ms:10.1f} {bare_ms:10.1f} {page_ratio:7.2f}  "
            f"<= {TARGET_PAGE:.1f}x  {verdict(page_ratio <= TARGET_PAGE)}"
        )
        print(
            f"   Enclave: GET /w/{DEMO_WORKSPACE}/t/{grown['thread']}/ through the view, "
            f"{len(inproc['view_queries'])} queries; peer: 100 posts, 1 query "
            f"({len(inproc['bare_queries'])} seen) + a bare Template loop"
        )
        sizes = inproc["sizes"]
        print(f"   HTML: Enclave {sizes['view'] / 1024:.0f} kB, peer {sizes['bare'] / 1024:.0f} kB")
        short_ms = p50_ms(page["short"])
        print(
            f"   of which the request's fixed cost: the same view on a "
            f"{inproc['short_posts']}-post thread {short_ms:.1f} ms; "
            f"the 100 posts add {view_ms - short_ms:.1f} ms "
            f"({(view_ms - short_ms) / bare_ms:.2f}x the peer)"
        )
        for name, label in (("short", "the short thread"), ("dashboard", "the dashboard")):
            calls, policy = inproc["fixed"][name]["calls"]
            print(
                f"   per GET of {label}: {calls:,.0f} Python calls, "
                f"{len(inproc['fixed'][name]['queries'])} queries; policy functions "
                f"{sum(n for _, n in policy):,} calls"
            )
        print(
            f"2. workspace list, p50 ms ({list_iterations} interleaved){'':>17} "
            f"{filtered_ms:10.2f} {all_ms:10.2f} {list_ratio:7.2f}  "
            f"<= {TARGET_LIST:.1f}x  {verdict(list_ratio <= TARGET_LIST)}"
        )
        print(
            f"   Enclave: visible(eu@, Workspace), {inproc['filtered_count']} rows, "
            f"{len(inproc['list_queries'])} query; peer: Workspace.objects.all(), "
            f"{inproc['all_count']} rows"
        )
        print(
            f"3. sign-ins per second ({logins} interleaved){'':>21} "
            f"{post_rate:10.2f} {hash_rate:10.2f} {login_ratio:7.2f}  "
            f">= {TARGET_LOGIN:.1f}x  {verdict(login_ratio >= TARGET_LOGIN)}"
        )
        print(
            f"   Enclave: POST /accounts/login/ to daphne (config.settings.local), p50 "
            f"{p50_ms(times['post']):.0f} ms; with the GET of the form {full_rate:.2f}/s "
            f"({full_rate / hash_rate:.2f}x)"
        )
        print(
            f"   peer: {algorithm} verify, {signins['iterations']:,} iterations, p50 "
            f"{p50_ms(times['hash']):.0f} ms"
        )
        if show_queries:
            print("\nthe thread view's queries:")
            for number, sql in enumerate(inproc["view_queries"], 1):
                print(f"  {number:2}. {sql[:160]}")
            for name in ("short", "dashboard"):
                print(f"the {name} page's queries:")
                for number, sql in enumerate(inproc["fixed"][name]["queries"], 1):
                    print(f"  {number:2}. {sql[:160]}")
                print(f"the {name} page's policy calls per GET:")
                for function, n in inproc["fixed"][name]["calls"][1][:15]:
                    print(f"  {n:6}  {function}")
            print(f"the filtered list's query:\n  {inproc['list_queries'][-1]}")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=30, help="thread page rounds")
    parser.add_argument("--list-iterations", type=int, default=200, help="workspace list rounds")
    parser.add_argument("--logins", type=int, default=20, help=f"sign-ins (< {LOGIN_RATE_LIMIT})")
    parser.add_argument("--show-queries", action="store_true", help="print the view's SQL")
    parser.add_argument("--profile", action="store_true", help="cProfile 5 GETs of the view")
    args = parser.parse_args()
    logins = max(1, min(args.logins, LOGIN_RATE_LIMIT - 2))
    try:
        return run(
            max(1, args.iterations),
            max(1, args.list_iterations),
            logins,
            args.show_queries,
            args.profile,
        )
    except (SiteError, OSError, subprocess.SubprocessError) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
