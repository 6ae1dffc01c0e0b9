"""The foundation in a real browser: sign-in (password, TOTP), invitations, membership status.

Every page visited is checked with axe-core (WCAG 2.2 AA + best practice).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .support import (
    CSP_RECORDER,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    axe_check,
    collect_console_errors,
    csp_violations,
    login,
    logout,
    new_context,
    read_latest_email,
)

pytestmark = pytest.mark.e2e

HOME_HEADING = "My dialogues"
LOGIN_ERROR = re.compile(r"email address and/or password you specified are not correct", re.I)
INVITATION_LINK = re.compile(r"https?://[^\s]+/invitations/[^/\s]+/")
NEW_PASSWORD = "Harbour-lantern-7-quietly"


def expect_home(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
    expect(page.get_by_role("heading", name=HOME_HEADING, level=1)).to_be_visible()


def expect_signed_in_as(page: Page, name: str) -> None:
    account = page.get_by_role("navigation", name="Your account")
    expect(account).to_contain_text(name)


def expect_styles_loaded(page: Page) -> None:
    """Every stylesheet the page links is served as non-empty CSS (whitenoise, STATICFILES_DIRS)."""
    hrefs = page.eval_on_selector_all('link[rel="stylesheet"]', "links => links.map(l => l.href)")
    assert hrefs, f"no stylesheet linked from {page.url}"
    for href in hrefs:
        response = page.request.get(href)
        assert response.status == 200, f"{href}: HTTP {response.status}"
        assert response.headers.get("content-type", "").startswith("text/css"), href
        assert response.body().strip(), f"{href} is empty"


def expect_message(page: Page, text: str) -> None:
    """A Django message (role=status, or role=alert for errors) containing `text`."""
    messages = page.get_by_role("status").or_(page.get_by_role("alert"))
    expect(messages.filter(has_text=text)).to_be_visible()


def expect_login_page(page: Page) -> None:
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def invite(page: Page, mail_dir: Path, *, code: str, email: str, role: str = "Official") -> str:
    """As a signed-in inviter, invite `email` from the jurisdiction's page; returns the link."""
    page.goto(f"/membership/j/{code}/")
    axe_check(page)
    form = page.locator("form", has=page.get_by_role("button", name="Send invitation"))
    form.get_by_label("Email").fill(email)
    form.get_by_label("Role").select_option(label=role)
    form.get_by_role("button", name="Send invitation").click()
    expect_message(page, f"Invitation sent to {email}.")
    axe_check(page)
    mail = read_latest_email(mail_dir, email)
    match = INVITATION_LINK.search(mail.body)
    assert match, f"no invitation link in the email to {email}:\n{mail.body}"
    return match.group(0)


def accept(page: Page, link: str, *, email: str, full_name: str, password: str) -> None:
    page.goto(link)
    axe_check(page)
    page.get_by_label("Full name").fill(full_name)
    # The invitation fixes the address: the field shows it, locked.
    expect(page.get_by_label("Email")).to_have_value(email)
    expect(page.get_by_label("Email")).not_to_be_editable()
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password (again)").fill(password)
    page.get_by_role("button", name="Create my account").click()


def new_email(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.test"


# ------------------------------------------------------------------------------
# Signing in
# ------------------------------------------------------------------------------


def test_password_login_lands_on_home_and_sign_out_works(page: Page):
    login(page, "eu@demo.enclave.test")
    expect_home(page)
    expect_signed_in_as(page, "Camille Laurent")
    expect_styles_loaded(page)
    axe_check(page)

    logout(page)
    expect_login_page(page)
    axe_check(page)
    # Signed out for real: the home page now asks to sign in.
    page.goto("/")
    expect_login_page(page)


def test_totp_login_for_secretariat(page: Page):
    login(page, "secretariat@demo.enclave.test", totp_secret=DEMO_TOTP_SECRET)
    expect_home(page)
    expect_signed_in_as(page, "Lena Hoffmann")
    axe_check(page)


def test_wrong_password_shows_an_error_and_stays_on_login(page: Page):
    login(page, "california@demo.enclave.test", password="not-the-password")
    expect_login_page(page)
    expect(page.get_by_text(LOGIN_ERROR)).to_be_visible()
    axe_check(page)
    expect(page.get_by_role("navigation", name="Your account")).to_have_count(0)


# ------------------------------------------------------------------------------
# Invitations
# ------------------------------------------------------------------------------


def test_invitation_accepted_end_to_end(browser, enclave_server, cochair_page: Page):
    email = new_email("newofficial")
    link = invite(cochair_page, enclave_server.mail_dir, code="cl", email=email, role="Official")

    # The Co-Chair's own browser is signed in: it must not accept for another account.
    cochair_page.goto(link)
    expect_home(cochair_page)
    expect_message(cochair_page, "Sign out before accepting an invitation for another account.")
    axe_check(cochair_page)

    # The invitee, in a browser of their own (signed out).
    invitee_context = new_context(browser, enclave_server, bypass_csp=True)
    try:
        page = invitee_context.new_page()
        accept(page, link, email=email, full_name="Ignacio Fuentes", password=NEW_PASSWORD)
        expect_home(page)
        expect_message(page, "Welcome to Enclave, Ignacio")
        expect_signed_in_as(page, "Ignacio Fuentes")
        axe_check(page)

        logout(page)
        login(page, email, password=NEW_PASSWORD)
        expect_home(page)
        expect_signed_in_as(page, "Ignacio Fuentes")
        axe_check(page)

        # The link is spent.
        logout(page)
        page.goto(link)
        expect(page.get_by_text("This invitation has already been used.")).to_be_visible()
        axe_check(page)
    finally:
        invitee_context.close()


def test_invitation_keeps_the_invited_email_even_when_the_page_is_tampered_with(
    browser, enclave_server, cochair_page: Page
):
    invited = new_email("invited")
    other = new_email("someoneelse")
    link = invite(cochair_page, enclave_server.mail_dir, code="cl", email=invited, role="Official")

    invitee_context = new_context(browser, enclave_server, bypass_csp=True)
    try:
        page = invitee_context.new_page()
        page.goto(link)
        field = page.get_by_label("Email")
        expect(field).to_have_value(invited)
        expect(field).not_to_be_editable()
        # Unlock the field in the page and post another address: the server ignores it.
        field.evaluate("(input) => input.removeAttribute('readonly')")
        field.fill(other)
        page.get_by_label("Full name").fill("Eve Intruder")
        page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Password (again)").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Create my account").click()
        expect_home(page)
        expect(page.get_by_role("navigation", name="Your account")).to_contain_text("Eve Intruder")
        logout(page)

        # The account is the invited address's; none was created for the other one.
        login(page, other, password=NEW_PASSWORD)
        expect_login_page(page)
        expect(page.get_by_text(LOGIN_ERROR)).to_be_visible()
        login(page, invited, password=NEW_PASSWORD)
        expect_home(page)
    finally:
        invitee_context.close()


# ------------------------------------------------------------------------------
# Membership
# ------------------------------------------------------------------------------


# ------------------------------------------------------------------------------
# Content Security Policy, enforced (no bypass)
# ------------------------------------------------------------------------------


def test_no_csp_violations_on_login_and_signed_in_pages(browser, enclave_server):
    context = new_context(browser, enclave_server)  # the app's CSP is enforced
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    console_errors = collect_console_errors(page)

    def expect_no_csp_violations() -> None:
        page.wait_for_load_state("load")
        # Let queued violation reports (tasks) be delivered before reading them.
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")
        blocked = csp_violations(page) + [e for e in console_errors if "Content Security" in e]
        assert blocked == [], f"CSP violations on {page.url}:\n" + "\n".join(blocked)
        # axe itself sets inline styles while it measures: only the page's own errors count.
        axe_check(page, csp_enforced=True)
        console_errors.clear()

    try:
        page.goto("/accounts/login/")
        expect_login_page(page)
        expect_no_csp_violations()

        page.get_by_label("Email").fill("nz@demo.enclave.test")
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect_home(page)
        expect_no_csp_violations()

        page.goto("/membership/")  # a focal point: redirected to their own jurisdiction
        expect(page.get_by_role("heading", name="New Zealand", level=1)).to_be_visible()
        expect_no_csp_violations()
    finally:
        context.close()
