"""What a sandboxed job is: its kinds, the content types each accepts, why one fails.

Shared by the parent (sandbox) and the child (worker); plain Python, no Django, no libraries.
"""

from __future__ import annotations

# Content types as workspaces.file_types_and_names names them (parameters such as
# "; charset=utf-8" are ignored), plus the image types a preview also accepts.
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
CSV = "text/csv"
TEXT = "text/plain"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"

TEXT_TYPES = frozenset({PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, CSV, TEXT})
IMAGE_TYPES = frozenset({PNG, JPEG, GIF, WEBP})
KINDS: dict[str, frozenset[str]] = {
    "text": TEXT_TYPES,
    "preview": frozenset({PDF}) | IMAGE_TYPES,
    "watermark": frozenset({PDF}),
    "trace": frozenset({PDF}),  # the download id in a stamped copy's metadata
}

# Why a job failed: short, machine-readable, never a word of the document.
TIMEOUT = "timeout"
MEMORY = "memory"
CPU = "cpu"
ENCRYPTED = "encrypted"
UNREADABLE = "unreadable"
TOO_LARGE = "too_large"
UNSUPPORTED = "unsupported"
REASONS = frozenset({TIMEOUT, MEMORY, CPU, ENCRYPTED, UNREADABLE, TOO_LARGE, UNSUPPORTED})


def base_type(content_type: str) -> str:
    """'text/csv; charset=utf-8' -> 'text/csv'."""
    return content_type.split(";", 1)[0].strip().lower()


class JobFailed(Exception):
    """The worker gives up on this file for `reason`; `error` names the cause, not the content."""

    def __init__(self, reason: str, error: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.error = error
