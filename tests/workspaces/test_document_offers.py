"""A document page offers what its services accept, and renders its description like posts.

- The acknowledgement of a handling marking is asked iff the policy's must_acknowledge says
  so, which is iff the service records one: never of the uploader, who chose the marking (the
  demo world: every official, every document they may read).
- "Upload a new version" and "Delete" are offered iff their services accept.
- A description is Markdown, rendered once on write (and by the migration for those stored).
"""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import DocumentFactory
from workspaces import documents
from workspaces.access import Capability, can, must_acknowledge, visible
from workspaces.models import Document, MarkingAcknowledgement

ASKED = "Before your first download you are asked to acknowledge this marking."


class _Undo(Exception):
    pass


def accepted(service, **arguments):
    """The service's answer (its return value, or False when it refuses); rolled back."""
    outcome = False
    try:
        with transaction.atomic():
            outcome = service(**arguments)
            raise _Undo
    except _Undo:
        return outcome
    except (PermissionDenied, ValidationError):
        return False


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="accounts.backends.OfficialBackend")
    return client


def test_document_buttons_are_offered_iff_the_services_accept_in_the_demo_world(db):
    call_command("seed_demo", verbosity=0)
    marked = Document.objects.exclude(marking="none")
    assert marked.exists()
    asked_somewhere = spared_uploader = False
    for user in User.objects.filter(is_active=True):
        client = signed_in(user)
        for document in visible(user, Document).select_related("workspace"):
            url = reverse(
                "document_detail", kwargs={"slug": document.workspace.slug, "pk": document.pk}
            )
            page = client.get(url).content.decode()
            asked = ASKED in page
            recorded = accepted(documents.marking_acknowledge, actor=user, document=document)
            assert asked is must_acknowledge(user, document) is (recorded is not None)
            asked_somewhere |= asked
            if document.is_marked and document.uploaded_by_id == user.pk:
                assert not asked
                spared_uploader = True
            version_offered = "Upload a new version" in page
            # A copy: the service marks the object it is given deleted (the rollback does not).
            deleted = accepted(
                documents.document_delete,
                actor=user,
                document=Document.objects.get(pk=document.pk),
                reason="Probe",
            )
            assert version_offered is can(user, Capability.CONTRIBUTE, document)
            assert ("Delete the document" in page) is bool(deleted), f"{user} / {document}"
    assert asked_somewhere and spared_uploader


def test_the_uploader_downloads_her_marked_document_without_acknowledging(
    world, dialogue, client_for
):
    document = DocumentFactory(
        workspace=dialogue.offsets, uploaded_by=world.member, marking="do_not_cite"
    )
    version = document.versions.get()
    kwargs = {"slug": "offsets", "pk": document.pk}
    mine = client_for(world.member)
    assert ASKED not in mine.get(reverse("document_detail", kwargs=kwargs)).content.decode()
    assert mine.get(reverse("document_download", kwargs=kwargs)).status_code == 200
    # The acknowledgement page has nothing to ask her: it goes on to the download.
    page = mine.get(reverse("document_acknowledge", kwargs=kwargs) + f"?version={version.pk}")
    assert page.status_code == 302 and page.url.endswith(f"/{version.pk}/download/")
    assert documents.marking_acknowledge(actor=world.member, document=document) is None
    assert not MarkingAcknowledgement.objects.exists()
    # A colleague is asked, once.
    colleague = client_for(world.focal_point)
    assert ASKED in colleague.get(reverse("document_detail", kwargs=kwargs)).content.decode()
    assert colleague.get(reverse("document_download", kwargs=kwargs)).status_code == 302


def test_a_description_is_rendered_like_posts(world, dialogue, client_for):
    document = documents.document_upload(
        actor=world.member,
        workspace=dialogue.offsets,
        upload=SimpleUploadedFile("note.txt", b"A note\n"),
        title="Note",
        description="Short **test** note with <script>alert(1)</script>",
    )
    assert "<strong>test</strong>" in document.description_html
    assert "<script>" not in document.description_html
    url = reverse("document_detail", kwargs={"slug": "offsets", "pk": document.pk})
    page = client_for(world.member).get(url).content.decode()
    assert "Short <strong>test</strong> note" in page
    assert "**test**" not in page


@pytest.mark.django_db
def test_the_migration_renders_the_descriptions_already_stored(world, dialogue):
    document = DocumentFactory(workspace=dialogue.offsets, description="*Stored* before")
    Document.objects.filter(pk=document.pk).update(description_html="")
    migration = importlib.import_module("workspaces.migrations.0004_document_description_html")
    migration.render_existing(apps, None)
    document.refresh_from_db()
    assert document.description_html.strip() == "<p><em>Stored</em> before</p>"
