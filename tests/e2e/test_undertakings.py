"""A dialogue's confidentiality undertaking in a real browser (laptop and phone, axe on every
page): the reader who has not accepted it opens the dialogue, sees the text instead of the
content, accepts, and lands where they were going. In the demo world that reader is nz@ on
`linking` (demo/workspaces.py); a new version asks them again.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .support import OpenAs, axe_check, goto

pytestmark = pytest.mark.e2e

LINKING = "/w/linking/"
UNDERTAKING = re.compile(r"/w/linking/undertaking/\?next=")
THREAD = "Precedents: what WCI and EU–Switzerland tell us about sequencing"


def accept_and_land(page: Page, text: str) -> None:
    """On the undertaking page: the text, no content; accept; back on the thread list."""
    expect(page).to_have_url(UNDERTAKING)
    expect(page.get_by_role("heading", name="Confidentiality undertaking", level=1)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(text)
    expect(page.get_by_role("main")).not_to_contain_text(THREAD)
    axe_check(page)
    page.get_by_role("button", name="I accept").click()
    expect(page).to_have_url(re.compile(r"/w/linking/$"))
    expect(page.get_by_role("heading", name="Linking", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=THREAD)).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("you accepted the undertaking")
    axe_check(page)


def test_a_reader_accepts_the_undertaking_before_reading(open_as: OpenAs):
    page = open_as("nz")
    goto(page, LINKING)
    accept_and_land(page, "Chatham House Rule")


def test_a_new_version_is_accepted_again_on_a_phone(open_as: OpenAs):
    secretariat = open_as("secretariat")
    goto(secretariat, f"{LINKING}undertaking/edit/")
    text = secretariat.get_by_label("Text of the undertaking")
    text.fill("**Chatham House Rule**, version two: not even the jurisdiction is named.")
    axe_check(secretariat)
    secretariat.get_by_role("button", name="Save as a new version").click()
    expect(secretariat.get_by_role("heading", name="Version 2")).to_be_visible()
    axe_check(secretariat)

    page = open_as("nz", phone=True)
    goto(page, LINKING)
    accept_and_land(page, "version two")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
