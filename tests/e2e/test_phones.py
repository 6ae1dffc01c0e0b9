"""Phones: every data table reads as stacked cards at 390 px; the profile's time-zone picker.

Every page visited is checked with axe-core (WCAG 2.2 AA + best practice).
"""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from playwright.sync_api import Page, expect

from .support import PHONE_CONTEXT, EnclaveServer, OpenAs, axe_check, goto, new_context

pytestmark = pytest.mark.e2e

SLUG = "offsets"
PROFILE = "/profile/"

# (who, page, a column's name that each card shows as a label)
TABLE_PAGES = [
    ("eu", f"/w/{SLUG}/", "Last post"),  # threads
    ("eu", f"/w/{SLUG}/documents/", "Shared by"),
    ("eu", f"/w/{SLUG}/roster/", "Role"),
    ("eu", f"/w/{SLUG}/sessions/", "Status"),
    ("secretariat", "/w/", "Observers"),
    ("eu", "/accounts/sessions/", "This session"),
    ("eu", "/membership/j/eu/", "Account"),
    ("secretariat", "/membership/", "Active officials"),
    ("secretariat", "/audit/", "IP address"),
]

# For each stacked table in <main>: the cells of its first rows that leave the viewport, and
# whether the page or the table's own box scrolls sideways.
LAYOUT_PROBLEMS = """
() => {
  const problems = [];
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page is ${document.documentElement.scrollWidth}px wide in ${width}px`);
  }
  const tables = document.querySelectorAll("main table.table--stack");
  if (!tables.length) problems.push("no stacked table");
  tables.forEach((table, t) => {
    const box = table.closest(".table-wrap");
    if (box && box.scrollWidth > box.clientWidth) {
      problems.push(`table ${t} scrolls sideways in its box`);
    }
    [...table.tBodies[0].rows].slice(0, 5).forEach((row, r) => {
      [...row.cells].forEach((cell, c) => {
        const rect = cell.getBoundingClientRect();
        if (rect.width && (rect.left < 0 || rect.right > width + 0.5)) {
          problems.push(`table ${t} row ${r} cell ${c}: ${rect.left}..${rect.right}`);
        }
      });
    });
  });
  return problems;
}
"""


def cell_label(page: Page, column: str) -> str:
    """The label the stacked layout shows before the first cell of `column` (CSS ::before)."""
    cell = page.locator(f'main table.table--stack td[data-label="{column}"]').first
    expect(cell).to_be_visible()
    return cell.evaluate("(td) => getComputedStyle(td, '::before').content")


@pytest.mark.parametrize(("handle", "url", "column"), TABLE_PAGES)
def test_tables_read_as_cards_on_a_phone(open_as: OpenAs, handle: str, url: str, column: str):
    laptop = open_as(handle)  # signs in (once per module) where the account menu is open
    phone = open_as(handle, phone=True)
    goto(phone, url)
    assert phone.evaluate(LAYOUT_PROBLEMS) == []
    assert cell_label(phone, column) == f'"{column}"'
    # A later column's text is on screen, not cut off to the right.
    cell = phone.locator(f'main table.table--stack td[data-label="{column}"]').first
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390.5

    # On a laptop the same markup is an ordinary table with its column headers.
    goto(laptop, url)
    table = laptop.locator("main table.table--stack").first
    assert table.evaluate("(t) => getComputedStyle(t).display") == "table"
    expect(table.get_by_role("columnheader", name=column)).to_be_visible()
    assert cell_label(laptop, column) == "none"


def test_document_versions_read_as_cards_on_a_phone(open_as: OpenAs):
    open_as("eu")  # signs in where the account menu is open
    phone = open_as("eu", phone=True)
    goto(phone, f"/w/{SLUG}/documents/")
    phone.get_by_role("main").locator("a.document-link").first.click()
    expect(phone).to_have_url(re.compile(rf"/w/{SLUG}/documents/\d+/$"))
    axe_check(phone)
    assert phone.evaluate(LAYOUT_PROBLEMS) == []
    assert cell_label(phone, "SHA-256") == '"SHA-256"'
    expect(phone.locator("main table.table--stack").get_by_role("link", name="Download").first)


# ------------------------------------------------------------------------------
# Time zones
# ------------------------------------------------------------------------------


def first_thread_time(page: Page) -> tuple[datetime.datetime, str]:
    """The instant and the text of the first thread's "Last post" time."""
    goto(page, f"/w/{SLUG}/")
    time = page.locator("main table.table--threads time").first
    expect(time).to_be_visible()
    moment = datetime.datetime.strptime(time.get_attribute("datetime"), "%Y-%m-%dT%H:%M:%S%z")
    return moment, time.inner_text()


def shown_in(moment: datetime.datetime, zone: str) -> str:
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    return f"{local.day} {local:%b %Y, %H:%M}"


def save_profile(page: Page) -> None:
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()


def test_time_zone_is_found_by_city_and_moves_the_times(
    open_as: OpenAs, browser, enclave_server: EnclaveServer, signed_in_states: dict
):
    laptop = open_as("california")
    try:
        moment, before = first_thread_time(laptop)
        assert before == shown_in(moment, "Europe/Berlin")

        # Laptop: the filter narrows the long list to the city typed.
        goto(laptop, PROFILE)
        select = laptop.get_by_label("Time zone")
        expect(select).to_have_value("Europe/Berlin")
        expect(select.locator("optgroup").first).to_have_attribute("label", "Your current zone")
        laptop.get_by_label("Find your city").fill("kolkata")
        expect(select).to_have_value("Asia/Kolkata")
        expect(laptop.locator("#zone-filter-status")).to_have_text(
            "Matching time zones: 1. The first is selected."
        )
        expect(select.locator("option:checked")).to_have_text("Kolkata (UTC+05:30)")
        axe_check(laptop)
        save_profile(laptop)
        moment, after = first_thread_time(laptop)
        assert after == shown_in(moment, "Asia/Kolkata") and after != before

        # Phone: the device reports its zone (by an older name, as Chromium does); one tap.
        context = new_context(
            browser,
            enclave_server,
            bypass_csp=True,
            storage_state=signed_in_states["california"],
            timezone_id="America/Argentina/Buenos_Aires",
            **PHONE_CONTEXT,
        )
        phone = context.new_page()
        goto(phone, PROFILE)
        assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")
        expect(phone.get_by_label("Time zone")).to_have_value("Asia/Kolkata")
        use = phone.get_by_role("button", name=re.compile("Use this device’s zone"))
        expect(use).to_have_text("Use this device’s zone: Buenos Aires, Argentina (UTC-03:00)")
        use.click()
        expect(phone.get_by_label("Time zone")).to_have_value("America/Argentina/Buenos_Aires")
        expect(use).to_be_hidden()
        save_profile(phone)
        moment, shown = first_thread_time(phone)
        assert shown == shown_in(moment, "America/Argentina/Buenos_Aires")
        context.close()
    finally:
        # Without JavaScript the plain select works too; it puts the zone back for other tests.
        context = new_context(
            browser,
            enclave_server,
            bypass_csp=True,
            storage_state=signed_in_states["california"],
            java_script_enabled=False,
        )
        page = context.new_page()
        page.goto(PROFILE)  # (axe-core needs JavaScript: the pages above were checked)
        expect(page.get_by_label("Find your city")).to_be_hidden()
        page.get_by_label("Time zone").select_option("Europe/Berlin")
        save_profile(page)
        expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
        context.close()
