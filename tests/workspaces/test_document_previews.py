"""Previews on the document page: PDF pages and images as PNG, office files as their text; the
images served only to those who may read the document, locked down like a download."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.workspaces.extraction import documents as made
from workspaces import documents
from workspaces.models import DocumentPreview

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def share(world, dialogue, path, capture, **fields):
    with capture(execute=True):
        return documents.document_upload(
            actor=world.member,
            workspace=dialogue.offsets,
            upload=SimpleUploadedFile(path.name, path.read_bytes()),
            title=path.stem,
            **fields,
        )


def page_of(client, document):
    url = reverse("document_detail", kwargs={"slug": "offsets", "pk": document.pk})
    return client.get(url).content.decode()


def streamed(response) -> bytes:
    from asgiref.sync import async_to_sync

    async def gather():
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(gather)()


@pytest.fixture
def paper(world, dialogue, tmp_path, django_capture_on_commit_callbacks):
    path = made.pdf(tmp_path / "paper.pdf", [f"Page {n}" for n in range(1, 6)])
    return share(world, dialogue, path, django_capture_on_commit_callbacks, audience="full_members")


@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume")
def test_pdf_pages_are_previewed_for_readers_only(world, paper, client_for):
    previews = list(DocumentPreview.objects.filter(version__document=paper))
    assert [p.page for p in previews] == [1, 2, 3]
    assert all(p.width <= 800 and not p.file.name.startswith("/") for p in previews)
    html = page_of(client_for(world.member), paper)
    sources = re.findall(r'<img src="([^"]+/previews/\d+/)"', html)
    assert len(sources) == 3
    response = client_for(world.member).get(sources[0])
    assert response.status_code == 200
    assert streamed(response).startswith(PNG_SIGNATURE)
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    # Off the roster, an observer (full members only), another dialogue's address: 404.
    for user in (world.member_nz, world.observer, world.cochair):
        assert client_for(user).get(sources[0]).status_code == 404, user.email
    wrong_document = sources[0].replace(f"/documents/{paper.pk}/", f"/documents/{paper.pk + 1}/")
    assert client_for(world.member).get(wrong_document).status_code == 404
    # Deleted: gone for everyone, the previews with it.
    documents.document_delete(actor=world.member, document=paper, reason="Withdrawn")
    assert client_for(world.member).get(sources[0]).status_code == 404


def test_signed_out_the_preview_is_not_served(client, paper):
    preview = DocumentPreview.objects.filter(version__document=paper).first()
    url = reverse(
        "document_preview", kwargs={"slug": "offsets", "pk": paper.pk, "preview": preview.pk}
    )
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_office_files_show_their_text_and_images_a_resized_copy(
    world, dialogue, tmp_path, django_capture_on_commit_callbacks, client_for
):
    slides = made.pptx(tmp_path / "deck.pptx", ["Title slide", "Offsets <b>findings</b>"])
    deck = share(world, dialogue, slides, django_capture_on_commit_callbacks)
    html = page_of(client_for(world.observer), deck)
    assert "Slide 2" in html and "Offsets &lt;b&gt;findings&lt;/b&gt;" in html  # escaped text
    assert "/previews/" not in html
    photo = made.png(tmp_path / "photo.png", 1600, 900)
    image = share(world, dialogue, photo, django_capture_on_commit_callbacks)
    preview = DocumentPreview.objects.get(version__document=image)
    assert (preview.page, preview.width, preview.height) == (1, 800, 450)
    assert "Preview of page 1" in page_of(client_for(world.observer), image)
