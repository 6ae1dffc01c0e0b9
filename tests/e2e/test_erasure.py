"""Erasure that keeps the record, in a real browser, on a laptop and on a phone.

The Secretariat invites a newcomer to Québec's delegation; the newcomer accepts, sets a password
and replies in a market stability thread, signing with their name. Then the Secretariat
deactivates them on the jurisdiction's page, follows "Erase…", reads what erasure changes (the
counts of what they wrote), types a wrong email address (refused beside the field, nothing
changes), then the right one, leaves "Also remove what they wrote" unchecked, confirms the
password and lands on the jurisdiction's page, where the row shows "Former official N", "Erased"
and no email address. The thread keeps the reply under that label, with the name gone from its
text; the search for the name finds nothing; the newcomer's email and password no longer sign
anyone in.

The demo officials are shared by every browser test: this test erases only the official it
invited. Every page of the Secretariat's is checked with axe-core and must not scroll sideways.
"""

from __future__ import annotations

import re
import secrets
import string

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .support import (
    PHONE_CONTEXT,
    EnclaveServer,
    OpenAs,
    confirm_password,
    login,
    new_context,
    read_latest_email,
)
from .test_factsheets import check_layout, main

pytestmark = pytest.mark.e2e

JURISDICTION = "/membership/j/ca-qc/"
DIALOGUE = "/w/market-stability/"
THREAD = "Auction reserve prices and the treatment of unsold allowances"
INVITATION_LINK = re.compile(r"https?://[^\s]+/invitations/[^/\s]+/")
NEW_PASSWORD = "Harbour-lantern-7-quietly"
LOGIN_ERROR = re.compile(r"email address and/or password you specified are not correct", re.I)
ERASED = re.compile(r"The official is erased\. Enclave shows them as “(Former official \d+)”")
POST_URL = re.compile(r"/w/market-stability/t/\d+/\?page=\d+#post-(\d+)$")


def random_letters(length: int = 10) -> str:
    """Letters only, so that every search backend sees one word no other text contains."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(length))


def banners(page: Page) -> Locator:
    return page.locator(".messages .message")


def official_row(page: Page, name: str) -> Locator:
    """The row of the officials' table whose name cell is `name` (stacked on a phone, so found by
    its cells rather than by table roles)."""
    return (
        main(page)
        .locator("tbody tr")
        .filter(has=page.locator("th", has_text=re.compile(rf"^\s*{re.escape(name)}\s*$")))
    )


def visit(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    check_layout(page)


def invite_newcomer(secretariat: Page, server: EnclaveServer, email: str) -> str:
    """The Secretariat invites `email` as an official of Québec; returns the invitation link."""
    visit(secretariat, JURISDICTION)
    form = main(secretariat).locator(
        "form", has=secretariat.get_by_role("button", name="Send invitation")
    )
    form.get_by_label("Email").fill(email)
    form.get_by_label("Role").select_option(label="Official")
    form.get_by_role("button", name="Send invitation").click()
    expect(banners(secretariat).filter(has_text=f"Invitation sent to {email}.")).to_be_visible()
    mail = read_latest_email(server.mail_dir, email)
    return INVITATION_LINK.search(mail.body).group(0)


def newcomer_replies(page: Page, link: str, name: str, text: str) -> tuple[str, str]:
    """The newcomer accepts the invitation and replies at the bottom of THREAD; returns the
    thread page's URL and the reply's id."""
    page.goto(link)
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(re.compile(r"^https?://[^/]+/$"))
    account = page.get_by_role("navigation", name="Your account", include_hidden=True)
    expect(account).to_contain_text(name)

    page.goto(DIALOGUE)
    main(page).get_by_role("link", name=THREAD, exact=True).click()
    expect(page.get_by_role("heading", name=THREAD, level=1)).to_be_visible()
    composer = main(page).locator("section#reply")
    composer.get_by_label("Your reply").fill(text)
    composer.get_by_role("button", name="Post reply").click()
    expect(page).to_have_url(POST_URL)
    post_id = POST_URL.search(page.url).group(1)
    expect(page.locator(f"article#post-{post_id}")).to_contain_text(name)
    return page.url.split("#", 1)[0], post_id


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_the_secretariat_erases_a_departed_official(
    browser: Browser, enclave_server: EnclaveServer, open_fresh: OpenAs, open_as: OpenAs, phone
):
    surname = random_letters().capitalize()
    name = f"Maëlle {surname}"
    email = f"departing-{random_letters(8)}@example.test"
    marker = random_letters()
    text = (
        f"{name} here, new to Québec's delegation. We would welcome the comparison of reserve "
        f"prices before the session; our note on unsold allowances ({marker}) follows."
    )
    options = PHONE_CONTEXT if phone else {}

    # Signed in now: the erasure asks for the password again.
    secretariat = open_fresh("secretariat", phone=phone)
    link = invite_newcomer(secretariat, enclave_server, email)

    newcomer_context = new_context(browser, enclave_server, bypass_csp=True, **options)
    try:
        newcomer = newcomer_context.new_page()
        thread_url, post_id = newcomer_replies(newcomer, link, name, text)
    finally:
        newcomer_context.close()

    # Before: the search finds the reply by the name written in it (so that "after" means
    # something).
    visit(secretariat, f"/search/?q={name}")
    hits = main(secretariat).locator("ol.search-results li.search-result")
    expect(hits.filter(has_text=f"Post by {name}, Québec in")).to_have_count(1)

    # --- 1. Deactivated, then erased from the jurisdiction's page --------------------------------
    visit(secretariat, JURISDICTION)
    row = official_row(secretariat, name)
    expect(row).to_contain_text(email)
    row.get_by_label(f"Reason for deactivating {name}").fill("Left the delegation")
    row.get_by_role("button", name=f"Deactivate {name}").click()
    expect(
        banners(secretariat).filter(has_text=f"{name} is deactivated and signed out everywhere.")
    ).to_be_visible()
    expect(row).to_contain_text("Deactivated")
    check_layout(secretariat)
    row.get_by_role("link", name=f"Erase… {name}").click()

    erase_url = secretariat.url
    expect(secretariat.get_by_role("heading", name=f"Erase {name}", level=1)).to_be_visible()
    changes = main(secretariat).get_by_role("region", name="What erasure changes")
    expect(changes).to_contain_text(f"Their name ({name}), email address ({email})")
    expect(changes).to_contain_text("(0 sessions open)")  # deactivation signed them out
    expect(changes.locator("li")).to_contain_text(
        ["1 post", "0 chat messages", "0 comments on minutes"]
    )
    check_layout(secretariat)

    # A wrong address: refused beside the field, no password asked, nothing changed.
    confirm = secretariat.get_by_label("Type the official's email address to confirm")
    remove = secretariat.get_by_label("Also remove what they wrote")
    confirm.fill(f"someone-else-{random_letters(6)}@example.test")
    secretariat.get_by_role("button", name="Erase this official").click()
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(confirm).to_have_accessible_description(
        re.compile(r"This is not the official's email address\.")
    )
    expect(secretariat).to_have_url(erase_url)
    expect(secretariat.get_by_role("heading", name=f"Erase {name}", level=1)).to_be_visible()
    expect(changes).to_contain_text(f"email address ({email})")
    check_layout(secretariat)

    # The right one, their words kept: the password, then back on the jurisdiction's page.
    confirm.fill(email)
    expect(remove).not_to_be_checked()
    secretariat.get_by_role("button", name="Erase this official").click()
    confirm_password(secretariat)
    expect(secretariat).to_have_url(re.compile(re.escape(JURISDICTION) + r"$"))
    message = banners(secretariat).filter(has_text=ERASED)
    expect(message).to_be_visible()
    label = ERASED.search(message.inner_text()).group(1)
    row = official_row(secretariat, label)
    expect(row).to_contain_text("Erased")
    expect(row).not_to_contain_text("@")
    expect(row.get_by_role("link", name=re.compile(r"^Erase"))).to_have_count(0)
    expect(main(secretariat)).not_to_contain_text(name)
    expect(main(secretariat)).not_to_contain_text(email)
    check_layout(secretariat)

    # --- 2. The record stays under the label; the name is nowhere -------------------------------
    readers = [secretariat, open_as("quebec", phone=phone)]
    for reader in readers:
        visit(reader, thread_url)
        reply = reader.locator(f"article#post-{post_id}")
        expect(reply.locator(".post__author")).to_have_text(label)
        expect(reply).to_contain_text(f"{label} here, new to Québec's delegation.")
        expect(reply).to_contain_text(marker)
        expect(main(reader)).not_to_contain_text(surname)
        expect(main(reader)).not_to_contain_text(email)

    visit(secretariat, f"/search/?q={name}")
    expect(main(secretariat).get_by_role("status")).to_have_text(f"0 results for “{name}”")
    expect(main(secretariat).locator("li.search-result")).to_have_count(0)
    # The reply is still found by its words, under the label.
    visit(secretariat, f"/search/?q={marker}")
    hit = main(secretariat).locator("li.search-result")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text(f"Post by {label}, Québec in Market stability mechanisms")
    expect(hit).not_to_contain_text(surname)

    # --- 3. Their email and password sign nobody in ---------------------------------------------
    signing_in = new_context(browser, enclave_server, bypass_csp=True, **options)
    try:
        page = signing_in.new_page()
        login(page, email, NEW_PASSWORD)
        expect(page).to_have_url(re.compile(r"/accounts/login/"))
        expect(page.get_by_text(LOGIN_ERROR)).to_be_visible()
        expect(page.get_by_role("navigation", name="Your account")).to_have_count(0)
        check_layout(page)
    finally:
        signing_in.close()
