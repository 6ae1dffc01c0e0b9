"""Scheduling polls in a real browser: open a poll, answer it, read the grid, pick a slot.

The Secretariat prepares a full-members-only draft session of the offsets dialogue (with an agenda
item: scheduling needs one) and opens a scheduling poll with six slots entered in
Pacific/Auckland time. A participant (eu@, in Europe/Berlin) sees every slot in her own zone,
the first one flagged as night, and answers yes / if need be / no; New Zealand's focal point
(nz@) answers for his jurisdiction. An observer (chile@) finds no poll. The Secretariat reads the
ranking and the coloured grid, picks the best slot, and the session is scheduled at it.
The poll form, the answer page and the grid are checked with axe-core on a laptop and on a
390 px phone, where neither page scrolls sideways.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from .support import OpenAs, axe_check, expect_not_found, goto, unique

pytestmark = pytest.mark.e2e

SLUG = "offsets"
SESSIONS_URL = f"/w/{SLUG}/sessions/"
POLLS_URL = f"/w/{SLUG}/sessions/polls/"
SESSION_URL = re.compile(rf"/w/{SLUG}/s/(\d+)/(#[\w-]+)?$")
GRID_URL = re.compile(rf"/w/{SLUG}/s/\d+/poll/grid/$")
POLL_URL = re.compile(rf"/w/{SLUG}/s/\d+/poll/$")

POLL_ZONE = "Pacific/Auckland"  # where the slots are entered (far from everyone's zone)
READER_ZONE = "Europe/Berlin"  # the demo officials' zone (the profile's default)
DURATION = timedelta(minutes=120)
NIGHT_STARTS, NIGHT_ENDS = 22, 7  # local hours

# (days from today, wall-clock time in POLL_ZONE). 09:00 in Auckland is 21:00-23:00 the evening
# before in Berlin (20:00-01:00 across the year's daylight-saving changes): night, in part, for
# every jurisdiction. The others fall between 07:30 and 11:30 in Berlin: day.
SLOT_TIMES = [(7, "09:00"), (7, "20:00"), (8, "21:00"), (9, "20:00"), (9, "21:30"), (10, "20:30")]
NIGHT = 0  # the index of the slot at night in Berlin
# eu@ answers for herself; nz@ (a focal point) for New Zealand. Index 2 is covered by both,
# "Yes" twice: the best slot. Index 3 is covered by both too, with one "Yes".
EU_ANSWERS = {0: "No", 1: "If need be", 2: "Yes", 3: "Yes", 4: "No"}
NZ_ANSWERS = {1: "No", 2: "Yes", 3: "If need be"}
BEST = 2
CELL_CLASS = {"Yes": "yes", "If need be": "maybe", "No": "no", None: "none"}

EU_JURISDICTION = "European Union"
NZ_JURISDICTION = "New Zealand"


# ------------------------------------------------------------------------------
# Slots and their local times
# ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    wall: datetime  # naive, in POLL_ZONE, as typed into the form

    @property
    def starts(self) -> datetime:
        return self.wall.replace(tzinfo=zoneinfo.ZoneInfo(POLL_ZONE)).astimezone(UTC)

    @property
    def ends(self) -> datetime:
        return self.starts + DURATION

    def local(self, zone: str) -> tuple[datetime, datetime]:
        tz = zoneinfo.ZoneInfo(zone)
        return self.starts.astimezone(tz), self.ends.astimezone(tz)

    def is_night(self, zone: str) -> bool:
        """Whether any minute of the slot falls between 22:00 and 07:00 in `zone`."""
        tz = zoneinfo.ZoneInfo(zone)
        minutes = int(DURATION.total_seconds() // 60)
        return any(
            not NIGHT_ENDS
            <= (self.starts + timedelta(minutes=m)).astimezone(tz).hour
            < NIGHT_STARTS
            for m in range(minutes)
        )

    def short(self, zone: str) -> str:
        """As the pages write it (SHORT_DATETIME_FORMAT + TIME_FORMAT): 13 Dec 2026, 21:00–23:00."""
        starts, ends = self.local(zone)
        return f"{starts.day} {starts:%b %Y, %H:%M}–{ends:%H:%M}"

    def month_day(self, zone: str) -> str:
        """MONTH_DAY_TIME_FORMAT, as the grid's headers and cells write it: 13 Dec, 21:00."""
        starts, _ends = self.local(zone)
        return f"{starts.day} {starts:%b, %H:%M}"


def candidate_slots() -> list[Slot]:
    today = date.today()
    return [
        Slot(datetime.strptime(f"{today + timedelta(days=days)} {time}", "%Y-%m-%d %H:%M"))
        for days, time in SLOT_TIMES
    ]


# ------------------------------------------------------------------------------
# Helpers (open_as and signed_in_states are in conftest.py)
# ------------------------------------------------------------------------------

# The page scrolls sideways (a table may scroll inside its own region, never the page).
PAGE_SCROLLS_SIDEWAYS = (
    "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
)


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def expect_status_message(page: Page, text: str) -> None:
    """A success message (role=status) with `text`."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def status_badge(page: Page) -> Locator:
    """The session's status badge, next to its title."""
    return main(page).locator(".session-badges .badge").first


def check_layout(page: Page) -> None:
    """axe-core, and no sideways scrolling of the page itself."""
    axe_check(page)
    assert not page.evaluate(PAGE_SCROLLS_SIDEWAYS), page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


def answer_group(page: Page, slot: Slot) -> Locator:
    """The radio group of one slot on the answer page (its legend: the slot in the reader's
    zone)."""
    return main(page).get_by_role(
        "group", name=re.compile(rf"^{re.escape(slot.short(READER_ZONE))}")
    )


def answer(page: Page, slots: list[Slot], answers: dict[int, str], *, for_jurisdiction=False):
    """Fill the answer form and save it; back on the answer page."""
    for index, choice in answers.items():
        answer_group(page, slots[index]).get_by_label(choice, exact=True).check()
    if for_jurisdiction:
        main(page).get_by_label("I answer for my jurisdiction").check()
    main(page).get_by_role("button", name="Save my answers").click()
    expect(page).to_have_url(POLL_URL)
    expect_status_message(page, "Your answers are saved.")


def grid_row(page: Page, jurisdiction: str) -> Locator:
    grid = main(page).get_by_role("region", name="Answers by jurisdiction")
    return grid.locator("tr.poll-grid__jurisdiction").filter(
        has=page.get_by_role("rowheader", name=re.compile(rf"^{re.escape(jurisdiction)}\b"))
    )


def background(locator: Locator) -> str:
    return locator.evaluate("(element) => getComputedStyle(element).backgroundColor")


# ------------------------------------------------------------------------------
# The test
# ------------------------------------------------------------------------------


def test_scheduling_poll_from_opening_to_the_scheduled_session(open_as: OpenAs):
    title = unique("Session: linking timetable")
    item = unique("Timetable options")
    slots = candidate_slots()
    assert [i for i, slot in enumerate(slots) if slot.is_night(READER_ZONE)] == [NIGHT]
    closes_on = date.today() + timedelta(days=3)
    placeholder = datetime.combine(date.today() + timedelta(days=30), datetime.min.time())

    # --- 1. The Secretariat prepares a full-members-only draft with an agenda item -------------
    secretariat = open_as("secretariat")
    secretariat.goto(SESSIONS_URL)
    main(secretariat).get_by_role("link", name="New session").click()
    form = main(secretariat).locator("form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Starts").fill(f"{placeholder:%Y-%m-%d}T10:00")
    form.get_by_label("Ends").fill(f"{placeholder:%Y-%m-%d}T12:00")
    form.get_by_label("Who may attend").select_option(label="Full members only")
    form.get_by_role("button", name="Save the draft").click()
    expect(secretariat).to_have_url(SESSION_URL)
    session_url = secretariat.url.split("#")[0]
    expect(status_badge(secretariat)).to_have_text("Draft")

    main(secretariat).get_by_role("link", name="Add an agenda item").click()
    agenda_form = main(secretariat).locator("form")
    agenda_form.get_by_label("Title").fill(item)
    agenda_form.get_by_label("Duration (minutes)").fill("60")
    agenda_form.get_by_role("button", name="Add to the agenda").click()
    expect(secretariat).to_have_url(SESSION_URL)
    expect_status_message(secretariat, "The agenda is saved.")

    # --- 2. ... and opens a scheduling poll: six slots in Auckland time -------------------------
    main(secretariat).get_by_role("link", name="Scheduling poll", exact=True).click()
    expect(main(secretariat)).to_contain_text("This session has no scheduling poll.")
    main(secretariat).get_by_role("link", name="Open a scheduling poll").click()
    expect(
        main(secretariat).get_by_role("heading", name="Open a scheduling poll", level=2)
    ).to_be_visible()
    form_url = secretariat.url
    check_layout(secretariat)  # the poll form, on a laptop

    secretariat_phone = open_as("secretariat", phone=True)
    secretariat_phone.goto(form_url)
    expect(secretariat_phone.get_by_label("Candidate slots")).to_be_visible()
    check_layout(secretariat_phone)  # the poll form, on a phone

    form = main(secretariat).locator("form")
    form.get_by_label("Candidate slots").fill("\n".join(f"{s.wall:%Y-%m-%d %H:%M}" for s in slots))
    form.get_by_label("Duration (minutes)").fill(str(int(DURATION.total_seconds() // 60)))
    form.get_by_label("Time zone").select_option(POLL_ZONE)
    form.get_by_label("Answers close on").fill(closes_on.isoformat())
    form.get_by_role("group", name="Who sees the answers").get_by_label(
        "Everyone who may answer"
    ).check()
    form.get_by_role("button", name="Open the poll").click()
    expect(secretariat).to_have_url(GRID_URL)
    grid_url = secretariat.url
    poll_url = grid_url.removesuffix("grid/")
    expect_status_message(secretariat, "The scheduling poll is open.")
    expect(main(secretariat)).to_contain_text(f"Slots as entered, in {POLL_ZONE}.")

    # --- 3. A participant in Berlin finds it and sees every slot in her own zone ---------------
    eu = open_as("eu")
    goto(eu, POLLS_URL)
    main(eu).get_by_role("link", name=title, exact=True).click()
    expect(eu).to_have_url(poll_url)
    expect(
        main(eu).get_by_role("heading", name=f"When should “{title}” take place?", level=2)
    ).to_be_visible()
    expect(main(eu)).to_contain_text(f"Every slot is shown in your time zone, {READER_ZONE}.")
    candidates = main(eu).get_by_role("region", name="Candidate slots")
    rows = candidates.locator("tbody tr")
    expect(rows.get_by_role("rowheader")).to_have_text([s.short(READER_ZONE) for s in slots])
    expect(rows.nth(NIGHT)).to_have_class("poll-slot--night")
    expect(rows.nth(NIGHT).locator(".badge--night")).to_have_text("Night hours")
    expect(candidates.locator(".badge--night")).to_have_count(1)
    expect(answer_group(eu, slots[NIGHT])).to_have_accessible_name(
        re.compile(r"· night: \d+ minutes between 22:00 and 07:00$")
    )
    axe_check(eu)  # the answer page, before answering

    answer(eu, slots, EU_ANSWERS)
    rows = main(eu).get_by_role("region", name="Candidate slots").locator("tbody tr")
    expect(rows.locator("td[data-label='Your answer']")).to_have_text(
        [EU_ANSWERS.get(i, "No answer") for i in range(len(slots))]
    )
    expect(answer_group(eu, slots[BEST]).get_by_label("Yes", exact=True)).to_be_checked()
    expect(main(eu).get_by_label("I answer for my jurisdiction")).not_to_be_checked()
    axe_check(eu)  # the answer page, answered

    eu_phone = open_as("eu", phone=True)
    eu_phone.goto(poll_url)
    expect(eu_phone.get_by_role("button", name="Save my answers")).to_be_visible()
    check_layout(eu_phone)  # the answer page, on a phone

    # --- 4. New Zealand's focal point answers for his jurisdiction ------------------------------
    nz = open_as("nz")
    nz.goto(poll_url)
    answer(nz, slots, NZ_ANSWERS, for_jurisdiction=True)
    expect(main(nz).get_by_label("I answer for my jurisdiction")).to_be_checked()

    # --- 5. An observer finds no poll: the session is for full members only ---------------------
    chile = open_as("chile")
    expect_not_found(chile, poll_url, title)
    chile.goto(POLLS_URL)
    expect(main(chile).get_by_role("link", name=title)).to_have_count(0)

    # --- 6. The Secretariat reads the ranking and the coloured grid -----------------------------
    secretariat.goto(grid_url)
    ranking = main(secretariat).get_by_role("region", name="Best slots").locator("tbody tr")
    expect(ranking).to_have_count(len(slots))
    best = ranking.first
    expect(best.get_by_role("rowheader")).to_have_text(slots[BEST].short(POLL_ZONE))
    expect(best.locator("td[data-label='Full members covered']")).to_have_text(
        re.compile(r"^2 / \d+$")
    )
    expect(best.locator("td[data-label='Night hours']")).to_have_text("0.0")
    expect(ranking.last.get_by_role("rowheader")).to_have_text(slots[NIGHT].short(POLL_ZONE))

    grid = main(secretariat).get_by_role("region", name="Answers by jurisdiction")
    expect(grid.locator("thead th")).to_have_text(
        ["Jurisdiction or person", *(s.month_day(POLL_ZONE) for s in slots)]
    )
    eu_cells = grid_row(secretariat, EU_JURISDICTION).locator("td.poll-cell")
    nz_cells = grid_row(secretariat, NZ_JURISDICTION).locator("td.poll-cell")
    expect(eu_cells).to_have_count(len(slots))
    for index, slot in enumerate(slots):
        choice = EU_ANSWERS.get(index)
        cell = eu_cells.nth(index)
        expect(cell).to_have_class(re.compile(rf"\bpoll-cell--{CELL_CLASS[choice]}\b"))
        expect(cell.locator("time")).to_have_text(slot.month_day(READER_ZONE))
        expect(cell).to_contain_text(choice or "No answer")
        expect(cell.locator(".badge--night")).to_have_count(1 if index == NIGHT else 0)
    expect(eu_cells.nth(NIGHT)).to_have_class(re.compile(r"\bpoll-cell--night\b"))
    for index, choice in NZ_ANSWERS.items():
        expect(nz_cells.nth(index)).to_contain_text(f"{choice} (for the jurisdiction)")
    # Each answer has its own colour, none of them the plain cell's (the words are there too).
    colours = {
        choice: background(eu_cells.nth(index))
        for index, choice in ((2, "Yes"), (1, "If need be"), (4, "No"), (5, None))
    }
    assert len(set(colours.values())) == 4, colours
    check_layout(secretariat)  # the grid, on a laptop (it may scroll inside its region only)

    secretariat_phone.goto(grid_url)
    phone_grid = main(secretariat_phone).get_by_role("region", name="Answers by jurisdiction")
    expect(phone_grid.locator("td.poll-cell--night").first).to_be_visible()
    # Stacked: each row a card, each cell labelled with its slot's local time.
    phone_cell = grid_row(secretariat_phone, EU_JURISDICTION).locator("td.poll-cell").nth(BEST)
    assert phone_cell.evaluate("(td) => getComputedStyle(td).display") != "table-cell"
    label = phone_cell.evaluate("(td) => getComputedStyle(td, '::before').content")
    starts, _ends = slots[BEST].local(READER_ZONE)
    assert label == f'"{starts.day} {starts:%b %Y, %H:%M}"', label
    check_layout(secretariat_phone)  # the grid, on a phone

    # --- 7. ... picks the best slot: the session is scheduled at it -----------------------------
    best.get_by_role("button", name="Choose this slot and schedule").click()
    expect(secretariat).to_have_url(session_url)
    expect_status_message(
        secretariat, "The session is scheduled at the chosen slot; the roster is notified."
    )
    expect(status_badge(secretariat)).to_have_text("Scheduled")
    details = main(secretariat).get_by_role("region", name="Details")
    wall_starts, wall_ends = slots[BEST].local(POLL_ZONE)
    expect(details).to_contain_text(f"{wall_starts:%H:%M}–{wall_ends:%H:%M}{POLL_ZONE}")
    shown = details.locator("time").first.get_attribute("datetime")
    assert datetime.strptime(shown, "%Y-%m-%dT%H:%M:%S%z") == slots[BEST].starts, shown
    expect(main(secretariat).get_by_role("link", name="Scheduling poll", exact=True)).to_have_count(
        0
    )

    # The grid marks the chosen slot; nothing more is offered to choose. The poll is closed.
    secretariat.goto(grid_url)
    ranking = main(secretariat).get_by_role("region", name="Best slots")
    chosen = ranking.locator("tbody tr.poll-slot--picked")
    expect(chosen.get_by_role("rowheader")).to_have_text(slots[BEST].short(POLL_ZONE))
    expect(chosen.locator(".badge")).to_have_text("Chosen")
    expect(ranking.get_by_role("button")).to_have_count(0)
    axe_check(secretariat)  # the grid of a closed poll, with its chosen slot

    # The participant can no longer answer, and now sees the scheduled session.
    eu.goto(poll_url)
    expect(main(eu)).to_contain_text("This poll is closed: answers can no longer change.")
    expect(main(eu).get_by_role("button", name="Save my answers")).to_have_count(0)
    eu.goto(session_url)
    expect(main(eu).get_by_role("heading", name=title, level=2)).to_be_visible()
    expect(status_badge(eu)).to_have_text("Scheduled")
