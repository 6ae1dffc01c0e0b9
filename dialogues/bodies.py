"""The bodies of posts, chat messages and minutes comments: checked and rendered in one
place, mentions included."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from core.markup import mentioned_handles, render_markdown
from dialogues.attribution.bylines import DialogueBylines
from workspaces.access import (
    people_who_can_view,
)

MAX_BODY = 50_000


def clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError(_("Write something first."))
    if len(body) > MAX_BODY:
        raise ValidationError(
            _("A post can be at most %(limit)s characters long.") % {"limit": f"{MAX_BODY:,}"}
        )
    return body


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason: it is kept in the audit log."))
    return reason[:300]


def render_body(
    source: str, audience_item, people: DialogueBylines | None = None
) -> tuple[str, list[User]]:
    """Render a body written in `audience_item` (a thread, room or session); return its HTML and
    whom to notify of a mention: those it mentions who may see it.

    Mentions are marked up in every mode, so that each output can show them as its bylines
    show people (Bylines.mentions_html). Posts, chat messages and minutes comments all render
    here."""
    handles = mentioned_handles(source)
    mentioned = []
    if handles:
        mentioned = list(people_who_can_view(audience_item).filter(handle__in=handles))
    html = render_markdown(source, mentionable={u.handle for u in mentioned})
    # Nobody is addressed by name where everyone is a pseudonym: no one is notified.
    people = people or DialogueBylines(audience_item)
    return html, [] if people.is_anonymous else mentioned
