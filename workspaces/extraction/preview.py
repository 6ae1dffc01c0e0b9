"""Previews as PNG files in the worker's directory: a PDF's first pages (PDFium, Chrome's PDF
engine, forms and scripts not run) or an image resized (Pillow, with its decompression-bomb
guard made an error and the file verified before it is decoded).

Runs in the worker only.
"""

from __future__ import annotations

import warnings

from workspaces.extraction import jobs
from workspaces.extraction.jobs import JobFailed

MAX_IMAGE_PIXELS = 50_000_000  # a 7,000 x 7,000 photograph; a bomb declares far more
HEIGHT_PER_WIDTH = 4  # a preview is at most this many times as tall as it is wide
PIL_FORMATS = {jobs.PNG: "PNG", jobs.JPEG: "JPEG", jobs.GIF: "GIF", jobs.WEBP: "WEBP"}


def render(path: str, content_type: str, *, pages: int, width: int) -> list[str]:
    """The names of the PNG files written in the current directory, in page order."""
    if content_type == jobs.PDF:
        return _pdf(path, pages=pages, width=width)
    return [_image(path, PIL_FORMATS[content_type], width=width)]


def _pdf(path: str, *, pages: int, width: int) -> list[str]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
            raise JobFailed(jobs.ENCRYPTED, "encrypted PDF") from error
        raise
    try:
        # Even a PDF that opens without a password is refused when encrypted, as elsewhere.
        if pdfium_c.FPDF_GetSecurityHandlerRevision(document.raw) != -1:
            raise JobFailed(jobs.ENCRYPTED, "encrypted PDF")
        names = []
        for index in range(min(pages, len(document))):
            page = document[index]
            page_width, page_height = page.get_size()
            if page_width <= 0 or page_height <= 0:
                raise JobFailed(jobs.UNREADABLE, "empty page")
            # PDFium rounds the bitmap's size up: aim a hair below the limit.
            scale = min(width / page_width, width * HEIGHT_PER_WIDTH / page_height) * 0.999
            bitmap = page.render(scale=scale, may_draw_forms=False)
            name = f"page-{index + 1}.png"
            bitmap.to_pil().save(name, "PNG")
            names.append(name)
            bitmap.close()
            page.close()
        return names
    finally:
        document.close()


def _image(path: str, pil_format: str, *, width: int) -> str:
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    # Past MAX_IMAGE_PIXELS Pillow only warns; past twice that it raises.
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    try:
        with Image.open(path, formats=[pil_format]) as image:
            image.verify()  # the structure and checksums, without decoding the pixels
        with Image.open(path, formats=[pil_format]) as image:
            image.draft("RGB", (width, width * HEIGHT_PER_WIDTH))  # JPEG: decode smaller
            preview = ImageOps.exif_transpose(image)
            preview.thumbnail((width, width * HEIGHT_PER_WIDTH))
            if preview.mode not in ("RGB", "RGBA", "L", "LA"):
                preview = preview.convert("RGBA" if "transparency" in preview.info else "RGB")
            preview.save("preview.png", "PNG")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise JobFailed(jobs.TOO_LARGE, type(error).__name__) from error
    return "preview.png"
