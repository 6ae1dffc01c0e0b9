"""The API's documentation page in a real browser, under the app's own strict CSP.

- A member (eu@) opens /api/docs/ with the CSP enforced (no bypass): Swagger UI, served from our
  own static files, lists every operation; nothing is blocked and nothing fails in the console.
- "Try it out" on GET /api/v1/me/ runs as the signed-in official (the session, no token): the
  answer is 200 and names eu@.
- A write tried from the page carries the CSRF token: marking notifications read answers 200.
- On a phone the page does not scroll sideways.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .support import CSP_RECORDER, DOMAIN, collect_console_errors, csp_violations, new_context

pytestmark = pytest.mark.e2e

DOCS = "/api/docs/"


def _signed_in_state(open_as) -> dict:
    page = open_as("eu")
    return page.context.storage_state()


def _try(page: Page, method: str, path: str) -> None:
    block = page.locator(f".opblock-{method.lower()}:has([data-path='{path}'])").first
    block.locator(".opblock-summary").first.click()
    block.get_by_role("button", name="Try it out").click()
    block.get_by_role("button", name="Execute").click()
    expect(block.locator(".live-responses-table tbody .response-col_status").first).to_be_visible()
    return block


def test_the_reference_runs_under_the_strict_csp_and_tries_calls_as_the_official(
    browser, enclave_server, open_as
):
    state = _signed_in_state(open_as)
    context = new_context(browser, enclave_server, storage_state=state)
    context.add_init_script(CSP_RECORDER)
    try:
        page = context.new_page()
        console_errors = collect_console_errors(page)
        response = page.goto(DOCS)
        assert response is not None and response.status == 200
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        expect(page.get_by_role("heading", name="Enclave API", level=1)).to_be_visible()
        operations = page.locator(".opblock")
        expect(operations.first).to_be_visible()
        assert operations.count() >= 17

        me = _try(page, "GET", "/api/v1/me/")
        expect(me.locator(".live-responses-table tbody .response-col_status").first).to_have_text(
            "200"
        )
        expect(me.locator(".live-responses-table .microlight").first).to_contain_text(
            f"eu@{DOMAIN}"
        )

        read = page.locator(".opblock-post:has([data-path='/api/v1/notifications/read/'])").first
        read.locator(".opblock-summary").first.click()
        read.get_by_role("button", name="Try it out").click()
        read.locator("textarea.body-param__text").fill('{"ids": []}')
        read.get_by_role("button", name="Execute").click()
        status = read.locator(".live-responses-table tbody .response-col_status").first
        expect(status).to_have_text("200")

        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")
        blocked = csp_violations(page) + [e for e in console_errors if "Content Security" in e]
        assert blocked == [], "CSP violations:\n" + "\n".join(blocked)
        assert console_errors == [], console_errors
    finally:
        context.close()


def test_the_page_fits_a_phone(open_as):
    page = open_as("eu", phone=True)
    page.goto(DOCS)
    expect(page.locator(".opblock").first).to_be_visible()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], widths
