"""Factsheets: the workflow (draft, submit, approve or return, discard), who may do each step
(only the jurisdiction's focal point approves), drafts never reaching anyone outside the
jurisdiction and the Secretariat, fields kept from observers never reaching observers (pages,
comparison, filters, map, field history, publication), the map's table agreeing with the map,
publication audited and carrying approved versions only, and the yearly reminder."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from partnership.factsheets import map_chart, schema, selectors, services
from partnership.factsheets.reminders import send_reminders
from partnership.models import Factsheet, FactsheetPublication, FactsheetVersion
from workspaces.access import Capability, can

State = FactsheetVersion.State

EU_VALUES = {
    "status": "in_force",
    "start_year": 2005,
    "cap": "1,386 MtCO2e",
    "international_offsets": "no",
    "linking": "Linked with Switzerland",
    "summary": "The **largest** system.",
    "sources": "Status report | https://example.org/report",
}


def approve(world, jurisdiction, values, drafter=None, focal=None):
    drafter = drafter or world.secretariat
    version = services.draft_save(actor=drafter, jurisdiction=jurisdiction, values=values)
    services.draft_submit(actor=drafter, jurisdiction=jurisdiction)
    return services.version_approve(
        actor=focal or world.focal_point, jurisdiction=jurisdiction, number=version.number
    )


@pytest.fixture
def eu_approved(world):
    return approve(world, world.eu, EU_VALUES)


@pytest.fixture
def linking_hidden(world):
    everything = [spec.key for spec in schema.FIELDS]
    hidden = [key for key in everything if key != "linking"]
    services.field_settings_save(actor=world.secretariat, observers_see=hidden, published=hidden)


# ------------------------------------------------------------------------------
# The workflow and who may do each step
# ------------------------------------------------------------------------------


def test_the_focal_point_alone_approves(world, eu_approved):
    services.draft_save(actor=world.member, jurisdiction=world.eu, values={**EU_VALUES, "cap": "1"})
    submitted = services.draft_submit(actor=world.member, jurisdiction=world.eu)
    for someone in (
        world.secretariat,
        world.member,
        world.cochair,
        world.member_nz,
        world.observer,
    ):
        with pytest.raises(PermissionDenied):
            services.version_approve(actor=someone, jurisdiction=world.eu, number=submitted.number)
        with pytest.raises(PermissionDenied):
            services.version_return(
                actor=someone, jurisdiction=world.eu, number=submitted.number, reason="No."
            )
    submitted.refresh_from_db()
    assert submitted.state == State.SUBMITTED
    factsheet = Factsheet.objects.get(jurisdiction=world.eu)
    assert factsheet.approved == eu_approved
    approved = services.version_approve(
        actor=world.focal_point, jurisdiction=world.eu, number=submitted.number
    )
    factsheet.refresh_from_db()
    assert factsheet.approved == approved and approved.approved_by == world.focal_point


def test_approval_pages_refuse_everyone_but_the_focal_point(world, eu_approved, client_for):
    services.draft_save(actor=world.member, jurisdiction=world.eu, values={**EU_VALUES, "cap": "2"})
    number = services.draft_submit(actor=world.member, jurisdiction=world.eu).number
    url = reverse("factsheet_approve", kwargs={"code": "eu", "number": number})
    assert client_for(world.member).post(url).status_code == 403
    assert client_for(world.secretariat).post(url).status_code == 403
    assert client_for(world.member_nz).post(url).status_code == 404
    assert client_for(world.observer).post(url).status_code == 404
    assert FactsheetVersion.objects.get(factsheet__jurisdiction=world.eu, number=number).state == (
        State.SUBMITTED
    )
    assert client_for(world.focal_point).post(url).status_code == 302
    assert Factsheet.objects.get(jurisdiction=world.eu).approved.number == number


def test_only_the_jurisdiction_and_the_secretariat_draft(world):
    for someone in (world.member_nz, world.cochair, world.observer):
        with pytest.raises(PermissionDenied):
            services.draft_save(actor=someone, jurisdiction=world.eu, values=EU_VALUES)
    with pytest.raises((PermissionDenied, ValidationError)):
        services.draft_save(actor=world.former_official, jurisdiction=world.former, values={})
    assert not FactsheetVersion.objects.exists()
    services.draft_save(
        actor=world.observer, jurisdiction=world.chile, values={"status": "in_force"}
    )
    services.draft_save(actor=world.secretariat, jurisdiction=world.nz, values={"start_year": 2008})


def test_return_edit_and_discard(world, eu_approved, django_capture_on_commit_callbacks):
    services.draft_save(actor=world.member, jurisdiction=world.eu, values={**EU_VALUES, "cap": "3"})
    submitted = services.draft_submit(actor=world.member, jurisdiction=world.eu)
    with pytest.raises(ValidationError):
        services.version_return(
            actor=world.focal_point, jurisdiction=world.eu, number=submitted.number, reason=" "
        )
    with django_capture_on_commit_callbacks(execute=True):
        returned = services.version_return(
            actor=world.focal_point,
            jurisdiction=world.eu,
            number=submitted.number,
            reason="Give the 2027 cap.",
        )
    assert returned.state == State.DRAFT and returned.return_note == "Give the 2027 cap."
    assert mail.outbox[-1].to == [world.member.email]
    # Editing a submitted draft takes it back to draft: what is approved is what was submitted.
    services.draft_submit(actor=world.member, jurisdiction=world.eu)
    edited = services.draft_save(
        actor=world.member, jurisdiction=world.eu, values={**EU_VALUES, "cap": "4"}
    )
    assert edited.pk == submitted.pk and edited.state == State.DRAFT
    with pytest.raises(ValidationError):
        services.version_approve(
            actor=world.focal_point, jurisdiction=world.eu, number=edited.number
        )
    services.draft_discard(actor=world.member, jurisdiction=world.eu)
    assert FactsheetVersion.objects.get(pk=edited.pk).state == State.DISCARDED
    assert Factsheet.objects.get(jurisdiction=world.eu).approved == eu_approved


def test_bad_input_changes_nothing(world, eu_approved, client_for):
    before = list(FactsheetVersion.objects.values_list("pk", "state", "values"))
    for values in (
        {"start_year": 1700},
        {"status": "abolished"},
        {"sectors": ["power", "space"]},
        {"coverage_share": "140"},
        {"sources": "A report | javascript:alert(1)"},
        {"colour": "blue"},
    ):
        with pytest.raises(ValidationError):
            services.draft_save(actor=world.member, jurisdiction=world.eu, values=values)
    assert list(FactsheetVersion.objects.values_list("pk", "state", "values")) == before
    response = client_for(world.member).post(
        reverse("factsheet_draft", kwargs={"code": "eu"}),
        {"start_year": "1700", "sources": "Nothing | ftp://x", "note": "x"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a title and an http(s) address" in page
    assert list(FactsheetVersion.objects.values_list("pk", "state", "values")) == before
    # Submitting a draft that changes nothing is refused with a message.
    services.draft_save(actor=world.member, jurisdiction=world.eu, values=EU_VALUES)
    with pytest.raises(ValidationError, match="changes nothing"):
        services.draft_submit(actor=world.member, jurisdiction=world.eu)


def test_the_draft_form_saves_and_submits(
    world, eu_approved, client_for, django_capture_on_commit_callbacks
):
    client = client_for(world.member)
    url = reverse("factsheet_draft", kwargs={"code": "eu"})
    page = client.get(url)
    assert page.status_code == 200 and "1,386 MtCO2e" in page.content.decode()
    data = {**EU_VALUES, "cap": "1,291 MtCO2e", "sources": "Report | https://example.org/r"}
    data["note"] = "2027 cap"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**data, "submit": "1"})
    assert response.status_code == 302
    version = FactsheetVersion.objects.get(factsheet__jurisdiction=world.eu, state=State.SUBMITTED)
    assert version.values["cap"] == "1,291 MtCO2e" and version.note == "2027 cap"
    assert [m.to for m in mail.outbox] == [[world.focal_point.email]]
    # The focal point's review page shows the change word by word, and the decision.
    review = client_for(world.focal_point).get(
        reverse("factsheet_version", kwargs={"code": "eu", "number": version.number})
    )
    html = review.content.decode()
    assert "<del>1,386</del>" in html and "<ins>1,291</ins>" in html
    assert "Approve version" in html


def test_history_of_a_field(world, eu_approved, client_for):
    approve(world, world.eu, {**EU_VALUES, "cap": "1,291 MtCO2e"})
    approve(world, world.eu, {**EU_VALUES, "cap": "1,291 MtCO2e", "start_year": 2006})
    steps = selectors.field_history(world.member_nz, world.eu, "cap")
    assert [step.value for step in steps] == ["1,386 MtCO2e", "1,291 MtCO2e"]
    page = client_for(world.member_nz).get(
        reverse("factsheet_field", kwargs={"code": "eu", "key": "cap"})
    )
    assert page.status_code == 200 and "1,291 MtCO2e" in page.content.decode()
    missing = reverse("factsheet_field", kwargs={"code": "eu", "key": "colour"})
    assert client_for(world.member_nz).get(missing).status_code == 404


# ------------------------------------------------------------------------------
# Drafts stay with the jurisdiction and the Secretariat
# ------------------------------------------------------------------------------


def test_drafts_are_invisible_outside_the_jurisdiction_and_the_secretariat(
    world, eu_approved, client_for
):
    secret = "Draft cap nobody else reads"
    services.draft_save(
        actor=world.member, jurisdiction=world.eu, values={**EU_VALUES, "cap": secret}
    )
    draft = services.draft_submit(actor=world.member, jurisdiction=world.eu)
    version_url = reverse("factsheet_version", kwargs={"code": "eu", "number": draft.number})
    pages = [
        reverse("factsheet_list"),
        reverse("factsheet_detail", kwargs={"code": "eu"}),
        reverse("factsheet_history", kwargs={"code": "eu"}),
        reverse("factsheet_compare") + "?j=eu&j=nz",
        reverse("factsheet_field", kwargs={"code": "eu", "key": "cap"}),
    ]
    for reader in (world.member, world.focal_point, world.secretariat):
        assert client_for(reader).get(version_url).status_code == 200, reader
        assert "Draft in progress" in client_for(reader).get(pages[0]).content.decode()
    for reader in (world.cochair, world.member_nz, world.observer):
        client = client_for(reader)
        assert client.get(version_url).status_code == 404, reader
        for url in pages:
            html = client.get(url).content.decode()
            assert secret not in html and "Draft in progress" not in html, (reader, url)
        assert client.get(reverse("factsheet_draft", kwargs={"code": "eu"})).status_code == 404
    # Nobody outside reads it from the public files either, even after a publication.
    services.publish(actor=world.secretariat)
    assert (
        secret
        not in client_for(world.member).get(reverse("factsheets_published_json")).content.decode()
    )


# ------------------------------------------------------------------------------
# Fields kept from observers
# ------------------------------------------------------------------------------


def test_fields_kept_from_observers_never_reach_them(
    world, eu_approved, linking_hidden, client_for
):
    hidden = EU_VALUES["linking"]
    client = client_for(world.observer)
    for url in (
        reverse("factsheet_list"),
        reverse("factsheet_detail", kwargs={"code": "eu"}),
        reverse("factsheet_compare") + "?j=eu",
        reverse("factsheet_version", kwargs={"code": "eu", "number": eu_approved.number}),
        reverse("factsheet_history", kwargs={"code": "eu"}),
        reverse("factsheet_map"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert hidden not in response.content.decode(), url
    field = reverse("factsheet_field", kwargs={"code": "eu", "key": "linking"})
    assert client.get(field).status_code == 404
    # A filter on a field the observer does not read is not offered, and matches nothing.
    rows = selectors.listing(world.observer, {"linking": "Linked with Switzerland"})
    assert rows == []
    # Full members read it; an observer jurisdiction's own officials read all of their own.
    assert (
        hidden
        in client_for(world.member_nz)
        .get(reverse("factsheet_detail", kwargs={"code": "eu"}))
        .content.decode()
    )
    services.draft_save(actor=world.observer, jurisdiction=world.chile, values={"linking": "Ours"})
    own = client_for(world.observer).get(reverse("factsheet_draft", kwargs={"code": "cl"}))
    assert "Ours" in own.content.decode()


def test_a_field_kept_from_observers_is_never_published(world, eu_approved, client_for):
    everything = [spec.key for spec in schema.FIELDS]
    with pytest.raises(ValidationError, match="cannot be published"):
        services.field_settings_save(
            actor=world.secretariat,
            observers_see=[k for k in everything if k != "linking"],
            published=everything,
        )


def test_the_map_hides_itself_when_observers_do_not_read_the_status(world, eu_approved, client_for):
    everything = [spec.key for spec in schema.FIELDS]
    rest = [k for k in everything if k != "status"]
    services.field_settings_save(actor=world.secretariat, observers_see=rest, published=rest)
    assert client_for(world.observer).get(reverse("factsheet_map")).status_code == 404
    listing = client_for(world.observer).get(reverse("factsheet_list")).content.decode()
    assert reverse("factsheet_map") not in listing and "In force" not in listing
    assert client_for(world.member).get(reverse("factsheet_map")).status_code == 200


# ------------------------------------------------------------------------------
# The map and its table
# ------------------------------------------------------------------------------


def test_the_maps_table_says_what_the_map_shows(world, eu_approved, client_for):
    Factsheet.objects.filter(jurisdiction=world.eu).update(countries="fr de be")
    approve(world, world.nz, {"status": "under_development"}, focal=_focal(world.nz))
    Factsheet.objects.filter(jurisdiction=world.nz).update(countries="nz")
    svg = client_for(world.member).get(reverse("factsheet_map"))
    assert svg["Content-Type"].startswith("image/svg+xml") and b"<script" not in svg.content
    coloured = _map_countries(svg.content.decode())
    rows = map_chart.map_rows(selectors.listing(world.member))
    assert coloured == {row.code: row.status_label for row in rows}
    assert coloured == {
        "fr": "In force",
        "de": "In force",
        "be": "In force",
        "nz": "Under development",
    }
    page = client_for(world.member).get(reverse("factsheet_list")).content.decode()
    for row in rows:
        assert f'<th scope="row">{row.name}</th>' in page


def _focal(jurisdiction):
    from tests.factories import UserFactory

    return UserFactory(jurisdiction=jurisdiction, is_focal_point=True)


def _map_countries(svg: str) -> dict[str, str]:
    """country code -> the legend of the series that colours it, read from pygal's SVG."""
    legends = re.findall(
        r'<g id="activate-serie-(\d+)"[^>]*>.*?<text[^>]*>([^<]+)</text>', svg, re.S
    )
    names = {int(index): label for index, label in legends}
    coloured = re.findall(r'<g class="([a-z]{2}) country map-element color-\d+ serie-(\d+)', svg)
    return {code: names[int(index)] for code, index in coloured}


# ------------------------------------------------------------------------------
# Publication
# ------------------------------------------------------------------------------


def test_publish_is_audited_and_exports_only_approved_versions(world, eu_approved, client_for):
    public = reverse("factsheets_published_json")
    assert client_for(world.member).get(public).status_code == 404  # nothing published yet
    services.draft_save(actor=world.member, jurisdiction=world.eu, values={**EU_VALUES, "cap": "X"})
    with pytest.raises(PermissionDenied):
        services.publish(actor=world.cochair)
    response = client_for(world.secretariat).post(reverse("factsheet_publications"))
    assert response.status_code == 302
    publication = FactsheetPublication.objects.get()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.FACTSHEETS_PUBLISHED).get()
    assert event.actor == world.secretariat and event.detail["versions"] == {"eu": 1}
    # Signed out, the website reads the approved version only.
    from django.test import Client

    body = Client().get(public).json()
    assert [row["code"] for row in body["jurisdictions"]] == ["eu"]
    assert body["jurisdictions"][0]["values"]["cap"] == "1,386 MtCO2e"
    rows = list(
        csv.reader(
            io.StringIO(
                Client().get(reverse("factsheets_published_csv")).content.decode("utf-8-sig")
            )
        )
    )
    assert rows[1][0] == "European Union" and "1,386 MtCO2e" in rows[1]
    assert publication.rows[0]["version"] == eu_approved.number


def test_settings_and_publication_are_the_secretariats(world, client_for):
    for reader in (world.cochair, world.focal_point, world.member, world.observer):
        assert client_for(reader).get(reverse("factsheet_settings")).status_code == 404
        assert client_for(reader).post(reverse("factsheet_publications")).status_code == 404
    assert client_for(world.secretariat).get(reverse("factsheet_settings")).status_code == 200
    assert not FactsheetPublication.objects.exists()


# ------------------------------------------------------------------------------
# The yearly review
# ------------------------------------------------------------------------------


def test_focal_points_are_asked_to_review_stale_factsheets(world, eu_approved):
    mail.outbox.clear()
    now = timezone.now()
    send_reminders(now)
    # The EU's factsheet was approved today: its focal point is not asked. (New Zealand and
    # Chile were never approved, but have no focal point in this cast to ask.)
    assert world.focal_point.email not in [m.to[0] for m in mail.outbox]
    later = now + datetime.timedelta(days=366)
    asked, sent = send_reminders(later)
    assert sent >= 1 and world.focal_point.email in [m.to[0] for m in mail.outbox]
    mail.outbox.clear()
    send_reminders(later + datetime.timedelta(days=1))  # asked once a month at most
    assert world.focal_point.email not in [m.to[0] for m in mail.outbox]


def test_the_list_and_the_comparison_read_in_few_queries(world, eu_approved, client_for):
    """Adding jurisdictions adds no query: the list, the map and the comparison read every
    factsheet at once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import JurisdictionFactory

    client = client_for(world.observer)
    urls = [reverse("factsheet_list"), reverse("factsheet_map"), reverse("factsheet_compare")]

    def counts():
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        return found

    counts()  # the first requests warm Django's own caches
    before = counts()
    for n in range(6):
        jurisdiction = JurisdictionFactory(name=f"Extra {n}", code=f"x{n}")
        approve(world, jurisdiction, {"status": "in_force"}, focal=_focal(jurisdiction))
    assert counts() == before


def test_the_settings_page_turns_a_field_off(world, client_for):
    data = {f"observers_{spec.key}": "on" for spec in schema.FIELDS if spec.key != "linking"}
    data.update({f"published_{spec.key}": "on" for spec in schema.FIELDS if spec.key != "linking"})
    response = client_for(world.secretariat).post(reverse("factsheet_settings"), data)
    assert response.status_code == 302
    settings = services.field_settings()
    assert not settings["linking"].observers_see and not settings["linking"].published
    assert settings["cap"].observers_see and settings["cap"].published
    page = client_for(world.secretariat).get(reverse("factsheet_settings")).content.decode()
    assert page.count('name="observers_linking"') == 1  # each box once, in the table
    # Published but kept from observers: refused with the reason, nothing changes.
    data["published_linking"] = "on"
    refused = client_for(world.secretariat).post(reverse("factsheet_settings"), data)
    assert refused.status_code == 200 and "cannot be published" in refused.content.decode()
    assert not services.field_settings()["linking"].published


def test_empty_values_are_not_stored():
    """A field left empty (sources that are only blank lines included) is absent, so a draft
    that leaves it empty changes nothing in it."""
    assert schema.clean_values({"sources": "\n  \n", "cap": "  ", "sectors": []}) == {}
    assert schema.clean_values({"coverage_share": "38"}) == {"coverage_share": "38.0"}


# ------------------------------------------------------------------------------
# The site's search
# ------------------------------------------------------------------------------


def test_search_finds_approved_factsheets_in_the_fields_each_reader_reads(
    world, eu_approved, linking_hidden, client_for
):
    from accounts.models import User
    from dialogues.search.services import search

    def found(user, query):
        hits = search(user=User.objects.get(pk=user.pk), query=query)
        return [h.url for h in hits if h.kind == "factsheet"]

    eu_url = reverse("factsheet_detail", kwargs={"code": "eu"})
    assert found(world.member_nz, "Switzerland") == [eu_url]
    assert found(world.member_nz, "largest system") == [eu_url]
    # "Linking" is kept from observers: its words find nothing for them, the rest does.
    assert found(world.observer, "Switzerland") == []
    assert found(world.observer, "largest") == [eu_url]
    # A draft is never found, not even by those who read it.
    services.draft_save(
        actor=world.member, jurisdiction=world.eu, values={**EU_VALUES, "cap": "Quokkacap"}
    )
    assert found(world.member, "Quokkacap") == [] and found(world.secretariat, "Quokkacap") == []
    for user in (world.former_official, world.deactivated):
        assert found(user, "Switzerland") == []
    page = client_for(world.observer).get(reverse("search"), {"q": "largest"}).content.decode()
    assert eu_url in page and "Switzerland" not in page


def test_the_what_changed_note_is_not_read_from_an_observers_seat(world, client_for):
    """A drafter's note is free text that may speak of a field kept from observers."""
    version = services.draft_save(
        actor=world.secretariat,
        jurisdiction=world.eu,
        values=EU_VALUES,
        note="Linking: Quokkanote with Switzerland",
    )
    services.draft_submit(actor=world.secretariat, jurisdiction=world.eu)
    services.version_approve(actor=world.focal_point, jurisdiction=world.eu, number=version.number)
    pages = [
        reverse("factsheet_history", kwargs={"code": "eu"}),
        reverse("factsheet_version", kwargs={"code": "eu", "number": version.number}),
    ]
    for url in pages:
        assert "Quokkanote" in client_for(world.member_nz).get(url).content.decode()
        observer = client_for(world.observer).get(url)
        assert observer.status_code == 200 and "Quokkanote" not in observer.content.decode()


def test_a_former_members_factsheet_is_closed_to_everyone(world):
    """The policy says so once: nobody, the Secretariat included, drafts, reads drafts of or
    approves a former member's factsheet."""
    for capability in (Capability.DRAFT_FACTSHEETS, Capability.READ_FACTSHEET_DRAFTS):
        assert can(world.secretariat, capability, world.eu)
        assert not can(world.secretariat, capability, world.former)
    with pytest.raises(PermissionDenied):
        services.draft_save(actor=world.secretariat, jurisdiction=world.former, values=EU_VALUES)
    assert not FactsheetVersion.objects.exists()


def test_save_and_submit_is_both_or_neither(world, eu_approved):
    """An unchanged draft cannot be submitted: the refused submit saves nothing either."""
    before = FactsheetVersion.objects.count()
    with pytest.raises(ValidationError):
        services.draft_save_and_submit(
            actor=world.member, jurisdiction=world.eu, values=eu_approved.values
        )
    assert FactsheetVersion.objects.count() == before


def test_the_emails_go_to_whoever_the_policy_says_approves(world, eu_approved):
    from partnership.factsheets.mail import focal_points
    from workspaces.access import factsheet_approvers

    assert list(focal_points(world.eu)) == [world.focal_point]
    assert not factsheet_approvers(world.former).exists()
    world.focal_point.is_active = False
    world.focal_point.save()
    assert not focal_points(world.eu).exists()
