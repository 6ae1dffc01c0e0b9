"""The document library in a real browser: upload with progress, markings, audiences, hostile files.

Every page visited is checked with axe-core (WCAG 2.2 AA + best practice). Each demo user signs
in once per module; later tests reuse that session in a fresh browser context.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .support import OpenAs, axe_check, expect_not_found, goto, unique

pytestmark = pytest.mark.e2e

DOCUMENTS = "/w/offsets/documents/"
UPLOAD = "/w/offsets/documents/upload/"
DETAIL_URL = re.compile(r"/w/offsets/documents/(\d+)/$")

# Seeded in /w/offsets/ (demo/workspaces.py).
DRAFT = "Permanence and liability for removals — Co-Chair draft"  # full members only, "Draft"
QUALITY = "Offset quality criteria — comparison table"  # everyone, "Do not cite"

# Slow enough that the progress bar is seen (and checked) before the upload ends: ~3 s.
UPLOAD_SIZE = 3 * 1024 * 1024
UPLOAD_BYTES_PER_SECOND = 1_000_000

# ------------------------------------------------------------------------------
# Helpers (open_as and signed_in_states are in conftest.py)
# ------------------------------------------------------------------------------


def document_links(page: Page):
    return page.get_by_role("main").locator("a.document-link")


def open_document(page: Page, title: str) -> str:
    """From the offsets document list, open the document `title`; returns its URL."""
    goto(page, DOCUMENTS)
    document_links(page).filter(has_text=title).click()
    expect(page).to_have_url(DETAIL_URL)
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    axe_check(page)
    return page.url


def fill_upload_form(page: Page, *, name: str, content: bytes, title: str, tags: str = "") -> None:
    main = page.get_by_role("main")
    main.get_by_label("File", exact=True).set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": content}
    )
    # upload.js shows the chosen file's name.
    expect(main.get_by_role("status")).to_contain_text(f"Selected file: {name}")
    main.get_by_label("Title").fill(title)
    if tags:
        main.get_by_label("Tags").fill(tags)


# ------------------------------------------------------------------------------
# Uploads
# ------------------------------------------------------------------------------


def test_upload_shows_progress_and_lands_on_the_document(open_as: OpenAs):
    title = unique("Buffer pool note")
    content = b"%PDF-1.4\n" + b"0" * (UPLOAD_SIZE - 9)
    sha256 = hashlib.sha256(content).hexdigest()

    page = open_as("eu")
    goto(page, UPLOAD)
    fill_upload_form(
        page, name="Buffer pool note.pdf", content=content, title=title, tags="buffers, removals"
    )
    axe_check(page)  # with the file chosen

    # Throttle the upload so that the progress bar is there long enough to be checked.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 50,
            "downloadThroughput": -1,
            "uploadThroughput": UPLOAD_BYTES_PER_SECOND,
        },
    )
    main = page.get_by_role("main")
    main.get_by_role("button", name="Upload", exact=True).click()

    bar = main.get_by_role("progressbar", name="Uploading…")
    expect(bar).to_be_visible()
    expect(main.get_by_role("button", name="Upload", exact=True)).to_be_disabled()
    # The bar moves (upload progress events), and its percentage is announced.
    expect(bar).to_have_attribute("value", re.compile(r"^[1-9]\d?$"))
    expect(main.locator("[data-upload-percent]")).to_have_text(re.compile(r"^\d+\s?%$"))
    axe_check(page)  # with the progress bar showing

    expect(page).to_have_url(DETAIL_URL, timeout=20_000)
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    cdp.detach()
    expect(page.get_by_role("status").filter(has_text=f"“{title}” is shared.")).to_be_visible()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    axe_check(page)

    versions = page.get_by_role("table", name="Versions of the document, newest first")
    rows = versions.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("rowheader")).to_contain_text("v1")
    expect(rows.first).to_contain_text("Buffer pool note.pdf")
    expect(rows.first.locator("td.cell--hash")).to_have_text(sha256)

    # Listed, with its tags.
    goto(page, DOCUMENTS)
    row = (
        page.get_by_role("main")
        .get_by_role("row")
        .filter(has=page.locator("a.document-link", has_text=title))
    )
    expect(row).to_have_count(1)
    expect(row.locator(".tag-list")).to_contain_text("buffers")
    expect(row.locator(".tag-list")).to_contain_text("removals")


def test_hostile_upload_is_refused(open_as: OpenAs):
    title = unique("Hostile report")
    page = open_as("eu")
    goto(page, UPLOAD)
    fill_upload_form(
        page,
        name="report.pdf",
        content=b"<!DOCTYPE html><script>alert(1)</script>",
        title=title,
    )
    main = page.get_by_role("main")
    main.get_by_role("button", name="Upload", exact=True).click()

    # The form comes back (400), swapped in by upload.js: a summary, and the reason at the field.
    expect(main.get_by_role("alert").filter(has_text="Please correct the fields")).to_be_visible()
    file_input = main.get_by_label("File", exact=True)
    expect(file_input).to_have_attribute("aria-invalid", "true")
    expect(file_input).to_be_focused()
    error = main.locator(".field__errors")
    expect(error).to_have_text("HTML, SVG and XML files are not accepted: they could run code.")
    expect(page).to_have_url(re.compile(re.escape(UPLOAD) + "$"))
    expect(main.get_by_label("Title")).to_have_value(title)  # what was typed is kept
    axe_check(page)

    goto(page, DOCUMENTS)
    expect(document_links(page).filter(has_text=QUALITY)).to_have_count(1)
    expect(page.get_by_role("main")).not_to_contain_text(title)


# ------------------------------------------------------------------------------
# Markings and downloads
# ------------------------------------------------------------------------------


def test_acknowledge_a_marking_then_download(open_as: OpenAs):
    page = open_as("california")
    detail_url = open_document(page, QUALITY)
    main = page.get_by_role("main")
    expect(main.locator(".badge--marking")).to_have_text("Do not cite")
    note = "Before your first download you are asked to acknowledge this marking."
    expect(main).to_contain_text(note)

    main.get_by_role("link", name=re.compile(r"^Download latest \(v2,")).click()
    expect(page).to_have_url(re.compile(r"/w/offsets/documents/\d+/acknowledge/\?version=\d+$"))
    expect(page.get_by_role("heading", name="Before you download", level=1)).to_be_visible()
    expect(main).to_contain_text("Do not quote or cite this document outside the dialogue.")
    axe_check(page)

    with page.expect_download() as first:
        main.get_by_role("button", name="I acknowledge — download").click()
    download = first.value
    assert download.failure() is None
    assert download.suggested_filename == "quality-criteria.pdf", download.suggested_filename
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    # Acknowledged once per document: the next download starts straight away.
    goto(page, detail_url)
    expect(main).not_to_contain_text(note)
    with page.expect_download() as second:
        main.get_by_role("link", name=re.compile(r"^Download latest \(v2,")).click()
    download = second.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
    expect(page).to_have_url(detail_url)


# ------------------------------------------------------------------------------
# Audiences
# ------------------------------------------------------------------------------


def test_observer_does_not_see_a_full_members_document(open_as: OpenAs):
    eu = open_as("eu")
    draft_url = open_document(eu, DRAFT)
    expect(eu.get_by_role("main").locator(".badge--audience")).to_have_text("Full members only")
    path = re.sub(r"^https?://[^/]+", "", draft_url)

    chile = open_as("chile")
    goto(chile, DOCUMENTS)
    links = document_links(chile)
    expect(links.filter(has_text=QUALITY)).to_have_count(1)  # the others are there
    expect(links.filter(has_text=DRAFT)).to_have_count(0)
    expect(chile.get_by_role("main")).not_to_contain_text(DRAFT)
    expect(chile.locator("main .badge--audience")).to_have_count(0)

    expect_not_found(chile, path, DRAFT)

    # Nor can it be downloaded, or its marking acknowledged.
    for suffix in ("download/", "acknowledge/"):
        response = chile.request.get(path + suffix, max_redirects=0)
        assert response.status == 404, (suffix, response.status)
