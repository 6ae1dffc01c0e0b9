"""A per-download copy of a PDF with a discreet stamp on every page and in its metadata.

pikepdf (qpdf) does the PDF work: it opens the file lazily and streams it out again, so the
copy costs about the memory of the objects, not of the page images; each page gets the stamp as
a Form XObject drawn over its content, placed with the page's rotation taken into account, and
its content streams are only wrapped, never parsed by us. The stamp itself is a one-page PDF
drawn by ReportLab with an embedded TrueType font, so any name a font covers can be extracted
back from the copy. The whole document is rewritten (no incremental update), so the unstamped
revision cannot be recovered from the copy. Encrypted PDFs are refused, never copied unstamped.

Runs in the worker only.
"""

from __future__ import annotations

import io
import os

from workspaces.extraction import jobs
from workspaces.extraction.jobs import JobFailed

FONT_SIZE = 6.5
MIN_FONT_SIZE = 4.0
GREY = 0.55
MARGIN = 14.0  # points from the edge: inside a printer's unprintable border, outside the text
# Fonts tried in order: DejaVu (Latin, Greek, Cyrillic…) where the system has it, else the
# Bitstream Vera that ReportLab ships.
FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
METADATA_TEXT = "/EnclaveDownload"
METADATA_ID = "/EnclaveDownloadId"


def stamp(path: str, output: str, *, text: str, download_id: str) -> int:
    """Write the stamped copy to `output`; the number of pages (the same as the original's)."""
    import pikepdf

    font = _font()
    try:
        pdf = pikepdf.open(path, access_mode=pikepdf.AccessMode.stream)
    except pikepdf.PasswordError as error:
        raise JobFailed(jobs.ENCRYPTED, "encrypted PDF") from error
    with pdf:
        if pdf.is_encrypted:
            raise JobFailed(jobs.ENCRYPTED, "encrypted PDF")
        # One stamp per page size; the stamp documents stay open until the copy is saved.
        stamps: dict[tuple[float, float], tuple[pikepdf.Pdf, pikepdf.Object]] = {}
        for page in pdf.pages:
            box = page.trimbox
            width, height = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
            if page.rotation % 180:  # drawn upright on the page as it is shown
                width, height = height, width
            size = (round(width, 1), round(height, 1))
            if size not in stamps:
                stamp_pdf = pikepdf.open(io.BytesIO(_stamp_page(font, text, *size)))
                form = pdf.copy_foreign(stamp_pdf.pages[0].as_form_xobject())
                stamps[size] = (stamp_pdf, form)
            page.add_overlay(stamps[size][1])  # over the page's trim box
        pdf.docinfo[METADATA_TEXT] = pikepdf.String(text)
        pdf.docinfo[METADATA_ID] = pikepdf.String(download_id)
        pdf.save(output)
        return len(pdf.pages)


def read_download_id(path: str) -> str | None:
    """The download id a stamped copy carries in its metadata, if it still does."""
    import pikepdf

    try:
        pdf = pikepdf.open(path, access_mode=pikepdf.AccessMode.stream)
    except pikepdf.PasswordError as error:
        raise JobFailed(jobs.ENCRYPTED, "encrypted PDF") from error
    with pdf:
        value = pdf.docinfo.get(METADATA_ID)
        return str(value)[:64] if isinstance(value, pikepdf.String) else None


def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = next((font for font in FONTS if os.path.exists(font)), "Vera.ttf")
    pdfmetrics.registerFont(TTFont("EnclaveStamp", path))
    return "EnclaveStamp"


def _stamp_page(font: str, text: str, width: float, height: float) -> bytes:
    """The stamp for a page of this size, as a PDF: one grey line along the bottom
    margin and the same up the right margin, shrunk to fit, never over the body text."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    drawing.setFillGray(GREY)
    for length, rotate in ((width, False), (height, True)):
        room = max(length - 2 * MARGIN, 1.0)
        size = FONT_SIZE
        while size > MIN_FONT_SIZE and stringWidth(text, font, size) > room:
            size -= 0.5
        drawing.saveState()
        drawing.setFont(font, size)
        if rotate:
            drawing.translate(width - MARGIN + size, MARGIN)
            drawing.rotate(90)
        else:
            drawing.translate(MARGIN, MARGIN - size)
        drawing.drawString(0, 0, _fit(text, font, size, room, stringWidth))
        drawing.restoreState()
    drawing.showPage()
    drawing.save()
    return buffer.getvalue()


def _fit(text: str, font: str, size: float, room: float, string_width) -> str:
    """The text, cut with an ellipsis if it still does not fit at the smallest size."""
    if string_width(text, font, size) <= room:
        return text
    while text and string_width(text + "…", font, size) > room:
        text = text[:-1]
    return text + "…"
