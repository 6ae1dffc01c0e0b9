"""Scheduling polls: who sees and answers them, answering for a jurisdiction, the organiser's
grid and ranking, picking a slot (the session is scheduled, the roster told), daylight-saving
changes, the answers-visibility setting, and refusals that change nothing."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from dialogues.meetings import polls as poll_services
from dialogues.meetings import polls_selectors as selectors
from dialogues.meetings import services as meetings
from dialogues.models import DialogueSession, Notification, PollAnswer, PollSlot, SchedulingPoll
from workspaces.access import Capability, can, visible

YEAR = timezone.now().year + 1
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
Visibility = SchedulingPoll.AnswersVisibility


def last_sunday(year: int, month: int) -> datetime.date:
    day = datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


def first_sunday(year: int, month: int) -> datetime.date:
    day = datetime.date(year, month, 1)
    return day + datetime.timedelta(days=(6 - day.weekday()) % 7)


EU_SPRING = last_sunday(YEAR, 3)  # Brussels: 02:00 CET -> 03:00 CEST
NZ_AUTUMN = first_sunday(YEAR, 4)  # Auckland: 03:00 NZDT -> 02:00 NZST
CLOSES_ON = datetime.date(YEAR, 1, 15)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute))


def draft(world, dialogue, *, audience="everyone", agenda=True):
    start = timezone.now() + datetime.timedelta(days=400)
    session = meetings.session_create(
        actor=world.secretariat,
        workspace=dialogue.offsets,
        title="Linking design session",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        time_zone="Europe/Brussels",
        audience=audience,
    )
    if agenda:
        meetings.agenda_item_save(
            actor=world.secretariat, session=session, title="Benchmarks", duration_minutes=30
        )
    return session


def open_poll(world, session, slots, *, visible_to=Visibility.ROSTER, minutes=120):
    return poll_services.poll_open(
        actor=world.secretariat,
        session=session,
        slots=[(start, minutes) for start in slots],
        time_zone="Europe/Brussels",
        closes_on=CLOSES_ON,
        answers_visible_to=visible_to,
    )


SLOTS = [
    at(EU_SPRING - datetime.timedelta(days=2), 9),
    at(EU_SPRING + datetime.timedelta(days=1), 9),
]


def slots_of(poll):
    return list(poll.slots.order_by("starts_at"))


# ------------------------------------------------------------------------------
# The policy
# ------------------------------------------------------------------------------


def test_the_roster_sees_a_draft_sessions_poll_but_not_the_draft(world, dialogue):
    session = draft(world, dialogue)
    poll = open_poll(world, session, SLOTS)
    for user in (world.member, world.focal_point, world.observer, world.secretariat):
        assert poll in visible(user, SchedulingPoll), user
        assert can(user, Capability.VIEW, poll), user
    assert not can(world.member, Capability.VIEW, session)
    assert session not in visible(world.member, DialogueSession)
    # Off the roster: nothing.
    assert poll not in visible(world.member_nz, SchedulingPoll)
    assert not can(world.member_nz, Capability.VIEW, poll)
    assert not can(world.member_nz, Capability.VIEW, slots_of(poll)[0])


def test_observers_never_see_a_full_members_only_poll(world, dialogue, client_for):
    session = draft(world, dialogue, audience="full_members")
    poll = open_poll(world, session, SLOTS)
    assert poll not in visible(world.observer, SchedulingPoll)
    assert not can(world.observer, Capability.VIEW, poll)
    assert not visible(world.observer, PollSlot).filter(poll=poll).exists()
    with pytest.raises(PermissionDenied):
        poll_services.poll_answer(
            actor=world.observer, poll=poll, choices={slots_of(poll)[0].pk: "yes"}
        )
    url = reverse("poll_detail", kwargs={"slug": "offsets", "session": session.pk})
    assert client_for(world.observer).get(url).status_code == 404
    assert client_for(world.member_nz).get(url).status_code == 404
    assert client_for(world.member).get(url).status_code == 200
    assert poll in visible(world.member, SchedulingPoll)


def test_can_and_visible_agree_on_polls_slots_and_answers(world, dialogue):
    everyone = open_poll(world, draft(world, dialogue), SLOTS)
    members = open_poll(
        world,
        draft(world, dialogue, audience="full_members"),
        SLOTS,
        visible_to=Visibility.ORGANISERS,
    )
    for poll in (everyone, members):
        for user in (world.member, world.focal_point):
            poll_services.poll_answer(
                actor=user, poll=poll, choices={s.pk: "yes" for s in slots_of(poll)}
            )
    for user in world.users:
        for model in (SchedulingPoll, PollSlot, PollAnswer):
            shown = set(visible(user, model).values_list("pk", flat=True))
            for obj in model.objects.all():
                assert (obj.pk in shown) is can(user, Capability.VIEW, obj), (user, obj)


def test_only_organisers_open_pick_or_close(world, dialogue):
    session = draft(world, dialogue)
    with pytest.raises(PermissionDenied):
        poll_services.poll_open(
            actor=world.member,
            session=session,
            slots=[(SLOTS[0], 60)],
            time_zone="Europe/Brussels",
            closes_on=CLOSES_ON,
        )
    poll = open_poll(world, session, SLOTS)
    with pytest.raises(PermissionDenied):
        poll_services.poll_pick(actor=world.member, poll=poll, slot_id=slots_of(poll)[0].pk)
    with pytest.raises(PermissionDenied):
        poll_services.poll_close(actor=world.focal_point, poll=poll)
    with pytest.raises(PermissionDenied):
        selectors.grid_page(user=world.member, poll=poll)


# ------------------------------------------------------------------------------
# Answering, for oneself and for a jurisdiction
# ------------------------------------------------------------------------------


def test_a_focal_point_answers_for_the_jurisdiction(world, dialogue):
    poll = open_poll(world, draft(world, dialogue), SLOTS)
    first, second = slots_of(poll)
    poll_services.poll_answer(actor=world.member, poll=poll, choices={first.pk: "yes"})
    poll_services.poll_answer(
        actor=world.focal_point,
        poll=poll,
        choices={first.pk: "no", second.pk: "maybe"},
        for_jurisdiction=True,
    )
    answer = PollAnswer.objects.get(user=world.focal_point, slot=first)
    assert answer.for_jurisdiction and answer.jurisdiction == world.eu
    grid = selectors.grid_page(user=world.secretariat, poll=poll)
    eu = next(r for r in grid.jurisdictions if r.jurisdiction == world.eu)
    # The focal point's answer stands for the European Union, over a colleague's own.
    assert [(c.choice, c.for_jurisdiction) for c in eu.cells] == [("no", True), ("maybe", True)]
    member_row = next(p for p in eu.people if p.person == world.member)
    assert [c.choice for c in member_row.cells] == ["yes", ""]


def test_only_a_focal_point_answers_for_a_jurisdiction(world, dialogue):
    poll = open_poll(world, draft(world, dialogue), SLOTS)
    with pytest.raises(PermissionDenied):
        poll_services.poll_answer(
            actor=world.member,
            poll=poll,
            choices={slots_of(poll)[0].pk: "yes"},
            for_jurisdiction=True,
        )
    assert not PollAnswer.objects.exists()


def test_without_a_focal_answer_the_best_answer_of_a_jurisdiction_counts(world, dialogue):
    poll = open_poll(world, draft(world, dialogue), SLOTS)
    first, _second = slots_of(poll)
    poll_services.poll_answer(actor=world.member, poll=poll, choices={first.pk: "no"})
    poll_services.poll_answer(actor=world.focal_point, poll=poll, choices={first.pk: "maybe"})
    grid = selectors.grid_page(user=world.secretariat, poll=poll)
    eu = next(r for r in grid.jurisdictions if r.jurisdiction == world.eu)
    assert eu.cells[0].choice == "maybe" and not eu.cells[0].for_jurisdiction


# ------------------------------------------------------------------------------
# Ranking
# ------------------------------------------------------------------------------


def test_ranking_counts_full_members_first_then_fewest_night_hours(world, dialogue):
    world.observer.timezone = "America/Santiago"
    world.observer.save()
    day = datetime.date(YEAR, 6, 15)
    observers_slot, members_slot, night_slot = at(day, 6), at(day, 12), at(day, 23)
    poll = open_poll(world, draft(world, dialogue), [observers_slot, members_slot, night_slot])
    early, noon, late = slots_of(poll)
    # Chile (an observer) can only at 06:00; the EU at noon or at 23:00 Brussels time.
    poll_services.poll_answer(actor=world.observer, poll=poll, choices={early.pk: "yes"})
    poll_services.poll_answer(
        actor=world.member, poll=poll, choices={noon.pk: "maybe", late.pk: "yes"}
    )
    ranking = selectors.grid_page(user=world.secretariat, poll=poll).ranking
    # Noon and 23:00 both cover the EU (a full member); noon has fewer night hours (Chile's
    # 06:00 is night, 23:00 Brussels is night in Brussels). Chile alone comes last.
    assert [r.slot for r in ranking] == [noon, late, early]
    assert ranking[0].full_members_covered == 1 and ranking[2].others_covered == 1
    assert ranking[0].night_minutes < ranking[1].night_minutes


def test_the_grid_takes_each_jurisdictions_most_used_zone(world, dialogue):
    from tests.factories import UserFactory

    for _n in range(2):
        UserFactory(jurisdiction=world.eu, timezone="Europe/Lisbon")
    world.member.timezone = world.focal_point.timezone = "Europe/Brussels"
    world.member.save()
    world.focal_point.save()
    UserFactory(jurisdiction=world.eu, timezone="Europe/Lisbon")
    assert selectors.jurisdiction_zones([world.eu.pk])[world.eu.pk] == "Europe/Lisbon"


def test_the_grid_reads_in_few_queries(world, dialogue, django_assert_max_num_queries):
    from tests.factories import UserFactory

    many = [at(datetime.date(YEAR, 6, d), 9) for d in range(1, 11)]
    poll = open_poll(world, draft(world, dialogue), many)
    for _n in range(5):
        UserFactory(jurisdiction=world.eu)
    with django_assert_max_num_queries(20):
        page = selectors.grid_page(user=world.secretariat, poll=poll)
    assert len(page.ranking) == 10


# ------------------------------------------------------------------------------
# Asking the roster
# ------------------------------------------------------------------------------


def test_opening_a_poll_asks_everyone_it_is_for(world, dialogue, client_for):
    session = draft(world, dialogue, audience="full_members")
    poll = open_poll(world, session, SLOTS)
    asked = Notification.objects.filter(poll=poll, kind=Notification.Kind.POLL_OPENED)
    recipients = set(asked.values_list("recipient_id", flat=True))
    assert {world.member.pk, world.focal_point.pk} <= recipients
    # Not the organiser, not an observer of a full-members-only session, nobody off the roster.
    assert recipients.isdisjoint({world.secretariat.pk, world.observer.pk, world.member_nz.pk})
    notice = asked.get(recipient=world.member)
    page = client_for(world.member).get(reverse("notifications"))
    assert session.title in page.content.decode()
    opened = client_for(world.member).get(reverse("notification_open", kwargs={"pk": notice.pk}))
    assert opened.status_code == 302
    assert opened.url == reverse("poll_detail", kwargs={"slug": "offsets", "session": session.pk})


def test_a_poll_notice_disappears_with_the_readers_access(world, dialogue, client_for):
    from dialogues.notifications.selectors import unread_notification_count, visible_notifications

    poll = open_poll(world, draft(world, dialogue), SLOTS)
    assert visible_notifications(user=world.member).filter(poll=poll).exists()
    before = unread_notification_count(user=world.member)
    assert before >= 1
    # The session becomes full-members-only: the observer's notice goes with their access.
    assert visible_notifications(user=world.observer).filter(poll=poll).exists()
    DialogueSession.objects.filter(pk=poll.session_id).update(audience="full_members")
    assert not visible_notifications(user=world.observer).filter(poll=poll).exists()
    assert unread_notification_count(user=world.observer) == (
        visible_notifications(user=world.observer).filter(read_at__isnull=True).count()
    )


# ------------------------------------------------------------------------------
# Picking a slot
# ------------------------------------------------------------------------------


def test_picking_a_slot_schedules_the_session_and_tells_the_roster(world, dialogue):
    session = draft(world, dialogue)
    poll = open_poll(world, session, SLOTS)
    chosen = slots_of(poll)[1]
    poll_services.poll_pick(actor=world.secretariat, poll=poll, slot_id=chosen.pk)
    session.refresh_from_db()
    poll.refresh_from_db()
    assert session.status == DialogueSession.Status.SCHEDULED
    assert (session.starts_at, session.ends_at) == (chosen.starts_at, chosen.ends_at)
    assert session.time_zone == "Europe/Brussels"
    assert poll.status == SchedulingPoll.Status.CLOSED and poll.picked_slot == chosen
    told = set(
        Notification.objects.filter(
            session=session, kind=Notification.Kind.SESSION_SCHEDULED
        ).values_list("recipient_id", flat=True)
    )
    assert {world.member.pk, world.focal_point.pk, world.observer.pk} <= told
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.SESSION_CHANGED, summary_template__contains="chosen"
    ).exists()
    # The roster now sees the session at the chosen time.
    assert can(world.member, Capability.VIEW, session)


def test_the_pick_route_schedules_and_goes_to_the_session(world, dialogue, client_for):
    session = draft(world, dialogue)
    poll = open_poll(world, session, SLOTS)
    url = reverse("poll_pick", kwargs={"slug": "offsets", "session": session.pk})
    response = client_for(world.member).post(url, {"slot": slots_of(poll)[0].pk})
    assert response.status_code == 403
    response = client_for(world.secretariat).post(url, {"slot": slots_of(poll)[0].pk})
    assert response.status_code == 302
    assert response.url == reverse("session_detail", kwargs={"slug": "offsets", "pk": session.pk})
    session.refresh_from_db()
    assert session.status == DialogueSession.Status.SCHEDULED


# ------------------------------------------------------------------------------
# Time zones across daylight-saving changes
# ------------------------------------------------------------------------------


def test_slots_keep_their_instant_across_brussels_and_auckland_changes(world, dialogue):
    world.member.timezone = "Pacific/Auckland"
    world.member.save()
    before_eu = at(EU_SPRING - datetime.timedelta(days=2), 9)  # CET, NZDT: +12 h
    after_eu = at(EU_SPRING + datetime.timedelta(days=1), 9)  # CEST, NZDT: +11 h
    after_nz = at(NZ_AUTUMN + datetime.timedelta(days=1), 9)  # CEST, NZST: +10 h
    poll = open_poll(world, draft(world, dialogue), [before_eu, after_eu, after_nz])
    stored = [s.starts_at.astimezone(datetime.UTC).hour for s in slots_of(poll)]
    assert stored == [8, 7, 7]
    page = selectors.answer_page(user=world.member, poll=poll)
    local = [(r.local.starts.date(), r.local.starts.hour) for r in page.rows]
    assert local == [
        (before_eu.date(), 21),
        (after_eu.date(), 20),
        (after_nz.date(), 19),
    ]
    # Two hours from 21:00 in Auckland: one of them at night; the others end by 22:00.
    assert [r.local.night_minutes for r in page.rows] == [60, 0, 0]


def test_the_answer_page_shows_the_readers_zone_and_night(world, dialogue, client_for):
    world.member.timezone = "Pacific/Auckland"
    world.member.save()
    session = draft(world, dialogue)
    open_poll(world, session, [at(EU_SPRING - datetime.timedelta(days=2), 9)])
    url = reverse("poll_detail", kwargs={"slug": "offsets", "session": session.pk})
    page = client_for(world.member).get(url).content.decode()
    assert "21:00" in page and "Pacific/Auckland" in page
    assert "Night hours" in page


def test_a_slot_through_the_change_counts_real_night_minutes(world, dialogue):
    # 01:00 CET to 05:00 CEST on the night the clocks go forward: three real hours.
    poll = open_poll(world, draft(world, dialogue), [at(EU_SPRING, 1)], minutes=180)
    slot = slots_of(poll)[0]
    local = selectors.local_slot(slot, "Europe/Brussels")
    assert (local.starts.hour, local.ends.hour) == (1, 5)
    assert local.night_minutes == 180


def test_a_time_the_clocks_skip_is_refused_and_nothing_is_opened(world, dialogue):
    session = draft(world, dialogue)
    with pytest.raises(ValidationError, match="does not exist"):
        open_poll(world, session, [SLOTS[0], at(EU_SPRING, 2, 30)])
    assert not SchedulingPoll.objects.exists() and not PollSlot.objects.exists()


# ------------------------------------------------------------------------------
# Who sees the answers
# ------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", [Visibility.ROSTER, Visibility.ORGANISERS])
def test_the_answers_visibility_setting(world, dialogue, setting):
    poll = open_poll(world, draft(world, dialogue), SLOTS, visible_to=setting)
    first = slots_of(poll)[0]
    poll_services.poll_answer(actor=world.focal_point, poll=poll, choices={first.pk: "yes"})
    poll_services.poll_answer(actor=world.member, poll=poll, choices={first.pk: "no"})
    others = visible(world.member, PollAnswer).exclude(user=world.member)
    member_page = selectors.answer_page(user=world.member, poll=poll)
    if setting == Visibility.ROSTER:
        assert others.count() == 1
        assert member_page.rows[0].counts == {"yes": 1, "no": 1}
    else:
        assert not others.exists()
        assert member_page.rows[0].counts == {} and not member_page.answers_shown
    # The reader's own answer is always on their page; organisers always see every answer.
    assert member_page.rows[0].my_choice == "no"
    assert visible(world.secretariat, PollAnswer).count() == 2
    assert selectors.answer_page(user=world.secretariat, poll=poll).rows[0].counts == {
        "yes": 1,
        "no": 1,
    }


# ------------------------------------------------------------------------------
# Refusals change nothing
# ------------------------------------------------------------------------------


def test_invalid_answers_change_nothing(world, dialogue, client_for):
    session = draft(world, dialogue)
    poll = open_poll(world, session, SLOTS)
    first, second = slots_of(poll)
    poll_services.poll_answer(actor=world.member, poll=poll, choices={first.pk: "yes"})
    for choices in ({first.pk: "no", second.pk: "perhaps"}, {first.pk: "no", 999999: "yes"}):
        with pytest.raises(ValidationError):
            poll_services.poll_answer(actor=world.member, poll=poll, choices=choices)
    assert list(PollAnswer.objects.values_list("slot_id", "choice")) == [(first.pk, "yes")]
    url = reverse("poll_answer", kwargs={"slug": "offsets", "session": session.pk})
    response = client_for(world.member).post(url, {f"slot-{first.pk}": "perhaps"})
    assert response.status_code == 400
    assert list(PollAnswer.objects.values_list("choice", flat=True)) == ["yes"]


def test_a_closed_poll_takes_no_answers(world, dialogue):
    poll = open_poll(world, draft(world, dialogue), SLOTS)
    poll_services.poll_close(actor=world.secretariat, poll=poll)
    with pytest.raises(ValidationError, match="closed"):
        poll_services.poll_answer(
            actor=world.member, poll=poll, choices={slots_of(poll)[0].pk: "yes"}
        )
    assert not PollAnswer.objects.exists()


def test_a_refused_pick_changes_nothing(world, dialogue):
    session = draft(world, dialogue, agenda=False)  # scheduling needs an agenda
    poll = open_poll(world, session, SLOTS)
    before = (session.starts_at, session.ends_at)
    with pytest.raises(ValidationError, match="agenda"):
        poll_services.poll_pick(actor=world.secretariat, poll=poll, slot_id=slots_of(poll)[0].pk)
    session.refresh_from_db()
    poll.refresh_from_db()
    assert (session.starts_at, session.ends_at) == before
    assert session.status == DialogueSession.Status.DRAFT
    assert poll.status == SchedulingPoll.Status.OPEN and poll.picked_slot is None
    assert not Notification.objects.filter(session=session).exists()
    assert not AuditEvent.objects.filter(summary_template__contains="chosen").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"closes_on": datetime.date(2000, 1, 1)}, "future"),
        ({"time_zone": "Mars/Olympus"}, "time zone"),
        ({"slots": []}, "at least one"),
        ({"closes_on": datetime.date(YEAR, 12, 30)}, "after the poll closes"),
    ],
)
def test_an_invalid_poll_is_not_opened(world, dialogue, change, message):
    session = draft(world, dialogue)
    arguments = {
        "actor": world.secretariat,
        "session": session,
        "slots": [(SLOTS[0], 60)],
        "time_zone": "Europe/Brussels",
        "closes_on": CLOSES_ON,
        **change,
    }
    with pytest.raises(ValidationError, match=message):
        poll_services.poll_open(**arguments)
    assert not SchedulingPoll.objects.exists()
    assert not AuditEvent.objects.filter(summary_template__contains="poll").exists()


def test_the_open_form_shows_errors_beside_fields(world, dialogue, client_for):
    session = draft(world, dialogue)
    url = reverse("poll_open", kwargs={"slug": "offsets", "session": session.pk})
    client = client_for(world.secretariat)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "slots": "next tuesday",
            "duration_minutes": 60,
            "time_zone": "Europe/Brussels",
            "closes_on": CLOSES_ON.isoformat(),
            "answers_visible_to": "roster",
        },
    )
    assert response.status_code == 400
    assert "next tuesday" in response.content.decode()
    assert not SchedulingPoll.objects.exists()
    response = client.post(
        url,
        {
            "slots": "\n".join(s.strftime("%Y-%m-%d %H:%M") for s in SLOTS),
            "duration_minutes": 60,
            "time_zone": "Europe/Brussels",
            "closes_on": CLOSES_ON.isoformat(),
            "answers_visible_to": "organisers",
        },
    )
    assert response.status_code == 302
    poll = SchedulingPoll.objects.get()
    assert poll.answers_visible_to == "organisers" and poll.slots.count() == 2
    grid = client.get(reverse("poll_grid", kwargs={"slug": "offsets", "session": session.pk}))
    assert grid.status_code == 200 and "European Union" in grid.content.decode()
