"""Previews (PNG files of a bounded size) and stamped copies of PDFs, made in the sandbox."""

from __future__ import annotations

import hashlib
import struct

import pytest

from workspaces import file_types_and_names as types
from workspaces.extraction import jobs
from workspaces.extraction.sandbox import Limits, run_job

from . import documents

PDF = types.PDF.content_type
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
STAMP = "dl-7f3a9c · Amélie Dubois · Québec · 2026-05-04 09:12 UTC"


def png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head.startswith(PNG_SIGNATURE)
    return struct.unpack(">2L", head[16:24])


def test_pdf_preview_is_the_first_pages_as_png_within_the_width(tmp_path):
    path = documents.pdf(tmp_path / "a.pdf", [f"page {n}" for n in range(1, 6)])
    out = tmp_path / "previews"
    result = run_job("preview", path, content_type=PDF, output_dir=out, width=400)
    assert result.ok, (result.reason, result.error)
    assert [f.name for f in result.files] == ["page-1.png", "page-2.png", "page-3.png"]
    assert sorted(p.name for p in out.iterdir()) == ["page-1.png", "page-2.png", "page-3.png"]
    for file in result.files:
        width, height = png_size(file)
        assert width <= 400 and 500 < height < 600  # A4's proportions
    two = run_job("preview", path, content_type=PDF, output_dir=tmp_path / "two", pages=2)
    assert len(two.files) == 2 and all(png_size(f)[0] <= 800 for f in two.files)


def test_image_preview_is_resized_and_a_bomb_refused(tmp_path):
    photo = documents.png(tmp_path / "photo.png", 3000, 1000)
    result = run_job(
        "preview", photo, content_type=types.PNG.content_type, output_dir=tmp_path / "out"
    )
    assert result.ok and [f.name for f in result.files] == ["preview.png"]
    assert png_size(result.files[0]) == (800, 267)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(documents.png_claiming(100_000, 100_000))
    refused = run_job(
        "preview", bomb, content_type=types.PNG.content_type, output_dir=tmp_path / "bomb"
    )
    assert (refused.ok, refused.reason) == (False, jobs.TOO_LARGE)
    assert not (tmp_path / "bomb").exists()
    liar = tmp_path / "liar.png"
    liar.write_bytes(documents.png_claiming(100, 100)[:40])  # cut short: fails verification
    broken = run_job(
        "preview", liar, content_type=types.PNG.content_type, output_dir=tmp_path / "liar"
    )
    assert (broken.ok, broken.reason) == (False, jobs.UNREADABLE)


def test_encrypted_pdf_has_no_preview(tmp_path):
    path = documents.encrypted_pdf(tmp_path / "locked.pdf", "")
    result = run_job("preview", path, content_type=PDF, output_dir=tmp_path / "out")
    assert (result.ok, result.reason) == (False, jobs.ENCRYPTED)


def test_watermark_stamps_every_page_and_the_metadata(tmp_path):
    from pypdf import PdfReader

    pages = [f"Page {n}\nConfidential draft" for n in range(1, 5)]
    path = documents.pdf(tmp_path / "a.pdf", pages, rotate={1: 90})
    path_letter = documents.pdf(tmp_path / "b.pdf", ["Letter"], size=(612.0, 792.0))
    original = hashlib.sha256(path.read_bytes()).hexdigest()
    copy = tmp_path / "out" / "copy.pdf"
    copy.parent.mkdir()
    result = run_job(
        "watermark", path, content_type=PDF, output_path=copy, text=STAMP, download_id="dl-7f3a9c"
    )
    assert result.ok, (result.reason, result.error)
    assert result.files == (copy,) and result.pages == 4
    assert hashlib.sha256(path.read_bytes()).hexdigest() == original  # the original untouched
    reader = PdfReader(copy)
    assert len(reader.pages) == 4
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Page {number}" in text and STAMP in text
    assert reader.pages[1].rotation == 90
    assert reader.metadata["/EnclaveDownloadId"] == "dl-7f3a9c"
    assert reader.metadata["/EnclaveDownload"] == STAMP
    letter = run_job(
        "watermark",
        path_letter,
        content_type=PDF,
        output_path=tmp_path / "letter.pdf",
        text="dl-1",
        download_id="dl-1",
    )
    assert "dl-1" in PdfReader(letter.files[0]).pages[0].extract_text()


@pytest.mark.parametrize("user_password", ["secret", ""])
def test_encrypted_pdf_is_never_copied_unstamped(tmp_path, user_password):
    path = documents.encrypted_pdf(tmp_path / "locked.pdf", user_password)
    copy = tmp_path / "copy.pdf"
    result = run_job(
        "watermark", path, content_type=PDF, output_path=copy, text=STAMP, download_id="dl"
    )
    assert (result.ok, result.reason, result.error) == (False, jobs.ENCRYPTED, "encrypted PDF")
    assert not copy.exists()


def test_a_copy_larger_than_the_file_limit_is_refused(tmp_path):
    path = documents.pdf(tmp_path / "a.pdf", ["x" * 80 + "\n"] * 200)
    copy = tmp_path / "copy.pdf"
    result = run_job(
        "watermark",
        path,
        content_type=PDF,
        output_path=copy,
        text=STAMP,
        download_id="dl",
        limits=Limits(file_mb=0),
    )
    assert (result.ok, result.reason) == (False, jobs.TOO_LARGE)
    assert not copy.exists()
