"""Factsheets in a real browser.

- The EU's focal point (eu@) opens Factsheets from the header, finds the draft that Brussels
  submitted (brussels@ first proposes a cap of his own, so the test holds whatever the shared
  server's database already went through), reads the change word by word, approves it, and the
  factsheet shows the new cap.
- An observer (chile@) sees the world map load as an SVG image with the table of countries in
  its card, and the EU's factsheet without "Linking with other systems" (kept from
  observers); the EU's draft is the not-found page to him.
- A full member (nz@) compares the EU and New Zealand side by side, "Linking with other
  systems" included.
- A draft with a start year of 1700 and an ftp:// source is refused with the errors beside the
  fields, and nothing is saved.
- The Secretariat publishes the comparison; the public JSON file is read signed out.

Every page visited is checked with axe-core on a laptop and on a 390 px phone, where no page
scrolls sideways.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Browser, Locator, Page, Response, expect

from .support import (
    EnclaveServer,
    OpenAs,
    axe_check,
    expect_not_found,
    new_context,
    unique,
)

pytestmark = pytest.mark.e2e

LIST = "/factsheets/"
EU = "European Union"
NZ = "New Zealand"
EU_URL = "/factsheets/eu/"
DRAFT_URL = "/factsheets/eu/draft/"
HISTORY_URL = "/factsheets/eu/history/"
VERSION_URL = re.compile(r"/factsheets/eu/versions/(\d+)/$")
PUBLICATIONS_URL = "/factsheets/publications/"
SETTINGS_URL = "/factsheets/settings/"
PUBLISHED_JSON = "/factsheets/published.json"
PUBLISHED_CSV = "/factsheets/published.csv"
MAP_PATH = "/factsheets/map.svg"
FIELD_COUNT = 19  # the fields of a factsheet (partnership/factsheets/schema.py)

BRUSSELS = "Pieter Janssens"  # brussels@, an EU official (not the focal point)
FOCAL_POINT = "Camille Laurent"  # eu@, the EU's focal point
SECRETARIAT = "Lena Hoffmann"
LINKING = "Linked with Switzerland since 2020."  # the EU's "Linking", kept from observers
NZ_LINKING = "No links at present."
LIMITED = "Some fields of this factsheet are shared with full members only."

# The page scrolls sideways (a table may scroll inside its own region, never the page).
PAGE_SCROLLS_SIDEWAYS = (
    "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
)


# ------------------------------------------------------------------------------
# Helpers (open_as and signed_in_states are in conftest.py)
# ------------------------------------------------------------------------------


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def check_layout(page: Page) -> None:
    """axe-core, and no sideways scrolling of the page itself."""
    axe_check(page)
    assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS), (
        page.url,
        page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        ),
    )


def visit(page: Page, url: str) -> Response:
    """Open `url` (answering 200) and check its layout."""
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    check_layout(page)
    return response


def expect_status_message(page: Page, text: str | re.Pattern) -> None:
    """A success message (role=status) with `text`."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def open_factsheets_from_the_header(page: Page) -> None:
    """From the dashboard, the header's "Factsheets" link, in its "Partnership" menu (on a
    phone, inside "Menu")."""
    page.goto("/")
    nav = page.get_by_role("navigation", name="Primary")
    if nav.is_visible():
        nav.get_by_text("Partnership", exact=True).click()  # the header's Partnership menu
    else:
        page.locator(".site-menu summary").click()
        nav = page.get_by_role("navigation", name="Menu", exact=True)
    nav.get_by_role("link", name="Factsheets", exact=True).click()
    expect(
        page.get_by_role("heading", name="Emissions trading factsheets", level=1)
    ).to_be_visible()
    expect(page).to_have_url(re.compile(r"/factsheets/$"))
    current = page.get_by_role("banner").locator('a[aria-current="page"]')
    expect(current.filter(has_text="Factsheets").first).to_be_attached()


def factsheet_value(page: Page, label: str) -> Locator:
    """The value (<dd>) of field `label` on a factsheet page (its <dt>: the label, then the
    field's "history" link)."""
    term = page.locator("dt").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s+history"))
    return main(page).locator(".factsheet__row").filter(has=term).locator("dd")


def factsheet_terms(page: Page) -> Locator:
    return main(page).locator("dl.factsheet dt")


def draft_field(page: Page, label: str) -> Locator:
    """A field of the draft form (every field is optional, and says so)."""
    return main(page).get_by_label(f"{label} (optional)", exact=True)


def version_number(url: str) -> int:
    match = VERSION_URL.search(url.split("?")[0])
    assert match, url
    return int(match[1])


def fresh_cap(current: str) -> str:
    """A new cap (a random figure), whose figure differs from `current`'s first word."""
    while True:
        cap = f"1,{secrets.randbelow(900) + 100} MtCO2e in 2027"
        if cap.split()[0] != (current.split() or [""])[0]:
            return cap


def open_eu_version(brussels: Page) -> int:
    """The number of the EU's open version (draft or submitted), which brussels@ reads; when
    there is none, brussels@ saves a draft (not submitted) first."""
    brussels.goto(EU_URL)
    callout = main(brussels).locator(".callout").filter(has_text=re.compile(r"^\s*Version \d+"))
    if callout.count():
        href = callout.get_by_role("link", name="See what it changes").get_attribute("href")
        return version_number(href or "")
    brussels.goto(DRAFT_URL)
    draft_field(brussels, "What changed").fill(unique("Wording"))
    main(brussels).get_by_role("button", name="Save draft", exact=True).click()
    expect(brussels).to_have_url(VERSION_URL)
    expect_status_message(brussels, "The draft is saved.")
    return version_number(brussels.url)


def record_map(page: Page) -> list[Response]:
    """The responses to the map image, as they come."""
    seen: list[Response] = []

    def on_response(response: Response) -> None:
        if response.url.split("?")[0].endswith(MAP_PATH):
            seen.append(response)

    page.on("response", on_response)
    return seen


def map_card(page: Page) -> Locator:
    return (
        main(page)
        .locator("section")
        .filter(has=page.get_by_role("heading", name="World map", level=2, exact=True))
    )


def the_map_loads(page: Page, responses: list[Response]) -> None:
    """The map, scrolled to (it loads lazily), loads as an SVG image served with 200."""
    image = map_card(page).get_by_role("img", name=re.compile(r"^World map of emissions trading"))
    expect(image).to_have_attribute("src", MAP_PATH)
    image.scroll_into_view_if_needed()
    page.wait_for_function("(img) => img.complete", arg=image.element_handle())
    width = image.evaluate("(img) => img.naturalWidth")
    assert width > 0, f"the map did not load (naturalWidth {width})"
    assert responses, "no response for the map"
    assert all(r.status == 200 for r in responses), [r.status for r in responses]
    assert all(r.headers.get("content-type", "").startswith("image/svg+xml") for r in responses), [
        r.headers.get("content-type") for r in responses
    ]


def country_row(page: Page, country: str) -> Locator:
    table = map_card(page).get_by_role("region", name="Countries on the map")
    return table.locator("tbody tr").filter(
        has=page.get_by_role("rowheader", name=country, exact=True)
    )


def versions_table(page: Page) -> list[str]:
    """The rows of the EU's history (as the reader reads it), in words."""
    page.goto(HISTORY_URL)
    rows = main(page).get_by_role("table").locator("tbody tr")
    expect(rows.first).to_be_visible()
    return [" ".join(text.split()) for text in rows.all_inner_texts()]


# ------------------------------------------------------------------------------
# 1. The focal point reviews a change word by word and approves it
# ------------------------------------------------------------------------------


def test_the_focal_point_reviews_the_change_word_by_word_and_approves_it(open_as: OpenAs):
    # Brussels proposes a cap of his own (editing the open draft, if there is one) and submits
    # it: whatever this server's database went through, a version now awaits eu@.
    brussels = open_as("brussels")
    visit(brussels, EU_URL)
    approved_cap = factsheet_value(brussels, "Cap").inner_text().strip()
    new_cap = fresh_cap(approved_cap)
    note = unique("Cap for 2027")
    main(brussels).get_by_role(
        "link", name=re.compile(r"^(Edit the draft|Propose a change)$")
    ).click()
    expect(brussels).to_have_url(re.compile(rf"{DRAFT_URL}$"))
    check_layout(brussels)  # the draft form, on a laptop
    draft_field(brussels, "Cap").fill(new_cap)
    draft_field(brussels, "What changed").fill(note)
    main(brussels).get_by_role("button", name="Save and submit for approval").click()
    expect(brussels).to_have_url(VERSION_URL)
    number = version_number(brussels.url)
    version_url = f"/factsheets/eu/versions/{number}/"
    expect_status_message(brussels, "The draft is saved and awaits the focal point's approval.")
    expect(main(brussels).get_by_role("heading", level=1)).to_contain_text("Awaiting approval")
    expect(main(brussels)).to_contain_text(f"What changed: {note}")
    check_layout(brussels)  # the submitted version, as its drafter reads it (no decision)
    expect(main(brussels).get_by_role("button", name=re.compile(r"^Approve"))).to_have_count(0)

    brussels_phone = open_as("brussels", phone=True)
    visit(brussels_phone, DRAFT_URL)  # the draft form, on a phone
    visit(brussels_phone, version_url)

    # The focal point finds it from the header, through the list and the EU's factsheet.
    eu = open_as("eu")
    open_factsheets_from_the_header(eu)
    check_layout(eu)  # the list, on a laptop
    eu_row = (
        main(eu)
        .get_by_role("row")
        .filter(has=eu.get_by_role("rowheader", name=re.compile(rf"^{EU}\b")))
    )
    expect(eu_row.locator(".badge")).to_have_text("Draft in progress")
    eu_row.get_by_role("link", name=EU, exact=True).click()
    expect(eu).to_have_url(re.compile(rf"{EU_URL}$"))
    expect(eu.get_by_role("heading", name=f"Factsheet: {EU}", level=1)).to_be_visible()
    callout = main(eu).locator(".callout").filter(has_text="awaits the focal point's approval")
    expect(callout).to_contain_text(
        f"Version {number} awaits the focal point's approval (submitted by {BRUSSELS})."
    )
    expect(factsheet_value(eu, "Cap")).to_have_text(approved_cap)  # not yet the new one
    check_layout(eu)  # the factsheet with its callout, on a laptop
    callout.get_by_role("link", name="Review it").click()
    expect(eu).to_have_url(re.compile(rf"{version_url}$"))

    # What changed, word by word: the old figure struck out, the new one inserted.
    changes = main(eu).locator("table.factsheet-diff")
    expect(changes.locator("thead th")).to_have_text(["Field", "Before", "After"])
    cap = changes.locator("tbody tr").filter(
        has=eu.get_by_role("rowheader", name="Cap", exact=True)
    )
    expect(cap.locator("td[data-label='Before']")).to_have_text(approved_cap)
    after = cap.locator("td[data-label='After']")
    expect(after.locator("del").filter(has_text=approved_cap.split()[0])).to_have_count(1)
    expect(after.locator("ins").filter(has_text=new_cap.split()[0])).to_have_count(1)
    expect(after.locator("ins").filter(has_text=approved_cap.split()[0])).to_have_count(0)
    expect(after.locator("del").filter(has_text=new_cap.split()[0])).to_have_count(0)
    decision = (
        main(eu)
        .locator("section")
        .filter(has=eu.get_by_role("heading", name="Your decision", level=2))
    )
    expect(decision.get_by_role("button", name=f"Approve version {number}")).to_be_visible()
    expect(decision.get_by_role("button", name="Return to draft")).to_be_visible()
    check_layout(eu)  # the review page with the decision, on a laptop

    eu_phone = open_as("eu", phone=True)
    open_factsheets_from_the_header(eu_phone)
    check_layout(eu_phone)  # the list, on a phone
    visit(eu_phone, EU_URL)  # the factsheet with its callout, on a phone
    visit(eu_phone, version_url)  # the review page with the decision, on a phone
    expect(eu_phone.get_by_role("button", name=f"Approve version {number}")).to_be_visible()

    # Approved: the factsheet now reads the new cap, and says who approved it.
    decision.get_by_role("button", name=f"Approve version {number}").click()
    expect(eu).to_have_url(re.compile(rf"{EU_URL}$"))
    expect_status_message(eu, f"Version {number} is approved: members now read it.")
    expect(factsheet_value(eu, "Cap")).to_have_text(new_cap)
    expect(main(eu).locator(".lede")).to_contain_text(
        f"Version {number}, drafted by {BRUSSELS}, approved by {FOCAL_POINT} on "
    )
    expect(main(eu).locator(".callout")).to_have_count(0)  # nothing awaits approval any more
    expect(main(eu).get_by_role("link", name="Propose a change")).to_be_visible()
    check_layout(eu)  # the factsheet after approval, with its message

    # Every member now reads it; the version is approved for good.
    nz = open_as("nz")
    nz.goto(EU_URL)
    expect(factsheet_value(nz, "Cap")).to_have_text(new_cap)
    eu.goto(version_url)
    expect(main(eu).get_by_role("heading", level=1)).to_contain_text("Approved")
    expect(main(eu).get_by_role("button", name=re.compile(r"^Approve"))).to_have_count(0)


# ------------------------------------------------------------------------------
# 2. An observer: the map, and nothing kept from observers
# ------------------------------------------------------------------------------


def test_an_observer_reads_the_map_and_nothing_kept_from_observers(open_as: OpenAs):
    brussels = open_as("brussels")
    draft = open_eu_version(brussels)  # the EU has an open version (a draft or submitted)

    chile = open_as("chile")
    responses = record_map(chile)
    open_factsheets_from_the_header(chile)
    the_map_loads(chile, responses)
    check_layout(chile)  # the list with its map, on a laptop

    # The map's facts are in a table in the map's own card, beside the image.
    card = map_card(chile)
    expect(card.get_by_role("img")).to_have_count(1)
    table = card.get_by_role("region", name="Countries on the map").get_by_role("table")
    expect(table.locator("thead th")).to_have_text(
        ["Country", "On the map", "Systems", "Subnational systems"]
    )
    expect(country_row(chile, "France").locator("td")).to_have_text(["In force", EU, "—"])
    expect(country_row(chile, "New Zealand").locator("td")).to_have_text(["In force", NZ, "—"])
    expect(country_row(chile, "Chile").locator("td")).to_have_text(
        ["Under development", "Chile", "—"]
    )
    # An observer reads no draft of another jurisdiction, not even that there is one.
    eu_row = (
        main(chile)
        .get_by_role("row")
        .filter(has=chile.get_by_role("rowheader", name=re.compile(rf"^{EU}\b")))
    )
    expect(eu_row.get_by_role("link", name=EU, exact=True)).to_be_visible()
    expect(eu_row.locator(".badge")).to_have_count(0)

    # The EU's factsheet without "Linking", and saying that some fields are for full members.
    eu_row.get_by_role("link", name=EU, exact=True).click()
    expect(chile).to_have_url(re.compile(rf"{EU_URL}$"))
    expect(main(chile)).to_contain_text(LIMITED)
    expect(factsheet_value(chile, "Implementation status")).to_have_text("In force")
    expect(factsheet_value(chile, "Cap")).to_be_visible()
    terms = [" ".join(t.split()) for t in factsheet_terms(chile).all_inner_texts()]
    assert terms and not any(t.startswith("Linking with other systems") for t in terms), terms
    expect(main(chile)).not_to_contain_text(LINKING)
    expect(main(chile).locator(".callout")).to_have_count(0)
    expect(main(chile).get_by_role("link", name="Propose a change")).to_have_count(0)
    check_layout(chile)  # another jurisdiction's factsheet, as an observer reads it

    # The draft, and the history of the field kept from observers: not found.
    expect_not_found(chile, f"/factsheets/eu/versions/{draft}/", f"{EU}: factsheet version")
    assert chile.request.get("/factsheets/eu/fields/linking/").status == 404
    assert chile.request.get(DRAFT_URL).status == 404

    chile_phone = open_as("chile", phone=True)
    responses = record_map(chile_phone)
    open_factsheets_from_the_header(chile_phone)
    the_map_loads(chile_phone, responses)
    check_layout(chile_phone)  # the list with its map, on a phone
    viewport = chile_phone.viewport_size["width"]
    box = map_card(chile_phone).get_by_role("img").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport, box
    visit(chile_phone, EU_URL)  # the factsheet as an observer reads it, on a phone
    expect(main(chile_phone)).not_to_contain_text(LINKING)


# ------------------------------------------------------------------------------
# 3. A full member compares two jurisdictions side by side
# ------------------------------------------------------------------------------


def test_a_full_member_compares_the_eu_and_new_zealand(open_as: OpenAs):
    nz = open_as("nz")
    open_factsheets_from_the_header(nz)
    main(nz).get_by_role("checkbox", name=f"Compare {EU}", exact=True).check()
    main(nz).get_by_role("checkbox", name=f"Compare {NZ}", exact=True).check()
    main(nz).get_by_role("button", name="Compare the chosen jurisdictions").click()
    expect(nz).to_have_url(re.compile(r"/factsheets/compare/\?j=eu&j=nz$"))
    expect(nz.get_by_role("heading", name="Compare factsheets", level=1)).to_be_visible()
    compare_url = nz.url

    table = main(nz).locator("table.factsheet-compare")
    expect(table.locator("thead th")).to_have_text(["Field", EU, NZ])
    linking = table.locator("tbody tr").filter(
        has=nz.get_by_role("rowheader", name="Linking with other systems", exact=True)
    )
    expect(linking.locator("td")).to_have_text([LINKING, NZ_LINKING])
    start = table.locator("tbody tr").filter(
        has=nz.get_by_role("rowheader", name="Start year", exact=True)
    )
    expect(start.locator("td")).to_have_text(["2005", "2008"])
    expect(table).not_to_contain_text("Full members only")
    # The choice is kept in the form above, ready to change.
    chooser = main(nz).get_by_role("form", name="Jurisdictions compared")
    expect(chooser.get_by_role("checkbox", name=EU, exact=True)).to_be_checked()
    expect(chooser.get_by_role("checkbox", name=NZ, exact=True)).to_be_checked()
    expect(chooser.get_by_role("checkbox", checked=True)).to_have_count(2)
    check_layout(nz)  # the comparison, on a laptop

    nz_phone = open_as("nz", phone=True)
    visit(nz_phone, compare_url)  # the comparison, on a phone (the table scrolls in its box)
    expect(nz_phone.locator("table.factsheet-compare thead th")).to_have_text(["Field", EU, NZ])


# ------------------------------------------------------------------------------
# 4. A draft with bad values: the errors beside the fields, nothing saved
# ------------------------------------------------------------------------------

YEAR_ERROR = "Ensure this value is greater than or equal to 1990."
SOURCE_ERROR = "“x | ftp://nowhere” is not a title and an http(s) address."


def test_a_draft_with_bad_values_shows_the_errors_beside_the_fields(open_as: OpenAs):
    brussels = open_as("brussels")
    before = versions_table(brussels)
    brussels.goto(EU_URL)
    callout_before = main(brussels).locator(".callout").all_inner_texts()
    main(brussels).get_by_role(
        "link", name=re.compile(r"^(Edit the draft|Propose a change)$")
    ).click()
    expect(brussels).to_have_url(re.compile(rf"{DRAFT_URL}$"))

    draft_field(brussels, "Start year").fill("1700")
    draft_field(brussels, "Sources").fill("x | ftp://nowhere")
    with brussels.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(DRAFT_URL)
    ) as posted:
        main(brussels).get_by_role("button", name="Save draft", exact=True).click()
    assert posted.value.status == 400, posted.value.status
    expect(brussels).to_have_url(re.compile(rf"{DRAFT_URL}$"))

    expect(main(brussels).get_by_role("alert")).to_contain_text(
        "Please correct the fields marked below."
    )
    # Each error sits in its field's box, is read with the field, and the typed value is kept.
    invalid = main(brussels).locator(".field--invalid")
    expect(invalid).to_have_count(2)
    for label, error, typed in (
        ("Start year", YEAR_ERROR, "1700"),
        ("Sources", SOURCE_ERROR, "x | ftp://nowhere"),
    ):
        control = draft_field(brussels, label)
        box = invalid.filter(has=brussels.get_by_label(f"{label} (optional)", exact=True))
        expect(box.locator(".field__errors")).to_have_text(error)
        expect(control).to_have_accessible_description(re.compile(re.escape(error)))
        expect(control).to_have_attribute("aria-invalid", "true")
        expect(control).to_have_value(typed)
    check_layout(brussels)  # the form with its errors, on a laptop

    brussels_phone = open_as("brussels", phone=True)
    brussels_phone.goto(DRAFT_URL)
    draft_field(brussels_phone, "Start year").fill("1700")
    draft_field(brussels_phone, "Sources").fill("x | ftp://nowhere")
    main(brussels_phone).get_by_role("button", name="Save draft", exact=True).click()
    expect(main(brussels_phone).locator(".field--invalid")).to_have_count(2)
    check_layout(brussels_phone)  # the form with its errors, on a phone

    # Nothing saved: the same versions, the same open draft (a submitted one still awaits).
    assert versions_table(brussels) == before
    brussels.goto(EU_URL)
    expect(main(brussels).locator(".callout")).to_have_text(callout_before)
    expect(factsheet_value(brussels, "Start year")).to_have_text("2005")


# ------------------------------------------------------------------------------
# 5. The Secretariat publishes; the public file is read signed out
# ------------------------------------------------------------------------------


def test_the_secretariat_publishes_and_the_public_file_is_read_signed_out(
    open_as: OpenAs, browser: Browser, enclave_server: EnclaveServer
):
    secretariat = open_as("secretariat")
    visit(secretariat, EU_URL)
    eu_cap = factsheet_value(secretariat, "Cap").inner_text().strip()
    open_factsheets_from_the_header(secretariat)
    main(secretariat).get_by_role("link", name="Publish", exact=True).click()
    expect(secretariat).to_have_url(re.compile(rf"{PUBLICATIONS_URL}$"))
    expect(
        secretariat.get_by_role("heading", name="Publish the comparison", level=1)
    ).to_be_visible()
    published_fields = (
        main(secretariat)
        .locator("section")
        .filter(has=secretariat.get_by_role("heading", name="Published fields", level=2))
    )
    expect(published_fields).to_contain_text("Cap")
    expect(published_fields).not_to_contain_text("Linking with other systems")
    expect(published_fields).not_to_contain_text("Offset rules")
    check_layout(secretariat)  # the publication page, on a laptop
    # The publications, newest first (the row of an empty table has no row header).
    publications = (
        main(secretariat).get_by_role("region", name="Publications").locator("tbody tr:has(th)")
    )
    earlier = publications.count()

    main(secretariat).get_by_role("button", name="Publish the approved comparison now").click()
    expect(secretariat).to_have_url(re.compile(rf"{PUBLICATIONS_URL}$"))
    message = re.compile(r"^The comparison is published: (\d+) jurisdictions\.$")
    expect_status_message(secretariat, message)
    text = secretariat.get_by_role("status").filter(has_text=message).inner_text().strip()
    count = int(message.match(text)[1])  # type: ignore[index]
    expect(publications.first.locator("td[data-label='By']")).to_have_text(SECRETARIAT)
    expect(publications.first.locator("td[data-label='Jurisdictions']")).to_have_text(str(count))
    expect(publications).to_have_count(min(earlier + 1, 20))
    check_layout(secretariat)  # the publication page with its message

    secretariat_phone = open_as("secretariat", phone=True)
    visit(secretariat_phone, PUBLICATIONS_URL)  # the publication page, on a phone

    # Signed out: a fresh context, no session. The JSON file names the European Union, with
    # the cap its factsheet shows, and nothing unpublished.
    context = new_context(browser, enclave_server)
    try:
        page = context.new_page()
        response = page.goto(PUBLISHED_JSON)
        assert response is not None and response.status == 200, response and response.status
        assert page.url.endswith(PUBLISHED_JSON), page.url  # not sent to the login page
        assert response.headers["content-type"].startswith("application/json")
        data = response.json()
        keys = [field["key"] for field in data["fields"]]
        assert "cap" in keys and "linking" not in keys and "offset_rules" not in keys, keys
        rows = {row["jurisdiction"]: row for row in data["jurisdictions"]}
        assert EU in rows and NZ in rows, sorted(rows)
        assert len(rows) == count, (len(rows), count)
        assert rows[EU]["values"]["cap"] == eu_cap, rows[EU]["values"]
        assert "linking" not in rows[EU]["values"] and LINKING not in response.text()
        csv_file = page.request.get(PUBLISHED_CSV)
        assert csv_file.status == 200 and csv_file.headers["content-type"].startswith("text/csv")
        assert EU in csv_file.text()
        # Nothing else of factsheets opens to a stranger.
        page.goto(LIST)
        expect(page).to_have_url(re.compile(r"/accounts/login/"))
    finally:
        context.close()


# ------------------------------------------------------------------------------
# 6. The other pages: history, a field's history, field settings, on a laptop and a phone
#    (the pages of 1-5 are checked there, on both)
# ------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_the_history_and_settings_pages_are_accessible(open_as: OpenAs, phone: bool):
    nz = open_as("nz", phone=phone)
    visit(nz, HISTORY_URL)
    expect(nz.get_by_role("heading", name=f"{EU}: factsheet history", level=1)).to_be_visible()
    expect(main(nz).get_by_role("table").locator("tbody tr").first).to_contain_text("Approved")
    main(nz).get_by_role("link", name="Cap", exact=True).click()
    expect(nz).to_have_url(re.compile(r"/factsheets/eu/fields/cap/$"))
    expect(nz.get_by_role("heading", name=f"{EU}: Cap over time", level=1)).to_be_visible()
    expect(main(nz).locator("ol.timeline > li").first).to_contain_text("Version ")
    check_layout(nz)  # a field's history
    visit(nz, "/factsheets/nz/")  # one's own factsheet, with "Propose a change"
    expect(factsheet_value(nz, "Linking with other systems")).to_have_text(NZ_LINKING)
    visit(nz, "/factsheets/nz/draft/")  # the draft form of one's own factsheet

    secretariat = open_as("secretariat", phone=phone)
    visit(secretariat, SETTINGS_URL)
    linking = main(secretariat).get_by_role(
        "checkbox", name="Observers read Linking with other systems", exact=True
    )
    expect(linking).not_to_be_checked()
    expect(
        main(secretariat).get_by_role("checkbox", name="Publish Offset rules", exact=True)
    ).not_to_be_checked()
    expect(
        main(secretariat).get_by_role("checkbox", name="Publish Cap", exact=True)
    ).to_be_checked()
    if not phone:
        # A change made in the table is saved (and then undone).
        price_date = main(secretariat).get_by_role(
            "checkbox", name="Publish Price date", exact=True
        )
        for publish in (False, True):
            expect(price_date).to_be_checked(checked=not publish)
            price_date.set_checked(publish)
            main(secretariat).get_by_role("button", name="Save the settings").click()
            expect(secretariat).to_have_url(re.compile(rf"{SETTINGS_URL}$"))
            expect_status_message(secretariat, "The field settings are saved.")
            expect(price_date).to_be_checked(checked=publish)
    # One checkbox per field and setting: the table's, and no other.
    expect(main(secretariat).get_by_role("checkbox")).to_have_count(2 * FIELD_COUNT)
