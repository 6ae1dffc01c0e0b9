"""One search box over what the user may see: workspaces, documents, the text inside
documents, threads and posts.

`search(user=..., query=...)` is the entry point. What it may return is decided once, by the
policy: every kind starts from `visible(user, Model)` (posts also from `readable_text_filter`: a
hidden post's text is searched only by those who may still read it; a document's text, its
passages, only in its newest version: `searchable_passages`), and nothing below reads rows from
anywhere else. Bylines leave the live view: each post hit carries `shown_author` and a
snippet whose mentions read as the thread's outside bylines show people.

PostgreSQL: full-text search (websearch syntax) in English, French, Spanish and Japanese, with
ranking and highlighted snippets. Each kind keeps one `tsvector` in a stored generated column
with a GIN index (`VECTOR_COLUMN`, built by the migrations with `enclave_search_vector` from the
same text the snippets are cut from: `_text`, `_document_text`; a passage's text, workspaces
migration 0008): the text's vectors in three text search configurations (English, French,
Spanish: each its language's stemmer after unaccent), and the bigrams of its CJK runs. A query
is the OR of the user's words in each configuration (`_tsquery`), its CJK runs turned into
bigram phrases (text.cjk_query), so "marches" finds "marchés", "Quebec" "Québec", "emissions"
"emission", and 排出量 finds 排出量取引 but not 排出 and 取引 apart. The SQL functions doing
this are workspaces migration 0006's. No query rebuilds a vector per row. The parts, for
anything that searches:
- one query builder per kind, `workspaces_matching`, `documents_matching`,
  `passages_matching`, `threads_matching`, `posts_matching` (queryset, query): the rows of a
  (visible) queryset that match, each with its `rank` (`StoredVector` names the column; it may
  be used inside subqueries);
- `top(matching, query, order, limit)`: the best `limit` of those by rank, then `order`, then
  id, in one query that ranks the ids of the CANDIDATES most recent matches only and reads
  whole rows (and snippets) for the winners alone (`one_per`: the best row of each group only,
  as the best passage of each document);
- `_<kind>_hits`: the rows as `Hit`s, their snippets completed by `_complete` (CJK matches are
  marked in Python: PostgreSQL's parser sees a CJK run as one word).

SQLite: every word must appear in one of the fields, compared folded (case and accents dropped,
`enclave_fold`: dialogues/search/sqlite.py), as a substring (which is what a CJK word needs),
newest first, with the words marked in the snippet by their folded positions (`_fallback_*`);
a document's first passage holding every word stands for it.

A document found inside is one hit (kind "passage") with its best passage: the snippet, and
where it is (`DocumentPassage.where`: "Page 3", "Sheet “Prices”", "Slide 2"). Hits name no
uploader, as document hits do not.

At most WORKSPACE_LIMIT workspaces and LIMIT items of each other kind; neither the number of
queries nor the rows a query ranks grow with the archive.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

from django.contrib.postgres.search import SearchQueryField, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    Window,
)
from django.db.models.expressions import Col, Expression
from django.db.models.functions import Concat, Replace, RowNumber
from django.db.models.lookups import Contains
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import User
from core.markup import plain_excerpt
from dialogues.attribution.bylines import Speaker, context_of
from dialogues.models import Post, Thread
from dialogues.search.text import (
    CJK_RUN,
    START,
    STOP,
    cjk_query,
    cjk_runs,
    fold,
    mark,
    merge,
    unmark,
)
from dialogues.search.text import spans as found_in
from workspaces.access import readable_text_filter, visible
from workspaces.attribution import Bylines, for_places
from workspaces.models import Document, DocumentPassage, DocumentVersion, Workspace

LIMIT = 20
WORKSPACE_LIMIT = 5
CANDIDATES = 1000  # matches ranked per kind, the most recent first (see `top`)
# Text inside documents is ranked among the DOCUMENT_CANDIDATES most recent documents (newest
# versions) that match, the first PER_DOCUMENT matching passages of each: a long report that
# matches on every page takes no more of the window than a short note.
DOCUMENT_CANDIDATES = 50
PER_DOCUMENT = CANDIDATES // DOCUMENT_CANDIDATES
# START and STOP (text.py) mark matches: they cannot occur in escaped text (`_marked`).

# Workspaces, documents, passages, threads and posts each keep their vector in this column,
# generated by PostgreSQL and indexed (GIN): workspaces migrations 0006 and 0008, dialogues 0009.
VECTOR_COLUMN = "search_vector"


@dataclass
class Hit:
    kind: str
    title: str
    snippet: SafeString
    workspace: Workspace | None
    thread: Thread | None = None
    post: Post | None = None
    document: Document | None = None
    shown_author: Speaker | None = None
    passage: DocumentPassage | None = None  # a "passage" hit: `passage.where` says where
    url: str = ""  # a hit from a provider above (a factsheet): where it is read


# Hits from the layer above, which this module may not import (partnership's factsheets):
# `provider(user, words)` returns them already bounded by the policy. Registered from the
# upper app's AppConfig.ready().
_providers: list[Callable[[User, list[str]], list[Hit]]] = []


def provide_hits(provider: Callable[[User, list[str]], list[Hit]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def matching_snippet(text: str, words: list[str]) -> SafeString | None:
    """For a provider: a snippet of `text` with `words` marked when every one of them is in it
    (folded, as the fallback search compares), else None."""
    folded = fold(text)
    if not all(fold(word) in folded for word in words):
        return None
    return _fallback_snippet(text, words)


def search(*, user: User, query: str) -> list[Hit]:
    words = _words(query)
    if not words:
        return []
    workspaces = visible(user, Workspace)
    documents = document_search(user=user, query=query)
    threads = visible(user, Thread)
    posts = visible(user, Post)
    readable = readable_text_filter(user, Post)
    provided = [hit for provider in _providers for hit in provider(user, words)]
    if connection.vendor == "postgresql":
        return [
            *_workspace_hits(workspaces_matching(workspaces, query), query),
            *documents,
            *_thread_hits(threads_matching(threads, query), query),
            *_post_hits(posts_matching(posts, query), readable, query),
            *provided,
        ]
    return [
        *documents,
        *provided,
        *_fallback_workspace_hits(workspaces, words),
        *_fallback_thread_hits(threads, words),
        *_fallback_post_hits(posts.filter(readable), words),
    ]


def document_search(*, user: User, query: str, within: QuerySet | None = None) -> list[Hit]:
    """The documents `user` may see that match `query`, by title, description and tags, then by
    their newest version's text, best first in each kind. `within` (documents) narrows it, as
    the partnership library does; the policy's `visible` applies all the same."""
    words = _words(query)
    if not words:
        return []
    documents = visible(user, Document)
    passages = searchable_passages(user)
    if within is not None:
        documents = documents.filter(pk__in=within.values("pk"))
        passages = passages.filter(version__document__in=within.values("pk"))
    if connection.vendor == "postgresql":
        return [
            *_document_hits(documents_matching(documents, query), query),
            *_passage_hits(passages_matching(passages, query), query),
        ]
    return [
        *_fallback_document_hits(documents, words),
        *_fallback_passage_hits(passages, words),
    ]


def searchable_passages(user: User) -> QuerySet:
    """The passages `user` may search: the policy's (`visible`: roster, audience, undertakings
    and deletion, as for their document), of each document's newest version only. A version
    still being indexed has none yet: until then its document is not found by its text."""
    newer = DocumentVersion.objects.filter(
        document_id=OuterRef("version__document_id"), number__gt=OuterRef("version__number")
    )
    return visible(user, DocumentPassage).filter(~Exists(newer))


# ------------------------------------------------------------------------------
# Text, snippets, bylines
# ------------------------------------------------------------------------------


def _words(query: str) -> list[str]:
    """The words of a query; one character is a word only in CJK script (税, 国)."""
    found = re.findall(r"\w[\w'-]*", query)[:8]
    return [w for w in found if len(w) > 1 or CJK_RUN.fullmatch(w)]


def _marked(text: str) -> SafeString:
    return mark_safe(escape(text).replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308


def _text(field: str):
    """A column as PostgreSQL should parse it: its parser skips anything after `<script>`,
    so angle brackets become spaces first (the stored vectors are built from the same)."""
    inner = Replace(field, Value("<"), Value(" "), output_field=TextField())
    return Replace(inner, Value(">"), Value(" "), output_field=TextField())


def _document_text():
    """What a document is searched by: title, description and tags."""
    return Concat(
        _text("title"),
        Value(" "),
        _text("description"),
        Value(" "),
        Replace("tags", Value(","), Value(" ")),
        output_field=TextField(),
    )


def _plain_html(html: str, limit: int) -> str:
    """The text of rendered HTML, unescaped (`_marked` escapes it once)."""
    return unescape(plain_excerpt(html, limit))


def _plain(text: str) -> str:
    """`_text` in Python: what a headline was cut from, when Python cuts one instead."""
    return text.replace("<", " ").replace(">", " ")


def _flat(text: str) -> str:
    """A page's or a sheet's text on one line: a snippet keeps no line breaks or runs of spaces."""
    return re.sub(r"\s+", " ", text).strip()


def _headlines(query: str, text):
    """The snippet of a hit: up to two fragments of `text`, the query's words marked (START,
    STOP) by `enclave_search_headline` (workspaces migration 0006): the fragments are chosen in
    English with every lexeme of the query as a prefix (a French or Spanish stem is nearly
    always a prefix of the English-stemmed word too: "march" of "marchés"), then each language
    marks the words it matches. `_complete` merges the marks and adds the CJK ones."""
    return Func(
        text,
        _tsquery(query),
        Value("MaxFragments=2, MaxWords=30, MinWords=10"),
        function="enclave_search_headline",
        output_field=TextField(),
    )


def _cut(text: str, found: list[tuple[int, int]], width: int = 180) -> str:
    """About `width` characters of `text` from just before the first of the spans `found`,
    with the spans in it marked."""
    start = max(found[0][0] - 60, 0) if found else 0
    end = start + width
    inside = [
        (max(s, start) - start, min(e, end) - start) for s, e in found if s < end and e > start
    ]
    snippet = mark(text[start:end], inside)
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")


def _complete(snippet: str, query: str, source: str) -> str:
    """A headline's snippet with its marks merged and the query's CJK runs marked where they
    occur. PostgreSQL sees a CJK run as one word, so it neither marks a run found inside a
    longer one nor chooses its fragments by it: when none of the query's runs is in the
    snippet, the snippet is cut from the `source` text instead (the text of the headline)."""
    text, found = unmark(unicodedata.normalize("NFC", snippet))
    runs = cjk_runs(query)
    if not runs:
        return mark(text, found)
    found = [(s, e) for s, e in found if not CJK_RUN.search(text[s:e])]
    cjk = found_in(text, runs)
    if not cjk:
        text = unicodedata.normalize("NFC", source)
        return _cut(text, found_in(text, _words(query)))
    return mark(text, merge(found + cjk))


def _outside(posts: list[Post]) -> dict[int, Bylines]:
    """Search results leave the live view: per thread of `posts`, its outside bylines (how the
    results show its people, authors and mentions), every pseudonym read in one query."""
    places = {post.thread_id: context_of(post.thread) for post in posts}
    bylines = for_places(list(places.values()), outside=True)
    return {thread_id: bylines[context] for thread_id, (_w, context, _m) in places.items()}


def _unmark_mentions(snippet: str) -> str:
    """A headline may highlight a handle inside a mention (`@` START `eu` STOP): drop those
    marks so that the mention is still one and can be relabeled."""
    return re.sub(
        r"@[\w.\-\x02\x03]+",
        lambda m: m.group(0).replace(START, "").replace(STOP, ""),
        snippet,
    )


def _post_hit(post: Post, snippet: SafeString, people: Bylines) -> Hit:
    return Hit(
        "post",
        post.thread.title,
        snippet,
        post.thread.workspace,
        post.thread,
        post,
        shown_author=people.speaker(post.author),
    )


# ------------------------------------------------------------------------------
# PostgreSQL: one query builder per kind, ranked over ids
# ------------------------------------------------------------------------------


class StoredVector(Expression):
    """The stored vector (`VECTOR_COLUMN`) of the rows a query reads. It is no model field, so it
    is named through the query's own alias for its table: the name stays right when the query
    becomes a subquery (where its table is renamed)."""

    output_field = SearchVectorField()

    def resolve_expression(self, query=None, *args, **kwargs):
        return Col(query.get_initial_alias(), _VECTOR_FIELD)


_VECTOR_FIELD = SearchVectorField()
_VECTOR_FIELD.set_attributes_from_name(VECTOR_COLUMN)


def _tsquery(query: str) -> Expression:
    """What the stored vectors are matched and ranked with: `enclave_search_query` (workspaces
    migration 0006), the OR of the query's readings in English, French and Spanish, its CJK
    runs made bigram phrases here (text.cjk_query). The user's text is a parameter, never part
    of the SQL; PostgreSQL computes the query once per statement (an IMMUTABLE function of a
    constant), so the GIN indexes answer it."""
    return Func(
        Value(cjk_query(query)), function="enclave_search_query", output_field=SearchQueryField()
    )


class _Matches(Func):
    """`vector @@ query` (the `exact` lookup of a vector takes a SearchQuery only: it would wrap
    this query in another `plainto_tsquery`)."""

    function = ""
    arg_joiner = " @@ "
    output_field = BooleanField()


def _rank(query: str) -> SearchRank:
    return SearchRank(StoredVector(), _tsquery(query))


def _matching(queryset: QuerySet, query: str) -> QuerySet:
    return queryset.filter(_Matches(StoredVector(), _tsquery(query))).annotate(rank=_rank(query))


def workspaces_matching(workspaces: QuerySet, query: str) -> QuerySet:
    """The workspaces matching `query` (websearch syntax) by title and purpose, with `rank`."""
    return _matching(workspaces, query)


def documents_matching(documents: QuerySet, query: str) -> QuerySet:
    """The documents matching `query` by title, description and tags, with `rank`."""
    return _matching(documents, query)


def passages_matching(passages: QuerySet, query: str) -> QuerySet:
    """The document passages matching `query` by their text, with `rank`."""
    return _matching(passages, query)


def threads_matching(threads: QuerySet, query: str) -> QuerySet:
    """The threads matching `query` by title, with `rank`."""
    return _matching(threads, query)


def posts_matching(posts: QuerySet, query: str) -> QuerySet:
    """The posts matching `query` by their text, with `rank`."""
    return _matching(posts, query)


def top(
    matching: QuerySet,
    query: str,
    order: tuple[str, ...],
    limit: int,
    *,
    within: QuerySet | None = None,
    candidates: int = 0,
    one_per: str = "",
    related: tuple[str, ...] = (),
    **annotations,
) -> list:
    """The best `limit` rows of `matching` (from a `*_matching` builder for `query`) by rank,
    then `order`, then id, in one query.

    Only the `candidates` (default CANDIDATES) most recent matches by `order` are ranked: a word
    found in more rows than that ranks the most recent ones, and costs the same in a year's
    archive as in a decade's. They are taken from `within` (default `matching`), which may be a
    wider queryset of the same kind that is cheaper to walk in `order` (through that order's
    index); whatever is ranked and returned is in `matching`. With `one_per` (a column), only
    the best ranked row of each value of it competes (the best passage of each version). The
    ranking reads ids only; the outer query reads the winners' whole rows, their `related` rows
    and `annotations` (snippets, made for the winners alone).
    """
    recency, ranking = order or ("-pk",), ("-rank", *order, "-pk")
    model = matching.model
    window = (matching if within is None else within).order_by(*recency).values("pk")
    window = window[: candidates or CANDIDATES]
    if within is None:  # the window holds matches only: rank them by id
        ranked = model._default_manager.filter(pk__in=window).annotate(rank=_rank(query))
    else:
        ranked = matching.filter(pk__in=window)
    if one_per:
        best = Window(RowNumber(), partition_by=F(one_per), order_by=ranking)
        ranked = ranked.annotate(place=best).filter(place=1)
    winners = ranked.order_by(*ranking).values("pk")[:limit]
    rows = model._default_manager.filter(pk__in=winners)
    if related:
        rows = rows.select_related(*related)
    return list(rows.annotate(rank=_rank(query), **annotations).order_by(*ranking))


def _workspace_hits(matching: QuerySet, query: str) -> list[Hit]:
    found = top(
        matching, query, (), WORKSPACE_LIMIT, snippet=_headlines(query, _text("purpose_source"))
    )
    return [
        Hit("workspace", w.title, _marked(_complete(w.snippet, query, _plain(w.purpose_source))), w)
        for w in found
    ]


def _document_hits(matching: QuerySet, query: str) -> list[Hit]:
    found = top(
        matching,
        query,
        ("-updated_at",),
        LIMIT,
        related=("workspace",),
        snippet=_headlines(query, _document_text()),
    )
    return [
        Hit(
            "document",
            d.title,
            _marked(_complete(d.snippet, query, _document_source(d))),
            d.workspace,
            document=d,
        )
        for d in found
    ]


def _passage_hits(matching: QuerySet, query: str) -> list[Hit]:
    # The window is of documents first: walking versions newest first stops at the
    # DOCUMENT_CANDIDATES-th that matches, where numbering the passages of every match would
    # read them all. Of those, the first PER_DOCUMENT matches each are ranked, and the best
    # passage of each version competes.
    recent = matching.order_by("-version_id").values("version_id").distinct()
    first = Window(RowNumber(), partition_by=F("version_id"), order_by=("position",))
    window = matching.filter(version_id__in=recent[:DOCUMENT_CANDIDATES])
    found = top(
        window.annotate(place=first).filter(place__lte=PER_DOCUMENT),
        query,
        ("-version_id", "position"),
        LIMIT,
        one_per="version_id",
        related=("version__document__workspace",),
        snippet=_headlines(query, _text("text")),
    )
    return [_passage_hit(p, _complete(p.snippet, query, _plain(p.text))) for p in found]


def _passage_hit(passage: DocumentPassage, snippet: str) -> Hit:
    document = passage.version.document
    return Hit(
        "passage",
        document.title,
        _marked(_flat(snippet)),
        document.workspace,
        document=document,
        passage=passage,
    )


def _document_source(document: Document) -> str:
    """`_document_text` of a document, in Python."""
    tags = document.tags.replace(",", " ")
    return f"{_plain(document.title)} {_plain(document.description)} {tags}"


def _thread_hits(matching: QuerySet, query: str) -> list[Hit]:
    found = top(
        matching,
        query,
        ("-last_post_at",),
        LIMIT,
        related=("workspace",),
        snippet=_headlines(query, _text("title")),
    )
    return [
        Hit(
            "thread", t.title, _marked(_complete(t.snippet, query, _plain(t.title))), t.workspace, t
        )
        for t in found
    ]


def _post_hits(matching: QuerySet, readable: Q, query: str) -> list[Hit]:
    # Only posts whose text the user may read are ranked and returned. The recency window is
    # taken from all visible matches: without the hidden-text condition PostgreSQL walks the
    # date index and stops early.
    found = top(
        matching.filter(readable),
        query,
        ("-created_at",),
        LIMIT,
        within=matching,
        related=("thread__workspace", "author__jurisdiction"),
        snippet=_headlines(query, _text("body_source")),
    )
    outside, hits = _outside(found), []
    for post in found:
        post.snippet = _complete(post.snippet, query, _plain(post.body_source))
        people, snippet = outside[post.thread_id], post.snippet
        if not people.names_people:
            snippet = people.mentions_text(
                _unmark_mentions(snippet), marked_in=post.body_html, fragment=True
            )
            if START in post.snippet and START not in snippet:
                continue  # found only by whom it mentions, which the snippet must not tell
        hits.append(_post_hit(post, _marked(snippet), people))
    return hits


# ------------------------------------------------------------------------------
# SQLite: every word, anywhere in the searched fields, folded
# ------------------------------------------------------------------------------


def _words_filter(fields: list[str], words: list[str]) -> Q:
    """Every word in one of `fields`, both folded (`enclave_fold`, dialogues/search/sqlite.py)."""
    condition = Q()
    for word in words:
        any_field = Q()
        for name in fields:
            folded = Func(F(name), function="enclave_fold", output_field=TextField())
            any_field |= Q(Contains(folded, fold(word)))
        condition &= any_field
    return condition


def _fallback_snippet(text: str, words: list[str], width: int = 180) -> SafeString:
    text = unicodedata.normalize("NFC", text)
    return _marked(_cut(text, found_in(text, words), width))


def _fallback_document_hits(documents: QuerySet, words: list[str]) -> list[Hit]:
    found = (
        documents.filter(_words_filter(["title", "description", "tags"], words))
        .select_related("workspace")
        .order_by("-updated_at")[:LIMIT]
    )
    hits = []
    for document in found:
        description = _plain_html(document.description_html, 2000)
        text = " ".join([document.title, description, ", ".join(document.tag_list)])
        snippet = _fallback_snippet(text, words)
        hits.append(Hit("document", document.title, snippet, document.workspace, document=document))
    return hits


def _fallback_passage_hits(passages: QuerySet, words: list[str]) -> list[Hit]:
    """The first passage holding every word of each of the newest matching versions."""
    first = Window(RowNumber(), partition_by=F("version_id"), order_by=("position",))
    found = (
        passages.filter(_words_filter(["text"], words))
        .annotate(place=first)
        .filter(place=1)
        .select_related("version__document__workspace")
        .order_by("-version_id")[:LIMIT]
    )
    hits = []
    for passage in found:
        text = unicodedata.normalize("NFC", _flat(passage.text))
        hits.append(_passage_hit(passage, _cut(text, found_in(text, words))))
    return hits


def _fallback_workspace_hits(workspaces: QuerySet, words: list[str]) -> list[Hit]:
    found = workspaces.filter(_words_filter(["title", "purpose_source"], words))[:WORKSPACE_LIMIT]
    return [
        Hit(
            "workspace",
            workspace.title,
            _fallback_snippet(_plain_html(workspace.purpose_html, 2000), words),
            workspace,
        )
        for workspace in found
    ]


def _fallback_thread_hits(threads: QuerySet, words: list[str]) -> list[Hit]:
    found = (
        threads.filter(_words_filter(["title"], words))
        .select_related("workspace")
        .order_by("-last_post_at")[:LIMIT]
    )
    return [
        Hit("thread", t.title, _fallback_snippet(t.title, words), t.workspace, t) for t in found
    ]


def _fallback_post_hits(posts: QuerySet, words: list[str]) -> list[Hit]:
    found = list(
        posts.filter(_words_filter(["body_source"], words))
        .select_related("thread__workspace", "author__jurisdiction")
        .order_by("-created_at")[:LIMIT]
    )
    outside, hits = _outside(found), []
    for post in found:
        people = outside[post.thread_id]
        html = people.mentions_html(post.body_html)
        if html != post.body_html:
            # Mentions read as a participant here: a post found only by whom it mentions
            # would tell who that is.
            folded = fold(_plain_html(html, len(html) + 1))
            if not all(fold(word) in folded for word in words):
                continue
        hits.append(_post_hit(post, _fallback_snippet(_plain_html(html, 5000), words), people))
    return hits
