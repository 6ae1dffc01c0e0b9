"""Helpers for the browser tests: sign-in, TOTP, email, axe-core, CSP, the HTML pages served."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import os
import re
import secrets
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import getaddresses
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response, expect
from playwright.sync_api import Error as PlaywrightError

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

DEMO_PASSWORD = "enclave-demo"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"
DOMAIN = "demo.enclave.test"
MFA_USERS = {"secretariat", "cochair", "cochair2"}

# A phone held upright (390 px wide CSS viewport), for the pages' narrow layout.
PHONE_CONTEXT = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}

EMAIL_TIMEOUT = 10.0
ACTION_TIMEOUT_MS = 10_000


# ------------------------------------------------------------------------------
# The HTML pages the server sent (checked by test_zz_valid_html.py with the Nu Html Checker)
# ------------------------------------------------------------------------------

# Path segments that name one object (a dialogue's slug, a jurisdiction's code, a token): the
# segment after one of these is a placeholder in a page's kind.
_NAMED_BY_NEXT = {"w", "j", "invitations", "confirm-email", "key"}


def page_kind(url: str, status: int) -> str:
    """The kind of page at `url`: its path with ids and slugs as placeholders, and its status.

    /w/offsets/t/12/?page=2 answering 200 -> "w-S-t-N.200"; the same kind for every dialogue,
    thread and reader, so that a run keeps a bounded set of pages.
    """
    path = re.sub(r"^[a-z]+://[^/]+", "", url).split("?", 1)[0].split("#", 1)[0]
    parts = [part for part in path.split("/") if part]
    kind = []
    for index, part in enumerate(parts):
        if part.isdigit():
            part = "N"
        elif index and parts[index - 1] in _NAMED_BY_NEXT:
            part = "S"
        kind.append(re.sub(r"[^A-Za-z0-9_.-]", "_", part))
    return f"{'-'.join(kind) or 'home'}.{status}"


class PageRecorder:
    """Keeps the HTML the server sent for the pages the browsers opened, a few per kind.

    Only main-frame documents served as text/html (not redirects, not HTMX fragments, which are
    not pages); each is written to `directory` as <kind>.<n>.html, and `urls` maps each file to
    the URL it came from.
    """

    def __init__(self, directory: Path, *, per_kind: int = 2) -> None:
        self.directory = directory
        self.per_kind = per_kind
        self.urls: dict[Path, str] = {}
        self._count: dict[str, int] = {}

    def watch(self, context: BrowserContext) -> None:
        context.on("response", self._on_response)

    def wants(self, kind: str) -> bool:
        return self._count.get(kind, 0) < self.per_kind

    def record(self, url: str, status: int, html: str, *, reader: str = "") -> Path | None:
        """Keep `html` unless its kind (per `reader`, when given) has enough pages already."""
        kind = f"{page_kind(url, status)}{'.' + reader if reader else ''}"
        if not self.wants(kind):
            return None
        self._count[kind] = self._count.get(kind, 0) + 1
        path = self.directory / f"{kind}.{self._count[kind]}.html"
        path.write_text(html, encoding="utf-8")
        self.urls[path] = f"{url} (as {reader})" if reader else url
        return path

    def _on_response(self, response: Response) -> None:
        request = response.request
        if request.resource_type != "document" or request.frame.parent_frame is not None:
            return
        if 300 <= response.status < 400 or not self.wants(page_kind(response.url, response.status)):
            return
        if not response.headers.get("content-type", "").startswith("text/html"):
            return
        try:
            # Reading the body from inside the event handler works with the sync API (the
            # handler runs in its own greenlet); it fails only if the context closed first.
            html = response.text()
        except PlaywrightError:
            return
        self.record(response.url, response.status, html)


@dataclass(frozen=True)
class EnclaveServer:
    """The running server: its base URL, where its emails land, its log, the pages it served."""

    url: str
    mail_dir: Path
    log: Path
    pages: PageRecorder | None = None


def new_context(browser: Browser, enclave_server: EnclaveServer, **options) -> BrowserContext:
    """A browser context on the server, with short timeouts (fail in seconds, not 30 s).

    The pages it opens are recorded for the HTML validity check (test_zz_valid_html.py).
    """
    context = browser.new_context(base_url=enclave_server.url, **options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
    if enclave_server.pages is not None:
        enclave_server.pages.watch(context)
    return context


OpenAs = Callable[..., Page]
"""open_as("eu", phone=False) -> a page signed in as eu@ (the open_as fixture of conftest.py)."""


def unique(label: str) -> str:
    """`label` with a random suffix, so that reruns and other tests don't collide."""
    return f"{label} {secrets.token_hex(4)}"


def goto(page: Page, url: str) -> None:
    """Visit `url` and check the page with axe-core."""
    page.goto(url)
    axe_check(page)


def expect_not_found(page: Page, path: str, hidden: str) -> None:
    """Visiting `path` answers 404 with the accessible "Page not found" page, without `hidden`."""
    response = page.goto(path)
    assert response is not None and response.status == 404, response and response.status
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text(hidden)
    axe_check(page)


# ------------------------------------------------------------------------------
# Signing in
# ------------------------------------------------------------------------------

TOTP_PERIOD = 30
# Don't submit a code this close to the end of its window: it could expire in flight.
TOTP_MARGIN = 3
_used_totp: set[tuple[str, int]] = set()


def totp(
    secret: str, at: float | None = None, *, digits: int = 6, period: int = TOTP_PERIOD
) -> str:
    """RFC 6238 TOTP (HMAC-SHA1) for a base32 secret."""
    counter = int((time.time() if at is None else at) // period)
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**digits:0{digits}d}"


def _fresh_totp(page: Page, email_address: str, secret: str) -> str:
    """A code for the current window that this user has not used yet and won't expire in flight.

    allauth's tolerance is 0 and a used code is refused for its whole window, so when needed this
    waits (bounded, polling the clock) for the next window.
    """
    deadline = time.monotonic() + 2 * TOTP_PERIOD
    while True:
        now = time.time()
        counter = int(now // TOTP_PERIOD)
        remaining = TOTP_PERIOD - now % TOTP_PERIOD
        if (email_address, counter) not in _used_totp and remaining > TOTP_MARGIN:
            _used_totp.add((email_address, counter))
            return totp(secret, now)
        assert time.monotonic() < deadline, "no usable TOTP window (clock stuck?)"
        page.wait_for_timeout(250)


def login(
    page: Page,
    email_address: str,
    password: str = DEMO_PASSWORD,
    totp_secret: str | None = None,
    *,
    a11y: bool = True,
) -> None:
    """Sign in through allauth's form (and its MFA step when a TOTP secret is given).

    Runs axe on the login page and, with TOTP, on the MFA page (unless `a11y` is false). Does not
    assert where the user lands: callers check that.
    """
    page.goto("/accounts/login/")
    if a11y:
        axe_check(page)
    page.get_by_label("Email").fill(email_address)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    if totp_secret:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        if a11y:
            axe_check(page)
        page.get_by_label("Code").fill(_fresh_totp(page, email_address, totp_secret))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" not in url)
    page.wait_for_load_state()


def confirm_password(page: Page, password: str = DEMO_PASSWORD) -> None:
    """A sensitive action sent the official to allauth's reauthentication page: confirm the
    password there; allauth then sends the action on."""
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/\?next="))
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Confirm").click()


def logout(page: Page) -> None:
    """Sign out through the account menu's "Sign out" button (on a phone, the header's "Menu");
    lands on the login page."""
    account = page.get_by_role("navigation", name="Your account")
    if not account.is_visible():
        account = page.get_by_role("navigation", name="Menu", exact=True)
    sign_out = account.get_by_role("button", name="Sign out")
    if not sign_out.is_visible():
        account.locator("summary").first.click()  # the menu is a <details>
    sign_out.click()
    page.wait_for_url("**/accounts/login/**")


# ------------------------------------------------------------------------------
# Email (Django's file-based backend)
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    to: list[str]
    subject: str
    body: str


def _messages(path: Path) -> list[Mail]:
    # Django's file-based backend writes each message followed by a line of 79 dashes.
    found = []
    for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
        if not chunk.strip():
            continue
        message = email.message_from_bytes(chunk, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        found.append(
            Mail(
                to=[address.lower() for _, address in getaddresses(message.get_all("To", []))],
                subject=str(message.get("Subject", "")),
                body=body.get_content() if body is not None else "",
            )
        )
    return found


def read_latest_email(mail_dir: Path, to: str, timeout: float = EMAIL_TIMEOUT) -> Mail:
    """The newest email sent to `to`, waiting (bounded) for it to be written."""
    deadline = time.monotonic() + timeout
    while True:
        files = sorted(mail_dir.glob("*.log"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        for path in reversed(files):
            for mail in reversed(_messages(path)):
                if to.lower() in mail.to:
                    return mail
        if time.monotonic() >= deadline:
            raise AssertionError(f"no email to {to} in {mail_dir} after {timeout:.0f} s")
        time.sleep(0.05)  # poll interval of a bounded wait for the file


# ------------------------------------------------------------------------------
# Accessibility and Content Security Policy
# ------------------------------------------------------------------------------


def _describe(violation: dict) -> str:
    lines = [
        f"  [{violation.get('impact')}] {violation['id']}: {violation['help']}",
        f"    {violation.get('helpUrl', '')}",
    ]
    for node in violation["nodes"]:
        target = " ".join(map(str, node["target"]))
        summary = " ".join(node.get("failureSummary", "").split())
        lines.append(f"      {target} -- {summary}")
    return "\n".join(lines)


def axe_check(page: Page, *, csp_enforced: bool = False) -> None:
    """Run axe-core (WCAG 2.2 AA + best practice) on the current page; fail on any violation.

    axe is injected as a script tag, which needs a context with `bypass_csp=True`. Under the
    app's real CSP pass `csp_enforced=True`: axe is then evaluated through DevTools, which the
    page's CSP does not govern, so the check itself causes no violation.
    """
    page.wait_for_load_state()
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        if csp_enforced:
            page.evaluate(AXE_JS.read_text())
        else:
            page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        "async (tags) => await axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    violations = results["violations"]
    assert not violations, (
        f"{len(violations)} accessibility violation(s) on {page.url}:\n"
        + "\n".join(_describe(v) for v in violations)
    )


# Installed before any page script runs; records what the browser's CSP enforcement blocked.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"} at ` +
    `${event.sourceFile || "?"}:${event.lineNumber}`
  );
});
"""


def csp_violations(page: Page) -> list[str]:
    """CSP violations the current document reported (needs CSP_RECORDER as an init script)."""
    return page.evaluate("() => window.__cspViolations || []")


def collect_console_errors(page: Page) -> list[str]:
    """Record console errors (CSP violations are reported there) and uncaught page errors."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors
