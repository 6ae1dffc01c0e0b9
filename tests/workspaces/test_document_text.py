"""Text inside documents: extracted after the upload commits, stored as passages with their
place, found by exactly those who may read the document; a hostile file ends as "text
unavailable" with an audit note; existing versions are caught up by a management command."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import AuditEvent
from dialogues.search.services import search
from tests.workspaces.extraction import documents as made
from workspaces import documents
from workspaces.models import DocumentPassage, DocumentVersion, TextState

CANARY = "Quokkacanary"


def share(world, dialogue, path, *, capture, actor=None, **fields):
    """Upload as the view does; the extraction task runs when the upload commits (at enqueue,
    with the test settings' immediate backend)."""
    with capture(execute=True):
        document = documents.document_upload(
            actor=actor or world.member,
            workspace=dialogue.offsets,
            upload=SimpleUploadedFile(path.name, path.read_bytes()),
            title=fields.pop("title", path.stem),
            **fields,
        )
    return document


def found_by(user, word=CANARY):
    hits = search(user=user, query=word)
    return {(hit.title, hit.passage.where) for hit in hits if hit.kind == "passage"}


@pytest.fixture
def canaries(world, dialogue, tmp_path, django_capture_on_commit_callbacks):
    """A PDF (the canary on page 2), a DOCX and an XLSX (on sheet "Offsets 2025"); the XLSX
    is for full members only."""
    pdf = made.pdf(tmp_path / "paper.pdf", ["Cover", f"Offset limits: the {CANARY} rule", "End"])
    docx = made.docx(tmp_path / "note.docx", ["Intro", f"California's {CANARY} paper"])
    xlsx = made.xlsx(
        tmp_path / "prices.xlsx", {"Summary": [["total", 3]], "Offsets 2025": [["cap", CANARY]]}
    )
    capture = django_capture_on_commit_callbacks
    return [
        share(world, dialogue, pdf, capture=capture),
        share(world, dialogue, docx, capture=capture),
        share(world, dialogue, xlsx, capture=capture, audience="full_members"),
    ]


def test_canary_words_are_stored_with_their_place(canaries):
    pdf, docx, xlsx = (d.versions.get() for d in canaries)
    assert {v.text_state for v in (pdf, docx, xlsx)} == {TextState.INDEXED}
    where = {
        (p.version_id, p.location, p.number, p.name)
        for p in DocumentPassage.objects.filter(text__contains=CANARY)
    }
    assert where == {
        (pdf.pk, "page", 2, ""),
        (docx.pk, "", None, ""),
        (xlsx.pk, "sheet", None, "Offsets 2025"),
    }
    assert [p.number for p in pdf.passages.all()] == [1, 2, 3]


def test_the_canary_is_found_by_readers_and_nobody_else(world, canaries):
    everyone = {("paper", "Page 2"), ("note", "")}
    assert found_by(world.member) == everyone | {("prices", "Sheet “Offsets 2025”")}
    assert found_by(world.secretariat) == everyone | {("prices", "Sheet “Offsets 2025”")}
    assert found_by(world.observer) == everyone  # not the full-members-only spreadsheet
    for outsider in (world.member_nz, world.cochair, world.deactivated):
        assert found_by(outsider) == set()
    documents.document_delete(actor=world.member, document=canaries[0], reason="Withdrawn")
    assert ("paper", "Page 2") not in found_by(world.member)


def test_only_the_newest_version_is_searched(world, dialogue, canaries, tmp_path, client_for):
    newer = made.pdf(tmp_path / "paper-v2.pdf", ["Cover", "Rewritten without the bird"])
    document = canaries[0]
    version = documents.document_add_version(
        actor=world.member,
        document=document,
        upload=SimpleUploadedFile("v2.pdf", newer.read_bytes()),
    )
    # Not yet extracted (the transaction of this test never commits): the old text is gone
    # from search all the same, and the page says the new one is being indexed.
    assert version.text_state == TextState.PENDING
    assert ("paper", "Page 2") not in found_by(world.member)
    page = client_for(world.member).get(
        reverse("document_detail", kwargs={"slug": "offsets", "pk": document.pk})
    )
    assert "Indexing…" in page.content.decode()


def test_a_hostile_file_ends_as_text_unavailable_with_an_audit_note(
    world, dialogue, tmp_path, django_capture_on_commit_callbacks, client_for
):
    locked = made.encrypted_pdf(tmp_path / "locked.pdf", "secret")
    document = share(world, dialogue, locked, capture=django_capture_on_commit_callbacks)
    version = document.versions.get()
    assert (version.text_state, version.text_reason) == (TextState.UNAVAILABLE, "encrypted")
    assert not version.passages.exists() and not version.previews.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.DOCUMENT_TEXT_UNAVAILABLE)
    assert event.detail["document"] == document.pk and event.detail["cause"] == "encrypted"
    assert "canary" not in str(event.detail) + event.summary  # ids and the reason, no content
    page = client_for(world.member).get(
        reverse("document_detail", kwargs={"slug": "offsets", "pk": document.pk})
    )
    assert "Text unavailable" in page.content.decode()


def test_a_decompression_bomb_is_refused_within_the_limits(
    world, dialogue, tmp_path, django_capture_on_commit_callbacks
):
    base = made.docx(tmp_path / "base.docx", ["Hello"])
    bomb = made.zip_bomb(tmp_path / "bomb.docx", base, "word/document.xml", 1024)
    document = share(world, dialogue, bomb, capture=django_capture_on_commit_callbacks)
    version = document.versions.get()
    assert (version.text_state, version.text_reason) == (TextState.UNAVAILABLE, "too_large")
    assert AuditEvent.objects.filter(action="document_text_unavailable").count() == 1


def test_the_command_catches_up_every_pending_version_once(world, dialogue, tmp_path, capsys):
    paths = [made.pdf(tmp_path / f"p{n}.pdf", [f"{CANARY} {n}"]) for n in range(3)]
    for path in paths:  # uploaded without their task: as before extraction existed
        documents.document_upload(
            actor=world.member,
            workspace=dialogue.offsets,
            upload=SimpleUploadedFile(path.name, path.read_bytes()),
            title=path.stem,
        )
    assert set(DocumentVersion.objects.values_list("text_state", flat=True)) == {"pending"}
    call_command("extract_document_text", "--batch-size", "2")
    assert "Extracted 3 document versions: 3 indexed." in capsys.readouterr().out
    assert DocumentPassage.objects.filter(text__contains=CANARY).count() == 3
    call_command("extract_document_text")
    assert "Extracted 0 document versions" in capsys.readouterr().out
    call_command("extract_document_text", "--redo", "--limit", "2")
    assert "Extracted 2 document versions: 2 indexed." in capsys.readouterr().out
    assert DocumentPassage.objects.filter(text__contains=CANARY).count() == 3  # replaced


def test_the_command_refreshes_the_planners_statistics_of_the_passages(world, dialogue, tmp_path):
    """After a bulk extraction the passage search needs fresh statistics (PostgreSQL)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    path = made.pdf(tmp_path / "bulk.pdf", [f"{CANARY} one", f"{CANARY} two"])
    documents.document_upload(
        actor=world.member,
        workspace=dialogue.offsets,
        upload=SimpleUploadedFile(path.name, path.read_bytes()),
        title=path.stem,
    )
    call_command("extract_document_text", "-v0")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [DocumentPassage._meta.db_table],
        )
        (estimated,) = cursor.fetchone()
    assert estimated == DocumentPassage.objects.count() > 0
