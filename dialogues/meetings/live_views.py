"""The room page's plain forms for running a live session: the same services the socket's
frames call (dialogues/meetings/live.py), so a page without JavaScript runs a session too."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.params import id_param
from core.refusals import refusals_redirect_to
from dialogues.lookups import visible_session
from dialogues.meetings import live


def _room_url(request, slug: str, session: int) -> str:
    return reverse("session_room", kwargs={"slug": slug, "session": session})


def _due(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


ACTIONS = {
    "move": lambda post: (live.agenda_move, {"item_id": id_param(post.get("item"))}),
    "raise": lambda post: (
        live.floor_raise,
        {"for_jurisdiction": post.get("for") == "jurisdiction"},
    ),
    "withdraw": lambda post: (live.floor_withdraw, {}),
    "give": lambda post: (live.floor_give, {"request_id": id_param(post.get("request"))}),
    "skip": lambda post: (live.floor_skip, {"request_id": id_param(post.get("request"))}),
    "clear": lambda post: (live.floor_clear, {}),
    "note": lambda post: (
        live.minutes_note,
        {
            "kind": post.get("kind", ""),
            "text": post.get("text", ""),
            "seq": id_param(post.get("seq")),
            "owner_id": id_param(post.get("owner")),
            "due_date": _due(post.get("due", "")),
        },
    ),
}

DONE = {
    "move": gettext_lazy("The agenda item is taken up."),
    "raise": gettext_lazy("Your hand is raised."),
    "withdraw": gettext_lazy("Your hand is lowered."),
    "give": gettext_lazy("The floor is given."),
    "skip": gettext_lazy("The hand is skipped."),
    "clear": gettext_lazy("The speakers' queue is cleared."),
}


@require_POST
@refusals_redirect_to(_room_url, permission_denied=True)
def session_live_action(request, slug: str, session: int):
    found = visible_session(request.user, slug, session)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        messages.error(request, _("Unknown action."))
        return redirect(_room_url(request, slug, session))
    service, arguments = ACTIONS[action](request.POST)
    service(actor=request.user, session=found, request=request, **arguments)
    if action == "note":
        messages.success(request, live.note_label(arguments["kind"]))
    else:
        messages.success(request, str(DONE[action]))
    return redirect(_room_url(request, slug, session))
