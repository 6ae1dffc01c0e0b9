"""The account settings' "My data" page in a real browser, on a laptop and on a phone.

An official opens "My data" from the account settings' navigation (after "API tokens"), asks
for their data, confirms their password on allauth's reauthentication page (which sends the
request on), comes back to the page, sees the archive ready (the page waits for it by itself
while it is prepared), downloads it, and finds their own post in the archive's index.html.

Each variant signs in as an official of its own (laptop: california@, phone: quebec@), so that
each asks for its password afresh. Every page is checked with axe-core and must not scroll
sideways.
"""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import Page, expect

from .support import OpenAs, confirm_password
from .test_factsheets import check_layout, expect_status_message, main, visit

pytestmark = pytest.mark.e2e

PAGE_URL = re.compile(r"/profile/data/$")
# Each official's own words in the demo world (demo/dialogue_content.py), in the same thread as
# the other's: each archive holds its official's words and not the other's.
OWN_POST = {"california": "the grouping works for us", "quebec": "who bears the risk"}
OTHER = {"california": "quebec", "quebec": "california"}


@pytest.mark.parametrize(
    ("handle", "phone"), [("california", False), ("quebec", True)], ids=["laptop", "phone"]
)
def test_an_official_downloads_their_data(open_fresh: OpenAs, handle: str, phone: bool, tmp_path):
    page: Page = open_fresh(handle, phone=phone)  # signed in now: the password is asked

    # From the account settings, where "My data" follows "API tokens".
    visit(page, "/profile/")
    nav = page.get_by_role("navigation", name="Account settings")
    links = nav.get_by_role("link")
    expect(links.nth(3)).to_have_text("API tokens")
    expect(links.nth(4)).to_have_text("My data")
    links.nth(4).click()
    expect(page).to_have_url(PAGE_URL)
    expect(page.get_by_role("heading", name="My data", level=1)).to_be_visible()
    expect(nav.get_by_role("link", name="My data")).to_have_attribute("aria-current", "page")
    expect(main(page).get_by_role("heading", name="What the archive holds")).to_be_visible()
    expect(main(page).get_by_role("heading", name="What it leaves out")).to_be_visible()
    check_layout(page)

    # Asking first asks for the password; allauth then sends the request on.
    main(page).get_by_role("button", name="Prepare my data").click()
    confirm_password(page)
    expect(page).to_have_url(PAGE_URL)
    expect_status_message(page, "Your data is being prepared.")

    # Ready (the page asks again by itself while it is being prepared).
    requests = main(page).get_by_role("region", name="Your requests")
    row = requests.locator("tr[data-export]").first
    expect(row).to_have_attribute("data-export", "ready")
    expect(row).to_contain_text("Ready")
    expect(row).to_contain_text(re.compile(r"\d+(\.\d+)?\s(bytes|KB|MB)"))
    check_layout(page)

    # The download: a ZIP whose index.html lists the official's own post.
    with page.expect_download() as started:
        row.get_by_role("link", name=re.compile(r"^Download")).click()
    download = started.value
    assert re.fullmatch(r"enclave-my-data-\d{4}-\d\d-\d\d\.zip", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        assert sorted(archive.namelist()) == ["README.txt", "data.json", "index.html"]
        index = archive.read("index.html").decode()
    assert OWN_POST[handle] in index
    assert OWN_POST[OTHER[handle]] not in index
    assert "<script" not in index.lower()

    # Downloaded: the page says when.
    page.reload()
    expect(requests.locator("tr[data-export]").first).to_contain_text("Downloaded on")
    check_layout(page)
