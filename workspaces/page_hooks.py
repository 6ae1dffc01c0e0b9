"""What a layer above adds to a workspace page without workspaces importing it. Each hook is
provided once, from the upper app's AppConfig.ready() (dialogues provides a document's
discussion thread)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .models import Document

_discussion_finder: Callable[[Any, Document], Any] | None = None


def provide_discussion_finder(finder: Callable[[Any, Document], Any]) -> None:
    """`finder(user, document)` returns the document's discussion thread as `user` may see it,
    or None."""
    global _discussion_finder
    _discussion_finder = finder


def discussion_of(user: Any, document: Document):
    return _discussion_finder(user, document) if _discussion_finder else None


_library_details: Callable[[Any, Document], Any] | None = None


def provide_library_details(finder: Callable[[Any, Document], Any]) -> None:
    """`finder(user, document)` returns what the partnership library says of a document of
    its own (type, topic, year, language, jurisdictions), or None (partnership provides it)."""
    global _library_details
    _library_details = finder


def library_details_of(user: Any, document: Document):
    if not document.workspace.is_library or _library_details is None:
        return None
    return _library_details(user, document)
