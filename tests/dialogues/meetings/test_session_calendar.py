"""The .ics file of a dialogue session, read back with the `icalendar` library the way a
calendar client would read it."""

import datetime

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from dialogues.models import DialogueSession
from tests.factories import DialogueSessionFactory

Status = DialogueSession.Status


def make_session(world, workspace, *, title="Design session", status=Status.DRAFT):
    return DialogueSessionFactory(
        workspace=workspace,
        created_by=world.secretariat,
        title=title,
        time_zone="Europe/Berlin",
        agenda=["Benchmarks"],
        status=status,
    )


def fetch(client, session):
    return client.get(
        reverse("session_calendar", kwargs={"slug": session.workspace.slug, "pk": session.pk})
    )


def only_event(response):
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_calendar_parses_with_every_field(world, dialogue, client_for):
    session = make_session(world, dialogue.offsets, status=Status.SCHEDULED)
    response = fetch(client_for(world.member), session)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"
    assert response["Content-Disposition"] == f'attachment; filename="session-{session.pk}.ics"'
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.endswith(b"\r\n")
    assert b"\n" not in response.content.replace(b"\r\n", b"")

    calendar, event = only_event(response)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Enclave//Dialogue sessions//EN"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"

    assert str(event["UID"]) == f"session-{session.pk}@testserver"
    assert str(event["SUMMARY"]) == "Design session"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == int(session.updated_at.timestamp())
    # Times leave the platform in UTC; the reader's calendar shows them in its own zone.
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == session.starts_at and end == session.ends_at
    assert start.utcoffset() == datetime.timedelta(0) and end.utcoffset() == datetime.timedelta(0)
    assert (
        b"DTSTART:" + session.starts_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ").encode()
        in response.content
    )
    stamp = event.decoded("DTSTAMP")
    assert stamp.utcoffset() == datetime.timedelta(0)
    assert abs(timezone.now() - stamp) < datetime.timedelta(minutes=1)

    path = reverse("session_detail", kwargs={"slug": "offsets", "pk": session.pk})
    assert str(event["URL"]).startswith("http") and str(event["URL"]).endswith(path)
    assert str(event["DESCRIPTION"]) == f"Dialogue session in Enclave: {event['URL']}"
    assert "LOCATION" not in event
    # No names leave the platform.
    for user in world.users:
        assert user.email.encode() not in response.content


def test_a_draft_is_tentative(world, dialogue, client_for):
    session = make_session(world, dialogue.offsets)
    _, event = only_event(fetch(client_for(world.secretariat), session))
    assert str(event["STATUS"]) == "TENTATIVE"


@pytest.mark.parametrize(
    "title",
    [
        "Offsets, baselines; and leakage",
        "Line one\nLine two",
        "Back\\slash; comma, colon: done",
        "Zürich – Ḩalab – 東京 – مفاوضات, “quoted” 🙂",
        "A long title " + "é" * 150,
    ],
)
def test_title_round_trips(world, dialogue, client_for, title):
    session = make_session(world, dialogue.offsets, title=title, status=Status.SCHEDULED)
    response = fetch(client_for(world.member), session)
    _, event = only_event(response)
    assert str(event["SUMMARY"]) == title
    # Every line is folded to at most 75 octets, as RFC 5545 asks.
    for line in response.content.split(b"\r\n"):
        assert len(line) <= 75
