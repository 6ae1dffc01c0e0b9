"""Dialogue sessions in a real browser: prepare, schedule, run, minute, review and approve.

The Secretariat prepares a session of the offsets dialogue (a form, an agenda with a presenter and
a pre-read), schedules it, starts it and ends it; a participant (eu@) registers, talks in the
session's live room and comments on the minutes; the Co-Chair approves them. Three browser
contexts, one per person, over the live daphne. Each page, and each state of the session page,
is checked once with axe-core (revisits are not).
Each demo user signs in once per module; the Co-Chair uses the session-wide sign-in.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from .support import OpenAs, axe_check, goto, unique

pytestmark = pytest.mark.e2e

SLUG = "offsets"
SESSIONS_URL = f"/w/{SLUG}/sessions/"
SESSION_URL = re.compile(rf"/w/{SLUG}/s/(\d+)/(#[\w-]+)?$")
ROOM_URL = re.compile(rf"/w/{SLUG}/s/\d+/room/$")

TIME_ZONE = "America/Toronto"
EU = "Camille Laurent"
EU_CHOICE = f"{EU} (European Union)"  # as the presenter and owner <select>s list people
PRE_READ = "Removals MRV workshop notes"  # in the offsets library, open to everyone (demo)


# ------------------------------------------------------------------------------
# Helpers (open_as and signed_in_states are in conftest.py)
# ------------------------------------------------------------------------------


def main(page: Page) -> Locator:
    return page.get_by_role("main")


def expect_status_message(page: Page, text: str) -> None:
    """A success message (role=status) with `text`."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def expect_error_message(page: Page, text: str) -> None:
    """An error message (role=alert) with `text`."""
    expect(page.get_by_role("alert").filter(has_text=text)).to_be_visible()


def status_badge(page: Page) -> Locator:
    """The session's status badge, next to its title (shown to everyone)."""
    return main(page).locator(".session-badges .badge").first


def current_step(page: Page) -> Locator:
    """The current step of the Lifecycle card (shown to those who run or move the session)."""
    lifecycle = main(page).get_by_role("region", name="Lifecycle")
    return lifecycle.get_by_role("listitem").and_(lifecycle.locator("[aria-current=step]"))


def step_button(page: Page, label: str) -> Locator:
    return main(page).get_by_role("region", name="Lifecycle").get_by_role("button", name=label)


def open_session(page: Page, session_url: str, title: str) -> None:
    """Visit the session page (no axe here: the test checks each state of the page once)."""
    page.goto(session_url)
    expect(main(page).get_by_role("heading", name=title, level=2)).to_be_visible()


def chat_status(page: Page) -> Locator:
    return main(page).locator("[data-chat-status]")


def chat_message(page: Page, text: str) -> Locator:
    log = main(page).get_by_role("log", name="Messages")
    return log.locator("li.chat-message").filter(has_text=text)


def agenda_item(page: Page, title: str) -> Locator:
    return (
        main(page)
        .locator("ol.agenda > li")
        .filter(has=page.get_by_role("heading", name=title, level=4))
    )


def add_agenda_item(
    page: Page,
    title: str,
    minutes: int,
    *,
    presenter: str | None = None,
    document: str | None = None,
    a11y: bool = False,
) -> None:
    """On the session page: "Add an agenda item", fill the form, add it; back on the session."""
    main(page).get_by_role("link", name="Add an agenda item").click()
    expect(main(page).get_by_role("heading", name="New agenda item", level=2)).to_be_visible()
    if a11y:
        axe_check(page)
    form = main(page).locator("form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Duration (minutes)").fill(str(minutes))
    if presenter:
        form.get_by_label("Presenter").select_option(label=presenter)
    if document:
        pre_reads = form.get_by_role("group", name="Pre-reads from the library")
        pre_reads.get_by_label(document, exact=True).check()
    form.get_by_role("button", name="Add to the agenda").click()
    expect(page).to_have_url(SESSION_URL)
    expect_status_message(page, "The agenda is saved.")
    expect(agenda_item(page, title)).to_be_visible()


def local_wall_clock(zone: str, days: int, hour: int) -> datetime:
    """`days` from now at `hour`:00, as a naive wall-clock time in `zone`."""
    now = datetime.now(zoneinfo.ZoneInfo(zone))
    return (now + timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0, tzinfo=None
    )


# ------------------------------------------------------------------------------
# The tests
# ------------------------------------------------------------------------------


def test_session_from_preparation_to_approved_minutes(open_as: OpenAs, cochair_page: Page):
    title = unique("Session: buffer pools for removals")
    first_item = unique("Opening and adoption of the agenda")
    second_item = unique("Buffer pools and reversal risk")
    said = unique("EU, in the session room: our buffer pool note is in the library")
    summary = unique("Participants compared buffer pool designs for engineered removals")
    decisions = unique("The Secretariat will circulate a comparison of buffer pool designs")
    action = unique("Circulate the EU options on tiered buffer contributions")
    correction = unique("Please record that the EU prefers tiered buffer contributions")
    starts = local_wall_clock(TIME_ZONE, days=7, hour=9)
    ends = starts + timedelta(hours=2)
    due = date.today() + timedelta(days=21)
    review_until = date.today() + timedelta(days=7)

    # --- 1. The Secretariat prepares the session and schedules it ------------------------------
    secretariat = open_as("secretariat")
    secretariat.goto(SESSIONS_URL)
    main(secretariat).get_by_role("link", name="New session").click()
    expect(main(secretariat).get_by_role("heading", name="New session", level=2)).to_be_visible()
    axe_check(secretariat)  # the session form

    form = main(secretariat).locator("form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Description").fill("Permanence, buffers and **reversal** liability.")
    form.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Ends").fill(ends.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Time zone").select_option(TIME_ZONE)
    form.get_by_role("button", name="Save the draft").click()

    expect(secretariat).to_have_url(SESSION_URL)
    session_url = secretariat.url.split("#")[0]
    expect_status_message(secretariat, "Draft saved. Add the agenda, then schedule it.")
    expect(main(secretariat).get_by_role("heading", name=title, level=2)).to_be_visible()
    expect(status_badge(secretariat)).to_have_text("Draft")
    expect(current_step(secretariat)).to_have_text("Draft")
    details = main(secretariat).get_by_role("region", name="Details")
    expect(details).to_contain_text(f"{starts:%H:%M}–{ends:%H:%M}{TIME_ZONE}")

    add_agenda_item(secretariat, first_item, 10)
    add_agenda_item(secretariat, second_item, 45, presenter=EU_CHOICE, document=PRE_READ, a11y=True)
    agenda = main(secretariat).locator("ol.agenda > li h4")
    expect(agenda).to_have_text([f"1. {first_item}", f"2. {second_item}"])
    second = agenda_item(secretariat, second_item)
    expect(second).to_contain_text(f"presented by {EU}, European Union")
    expect(second.get_by_role("link", name=PRE_READ)).to_be_visible()
    expect(main(secretariat)).to_contain_text("55 minutes in all")

    step_button(secretariat, "Schedule and notify the roster").click()
    expect(secretariat).to_have_url(SESSION_URL)
    expect_status_message(secretariat, "The session is scheduled; the roster is notified.")
    expect(status_badge(secretariat)).to_have_text("Scheduled")
    expect(current_step(secretariat)).to_have_text("Scheduled")
    expect(step_button(secretariat, "Start the session")).to_be_visible()
    axe_check(secretariat)  # the scheduled session, as its organiser

    # --- 2. A participant finds it, sees the agenda and registers -------------------------------
    eu = open_as("eu")
    goto(eu, SESSIONS_URL)
    upcoming = main(eu).get_by_role("region", name="Upcoming")
    upcoming.get_by_role("link", name=title, exact=True).click()
    expect(eu).to_have_url(session_url)
    expect(main(eu).get_by_role("heading", name=title, level=2)).to_be_visible()
    expect(status_badge(eu)).to_have_text("Scheduled")
    expect(main(eu).locator("ol.agenda > li h4")).to_have_text(
        [f"1. {first_item}", f"2. {second_item}"]
    )
    expect(agenda_item(eu, second_item).get_by_role("link", name=PRE_READ)).to_be_visible()
    expect(main(eu).get_by_role("link", name="Add an agenda item")).to_have_count(0)
    expect(main(eu).get_by_role("region", name="Lifecycle")).to_have_count(0)

    registration = main(eu).get_by_role("region", name="Registration")
    expect(registration).to_contain_text("0 people registered so far.")
    registration.get_by_role("button", name="Register me").click()
    expect_status_message(eu, f"{EU} is registered.")
    registration = main(eu).get_by_role("region", name="Registration")
    expect(registration).to_contain_text("You are registered")
    expect(registration).to_contain_text("1 person registered so far.")
    expect(registration.get_by_role("button", name="Unregister yourself")).to_be_visible()
    axe_check(eu)  # the session page, as a participant

    # --- 3. The Secretariat starts it: the session room is live ---------------------------------
    open_session(secretariat, session_url, title)
    step_button(secretariat, "Start the session").click()
    expect(secretariat).to_have_url(ROOM_URL)
    room_url = secretariat.url
    expect_status_message(secretariat, "The session is live: its room is open.")
    expect(main(secretariat).get_by_role("heading", name="Session room", level=2)).to_be_visible()
    expect(chat_status(secretariat)).to_have_text("Live")

    open_session(eu, session_url, title)
    expect(status_badge(eu)).to_have_text("Live")
    main(eu).get_by_role("link", name="Join the live room").click()
    expect(eu).to_have_url(room_url)
    expect(chat_status(eu)).to_have_text("Live")
    composer = main(eu).locator("form[data-chat-form]")
    composer.get_by_label("Your message").fill(said)
    composer.get_by_role("button", name="Send").click()
    expect(chat_message(eu, said)).to_have_attribute("data-seq", re.compile(r"^\d+$"))

    received = chat_message(secretariat, said)  # live, without a reload
    expect(received).to_have_count(1)
    expect(received.locator(".chat-message__author")).to_have_text(EU)
    axe_check(secretariat)  # the session room, with a live message

    # --- 4. The Secretariat ends it: the room is closed -----------------------------------------
    open_session(secretariat, session_url, title)
    step_button(secretariat, "End the session").click()
    expect_status_message(
        secretariat, "The session has ended: its room is closed. Write the minutes next."
    )
    expect(status_badge(secretariat)).to_have_text("Minutes in review")
    expect(current_step(secretariat)).to_have_text("Minutes in review")
    # The participant's open room hears it live: the composer closes, with a notice.
    live_composer = main(eu).locator("form[data-chat-form]")
    expect(live_composer.locator("[data-chat-form-notice]")).to_have_text(
        "The session has ended: this room is closed."
    )
    expect(live_composer.get_by_label("Your message")).to_be_disabled()
    expect(live_composer.get_by_role("button", name="Send")).to_be_disabled()
    expect(main(eu).locator("[data-chat-locked-notice]")).to_be_visible()

    eu.reload()
    expect(main(eu).get_by_text("The session has ended: this room is closed.")).to_be_visible()
    expect(main(eu).locator("form[data-chat-form]")).to_have_count(0)
    expect(main(eu).get_by_label("Your message")).to_have_count(0)
    expect(main(eu).locator("[data-chat-readonly]")).to_have_text(
        "This room is closed: you can read it, but no one can post in it any more."
    )
    expect(chat_message(eu, said)).to_have_count(1)  # what was said stays readable
    axe_check(eu)  # the closed room

    # --- 5. The Secretariat writes the minutes, adds an action and shares them ------------------
    minutes = main(secretariat).get_by_role("region", name="Minutes")
    minutes.get_by_role("link", name=f"Write the minutes of “{second_item}”").click()
    expect(
        main(secretariat).get_by_role("heading", name=f"Minutes: {second_item}", level=2)
    ).to_be_visible()
    axe_check(secretariat)  # the minutes form
    minutes_form = main(secretariat).get_by_role("region", name="What was discussed and decided")
    minutes_form.get_by_label("Summary").fill(summary)
    minutes_form.get_by_label("Decisions").fill(decisions)
    minutes_form.get_by_role("button", name="Save the minutes").click()
    expect(secretariat).to_have_url(SESSION_URL)
    expect_status_message(secretariat, "The minutes of this item are saved.")
    entry = main(secretariat).get_by_role("article", name=re.compile(re.escape(second_item)))
    expect(entry).to_contain_text(summary)
    expect(entry).to_contain_text(decisions)

    entry.get_by_role("link", name=f"Write the minutes of “{second_item}”").click()
    actions = main(secretariat).get_by_role("region", name="Actions")
    expect(actions).to_contain_text("No actions on this item yet.")
    add_action = actions.get_by_role("form", name="Add an action")
    add_action.get_by_label("Action").fill(action)
    add_action.get_by_label("Owner").select_option(label=EU_CHOICE)
    add_action.get_by_label("Due").fill(due.isoformat())
    add_action.get_by_role("button", name="Add the action").click()
    expect_status_message(secretariat, "The action is added.")
    listed = main(secretariat).locator(".actions-list__item").filter(has_text=action)
    expect(listed).to_contain_text(f"Owner: {EU}, European Union")
    expect(listed.locator("time")).to_have_attribute("datetime", due.isoformat())
    # The saved minutes come back into the form.
    expect(main(secretariat).get_by_label("Summary")).to_have_value(summary)

    main(secretariat).get_by_role("link", name="Back to the session").click()
    expect(secretariat).to_have_url(SESSION_URL)
    share = main(secretariat).get_by_role("form", name="Share the minutes for review")
    share.get_by_label("Comments close on").fill(review_until.isoformat())
    share.get_by_role("button", name="Share for review").click()
    expect_status_message(secretariat, "The minutes are shared for review; the roster is notified.")
    expect(
        main(secretariat).get_by_role("form", name="Share the minutes for review")
    ).to_have_count(0)
    expect(main(secretariat).get_by_role("region", name="Minutes")).to_contain_text(
        "Minutes in review."
    )

    # --- 6. The participant comments; the action is on their dashboard --------------------------
    open_session(eu, session_url, title)
    entry = main(eu).get_by_role("article", name=re.compile(re.escape(second_item)))
    expect(entry).to_contain_text(summary)
    expect(entry.locator(".actions-list__item").filter(has_text=action)).to_contain_text(
        f"Owner: {EU}"
    )
    review = main(eu).get_by_role("region", name="Review")
    expect(review).to_contain_text("No comments yet.")
    comment_form = review.get_by_role("form", name="Comment on the minutes")
    comment_form.get_by_role("group", name="Type of comment").get_by_label(
        "Suggested correction"
    ).check()
    comment_form.get_by_label("About").select_option(label=second_item)
    comment_form.get_by_label("Your comment").fill(correction)
    comment_form.get_by_role("button", name="Add your comment").click()
    expect_status_message(eu, "Your comment is added to the review.")
    comment = main(eu).get_by_role("region", name="Review").locator("li.comment")
    expect(comment).to_have_count(1)
    expect(comment).to_contain_text(correction)
    expect(comment.locator(".comment__author")).to_have_text(f"{EU}, European Union")
    expect(comment.locator(".badge")).to_have_text("Suggested correction")
    expect(comment).to_contain_text(f"on “{second_item}”")
    axe_check(eu)  # the minutes in review, with a comment

    eu.goto("/")
    my_actions = main(eu).get_by_role("region", name="Your actions")
    mine = my_actions.get_by_role("listitem").filter(has_text=action)
    expect(mine).to_have_count(1)
    expect(mine.get_by_role("link", name=title)).to_be_visible()

    # --- 7. A refused step: whoever shared the minutes does not approve them --------------------
    open_session(secretariat, session_url, title)
    expect(main(secretariat).get_by_role("region", name="Review")).to_contain_text(correction)
    # The button that would be refused is not offered; the page says who approves instead.
    expect(step_button(secretariat, "Approve the minutes and close")).to_have_count(0)
    expect(main(secretariat)).to_contain_text(
        "Minutes are approved by someone other than the person who shared them."
    )
    expect(status_badge(secretariat)).to_have_text("Minutes in review")
    expect(current_step(secretariat)).to_have_text("Minutes in review")
    expect(main(secretariat).get_by_role("region", name="Minutes")).to_contain_text("Draft minutes")

    # --- 8. The Co-Chair approves: the session is closed ----------------------------------------
    cochair = cochair_page
    open_session(cochair, session_url, title)
    step_button(cochair, "Approve the minutes and close").click()
    expect_status_message(cochair, "The minutes are approved and published to the roster.")
    expect(status_badge(cochair)).to_have_text("Closed")
    closed_minutes = main(cochair).get_by_role("region", name="Minutes")
    expect(closed_minutes).to_contain_text("Approved")
    expect(closed_minutes).to_contain_text(re.compile(r"Approved on \w{3} \d{1,2} \w{3} \d{4}"))
    expect(closed_minutes).to_contain_text(summary)
    expect(main(cochair).get_by_role("form", name="Comment on the minutes")).to_have_count(0)
    axe_check(cochair)  # the closed session

    open_session(secretariat, session_url, title)
    expect(current_step(secretariat)).to_have_text("Closed")
    expect(
        main(secretariat).get_by_role("link", name=re.compile(r"^Write the minutes"))
    ).to_have_count(0)
    expect(
        main(secretariat).get_by_role("region", name="Lifecycle").get_by_role("button")
    ).to_have_count(0)

    # --- 9. The printable page carries the approved minutes -------------------------------------
    open_session(eu, session_url, title)
    href = main(eu).get_by_role("link", name="Printable page").get_attribute("href")
    assert re.fullmatch(rf"/w/{SLUG}/s/\d+/export\.html", href), href
    response = eu.goto(href)
    assert response is not None and response.status == 200, response and response.status
    assert response.headers["content-type"].startswith("text/html"), response.headers
    expect(eu.locator("body")).to_contain_text(title)
    expect(eu.locator("body")).to_contain_text(summary)
    expect(eu.locator("body")).to_contain_text(decisions)
    axe_check(eu)  # the printable page


def test_attribution_page_for_the_secretariat(open_as: OpenAs):
    """The Secretariat's attribution setting for a dialogue: read, not changed (shared demo DB)."""
    secretariat = open_as("secretariat")
    goto(secretariat, f"/w/{SLUG}/attribution/")
    expect(main(secretariat).get_by_role("heading", name="Attribution", level=2)).to_be_visible()
    modes = main(secretariat).get_by_role("group", name="Attribution")
    expect(modes.get_by_role("radio")).to_have_count(3)
    expect(modes.get_by_label("Named")).to_be_checked()
    expect(
        main(secretariat).get_by_role("button", name="Save the attribution mode")
    ).to_be_enabled()
    expect(
        main(secretariat).get_by_role("region", name="The three modes").locator("dt")
    ).to_have_text(["Named", "Chatham House", "Anonymous"])
