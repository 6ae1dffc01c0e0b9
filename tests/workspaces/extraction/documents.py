"""Documents made at test time with the libraries themselves, and hostile ones made by hand."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from pathlib import Path

MB = 1024 * 1024


# ------------------------------------------------------------------------------
# Well-formed documents, one per format
# ------------------------------------------------------------------------------


def pdf(path: Path, pages: list[str], *, size=(595.0, 842.0), rotate: dict | None = None) -> Path:
    """One page per string (its lines drawn from the top); `rotate` = {page index: degrees}."""
    from reportlab.pdfgen import canvas

    drawing = canvas.Canvas(str(path), pagesize=size)
    for text in pages:
        lines = drawing.beginText(72, size[1] - 72)
        lines.setFont("Helvetica", 11)
        for line in text.splitlines():
            lines.textLine(line)
        drawing.drawText(lines)
        drawing.showPage()
    drawing.save()
    if rotate:
        import pikepdf

        with pikepdf.open(path, allow_overwriting_input=True) as document:
            for index, degrees in rotate.items():
                document.pages[index].rotate(degrees, relative=False)
            document.save(path)
    return path


def docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx as python_docx

    document = python_docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    document.save(path)
    return path


def xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def pptx(path: Path, slides: list[str]) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    for text in slides:
        slide = presentation.slides.add_slide(presentation.slide_layouts[6])  # blank
        box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(1))
        box.text_frame.text = text
    presentation.save(path)
    return path


def odt(path: Path, paragraphs: list[str]) -> Path:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Heading"))
    for text in paragraphs:
        document.text.addElement(P(text=text))
    document.save(str(path))
    return path


def ods(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = Table(name=name)
        for values in rows:
            row = TableRow()
            for value in values:
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
                row.addElement(cell)
            table.addElement(row)
        document.spreadsheet.addElement(table)
    document.save(str(path))
    return path


def odp(path: Path, slides: list[str]) -> Path:
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.style import MasterPage, PageLayout
    from odf.text import P

    document = OpenDocumentPresentation()
    layout = PageLayout(name="layout")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Default", pagelayoutname=layout)
    document.masterstyles.addElement(master)
    for text in slides:
        page = Page(masterpagename=master)
        frame = Frame(width="20cm", height="3cm", x="1cm", y="1cm")
        box = TextBox()
        box.addElement(P(text=text))
        frame.addElement(box)
        page.addElement(frame)
        document.presentation.addElement(page)
    document.save(str(path))
    return path


def png(path: Path, width: int, height: int) -> Path:
    from PIL import Image

    Image.new("RGB", (width, height), (40, 90, 160)).save(path, compress_level=1)
    return path


# ------------------------------------------------------------------------------
# Hostile documents
# ------------------------------------------------------------------------------


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF assembled from object bodies (object 1 is the catalog), with a correct xref."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def one_page_pdf(*, page_extra: bytes = b"", content: bytes = b"", kids: bytes = b"[3 0 R]"):
    """A one-page PDF saying 'canary', with room for something hostile."""
    content = b"BT /F1 12 Tf 72 700 Td (canary) Tj " + content + b" ET"
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids %s /Count 1 >>" % kids,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> " + page_extra + b">>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def encrypted_pdf(path: Path, user_password: str) -> Path:
    """AES-256 with a password to open it, or with an empty one (permissions only)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(one_page_pdf())))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    with open(path, "wb") as handle:
        writer.write(handle)
    return path


@functools.cache
def _zeros(size_mb: int) -> tuple[bytes, int]:
    """A raw deflate stream of size_mb MiB of zeros (~1 KB per MiB: the same fully flushed
    block repeated) and the CRC-32 of what it inflates to."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc, zeros = 0, bytes(MB)
    for _ in range(size_mb):
        crc = zlib.crc32(zeros, crc)
    return block * size_mb + compressor.flush(zlib.Z_FINISH), crc


def zip_bomb(path: Path, base: Path, member: str, size_mb: int, *, declared_mb=None) -> Path:
    """`base` (an Office file) with `member` replaced by size_mb MiB of zeros, deflated: a small
    file that a careless reader inflates whole. `declared_mb` makes the directory lie about it."""
    with zipfile.ZipFile(base) as archive:
        # Our own small file: reading its members whole is safe here.
        members = {name: archive.read(name) for name in archive.namelist() if name != member}
    data, crc = _zeros(size_mb)
    declared = (declared_mb if declared_mb is not None else size_mb) * MB
    out = io.BytesIO()
    directory = []

    def write(name: str, stored: bytes, crc32: int, size: int) -> None:
        offset = out.tell()
        encoded = name.encode()
        header = struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc32, len(stored), size, len(encoded), 0
        )
        out.write(header + encoded + stored)
        directory.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc32,
                len(stored),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )

    for name, body in members.items():
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        write(name, compressor.compress(body) + compressor.flush(), zlib.crc32(body), len(body))
    write(member, data, crc, declared)
    start = out.tell()
    out.write(b"".join(directory))
    out.write(
        struct.pack(
            "<4s4H2LH",
            b"PK\x05\x06",
            0,
            0,
            len(directory),
            len(directory),
            out.tell() - start,
            start,
            0,
        )
    )
    path.write_bytes(out.getvalue())
    return path


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header that declares width x height pixels, with one empty row of data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">L", len(body)) + kind + body + struct.pack(">L", zlib.crc32(kind + body))
        )

    header = struct.pack(">2L5B", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )
