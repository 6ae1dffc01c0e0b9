"""The account settings' "API tokens" page in a real browser, on a laptop and on a phone.

An EU official (brussels@) opens "API tokens" from the account settings' navigation (marked as
the current page there), makes a token that may read and write, and sees it once: a highlighted
card holds the whole token in a read-only field, `enclave_<key>.<secret>`, and the list shows
the token by its key alone, in use. A reload no longer shows it. Revoking it (the button named
after the token) leaves it in the list as "Revoked on …", with nothing left to revoke.

Every page is checked with axe-core and must not scroll sideways. Each run's token has a name
of its own, so reruns and the other tests on the shared server do not collide.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from .support import OpenAs, confirm_password, unique
from .test_factsheets import check_layout, expect_status_message, main, visit

pytestmark = pytest.mark.e2e

PAGE = "/profile/tokens/"
PAGE_URL = re.compile(r"/profile/tokens/$")
# enclave_ + a 12-hex key + . + a 256-bit secret in URL-safe base64 (accounts/api_tokens.py).
WHOLE_TOKEN = re.compile(r"^enclave_([0-9a-f]{12})\.[A-Za-z0-9_-]{43}$")
COPY_LABEL = "Copy this token now: it will not be shown again"


def settings_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Account settings")


def token_row(page: Page, name: str) -> Locator:
    """The list's row of the token named `name` (a row on a laptop, a card on a phone)."""
    tokens = main(page).get_by_role("region", name="Your tokens")
    return tokens.locator("tr[data-token]").filter(has_text=name)


def expect_the_list_fits(page: Page, phone: bool) -> None:
    """On a laptop every column shows without scrolling the list sideways (on a phone each
    token is a card of its own)."""
    if not phone:
        tokens = main(page).get_by_role("region", name="Your tokens")
        assert not tokens.evaluate("(list) => list.scrollWidth > list.clientWidth + 1")


def new_token_form(page: Page) -> Locator:
    create = page.get_by_role("button", name="Create the token", exact=True)
    return main(page).locator("form").filter(has=create)


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_an_official_makes_a_token_sees_it_once_and_revokes_it(open_fresh: OpenAs, phone: bool):
    page = open_fresh("brussels", phone=phone)  # signed in now: the password is asked again
    name = unique("Intranet sync")

    # From the account settings, where "API tokens" follows "Sessions".
    visit(page, "/profile/")
    links = settings_nav(page).get_by_role("link")
    expect(links.nth(2)).to_have_text("Sessions")
    expect(links.nth(3)).to_have_text("API tokens")
    links.nth(3).click()
    expect(page).to_have_url(PAGE_URL)
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    expect(settings_nav(page).get_by_role("link", name="API tokens")).to_have_attribute(
        "aria-current", "page"
    )
    expect(main(page).get_by_role("link", name="the API documentation")).to_have_attribute(
        "href", "/api/docs/"
    )
    expect(main(page).locator("[data-new-token]")).to_have_count(0)
    check_layout(page)

    # A new token that may read and write, for the 90 days offered.
    form = new_token_form(page)
    expect(form.get_by_role("radio", name="Read", exact=True)).to_be_checked()
    expect(form.get_by_label("Expires on")).to_have_value(re.compile(r"^\d{4}-\d{2}-\d{2}$"))
    form.get_by_label("Name").fill(name)
    form.get_by_role("radio", name="Read and write").check()
    # Making a token asks for the password again; allauth then sends the form on.
    form.get_by_role("button", name="Create the token", exact=True).click()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        confirm_password(page)
    assert posted.value.status == 302, posted.value.status  # then the page, once
    expect(page).to_have_url(PAGE_URL)
    expect_status_message(page, f"Your token “{name}” is made.")

    # Shown once, whole, in a read-only field of the highlighted card.
    card = main(page).get_by_role("region", name=f"Your new token “{name}”")
    expect(card).to_be_visible()
    copy = card.get_by_label(COPY_LABEL)
    expect(copy).to_have_value(WHOLE_TOKEN)
    expect(copy).to_have_attribute("readonly", "")
    expect(copy).to_have_attribute("data-new-token", "")
    token = copy.input_value()
    key = WHOLE_TOKEN.match(token)[1]
    # The whole token fits the field's box (it may scroll inside it, never the page).
    box = copy.bounding_box()
    assert box and box["width"] >= 250, box
    # The list names it by its key only.
    row = token_row(page, name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"enclave_{key}…")
    expect(row).to_contain_text("Read and write")
    expect(row).to_contain_text("Never")
    expect(row).to_contain_text("In use")
    expect(main(page).locator("tr[data-token]").filter(has_text=token)).to_have_count(0)
    expect_the_list_fits(page, phone)
    check_layout(page)

    # A reload no longer shows it.
    page.reload()
    expect(page).to_have_url(PAGE_URL)
    expect(token_row(page, name)).to_contain_text("In use")
    expect(main(page).locator("[data-new-token]")).to_have_count(0)
    expect(main(page).get_by_label(COPY_LABEL)).to_have_count(0)
    assert token not in page.content()

    # Revoked: still listed, revoked, with nothing left to revoke.
    row = token_row(page, name)
    row.get_by_role("button", name=f"Revoke “{name}”", exact=True).click()
    expect(page).to_have_url(PAGE_URL)
    expect_status_message(page, f"The token “{name}” is revoked: it no longer works.")
    row = token_row(page, name)
    expect(row).to_contain_text(re.compile(r"Revoked on \d"))
    expect(row).not_to_contain_text("In use")
    expect(row.get_by_role("button")).to_have_count(0)
    expect_the_list_fits(page, phone)
    check_layout(page)
