"""What the sandboxed worker adds to a document, in a real browser: page previews on the document
page (under the app's enforced CSP), a stamped copy for each reader of a marked PDF, and the
Secretariat's trace page that leads a copy back to its reader.

Every page visited is checked with axe-core. The server runs tasks at once (the test settings'
immediate backend), so the previews are there when the upload lands on the document page.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.workspaces.extraction import documents as made

from .support import (
    CSP_RECORDER,
    OpenAs,
    axe_check,
    collect_console_errors,
    csp_violations,
    goto,
    new_context,
    unique,
)

pytestmark = pytest.mark.e2e

UPLOAD = "/w/offsets/documents/upload/"
DETAIL_URL = re.compile(r"/w/offsets/documents/(\d+)/$")
TRACE = "/audit/trace/"
PREVIEW_NAME = re.compile(r"^Preview of page \d+$")
CODE = re.compile(r"^[A-Z2-7]{10}$")
READER, READER_NAME, READER_JURISDICTION = "california", "Daniel Ortiz", "California"


def upload_pdf(
    page: Page, tmp_path: Path, *, title: str, pages: list[str], marking: str, audience: str = ""
) -> str:
    """As the signed-in official, share a PDF of `pages` in /w/offsets/; its page's URL."""
    content = made.pdf(tmp_path / "paper.pdf", pages).read_bytes()
    goto(page, UPLOAD)
    main = page.get_by_role("main")
    main.get_by_label("File", exact=True).set_input_files(
        {"name": "paper.pdf", "mimeType": "application/pdf", "buffer": content}
    )
    expect(main.get_by_role("status")).to_contain_text("Selected file: paper.pdf")
    main.get_by_label("Title").fill(title)
    if audience:
        main.get_by_label("Who may read it").select_option(label=audience)
    main.get_by_label("Handling marking").select_option(label=marking)
    main.get_by_role("button", name="Upload", exact=True).click()
    expect(page).to_have_url(DETAIL_URL, timeout=20_000)
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    axe_check(page)
    return page.url


def expect_loaded(page: Page, image) -> None:
    """The image is decoded and shown (lazy images load once scrolled into view)."""
    image.scroll_into_view_if_needed()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )


# ------------------------------------------------------------------------------
# Previews
# ------------------------------------------------------------------------------


def test_an_uploaded_pdf_shows_its_page_previews(
    open_as: OpenAs, browser, enclave_server, signed_in_states, tmp_path
):
    title = unique("Offset registry design")
    pages = ["Registry design, page one.", "Serial numbers, page two."]
    uploader = open_as("eu")
    detail_url = upload_pdf(
        uploader,
        tmp_path,
        title=title,
        pages=pages,
        marking="None",
        audience="Full members only",
    )
    expect(uploader.get_by_role("main")).not_to_contain_text("Indexing…")

    # The same reader, under the app's own CSP (no bypass): no violation, nothing broken.
    context = new_context(browser, enclave_server, storage_state=signed_in_states["eu"])
    context.add_init_script(CSP_RECORDER)
    try:
        page = context.new_page()
        console_errors = collect_console_errors(page)
        page.goto(detail_url)
        preview = page.get_by_role("region", name="Preview")
        images = preview.get_by_role("img", name=PREVIEW_NAME)
        expect(images).to_have_count(len(pages))
        expect(images.first).to_have_accessible_name("Preview of page 1")
        for index in range(len(pages)):
            expect_loaded(page, images.nth(index))
        page.wait_for_load_state("load")
        # Let queued violation reports (tasks) be delivered before reading them.
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")
        blocked = csp_violations(page) + [e for e in console_errors if "Content Security" in e]
        assert blocked == [], "CSP violations:\n" + "\n".join(blocked)
        assert console_errors == [], console_errors
        axe_check(page, csp_enforced=True)

        # Served like a download: locked down, never cached.
        source = images.first.get_attribute("src")
        response = page.request.get(source)
        assert response.status == 200
        assert response.body().startswith(b"\x89PNG\r\n\x1a\n")
        headers = response.headers
        assert headers["content-type"] == "image/png"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["content-security-policy"] == "default-src 'none'; sandbox"
        assert headers["cache-control"] == "private, no-store"
    finally:
        context.close()

    # An observer on the roster gets neither the full-members-only page nor its previews.
    observer = open_as("chile")
    for path in (re.sub(r"^https?://[^/]+", "", detail_url), source):
        assert observer.request.get(path).status == 404, path


# ------------------------------------------------------------------------------
# Stamped downloads and the trace page
# ------------------------------------------------------------------------------


def download_stamped_copy(page: Page, detail_url: str) -> tuple[bytes, str]:
    """As the signed-in reader, acknowledge the marking and download: (bytes, download id)."""
    from pypdf import PdfReader

    goto(page, detail_url)
    main = page.get_by_role("main")
    expect(main.locator(".callout--watermark")).to_have_text(
        "Each copy you download is watermarked: every page carries your name, your "
        "jurisdiction, the time and a download id."
    )
    main.get_by_role("link", name=re.compile(r"^Download latest \(v1,")).click()
    expect(page.get_by_role("heading", name="Before you download", level=1)).to_be_visible()
    axe_check(page)
    with page.expect_download() as started:
        main.get_by_role("button", name="I acknowledge — download").click()
    download = started.value
    assert download.failure() is None
    assert download.suggested_filename == "paper.pdf", download.suggested_filename
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"%PDF")
    code = str(PdfReader(io.BytesIO(body)).metadata["/EnclaveDownloadId"])
    assert CODE.fullmatch(code), code
    return body, code


def test_a_marked_pdf_is_stamped_for_its_reader_and_traced_back(open_as: OpenAs, tmp_path):
    from pypdf import PdfReader

    title = unique("Linking rules draft")
    pages = ["Linking rules, cover.", "Exchange rates between allowances.", "Annex: timeline."]
    detail_url = upload_pdf(
        open_as("eu"), tmp_path, title=title, pages=pages, marking="Draft – not for circulation"
    )

    body, code = download_stamped_copy(open_as(READER), detail_url)
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == len(pages)
    stamp = f"{READER_NAME} · {READER_JURISDICTION} · "
    for page, text in zip(reader.pages, pages, strict=True):
        extracted = page.extract_text()
        assert text in extracted and stamp in extracted, extracted
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC · " + code, extracted), extracted
    assert str(reader.metadata["/EnclaveDownload"]).startswith(stamp)

    # The Secretariat traces the copy: by the id read off a page, then by the file itself.
    secretariat = open_as("secretariat")
    goto(secretariat, TRACE)
    main = secretariat.get_by_role("main")
    main.get_by_label("Download id").fill(code)  # "(optional)" follows
    main.get_by_role("button", name="Trace").click()
    result = main.get_by_role("region", name="Result")
    expect(result).to_contain_text("Found by the download id.")
    found = result.get_by_role("listitem")
    expect(found).to_have_count(1)
    expect(found).to_contain_text(f"{READER_NAME}, {READER_JURISDICTION}")
    expect(found).to_contain_text(f"{READER}@demo.enclave.test")
    expect(found).to_contain_text(re.compile(rf"Download {code}, .* · watermarked"))
    expect(found).to_contain_text(f"“{title}”, version 1")
    axe_check(secretariat)

    goto(secretariat, TRACE)
    leaked = tmp_path / "forwarded.pdf"
    leaked.write_bytes(body)
    main.get_by_label("Or the leaked PDF").set_input_files(leaked)
    main.get_by_role("button", name="Trace").click()
    result = main.get_by_role("region", name="Result")
    expect(result).to_contain_text("Found by the download id in the file's metadata.")
    expect(result.get_by_role("listitem")).to_contain_text(f"{READER_NAME}, {READER_JURISDICTION}")
    expect(result.get_by_role("listitem")).to_contain_text(f"Download {code},")
    axe_check(secretariat)
