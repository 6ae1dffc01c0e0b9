"""An official's calendar feed, read back with `icalendar` the way a calendar app reads it: what
it lists for whom (and never), its link's life, updates and cancellations, its rate limit and
its audit."""

import datetime

import icalendar
import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import feed_tokens
from accounts.models import AuditEvent, CalendarFeedToken, Jurisdiction
from dialogues.meetings import polls as poll_services
from dialogues.meetings import services as meetings
from dialogues.models import DialogueSession
from tests.factories import DialogueSessionFactory
from workspaces.models import Audience
from workspaces.undertakings import undertaking_set

Status = DialogueSession.Status
READ = AuditEvent.Action.CALENDAR_FEED_READ


def make_session(world, workspace, *, title="Design session", status=Status.SCHEDULED, **extra):
    return DialogueSessionFactory(
        workspace=workspace,
        created_by=world.secretariat,
        title=title,
        time_zone="Pacific/Auckland",
        status=status,
        **extra,
    )


def feed_path(token):
    return reverse("calendar_feed", kwargs={"token": token})


def fetch(token, **extra):
    """A calendar app: no cookies, no session, only the link."""
    return Client().get(feed_path(token), **extra)


def events(response):
    assert response.status_code == 200, response.status_code
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(session):
    return f"session-{session.pk}@testserver"


def backdate(session, **delta):
    """As if the session was last changed a while ago (an edit a second later is a new SEQUENCE)."""
    DialogueSession.objects.filter(pk=session.pk).update(
        updated_at=timezone.now() - datetime.timedelta(**delta)
    )
    session.refresh_from_db()


@pytest.fixture
def excerpts(dialogue):
    """Titles may leave the platform from `offsets` and `closed`."""
    for workspace in (dialogue.offsets, dialogue.closed):
        workspace.email_excerpts = True
        workspace.save(update_fields=["email_excerpts"])
    return dialogue


def test_feed_parses_with_every_field_and_no_more(world, excerpts):
    dialogue = excerpts
    session = make_session(world, dialogue.offsets)
    token = feed_tokens.feed_token_reset(actor=world.member)
    response = fetch(token)

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    # No session is needed, and none is started.
    assert not response.cookies
    assert response.content.endswith(b"\r\n")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "REFRESH-INTERVAL" in calendar

    event = events(response)[uid(session)]
    assert str(event["SUMMARY"]) == "Design session"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == int(session.updated_at.timestamp())
    start = event.decoded("DTSTART")
    assert start == session.starts_at and start.utcoffset() == datetime.timedelta(0)
    assert event.decoded("DTEND") == session.ends_at
    path = reverse("session_detail", kwargs={"slug": "offsets", "pk": session.pk})
    assert str(event["URL"]) == f"http://testserver{path}"
    assert str(event["DESCRIPTION"]) == f"Dialogue: Offsets and removals\n{event['URL']}"
    # Title, time, dialogue name and a link: nothing else.
    assert set(event) == {
        "UID",
        "DTSTAMP",
        "SEQUENCE",
        "DTSTART",
        "DTEND",
        "SUMMARY",
        "DESCRIPTION",
        "URL",
        "STATUS",
        "TRANSP",
    }
    for user in world.users:
        assert user.email.encode() not in response.content


def test_titles_leave_only_where_excerpts_are_allowed(world, dialogue):
    session = make_session(world, dialogue.offsets, title="Our fallback position")
    response = fetch(feed_tokens.feed_token_reset(actor=world.member))
    event = events(response)[uid(session)]
    assert str(event["SUMMARY"]) == "Dialogue session"
    assert b"fallback" not in response.content
    assert "Offsets and removals" in str(event["DESCRIPTION"])


def test_observer_never_gets_a_full_members_only_session(world, excerpts):
    dialogue = excerpts
    everyone = make_session(world, dialogue.offsets, title="Open session")
    members = make_session(
        world, dialogue.offsets, title="Members-only strategy", audience=Audience.FULL_MEMBERS
    )
    as_member = events(fetch(feed_tokens.feed_token_reset(actor=world.member)))
    assert {uid(everyone), uid(members)} <= set(as_member)

    response = fetch(feed_tokens.feed_token_reset(actor=world.observer))
    as_observer = events(response)
    assert uid(everyone) in as_observer
    assert uid(members) not in as_observer
    assert b"Members-only" not in response.content


def test_off_the_roster_and_drafts_are_not_listed(world, excerpts):
    dialogue = excerpts
    offsets = make_session(world, dialogue.offsets, title="Offsets session")
    closed = make_session(world, dialogue.closed, title="Linking session")
    draft = make_session(world, dialogue.offsets, title="Draft plans", status=Status.DRAFT)

    as_kiwi = events(fetch(feed_tokens.feed_token_reset(actor=world.member_nz)))
    assert uid(closed) in as_kiwi
    assert uid(offsets) not in as_kiwi
    # Chile is on closed's roster, but its observer policy closes it to observers.
    as_observer = events(fetch(feed_tokens.feed_token_reset(actor=world.observer)))
    assert uid(closed) not in as_observer
    # A draft is in no one's feed, not even for those who run sessions.
    for user in (world.member, world.secretariat):
        assert uid(draft) not in events(fetch(feed_tokens.feed_token_reset(actor=user)))


def test_a_pending_undertaking_hides_the_dialogue(world, excerpts):
    dialogue = excerpts
    session = make_session(world, dialogue.offsets, title="Under undertaking")
    token = feed_tokens.feed_token_reset(actor=world.member)
    assert uid(session) in events(fetch(token))

    undertaking_set(actor=world.secretariat, workspace=dialogue.offsets, text="Keep it inside.")
    response = fetch(token)
    assert uid(session) not in events(response)
    assert b"Under undertaking" not in response.content


def test_the_window_leaves_out_old_sessions(world, dialogue):
    session = make_session(world, dialogue.offsets)
    token = feed_tokens.feed_token_reset(actor=world.member)
    assert uid(session) in events(fetch(token))
    long_ago = timezone.now() - datetime.timedelta(days=200)
    DialogueSession.objects.filter(pk=session.pk).update(
        starts_at=long_ago, ends_at=long_ago + datetime.timedelta(hours=1)
    )
    assert uid(session) not in events(fetch(token))


def _suspend(world):
    world.member.suspended_at = timezone.now()
    world.member.save(update_fields=["suspended_at"])


def _deactivate(world):
    world.member.is_active = False
    world.member.save(update_fields=["is_active"])


def _former(world):
    Jurisdiction.objects.filter(pk=world.eu.pk).update(status=Jurisdiction.Status.FORMER)


def _review_lapsed(world):
    world.member.access_review_on = timezone.localdate() - datetime.timedelta(days=1)
    world.member.save(update_fields=["access_review_on"])


@pytest.mark.parametrize("lose", [_suspend, _deactivate, _former, _review_lapsed])
def test_without_standing_the_link_answers_like_an_unknown_one(world, dialogue, lose):
    make_session(world, dialogue.offsets)
    token = feed_tokens.feed_token_reset(actor=world.member)
    assert fetch(token).status_code == 200

    lose(world)
    refused, unknown = fetch(token), fetch("x" * 43)
    assert refused.status_code == unknown.status_code == 404
    assert refused.content == unknown.content
    assert refused["Content-Type"] == unknown["Content-Type"] == "text/plain; charset=utf-8"
    assert not refused.cookies and not unknown.cookies


def test_a_missing_second_factor_closes_the_feed(world, dialogue):
    make_session(world, dialogue.offsets)
    token = feed_tokens.feed_token_reset(actor=world.secretariat)
    assert fetch(token).status_code == 200
    Authenticator.objects.filter(user=world.secretariat).delete()
    assert fetch(token).status_code == 404


def test_resetting_kills_the_old_link_at_once(world, dialogue, client_for):
    make_session(world, dialogue.offsets)
    client = client_for(world.member)
    reset = reverse("calendar_feed_reset")

    # The profile offers a link, then shows it in full.
    page = client.get(reverse("profile"))
    assert b"Create my calendar link" in page.content
    client.post(reset)
    first = feed_tokens.feed_token_of(world.member)
    page = client.get(reverse("profile"))
    assert f"http://testserver{feed_path(first)}".encode() in page.content
    assert fetch(first).status_code == 200

    response = client.post(reset)
    assert response.status_code == 302 and response.url == reverse("profile")
    second = feed_tokens.feed_token_of(world.member)
    assert second != first
    assert fetch(first).status_code == 404
    assert fetch(second).status_code == 200
    page = client.get(reverse("profile"))
    assert feed_path(second).encode() in page.content
    assert feed_path(first).encode() not in page.content

    resets = AuditEvent.objects.filter(
        action=AuditEvent.Action.CALENDAR_FEED_RESET, actor=world.member
    )
    assert [e.detail["replaced"] for e in resets.order_by("created_at", "id")] == [False, True]


def test_only_a_hash_of_the_token_is_stored(world):
    token = feed_tokens.feed_token_reset(actor=world.member)
    assert len(token) >= 43
    record = CalendarFeedToken.objects.get(user=world.member)
    stored = f"{record.nonce} {record.digest}"
    assert token not in stored
    assert record.digest == feed_tokens.token_digest(token)


def test_a_rotated_secret_key_keeps_the_link_but_cannot_show_it(world, settings, client_for):
    token = feed_tokens.feed_token_reset(actor=world.member)
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert fetch(token).status_code == 200
    assert feed_tokens.feed_token_of(world.member) is None
    page = client_for(world.member).get(reverse("profile"))
    assert b"Reset it to get a new one" in page.content


def test_a_rescheduled_session_keeps_its_uid_and_bumps_its_sequence(world, excerpts):
    dialogue = excerpts
    session = make_session(world, dialogue.offsets, title="Benchmarks")
    backdate(session, hours=1)
    token = feed_tokens.feed_token_reset(actor=world.member)
    before = events(fetch(token))[uid(session)]

    later = session.starts_at + datetime.timedelta(days=2)
    meetings.session_update(
        actor=world.secretariat,
        session=session,
        title="Benchmarks, revised",
        starts_at=later,
        ends_at=later + datetime.timedelta(hours=2),
        time_zone=session.time_zone,
    )
    after = events(fetch(token))[uid(session)]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == later
    assert str(after["SUMMARY"]) == "Benchmarks, revised"


def test_a_cancelled_session_stays_as_cancelled_until_edited_again(world, excerpts):
    dialogue = excerpts
    session = make_session(world, dialogue.offsets, title="Called off")
    never = make_session(world, dialogue.offsets, title="Never published", status=Status.DRAFT)
    backdate(session, hours=1)
    token = feed_tokens.feed_token_reset(actor=world.member)
    published = events(fetch(token))[uid(session)]

    meetings.session_transition(actor=world.secretariat, session=session, name="unschedule")
    listed = events(fetch(token))
    cancelled = listed[uid(session)]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(published["SEQUENCE"])
    assert cancelled.decoded("DTSTART") == published.decoded("DTSTART")
    assert str(cancelled["SUMMARY"]) == "Called off"
    assert uid(never) not in listed  # a draft that never left is no cancellation
    # A scheduling poll opened to find a new time is no new step: still cancelled.
    poll_services.poll_open(
        actor=world.secretariat,
        session=session,
        slots=[(datetime.datetime(timezone.now().year + 2, 3, 3, 10), 60)],
        time_zone="Europe/Brussels",
        closes_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    assert str(events(fetch(token))[uid(session)]["STATUS"]) == "CANCELLED"

    # Reworked as a draft, it is no longer what was published: it leaves the feed.
    backdate(session, hours=1)
    session.refresh_from_db()
    meetings.session_update(
        actor=world.secretariat,
        session=session,
        title="Secret new plan",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        time_zone=session.time_zone,
    )
    response = fetch(token)
    assert uid(session) not in events(response)
    assert b"Secret new plan" not in response.content


def test_a_cancelled_session_follows_the_audience(world, excerpts):
    dialogue = excerpts
    session = make_session(
        world, dialogue.offsets, title="Members called off", audience=Audience.FULL_MEMBERS
    )
    meetings.session_transition(actor=world.secretariat, session=session, name="unschedule")
    assert (
        str(events(fetch(feed_tokens.feed_token_reset(actor=world.member)))[uid(session)]["STATUS"])
        == "CANCELLED"
    )
    response = fetch(feed_tokens.feed_token_reset(actor=world.observer))
    assert uid(session) not in events(response)
    assert b"Members called off" not in response.content


def test_fetches_are_rate_limited_per_token(world, dialogue, settings):
    settings.ENCLAVE_CALENDAR_FEED_RATE_BURST = 3
    settings.ENCLAVE_CALENDAR_FEED_RATE_WINDOW = 600
    token = feed_tokens.feed_token_reset(actor=world.member)
    other = feed_tokens.feed_token_reset(actor=world.member_nz)
    assert [fetch(token).status_code for _ in range(3)] == [200, 200, 200]
    limited = fetch(token)
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 601
    assert fetch(other).status_code == 200
    # Unknown tokens are limited the same way: the 429 says nothing about a token.
    assert [fetch("y" * 43).status_code for _ in range(4)] == [404, 404, 404, 429]


def test_fetches_are_audited_as_a_kind_not_one_by_one(world, dialogue, settings):
    settings.ENCLAVE_CALENDAR_FEED_AUDIT_EVERY = 5
    token = feed_tokens.feed_token_reset(actor=world.member)
    records = AuditEvent.objects.filter(action=READ, actor=world.member)

    fetch(token, REMOTE_ADDR="198.51.100.7")  # first fetch: a new address
    assert records.count() == 1
    for _ in range(4):
        fetch(token, REMOTE_ADDR="198.51.100.7")
    assert records.count() == 1
    fetch(token, REMOTE_ADDR="198.51.100.7")  # the fifth since the last record
    assert records.count() == 2
    assert records.order_by("-created_at", "-id").first().detail == {
        "fetches": 5,
        "new_address": False,
    }
    fetch(token, REMOTE_ADDR="203.0.113.50")  # a new address: recorded at once
    assert records.count() == 3
    newest = records.order_by("-created_at", "-id").first()
    assert newest.ip_address == "203.0.113.50" and newest.detail["new_address"] is True
    # Refused fetches record nothing.
    fetch("z" * 43)
    assert AuditEvent.objects.filter(action=READ).count() == 3


def test_the_reset_door_needs_a_signed_in_official(world, client):
    response = client.post(reverse("calendar_feed_reset"))
    assert response.status_code == 302 and "login" in response.url
    assert not CalendarFeedToken.objects.exists()


def test_cancelled_sessions_are_read_in_the_same_queries_however_many(world, excerpts):
    """The feed reads the last step of every withdrawn session at once, not one by one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dialogues.meetings.feeds import feed_entries

    def withdraw(title):
        session = make_session(world, excerpts.offsets, title=title)
        meetings.session_transition(actor=world.secretariat, session=session, name="unschedule")

    withdraw("Called off 1")
    with CaptureQueriesContext(connection) as one:
        assert len([e for e in feed_entries(user=world.member) if e.cancelled]) == 1
    for n in range(2, 6):
        withdraw(f"Called off {n}")
    with CaptureQueriesContext(connection) as five:
        assert len([e for e in feed_entries(user=world.member) if e.cancelled]) == 5
    # The policy is asked once per withdrawn session (as it was published); nothing else grows.
    policy_per_session = (len(five) - len(one)) / 4
    assert policy_per_session <= len(one), (len(one), len(five))
    audit_reads = [q for q in five.captured_queries if "accounts_auditevent" in q["sql"]]
    assert len(audit_reads) == 1
