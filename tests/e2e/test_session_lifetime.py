"""Session lifetimes in a real browser: the warning before the end, and the end itself.

An official signs in (a fresh sign-in per test: some of these tests end their session) and
opens an ordinary page. The test then moves the server's clocks of that session back (its
`enclave_active_at` or `enclave_signed_in_at`, written in the live server's SQLite database) and
the page's own clock forward (page.clock) to the moment the page means to warn:
- ~90 s of idle time left: "Are you still there?" with a countdown, focus on "Stay signed in",
  no axe violation; staying closes the dialog and restarts the server's idle clock;
- the idle timeout passed: the page goes by itself to the sign-in page (and back after signing
  in again), which says why;
- ~90 s of the absolute lifetime left: "Your session is ending", "Close", nothing to stay (also
  when an open idle warning turns into this one);
- on a 390 px phone the dialog fits without sideways scrolling;
- the session used meanwhile elsewhere (another tab): the page asks the server first and warns
  of nothing (until the end the server counts nears).
In the chat room, a lapsed session's message is refused: the socket closes, the page says that
access ended and reloads into the sign-in page.

The server's time stays real: only the page's clock moves, so the server's clocks are moved
back to match.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import Locator, Page, Response, expect

from .support import (
    DEMO_PASSWORD,
    DOMAIN,
    EnclaveServer,
    axe_check,
    unique,
)

pytestmark = pytest.mark.e2e

# Not accounts.session_lifetime's names imported: the test states what the server stores.
SIGNED_IN_AT = "enclave_signed_in_at"
ACTIVE_AT = "enclave_active_at"
IDLE_TIMEOUT = settings.ENCLAVE_SESSION_IDLE_TIMEOUT
MAX_AGE = settings.ENCLAVE_SESSION_MAX_AGE
LEFT = 90  # seconds the server's session has left when the page warns

PAGE = "/notifications/"
CHAT_URL = "/w/offsets/chat/"
OFFICIAL = "quebec"  # Sophie Tremblay (Québec): no second factor, so she may sign in often
CHAT_OFFICIAL = "california"  # Daniel Ortiz, on the offsets dialogue's roster

IDLE_SIGN_OUT = "You were signed out after a period without activity. Sign in again."
COUNTDOWN = re.compile(r"You will be signed out in 1:[0-3]\d\.")
ABSOLUTE_COUNTDOWN = re.compile(r"Your session reaches its time limit in 1:[0-3]\d\.")


# ------------------------------------------------------------------------------
# The live server's session store
# ------------------------------------------------------------------------------


class ServerSession:
    """One browser session as the live server stores it (django_session in its SQLite file).

    Read and written with sqlite3 and Django's own session encoding (the test settings share the
    server's SECRET_KEY): Django's ORM is no use here, Playwright's event loop keeps it out.
    """

    def __init__(self, database: Path, key: str) -> None:
        self.database = database
        self.key = key

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.database, timeout=20, isolation_level=None)

    def read(self) -> dict:
        with self._connect() as db:
            row = db.execute(
                "SELECT session_data FROM django_session WHERE session_key = ?", (self.key,)
            ).fetchone()
        assert row is not None, f"no session {self.key} on the server"
        data = SessionStore().decode(row[0])
        assert data, "the server's session did not decode (another SECRET_KEY?)"
        return data

    def write(self, **values: int) -> None:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")  # no request of the server writes it meanwhile
            (encoded,) = db.execute(
                "SELECT session_data FROM django_session WHERE session_key = ?", (self.key,)
            ).fetchone()
            data = SessionStore().decode(encoded)
            assert SIGNED_IN_AT in data and ACTIVE_AT in data, sorted(data)
            data.update(values)
            db.execute(
                "UPDATE django_session SET session_data = ? WHERE session_key = ?",
                (SessionStore().encode(data), self.key),
            )
            db.execute("COMMIT")
        finally:
            db.close()

    def idle_left(self, seconds: int) -> None:
        """The last activity moved back so that `seconds` remain before the idle timeout."""
        self.write(**{ACTIVE_AT: int(time.time()) - (IDLE_TIMEOUT - seconds)})

    def absolute_left(self, seconds: int) -> None:
        """Signed in long enough ago that `seconds` remain of the absolute lifetime."""
        self.write(**{SIGNED_IN_AT: int(time.time()) - (MAX_AGE - seconds)})


@pytest.fixture(scope="module")
def server_database(enclave_server: EnclaveServer) -> Path:
    # conftest.py's enclave_server keeps its SQLite file beside its log.
    path = enclave_server.log.parent / "e2e.sqlite3"
    assert path.exists(), f"no live-server database at {path}"
    return path


SignIn = Callable[..., Page]


@pytest.fixture
def sign_in(open_fresh) -> SignIn:
    """sign_in(handle, phone=False) -> a page after a sign-in of its own (never a shared
    session: these tests end theirs), its clock under the test's control."""
    return lambda handle, *, phone=False: open_fresh(handle, phone=phone, clock=True)


def server_session(page: Page, database: Path) -> ServerSession:
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    return ServerSession(database, cookie["value"])


# ------------------------------------------------------------------------------
# The page
# ------------------------------------------------------------------------------


def warning(page: Page) -> Locator:
    """The session warning (a modal alertdialog; hidden until it warns)."""
    return page.locator("dialog[data-session-lifetime]")


def open_page(page: Page, url: str = PAGE) -> None:
    """Visit an ordinary page, fully loaded: nothing of it reaches the server afterwards (a
    later request of the official's own would move the server's idle clock on again)."""
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    page.wait_for_load_state("networkidle")
    expect(warning(page)).to_be_attached()
    expect(warning(page)).to_be_hidden()


def to_warning_time(page: Page) -> None:
    """The page's clock moved on to when the page, left alone since it loaded, would warn. The
    page then asks the server how long the session really has: returns once it has the answer."""
    dialog = warning(page)
    ahead = int(dialog.get_attribute("data-idle")) - int(dialog.get_attribute("data-warning"))
    question = dialog.get_attribute("data-session-url")

    def asked(response: Response) -> bool:
        request = response.request
        return (
            urlsplit(request.url).path == question
            and request.headers.get("x-enclave-background") == "1"
        )

    with page.expect_response(asked) as answer:
        page.clock.fast_forward((ahead + 1) * 1000)
    assert answer.value.request.method == "GET" and answer.value.ok, answer.value.status
    answer.value.finished()
    # One turn of the page's event loop: session.js has read the answer by then.
    page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 0))")


def fits_sideways(page: Page, element: Locator) -> None:
    width = page.viewport_size["width"]
    box = element.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)
    assert element.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")
    assert page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def sign_in_here(page: Page, handle: str) -> None:
    """Sign in again on the sign-in page the browser is on (keeping its ?next=)."""
    page.get_by_label("Email").fill(f"{handle}@{DOMAIN}")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


# ------------------------------------------------------------------------------
# The tests
# ------------------------------------------------------------------------------


def test_near_the_idle_timeout_the_page_warns_and_staying_restarts_the_clock(
    sign_in: SignIn, server_database: Path
):
    page = sign_in(OFFICIAL)
    open_page(page)
    session = server_session(page, server_database)
    session.idle_left(LEFT)

    to_warning_time(page)
    dialog = warning(page)
    # Shown by the time the answer is read (the other-tab test relies on this moment).
    assert dialog.is_visible()
    expect(page.get_by_role("alertdialog", name="Are you still there?")).to_be_visible()
    expect(dialog).to_contain_text(COUNTDOWN)
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    expect(dialog.get_by_role("button", name="Sign out")).to_be_visible()
    axe_check(page)

    clicked_at = int(time.time())
    stay.click()
    expect(dialog).to_be_hidden()
    assert session.read()[ACTIVE_AT] >= clicked_at
    assert page.url.endswith(PAGE)


def test_after_the_idle_timeout_the_page_goes_to_sign_in_and_comes_back(
    sign_in: SignIn, server_database: Path
):
    page = sign_in(OFFICIAL)
    open_page(page)
    server_session(page, server_database).idle_left(-1)

    page.clock.fast_forward((IDLE_TIMEOUT + 1) * 1000)
    page.wait_for_url("**/accounts/login/?**")
    assert parse_qs(urlsplit(page.url).query)["next"] == [PAGE]
    expect(page.get_by_role("heading", name="Sign in to Enclave", level=1)).to_be_visible()

    sign_in_here(page, OFFICIAL)
    page.wait_for_url(re.compile(re.escape(PAGE) + "$"))
    expect(warning(page)).to_be_hidden()


def test_after_the_idle_timeout_the_sign_in_page_says_why(sign_in: SignIn, server_database: Path):
    page = sign_in(OFFICIAL)
    open_page(page)
    server_session(page, server_database).idle_left(-1)

    page.clock.fast_forward((IDLE_TIMEOUT + 1) * 1000)
    page.wait_for_url("**/accounts/login/?**")
    expect(page.get_by_text(IDLE_SIGN_OUT)).to_be_visible()


def test_near_the_absolute_limit_the_page_only_announces_the_end(
    sign_in: SignIn, server_database: Path
):
    page = sign_in(OFFICIAL)
    open_page(page)
    server_session(page, server_database).absolute_left(LEFT)

    to_warning_time(page)
    dialog = warning(page)
    expect(page.get_by_role("alertdialog", name="Your session is ending")).to_be_visible()
    expect(dialog).to_contain_text(ABSOLUTE_COUNTDOWN)
    close = dialog.get_by_role("button", name="Close")
    expect(close).to_be_focused()
    axe_check(page)

    close.click()
    expect(dialog).to_be_hidden()


def test_each_warning_offers_only_its_own_choice(sign_in: SignIn, server_database: Path):
    page = sign_in(OFFICIAL)
    open_page(page)
    session = server_session(page, server_database)
    session.idle_left(LEFT)

    to_warning_time(page)
    dialog = warning(page)
    expect(dialog).to_contain_text(COUNTDOWN)
    expect(dialog.get_by_role("button")).to_have_text(["Stay signed in", "Sign out"])

    # Staying is no use when the absolute limit is near: the answer turns the idle warning
    # into the absolute one, with nothing left to stay for.
    session.absolute_left(LEFT)
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_contain_text(ABSOLUTE_COUNTDOWN)
    expect(page.get_by_role("alertdialog", name="Your session is ending")).to_be_visible()
    expect(dialog.get_by_role("button")).to_have_text(["Close", "Sign out"])
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()


def test_on_a_phone_the_warning_fits(sign_in: SignIn, server_database: Path):
    page = sign_in(OFFICIAL, phone=True)
    open_page(page)
    server_session(page, server_database).idle_left(LEFT)

    to_warning_time(page)
    dialog = warning(page)
    expect(dialog).to_contain_text(COUNTDOWN)
    for name in ("Stay signed in", "Sign out"):
        fits_sideways(page, dialog.get_by_role("button", name=name))
    fits_sideways(page, dialog)
    axe_check(page)


def test_after_activity_elsewhere_the_page_asks_first_and_does_not_warn(
    sign_in: SignIn, server_database: Path
):
    page = sign_in(OFFICIAL)
    open_page(page)
    session = server_session(page, server_database)
    # Another tab of the same session was used since this page loaded.
    session.write(**{ACTIVE_AT: int(time.time())})

    to_warning_time(page)  # the page asks the server, which says the idle time is all ahead
    assert not warning(page).is_visible()

    # It asks again when that idle time, as the server counted it, nears its end.
    session.idle_left(LEFT)
    to_warning_time(page)
    expect(page.get_by_role("alertdialog", name="Are you still there?")).to_be_visible()
    expect(warning(page)).to_contain_text(COUNTDOWN)


def test_a_chat_message_on_a_lapsed_session_ends_the_room_and_leads_to_sign_in(
    sign_in: SignIn, server_database: Path
):
    page = sign_in(CHAT_OFFICIAL)
    main = page.get_by_role("main")
    status = main.locator("[data-chat-status]")
    with page.expect_websocket() as opened:
        page.goto(CHAT_URL)
    socket = opened.value
    expect(status).to_have_text("Live")
    # The page's own timers (its keep-alive ping) stand still: only the message below may reach
    # the server once the session has lapsed.
    page.clock.pause_at(page.evaluate("() => Date.now()") + 10)
    said = unique("Sent after the session lapsed")
    textarea = main.locator("form[data-chat-form]").get_by_label("Your message")
    # The room echoes the typing notice: every frame sent so far has been handled (in order).
    with socket.expect_event("framereceived", lambda frame: '"typing"' in frame):
        textarea.fill(said)
    server_session(page, server_database).idle_left(-1)

    main.locator("form[data-chat-form]").get_by_role("button", name="Send").click()
    expect(status).to_contain_text("Your access to this room has ended")
    page.clock.resume()  # the page reloads after a moment
    page.wait_for_url("**/accounts/login/?**")
    assert parse_qs(urlsplit(page.url).query)["next"] == [CHAT_URL]
    expect(page.get_by_text(IDLE_SIGN_OUT)).to_be_visible()

    sign_in_here(page, CHAT_OFFICIAL)
    page.wait_for_url(re.compile(re.escape(CHAT_URL) + "$"))
    expect(status).to_have_text("Live")
    expect(main.get_by_role("log", name="Messages")).not_to_contain_text(said)
