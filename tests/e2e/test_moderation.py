"""The Secretariat's tools in a real browser: moderation in a dialog without leaving the thread
page (HTMX), and the audit log with each action's reason, a link to its object and a CSV.

Every page (and every open dialog) is checked with axe-core, on a laptop and at phone width.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from .support import OpenAs, axe_check, goto, unique

pytestmark = pytest.mark.e2e

THREAD = "Forestry removals: reversal risk, buffers and averaging"  # by New Zealand, in offsets
MARKER = "() => window.enclaveNoReload"


def open_thread(page: Page) -> str:
    goto(page, "/w/offsets/")
    page.get_by_role("main").get_by_role("link", name=THREAD, exact=True).click()
    expect(page.get_by_role("heading", name=THREAD, level=1)).to_be_visible()
    axe_check(page)
    return page.url.split("?")[0].split("#")[0]


def reply(page: Page, text: str) -> int:
    composer = page.get_by_role("main").locator("section#reply")
    composer.get_by_label("Your reply").fill(text)
    composer.get_by_role("button", name="Post reply").click()
    expect(page).to_have_url(re.compile(r"#post-\d+$"))
    return int(page.url.rsplit("#post-", 1)[1])


def open_dialog(page: Page, opener_name: str, scope=None):
    """Click the moderation button, check the dialog opened with its reason field focused."""
    (scope or page.get_by_role("main")).get_by_role("link", name=opener_name).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("textbox")).to_be_focused()
    axe_check(page)  # with the dialog open
    return dialog


def assert_no_reload(page: Page) -> None:
    assert page.evaluate(MARKER) is True, "the page was reloaded"


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_secretariat_moderates_in_dialogs_and_reads_the_audit_log(open_as: OpenAs, phone: bool):
    text = unique("A reply to be hidden")
    reason = unique("Off-topic for this thread")
    lock_reason = unique("Concluded for this round")

    eu = open_as("eu", phone=phone)
    thread_url = open_thread(eu)
    post_id = reply(eu, text)

    page = open_as("secretariat", phone=phone)
    goto(page, f"{thread_url}#post-{post_id}")
    page.evaluate("() => { window.enclaveNoReload = true; }")
    article = page.locator(f"article#post-{post_id}")
    expect(article).to_contain_text(text)

    # Hide: the reason is asked in a dialog; Escape closes it and focus returns to the button.
    dialog = open_dialog(page, "Hide… the post by Camille Laurent", article)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(article.get_by_role("link", name=re.compile(r"^Hide…"))).to_be_focused()

    # Without a reason: the error next to the field, in the dialog, still open.
    dialog = open_dialog(page, "Hide… the post by Camille Laurent", article)
    dialog.get_by_role("button", name="Hide post").click()
    expect(dialog.get_by_text("Give a reason: it is kept in the audit log.")).to_be_visible()
    field = dialog.get_by_label("Reason for hiding the post")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    axe_check(page)
    field.fill(reason)
    dialog.get_by_role("button", name="Hide post").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(article).to_contain_text(f"Hidden by a moderator: {reason}")
    expect(page.locator("#thread-messages")).to_contain_text("The post is hidden.")
    show = article.get_by_role("link", name=re.compile(r"^Show…"))
    expect(show).to_be_focused()
    assert_no_reload(page)
    axe_check(page)

    # Lock and pin the thread the same way, then put both back (other tests use the thread).
    dialog = open_dialog(page, "Lock thread…")
    dialog.get_by_label("Reason for locking the thread").fill(lock_reason)
    dialog.get_by_role("button", name="Lock thread").click()
    badges = page.locator("#thread-badges")
    expect(badges).to_contain_text("Locked")
    expect(page.locator("#composer-lock-note")).to_contain_text("This thread is locked.")
    expect(page.get_by_role("link", name="Unlock thread…")).to_be_focused()
    dialog = open_dialog(page, "Pin thread…")
    dialog.get_by_role("button", name="Pin thread").click()  # a reason is optional here
    expect(badges).to_contain_text("Pinned")
    expect(page.locator("#thread-messages")).to_contain_text("The thread is pinned.")
    assert_no_reload(page)
    axe_check(page)
    open_dialog(page, "Unpin thread…").get_by_role("button", name="Unpin thread").click()
    expect(badges).not_to_contain_text("Pinned")
    open_dialog(page, "Unlock thread…").get_by_role("button", name="Unlock thread").click()
    expect(badges).not_to_contain_text("Locked")
    assert_no_reload(page)

    # Without JavaScript the same form is a page of its own.
    goto(page, f"/p/{post_id}/hide/")
    expect(
        page.get_by_role("heading", name=re.compile(r"^Show the post by"), level=1)
    ).to_be_visible()

    # The audit log: the reason, and a link to the post.
    goto(page, "/audit/?action=post_hidden")
    row = page.get_by_role("row").filter(has_text=reason)
    expect(row).to_contain_text(f"Reason: {reason}")
    row.get_by_role("link", name=f"Post in “{THREAD}”").click()
    expect(page).to_have_url(re.compile(rf"#post-{post_id}$"))
    expect(page.locator(f"article#post-{post_id}")).to_contain_text(reason)
    goto(page, "/audit/?action=thread_locked")
    expect(page.get_by_role("row").filter(has_text=lock_reason)).to_contain_text(
        f"Thread “{THREAD}”"
    )

    # The CSV of the filtered log.
    goto(page, "/audit/?action=post_hidden")
    with page.expect_download() as caught:
        page.get_by_role("link", name=re.compile(r"^Download CSV")).click()
    download = caught.value
    assert re.fullmatch(r"enclave-audit-log-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    body = open(download.path(), encoding="utf-8-sig").read()  # noqa: PTH123, SIM115
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:2] == ["Time", "Action"]
    assert {row[1] for row in rows[1:]} == {"Post hidden"}
    assert any(reason in row for row in rows[1:])
