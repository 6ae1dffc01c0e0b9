"""Deciding what an uploaded file is, and naming it safely: the client is never trusted.

The type comes from the content (magic numbers, the structure of ZIP containers, text that
decodes); the name is cleaned for display and encoded for Content-Disposition (RFC 6266/5987).
"""

from __future__ import annotations

import csv
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from urllib.parse import quote

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", ".pdf", "PDF")
PNG = FileType("image/png", ".png", "PNG image")
JPEG = FileType("image/jpeg", ".jpg", "JPEG image")
CSV = FileType("text/csv; charset=utf-8", ".csv", "CSV")
TEXT = FileType("text/plain; charset=utf-8", ".txt", "Text")
OOXML = {
    "word/": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", "Word"
    ),
    "xl/": FileType(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "Excel"
    ),
    "ppt/": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".pptx",
        "PowerPoint",
    ),
}
ODF = {
    "application/vnd.oasis.opendocument.text": FileType(
        "application/vnd.oasis.opendocument.text", ".odt", "OpenDocument text"
    ),
    "application/vnd.oasis.opendocument.spreadsheet": FileType(
        "application/vnd.oasis.opendocument.spreadsheet", ".ods", "OpenDocument spreadsheet"
    ),
    "application/vnd.oasis.opendocument.presentation": FileType(
        "application/vnd.oasis.opendocument.presentation", ".odp", "OpenDocument presentation"
    ),
}
ALLOWED_SUMMARY = "PDF, Word, Excel, PowerPoint, OpenDocument, CSV, plain text, PNG or JPEG"
# Text that a browser could take for markup is refused even though it decodes as text.
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)", re.I)


class RejectedFile(ValueError):
    """The content is not an allowed kind of document; the message says why, plainly."""


# Archives are inspected, never unpacked: their directory is bounded before it is parsed, and
# a member is read only through read_member, never past what the caller needs.
MAX_ARCHIVE_ENTRIES = 10_000
MAX_ARCHIVE_DIRECTORY = 4 * 1024 * 1024
MIMETYPE_BYTES = 100  # the longest OpenDocument mimetype is 47
_END_OF_DIRECTORY = struct.Struct("<4s4H2LH")


class ArchiveTooLarge(RejectedFile):
    """An archive's directory or a member is larger than inspecting it may read."""


def _directory_is_bounded(handle) -> bool:
    """Whether the archive's central directory (end record: entries, bytes) is small enough to
    parse. ZipFile reads all of it into objects; a crafted one could hold millions of entries."""
    handle.seek(0, 2)
    size = handle.tell()
    tail_size = min(size, _END_OF_DIRECTORY.size + 65535)  # the end record and its comment
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END_OF_DIRECTORY.size:
        return False
    record = _END_OF_DIRECTORY.unpack_from(tail, at)
    entries, directory_bytes = record[4], record[5]
    # 0xFFFF / 0xFFFFFFFF mean a ZIP64 directory: not what an office document needs.
    return entries <= MAX_ARCHIVE_ENTRIES and directory_bytes <= MAX_ARCHIVE_DIRECTORY


def read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """At most `limit` bytes of a member, inflating no more than that; ArchiveTooLarge when
    the member declares more, or turns out to hold more, than `limit`."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ArchiveTooLarge(_("This archive is not an Office or OpenDocument file."))
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise ArchiveTooLarge(_("This archive is not an Office or OpenDocument file."))
    return data


def _zip_type(handle) -> FileType:
    try:
        if _directory_is_bounded(handle):
            handle.seek(0)
            with zipfile.ZipFile(handle) as archive:
                names = archive.namelist()
                if "mimetype" in names:
                    raw = read_member(archive, "mimetype", MIMETYPE_BYTES)
                    mimetype = raw.decode("ascii", "replace").strip()
                    if mimetype in ODF:
                        return ODF[mimetype]
                if "[Content_Types].xml" in names:
                    for prefix, kind in OOXML.items():
                        if any(name.startswith(prefix) for name in names):
                            return kind
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError, RuntimeError, zlib.error):
        pass  # ArchiveTooLarge is a ValueError: refused like any other broken archive
    raise RejectedFile(_("This archive is not an Office or OpenDocument file."))


def _text_type(sample: bytes) -> FileType:
    if b"\x00" in sample:
        raise RejectedFile(_("This file type is not accepted. Upload %s.") % ALLOWED_SUMMARY)
    try:
        text = sample.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is fine.
        if error.start < len(sample) - 4:
            raise RejectedFile(
                _("This file type is not accepted. Upload %s.") % ALLOWED_SUMMARY
            ) from None
        text = sample[: error.start].decode("utf-8-sig")
    if MARKUP.search(sample[:4096]):
        raise RejectedFile(_("HTML, SVG and XML files are not accepted: they could run code."))
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) >= 2:
        try:
            dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t")
            widths = {len(row) for row in csv.reader(io.StringIO("\n".join(lines)), dialect)}
            if len(widths) == 1 and widths.pop() > 1:
                return CSV
        except csv.Error:
            pass
    return TEXT


def sniff(handle) -> FileType:
    """The file's type from its content. `handle` is a seekable binary file."""
    handle.seek(0)
    head = handle.read(65536)
    handle.seek(0)
    if not head:
        raise RejectedFile(_("The file is empty."))
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        kind = _zip_type(handle)
        handle.seek(0)
        return kind
    return _text_type(head)


# ------------------------------------------------------------------------------
# Names
# ------------------------------------------------------------------------------

WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.IGNORECASE)
MAX_NAME = 120


def clean_filename(name: str, kind: FileType) -> str:
    """A display name from the client's: no path, no control or direction characters, not a
    reserved device name, at most 120 characters, ending in the extension of the real type."""
    name = (name or "").replace("\\", "/").split("/")[-1]
    name = "".join(
        ch for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"}
    )  # fmt: skip
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    if stem.lower().endswith(kind.extension):  # "budget.pdf.exe" → "budget.pdf"
        stem = stem[: -len(kind.extension)]
    stem = stem.strip(" .") or "document"
    if WINDOWS_RESERVED.match(stem.split(".")[0]):
        stem = f"_{stem}"
    stem = stem[: MAX_NAME - len(kind.extension)].rstrip(" .")
    return f"{stem}{kind.extension}"


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266 and 5987)."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = re.sub(r"[^A-Za-z0-9 ._()-]", "_", fallback)
    fallback = re.sub(r"\s+", " ", fallback).strip() or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
