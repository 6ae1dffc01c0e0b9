"""Shared documents: the hostile-file corpus, access, audit, headers, versions and markings."""

import hashlib
import struct
import zipfile
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from tests.factories import DocumentFactory
from workspaces import documents
from workspaces.models import Document

pytestmark = pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png(extra: bytes = b"") -> bytes:
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
        + extra
    )


def docx() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def odt() -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def body(response) -> bytes:
    """The streamed bytes of a download (its iterator is asynchronous, as under daphne)."""
    from asgiref.sync import async_to_sync

    async def gather():
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(gather)()


def upload(world, dialogue, name, content, **fields):
    return documents.document_upload(
        actor=fields.pop("actor", world.member),
        workspace=dialogue.offsets,
        upload=SimpleUploadedFile(name, content, content_type="text/html"),
        title=fields.pop("title", "A document"),
        **fields,
    )


def stored_files(documents_dir):
    return sorted(p.name for p in documents_dir.rglob("*") if p.is_file())


# The hostile corpus: (client's name, content, expected type or None when it must be refused).
CORPUS = [
    ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", None),
    ("chart.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', None),
    ("page.txt", b"  \n<html><body onload=alert(1)>", None),
    ("data.xml", b'<?xml version="1.0"?><x/>', None),
    ("empty.pdf", b"", None),
    ("program.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00", None),
    ("archive.zip", b"PK\x03\x04" + b"\x00" * 60, None),
    ("polyglot.png", png(b"<html><script>alert(1)</script></html>"), "image/png"),
    ("budget.pdf.exe", PDF, "application/pdf"),
    ("../../etc/passwd", b"root:x:0:0\n", "text/plain; charset=utf-8"),
    ("a\x00b.pdf", PDF, "application/pdf"),
    ("invoice\u202egpj.pdf", PDF, "application/pdf"),
    ("x" * 300 + ".pdf", PDF, "application/pdf"),
    ("CON.pdf", PDF, "application/pdf"),
    ('evil"\r\nX-Injected: 1.pdf', PDF, "application/pdf"),
    (
        "minutes.docx",
        docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("note.odt", odt(), "application/vnd.oasis.opendocument.text"),
    ("prices.csv", b"year,price\n2024,65.2\n2025,70.1\n", "text/csv; charset=utf-8"),
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32, "image/jpeg"),
]


@pytest.mark.parametrize(("name", "content", "expected"), CORPUS, ids=[c[0][:20] for c in CORPUS])
def test_hostile_corpus(world, dialogue, client_for, documents_dir, name, content, expected):
    from django.core.exceptions import ValidationError

    if expected is None:
        with pytest.raises(ValidationError) as refused:
            upload(world, dialogue, name, content)
        assert refused.value.messages[0]  # a clear message
        assert not Document.objects.exists() and stored_files(documents_dir) == []
        return
    document = upload(world, dialogue, name, content)
    version = document.versions.get()
    assert version.content_type == expected
    assert version.sha256 == hashlib.sha256(content).hexdigest()
    # Stored under a generated name; the display name is clean.
    assert version.file.name != name and "/" not in version.file.name
    assert all(ch not in version.filename for ch in "/\\\x00\r\n\u202e")
    assert len(version.filename) <= 120
    assert not version.filename.upper().startswith("CON.")
    response = client_for(world.member).get(
        reverse("document_download", kwargs={"slug": "offsets", "pk": document.pk})
    )
    assert response.status_code == 200
    assert body(response) == content
    assert response["Content-Type"] == expected
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert (
        "\r" not in response["Content-Disposition"] and "\n" not in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"


def test_double_extension_and_reserved_names_are_cleaned():
    from workspaces.file_types_and_names import PDF as PDF_TYPE
    from workspaces.file_types_and_names import clean_filename, content_disposition

    assert clean_filename("budget.pdf.exe", PDF_TYPE) == "budget.pdf"
    assert clean_filename("CON.pdf", PDF_TYPE) == "_CON.pdf"
    assert clean_filename("../../a/b/Report 2026.PDF", PDF_TYPE) == "Report 2026.pdf"
    header = content_disposition("Québec – synthèse.pdf")
    assert header == (
        'attachment; filename="Quebec synthese.pdf"; '
        "filename*=UTF-8''Qu%C3%A9bec%20%E2%80%93%20synth%C3%A8se.pdf"
    )


def test_oversize_upload_is_refused_and_leaves_nothing(
    world, dialogue, client_for, settings, documents_dir
):
    settings.ENCLAVE_DOCUMENT_MAX_BYTES = 2000
    client = client_for(world.member)
    response = client.post(
        reverse("document_upload", kwargs={"slug": "offsets"}),
        {
            "file": SimpleUploadedFile("big.pdf", PDF + b"0" * 5000),
            "title": "Big",
            "audience": "everyone",
            "marking": "none",
        },
    )
    assert response.status_code == 400
    assert "larger than the limit" in response.content.decode()
    assert not Document.objects.exists() and stored_files(documents_dir) == []


def test_a_failure_half_way_removes_the_stored_file(world, dialogue, documents_dir, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("workspaces.documents.audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        upload(world, dialogue, "a.pdf", PDF)
    assert not Document.objects.exists() and stored_files(documents_dir) == []


def test_upload_page_round_trip(world, dialogue, client_for):
    client = client_for(world.member)
    response = client.post(
        reverse("document_upload", kwargs={"slug": "offsets"}),
        {
            "file": SimpleUploadedFile("Draft paper.pdf", PDF),
            "title": "",
            "tags": "MRV, Removals",
            "description": "Plain <b>text</b>",
            "audience": "everyone",
            "marking": "do_not_cite",
        },
    )
    document = Document.objects.get()
    assert response.status_code == 302
    assert document.title == "Draft paper" and document.tag_list == ["mrv", "removals"]
    page = client.get(reverse("document_detail", kwargs={"slug": "offsets", "pk": document.pk}))
    html = page.content.decode()
    assert "Plain &lt;b&gt;text&lt;/b&gt;" in html and document.versions.get().sha256 in html


def _download(client, document, version=None):
    if version is None:
        url = reverse(
            "document_download", kwargs={"slug": document.workspace.slug, "pk": document.pk}
        )
    else:
        url = reverse(
            "version_download",
            kwargs={"slug": document.workspace.slug, "pk": document.pk, "version": version},
        )
    return client.get(url)


def test_access_refusals_are_404_and_audited(world, dialogue, client_for):
    members_only = upload(world, dialogue, "a.pdf", PDF, audience="full_members")
    deleted = upload(world, dialogue, "b.pdf", PDF)
    documents.document_delete(actor=world.member, document=deleted, reason="Superseded")
    other = DocumentFactory(workspace=dialogue.closed, uploaded_by=world.member_nz, title="Other")
    public = upload(world, dialogue, "d.pdf", PDF)
    foreign_version = other.versions.get().pk
    cases = [
        (world.member_nz, public, None),  # not on the roster
        (world.observer, members_only, None),  # observer, full members only
        (world.member, deleted, None),  # deleted
        (world.member, public, foreign_version),  # another workspace's version id
        (world.secretariat, other, None),  # the Secretariat, off that roster
    ]
    for user, document, version in cases:
        before = AuditEvent.objects.filter(action="download_refused").count()
        response = _download(client_for(user), document, version)
        assert response.status_code == 404, (user.email, document.title)
        assert AuditEvent.objects.filter(action="download_refused").count() == before + 1
    served = _download(client_for(world.member), public)
    assert served.status_code == 200
    event = AuditEvent.objects.filter(action="document_downloaded").latest("created_at")
    assert event.actor == world.member and event.detail["sha256"]


def test_versions_history_and_any_version_download(world, dialogue, client_for):
    document = upload(world, dialogue, "paper.pdf", PDF)
    second = PDF + b"% revised\n"
    documents.document_add_version(
        actor=world.observer,
        document=document,
        upload=SimpleUploadedFile("paper-v2.pdf", second),
        change_note="Chile's comments",
    )
    versions = list(document.versions.all())
    assert [v.number for v in versions] == [2, 1]
    assert versions[0].change_note == "Chile's comments"
    client = client_for(world.member)
    assert body(_download(client, document)) == second
    first = body(_download(client, document, versions[1].pk))
    assert first == PDF


def test_marked_document_needs_one_acknowledgement(world, dialogue, client_for):
    from tests.factories import PDF as VALID_PDF  # marked: watermarked, so it must be stampable

    document = upload(world, dialogue, "draft.pdf", VALID_PDF, marking="draft")
    client = client_for(world.observer)
    response = _download(client, document)
    assert response.status_code == 302 and "/acknowledge/" in response.url
    page = client.get(response.url)
    assert page.status_code == 200
    assert "must not be circulated" in page.content.decode()
    client.post(response.url)
    assert AuditEvent.objects.filter(action="marking_acknowledged", actor=world.observer).exists()
    assert _download(client, document).status_code == 200
    assert _download(client, document).status_code == 200  # once only


def test_delete_by_uploader_or_moderator_only(world, dialogue):
    from django.core.exceptions import PermissionDenied, ValidationError

    document = upload(world, dialogue, "a.pdf", PDF)
    with pytest.raises(PermissionDenied):
        documents.document_delete(actor=world.observer, document=document, reason="x")
    with pytest.raises(ValidationError):
        documents.document_delete(actor=world.secretariat, document=document, reason=" ")
    documents.document_delete(actor=world.secretariat, document=document, reason="Duplicate")
    document.refresh_from_db()
    assert document.deleted_at and document.delete_reason == "Duplicate"
    assert AuditEvent.objects.filter(action="document_deleted").exists()


def test_documents_in_lists_and_search_respect_the_policy(world, dialogue, client_for):
    from dialogues.search.services import search

    upload(
        world,
        dialogue,
        "a.pdf",
        PDF,
        title="Permanence buffer methodology",
        audience="full_members",
        tags="buffers",
    )
    gone = upload(world, dialogue, "b.pdf", PDF, title="Permanence old draft")
    documents.document_delete(actor=world.member, document=gone, reason="Old")
    hits = {h.title for h in search(user=world.member, query="permanence") if h.kind == "document"}
    assert hits == {"Permanence buffer methodology"}
    assert not [h for h in search(user=world.observer, query="permanence") if h.kind == "document"]
    listing = client_for(world.observer).get(reverse("document_list", kwargs={"slug": "offsets"}))
    assert "Permanence buffer methodology" not in listing.content.decode()
    tagged = client_for(world.member).get(
        reverse("document_list", kwargs={"slug": "offsets"}), {"tag": "buffers"}
    )
    html = tagged.content.decode()
    assert "Permanence buffer methodology" in html and "Full members only" in html
    assert "Permanence old draft" not in html


def test_document_discussion_links_both_ways(world, dialogue, client_for):
    from dialogues.threads.services import document_discussion_start

    document = upload(world, dialogue, "a.pdf", PDF, audience="full_members")
    thread = document_discussion_start(actor=world.member, document=document)
    assert thread.audience == "full_members" and thread.document == document
    assert document_discussion_start(actor=world.focal_point, document=document) == thread
