"""Text extraction in the sandbox: a canary word found where it is, hostile files refused."""

from __future__ import annotations

import time

import pytest

from workspaces import file_types_and_names as types
from workspaces.extraction import jobs
from workspaces.extraction.sandbox import Limits, run_job

from . import documents

CANARY = "Quokkacanary"
# Tight enough that a hostile file ends fast, loose enough for a slow shared CI machine.
HOSTILE = Limits(cpu_seconds=5, memory_mb=512, wall_seconds=10)


def text_of(path, content_type, **options):
    return run_job("text", path, content_type=content_type, limits=HOSTILE, **options)


def where(result, word=CANARY):
    """(page, sheet, slide) of each passage that holds `word`."""
    assert result.ok, (result.reason, result.error)
    return [(p.page, p.sheet, p.slide) for p in result.passages if word in p.text]


def test_pdf_canary_on_its_page(tmp_path):
    path = documents.pdf(tmp_path / "a.pdf", ["Cover", f"Offsets\nthe {CANARY} limit", "End"])
    result = text_of(path, types.PDF.content_type)
    assert where(result) == [(2, None, None)]
    assert [p.page for p in result.passages] == [1, 2, 3]


def test_docx_canary_in_a_paragraph_and_a_table(tmp_path):
    path = documents.docx(
        tmp_path / "a.docx", ["Intro", f"The {CANARY} paper"], table=[["Year", f"{CANARY}2"]]
    )
    result = text_of(path, types.OOXML["word/"].content_type)
    assert where(result) == [(None, None, None)]
    assert "Year\tQuokkacanary2" in result.passages[0].text


def test_xlsx_canary_with_its_sheet(tmp_path):
    path = documents.xlsx(
        tmp_path / "a.xlsx", {"Summary": [["total", 3]], "Offsets 2025": [["cap", CANARY, 4.5]]}
    )
    result = text_of(path, types.OOXML["xl/"].content_type)
    assert where(result) == [(None, "Offsets 2025", None)]
    assert f"cap\t{CANARY}\t4.5" in result.passages[1].text


def test_pptx_canary_with_its_slide(tmp_path):
    path = documents.pptx(tmp_path / "a.pptx", ["Title", "Agenda", f"Findings: {CANARY}"])
    result = text_of(path, types.OOXML["ppt/"].content_type)
    assert where(result) == [(None, None, 3)]


def test_opendocument_text_sheet_and_slide(tmp_path):
    odt = documents.odt(tmp_path / "a.odt", ["First", f"Second {CANARY}"])
    ods = documents.ods(tmp_path / "a.ods", {"One": [["a", "b"]], "Two": [["x", CANARY]]})
    odp = documents.odp(tmp_path / "a.odp", ["Hello", f"Slide {CANARY}"])
    odf = {kind.extension: kind.content_type for kind in types.ODF.values()}
    assert where(text_of(odt, odf[".odt"])) == [(None, None, None)]
    assert "Heading" in text_of(odt, odf[".odt"]).passages[0].text
    assert where(text_of(ods, odf[".ods"])) == [(None, "Two", None)]
    assert where(text_of(odp, odf[".odp"])) == [(None, None, 2)]


def test_csv_and_plain_text_are_decoded_safely(tmp_path):
    utf8 = tmp_path / "a.csv"
    utf8.write_bytes("\ufeffname;city\nMaría;Québec ".encode() + CANARY.encode() + b"\x00\x07")
    cp1252 = tmp_path / "b.txt"
    cp1252.write_bytes(f"Québec — 20 € {CANARY}".encode("cp1252"))
    first = text_of(utf8, types.CSV.content_type)
    assert where(first) == [(None, None, None)]
    assert first.passages[0].text == f"name;city\nMaría;Québec {CANARY}"  # no BOM, no controls
    assert text_of(cp1252, types.TEXT.content_type).passages[0].text == f"Québec — 20 € {CANARY}"


def test_text_is_capped_and_says_so(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(("é" * 99 + "\n") * 2000)  # ~400 kB
    result = text_of(path, types.TEXT.content_type, max_text_bytes=10_000)
    assert result.ok and result.truncated
    assert sum(len(p.text.encode()) for p in result.passages) <= 10_000
    assert all(len(p.text) <= 4000 for p in result.passages)
    whole = text_of(path, types.TEXT.content_type)
    assert not whole.truncated and len(whole.passages) >= 50


def test_every_document_type_the_project_accepts_has_a_text_reader():
    accepted = [types.PDF, types.CSV, types.TEXT, *types.OOXML.values(), *types.ODF.values()]
    assert {jobs.base_type(kind.content_type) for kind in accepted} <= jobs.KINDS["text"]
    for image in (types.PNG, types.JPEG):
        assert image.content_type in jobs.KINDS["preview"]


def test_a_type_the_job_does_not_take_is_unsupported(tmp_path):
    path = documents.docx(tmp_path / "a.docx", ["x"])
    result = run_job("watermark", path, content_type=types.OOXML["word/"].content_type)
    assert (result.ok, result.reason) == (False, jobs.UNSUPPORTED)
    assert text_of(tmp_path / "missing.pdf", types.PDF.content_type).reason == jobs.UNREADABLE


# ------------------------------------------------------------------------------
# Hostile files: each ends ok=False within the limits, or (a broken xref) is recovered
# ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "member", "content_type"),
    [
        ("docx", "word/document.xml", types.OOXML["word/"].content_type),
        ("xlsx", "xl/worksheets/sheet1.xml", types.OOXML["xl/"].content_type),
    ],
)
def test_zip_bomb_is_refused_before_it_is_inflated(tmp_path, base, member, content_type):
    if base == "docx":
        original = documents.docx(tmp_path / "base.docx", ["x"])
    else:
        original = documents.xlsx(tmp_path / "base.xlsx", {"Sheet": [["x"]]})
    bomb = documents.zip_bomb(tmp_path / f"bomb.{base}", original, member, size_mb=2048)
    assert bomb.stat().st_size < 3 * documents.MB  # 2 GiB inside
    result = text_of(bomb, content_type)
    assert (result.ok, result.reason) == (False, jobs.TOO_LARGE)
    assert result.wall_seconds < 5
    assert result.peak_memory_kb < 200 * 1024


def test_zip_member_that_lies_about_its_size_is_never_inflated_past_it(tmp_path):
    original = documents.xlsx(tmp_path / "base.xlsx", {"Sheet": [["x"]]})
    member = "xl/worksheets/sheet1.xml"
    bomb = documents.zip_bomb(tmp_path / "liar.xlsx", original, member, size_mb=512, declared_mb=1)
    result = text_of(bomb, types.OOXML["xl/"].content_type)
    assert (result.ok, result.reason) == (False, jobs.UNREADABLE)
    assert result.peak_memory_kb < 200 * 1024


DEPTH = 50_000
NESTED_ARRAYS = b"[" * DEPTH + b"]" * DEPTH + b" TJ"
NESTED_DICTIONARIES = b"/Foo " + b"<< /A " * DEPTH + b">>" * DEPTH


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param(documents.one_page_pdf(content=NESTED_ARRAYS), id="nested-content"),
        pytest.param(documents.one_page_pdf(page_extra=NESTED_DICTIONARIES), id="nested-dicts"),
        pytest.param(documents.one_page_pdf(kids=b"[2 0 R 3 0 R]"), id="page-tree-cycle"),
    ],
)
def test_deeply_nested_or_cyclic_pdf_fails_within_the_limits(tmp_path, hostile):
    path = tmp_path / "hostile.pdf"
    path.write_bytes(hostile)
    started = time.monotonic()
    result = text_of(path, types.PDF.content_type)
    assert (result.ok, result.reason) == (False, jobs.UNREADABLE)
    assert time.monotonic() - started < HOSTILE.wall_seconds


@pytest.mark.parametrize("user_password", ["secret", ""])
def test_encrypted_pdf_is_refused(tmp_path, user_password):
    path = documents.encrypted_pdf(tmp_path / "locked.pdf", user_password)
    result = text_of(path, types.PDF.content_type)
    assert (result.ok, result.reason) == (False, jobs.ENCRYPTED)


def test_broken_xref_is_recovered_or_refused_without_a_hang(tmp_path):
    good = documents.one_page_pdf()
    broken = good[: good.rindex(b"xref")] + b"xrof garbage\nstartxref\n999999\n%%EOF\n"
    path = tmp_path / "broken.pdf"
    path.write_bytes(broken)
    result = text_of(path, types.PDF.content_type)
    assert result.wall_seconds < HOSTILE.wall_seconds
    if result.ok:  # pypdf rebuilds the xref by scanning the objects
        assert where(result, "canary") == [(1, None, None)]
    else:
        assert result.reason == jobs.UNREADABLE


def test_passages_keep_their_order_and_size():
    from workspaces.extraction.text import PASSAGE_CHARS, Passages

    passages = Passages(10**6)
    passages.add("first\n" + "b" * 9000 + "\nafter\n" + "d" * 100, page=7)
    texts = [p["text"] for p in passages.items]
    assert "".join(texts).replace("\n", "") == "first" + "b" * 9000 + "after" + "d" * 100
    assert all(len(t) <= PASSAGE_CHARS for t in texts)
    assert {p["page"] for p in passages.items} == {7}
