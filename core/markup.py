"""The only place Markdown becomes HTML: render, then sanitize, once, on write.

Pages never sanitize at render time; they show the stored result.
"""

from __future__ import annotations

import re
from html import unescape

import bleach
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td", "span",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "span": ["class"],
    "th": ["align"],
    "td": ["align"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
MENTION = re.compile(r"(?<![\w@/])@([a-z0-9][a-z0-9._-]{0,62}[a-z0-9]|[a-z0-9])", re.IGNORECASE)

# html=False: raw HTML in the source is shown as text, never passed through.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable("table").enable("strikethrough")
# Images would fetch remote content: render them as plain links instead.
_markdown.disable("image")


def _demote_headings(html: str) -> str:
    """Posts sit under the page's own headings: a body's `#` becomes h4, deeper ones h5–h6."""
    return re.sub(
        r"<(/?)h([1-6])>", lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + 3)}>", html
    )


def _link_attributes(attrs, new=False):
    href = attrs.get((None, "href"), "")
    if not href:
        return attrs
    attrs[(None, "rel")] = "noopener nofollow noreferrer"
    return attrs


def _highlight_mentions(html: str, handles: set[str]) -> str:
    """Wrap @handles that name real people; text inside code and links is left alone."""
    if not handles:
        return html
    parts = re.split(
        r"(<code>.*?</code>|<pre>.*?</pre>|<a [^>]*>.*?</a>|<[^>]+>)", html, flags=re.S
    )
    for index, part in enumerate(parts):
        if part.startswith("<"):
            continue
        parts[index] = MENTION.sub(
            lambda m: (
                f'<span class="mention">@{m.group(1)}</span>'
                if m.group(1).lower() in handles
                else m.group(0)
            ),
            part,
        )
    return "".join(parts)


def render_markdown(source: str, *, mentionable: set[str] | None = None) -> str:
    """Markdown in, safe HTML out. `mentionable` lower-case handles get a mention style."""
    html = _demote_headings(_markdown.render(source or ""))
    cleaned = bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    cleaned = bleach.linkify(cleaned, callbacks=[_link_attributes], skip_tags={"pre", "code"})
    return _highlight_mentions(cleaned, {h.lower() for h in (mentionable or set())}).strip()


# The one form a mention takes in stored HTML (only _highlight_mentions writes it: bleach lets no
# other span carry this class, as raw HTML never passes). Pages re-label it through
# Bylines.mentions_html; the stored HTML keeps the real handle.
MENTION_SPAN = re.compile(r'<span class="mention">@([a-z0-9._-]+)</span>', re.IGNORECASE)
_CODE = re.compile(r"(```.*?```|`[^`]*`)", re.S)


def mentions_in(html: str) -> set[str]:
    """The lower-case handles marked as mentions in stored HTML."""
    return {m.group(1).lower() for m in MENTION_SPAN.finditer(html or "")}


def relabel_mentions(html: str, labels: dict[str, str]) -> str:
    """Stored HTML with each marked mention shown as `labels[handle]` (escaped)."""
    return MENTION_SPAN.sub(
        lambda m: f'<span class="mention">{escape(labels[m.group(1).lower()])}</span>', html
    )


def relabel_mentions_text(text: str, labels: dict[str, str], *, skip_code: bool = True) -> str:
    """A source or plain text with each `@handle` of `labels` shown as its label: outside code,
    or everywhere for a fragment (`skip_code=False`), where code cannot be told apart."""
    if not labels:
        return text
    parts = _CODE.split(text or "") if skip_code else [text or ""]
    for index in range(0, len(parts), 2):  # even parts are outside code
        parts[index] = MENTION.sub(
            lambda m: labels.get(m.group(1).lower(), m.group(0)), parts[index]
        )
    return "".join(parts)


def renamed_mention(text: str, old: str, new: str) -> str:
    """A source or stored HTML with every `@old` written `@new`, in code too: the old handle of
    an erased official is personal data, wherever it was written."""
    old = old.lower()
    return MENTION.sub(lambda m: "@" + new if m.group(1).lower() == old else m.group(0), text or "")


def mentioned_handles(source: str) -> set[str]:
    """The @handles written in a source text (outside code), lower-cased."""
    without_code = re.sub(r"```.*?```|`[^`]*`", "", source or "", flags=re.S)
    return {m.group(1).lower() for m in MENTION.finditer(without_code)}


def plain_excerpt(html: str, limit: int = 200) -> str:
    """The text of (sanitised) HTML as plain text, unescaped, cut at `limit`: for a plain-text
    email as it is, and escaped by the template wherever HTML shows it."""
    text = unescape(bleach.clean(html, tags=set(), strip=True))
    return shortened(re.sub(r"\s+", " ", text).strip(), limit)


def shortened(text: str, limit: int) -> str:
    """`text` cut at `limit` characters, an ellipsis saying so."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


BODY_HELP = _(
    "Markdown: **bold**, *italic*, lists, > quotes, [links](https://…). @handle mentions."
)
