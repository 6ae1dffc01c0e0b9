"""The document library a page at a time: filters kept across pages, the same queries however
many documents, nothing the reader may not see counted or listed."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import PDF, DocumentFactory
from workspaces.documents import document_add_version
from workspaces.models import Audience, Document
from workspaces.selectors import DOCUMENTS_PER_PAGE, document_list, document_page


def _documents(workspace, author, count: int, *, prefix: str, tags: str = "", **fields) -> None:
    """`count` documents, `<prefix>-0` the least recently updated (rows only: the list reads no
    file)."""
    start = timezone.now() - datetime.timedelta(days=30)
    Document.objects.bulk_create(
        Document(
            workspace=workspace,
            uploaded_by=author,
            title=f"{prefix}-{i:03d}",
            tags=tags,
            updated_at=start + datetime.timedelta(minutes=i),
            **fields,
        )
        for i in range(count)
    )


def _titles(html: str, prefix: str) -> list[str]:
    return re.findall(rf">({prefix}-\d+)</a>", html)


def _url(dialogue) -> str:
    return reverse("document_list", kwargs={"slug": dialogue.offsets.slug})


def test_page_two_continues_and_the_filters_ride_along(world, dialogue, client_for):
    _documents(
        dialogue.offsets,
        world.member,
        DOCUMENTS_PER_PAGE + 10,
        prefix="tagged",
        tags=",permanence,",
    )
    _documents(dialogue.offsets, world.member, 5, prefix="plain")
    client = client_for(world.member)
    first = client.get(_url(dialogue), {"tag": "permanence", "sort": "oldest"}).content.decode()
    assert _titles(first, "tagged") == [f"tagged-{i:03d}" for i in range(DOCUMENTS_PER_PAGE)]
    assert _titles(first, "plain") == []
    assert f"{DOCUMENTS_PER_PAGE + 10} documents" in first
    link = re.search(r'href="\?([^"]*page=2)"', first).group(1).replace("&amp;", "&")
    assert "tag=permanence" in link and "sort=oldest" in link
    second = client.get(_url(dialogue) + "?" + link).content.decode()
    assert _titles(second, "tagged") == [
        f"tagged-{i:03d}" for i in range(DOCUMENTS_PER_PAGE, DOCUMENTS_PER_PAGE + 10)
    ]
    assert 'aria-current="page"' in second


@pytest.mark.parametrize("page", ["abc", "0", "-1", "9" * 30, "1e999", "\u00b2"])
def test_a_page_number_that_is_no_page_shows_a_page(world, dialogue, client_for, page):
    _documents(dialogue.offsets, world.member, DOCUMENTS_PER_PAGE + 1, prefix="doc")
    response = client_for(world.member).get(_url(dialogue), {"page": page})
    assert response.status_code == 200
    assert len(_titles(response.content.decode(), "doc")) in (1, DOCUMENTS_PER_PAGE)


def test_the_library_costs_the_same_queries_however_many_documents(world, dialogue, client_for):
    # Real uploads too, so the versions' count and latest size are read for the page.
    for i in range(3):
        DocumentFactory(workspace=dialogue.offsets, uploaded_by=world.member, tags=[f"t{i}"])
    client = client_for(world.member)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(dialogue)).status_code == 200
        return len(captured)

    queries()  # warm caches
    _documents(dialogue.offsets, world.member, 10, prefix="few", tags=",a,")
    few = queries()
    _documents(dialogue.offsets, world.member, 150, prefix="many", tags=",b,")
    assert queries() == few
    with CaptureQueriesContext(connection) as captured:
        client.get(_url(dialogue), {"page": "3"})
    assert len(captured) == few


def test_versions_and_sizes_are_those_of_each_listed_document(world, dialogue, client_for):
    shared = DocumentFactory(workspace=dialogue.offsets, uploaded_by=world.member, title="Two")
    DocumentFactory(workspace=dialogue.offsets, uploaded_by=world.member, title="One")
    document_add_version(
        actor=world.member,
        document=shared,
        upload=SimpleUploadedFile("two.pdf", PDF + b"%more", content_type="application/pdf"),
        change_note="",
    )
    page = document_page(user=world.member, workspace=dialogue.offsets)
    found = {d.title: (d.version_count, d.latest_size) for d in page.object_list}
    assert found == {"Two": (2, len(PDF) + 5), "One": (1, len(PDF))}


def test_an_observer_neither_sees_nor_counts_full_members_documents(world, dialogue, client_for):
    _documents(dialogue.offsets, world.member, 3, prefix="open")
    _documents(
        dialogue.offsets,
        world.member,
        DOCUMENTS_PER_PAGE,
        prefix="closed",
        audience=Audience.FULL_MEMBERS,
        tags=",secret-tag,",
    )
    html = client_for(world.observer).get(_url(dialogue)).content.decode()
    assert _titles(html, "open") and not _titles(html, "closed")
    assert "3 documents" in html and "secret-tag" not in html
    assert 'class="pagination"' not in html
    member = client_for(world.member).get(_url(dialogue)).content.decode()
    assert f"{DOCUMENTS_PER_PAGE + 3} documents" in member and "secret-tag" in member


def test_the_count_and_the_page_are_read_from_an_index_on_postgresql(world, dialogue):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: the plan is PostgreSQL's")
    documents = document_list(user=world.member, workspace=dialogue.offsets)
    for query in (documents[:DOCUMENTS_PER_PAGE], documents.values("pk").order_by()):
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Seq Scan on workspaces_document" not in plan, plan
