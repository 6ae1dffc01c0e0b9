"""Browser tests: a live daphne over a seeded file-based SQLite, driven by Debian's Chromium.

These tests talk to the server only, never to the database: they need none of pytest-django's
database fixtures. Run them in their own process, after the other tests:

    .venv/bin/pytest -q tests/e2e
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from .support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_TOTP_SECRET,
    DOMAIN,
    MFA_USERS,
    PHONE_CONTEXT,
    EnclaveServer,
    OpenAs,
    PageRecorder,
    login,
    new_context,
)

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT = 30.0
COMMAND_TIMEOUT = 120.0
# The HTML validity check, run after every other browser test (it checks the pages they opened).
LAST_MODULE = "test_zz_valid_html.py"


def pytest_collection_modifyitems(config, items):
    """In a run mixed with ordinary tests, skip the browser tests: they need their own process.

    Playwright's sync API keeps an event loop running in the main thread for the whole session,
    and Django then refuses the database work of any ordinary test that comes after it
    (DESIGN.md, Known traps).

    The HTML validity check runs last, over every page the other browser tests opened.
    """
    here = Path(__file__).parent
    browser_tests = [item for item in items if here in Path(item.path).parents]
    if browser_tests and len(browser_tests) < len(items):
        skip = pytest.mark.skip(reason="browser tests run in their own process: pytest tests/e2e")
        for item in browser_tests:
            item.add_marker(skip)
    items.sort(key=lambda item: Path(item.path).name == LAST_MODULE)


def pytest_terminal_summary(terminalreporter):
    """Say plainly when the HTML validity check was skipped (`pytest -q` shows no reasons)."""
    for report in terminalreporter.stats.get("skipped", []):
        if LAST_MODULE in report.nodeid and isinstance(report.longrepr, tuple):
            terminalreporter.write_line(f"HTML validity NOT checked: {report.longrepr[2]}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, show the end of the server's log (tracebacks of 500s land there)."""
    report = yield
    server = item.funcargs.get("enclave_server") if hasattr(item, "funcargs") else None
    if report.failed and isinstance(server, EnclaveServer):
        report.sections.append(("daphne log (last lines)", _tail(server.log)))
    return report


# ------------------------------------------------------------------------------
# The live server
# ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}",
            pytrace=False,
        )


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_until_ready(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (http://127.0.0.1)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last_error = error
        try:
            # Doubles as the poll interval and the liveness check.
            code = process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"daphne exited with {code} before serving:\n{_tail(log)}", pytrace=False)
    pytest.fail(
        f"daphne did not serve {url} within {SERVER_START_TIMEOUT:.0f} s "
        f"(last error: {last_error}):\n{_tail(log)}",
        pytrace=False,
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def enclave_server(tmp_path_factory) -> Iterator[EnclaveServer]:
    """daphne on 127.0.0.1:<free port> over a migrated, seeded demo world in a temp dir."""
    tmp = tmp_path_factory.mktemp("e2e")
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    pages_dir = tmp / "pages"
    pages_dir.mkdir()
    env = os.environ.copy()
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"sqlite:///{tmp / 'e2e.sqlite3'}",
        ENCLAVE_VAR_DIR=str(tmp),
        ENCLAVE_TEST_EMAIL_DIR=str(mail_dir),
        ENCLAVE_DOCUMENTS_DIR=str(tmp / "documents"),
        PYTHONUNBUFFERED="1",
    )
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "seed_demo")
    # With DEBUG off, whitenoise serves STATIC_ROOT (here <tmp>/staticfiles), not the finders.
    _manage(env, "collectstatic", "--noinput", "-v0")

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp / "daphne.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                str(VENV_BIN / "daphne"),
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "config.asgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_ready(process, f"{url}/accounts/login/", log)
        yield EnclaveServer(url=url, mail_dir=mail_dir, log=log, pages=PageRecorder(pages_dir))
    finally:
        _stop(process)


# ------------------------------------------------------------------------------
# The browser
# ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser, enclave_server) -> Iterator[BrowserContext]:
    """A fresh context; CSP bypassed so that axe-core can be injected."""
    context = new_context(browser, enclave_server, bypass_csp=True)
    yield context
    context.close()


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


@pytest.fixture(scope="session")
def cochair_state(browser, enclave_server) -> dict:
    """The Co-Chair signed in once (password + TOTP) for the whole session.

    allauth accepts a TOTP code once per 30 s window, so tests share this session instead of
    signing the Co-Chair in again. Tests using it must not sign out (that ends the session).
    """
    context = new_context(browser, enclave_server, bypass_csp=True)
    page = context.new_page()
    # The sign-in pages' accessibility is the business of the sign-in tests, not of this fixture.
    login(page, "cochair@demo.enclave.test", totp_secret=DEMO_TOTP_SECRET, a11y=False)
    expect(page.get_by_role("navigation", name="Your account")).to_contain_text("Aroha Ngata")
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def cochair_page(browser, enclave_server, cochair_state) -> Iterator[Page]:
    """A fresh context signed in as the Co-Chair (the shared session)."""
    context = new_context(browser, enclave_server, bypass_csp=True, storage_state=cochair_state)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def signed_in_states() -> dict[str, dict]:
    """Storage state per demo user (their handle), filled on first use; one per test module."""
    return {}


@pytest.fixture
def open_as(browser, enclave_server, signed_in_states) -> Iterator[OpenAs]:
    """open_as("eu") -> a page in a fresh context signed in as eu@ (signing in once per module;
    with TOTP for MFA_USERS). open_as("eu", phone=True) -> the same on a 390 px wide phone.

    The sign-in pages' accessibility is the business of the sign-in tests: no axe there.
    """
    contexts = []

    def _open(handle: str, *, phone: bool = False) -> Page:
        state = signed_in_states.get(handle)
        options = PHONE_CONTEXT if phone else {}
        context = new_context(
            browser, enclave_server, bypass_csp=True, storage_state=state, **options
        )
        contexts.append(context)
        page = context.new_page()
        if state is None:
            _sign_in(page, handle)
            signed_in_states[handle] = context.storage_state()
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def open_fresh(browser, enclave_server) -> Iterator[OpenAs]:
    """open_fresh("eu") -> like open_as, after a sign-in of the test's own: for tests whose
    session matters (a sensitive action asks for the password unless confirmed a moment ago;
    a session that ends). open_fresh("eu", clock=True) puts the page's clock under the test's
    control before any script runs."""
    contexts: list[BrowserContext] = []

    def _open(handle: str, *, phone: bool = False, clock: bool = False) -> Page:
        options = PHONE_CONTEXT if phone else {}
        context = new_context(browser, enclave_server, bypass_csp=True, **options)
        contexts.append(context)
        page = context.new_page()
        if clock:
            page.clock.install()
        _sign_in(page, handle)
        return page

    yield _open
    for context in contexts:
        context.close()


def _sign_in(page: Page, handle: str) -> None:
    login(
        page,
        f"{handle}@{DOMAIN}",
        totp_secret=DEMO_TOTP_SECRET if handle in MFA_USERS else None,
        a11y=False,
    )
    expect(
        page.get_by_role("navigation", name="Your account", include_hidden=True)
    ).to_be_attached()
