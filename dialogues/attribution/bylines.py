"""The pseudonym context and mode of a thread, a session or a room (the rules and labels are
in workspaces/attribution.py)."""

from __future__ import annotations

from dialogues.models import ChatRoom, DialogueSession, Thread
from workspaces.attribution import Bylines, Speaker, stricter_than_workspace
from workspaces.models import Workspace

__all__ = ["DialogueBylines", "Speaker", "context_of", "stricter_than_workspace"]


def context_of(item) -> tuple[Workspace, str, str]:
    """(workspace, pseudonym context, effective mode) of a thread, session, room or workspace."""
    if isinstance(item, Thread):
        return item.workspace, f"thread:{item.pk}", item.workspace.attribution
    if isinstance(item, DialogueSession):
        return item.workspace, f"session:{item.pk}", item.effective_attribution
    if isinstance(item, ChatRoom):
        if not item.is_workspace_room:
            session = DialogueSession.objects.filter(room=item).select_related("workspace").first()
            if session is not None:
                return context_of(session)
        return item.workspace, f"room:{item.pk}", item.workspace.attribution
    if isinstance(item, Workspace):  # documents and anything not in a thread or session
        return item, f"workspace:{item.pk}", item.attribution
    raise TypeError(f"No attribution context for {type(item).__name__}")


class DialogueBylines(Bylines):
    """The labels for people in a thread, session, room or workspace."""

    def __init__(self, item, *, outside: bool = False):
        workspace, context, mode = context_of(item)
        super().__init__(workspace, context, mode, outside=outside)
