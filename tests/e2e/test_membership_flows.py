"""Membership forms that guide, in a real browser: a newcomer accepts an invitation (email
prefilled and locked, the exact expiry, one banner), the Co-Chair's invite form offers only the
roles that fit, and a jurisdiction's status change is confirmed with its consequences and a
reason. On a laptop and at phone width; axe-core on every page.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from .support import (
    PHONE_CONTEXT,
    axe_check,
    confirm_password,
    goto,
    new_context,
    read_latest_email,
    unique,
)

pytestmark = pytest.mark.e2e

INVITATION_LINK = re.compile(r"https?://[^\s]+/invitations/[^/\s]+/")
EXPIRY_IN_EMAIL = re.compile(r"The link expires on (.+?)\. It works only once")
NEW_PASSWORD = "Harbour-lantern-7-quietly"
WIDTHS = pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])


@pytest.fixture
def cochair_at(browser, enclave_server, cochair_state):
    """cochair_at(phone=...) -> a page signed in as the Co-Chair (the session's shared sign-in),
    on a laptop or a 390 px wide phone."""
    contexts = []

    def _open(*, phone: bool) -> Page:
        options = PHONE_CONTEXT if phone else {}
        context = new_context(
            browser, enclave_server, bypass_csp=True, storage_state=cochair_state, **options
        )
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


def banners(page: Page):
    return page.locator(".messages .message")


def role_options(page: Page) -> list[str]:
    form = page.locator("form", has=page.get_by_role("button", name="Send invitation"))
    return [o.strip() for o in form.get_by_label("Role").locator("option").all_inner_texts()]


@WIDTHS
def test_newcomer_accepts_an_invitation_with_the_email_locked(
    browser, enclave_server, cochair_at, phone
):
    email = f"newcomer-{secrets.token_hex(4)}@example.test"
    cochair = cochair_at(phone=phone)
    goto(cochair, "/membership/j/ca-qc/")
    expect(cochair.get_by_text("expires after 14 days")).to_be_visible()
    form = cochair.locator("form", has=cochair.get_by_role("button", name="Send invitation"))
    form.get_by_label("Email").fill(email)
    form.get_by_label("Role").select_option(label="Official")
    form.get_by_role("button", name="Send invitation").click()
    expect(banners(cochair).filter(has_text=f"Invitation sent to {email}.")).to_be_visible()
    axe_check(cochair)
    mail = read_latest_email(enclave_server.mail_dir, email)
    link = INVITATION_LINK.search(mail.body).group(0)
    said_in_email = EXPIRY_IN_EMAIL.search(" ".join(mail.body.split())).group(1)

    context = new_context(
        browser, enclave_server, bypass_csp=True, **(PHONE_CONTEXT if phone else {})
    )
    try:
        page = context.new_page()
        goto(page, link)
        field = page.get_by_label("Email")
        expect(field).to_have_value(email)
        expect(field).not_to_be_editable()
        expect(page.get_by_text(f"This invitation is for {email}")).to_be_visible()
        # The exact expiry, the same words as the email's, the zone named.
        expiry = page.locator("#invitation-expiry time")
        expect(expiry).to_have_text(said_in_email)
        assert re.search(r"\d{1,2} \w+ \d{4}, \d{2}:\d{2} \w+", said_in_email), said_in_email
        page.get_by_label("Full name").fill("Élodie Gagnon")
        page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Password (again)").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Create my account").click()
        expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
        # One event, one banner.
        expect(banners(page)).to_have_count(1)
        expect(banners(page)).to_contain_text("Welcome to Enclave, Élodie")
        axe_check(page)
    finally:
        context.close()


@WIDTHS
def test_cochair_invite_form_offers_only_the_roles_that_fit(cochair_at, phone):
    page = cochair_at(phone=phone)
    goto(page, "/membership/j/ca-qc/")
    assert role_options(page) == ["Official", "Focal point", "Co-Chair"]
    # An observer has no Co-Chair.
    goto(page, "/membership/j/cl/")
    assert role_options(page) == ["Official", "Focal point"]
    # Secretariat staff are invited from the membership page, for no jurisdiction.
    goto(page, "/membership/")
    page.get_by_role("link", name="Invite Secretariat staff").click()
    expect(page.get_by_role("heading", name="Invite Secretariat staff", level=1)).to_be_visible()
    axe_check(page)
    assert role_options(page) == ["Secretariat staff"]


def change_status(page: Page, code: str, label: str, reason: str) -> None:
    """From the jurisdiction's page: choose `label`, read the consequences, confirm."""
    goto(page, f"/membership/j/{code}/")
    page.get_by_label("New status").select_option(label=label)
    page.get_by_role("button", name="Change status…").click()
    expect(page.get_by_role("heading", name=f"What changing to “{label}” does")).to_be_visible()
    axe_check(page)
    if reason:
        page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name=f"Change to “{label}”").click()
    expect(banners(page).filter(has_text=f"is now: {label}.")).to_be_visible()
    axe_check(page)


@WIDTHS
def test_status_change_is_confirmed_with_its_consequences_and_reason(open_fresh, phone):
    page = open_fresh("cochair", phone=phone)  # signed in now: the change asks for the password
    reason = unique("Asked to observe for a year")
    try:
        # Cancel changes nothing.
        goto(page, "/membership/j/kr/")
        page.get_by_label("New status").select_option(label="Former")
        page.get_by_role("button", name="Change status…").click()
        consequences = page.get_by_role("region", name="What changing to “Former” does")
        expect(consequences).to_contain_text("1 official is signed out everywhere")
        axe_check(page)
        page.get_by_role("link", name="Cancel").click()
        expect(page.get_by_role("heading", name="Republic of Korea", level=1)).to_contain_text(
            "Full member"
        )

        goto(page, "/membership/j/kr/")
        page.get_by_label("New status").select_option(label="Observer")
        page.get_by_role("button", name="Change status…").click()
        consequences = page.get_by_role("region", name="What changing to “Observer” does")
        expect(consequences).to_contain_text("1 official sees only what is shared with observers")
        axe_check(page)
        page.get_by_label("Reason").fill(reason)
        page.get_by_role("button", name="Change to “Observer”").click()
        confirm_password(page)  # a sensitive change; allauth then sends it on
        expect(banners(page).filter(has_text="Republic of Korea is now: Observer.")).to_be_visible()
        axe_check(page)

        goto(page, "/audit/?action=jurisdiction_status")
        row = page.get_by_role("row").filter(has_text=reason)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Full member → Observer")
    finally:
        # Shared state: Korea is a full member again, whatever happened above.
        goto(page, "/membership/j/kr/")
        if page.get_by_label("New status").locator("option", has_text="Full member").count():
            change_status(page, "kr", "Full member", "")
    expect(page.get_by_role("heading", name="Republic of Korea", level=1)).to_contain_text(
        "Full member"
    )
