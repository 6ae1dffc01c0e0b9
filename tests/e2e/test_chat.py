"""The live chat in a real browser: live delivery, read-only observers, moderation, reconnecting.

Two (or more) browser contexts share the offsets dialogue's room (/w/offsets/chat/) over the live
daphne. Every page visited is checked with axe-core, and again once live messages are rendered.
Each demo user signs in once per module; later tests reuse that session in a fresh context.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, Request, WebSocketRoute, expect

from .support import OpenAs, axe_check, goto, unique

pytestmark = pytest.mark.e2e

CHAT_URL = "/w/offsets/chat/"
SETTINGS_URL = "/w/offsets/settings/"

NAMES = {"eu": "Camille Laurent", "california": "Daniel Ortiz", "secretariat": "Lena Hoffmann"}
# Seeded in the offsets room (demo/dialogues.py).
SEEDED_CHILE_MESSAGE = "Chile would welcome time for observers' questions on Article 6.4"


# ------------------------------------------------------------------------------
# Helpers (open_as and signed_in_states are in conftest.py)
# ------------------------------------------------------------------------------


def status(page: Page) -> Locator:
    """The connection status line ("Connecting…", "Live", "Reconnecting…")."""
    return page.get_by_role("main").locator("[data-chat-status]")


def chat_log(page: Page) -> Locator:
    return page.get_by_role("main").get_by_role("log", name="Messages")


def message(page: Page, text: str) -> Locator:
    """The message(s) in the log containing `text`."""
    return chat_log(page).locator("li.chat-message").filter(has_text=text)


def composer(page: Page) -> Locator:
    return page.get_by_role("main").locator("form[data-chat-form]")


def open_chat(page: Page) -> None:
    """Open the offsets room, wait until the websocket is live, then run axe."""
    page.goto(CHAT_URL)
    expect(page.get_by_role("heading", name="Live chat", level=2)).to_be_visible()
    expect(status(page)).to_have_text("Live")
    axe_check(page)
    # Set once per document: still there later means the page was never reloaded.
    page.evaluate("() => { window.__sameDocument = true; }")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("() => window.__sameDocument === true"), f"{page.url} was reloaded"


def send(page: Page, text: str) -> None:
    form = composer(page)
    form.get_by_label("Your message").fill(text)
    form.get_by_role("button", name="Send").click()


def expect_acknowledged(page: Page, text: str) -> int:
    """The author's own message is stored: a numbered entry, nothing left "Sending…". Its seq."""
    item = message(page, text)
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    expect(item).to_have_class(re.compile(r"\bchat-message--own\b"))
    log = chat_log(page)
    expect(log.locator(".chat-message--pending, .chat-message--failed")).to_have_count(0)
    expect(log).not_to_contain_text("Sending…")
    return int(item.get_attribute("data-seq"))


def expect_received(page: Page, text: str, author: str, seq: int) -> Locator:
    """Someone else's message arrived live, once, with its author and seq."""
    item = message(page, text)
    expect(item).to_have_count(1)
    expect(item).to_have_attribute("id", f"m-{seq}")
    expect(item.locator(".chat-message__author")).to_have_text(author)
    expect(item).not_to_have_class(re.compile(r"\bchat-message--own\b"))
    return item


def set_observer_policy(page: Page, policy: str) -> None:
    """As a facilitator: the offsets dialogue's settings, Observers -> `policy`, saved."""
    goto(page, SETTINGS_URL)
    main = page.get_by_role("main")
    main.get_by_label("Observers", exact=True).select_option(label=policy)
    main.get_by_role("button", name="Save settings").click()
    expect(page).to_have_url(re.compile(r"/w/offsets/$"))
    expect(main.get_by_text("The dialogue's settings are saved.")).to_be_visible()
    axe_check(page)


# ------------------------------------------------------------------------------
# The tests (the Secretariat's first: its TOTP sign-in is then far from test_dialogues')
# ------------------------------------------------------------------------------


def test_moderator_hides_a_live_message(open_as: OpenAs):
    text = unique("California, a message to be hidden")
    reason = unique("Off-topic for the room")

    california = open_as("california")
    open_chat(california)
    secretariat = open_as("secretariat")
    open_chat(secretariat)

    send(california, text)
    seq = expect_acknowledged(california, text)
    item = expect_received(secretariat, text, NAMES["california"], seq)
    axe_check(secretariat)  # with the live message and its Hide control

    item.locator("summary", has_text="Hide…").click()
    item.get_by_label("Reason for hiding the message").fill(reason)
    item.get_by_role("button", name="Hide message").click()

    # Both pages swap the text for the notice, live.
    for page in (california, secretariat):
        hidden = chat_log(page).locator(f"#m-{seq}")
        expect(hidden).to_have_class(re.compile(r"\bchat-message--hidden\b"))
        expect(hidden).to_contain_text("Hidden by a moderator")
        expect(hidden).not_to_contain_text(text)
        expect(hidden.locator("summary", has_text="Hide…")).to_have_count(0)
        assert_not_reloaded(page)
    axe_check(california)


def test_observer_with_a_read_only_policy_cannot_send(open_as: OpenAs):
    secretariat = open_as("secretariat")
    set_observer_policy(secretariat, "Observers read")
    try:
        chile = open_as("chile")
        open_chat(chile)  # live, for reading
        main = chile.get_by_role("main")
        expect(composer(chile)).to_have_count(0)
        expect(main.get_by_label("Your message")).to_have_count(0)
        expect(main.get_by_role("button", name="Send")).to_have_count(0)
        expect(main.locator("[data-chat-readonly]")).to_have_text(
            "You can read this room but not post in it."
        )
        # The history is readable, Chile's own earlier message included.
        expect(message(chile, SEEDED_CHILE_MESSAGE)).to_have_count(1)
    finally:
        set_observer_policy(secretariat, "Observers contribute")

    # Restored: Chile may post again.
    open_chat(chile)
    expect(composer(chile).get_by_label("Your message")).to_be_editable()


def test_two_members_chat_live(open_as: OpenAs):
    first = unique("EU, live: buffer pools note circulated")
    reply = unique("California, live: thanks, reading it now")

    eu = open_as("eu")
    open_chat(eu)
    california = open_as("california")
    open_chat(california)
    expect(eu.locator("[data-chat-present]")).to_contain_text(NAMES["california"])

    send(eu, first)
    seq = expect_acknowledged(eu, first)
    expect(composer(eu).get_by_label("Your message")).to_have_value("")
    expect_received(california, first, NAMES["eu"], seq)
    axe_check(california)  # with a live message rendered

    send(california, reply)
    reply_seq = expect_acknowledged(california, reply)
    assert reply_seq > seq
    expect_received(eu, reply, NAMES["california"], reply_seq)
    # In order: the reply comes after the first message.
    seqs = (
        chat_log(eu)
        .locator("li[data-seq]")
        .evaluate_all("items => items.map(item => Number(item.dataset.seq))")
    )
    assert seqs == sorted(seqs) and seqs.index(reply_seq) > seqs.index(seq), seqs
    axe_check(eu)

    for page in (eu, california):
        assert_not_reloaded(page)


def test_reconnect_catches_up_on_missed_messages(open_as: OpenAs):
    missed = unique("California, while the EU was offline")
    queued = unique("EU, written while offline")

    eu = open_as("eu")
    # context.set_offline() fails new connections but leaves an open websocket alone
    # (microsoft/playwright#4910): eu@'s sockets go through a route, so the test can drop them.
    servers: list[WebSocketRoute] = []  # the server side of each of eu@'s sockets

    def through(route: WebSocketRoute) -> None:
        servers.append(route.connect_to_server())

    eu.context.route_web_socket(re.compile(r"/ws/rooms/\d+/$"), through)
    open_chat(eu)
    california = open_as("california")
    open_chat(california)

    # The network goes: the socket drops, and a reconnection attempt fails (the page then
    # probes the room's URL, which fails too).
    def probe(request: Request) -> bool:
        return request.url.endswith(CHAT_URL)

    with eu.expect_event("requestfailed", predicate=probe):
        eu.context.set_offline(True)
        # No code: the browser closes the real socket only with 1000 or 3000-4999 (with
        # 1001, say, Playwright drops the close silently and daphne keeps the socket).
        servers[-1].close()
        expect(status(eu)).to_have_text("Reconnecting…")

        send(california, missed)
        seq = expect_acknowledged(california, missed)
        # Written offline: kept as "Sending…" until the socket is back.
        send(eu, queued)
        expect(message(eu, queued)).to_contain_text("Sending…")
    expect(status(eu)).to_have_text("Reconnecting…")
    expect(message(eu, missed)).to_have_count(0)
    axe_check(eu)  # reconnecting, with a message pending

    eu.context.set_offline(False)
    expect(status(eu)).to_have_text("Live")
    expect_received(eu, missed, NAMES["california"], seq)  # the catch-up
    queued_seq = expect_acknowledged(eu, queued)  # resent with its client_id
    assert queued_seq > seq
    expect_received(california, queued, NAMES["eu"], queued_seq)
    assert_not_reloaded(eu)
    axe_check(eu)
