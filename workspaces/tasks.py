"""Background work of the workspaces app, run through django.tasks (never named runner)."""

from __future__ import annotations

from django.tasks import task


@task()
def extract_document_text(version_id: int) -> str:
    """A version's text and previews (workspaces/document_text.py); its state afterwards."""
    from .document_text import version_extract

    return version_extract(version_id=version_id)
