"""Watermarked downloads: each PDF copy stamped for its reader (the id alone in an anonymous
dialogue), recorded with the SHA-256 of the bytes served, never served unstamped; and the
trace page that leads a leaked copy back to its download."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from tests.workspaces.extraction import documents as made
from workspaces import documents
from workspaces.models import Download, documents_storage

pytestmark = pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume")


def share(world, dialogue, path, **fields):
    return documents.document_upload(
        actor=world.focal_point,
        workspace=fields.pop("workspace", dialogue.offsets),
        upload=SimpleUploadedFile(path.name, path.read_bytes()),
        title=path.stem,
        **fields,
    )


def download(client, document):
    url = reverse("document_download", kwargs={"slug": document.workspace.slug, "pk": document.pk})
    return client.get(url)


def streamed(response) -> bytes:
    from asgiref.sync import async_to_sync

    async def gather():
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(gather)()


def stamp_and_id(body: bytes) -> tuple[list[str], str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    return [page.extract_text() for page in reader.pages], reader.metadata["/EnclaveDownloadId"]


@pytest.fixture
def draft(world, dialogue, tmp_path):
    """A marked PDF of three pages: watermarked by default."""
    path = made.pdf(tmp_path / "draft.pdf", ["Cover", "Offset limits", "Annex"])
    document = share(world, dialogue, path, marking="draft")
    documents.marking_acknowledge(actor=world.member, document=document)
    return document


def test_a_marked_pdf_is_served_stamped_and_recorded(world, draft, client_for):
    assert draft.watermark
    response = download(client_for(world.member), draft)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    body = streamed(response)
    assert int(response["Content-Length"]) == len(body)
    texts, code = stamp_and_id(body)
    assert re.fullmatch(r"[A-Z2-7]{10}", code)
    stamp = f"{world.member.full_name} · European Union · "
    assert all(stamp in text and text.rstrip().endswith(code) for text in texts), texts[0]
    assert all(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", text) for text in texts)
    recorded = Download.objects.get(code=code)
    assert recorded.user == world.member and recorded.watermarked
    assert recorded.sha256 == hashlib.sha256(body).hexdigest()
    event = AuditEvent.objects.filter(action="document_downloaded").latest("pk")
    assert event.detail["download"] == code and event.detail["sha256"] == recorded.sha256
    # The stored original is unchanged; each download is its own copy with its own id.
    version = draft.versions.get()
    with documents_storage().open(version.file.name, "rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == version.sha256 != recorded.sha256
    assert stamp_and_id(streamed(download(client_for(world.member), draft)))[1] != code


def test_an_anonymous_dialogue_stamps_the_id_alone(world, dialogue, tmp_path, client_for):
    dialogue.offsets.attribution = "anonymous"
    dialogue.offsets.save()
    path = made.pdf(tmp_path / "paper.pdf", ["Offset limits"])
    document = share(world, dialogue, path, watermark=True)
    texts, code = stamp_and_id(streamed(download(client_for(world.member), document)))
    assert texts[0].rstrip().endswith(code)
    for revealing in (world.member.full_name, "European Union", "UTC"):
        assert revealing not in texts[0]


def test_plain_downloads_are_recorded_and_other_types_say_they_are_not_stamped(
    world, dialogue, tmp_path, client_for
):
    plain = share(world, dialogue, made.pdf(tmp_path / "plain.pdf", ["Offsets"]))
    assert not plain.watermark
    client = client_for(world.member)
    body = streamed(download(client, plain))
    assert body == (tmp_path / "plain.pdf").read_bytes()
    assert Download.objects.get(user=world.member).watermarked is False
    note = made.docx(tmp_path / "note.docx", ["Offsets"])
    marked_docx = share(world, dialogue, note, marking="do_not_cite")
    page = client.get(
        reverse("document_detail", kwargs={"slug": "offsets", "pk": marked_docx.pk})
    ).content.decode()
    assert "the copy of this file that you download is not watermarked" in page
    documents.marking_acknowledge(actor=world.member, document=marked_docx)
    assert streamed(download(client, marked_docx)) == note.read_bytes()


def test_a_copy_that_cannot_be_stamped_is_refused_and_audited(
    world, dialogue, tmp_path, client_for
):
    locked = made.encrypted_pdf(tmp_path / "locked.pdf", "")  # opens without a password
    document = share(world, dialogue, locked, watermark=True)
    response = download(client_for(world.member), document)
    assert response.status_code == 422
    assert "not served unstamped" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert not Download.objects.exists()
    event = AuditEvent.objects.get(action="download_refused")
    assert event.actor == world.member and event.detail["watermark_failed"] == "encrypted"


def test_a_leaked_copy_traces_back_to_its_reader(world, draft, client_for):
    leaked = streamed(download(client_for(world.member), draft))
    code = stamp_and_id(leaked)[1]
    url = reverse("download_trace")
    secretariat = client_for(world.secretariat)
    by_id = secretariat.post(url, {"code": code.lower()})
    assert by_id.status_code == 200
    assert world.member.full_name in by_id.content.decode()
    by_file = secretariat.post(url, {"file": SimpleUploadedFile("leak.pdf", leaked)})
    html = by_file.content.decode()
    assert "in the file's metadata" in html and world.member.email in html
    assert (
        AuditEvent.objects.filter(action="download_traced", target_user=world.member).count() == 2
    )
    # Neither the page nor the trace exists for anyone who may not read the audit log.
    for user in (world.member, world.focal_point):
        assert client_for(user).post(url, {"code": code}).status_code == 404
    assert client_for(world.cochair).get(url).status_code == 200


def test_a_copy_without_its_metadata_is_traced_by_its_stamp_or_its_bytes(
    world, dialogue, draft, tmp_path, client_for
):
    import pikepdf

    leaked = streamed(download(client_for(world.member), draft))
    code = stamp_and_id(leaked)[1]
    with pikepdf.open(io.BytesIO(leaked)) as pdf:
        del pdf.docinfo["/EnclaveDownloadId"]
        del pdf.docinfo["/EnclaveDownload"]
        stripped = io.BytesIO()
        pdf.save(stripped)
    secretariat = client_for(world.secretariat)
    url = reverse("download_trace")
    response = secretariat.post(url, {"file": SimpleUploadedFile("x.pdf", stripped.getvalue())})
    assert "stamped on its pages" in response.content.decode() and code in response.content.decode()
    plain = share(world, dialogue, made.pdf(tmp_path / "plain.pdf", ["Offsets"]))
    copy = streamed(download(client_for(world.observer), plain))
    by_bytes = secretariat.post(url, {"file": SimpleUploadedFile("y.pdf", copy)})
    assert "exact bytes" in by_bytes.content.decode()
    assert world.observer.email in by_bytes.content.decode()
    nothing = secretariat.post(url, {"code": "AAAAAAAAAA"})
    assert "No download matches" in nothing.content.decode()


def test_tracing_an_anonymous_copy_is_an_audited_unmasking(world, dialogue, tmp_path, client_for):
    dialogue.offsets.attribution = "anonymous"
    dialogue.offsets.save()
    document = share(world, dialogue, made.pdf(tmp_path / "a.pdf", ["Offsets"]), watermark=True)
    code = stamp_and_id(streamed(download(client_for(world.member), document)))[1]
    url = reverse("download_trace")
    secretariat = client_for(world.secretariat)
    refused = secretariat.post(url, {"code": code})
    assert refused.status_code == 400 and world.member.email not in refused.content.decode()
    assert "Give a reason" in refused.content.decode()
    assert not AuditEvent.objects.filter(action__in=["unmasked", "download_traced"]).exists()
    shown = secretariat.post(url, {"code": code, "reason": "Leak to the press on 3 May"})
    assert world.member.email in shown.content.decode()
    unmasked = AuditEvent.objects.get(action="unmasked")
    assert unmasked.target_user == world.member and unmasked.actor == world.secretariat
    assert unmasked.detail["reason"] == "Leak to the press on 3 May"


# ------------------------------------------------------------------------------
# Turning watermarking on or off after the upload (the dialogue's moderators)
# ------------------------------------------------------------------------------


def set_watermark(client, document, on: bool):
    url = reverse("document_watermark", kwargs={"slug": document.workspace.slug, "pk": document.pk})
    return client.post(url, {"watermark": "on"} if on else {})


def test_a_moderator_turns_watermarking_on_and_off_with_an_audit_record(
    world, dialogue, tmp_path, client_for
):
    document = share(world, dialogue, made.pdf(tmp_path / "plain.pdf", ["Prices"]))
    assert not document.watermark
    staff = client_for(world.secretariat)
    page = staff.get(reverse("document_detail", args=[document.workspace.slug, document.pk]))
    assert 'name="watermark"' in page.text
    assert set_watermark(staff, document, on=True).status_code == 302
    document.refresh_from_db()
    assert document.watermark
    body = streamed(download(client_for(world.member), document))
    assert stamp_and_id(body)[1]  # the next copy is stamped
    assert set_watermark(staff, document, on=False).status_code == 302
    document.refresh_from_db()
    assert not document.watermark
    changes = AuditEvent.objects.filter(action="document_watermark").order_by("pk")
    assert [event.detail["watermark"] for event in changes] == [True, False]


def test_a_participant_may_not_change_watermarking(world, dialogue, tmp_path, client_for):
    document = share(world, dialogue, made.pdf(tmp_path / "plain.pdf", ["Prices"]))
    member = client_for(world.member)
    page = member.get(reverse("document_detail", args=[document.workspace.slug, document.pk]))
    assert 'name="watermark"' not in page.text  # nothing offered that would be refused
    assert set_watermark(member, document, on=True).status_code == 403
    document.refresh_from_db()
    assert not document.watermark
    assert not AuditEvent.objects.filter(action="document_watermark").exists()


def test_a_marked_document_stays_watermarked(world, draft, client_for):
    staff = client_for(world.secretariat)
    page = staff.get(reverse("document_detail", args=[draft.workspace.slug, draft.pk]))
    assert 'name="watermark"' not in page.text
    response = set_watermark(staff, draft, on=False)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.watermark
    assert "Marked documents are always watermarked." in staff.get(response.url).text
    assert not AuditEvent.objects.filter(action="document_watermark").exists()


def test_the_switch_is_offered_exactly_to_whom_the_service_lets_switch(
    world, dialogue, draft, tmp_path
):
    """Agreement: the page's switch (can_switch_watermark) and the service decide alike."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import transaction

    from workspaces.access import can_switch_watermark

    plain = share(world, dialogue, made.pdf(tmp_path / "plain.pdf", ["Prices"]))
    decided = []
    for user in (world.secretariat, world.member, world.focal_point):
        for document in (plain, draft):
            try:
                with transaction.atomic():
                    documents.document_watermark_set(
                        actor=user, document=document, on=not document.watermark
                    )
                    transaction.set_rollback(True)
                allowed = True
            except (PermissionDenied, ValidationError):
                allowed = False
            document.refresh_from_db()
            assert can_switch_watermark(user, document) is allowed, (user, document)
            decided.append(allowed)
    assert True in decided and False in decided  # both answers were exercised
