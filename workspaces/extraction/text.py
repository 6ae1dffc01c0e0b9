"""The text of a document as passages, each with where it was found: a PDF page, a sheet, a
slide, or nowhere in particular (word-processing files, CSV, plain text).

Runs in the worker only. Each format is read by its own well-kept library; Office and
OpenDocument files are ZIP archives whose members those libraries inflate whole, so the
archive's directory is checked first: no member, and not all of them together, may declare more
than the limits (zipfile never inflates a member past its declared size, it fails the CRC).
"""

from __future__ import annotations

import contextlib
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator

from workspaces.extraction import jobs
from workspaces.extraction.jobs import JobFailed

PASSAGE_CHARS = 4000  # a passage is a search hit's context: a page, or a few thousand characters
PASSAGE_OVERHEAD = 64  # bytes counted against the cap for each passage, besides its text
MAX_SHEET_NAME = 200  # Excel allows 31 characters; OpenDocument sets no limit
MAX_ENTRIES = 10_000
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_ARCHIVE_BYTES = 512 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class Full(Exception):
    """The text reached its cap: stop reading the document."""


class Passages:
    """Collects passages up to `max_bytes` (their UTF-8 text, and PASSAGE_OVERHEAD each), then
    raises Full."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.used = 0
        self.truncated = False
        self.items: list[dict] = []

    def add(self, text: str, **where) -> None:
        self.add_lines(text.splitlines(), **where)

    def add_lines(self, lines: Iterable[str], **where) -> None:
        """Lines of one place (a page, a sheet…), grouped into passages of PASSAGE_CHARS."""
        buffer: list[str] = []
        size = 0
        for raw in lines:
            for line in raw.splitlines():
                line = _CONTROL.sub("", line).rstrip()
                if not line.strip():
                    continue
                if len(line) > PASSAGE_CHARS:  # one huge line: in pieces, its end kept
                    if buffer:
                        self._emit(buffer, where)
                        buffer, size = [], 0
                    starts = range(0, len(line), PASSAGE_CHARS)
                    for start in starts[:-1]:
                        self._emit([line[start : start + PASSAGE_CHARS]], where)
                    line = line[starts[-1] :]
                if size + len(line) > PASSAGE_CHARS and buffer:
                    self._emit(buffer, where)
                    buffer, size = [], 0
                buffer.append(line)
                size += len(line) + 1
        if buffer:
            self._emit(buffer, where)

    def _emit(self, lines: list[str], where: dict) -> None:
        text = "\n".join(lines)
        encoded = text.encode("utf-8")
        # Each passage also costs its place in the answer: thousands of tiny ones must not
        # add up to more than the cap allows for.
        self.used += PASSAGE_OVERHEAD + sum(len(str(value)) for value in where.values())
        if self.used + len(encoded) > self.max_bytes:
            self.truncated = True
            text = encoded[: max(self.max_bytes - self.used, 0)].decode("utf-8", "ignore")
            if text.strip():
                self.items.append({"text": text, **where})
            self.used = self.max_bytes
            raise Full
        self.used += len(encoded)
        self.items.append({"text": text, **where})


def extract(path: str, content_type: str, max_bytes: int) -> tuple[list[dict], bool]:
    """(passages, truncated); each passage is {"text", and "page", "sheet" or "slide" if known}."""
    reader = READERS[content_type]
    passages = Passages(max_bytes)
    with contextlib.suppress(Full):  # the cap was reached: what was read is kept
        reader(path, passages, max_bytes)
    return passages.items, passages.truncated


# ------------------------------------------------------------------------------
# Archives
# ------------------------------------------------------------------------------


def check_archive(path: str) -> None:
    """Refuse an archive whose directory declares more than a document needs (a ZIP bomb)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise JobFailed(jobs.UNREADABLE, "BadZipFile") from error
    if len(members) > MAX_ENTRIES:
        raise JobFailed(jobs.TOO_LARGE, "too many archive members")
    if any(member.file_size > MAX_MEMBER_BYTES for member in members):
        raise JobFailed(jobs.TOO_LARGE, "archive member too large")
    if sum(member.file_size for member in members) > MAX_ARCHIVE_BYTES:
        raise JobFailed(jobs.TOO_LARGE, "archive too large")


# ------------------------------------------------------------------------------
# Formats
# ------------------------------------------------------------------------------


def _pdf(path: str, passages: Passages, max_bytes: int) -> None:
    from pypdf import PdfReader

    with open(path, "rb") as handle:
        reader = PdfReader(handle, strict=False)
        if reader.is_encrypted:
            raise JobFailed(jobs.ENCRYPTED, "encrypted PDF")
        for number, page in enumerate(reader.pages, start=1):
            passages.add(page.extract_text() or "", page=number)


def _docx(path: str, passages: Passages, max_bytes: int) -> None:
    check_archive(path)
    import docx

    passages.add_lines(_docx_blocks(docx.Document(path)))


def _docx_blocks(container) -> Iterator[str]:
    """Paragraphs and table rows in document order (a cell may hold paragraphs and tables)."""
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells, previous = [], None
                for cell in row.cells:
                    if cell is not previous:  # a merged cell is listed once per column it spans
                        cells.append(" ".join(_docx_blocks(cell)))
                    previous = cell
                yield "\t".join(cells)
        else:
            yield block.text


def _xlsx(path: str, passages: Passages, max_bytes: int) -> None:
    check_archive(path)
    import openpyxl

    # read_only streams each sheet's XML; data_only gives the values a reader sees.
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # a forged dimension would pad every row to 16,384 cells
            rows = sheet.iter_rows(values_only=True)
            lines = ("\t".join(str(v) for v in row if v is not None) for row in rows)
            passages.add_lines(lines, sheet=sheet.title[:MAX_SHEET_NAME])
    finally:
        workbook.close()


def _pptx(path: str, passages: Passages, max_bytes: int) -> None:
    check_archive(path)
    import pptx

    for number, slide in enumerate(pptx.Presentation(path).slides, start=1):
        lines = list(_pptx_shapes(slide.shapes))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            lines.append(slide.notes_slide.notes_text_frame.text)
        passages.add_lines(lines, slide=number)


def _pptx_shapes(shapes) -> Iterator[str]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _pptx_shapes(shape.shapes)
        elif shape.has_text_frame:
            yield shape.text_frame.text
        elif shape.has_table:
            for row in shape.table.rows:
                yield "\t".join(cell.text for cell in row.cells)


def _odf(where: str) -> Callable[[str, Passages, int], None]:
    """An OpenDocument reader: the whole body, or one passage group per sheet or slide."""

    def read(path: str, passages: Passages, max_bytes: int) -> None:
        check_archive(path)
        from odf import draw, table
        from odf.opendocument import load

        document = load(path)
        if where == "sheet":
            for sheet in document.spreadsheet.getElementsByType(table.Table):
                rows = sheet.getElementsByType(table.TableRow)
                lines = ("\t".join(_odf_cells(row)) for row in rows)
                name = str(sheet.getAttribute("name") or "")[:MAX_SHEET_NAME]
                passages.add_lines(lines, sheet=name)
        elif where == "slide":
            for number, page in enumerate(
                document.presentation.getElementsByType(draw.Page), start=1
            ):
                passages.add_lines(_odf_paragraphs(page), slide=number)
        else:
            passages.add_lines(_odf_paragraphs(document.text))

    return read


def _odf_paragraphs(root) -> Iterator[str]:
    """The text of each paragraph and heading under `root`, in document order (no recursion:
    the nesting depth is the file's to choose)."""
    from odf import teletype
    from odf.namespaces import TEXTNS

    stack = [root]
    while stack:
        node = stack.pop()
        if node.qname in ((TEXTNS, "p"), (TEXTNS, "h")):
            yield teletype.extractText(node)
        else:
            stack.extend(reversed(node.childNodes))


def _odf_cells(row) -> Iterator[str]:
    from odf import table

    for cell in row.getElementsByType(table.TableCell):
        text = " ".join(_odf_paragraphs(cell))
        if text:
            yield text


def _plain(path: str, passages: Passages, max_bytes: int) -> None:
    """UTF-8 (with or without a BOM), else Windows-1252: never more than the cap is read."""
    with open(path, "rb") as handle:
        raw = handle.read(max_bytes + 1)
    if len(raw) > max_bytes:
        passages.truncated = True
        raw = raw[:max_bytes]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if passages.truncated and error.start >= len(raw) - 3:  # a character cut by the cap
            text = raw[: error.start].decode("utf-8-sig")
        else:
            text = raw.decode("cp1252", "replace")
    passages.add(text)


READERS: dict[str, Callable[[str, Passages, int], None]] = {
    jobs.PDF: _pdf,
    jobs.DOCX: _docx,
    jobs.XLSX: _xlsx,
    jobs.PPTX: _pptx,
    jobs.ODT: _odf("body"),
    jobs.ODS: _odf("sheet"),
    jobs.ODP: _odf("slide"),
    jobs.CSV: _plain,
    jobs.TEXT: _plain,
}
