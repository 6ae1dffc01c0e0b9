"""Search reads stored vectors through their indexes, ranks over ids within a fixed limit, and
finds exactly what the per-row search found, in the same order."""

import pytest
from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.db import connection
from django.db.models import F, Func, TextField, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from dialogues.models import Post, Thread
from dialogues.search import services
from dialogues.search.services import LIMIT, WORKSPACE_LIMIT, search
from dialogues.threads import services as thread_services
from tests.factories import DocumentFactory, ThreadFactory, WorkspaceFactory
from workspaces.access import readable_text_filter, visible
from workspaces.models import Document, Workspace

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: SQLite has no full-text index"
)

QUERIES = [
    "permanence",
    "permanence buffers",
    '"permanence buffers"',
    "buffers -permanence",
    "offsets or removals",
    "criteria",
    "permanencia",
    "Pérennité",
    "排出量",
    "税",
    "取引 permanence",
]
# Text in the other languages, repeated through the archive (see `archive`).
OTHER_LANGUAGES = [
    "La permanencia de las absorciones.",
    "La pérennité des absorptions, permanence comprise.",
    "排出量取引制度のpermanenceと炭素税",
    "排出量の報告",
]


@pytest.fixture
def archive(world, dialogue):
    """More matches of each kind than a page of results holds, with ranks that differ (a word
    repeated) and ranks that tie (the same text), in both audiences and a hidden post."""
    offsets = dialogue.offsets
    for n in range(LIMIT + 5):
        repeated = " ".join(["permanence"] * (n % 4 + 1))
        thread_services.post_reply(
            actor=world.member,
            thread=dialogue.public_thread if n % 3 else dialogue.members_thread,
            body=f"{repeated} buffers for <b>removals</b> batch {n}.",
        )
        thread_services.post_reply(
            actor=world.member,
            thread=dialogue.public_thread,
            body=f"{OTHER_LANGUAGES[n % 4]} {'排出量 ' * (n % 3)}{n}",
        )
        ThreadFactory(
            workspace=offsets,
            author=world.member,
            title=f"Permanence buffers {'permanence ' * (n % 3)}{n} {OTHER_LANGUAGES[n % 4]}",
            audience="full_members" if n % 5 == 0 else "everyone",
        )
    hidden = thread_services.post_reply(
        actor=world.observer, thread=dialogue.public_thread, body="Permanence buffers, hidden."
    )
    thread_services.post_set_hidden(actor=world.secretariat, post=hidden, hidden=True, reason="x")
    for n in range(LIMIT + 3):
        DocumentFactory(
            workspace=offsets,
            uploaded_by=world.member,
            title=f"Permanence note {n}",
            description="Buffers <i>and</i> removals. " * (n % 3) + OTHER_LANGUAGES[n % 4],
            tags=["buffers", "criteria"] if n % 2 else ["offsets"],
            audience="full_members" if n % 4 == 0 else "everyone",
        )
    for n in range(WORKSPACE_LIMIT + 2):
        WorkspaceFactory(
            title=f"Removals {n}",
            purpose_source="Permanence " * (n % 3 + 1) + OTHER_LANGUAGES[n % 4],
        )
    return dialogue


def vector_of(fields):
    """The vector of `fields` computed per row, as the stored columns compute it (the fields
    joined by spaces)."""
    joined = [part for field in fields for part in (Value(" "), field)][1:]
    text = Concat(*joined, output_field=TextField()) if len(joined) > 1 else joined[0]
    return Func(text, function="enclave_search_vector", output_field=SearchVectorField())


def reference(user, query: str) -> list[tuple[str, int]]:
    """What search found when it built every row's vector per query: the same texts, ranks and
    order, computed row by row."""
    text = services._text
    found = []
    search_query = services._tsquery(query)
    kinds = [
        ("workspace", visible(user, Workspace), [text("title"), text("purpose_source")], ()),
        ("document", visible(user, Document), [services._document_text()], ("-updated_at",)),
        ("thread", visible(user, Thread), [text("title")], ("-last_post_at",)),
        (
            "post",
            visible(user, Post).filter(readable_text_filter(user, Post)),
            [text("body_source")],
            ("-created_at",),
        ),
    ]
    for kind, queryset, fields, order in kinds:
        limit = WORKSPACE_LIMIT if kind == "workspace" else LIMIT
        ranked = (
            queryset.annotate(
                vector=vector_of(fields),
                rank=SearchRank(F("vector"), search_query),
            )
            .filter(services._Matches(F("vector"), search_query))
            .order_by("-rank", *order, "-pk")
        )
        found += [(kind, pk) for pk in ranked.values_list("pk", flat=True)[:limit]]
    return found


def found(hits) -> list[tuple[str, int]]:
    return [(h.kind, (h.document or h.post or h.thread or h.workspace).pk) for h in hits]


@postgresql_only
def test_results_and_their_order_are_those_of_the_per_row_search(world, archive):
    compared = 0
    for user in (world.member, world.observer, world.secretariat):
        for query in QUERIES:
            expected = reference(user, query)
            assert found(search(user=user, query=query)) == expected, (user, query)
            compared += len(expected)
    assert compared > 200  # the queries found enough of each kind to fill the limits


@postgresql_only
def test_stored_vectors_are_the_text_that_is_searched(world, archive):
    """Each stored vector equals the vector of the text the snippets are cut from."""
    text = services._text
    for model, fields in [
        (Workspace, [text("title"), text("purpose_source")]),
        (Document, [services._document_text()]),
        (Thread, [text("title")]),
        (Post, [text("body_source")]),
    ]:
        table = model._meta.db_table
        rows = model.objects.annotate(computed=vector_of(fields)).values_list("pk", "computed")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {services.VECTOR_COLUMN} FROM {table}")  # noqa: S608
            stored = dict(cursor.fetchall())
        assert dict(rows) == stored and stored, model


@postgresql_only
@pytest.mark.parametrize(
    ("builder", "model", "index"),
    [
        ("workspaces_matching", Workspace, "workspaces_workspace_search_vector"),
        ("documents_matching", Document, "workspaces_document_search_vector"),
        ("threads_matching", Thread, "dialogues_thread_search_vector"),
        ("posts_matching", Post, "dialogues_post_search_vector"),
    ],
)
@pytest.mark.parametrize("query", ["permanence", "Pérennité", "排出量", "税", "取引 permanence"])
def test_every_kind_is_answered_from_its_index(world, dialogue, builder, model, index, query):
    matching = getattr(services, builder)(model.objects.all(), query)
    sql, params = matching.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        # No sequential scan, nor its twin on a tiny table: a whole other index read in order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan


@postgresql_only
def test_only_the_winners_rows_are_read(world, archive):
    """The ranking subqueries select ids (no body is sorted); the snippets are made for the
    winners alone."""
    posts = services.posts_matching(Post.objects.all(), "permanence")
    snippet = services._headlines("permanence", services._text("body_source"))
    with CaptureQueriesContext(connection) as queries:
        winners = services.top(posts, "permanence", ("-created_at",), 3, snippet=snippet)
    assert len(winners) == 3 and len(queries) == 1
    sql = queries[0]["sql"]
    outer, inner = sql[: sql.index("IN (SELECT")], sql[sql.index("IN (SELECT") :]
    assert "body_html" not in inner and "search_headline" not in inner
    assert "body_html" in outer and "search_headline" in outer


def test_only_the_most_recent_candidates_are_ranked(world, dialogue):
    """Beyond `candidates` matches, the best of the most recent ones win: a search costs the
    same however much older text matches too."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: ranking")
    best_but_old = thread_services.post_reply(
        actor=world.member, thread=dialogue.public_thread, body="Leakage leakage leakage."
    )
    recent = [
        thread_services.post_reply(
            actor=world.member, thread=dialogue.public_thread, body=f"{'Leakage ' * n}rates."
        )
        for n in (1, 2, 1)
    ]
    posts = services.posts_matching(Post.objects.all(), "leakage")
    ranked = services.top(posts, "leakage", ("-created_at",), 2)
    assert ranked == [best_but_old, recent[1]]
    ranked = services.top(posts, "leakage", ("-created_at",), 2, candidates=3)
    assert ranked == [recent[1], recent[2]]


def test_queries_do_not_grow_with_the_matches(world, dialogue):
    """A search that finds one item of each kind costs as many queries as when it fills every
    limit (no query per hit)."""

    def queries_for(query: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            hits = search(user=world.member, query=query)
        assert hits
        return len(queries)

    offsets, member = dialogue.offsets, world.member
    ThreadFactory(workspace=offsets, author=member, title="Sorbents", body="Sorbents.")
    DocumentFactory(workspace=dialogue.offsets, uploaded_by=world.member, title="Sorbents memo")
    few = queries_for("sorbents")
    for n in range(LIMIT + 2):
        thread = ThreadFactory(
            workspace=dialogue.offsets,
            author=world.member,
            title=f"Sorbents {n}",
            body=f"Sorbents compared {n}.",
        )
        thread_services.post_reply(actor=world.member, thread=thread, body=f"Sorbents {n}.")
        DocumentFactory(workspace=dialogue.offsets, uploaded_by=world.member, title=f"Sorbents {n}")
    hits = search(user=world.member, query="sorbents")
    assert len([h for h in hits if h.kind == "post"]) == LIMIT
    assert queries_for("sorbents") == few


def test_ties_in_rank_are_newest_first(world, dialogue):
    older = thread_services.post_reply(
        actor=world.member, thread=dialogue.public_thread, body="Reversal risk."
    )
    newer = thread_services.post_reply(
        actor=world.member, thread=dialogue.public_thread, body="Reversal risk."
    )
    for _ in range(2):
        posts = [h.post for h in search(user=world.member, query="reversal") if h.kind == "post"]
        assert posts == [newer, older]


def test_bylines_of_many_anonymous_threads_cost_one_query(world):
    """Post hits from several anonymous threads show pseudonyms, read in one query whatever the
    number of threads."""
    workspace = WorkspaceFactory(participants=[world.member], attribution="anonymous")

    def search_counted():
        with CaptureQueriesContext(connection) as queries:
            hits = [h for h in search(user=world.member, query="sequestration") if h.kind == "post"]
        assert hits and all(h.shown_author.name.startswith("Participant") for h in hits), hits
        return len(queries)

    ThreadFactory(workspace=workspace, author=world.member, body="Sequestration audit.")
    one_thread = search_counted()
    for n in range(4):
        ThreadFactory(workspace=workspace, author=world.member, body=f"Sequestration {n}.")
    assert search_counted() == one_thread
