"""Announcements in a real browser: the Secretariat posts one to chosen jurisdictions, a member
of one of them finds it at the top of the dashboard and marks it read, an official of another
jurisdiction never sees it.

The Secretariat first forgets to tick a jurisdiction and is told so on the form; then posts to
the European Union only. Pieter Janssens (brussels@, an EU official) sees it on his dashboard,
on a laptop and on a 390 px phone, marks it read there (HTMX swaps the entry for a note), and
it is gone from the dashboard but still in the list. Daniel Ortiz (california@) finds it nowhere
and its page is "Page not found". Finally the Secretariat withdraws it (after a confirmation),
which leaves the shared demo world as it was. Every page is checked with axe-core; on the phone,
no page scrolls sideways.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from .support import OpenAs, axe_check, expect_not_found, goto, unique

pytestmark = pytest.mark.e2e

LIST_URL = "/announcements/"
DETAIL_URL = re.compile(r"/announcements/(\d+)/$")
PAGE_SCROLLS_SIDEWAYS = (
    "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
)


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def check_layout(page: Page) -> None:
    """axe-core, and no sideways scrolling of the page itself."""
    axe_check(page)
    assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS), page.url


def expect_status_message(page: Page, text: str) -> None:
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def dashboard_announcements(page: Page) -> Locator:
    return main(page).get_by_role("region", name="Announcements")


def test_an_announcement_to_chosen_jurisdictions(open_as: OpenAs):
    title = unique("Registry workshop for EU officials")
    body = "The registry team walks through the **new transfer rules** on Thursday."

    # --- 1. The Secretariat writes it: the list, the form, a forgotten jurisdiction ------------
    secretariat = open_as("secretariat")
    goto(secretariat, LIST_URL)
    main(secretariat).get_by_role("link", name="New announcement").click()
    heading = main(secretariat).get_by_role("heading", name="New announcement", level=1)
    expect(heading).to_be_visible()
    axe_check(secretariat)
    form_url = secretariat.url

    secretariat_phone = open_as("secretariat", phone=True)
    secretariat_phone.goto(form_url)
    expect(secretariat_phone.get_by_label("Title", exact=True)).to_be_visible()
    check_layout(secretariat_phone)  # the form, on a phone

    form = main(secretariat).locator("form")
    form.get_by_label("Title", exact=True).fill(title)
    audience = form.get_by_role("group", name="Who may read it")
    audience.get_by_label("Chosen jurisdictions").check()
    form.get_by_label("Announcement", exact=True).fill(body)
    form.get_by_role("button", name="Post the announcement").click()
    expect(main(secretariat)).to_contain_text("Choose at least one jurisdiction.")
    axe_check(secretariat)  # the form with its error

    form = main(secretariat).locator("form")
    expect(form.get_by_label("Title", exact=True)).to_have_value(title)
    form.get_by_role("group", name="Jurisdictions").get_by_label(
        "European Union", exact=True
    ).check()
    form.get_by_role("button", name="Post the announcement").click()
    expect(secretariat).to_have_url(DETAIL_URL)
    detail_url = secretariat.url
    expect_status_message(secretariat, "The announcement is posted; its readers are notified.")
    expect(main(secretariat).get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(main(secretariat).locator(".prose strong")).to_have_text("new transfer rules")
    # Those who post announcements see which jurisdictions it went to.
    expect(main(secretariat)).to_contain_text("Chosen jurisdictions: European Union")
    axe_check(secretariat)  # the announcement's page

    # --- 2. An EU official finds it at the top of his dashboard, laptop and phone ------------
    brussels = open_as("brussels")
    goto(brussels, "/")
    entry = dashboard_announcements(brussels).get_by_role("listitem").filter(has_text=title)
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("The registry team walks through the new transfer rules")
    expect(entry.locator(".badge")).to_have_text("Chosen jurisdictions")

    brussels_phone = open_as("brussels", phone=True)
    brussels_phone.goto("/")
    expect(
        dashboard_announcements(brussels_phone).get_by_role("listitem").filter(has_text=title)
    ).to_be_visible()
    check_layout(brussels_phone)  # the dashboard with its announcements, on a phone

    # ... and marks it read: HTMX swaps the entry for a note, the page stays where it is.
    entry.get_by_role("button", name=f"Mark as read {title}").click()
    expect(dashboard_announcements(brussels)).to_contain_text(f"“{title}” is marked as read.")
    expect(brussels).to_have_url(re.compile(r"/$"))
    axe_check(brussels)  # the dashboard after the swap
    brussels.reload()
    expect(main(brussels)).not_to_contain_text(title)

    # Still in the list, read now; its page opens on the phone too.
    goto(brussels, LIST_URL)
    listed = main(brussels).get_by_role("listitem").filter(has_text=title)
    expect(listed).to_be_visible()
    expect(listed.locator(".badge--unread")).to_have_count(0)
    brussels_phone.goto(detail_url)
    expect(main(brussels_phone).get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(main(brussels_phone)).not_to_contain_text("European Union")  # for the authors only
    expect(main(brussels_phone).get_by_role("link", name="Edit")).to_have_count(0)
    check_layout(brussels_phone)
    brussels_phone.goto(LIST_URL)
    check_layout(brussels_phone)  # the list, on a phone

    # --- 3. An official of another jurisdiction never sees it --------------------------------
    california = open_as("california")
    california.goto("/")
    expect(main(california).get_by_role("heading", name="My dialogues", level=1)).to_be_visible()
    expect(main(california)).not_to_contain_text(title)
    goto(california, LIST_URL)
    expect(main(california)).not_to_contain_text(title)
    expect_not_found(california, detail_url, title)

    # --- 4. The Secretariat withdraws it, after a confirmation -------------------------------
    secretariat.goto(detail_url)
    main(secretariat).get_by_role("link", name="Withdraw").click()
    expect(
        main(secretariat).get_by_role("heading", name="Withdraw the announcement?", level=1)
    ).to_be_visible()
    axe_check(secretariat)  # the confirmation
    main(secretariat).get_by_role("button", name="Withdraw the announcement").click()
    expect(secretariat).to_have_url(re.compile(rf"{LIST_URL}$"))
    expect_status_message(secretariat, "The announcement is withdrawn")
    expect(main(secretariat)).not_to_contain_text(title)
    expect_not_found(brussels, detail_url, title)
