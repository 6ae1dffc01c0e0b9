"""The posts of a thread page, each rendered once and reused while nothing it shows changes.

Rendering a hundred posts with their bylines, reaction forms and action links is most of a
thread page's cost. A post's HTML is a pure function of a small set of values: the post
itself (its text as shown: mentions under the attribution rule), how its author is shown,
the reader's relation to it (author, contributor, moderator, unmask right, whether it is new
to them), its reactions and the reader's own, the language and the time zone.
`fragment_inputs` gathers exactly those values and the template sees nothing else, so the
cache key (their digest) changes whenever the HTML would: there is no
invalidation to forget, and a fragment is only ever reused for a reader who would see the very
same HTML.

The CSRF token is the one per-reader value inside a fragment: fragments are rendered with a
placeholder and every response fills in its own reader's token.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from django.core.cache import caches
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from workspaces.access import can_edit_own, can_read_hidden_text, can_remove_own
from workspaces.attribution import Speaker

TEMPLATE = "dialogues/threads/_post.html"
# What TEMPLATE includes: a change to any of them must start the cache afresh too.
INCLUDED = (
    "dialogues/threads/_moderation_dialog.html",
    "dialogues/threads/_moderation_form.html",
)
CACHE_ALIAS = "fragments"
# Content-addressed keys never go stale; the timeout only returns memory from unread pages.
TIMEOUT = 24 * 3600
CSRF_PLACEHOLDER = "enclave-csrf-placeholder"


def _template_version() -> str:
    """A digest of the post template's source and what it includes: a release that changes
    them starts afresh."""
    digest = hashlib.sha256()
    for name in (TEMPLATE, *INCLUDED):
        digest.update(Path(get_template(name).origin.name).read_bytes())
    return digest.hexdigest()[:12]


_VERSION: str | None = None
_SPEAKER_FIELDS = dataclasses.fields(Speaker)


def _speaker(speaker) -> dict | None:
    # A shallow copy of the Speaker's fields (dataclasses.asdict deep-copies, at 10x the cost).
    return {f.name: getattr(speaker, f.name) for f in _SPEAKER_FIELDS} if speaker else None


def fragment_inputs(*, post, page, user, workspace, thread, flags: dict) -> dict:
    """Everything `_post.html` shows of one post to this reader, as plain values.

    `flags` are the page's reader-wide switches (can_contribute, can_moderate, can_unmask).
    """
    return {
        "post": {
            "pk": post.pk,
            "depth": post.depth,
            "deleted_at": post.deleted_at is not None,
            "removed_on_request": post.removed_on_request,
            "hidden_at": post.hidden_at is not None,
            "hidden_reason": post.hidden_reason,
            "created_at": post.created_at,
            "edited_at": post.edited_at is not None,
            "parent_id": post.parent_id,
            "parent": {"deleted_at": bool(post.parent_id and post.parent.deleted_at)},
            # The text as this page shows it: mentions as the bylines show people.
            "body_html": post.shown_html,
            "shown_author": _speaker(getattr(post, "shown_author", None)),
            "shown_parent_author": _speaker(getattr(post, "shown_parent_author", None)),
            "reaction_summary": [
                (kind, str(label), count, mine)
                for kind, label, count, mine in post.reaction_summary
            ],
            "is_mine": post.author_id == user.pk,
            "editable": can_edit_own(
                user, post, author_id=post.author_id, capabilities=page.capabilities
            ),
            # The policy's rules, from the capabilities the page already read.
            "removable": can_remove_own(
                user, post, author_id=post.author_id, capabilities=page.capabilities
            ),
            "text_readable": bool(post.hidden_at)
            and can_read_hidden_text(
                user, post, author_id=post.author_id, capabilities=page.capabilities
            ),
            "is_new": bool(page.read_until and post.created_at > page.read_until),
        },
        "workspace": {"slug": workspace.slug, "is_archived": workspace.is_archived},
        "thread": {"pk": thread.pk},
        "can_contribute": bool(flags["can_contribute"]),
        "can_moderate": bool(flags["can_moderate"]),
        "can_unmask": bool(flags["can_unmask"]),
    }


def _scope() -> str:
    """What every fragment of this response shares: language, time zone, template."""
    global _VERSION
    if _VERSION is None:
        _VERSION = _template_version()
    return f"{translation.get_language()}|{timezone.get_current_timezone_name()}|{_VERSION}|"


def _key(scope: str, inputs: dict) -> str:
    # repr of plain values built in a fixed order is deterministic (and much cheaper than
    # JSON); fragment_inputs turns lazy labels into str so no object address gets in.
    return "post:" + hashlib.sha256((scope + repr(inputs)).encode()).hexdigest()


def render_posts(request, *, posts, page, workspace, thread, flags: dict) -> str:
    """The HTML of `posts` for this request's reader, from the cache where it can be."""
    cache = caches[CACHE_ALIAS]
    inputs = [
        fragment_inputs(
            post=post, page=page, user=request.user, workspace=workspace, thread=thread, flags=flags
        )
        for post in posts
    ]
    scope = _scope()
    keys = [_key(scope, each) for each in inputs]
    found = cache.get_many(keys)
    missing = {}
    template = get_template(TEMPLATE)
    for key, each in zip(keys, inputs, strict=True):
        if key not in found:
            found[key] = missing[key] = template.render({**each, "csrf_token": CSRF_PLACEHOLDER})
    if missing:
        cache.set_many(missing, TIMEOUT)
    html = "".join(found[key] for key in keys)
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return mark_safe(html)  # noqa: S308 - rendered by the autoescaping template above
