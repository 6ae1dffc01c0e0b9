"""Running a live session in a real browser: the agenda and its clock, the speakers' queue, minutes.

The Secretariat prepares a session of the offsets dialogue with two agenda items, schedules it and
starts it; two officials of two jurisdictions open its room beside the Secretariat: eu@ (the
European Union's focal point) and california@. The Secretariat takes up the first item (both
officials see it under discussion, its clock running), runs the speakers' queue (a hand raised for
a jurisdiction, lowered, raised again from the keyboard; the floor given, a hand skipped, the queue
cleared), drafts minutes live (a summary typed, a decision taken from eu@'s chat message) and moves
to the next item. A reload shows the running state again; on a phone the moderator sees the item
run over its time; ending the session leaves the drafts in the minutes editor. Three browser
contexts, one per person, over the live daphne, all without a reload unless said. The panels are
checked with axe-core for the moderator and an official on a laptop, and on a 390 px phone, where
the page does not scroll sideways.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .support import EnclaveServer, OpenAs, axe_check, new_context, unique

pytestmark = pytest.mark.e2e

SLUG = "offsets"
SESSIONS_URL = f"/w/{SLUG}/sessions/"
SESSION_URL = re.compile(rf"/w/{SLUG}/s/(\d+)/(#[\w-]+)?$")
ROOM_URL = re.compile(rf"/w/{SLUG}/s/\d+/room/$")
TIME_ZONE = "Europe/Berlin"

EU, EU_LABEL = "Camille Laurent", "European Union"  # eu@ is the EU's focal point
CALIFORNIA, CALIFORNIA_LABEL = "Daniel Ortiz", "California"
CLOCK = re.compile(r"^\d\d:\d\d / \d\d:\d\d$")


# ------------------------------------------------------------------------------
# Helpers (open_as and signed_in_states are in conftest.py)
# ------------------------------------------------------------------------------


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def agenda(page: Page) -> Locator:
    return main(page).get_by_role("region", name="Agenda")


def queue(page: Page) -> Locator:
    return main(page).get_by_role("region", name="Speakers’ queue")


def minutes(page: Page) -> Locator:
    return main(page).get_by_role("region", name="Draft minutes")


def current_item(page: Page) -> Locator:
    """The agenda item under discussion (marked aria-current, with a "Now discussing" badge)."""
    return agenda(page).locator("li[aria-current=true]")


def hands(page: Page) -> Locator:
    """The names in the queue, the one speaking first."""
    return queue(page).get_by_role("listitem").locator(".people__name")


def announced(page: Page) -> Locator:
    """The polite live region that tells screen readers what changed."""
    return main(page).locator("[data-live-announce]")


def chat_status(page: Page) -> Locator:
    return main(page).locator("[data-chat-status]")


def chat_message(page: Page, text: str) -> Locator:
    log = main(page).get_by_role("log", name="Messages")
    return log.locator("li.chat-message").filter(has_text=text)


def expect_status_message(page: Page, text: str) -> None:
    expect(main(page).get_by_role("status").filter(has_text=text)).to_be_visible()


def step_button(page: Page, label: str) -> Locator:
    return main(page).get_by_role("region", name="Lifecycle").get_by_role("button", name=label)


def open_room(page: Page, url: str) -> None:
    """The session's room, live (its socket open)."""
    page.goto(url)
    expect(main(page).get_by_role("heading", name="Session room", level=2)).to_be_visible()
    expect(chat_status(page)).to_have_text("Live")


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def add_agenda_item(page: Page, title: str, minutes_planned: int) -> None:
    main(page).get_by_role("link", name="Add an agenda item").click()
    form = main(page).locator("form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Duration (minutes)").fill(str(minutes_planned))
    form.get_by_role("button", name="Add to the agenda").click()
    expect(page).to_have_url(SESSION_URL)
    expect_status_message(page, "The agenda is saved.")


def start_session(page: Page, title: str, items: list[tuple[str, int]]) -> str:
    """As the Secretariat: a new session with `items`, scheduled and started. Its room's URL."""
    starts = (datetime.now(zoneinfo.ZoneInfo(TIME_ZONE)) + timedelta(days=7)).replace(
        hour=9, minute=0, second=0, microsecond=0, tzinfo=None
    )
    page.goto(SESSIONS_URL)
    main(page).get_by_role("link", name="New session").click()
    form = main(page).locator("form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Ends").fill((starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Time zone").select_option(TIME_ZONE)
    form.get_by_role("button", name="Save the draft").click()
    expect(page).to_have_url(SESSION_URL)
    for item, planned in items:
        add_agenda_item(page, item, planned)
    step_button(page, "Schedule and notify the roster").click()
    expect_status_message(page, "The session is scheduled; the roster is notified.")
    step_button(page, "Start the session").click()
    expect(page).to_have_url(ROOM_URL)
    expect(chat_status(page)).to_have_text("Live")
    return page.url


# ------------------------------------------------------------------------------
# The test
# ------------------------------------------------------------------------------


def test_moderator_runs_a_live_session_with_two_officials(
    open_as: OpenAs, browser: Browser, enclave_server: EnclaveServer, signed_in_states: dict
):
    title = unique("Live session: corresponding adjustments")
    first = unique("Registry interoperability")
    second = unique("Next steps")
    said = unique("EU, in the room: we can align our registries by the next session")
    summary = unique("Participants compared registry interfaces")

    # --- 1. The Secretariat starts a session with two items; two officials join its room -------
    secretariat = open_as("secretariat")
    room_url = start_session(secretariat, title, [(first, 10), (second, 5)])
    session_url = room_url.removesuffix("room/")
    eu = open_as("eu")
    open_room(eu, room_url)
    california = open_as("california")
    open_room(california, room_url)

    for page in (secretariat, eu, california):
        expect(agenda(page).get_by_role("listitem")).to_have_count(2)
        expect(current_item(page)).to_have_count(0)
        expect(queue(page)).to_contain_text("No one has asked for the floor.")
    # Only the moderator runs the agenda and drafts minutes; only a focal point raises a hand
    # for a jurisdiction.
    expect(agenda(secretariat).get_by_role("button", name=f"Take up {first}")).to_be_visible()
    expect(minutes(secretariat)).to_be_visible()
    for page in (eu, california):
        expect(agenda(page).get_by_role("button")).to_have_count(0)
        expect(minutes(page)).to_have_count(0)
    expect(queue(eu).get_by_role("button", name=f"Raise a hand for {EU_LABEL}")).to_be_visible()
    expect(queue(california).get_by_role("button", name="Raise my hand")).to_be_visible()
    expect(queue(california).get_by_role("button", name=re.compile("for"))).to_have_count(0)

    # --- 2. The moderator takes up the first item: everyone sees it, its clock runs -----------
    agenda(secretariat).get_by_role("button", name=f"Take up {first}").click()
    for page in (eu, california):
        expect(current_item(page)).to_contain_text(first)
        expect(current_item(page)).to_contain_text("Now discussing")
        expect(announced(page)).to_contain_text(f"Now discussing: {first}")
        clock = current_item(page).locator("[data-live-clock]")
        expect(clock).to_have_text(CLOCK)
        expect(clock).to_contain_text("/ 10:00")
        expect(clock).not_to_have_text(re.compile(r"^00:00 "))  # it ticks
    expect(agenda(secretariat).get_by_role("button", name=f"Next item {second}")).to_be_visible()
    expect(agenda(secretariat).get_by_role("button", name=f"Take up {first}")).to_have_count(0)

    # --- 3. Hands: the EU's for its jurisdiction, then California's, in order ------------------
    queue(eu).get_by_role("button", name=f"Raise a hand for {EU_LABEL}").click()
    expect(announced(eu)).to_contain_text("Your hand is raised.")
    queue(california).get_by_role("button", name="Raise my hand").click()
    for page in (secretariat, eu, california):
        expect(hands(page)).to_have_text([re.compile(rf"^{EU}"), re.compile(rf"^{CALIFORNIA}")])
        entries = queue(page).get_by_role("listitem")
        expect(entries.nth(0)).to_contain_text(f"{EU_LABEL} for the jurisdiction")
        expect(entries.nth(1)).to_contain_text(CALIFORNIA_LABEL)
        expect(entries.nth(1)).not_to_contain_text("for the jurisdiction")
    expect(hands(eu).first).to_have_text(f"{EU} (you)")
    axe_check(secretariat)  # the moderator's panels: the agenda running, a queue to run
    axe_check(eu)  # an official's panels

    # --- 4. The EU lowers its hand, then raises it again from the keyboard: last in line ------
    queue(eu).get_by_role("button", name="Lower my hand").click()
    expect(hands(eu)).to_have_text([CALIFORNIA])
    expect(announced(eu)).to_contain_text("Your hand is lowered.")
    # The button pressed went away: the focus is on the panel's heading, the next Tab is Raise.
    expect(queue(eu).get_by_role("heading", name="Speakers’ queue")).to_be_focused()
    eu.keyboard.press("Tab")
    raise_mine = queue(eu).get_by_role("button", name="Raise my hand")
    expect(raise_mine).to_be_focused()
    eu.keyboard.press("Enter")
    for page in (secretariat, eu, california):
        expect(hands(page)).to_have_text([re.compile(rf"^{CALIFORNIA}"), re.compile(rf"^{EU}")])
        expect(queue(page)).not_to_contain_text("for the jurisdiction")
    expect(queue(eu).get_by_role("button", name="Lower my hand")).to_be_visible()

    # --- 5. The moderator gives California the floor, skips the EU, clears the queue ----------
    queue(secretariat).get_by_role("button", name=f"Give the floor to {CALIFORNIA}").click()
    for page in (secretariat, eu, california):
        speaking = queue(page).get_by_role("listitem").first
        expect(speaking).to_contain_text("Speaking")
        expect(speaking).to_contain_text(CALIFORNIA)
        expect(hands(page)).to_have_count(2)
    expect(announced(eu)).to_contain_text(f"{CALIFORNIA} has the floor")
    queue(secretariat).get_by_role("button", name=f"Skip {EU}").click()
    expect(hands(eu)).to_have_text([CALIFORNIA])
    expect(queue(eu).get_by_role("button", name="Raise my hand")).to_be_visible()
    queue(secretariat).get_by_role("button", name="Clear the queue").click()
    for page in (secretariat, eu, california):
        expect(queue(page)).to_contain_text("No one has asked for the floor.")
        expect(hands(page)).to_have_count(0)

    # --- 6. Minutes drafted live: a summary typed, a decision taken from a chat message -------
    composer = main(eu).locator("form[data-chat-form]")
    composer.get_by_label("Your message").fill(said)
    composer.get_by_role("button", name="Send").click()
    expect(chat_message(secretariat, said)).to_have_attribute("data-seq", re.compile(r"^\d+$"))

    draft = minutes(secretariat)
    expect(draft).to_contain_text(f"Notes go to the minutes of “{first}”.")
    expect(draft.get_by_label("Summary")).to_be_checked()
    expect(draft.get_by_label("Owner")).to_be_hidden()  # for an action only
    draft.get_by_role("button", name="Add to the minutes").click()  # nothing written: refused
    expect(draft.get_by_role("alert")).to_have_text("Write the note, or take it from a message.")
    draft.get_by_label("Note", exact=True).fill(summary)
    draft.get_by_role("button", name="Add to the minutes").click()
    expect(draft.get_by_role("status")).to_have_text("The note is in the item's summary.")
    expect(draft.get_by_label("Note", exact=True)).to_have_value("")

    chat_message(secretariat, said).get_by_role("button", name="To minutes").click()
    expect(draft).to_contain_text(f"From the message of {EU}")
    expect(draft.get_by_label("Note", exact=True)).to_be_focused()
    draft.get_by_label("Decision").check()
    draft.get_by_role("button", name="Add to the minutes").click()
    expect(draft.get_by_role("status")).to_have_text("The note is in the item's decisions.")
    expect(draft).not_to_contain_text("From the message of")

    expect(draft.get_by_role("alert")).to_have_count(0)  # the refusal went with the next note

    # --- 7. On to the second item, from a page without JavaScript; a reload shows it all -------
    plain = new_context(
        browser,
        enclave_server,
        java_script_enabled=False,
        storage_state=signed_in_states["secretariat"],
    )
    try:
        no_script = plain.new_page()
        no_script.goto(room_url)
        expect(current_item(no_script)).to_contain_text(first)
        expect(current_item(no_script)).to_contain_text("Now discussing")
        agenda(no_script).get_by_role("button", name=f"Next item {second}").click()
        expect_status_message(no_script, "The agenda item is taken up.")
        expect(current_item(no_script)).to_contain_text(second)
    finally:
        plain.close()
    expect(current_item(secretariat)).to_contain_text(second)
    for page in (eu, california):
        expect(current_item(page)).to_contain_text(second)
        expect(announced(page)).to_contain_text(f"Now discussing: {second}")
    expect(agenda(eu).get_by_role("listitem").first.locator("[data-live-clock]")).to_have_text(
        CLOCK  # the first item keeps the time it used
    )
    queue(california).get_by_role("button", name="Raise my hand").click()
    expect(hands(eu)).to_have_text([CALIFORNIA])

    eu.reload()
    expect(current_item(eu)).to_contain_text(second)  # rendered by the server
    expect(hands(eu)).to_have_text([CALIFORNIA])
    expect(chat_status(eu)).to_have_text("Live")  # and again after the socket's `live`
    expect(current_item(eu)).to_contain_text(second)
    expect(current_item(eu).locator("[data-live-clock]")).to_have_text(re.compile(r" / 05:00$"))
    expect(hands(eu)).to_have_text([CALIFORNIA])

    # --- 8. On a phone the moderator is told when the item runs over its time -----------------
    phone = open_as("secretariat", phone=True)
    phone.clock.install()  # the page's own clock, moved on below (the server's stays real)
    open_room(phone, room_url)
    expect(current_item(phone)).to_contain_text(second)
    # The socket's `live` frame sets the clock against the server's: moved on before it
    # arrives, the page's clock would be measured back to the server's real time.
    expect(main(phone).locator("[data-live-synced]")).to_be_attached()
    over_time = current_item(phone).get_by_text("over time", exact=True)
    expect(over_time).to_be_hidden()
    phone.clock.fast_forward("06:00")
    expect(over_time).to_be_visible()
    expect(current_item(phone).locator("[data-live-clock]")).to_have_text(re.compile(r"^0[6-9]:"))
    expect(announced(phone)).to_contain_text(f"{second} is over its time.")
    axe_check(phone)  # the moderator's panels on a 390 px phone
    assert no_sideways_scroll(phone)
    # Real time elsewhere: 5 minutes to go.
    expect(current_item(california).get_by_text("over time", exact=True)).to_be_hidden()

    # --- 9. The session ends: the drafts are in the minutes editor ----------------------------
    secretariat.goto(session_url)
    step_button(secretariat, "End the session").click()
    expect_status_message(
        secretariat, "The session has ended: its room is closed. Write the minutes next."
    )
    # The officials' panels hear it live: the clock stops, the queue empties, nothing to press.
    expect(agenda(eu)).to_contain_text("The session is not live")
    expect(current_item(eu)).to_have_count(0)
    expect(main(eu).get_by_role("button", name=re.compile("Raise"))).to_have_count(0)
    main(secretariat).get_by_role("region", name="Minutes").get_by_role(
        "link", name=f"Write the minutes of “{first}”"
    ).click()
    written = main(secretariat).get_by_role("region", name="What was discussed and decided")
    expect(written.get_by_label("Summary")).to_have_value(summary)
    expect(written.get_by_label("Decisions")).to_have_value(re.compile(re.escape(said)))
