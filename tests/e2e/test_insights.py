"""Insights in a real browser: the Co-Chair opens the page from the header, reads the tables'
figures, sees every chart load as an SVG image, downloads a table as CSV and changes the period
(a period ending before its start is refused with a message); a focal point sees their own
jurisdiction only; an official who is neither gets the not-found page. On a laptop and on a
390 px phone, where the page does not scroll sideways. axe-core on every page.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, Response, expect

from .support import PHONE_CONTEXT, OpenAs, axe_check, expect_not_found, goto, new_context

pytestmark = pytest.mark.e2e

INSIGHTS = "/insights/"
CHARTS = {"grid", "activity", "attendance"}
CHART_URL = re.compile(r"/insights/chart/(?P<name>[a-z]+)\.svg(\?|$)")
METRICS = [
    "Threads started",
    "Replies",
    "Chat messages",
    "Session attendances",
    "Documents shared",
    "Downloads",
]
BAD_PERIOD = "The period must end on or after its start."
EU = "European Union"
OFFSETS = "Offsets and carbon removals"  # a demo dialogue with threads, replies and sessions
# What the charts' SVG is drawn at (dialogues/insights/charts.py): the image keeps this shape.
CHART_RATIO = 380 / 800


@pytest.fixture
def cochair_phone(browser, enclave_server, cochair_state) -> Iterator[Page]:
    """The Co-Chair (the session's shared sign-in) on a 390 px wide phone."""
    context = new_context(
        browser, enclave_server, bypass_csp=True, storage_state=cochair_state, **PHONE_CONTEXT
    )
    yield context.new_page()
    context.close()


def record_charts(page: Page) -> dict[str, str]:
    """chart name -> "<status> <content-type>" of the last response for it, as they come."""
    seen: dict[str, str] = {}

    def on_response(response: Response) -> None:
        match = CHART_URL.search(response.url)
        if match:
            seen[match["name"]] = f"{response.status} {response.headers.get('content-type', '')}"

    page.on("response", on_response)
    return seen


def served_as_svg(charts: dict[str, str]) -> None:
    assert set(charts) == CHARTS, charts
    assert all(seen.startswith("200 image/svg+xml") for seen in charts.values()), charts


def fits_the_width(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px"


def card(page: Page, heading: str) -> Locator:
    """The card (a <section>) headed `heading`."""
    return (
        page.get_by_role("main")
        .locator("section")
        .filter(has=page.get_by_role("heading", name=heading, level=2, exact=True))
    )


def row_headers(table: Locator) -> list[str]:
    return [text.strip() for text in table.locator("tbody th[scope=row]").all_text_contents()]


def column(table: Locator, label: str) -> list[str]:
    return [text.strip() for text in table.locator(f'td[data-label="{label}"]').all_text_contents()]


def charts_load(page: Page) -> None:
    """Every chart image, scrolled to (they load lazily), loads and has a size of its own."""
    images = page.get_by_role("main").locator("img.insights-chart__image")
    expect(images).to_have_count(len(CHARTS))
    for image in images.all():
        image.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete", arg=image.element_handle())
        width = image.evaluate("(img) => img.naturalWidth")
        assert width > 0, f"{image.get_attribute('src')} did not load (naturalWidth {width})"


def open_from_the_header(page: Page) -> None:
    """From the dashboard, the header's "Insights" link (on a phone, inside "Menu")."""
    page.goto("/")
    nav = page.get_by_role("navigation", name="Primary")
    if not nav.is_visible():
        page.locator(".site-menu summary").click()
        nav = page.get_by_role("navigation", name="Menu", exact=True)
    link = nav.get_by_role("link", name="Insights", exact=True)
    link.click()
    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/insights/$"))
    # The header marks where the reader is (the phone's menu is closed again: look past it).
    current = page.get_by_role("banner").locator('a[aria-current="page"]')
    expect(current.filter(has_text="Insights").first).to_be_attached()


def test_the_cochair_reads_the_figures_downloads_a_csv_and_changes_the_period(
    cochair_page: Page,
):
    page = cochair_page
    charts = record_charts(page)
    open_from_the_header(page)
    charts_load(page)
    served_as_svg(charts)
    axe_check(page)
    fits_the_width(page)

    # Every dialogue and every jurisdiction, with counts; the demo world has activity.
    by_dialogue = card(page, "By dialogue").get_by_role("table")
    dialogues = row_headers(by_dialogue)
    assert OFFSETS in dialogues, dialogues
    for label in METRICS:
        counts = column(by_dialogue, label)
        assert len(counts) == len(dialogues) and all(c.isdigit() for c in counts), (label, counts)
    assert sum(map(int, column(by_dialogue, "Threads started"))) > 0
    assert sum(map(int, column(by_dialogue, "Replies"))) > 0
    by_jurisdiction = card(page, "By jurisdiction").get_by_role("table")
    jurisdictions = row_headers(by_jurisdiction)
    assert EU in jurisdictions and len(jurisdictions) > 1, jurisdictions
    assert sum(map(int, column(by_jurisdiction, "Threads started"))) > 0
    # On a laptop the tables of counts fit their cards: every column in view, no sideways scroll.
    for heading in ("By dialogue", "By jurisdiction"):
        box = card(page, heading).locator(".table-wrap")
        overflow = box.evaluate("(el) => el.scrollWidth - el.clientWidth")
        assert overflow <= 0, f"{heading}: the table scrolls sideways by {overflow}px"

    # The CSV says what the table says: its header row, then a row per dialogue.
    with page.expect_download() as started:
        card(page, "By dialogue").get_by_role("link", name="Download CSV").click()
    download = started.value
    assert re.fullmatch(r"insights-dialogues-\d{8}\.csv", download.suggested_filename)
    text = Path(download.path()).read_text(encoding="utf-8-sig")  # written with a BOM
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Dialogue", *METRICS, "Last activity"], rows[0]
    assert [row[0] for row in rows[1:]] == dialogues
    assert [row[1] for row in rows[1:]] == column(by_dialogue, "Threads started")

    # Another period: a year long past, when nothing happened.
    period = page.get_by_role("form", name="Period")
    period.get_by_label("From", exact=True).fill("2000-01-01")
    period.get_by_label("To", exact=True).fill("2000-12-31")
    period.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"start=2000-01-01&end=2000-12-31"))
    expect(period.get_by_label("From", exact=True)).to_have_value("2000-01-01")
    expect(card(page, "Period")).to_contain_text("From ")
    expect(card(page, "Period")).to_contain_text("2000")
    by_dialogue = card(page, "By dialogue").get_by_role("table")
    expect(by_dialogue.locator('td[data-label="Threads started"]')).to_have_text(
        ["0"] * len(dialogues)
    )
    expect(card(page, "By dialogue").get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", re.compile(r"start=2000-01-01.*csv=dialogues")
    )
    charts_load(page)
    for image in page.locator("img.insights-chart__image").all():
        assert "start=2000-01-01" in (image.get_attribute("src") or "")

    # A period that ends before it starts is refused, with the reason, and the fields kept.
    period.get_by_label("From", exact=True).fill("2000-12-31")
    period.get_by_label("To", exact=True).fill("2000-01-01")
    period.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"start=2000-12-31&end=2000-01-01"))
    expect(page.get_by_role("alert").filter(has_text=BAD_PERIOD)).to_be_visible()
    expect(period.get_by_label("To", exact=True)).to_have_value("2000-01-01")
    axe_check(page)


def test_on_a_phone_the_charts_fit_and_the_page_does_not_scroll_sideways(cochair_phone: Page):
    page = cochair_phone
    charts = record_charts(page)
    open_from_the_header(page)
    charts_load(page)
    served_as_svg(charts)
    axe_check(page)
    fits_the_width(page)
    viewport = page.viewport_size["width"]
    for image in page.locator("img.insights-chart__image").all():
        box = image.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport, box
        # The image scales with the card and keeps the chart's proportions.
        ratio = image.evaluate(
            """(img) => {
              const s = getComputedStyle(img);
              const w = img.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
              const h = img.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
              return h / w;
            }"""
        )
        assert abs(ratio - CHART_RATIO) < 0.02, ratio
    # The figures tables read as cards; the wide tables scroll in their own box, not the page.
    officials = card(page, "Officials taking part").get_by_role("table")
    expect(officials.locator('td[data-label="Officials"]').first).to_be_visible()


def test_a_focal_point_sees_their_own_jurisdiction_only(open_as: OpenAs):
    page = open_as("eu")
    open_from_the_header(page)
    assert row_headers(card(page, "By jurisdiction").get_by_role("table")) == [EU]
    assert row_headers(card(page, "Officials taking part").get_by_role("table")) == [EU]
    axe_check(page)


def test_an_official_who_is_not_a_focal_point_finds_no_insights(open_as: OpenAs):
    page = open_as("brussels")
    goto(page, "/")
    expect(
        page.get_by_role("navigation", name="Primary").get_by_role("link", name="Insights")
    ).to_have_count(0)
    expect_not_found(page, INSIGHTS, "By jurisdiction")
    for path in ("/insights/chart/grid.svg", f"{INSIGHTS}?csv=dialogues"):
        assert page.request.get(path).status == 404, path
