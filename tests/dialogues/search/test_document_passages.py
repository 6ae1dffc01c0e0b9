"""Search inside documents: a word in a PDF, a DOCX or an XLSX is found, one hit per document
with its page or sheet, by exactly those who may read the document (roster, audience,
undertakings, deletion), in its newest version only; on both databases."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from dialogues.search import services
from dialogues.search.services import search
from tests.factories import WorkspaceFactory
from tests.workspaces.extraction import documents as made
from workspaces import documents
from workspaces.access import Capability, can, visible
from workspaces.models import Document, DocumentPassage, TextState
from workspaces.undertakings import undertaking_accept, undertaking_set

CANARY = "Quokkacanary"

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only: the full-text index"
)


@pytest.fixture
def share(world, dialogue, django_capture_on_commit_callbacks):
    """Upload as the view does; the extraction task runs when the upload commits (the test
    settings' immediate backend)."""

    def upload(path, *, actor=None, workspace=None, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return documents.document_upload(
                actor=actor or world.member,
                workspace=workspace or dialogue.offsets,
                upload=SimpleUploadedFile(path.name, path.read_bytes()),
                title=fields.pop("title", path.stem),
                **fields,
            )

    return upload


@pytest.fixture
def canaries(share, tmp_path):
    """The canary on page 2 of a PDF, in a DOCX, and on sheet "Offsets 2025" of an XLSX that is
    for full members only."""
    pdf = made.pdf(tmp_path / "paper.pdf", ["Cover", f"Offset limits: the {CANARY} rule", "End"])
    docx = made.docx(tmp_path / "note.docx", ["Intro", f"California's {CANARY} paper"])
    xlsx = made.xlsx(
        tmp_path / "prices.xlsx", {"Summary": [["total", 3]], "Offsets 2025": [["cap", CANARY]]}
    )
    shared = [share(pdf), share(docx), share(xlsx, audience="full_members")]
    for document in shared:
        assert document.versions.get().text_state == TextState.INDEXED
    return shared


def passage_hits(user, query=CANARY):
    return [h for h in search(user=user, query=query) if h.kind == "passage"]


def found_by(user, query=CANARY) -> set[tuple[str, str]]:
    return {(h.title, h.passage.where) for h in passage_hits(user, query)}


EVERYONE = {("paper", "Page 2"), ("note", "")}
FULL_MEMBERS = EVERYONE | {("prices", "Sheet “Offsets 2025”")}


def test_the_canary_is_found_with_its_place_by_the_roster(world, canaries):
    assert found_by(world.member) == FULL_MEMBERS
    assert found_by(world.secretariat) == FULL_MEMBERS
    for hit in passage_hits(world.member):
        assert hit.snippet.count("<mark>") >= 1 and CANARY in hit.snippet
        assert hit.document.versions.get() == hit.passage.version
        assert hit.workspace.slug == "offsets"
    assert found_by(world.member, "quokkacanary offset") == {("paper", "Page 2")}


def test_nobody_off_the_roster_finds_it_and_observers_not_for_full_members(world, canaries):
    assert found_by(world.observer) == EVERYONE  # not the full-members-only spreadsheet
    for outsider in (world.member_nz, world.cochair, world.former_official, world.deactivated):
        assert found_by(outsider) == set(), outsider


def test_a_pending_undertaking_hides_the_text_until_accepted(world, dialogue, canaries):
    undertaking = undertaking_set(
        actor=world.secretariat, workspace=dialogue.offsets, text="Nothing leaves the room."
    )
    assert found_by(world.member) == set()
    assert found_by(world.observer) == set()
    assert found_by(world.secretariat) == FULL_MEMBERS  # who wrote it accepted it
    undertaking_accept(actor=world.member, workspace=dialogue.offsets, version=undertaking.version)
    assert found_by(world.member) == FULL_MEMBERS


def test_a_deleted_document_is_found_by_nobody(world, canaries):
    paper = canaries[0]
    documents.document_delete(actor=world.member, document=paper, reason="Withdrawn")
    for user in (world.member, world.secretariat, world.observer):
        assert ("paper", "Page 2") not in found_by(user)
    assert ("note", "") in found_by(world.member)


def test_an_older_versions_text_is_not_found_once_a_newer_one_is_indexed(
    world, canaries, tmp_path, django_capture_on_commit_callbacks
):
    paper = canaries[0]
    rewritten = made.pdf(tmp_path / "paper-v2.pdf", ["Cover", "Rewritten: the wombat rule"])
    with django_capture_on_commit_callbacks(execute=True):
        version = documents.document_add_version(
            actor=world.member,
            document=paper,
            upload=SimpleUploadedFile("v2.pdf", rewritten.read_bytes()),
        )
    version.refresh_from_db()
    assert version.text_state == TextState.INDEXED
    assert DocumentPassage.objects.filter(version__document=paper, text__contains=CANARY)
    assert ("paper", "Page 2") not in found_by(world.member)
    assert found_by(world.member, "wombat") == {("paper", "Page 2")}
    assert passage_hits(world.member, "wombat")[0].passage.version == version


def test_one_hit_per_document_its_best_passage(world, share, tmp_path):
    pages = ["Cover", f"A {CANARY} here.", f"{CANARY}, {CANARY} and {CANARY} again.", "End"]
    share(made.pdf(tmp_path / "report.pdf", pages))
    hits = passage_hits(world.member)
    assert len(hits) == 1
    # PostgreSQL ranks the passages; SQLite takes the first that holds every word.
    best = "Page 3" if connection.vendor == "postgresql" else "Page 2"
    assert hits[0].passage.where == best


def test_the_policy_answers_for_passages_as_for_their_documents(world, canaries, share, tmp_path):
    """`visible(user, DocumentPassage)` holds the passages of exactly the documents the user may
    see, and agrees with `can(user, VIEW, passage)`."""
    elsewhere = WorkspaceFactory(jurisdictions=[world.nz], observer_policy="read")
    share(made.docx(tmp_path / "kiwi.docx", [CANARY]), actor=world.member_nz, workspace=elsewhere)
    documents.document_delete(actor=world.member, document=canaries[1], reason="Superseded")
    passages = list(DocumentPassage.objects.select_related("version__document__workspace"))
    assert len({p.version.document_id for p in passages}) == 4
    for user in world.users:
        readable = set(visible(user, Document).values_list("pk", flat=True))
        expected = {p.pk for p in passages if p.version.document_id in readable}
        assert set(visible(user, DocumentPassage).values_list("pk", flat=True)) == expected, user
        assert {p.pk for p in passages if can(user, Capability.VIEW, p)} == expected, user


def test_the_search_page_shows_where_and_links_to_the_document(world, canaries, client_for):
    page = client_for(world.member).get(reverse("search"), {"q": CANARY}).content.decode()
    paper = canaries[0]
    assert "Inside document" in page
    assert "Page 2 ·" in page and "Sheet “Offsets 2025” ·" in page
    assert f'href="{reverse("document_detail", kwargs={"slug": "offsets", "pk": paper.pk})}"' in (
        page
    )
    assert f"<mark>{CANARY}</mark>" in page


def test_hits_name_no_uploader_of_an_anonymous_dialogue(world, share, tmp_path, client_for):
    anonymous = WorkspaceFactory(
        participants=[world.member, world.focal_point], attribution="anonymous"
    )
    share(made.pdf(tmp_path / "memo.pdf", [CANARY]), workspace=anonymous)
    page = client_for(world.focal_point).get(reverse("search"), {"q": CANARY}).content.decode()
    results = page[page.index('class="search-results"') :]
    assert "memo" in results and "Page 1" in results
    assert world.member.full_name not in results and world.member.email not in results


@postgresql_only
def test_passages_are_answered_from_their_index(world, canaries):
    matching = services.passages_matching(DocumentPassage.objects.all(), CANARY)
    assert matching.count() == 3
    sql, params = matching.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "workspaces_documentpassage_search_vector" in plan, plan


@postgresql_only
def test_stored_vectors_are_the_text_that_is_searched(world, canaries):
    from django.contrib.postgres.search import SearchVectorField
    from django.db.models import Func

    computed = DocumentPassage.objects.annotate(
        vector=Func(
            services._text("text"),
            function="enclave_search_vector",
            output_field=SearchVectorField(),
        )
    ).values_list("pk", "vector")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {services.VECTOR_COLUMN} FROM workspaces_documentpassage")
        stored = dict(cursor.fetchall())
    assert stored and dict(computed) == stored


@postgresql_only
def test_a_long_document_does_not_crowd_others_out_of_the_window(
    world, share, tmp_path, monkeypatch
):
    """The ranked window holds the most recent matching documents, at most PER_DOCUMENT
    passages of each: an older document is still found beside a newer one that matches on
    every page."""
    share(made.pdf(tmp_path / "older.pdf", [f"The {CANARY} note."]))
    pages = [f"Page about the {CANARY}." for _ in range(services.PER_DOCUMENT + 10)]
    share(made.pdf(tmp_path / "long.pdf", pages))
    monkeypatch.setattr(services, "CANDIDATES", services.PER_DOCUMENT + 5)
    assert {title for title, _where in found_by(world.member)} == {"older", "long"}
    with monkeypatch.context() as change:  # without the cap, the long one fills the window
        change.setattr(services, "PER_DOCUMENT", services.PER_DOCUMENT + 10)
        assert {title for title, _where in found_by(world.member)} == {"long"}
    monkeypatch.setattr(services, "DOCUMENT_CANDIDATES", 1)  # the newest matching one only
    assert {title for title, _where in found_by(world.member)} == {"long"}
