"""Orientation in a real browser: the dashboard's activity grouped by thread and its dialogue
cards' rules, the reader's standing (account menu and workspace header), the bell updating
live (over a chat room's socket, and by the poll elsewhere) with a polite announcement, and
the header's one-row menu on a phone. Every page is checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from .support import AXE_JS, AXE_TAGS, OpenAs, axe_check, goto, unique

pytestmark = pytest.mark.e2e

CHAT_URL = "/w/offsets/chat/"


def bell(page: Page) -> Locator:
    """The bell's count in the primary nav (laptop layout)."""
    return page.locator(".primary-nav [data-nav-count]")


def bell_count(page: Page) -> int:
    return int(bell(page).get_attribute("data-nav-count"))


def live_status(page: Page) -> Locator:
    return page.locator("[data-live-counts-status]")


def axe_check_within(page: Page, selector: str) -> None:
    """axe-core (the same rules as axe_check) on one part of the page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        "async ([sel, tags]) => await axe.run({include: [sel]}, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        [selector, AXE_TAGS],
    )
    assert not results["violations"], [v["id"] for v in results["violations"]]


def mention_in_chat(page: Page, handle: str) -> None:
    """Send a chat message in the offsets room that @mentions `handle` (a notification)."""
    page.goto(CHAT_URL)
    expect(page.get_by_role("main").locator("[data-chat-status]")).to_have_text("Live")
    text = unique(f"@{handle} a question for you")
    form = page.get_by_role("main").locator("form[data-chat-form]")
    form.get_by_role("textbox").fill(text)
    form.get_by_role("button", name="Send").click()
    expect(page.locator("li.chat-message").filter(has_text=text[-8:])).to_be_visible()


def test_dashboard_groups_activity_and_shows_each_dialogues_rules(open_as: OpenAs):
    page = open_as("eu")
    goto(page, "/")
    activity = page.get_by_role("region", name="Recent activity")
    titles = activity.locator(".activity__title a").all_inner_texts()
    assert titles, "the demo world has recent activity"
    # One entry per thread: no thread twice (the headings name it once each).
    names = [re.sub(r"^(\d+ new repl(y|ies) in |New thread: )", "", t) for t in titles]
    assert len(names) == len(set(names)), titles
    cards = page.locator(".dialogue-list__item")
    offsets = cards.filter(has_text="Offsets and carbon removals")
    expect(offsets.locator(".workspace-modes")).to_contain_text("Observers contribute")
    expect(offsets.locator(".workspace-modes .badge")).to_have_text(
        re.compile(r"Named|Chatham House|Anonymous")
    )
    # The same words on the dialogue's own header.
    rules = offsets.locator(".workspace-modes").inner_text()
    goto(page, "/w/offsets/")
    expect(page.locator(".page-header .workspace-modes")).to_have_text(rules)


def test_who_am_i_here(open_as: OpenAs):
    page = open_as("chile")
    goto(page, "/")
    menu = page.locator(".user-menu")
    expect(menu.locator("summary")).to_contain_text("Observer focal point · Chile")
    menu.locator("summary").click()
    expect(menu.locator(".account-standing")).to_be_visible()
    axe_check(page)
    goto(page, "/w/offsets/")
    standing = page.locator(".page-header .standing")
    expect(standing).to_contain_text("Your standing here: Observer.")
    expect(standing).to_contain_text("full-members-only items are not shown to you")
    secretariat = open_as("secretariat")
    goto(secretariat, "/w/offsets/documents/")
    expect(secretariat.locator(".page-header .standing")).to_contain_text(
        "Secretariat on this roster"
    )


def test_the_bell_changes_live_over_the_chat_socket(open_as: OpenAs):
    reader = open_as("california")
    reader.goto(CHAT_URL)
    expect(reader.get_by_role("main").locator("[data-chat-status]")).to_have_text("Live")
    axe_check(reader)
    reader.evaluate("() => { window.__sameDocument = true; }")
    before = bell_count(reader)
    mention_in_chat(open_as("eu"), "california")
    expect(bell(reader)).to_have_attribute("data-nav-count", str(before + 1))
    expect(bell(reader)).to_be_visible()
    expect(live_status(reader)).to_have_text(re.compile(rf"^{before + 1} unread notifications?$"))
    assert reader.evaluate("() => window.__sameDocument === true"), "the page was reloaded"
    axe_check(reader)


def test_the_bell_changes_live_by_the_poll_where_no_socket_is_open(open_as: OpenAs):
    reader = open_as("quebec")
    goto(reader, "/")
    reader.evaluate("() => { window.__sameDocument = true; }")
    before = bell_count(reader)
    poller = reader.locator("#live-counts")
    expect(poller).to_have_attribute("data-hx-trigger", re.compile(r"every 30s"))
    mention_in_chat(open_as("eu"), "quebec")
    # The poll's next ticks, now rather than every 30 seconds (a tick while the last answer
    # is still on its way is dropped, as it would be in 30 s).
    reader.wait_for_function(
        """(n) => document.querySelector('.primary-nav [data-nav-count]').dataset.navCount === n
                  || (htmx.trigger('#live-counts', 'countsrefresh'), false)""",
        arg=str(before + 1),
        polling=500,
    )
    expect(bell(reader)).to_be_visible()
    expect(live_status(reader)).to_have_text(re.compile(rf"^{before + 1} unread notifications?$"))
    assert reader.evaluate("() => window.__sameDocument === true"), "the page was reloaded"
    axe_check(reader)


def test_the_header_is_one_row_with_a_menu_on_a_phone(open_as: OpenAs):
    # Signed in on the phone itself (the first use of this handle in the module).
    page = open_as("korea", phone=True)
    goto(page, "/")
    header = page.locator(".site-header__inner")
    brand = page.locator(".site-header .brand")
    toggle = page.locator(".site-menu summary")
    expect(toggle).to_be_visible()
    expect(page.locator(".site-header .primary-nav")).to_be_hidden()
    expect(page.locator(".site-header .user-nav")).to_be_hidden()
    # One row: the brand and the menu button side by side, the header no taller than a row.
    brand_box, toggle_box, header_box = (x.bounding_box() for x in (brand, toggle, header))
    assert (
        abs(
            (brand_box["y"] + brand_box["height"] / 2)
            - (toggle_box["y"] + toggle_box["height"] / 2)
        )
        < 8
    )
    assert header_box["height"] < 90, header_box
    assert toggle_box["x"] + toggle_box["width"] <= 390
    toggle.click()
    panel = page.locator(".site-menu__panel")
    expect(panel.get_by_role("link", name="My dialogues")).to_be_visible()
    expect(panel.get_by_role("link", name=re.compile("^Notifications"))).to_be_visible()
    expect(panel.get_by_role("link", name="Profile")).to_be_visible()
    expect(panel.get_by_role("button", name="Sign out")).to_be_visible()
    expect(panel.locator(".account-standing")).to_contain_text(
        "Member official · Republic of Korea"
    )
    # The open menu drops over the page (a page's targets under it are covered, as under any
    # menu): the menu itself is checked, the whole page was checked with it closed.
    axe_check_within(page, ".site-header")
    panel.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    expect(page.locator(".site-menu details")).not_to_have_attribute("open", "")
    axe_check(page)
    # Signing out from the phone's menu.
    menu = page.get_by_role("navigation", name="Menu", exact=True)
    menu.locator("summary").click()
    menu.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
