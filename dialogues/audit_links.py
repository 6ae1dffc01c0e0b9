"""Where the audit log may send its reader: the post, thread, document, dialogue session,
dialogue or announcement an event concerns, when this reader may open it
(accounts.audit.provide_audit_links).

Each kind is read once for the whole page of events, through the access policy: what the
reader may not see (removed, hidden from them, off their rosters, for full members only) gets
no link, and its title is never read for them.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.audit import AuditLink
from accounts.models import AuditEvent
from dialogues.models import Announcement, DialogueSession, Post, Thread
from workspaces.access import readable_text_filter, visible
from workspaces.models import Document, Workspace

# Detail keys naming an object, most specific first: a hidden post's event opens the post.
_KEYS = ("post", "thread", "document", "session", "workspace", "announcement")
_EXPORT_KINDS = {"thread", "session", "workspace"}


def _reference(event: AuditEvent) -> tuple[str, Any] | None:
    """(kind, id) of the object `event` concerns, or ("workspace_slug", slug) from its scope."""
    detail = event.detail if isinstance(event.detail, dict) else {}
    exported = event.action == AuditEvent.Action.EXPORTED and detail.get("kind") in _EXPORT_KINDS
    if exported and isinstance(detail.get("id"), int):
        return detail["kind"], detail["id"]
    for key in _KEYS:
        value = detail.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return key, value
    if event.scope.startswith("workspace:"):
        return "workspace_slug", event.scope.removeprefix("workspace:")
    return None


def audit_item_links(user: Any, events: list[AuditEvent]) -> dict[int, AuditLink]:
    references = {event.pk: ref for event in events if (ref := _reference(event))}
    wanted: dict[str, set] = {}
    for kind, key in references.values():
        wanted.setdefault(kind, set()).add(key)
    found: dict[tuple[str, Any], AuditLink] = {}
    if "post" in wanted:
        posts = (
            visible(user, Post)
            .filter(readable_text_filter(user, Post), pk__in=wanted["post"])
            .values_list("pk", "thread__title")
        )
        for pk, title in posts:
            label = _("Post in “%(title)s”") % {"title": title}
            found["post", pk] = AuditLink(reverse("post_permalink", kwargs={"pk": pk}), label)
    for kind, model, url_name, named in (
        ("thread", Thread, "thread_detail", _("Thread “%(title)s”")),
        ("document", Document, "document_detail", _("Document “%(title)s”")),
        ("session", DialogueSession, "session_detail", _("Session “%(title)s”")),
    ):
        if kind in wanted:
            rows = (
                visible(user, model)
                .filter(pk__in=wanted[kind])
                .values_list("pk", "title", "workspace__slug")
            )
            for pk, title, slug in rows:
                url = reverse(url_name, kwargs={"slug": slug, "pk": pk})
                found[kind, pk] = AuditLink(url, named % {"title": title})
    if "announcement" in wanted:
        rows = visible(user, Announcement).filter(pk__in=wanted["announcement"])
        for pk, title in rows.values_list("pk", "title"):
            label = _("Announcement “%(title)s”") % {"title": title}
            url = reverse("announcement_detail", kwargs={"pk": pk})
            found["announcement", pk] = AuditLink(url, label)
    if "workspace" in wanted or "workspace_slug" in wanted:
        rows = visible(user, Workspace).filter(pk__in=wanted.get("workspace", set())) | visible(
            user, Workspace
        ).filter(slug__in=wanted.get("workspace_slug", set()))
        for pk, slug, title in rows.values_list("pk", "slug", "title"):
            url = reverse("workspace_detail", kwargs={"slug": slug})
            link = AuditLink(url, _("Dialogue “%(title)s”") % {"title": title})
            found["workspace", pk] = found["workspace_slug", slug] = link
    return {pk: found[ref] for pk, ref in references.items() if ref in found}
