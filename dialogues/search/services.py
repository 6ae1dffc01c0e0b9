"""One search box over what the user may see: workspaces, threads and posts.

PostgreSQL: full-text search with ranking and highlighted snippets. SQLite: every word must
appear (case-insensitive), newest first, with the words highlighted in the snippet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import BooleanField, F, FloatField, Q, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Replace
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from core.markup import plain_excerpt
from dialogues.attribution.bylines import DialogueBylines
from dialogues.models import Post, Thread
from workspaces.access import readable_text_filter, visible
from workspaces.models import Document, Workspace

LIMIT = 20
# Markers that cannot occur in escaped text: the snippet is escaped, then they become <mark>.
START, STOP = "\x02", "\x03"


@dataclass
class Hit:
    kind: str
    title: str
    snippet: SafeString
    workspace: Workspace
    thread: Thread | None = None
    post: Post | None = None
    document: Document | None = None


def _marked(text: str) -> SafeString:
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


class _Outside:
    """Search results leave the live view: each post's thread's outside DialogueBylines, built
    once per thread, shows its mentions as the results' bylines show people."""

    def __init__(self):
        self._by_thread: dict[int, DialogueBylines] = {}

    def __call__(self, post: Post) -> DialogueBylines:
        if post.thread_id not in self._by_thread:
            self._by_thread[post.thread_id] = DialogueBylines(post.thread, outside=True)
        return self._by_thread[post.thread_id]


def _unmark_mentions(snippet: str) -> str:
    """A headline may highlight a handle inside a mention (`@` START `eu` STOP): drop those
    marks so that the mention is still one and can be relabeled."""
    return re.sub(
        r"@[\w.\-\x02\x03]+",
        lambda m: m.group(0).replace(START, "").replace(STOP, ""),
        snippet,
    )


def _words(query: str) -> list[str]:
    return [w for w in re.findall(r"\w[\w'-]*", query)[:8] if len(w) > 1]


def _fallback_snippet(text: str, words: list[str], width: int = 180) -> SafeString:
    lowered = text.lower()
    positions = [lowered.find(w.lower()) for w in words if lowered.find(w.lower()) >= 0]
    start = max(min(positions) - 60, 0) if positions else 0
    snippet = text[start : start + width]
    if start > 0:
        snippet = "…" + snippet
    if start + width < len(text):
        snippet += "…"
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    return _marked(pattern.sub(lambda m: START + m.group(0) + STOP, snippet))


def _words_filter(fields: list[str], words: list[str]) -> Q:
    condition = Q()
    for word in words:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        condition &= any_field
    return condition


def search(*, user: User, query: str) -> list[Hit]:
    words = _words(query)
    if not words:
        return []
    workspaces = visible(user, Workspace)
    threads = visible(user, Thread).select_related("workspace")
    # A hidden post's text is searched only by those who may still read it (the policy's rule).
    posts = (
        visible(user, Post)
        .filter(readable_text_filter(user, Post))
        .select_related("thread__workspace", "author__jurisdiction")
    )
    documents = visible(user, Document).select_related("workspace")
    if connection.vendor == "postgresql":
        return _search_postgres(query, workspaces, threads, posts, documents)
    return _search_fallback(words, workspaces, threads, posts, documents)


def _search_fallback(words, workspaces, threads, posts, documents) -> list[Hit]:
    hits: list[Hit] = []
    fields = ["title", "description", "tags"]
    for document in documents.filter(_words_filter(fields, words)).order_by("-updated_at")[:LIMIT]:
        text = " ".join([document.title, document.description, ", ".join(document.tag_list)])
        hits.append(
            Hit(
                "document",
                document.title,
                _fallback_snippet(text, words),
                document.workspace,
                document=document,
            )
        )
    for workspace in workspaces.filter(_words_filter(["title", "purpose_source"], words))[:5]:
        hits.append(
            Hit(
                "workspace",
                workspace.title,
                _fallback_snippet(plain_excerpt(workspace.purpose_html, 2000), words),
                workspace,
            )
        )
    for thread in threads.filter(_words_filter(["title"], words)).order_by("-last_post_at")[:LIMIT]:
        hits.append(
            Hit(
                "thread",
                thread.title,
                _fallback_snippet(thread.title, words),
                thread.workspace,
                thread,
            )
        )
    outside = _Outside()
    for post in posts.filter(_words_filter(["body_source"], words)).order_by("-created_at")[:LIMIT]:
        html = outside(post).mentions_html(post.body_html)
        if html != post.body_html:
            # Mentions read as a participant here: a post found only by whom it mentions
            # would tell who that is.
            lowered = plain_excerpt(html, len(html) + 1).lower()
            if not all(word.lower() in lowered for word in words):
                continue
        text = plain_excerpt(html, 5000)
        hits.append(
            Hit(
                "post",
                post.thread.title,
                _fallback_snippet(text, words),
                post.thread.workspace,
                post.thread,
                post,
            )
        )
    return hits


def _text(field: str):
    """A column as PostgreSQL should parse it: its parser skips anything after `<script>`,
    so angle brackets become spaces first."""
    inner = Replace(field, Value("<"), Value(" "), output_field=TextField())
    return Replace(inner, Value(">"), Value(" "), output_field=TextField())


# Posts carry their vector in a stored column with a GIN index (migration 0004), computed by
# PostgreSQL from the same text as _text("body_source"): a query finds its posts in the index
# and ranks them without rebuilding each post's vector.
POST_VECTOR = "dialogues_post.search_english"


def posts_matching(posts, query: str):
    """The posts matching `query` (websearch syntax), each with its `rank`."""
    # The column is not a model field, hence SQL; the user's words are only ever a parameter.
    tsquery = "websearch_to_tsquery('english'::regconfig, %s)"
    matches = RawSQL(f"{POST_VECTOR} @@ {tsquery}", [query], output_field=BooleanField())  # noqa: S611
    rank = RawSQL(f"ts_rank({POST_VECTOR}, {tsquery})", [query], output_field=FloatField())  # noqa: S611
    return posts.filter(matches).annotate(rank=rank)


def _search_postgres(query: str, workspaces, threads, posts, documents) -> list[Hit]:
    search_query = SearchQuery(query, search_type="websearch", config="english")
    options = {
        "start_sel": START,
        "stop_sel": STOP,
        "config": "english",
        "max_fragments": 2,
        "max_words": 30,
        "min_words": 10,
    }
    hits: list[Hit] = []
    found = (
        workspaces.annotate(
            search_vector=SearchVector(_text("title"), _text("purpose_source"), config="english"),
            rank=SearchRank(F("search_vector"), search_query),
            snippet=SearchHeadline(_text("purpose_source"), search_query, **options),
        )
        .filter(search_vector=search_query)
        .order_by("-rank")[:5]
    )
    for workspace in found:
        hits.append(Hit("workspace", workspace.title, _marked(workspace.snippet), workspace))
    text = Concat(
        _text("title"),
        Value(" "),
        _text("description"),
        Value(" "),
        Replace("tags", Value(","), Value(" ")),
        output_field=TextField(),
    )
    found = (
        documents.annotate(
            document_text=text,
            vector=SearchVector(F("document_text"), config="english"),
            rank=SearchRank(F("vector"), search_query),
            snippet=SearchHeadline(F("document_text"), search_query, **options),
        )
        .filter(vector=search_query)
        .order_by("-rank", "-updated_at")[:LIMIT]
    )
    for document in found:
        hits.append(
            Hit(
                "document",
                document.title,
                _marked(document.snippet),
                document.workspace,
                document=document,
            )
        )
    found = (
        threads.annotate(
            search_vector=SearchVector(_text("title"), config="english"),
            rank=SearchRank(F("search_vector"), search_query),
            snippet=SearchHeadline(_text("title"), search_query, **options),
        )
        .filter(search_vector=search_query)
        .order_by("-rank", "-last_post_at")[:LIMIT]
    )
    for thread in found:
        hits.append(Hit("thread", thread.title, _marked(thread.snippet), thread.workspace, thread))
    found = (
        posts_matching(posts, query)
        .annotate(snippet=SearchHeadline(_text("body_source"), search_query, **options))
        .order_by("-rank", "-created_at")[:LIMIT]
    )
    outside = _Outside()
    for post in found:
        people, snippet = outside(post), post.snippet
        if not people.names_people:
            snippet = people.mentions_text(
                _unmark_mentions(snippet), marked_in=post.body_html, fragment=True
            )
            if START in post.snippet and START not in snippet:
                continue  # found only by whom it mentions, which the snippet must not tell
        hits.append(
            Hit(
                "post",
                post.thread.title,
                _marked(snippet),
                post.thread.workspace,
                post.thread,
                post,
            )
        )
    return hits
