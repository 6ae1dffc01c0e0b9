"""The partnership library: the dialogue documents' machinery (versions, sniffing, text search,
previews, audited downloads) in a workspace without a roster, read by every member and by
observers only where a document's audience lets them; kept by the Secretariat alone; facets
that never count what the reader may not read; and nothing else (threads, rosters, listings)
ever living in or showing the library."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent, User
from dialogues.search.services import search
from partnership.library import selectors
from partnership.library.metadata import Metadata
from partnership.library.services import entry_update, library_share, library_workspace
from partnership.models import LibraryEntry
from tests.workspaces.extraction import documents as made
from tests.workspaces.test_documents import body
from tests.workspaces.test_workspace_policy import _assert_agreement, _assert_people_agree
from workspaces.access import Capability as C
from workspaces.access import can, visible
from workspaces.models import (
    Document,
    DocumentPassage,
    DocumentPreview,
    DocumentVersion,
    TextState,
    Workspace,
)

OPEN_CANARY = "Wombatcanary"
CLOSED_CANARY = "Numbatcanary"


@pytest.fixture
def shelf(world, tmp_path, django_capture_on_commit_callbacks):
    """Two library documents by the Secretariat, their text indexed: a handbook for everyone,
    observers included, and a linking brief for full members only."""

    def share(name, pages, audience, **details):
        path = made.pdf(tmp_path / f"{name}.pdf", pages)
        metadata = Metadata(
            details.get("kind", "handbook"),
            details.get("topic", "general"),
            details.get("year", 2024),
            details.get("language", "en"),
            tuple(details.get("jurisdictions", ())),
        )
        with django_capture_on_commit_callbacks(execute=True):
            return library_share(
                actor=world.secretariat,
                upload=SimpleUploadedFile(path.name, path.read_bytes()),
                title=name.replace("-", " ").capitalize(),
                audience=audience,
                metadata=metadata,
            )

    handbook = share(
        "handbook", ["Cover", f"The {OPEN_CANARY} allocation rule"], "everyone", year=2021
    )
    brief = share(
        "linking-brief",
        [f"Linking options: the {CLOSED_CANARY} clause"],
        "full_members",
        kind="brief",
        topic="linking",
        year=2026,
        jurisdictions=[world.eu, world.nz],
    )
    for document in (handbook, brief):
        assert document.versions.get().text_state == TextState.INDEXED
    return handbook, brief


def fresh(users):
    return [User.objects.get(pk=u.pk) for u in users]


def detail_url(document):
    return reverse("document_detail", kwargs={"slug": document.workspace.slug, "pk": document.pk})


# ------------------------------------------------------------------------------
# Who reads what: one policy, in agreement with itself
# ------------------------------------------------------------------------------


def test_every_member_reads_the_library_and_observers_only_what_is_shared_with_them(world, shelf):
    handbook, brief = shelf
    readers = {
        world.cochair: {handbook.pk, brief.pk},
        world.secretariat: {handbook.pk, brief.pk},
        world.focal_point: {handbook.pk, brief.pk},
        world.member: {handbook.pk, brief.pk},
        world.member_nz: {handbook.pk, brief.pk},
        world.observer: {handbook.pk},
        world.former_official: set(),
        world.deactivated: set(),
    }
    for user, expected in readers.items():
        user = User.objects.get(pk=user.pk)
        assert set(visible(user, Document).values_list("pk", flat=True)) == expected, user
        entries = selectors.readable_entries(user).values_list("document_id", flat=True)
        assert set(entries) == expected, user


def test_can_visible_and_people_who_can_view_agree_on_the_library(world, shelf, dialogue):
    users = fresh(world.users)
    models = [Document, DocumentVersion, DocumentPassage, DocumentPreview, LibraryEntry]
    _assert_agreement(users, models)
    _assert_people_agree(users, list(Document.objects.all()))


def test_the_library_is_no_dialogue_anyone_sees_joins_or_talks_in(world, shelf, client_for):
    from dialogues.threads.services import document_discussion_start, thread_create
    from workspaces.services import roster_join

    library = library_workspace()
    for user in fresh(world.users):
        assert not can(user, C.VIEW, library)
        assert library not in visible(user, Workspace)
    with pytest.raises(ValidationError):
        roster_join(actor=world.secretariat, workspace=library)
    with pytest.raises(PermissionDenied):
        document_discussion_start(actor=world.secretariat, document=shelf[0])
    with pytest.raises(PermissionDenied):
        thread_create(actor=world.secretariat, workspace=library, title="T", body="B")
    secretariat = client_for(world.secretariat)
    for name in ("workspace_detail", "document_list", "document_upload", "workspace_roster"):
        assert secretariat.get(reverse(name, kwargs={"slug": library.slug})).status_code == 404
    directory = secretariat.get(reverse("workspace_directory")).content.decode()
    assert f"/w/{library.slug}/" not in directory and "Partnership library" not in directory
    dashboard = secretariat.get(reverse("home")).content.decode()
    assert f"/w/{library.slug}/" not in dashboard


# ------------------------------------------------------------------------------
# Keeping the library: the Secretariat alone; bad input changes nothing
# ------------------------------------------------------------------------------


def test_only_the_secretariat_adds_to_the_library(world, client_for):
    for user in (world.cochair, world.focal_point, world.member, world.observer):
        with pytest.raises(PermissionDenied):
            library_share(
                actor=user,
                upload=SimpleUploadedFile("a.txt", b"text"),
                title="Mine",
                metadata=Metadata("guide", "cap", 2024, "en"),
            )
        assert client_for(user).get(reverse("library_share")).status_code == 404
    assert not Document.objects.exists()
    assert client_for(world.secretariat).get(reverse("library_share")).status_code == 200


def test_bad_details_store_nothing(world, documents_dir, client_for):
    with pytest.raises(ValidationError) as refused:
        library_share(
            actor=world.secretariat,
            upload=SimpleUploadedFile("a.txt", b"text"),
            title="Mine",
            metadata=Metadata("novel", "cap", 1850, "xx"),
        )
    assert set(refused.value.message_dict) == {"kind", "year", "language"}
    page = client_for(world.secretariat).post(
        reverse("library_share"),
        {
            "file": SimpleUploadedFile("a.txt", b"text"),
            "title": "Mine",
            "audience": "everyone",
            "marking": "none",
            "kind": "guide",
            "topic": "cap",
            "year": "3000",
            "language": "en",
        },
    )
    assert page.status_code == 400
    assert "Give a year between 1990 and" in page.content.decode()
    assert not Document.objects.exists() and not LibraryEntry.objects.exists()
    assert not any(documents_dir.rglob("*.*"))


def test_sharing_through_the_page_files_the_document_with_its_details(world, client_for):
    page = client_for(world.secretariat).post(
        reverse("library_share"),
        {
            "file": SimpleUploadedFile("guide.txt", b"Auction design guide"),
            "title": "Auction guide",
            "audience": "full_members",
            "marking": "none",
            "kind": "guide",
            "topic": "allocation",
            "year": "2025",
            "language": "fr",
            "jurisdictions": [world.eu.code, world.chile.code],
        },
    )
    document = Document.objects.get(title="Auction guide")
    assert page.status_code == 302 and page["Location"] == detail_url(document)
    assert document.workspace.is_library and document.audience == "full_members"
    entry = document.library_entry
    assert (entry.kind, entry.topic, entry.year, entry.language) == (
        "guide",
        "allocation",
        2025,
        "fr",
    )
    assert set(entry.jurisdictions.values_list("code", flat=True)) == {"eu", "cl"}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DOCUMENT_UPLOADED).exists()


def test_changing_the_details_is_the_secretariats_and_audited(world, shelf, client_for):
    handbook, _ = shelf
    url = reverse("library_entry_edit", kwargs={"pk": handbook.pk})
    for user in (world.cochair, world.member, world.observer):
        assert client_for(user).get(url).status_code == 404
        with pytest.raises(PermissionDenied):
            entry_update(
                actor=user,
                entry=handbook.library_entry,
                metadata=Metadata("guide", "cap", 2020, "en"),
            )
    posted = {"kind": "study", "topic": "mrv", "year": "2022", "language": "de"}
    page = client_for(world.secretariat).post(url, {**posted, "jurisdictions": [world.nz.code]})
    assert page.status_code == 302
    entry = LibraryEntry.objects.get(document=handbook)
    assert (entry.kind, entry.topic, entry.year, entry.language) == ("study", "mrv", 2022, "de")
    event = AuditEvent.objects.get(action=AuditEvent.Action.LIBRARY_ENTRY_CHANGED)
    assert event.detail["before"]["kind"] == "handbook"
    assert event.detail["after"]["jurisdictions"] == ["nz"]
    refused = client_for(world.secretariat).post(url, {**posted, "year": "1200"})
    assert refused.status_code == 400
    assert LibraryEntry.objects.get(document=handbook).year == 2022


# ------------------------------------------------------------------------------
# The list: facets and search that count and find only what the reader reads
# ------------------------------------------------------------------------------


def _facet_counts(listing) -> dict[str, dict[str, int]]:
    return {f.key: {v.value: v.count for v in f.values} for f in listing.facets}


def test_facets_count_only_what_the_reader_reads(world, shelf):
    member = selectors.listing(User.objects.get(pk=world.member.pk), {})
    observer = selectors.listing(User.objects.get(pk=world.observer.pk), {})
    assert _facet_counts(member)["kind"] == {"brief": 1, "handbook": 1}
    assert _facet_counts(member)["jurisdiction"] == {"eu": 1, "nz": 1}
    assert _facet_counts(observer) == {
        "kind": {"handbook": 1},
        "topic": {"general": 1},
        "year": {"2021": 1},
        "language": {"en": 1},
        "jurisdiction": {},
    }
    # One facet chosen narrows the list and the other facets, never its own values.
    narrowed = selectors.listing(User.objects.get(pk=world.member.pk), {"topic": "linking"})
    assert [e.document_id for e in narrowed.page.object_list] == [shelf[1].pk]
    counts = _facet_counts(narrowed)
    assert counts["topic"] == {"general": 1, "linking": 1} and counts["kind"] == {"brief": 1}


def test_facets_count_the_search_matches_and_skip_retired_choices(world, shelf, client_for):
    member = User.objects.get(pk=world.member.pk)
    searched = selectors.listing(member, {"q": CLOSED_CANARY})
    assert [e.document_id for e in searched.page.object_list] == [shelf[1].pk]
    assert _facet_counts(searched)["kind"] == {"brief": 1}
    assert _facet_counts(selectors.listing(member, {"q": CLOSED_CANARY, "kind": "handbook"}))[
        "kind"
    ] == {"brief": 1}
    # A stored value no longer among the choices is listed, never offered as a facet value.
    LibraryEntry.objects.filter(document=shelf[0]).update(kind="retired", language="xx")
    counts = _facet_counts(selectors.listing(member, {}))
    assert counts["kind"] == {"brief": 1} and counts["language"] == {"en": 1}
    assert client_for(world.member).get(reverse("library")).status_code == 200


def test_the_library_page_for_a_member_and_an_observer(world, shelf, client_for):
    handbook, brief = shelf
    member = client_for(world.member).get(reverse("library")).content.decode()
    assert handbook.title in member and brief.title in member
    assert detail_url(brief) in member
    observer = client_for(world.observer).get(reverse("library")).content.decode()
    assert handbook.title in observer and brief.title not in observer
    assert "Linking with other systems" not in observer  # not even as a facet value
    chosen = client_for(world.member).get(reverse("library"), {"kind": "brief"}).content.decode()
    assert detail_url(brief) in chosen and detail_url(handbook) not in chosen
    # A value that is not offered is ignored, not an error.
    odd = client_for(world.member).get(reverse("library"), {"kind": "novel", "year": "x"})
    assert odd.status_code == 200
    for user in (world.former_official, world.deactivated):
        assert client_for(user).get(reverse("library")).status_code in (302, 404)


def test_the_text_inside_is_found_by_those_who_read_it(world, shelf, client_for):
    handbook, brief = shelf
    member = client_for(world.member)
    found = member.get(reverse("library"), {"q": CLOSED_CANARY}).content.decode()
    assert detail_url(brief) in found and detail_url(handbook) not in found
    assert re.search(rf"<mark>{CLOSED_CANARY}</mark>", found, re.IGNORECASE)
    observer = client_for(world.observer)
    closed = observer.get(reverse("library"), {"q": CLOSED_CANARY}).content.decode()
    assert brief.title not in closed
    assert handbook.title in observer.get(reverse("library"), {"q": OPEN_CANARY}).content.decode()
    # The site's search finds the library too, through the same policy.
    observer_user = User.objects.get(pk=world.observer.pk)
    assert not search(user=observer_user, query=CLOSED_CANARY)
    hits = search(user=User.objects.get(pk=world.member.pk), query=CLOSED_CANARY)
    assert {h.document.pk for h in hits} == {brief.pk}
    page = member.get(reverse("search"), {"q": CLOSED_CANARY}).content.decode()
    assert "In the partnership library" in page and detail_url(brief) in page


def test_the_list_reads_in_the_same_queries_however_many_documents(world, shelf, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member = client_for(world.member)

    def queries() -> int:
        member.get(reverse("library"))  # the session and the standing checks warmed
        with CaptureQueriesContext(connection) as captured:
            page = member.get(reverse("library"))
        return len(captured), page.content.decode().count('class="search-result"')

    few, shown = queries()
    assert shown == 2
    for n in range(6):
        library_share(
            actor=world.secretariat,
            upload=SimpleUploadedFile(f"n{n}.txt", b"note"),
            title=f"Note {n}",
            metadata=Metadata("brief", "cap", 2020 + n, "en", (world.eu,)),
        )
    assert queries() == (few, 8)


# ------------------------------------------------------------------------------
# The document itself: the dialogue documents' pages, downloads and audit
# ------------------------------------------------------------------------------


def test_the_document_page_says_what_the_library_knows(world, shelf, client_for):
    handbook, brief = shelf
    page = client_for(world.member).get(detail_url(brief)).content.decode()
    assert "Partnership library" in page and "Brief" in page and "European Union" in page
    assert "Discuss" not in page  # the library's documents are not discussed there
    assert reverse("library_entry_edit", kwargs={"pk": brief.pk}) not in page
    keeper = client_for(world.secretariat).get(detail_url(brief)).content.decode()
    assert reverse("library_entry_edit", kwargs={"pk": brief.pk}) in keeper
    assert client_for(world.observer).get(detail_url(brief)).status_code == 404
    assert client_for(world.observer).get(detail_url(handbook)).status_code == 200


def test_downloads_are_served_to_readers_and_audited(world, shelf, client_for):
    handbook, brief = shelf
    url = reverse("document_download", kwargs={"slug": brief.workspace.slug, "pk": brief.pk})
    response = client_for(world.member).get(url)
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DOCUMENT_DOWNLOADED, actor=world.member
    ).exists()
    assert client_for(world.observer).get(url).status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DOWNLOAD_REFUSED, actor=world.observer
    ).exists()


def test_the_keeper_adds_versions_and_removes_documents(world, shelf, client_for):
    handbook, _ = shelf
    kwargs = {"slug": handbook.workspace.slug, "pk": handbook.pk}
    member = client_for(world.member)
    refused = member.post(
        reverse("document_add_version", kwargs=kwargs),
        {"file": SimpleUploadedFile("v2.txt", b"two")},
    )
    assert refused.status_code in (400, 403) and handbook.versions.count() == 1
    keeper = client_for(world.secretariat)
    keeper.post(
        reverse("document_add_version", kwargs=kwargs),
        {"file": SimpleUploadedFile("v2.txt", b"two")},
    )
    assert handbook.versions.count() == 2
    gone = keeper.post(reverse("document_delete", kwargs=kwargs), {"reason": "Superseded"})
    assert gone.status_code == 302 and gone["Location"] == reverse("library")
    assert not visible(User.objects.get(pk=world.member.pk), Document).filter(pk=handbook.pk)


def test_a_status_change_counts_the_library_documents_its_officials_stop_reading(world, shelf):
    from accounts.selectors import status_change_summary

    summary = status_change_summary(jurisdiction=world.eu, status="observer")
    hidden = [(loss.label, loss.count) for loss in summary.losses.items_hidden]
    assert hidden == [("document", 1)]


def test_the_library_takes_a_free_address_beside_a_dialogue_named_library(world):
    from tests.factories import WorkspaceFactory

    WorkspaceFactory(created_by=world.secretariat, title="Library reform", slug="library")
    document = library_share(
        actor=world.secretariat,
        upload=SimpleUploadedFile("a.txt", b"text"),
        title="A guide",
        metadata=Metadata("guide", "cap", 2024, "en"),
    )
    assert document.workspace.slug == "partnership-library" and document.workspace.is_library
    assert Workspace.objects.get(slug="library").kind == Workspace.Kind.DIALOGUE
