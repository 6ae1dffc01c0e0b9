"""Forms that guide: every form of a dialogue's threads, sessions, minutes and documents,
posted empty, comes back with each error beside its field in the page's own style: a
list with the id "<field id>_error", named by the control's aria-describedby (its fieldset's,
for a group of radios or boxes), the control marked aria-invalid. Each field has a visible
label, and the review comment's type has a default."""

import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from dialogues.meetings import minutes as meeting_minutes
from dialogues.meetings import services as meetings
from dialogues.meetings.forms import MinutesCommentForm
from dialogues.models import MinutesComment
from tests.factories import DocumentFactory


class Elements(HTMLParser):
    """Every element's tag and attributes, in document order, and each label's `for`."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def with_id(self, element_id: str) -> list[tuple[str, dict]]:
        return [(t, a) for t, a in self.elements if a.get("id") == element_id]

    def controls(self, name: str) -> list[dict]:
        return [
            a
            for t, a in self.elements
            if t in ("input", "select", "textarea") and a.get("name") == name
        ]

    def described_by(self, element_id: str) -> list[tuple[str, dict]]:
        return [
            (t, a) for t, a in self.elements if element_id in a.get("aria-describedby", "").split()
        ]

    def labels_for(self, element_id: str) -> list[dict]:
        return [a for t, a in self.elements if t == "label" and a.get("for") == element_id]


def session_in_review(world, workspace):
    start = timezone.now() - datetime.timedelta(hours=3)
    session = meetings.session_create(
        actor=world.secretariat,
        workspace=workspace,
        title="Benchmarks session",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        time_zone="Europe/Berlin",
    )
    meetings.agenda_item_save(
        actor=world.secretariat, session=session, title="Benchmarks", duration_minutes=30
    )
    for step in ("schedule", "start", "end"):
        session = meetings.session_transition(actor=world.secretariat, session=session, name=step)
    return session


def share(world, session):
    meeting_minutes.minutes_save(
        actor=world.secretariat,
        session=session,
        item=session.agenda.first(),
        summary="Participants compared benchmarks.",
        decisions="",
    )
    meeting_minutes.minutes_share(actor=world.secretariat, session=session)


# name -> (who posts, how the URL is made from the world and dialogue, the POST, the fields
# that must show an error). Each builder may prepare what the form needs.
def _thread_create(world, dialogue):
    return reverse("thread_create", kwargs={"slug": "offsets"})


def _thread_reply(world, dialogue):
    return reverse("thread_reply", kwargs={"slug": "offsets", "pk": dialogue.public_thread.pk})


def _post_edit(world, dialogue):
    return reverse("post_edit", kwargs={"pk": dialogue.opening.pk})


def _session_create(world, dialogue):
    return reverse("session_create", kwargs={"slug": "offsets"})


def _session_edit(world, dialogue):
    start = timezone.now() + datetime.timedelta(days=3)
    session = meetings.session_create(
        actor=world.secretariat,
        workspace=dialogue.offsets,
        title="Draft",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        time_zone="Europe/Berlin",
    )
    return reverse("session_edit", kwargs={"slug": "offsets", "pk": session.pk})


def _agenda_item(world, dialogue):
    url = _session_edit(world, dialogue)
    pk = int(url.rstrip("/").split("/")[-2])
    return reverse("agenda_item_create", kwargs={"slug": "offsets", "pk": pk})


def _action_create(world, dialogue):
    session = session_in_review(world, dialogue.offsets)
    item = session.agenda.first()
    return reverse("action_create", kwargs={"slug": "offsets", "pk": session.pk, "item": item.pk})


def _minutes_comment(world, dialogue):
    session = session_in_review(world, dialogue.offsets)
    share(world, session)
    return reverse("minutes_comment", kwargs={"slug": "offsets", "pk": session.pk})


def _minutes_share(world, dialogue):
    session = session_in_review(world, dialogue.offsets)
    meeting_minutes.minutes_save(
        actor=world.secretariat,
        session=session,
        item=session.agenda.first(),
        summary="Written.",
        decisions="",
    )
    return reverse("minutes_share", kwargs={"slug": "offsets", "pk": session.pk})


def _document_upload(world, dialogue):
    return reverse("document_upload", kwargs={"slug": "offsets"})


def _document_version(world, dialogue):
    document = DocumentFactory(workspace=dialogue.offsets, uploaded_by=world.member)
    return reverse("document_add_version", kwargs={"slug": "offsets", "pk": document.pk})


def _document_delete(world, dialogue):
    document = DocumentFactory(workspace=dialogue.offsets, uploaded_by=world.member)
    return reverse("document_delete", kwargs={"slug": "offsets", "pk": document.pk})


YESTERDAY = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
FORMS = {
    "thread": ("member", _thread_create, {}, ["title", "body"]),
    "reply": ("member", _thread_reply, {}, ["body"]),
    "post edit": ("member", _post_edit, {}, ["body"]),
    "session": ("secretariat", _session_create, {}, ["title", "starts", "ends", "audience"]),
    "session edit": ("secretariat", _session_edit, {}, ["title", "starts", "ends"]),
    "agenda item": ("secretariat", _agenda_item, {}, ["title", "duration_minutes"]),
    "action": ("secretariat", _action_create, {}, ["description", "owner", "due_date"]),
    "minutes comment": ("member", _minutes_comment, {}, ["kind", "body"]),
    "minutes share": ("secretariat", _minutes_share, {"review_until": YESTERDAY}, ["review_until"]),
    "document upload": ("member", _document_upload, {}, ["file", "audience", "marking"]),
    "document version": ("member", _document_version, {}, ["file"]),
    "document delete": ("member", _document_delete, {}, ["reason"]),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_an_empty_form_shows_each_error_beside_its_field(world, dialogue, client_for, form):
    who, url_of, data, fields = FORMS[form]
    url = url_of(world, dialogue)
    # As a browser posts a form left empty: every field, with nothing in it.
    response = client_for(getattr(world, who)).post(url, {**dict.fromkeys(fields, ""), **data})
    assert response.status_code in (200, 400), (form, response.status_code)  # not a redirect
    page = Elements(response.content.decode())
    for field in fields:
        error_id = f"id_{field}_error"
        assert page.with_id(error_id), f"{form}: no error list for {field}"
        assert page.described_by(error_id), f"{form}: nothing points at {error_id}"
        controls = page.controls(field)
        assert controls and all(c.get("aria-invalid") == "true" for c in controls), (form, field)
        labelled = any(page.labels_for(c.get("id", "")) for c in controls)
        in_fieldset = any(t == "fieldset" for t, _ in page.described_by(error_id))
        assert labelled or in_fieldset, f"{form}: {field} has no visible label"


def test_the_review_comment_names_its_type_and_defaults_to_a_comment():
    form = MinutesCommentForm()
    assert str(form["kind"].label) == "Type of comment"
    assert form["kind"].value() == MinutesComment.Kind.COMMENT
    radios = Elements(str(form["kind"])).controls("kind")
    assert [r["value"] for r in radios if "checked" in r] == [MinutesComment.Kind.COMMENT]
