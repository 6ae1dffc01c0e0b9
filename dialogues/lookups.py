"""What a dialogue view looks up by URL: only what the user may see, else 404."""

from __future__ import annotations

from accounts.models import User
from dialogues.models import DialogueSession, Thread
from workspaces.access import get_visible_or_404
from workspaces.selectors import visible_workspace

__all__ = ["visible_session", "visible_thread", "visible_workspace"]


def visible_thread(user: User, slug: str, pk: int) -> Thread:
    # The slug must match too: a thread id from another workspace is simply not found. Every
    # thread page shows its workspace, read in the same query.
    return get_visible_or_404(
        user, Thread, select_related=("workspace",), pk=pk, workspace__slug=slug
    )


def visible_session(user: User, slug: str, pk: int) -> DialogueSession:
    # As for threads: a session is found only under its own workspace's slug.
    return get_visible_or_404(user, DialogueSession, pk=pk, workspace__slug=slug)
