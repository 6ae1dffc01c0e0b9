"""The demo world's dialogue sessions: in `offsets` and `linking`, one closed session with
approved minutes and one scheduled for next week. `linking` runs under the Chatham House rule.
`offsets` also has a draft session for full members whose time is being found by a scheduling
poll (slots across the day in Berlin, a few answers already in)."""

from __future__ import annotations

import datetime
import zoneinfo

from django.utils import timezone

from accounts.models import User
from dialogues.attribution import services as attribution_services
from dialogues.chat.services import message_send
from dialogues.meetings import minutes as meeting_minutes
from dialogues.meetings import polls as meeting_polls
from dialogues.meetings import services as meetings
from dialogues.models import DialogueSession, Notification, SessionAttendance
from workspaces.models import AttributionMode, Document, Workspace

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")

# Per workspace: (past session, next session). Agenda items: (title, minutes, presenter,
# document title fragment or None, summary, decisions, actions [(owner, text, due in days)]).
SESSIONS = {
    "offsets": (
        {
            "title": "Session 4: Quality criteria for offset credits",
            "description": "Which criteria should govern the use of offset credits in "
            "compliance markets, and how do jurisdictions check them?",
            "agenda": [
                (
                    "Welcome and adoption of the agenda",
                    10,
                    "secretariat",
                    None,
                    "The Secretariat opened the session; the agenda was adopted as circulated.",
                    "Agenda adopted.",
                    [],
                ),
                (
                    "Additionality tests in practice",
                    40,
                    "california",
                    "Quality",
                    "Participants compared additionality tests. Several jurisdictions rely on "
                    "standardised baselines; one described a project-by-project review with "
                    "third-party verification. There was broad interest in common reporting.",
                    "The Secretariat will compile the tests in use into a comparison table.",
                    [("secretariat", "Compile the additionality tests into a table", 14)],
                ),
                (
                    "Article 6 alignment",
                    30,
                    "eu",
                    None,
                    "Participants discussed corresponding adjustments and their effect on "
                    "offset eligibility. Observers asked about Article 6.4 methodologies.",
                    "Continue at the next session with a short options note.",
                    [("eu", "Circulate a two-page options note on corresponding adjustments", 10)],
                ),
            ],
            "chat": [
                ("secretariat", "Welcome, everyone. We start in two minutes."),
                ("california", "Slides are in the library under Quality criteria."),
                ("korea", "Could we come back to baselines after the break?"),
            ],
            "registered": ["eu", "california", "quebec", "nz", "korea", "chile"],
            "attended": ["secretariat", "eu", "california", "quebec", "korea", "chile"],
            "comment": ("quebec", "correction", "Please note Québec uses standardised baselines."),
        },
        {
            "title": "Session 5: Removals in compliance markets",
            "description": "Permanence, liability and monitoring for engineered and nature-based "
            "removals.",
            "agenda": [
                ("Welcome", 5, "secretariat", None),
                ("Permanence and liability: the Co-Chair draft", 45, "cochair", "Permanence"),
                ("Monitoring periods", 30, "nz", None),
                ("Next steps", 10, "secretariat", None),
            ],
            "registered": ["eu", "nz", "quebec"],
        },
    ),
    "linking": (
        {
            "title": "Linking dialogue: registry interoperability",
            "description": "Technical requirements for connecting registries.",
            "agenda": [
                (
                    "Registry requirements",
                    45,
                    "nz",
                    "Registry",
                    "Participants walked through the registry requirements. One jurisdiction "
                    "raised the sequencing of transaction checks; others supported a shared "
                    "test environment.",
                    "Set up a working group on a shared test environment.",
                    [("nz", "Propose terms of reference for a registry working group", 21)],
                ),
                (
                    "Any other business",
                    15,
                    None,
                    None,
                    "No other business was raised.",
                    "",
                    [],
                ),
            ],
            "chat": [
                ("nz", "The requirements document is in the library."),
                ("korea", "We would join a test environment."),
            ],
            "registered": ["eu", "nz", "korea"],
            "attended": ["secretariat", "eu", "nz", "korea"],
            "comment": ("korea", "comment", "Thank you: the summary reflects our discussion."),
        },
        {
            "title": "Linking dialogue: price alignment",
            "description": "Price floors, ceilings and market stability reserves across linked "
            "markets.",
            "agenda": [
                ("Price floors and ceilings", 40, "eu", None),
                ("Market stability reserves", 40, "korea", None),
            ],
            "registered": ["nz"],
        },
    ),
}


# The draft whose time the roster is asked: full members only, so observers never see it.
POLLED = {
    "workspace": "offsets",
    "title": "Session 6: Benchmarks for free allocation",
    "description": "Product benchmarks, their update cycle and carbon leakage lists.",
    "agenda": [("Benchmark update cycles", 45, "eu", None), ("Leakage lists", 45, "korea", None)],
    # (days ahead, hour in Berlin): morning, afternoon and evening in Berlin, so each slot
    # is night somewhere between Wellington and Sacramento.
    "slots": [(15, 8), (15, 14), (16, 21)],
    # (local part, answers per slot, for the jurisdiction)
    "answers": [
        ("nz", ["yes", "no", "maybe"], True),
        ("eu", ["yes", "yes", "no"], True),
        ("california", ["no", "maybe", "yes"], False),
        ("korea", ["maybe", "yes", "no"], False),
    ],
}


def _polled(officials: dict[str, User]) -> None:
    secretariat = officials["secretariat"]
    workspace = Workspace.objects.get(slug=POLLED["workspace"])
    days, hour = POLLED["slots"][0]
    session = _create(
        workspace,
        POLLED,
        officials,
        secretariat,
        _at(days, hour),
        schedule=False,
        audience="full_members",
    )
    poll = meeting_polls.poll_open(
        actor=secretariat,
        session=session,
        slots=[(_at(day, at).replace(tzinfo=None), 100) for day, at in POLLED["slots"]],
        time_zone="Europe/Berlin",
        closes_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    slots = list(poll.slots.order_by("starts_at"))
    for local, choices, for_jurisdiction in POLLED["answers"]:
        meeting_polls.poll_answer(
            actor=officials[local],
            poll=poll,
            choices={slot.pk: choice for slot, choice in zip(slots, choices, strict=True)},
            for_jurisdiction=for_jurisdiction,
        )


def _document_id(workspace: Workspace, fragment: str | None) -> list[int]:
    if not fragment:
        return []
    document = Document.objects.filter(workspace=workspace, title__icontains=fragment).first()
    return [document.pk] if document else []


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=BERLIN)


def _create(
    workspace, spec, officials, secretariat, starts, *, schedule=True, audience="everyone"
) -> DialogueSession:
    session = meetings.session_create(
        actor=secretariat,
        workspace=workspace,
        title=spec["title"],
        description=spec["description"],
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=sum(i[1] for i in spec["agenda"]) + 10),
        time_zone="Europe/Berlin",
        audience=audience,
    )
    for entry in spec["agenda"]:
        title, minutes, presenter, document = entry[:4]
        meetings.agenda_item_save(
            actor=secretariat,
            session=session,
            title=title,
            duration_minutes=minutes,
            presenter_id=officials[presenter].pk if presenter else None,
            document_ids=_document_id(workspace, document),
        )
    if not schedule:
        return session
    return meetings.session_transition(actor=secretariat, session=session, name="schedule")


def _register(session, spec, officials) -> None:
    for local in spec["registered"]:
        person = officials[local]
        meetings.registration_set(actor=person, session=session, user=person, attending=True)


def _past(workspace, spec, officials) -> None:
    secretariat, cochair = officials["secretariat"], officials["cochair"]
    starts = _at(-18, 14)
    session = _create(workspace, spec, officials, secretariat, starts)
    _register(session, spec, officials)
    session = meetings.session_transition(actor=secretariat, session=session, name="start")
    for local in spec["attended"]:
        SessionAttendance.objects.get_or_create(
            session=session,
            user=officials[local],
            defaults={"jurisdiction_id": officials[local].jurisdiction_id, "joined_at": starts},
        )
    for index, (local, body) in enumerate(spec["chat"]):
        message_send(
            actor=officials[local],
            room=session.room,
            body=body,
            client_id=f"demo-session-{session.pk}-{index}",
        )
    session = meetings.session_transition(actor=secretariat, session=session, name="end")
    for item, entry in zip(session.agenda.all(), spec["agenda"], strict=True):
        summary, decisions, actions = entry[4:]
        meeting_minutes.minutes_save(
            actor=secretariat, session=session, item=item, summary=summary, decisions=decisions
        )
        for owner, text, due in actions:
            meeting_minutes.action_add(
                actor=secretariat,
                session=session,
                item=item,
                description=text,
                owner_id=officials[owner].pk,
                due_date=timezone.localdate() + datetime.timedelta(days=due),
            )
    meeting_minutes.minutes_share(actor=secretariat, session=session)
    local, kind, body = spec["comment"]
    meeting_minutes.minutes_comment_add(
        actor=officials[local], session=session, body=body, kind=kind
    )
    meetings.session_transition(actor=cochair, session=session, name="approve")
    # Place the record in the past, as if it had happened then.
    ends = starts + (session.ends_at - session.starts_at)
    DialogueSession.objects.filter(pk=session.pk).update(
        starts_at=starts,
        ends_at=ends,
        started_at=starts,
        ended_at=ends,
        review_opened_at=ends + datetime.timedelta(days=1),
        approved_at=ends + datetime.timedelta(days=8),
    )


def seed_sessions(officials: dict[str, User]) -> None:
    """Create each workspace's demo sessions once; `linking` runs under the Chatham House rule."""
    linking = Workspace.objects.get(slug="linking")
    if linking.attribution == AttributionMode.NAMED:
        attribution_services.attribution_set(
            actor=officials["secretariat"], workspace=linking, mode=AttributionMode.CHATHAM_HOUSE
        )
    for slug, (past, upcoming) in SESSIONS.items():
        workspace = Workspace.objects.get(slug=slug)
        if DialogueSession.objects.filter(workspace=workspace).exists():
            continue
        _past(workspace, past, officials)
        session = _create(workspace, upcoming, officials, officials["secretariat"], _at(7, 14))
        _register(session, upcoming, officials)
        if slug == POLLED["workspace"]:
            _polled(officials)
    # The bell shows the sessions; nobody is emailed about the demo's past.
    now = timezone.now()
    Notification.objects.filter(emailed_at__isnull=True).update(emailed_at=now, digested_at=now)
