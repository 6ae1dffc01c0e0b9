"""Access reviews in a real browser: the EU's focal point finds the official whose access is due
on the review page (reached from the header), with his last sign-in and dialogues, on a phone
and on a laptop, and confirms it; the Secretariat sees the dormant account and the membership
page's counts. axe-core on every page; no page scrolls sideways.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .support import axe_check, goto

pytestmark = pytest.mark.e2e

DUE = "Pieter Janssens"  # demo/accounts.py: due for review in 12 days, sponsored by eu@
DORMANT = "Haruto Sato"  # no sign-in for 120 days; Japan has no focal point: the Secretariat


def fits_the_width(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def review_row(page: Page, name: str):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def test_a_focal_point_confirms_an_official_on_the_review_page(open_as):
    # At phone width first: the row reads as a stacked card, the action at hand.
    phone = open_as("eu", phone=True)
    goto(phone, "/")
    phone.locator(".site-menu summary").click()
    menu = phone.get_by_role("navigation", name="Menu", exact=True)
    menu.get_by_role("link", name="Access reviews").click()
    expect(phone.get_by_role("heading", name="Access reviews", level=1)).to_be_visible()
    axe_check(phone)
    fits_the_width(phone)
    row = review_row(phone, DUE)
    expect(row).to_contain_text("Due")
    expect(row).to_contain_text("Never")  # last sign-in
    expect(row.get_by_role("link", name="Offsets and carbon removals")).to_be_visible()
    expect(row.get_by_role("button", name=f"Confirm the access of {DUE}")).to_be_visible()
    # End asks a reason, with what it does, before anything happens.
    row.get_by_text("End…").click()
    expect(row.get_by_label(f"Reason for ending the access of {DUE}")).to_be_visible()
    expect(row).to_contain_text("deactivated at once")
    axe_check(phone)
    fits_the_width(phone)

    # On a laptop: confirm.
    laptop = open_as("eu")
    goto(laptop, "/")
    laptop.get_by_role("navigation", name="Primary").get_by_role(
        "link", name="Access reviews"
    ).click()
    row = review_row(laptop, DUE)
    row.get_by_role("button", name=f"Confirm the access of {DUE}").click()
    expect(
        laptop.locator(".messages .message").filter(has_text=f"Access of {DUE} confirmed")
    ).to_be_visible()
    expect(review_row(laptop, DUE)).to_have_count(0)
    expect(laptop.get_by_text("Nobody you sponsor is due for review")).to_be_visible()
    axe_check(laptop)
    fits_the_width(laptop)


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_the_secretariat_sees_the_dormant_account_and_the_counts(open_as, phone):
    page = open_as("secretariat", phone=phone)
    goto(page, "/membership/")
    fits_the_width(page)
    japan = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Japan"))
    expect(japan.locator("td[data-label='Dormant']")).to_have_text("1")
    page.get_by_role("main").get_by_role("link", name="Access reviews").click()
    expect(page.get_by_role("heading", name="Access reviews", level=1)).to_be_visible()
    expect(review_row(page, DORMANT)).to_contain_text("Dormant")
    axe_check(page)
    fits_the_width(page)
