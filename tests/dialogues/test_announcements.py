"""Announcements: who reads them (all members, full members only, chosen jurisdictions; never
an observer for full members, never anyone without standing), can/visible/people_who_can_view
agreeing; posting, editing and withdrawing for the Secretariat and the Co-Chairs only; bad input
that changes nothing; the dashboard until read, and its "Mark as read"; the bell; emails to the
right people only, after commit, per preference, in each reader's language and leak-safe."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import AuditEvent, User
from accounts.standing import has_standing
from dialogues.announcements import selectors
from dialogues.announcements import services as announcements
from dialogues.models import (
    Announcement,
    AnnouncementRead,
    Notification,
    NotificationPreference,
)
from dialogues.notifications.digest import send_digest
from dialogues.notifications.selectors import unread_notification_count
from workspaces.access import Capability, can, people_who_can_view, visible

C = Capability
SECRET = "Allowance reserve figure 4172"
EMAIL = "dialogues/announcements/email/announcement.txt"
DIGEST = "dialogues/notifications/email/digest.txt"


def post(world, *, audience="everyone", jurisdictions=(), by=None, **extra):
    fields = {"title": "Plenary in April", "body": f"The plenary meets in April. {SECRET}"}
    fields.update(extra)
    return announcements.announcement_post(
        actor=by or world.secretariat,
        audience=audience,
        jurisdictions=jurisdictions,
        **fields,
    )


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def readers(announcement) -> set[str]:
    return set(people_who_can_view(announcement).values_list("email", flat=True))


# ------------------------------------------------------------------------------
# The policy: who reads what
# ------------------------------------------------------------------------------

EVERYONE_READS = {"cochair", "secretariat", "focal_point", "member", "member_nz", "observer"}


def _who_reads(world, announcement) -> set[str]:
    names = {u.email: name for name, u in vars(world).items() if isinstance(u, User)}
    return {names[u.email] for u in world.users if can(fresh(u), C.VIEW, announcement)}


def test_all_members_means_observers_too_but_nobody_without_standing(world):
    announcement = post(world, audience="everyone")
    assert _who_reads(world, announcement) == EVERYONE_READS
    # Former jurisdictions and deactivated accounts have no standing: they read nothing.
    for user in (world.former_official, world.deactivated):
        assert not has_standing(user)
        assert not visible(user, Announcement).exists()


def test_an_observer_never_reads_one_for_full_members(world):
    announcement = post(world, audience="full_members")
    assert _who_reads(world, announcement) == EVERYONE_READS - {"observer"}
    assert announcement not in visible(world.observer, Announcement)
    assert world.observer.email not in readers(announcement)


def test_chosen_jurisdictions_are_read_by_their_officials_and_those_who_post(world):
    to_eu = post(world, audience="jurisdictions", jurisdictions=[world.eu])
    assert _who_reads(world, to_eu) == {"cochair", "secretariat", "focal_point", "member"}
    # An observer jurisdiction may be chosen: its officials read it, nobody of the EU does.
    to_chile = post(world, audience="jurisdictions", jurisdictions=[world.chile])
    assert _who_reads(world, to_chile) == {"cochair", "secretariat", "observer"}


def test_a_co_chair_without_a_second_factor_reads_nothing(world):
    announcement = post(world)
    world.cochair.authenticator_set.all().delete()
    cochair = fresh(world.cochair)
    assert not can(cochair, C.VIEW, announcement)
    assert not visible(cochair, Announcement).exists()
    assert world.cochair.email not in readers(announcement)


def test_a_withdrawn_announcement_is_read_by_nobody(world):
    announcement = post(world)
    announcements.announcement_withdraw(actor=world.cochair, announcement=announcement)
    announcement.refresh_from_db()
    assert _who_reads(world, announcement) == set()
    assert not people_who_can_view(announcement).exists()


def test_can_visible_and_people_who_can_view_agree(world):
    post(world, audience="everyone")
    post(world, audience="full_members", by=world.cochair)
    post(world, audience="jurisdictions", jurisdictions=[world.eu])
    post(world, audience="jurisdictions", jurisdictions=[world.chile, world.nz])
    withdrawn = post(world, audience="full_members")
    announcements.announcement_withdraw(actor=world.secretariat, announcement=withdrawn)
    users = [fresh(u) for u in world.users]
    every = list(Announcement.objects.all())
    for user in users:
        listed = set(visible(user, Announcement).values_list("pk", flat=True))
        allowed = {a.pk for a in every if can(user, C.VIEW, a)}
        assert listed == allowed, user.email
    for announcement in every:
        people = set(people_who_can_view(announcement).values_list("pk", flat=True))
        for user in users:
            assert (user.pk in people) is can(user, C.VIEW, announcement), (user, announcement)


def test_only_the_secretariat_and_the_co_chairs_post_and_change_them(world):
    announcement = post(world, audience="everyone")
    for user in world.users:
        holds = user in (world.cochair, world.secretariat)
        assert can(user, C.POST_ANNOUNCEMENTS) is holds, user.email
        assert can(user, C.POST_ANNOUNCEMENTS, announcement) is holds, user.email


# ------------------------------------------------------------------------------
# Services
# ------------------------------------------------------------------------------


def test_posting_is_refused_to_a_member_and_changes_nothing(world):
    for user in (world.member, world.focal_point, world.observer, world.former_official):
        with pytest.raises(PermissionDenied):
            post(world, by=user)
    assert not Announcement.objects.exists()
    assert not Notification.objects.exists()


def test_editing_and_withdrawing_are_refused_to_a_reader(world):
    announcement = post(world)
    with pytest.raises(PermissionDenied):
        announcements.announcement_edit(
            actor=world.member,
            announcement=announcement,
            title="Changed",
            body="Changed",
            audience="everyone",
        )
    with pytest.raises(PermissionDenied):
        announcements.announcement_withdraw(actor=world.member, announcement=announcement)
    announcement.refresh_from_db()
    assert announcement.title == "Plenary in April" and announcement.withdrawn_at is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"body": ""}, "body"),
        ({"audience": "jurisdictions"}, "jurisdictions"),
        ({"audience": "nobody"}, "audience"),
        ({"show_until": timezone.now() - datetime.timedelta(minutes=1)}, "show_until"),
    ],
)
def test_bad_input_is_refused_by_field_and_changes_nothing(world, changes, field):
    with pytest.raises(ValidationError) as refused:
        post(world, **changes)
    assert field in refused.value.message_dict
    assert not Announcement.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.ANNOUNCEMENT_POSTED).exists()


def test_a_former_jurisdiction_cannot_be_chosen(world):
    with pytest.raises(ValidationError, match="former member"):
        post(world, audience="jurisdictions", jurisdictions=[world.eu, world.former])
    assert not Announcement.objects.exists()


def test_an_observer_co_chair_cannot_address_full_members_only(world):
    world.nz.status = "observer"
    world.nz.save()
    with pytest.raises(ValidationError) as refused:
        post(world, audience="full_members", by=fresh(world.cochair))
    assert "audience" in refused.value.message_dict


def test_posting_renders_markdown_safely_and_is_audited(world):
    announcement = post(
        world,
        body="**Bold** <script>alert(1)</script> [click](javascript:alert(1))",
        audience="jurisdictions",
        jurisdictions=[world.nz, world.eu],
    )
    assert "<strong>Bold</strong>" in announcement.body_html
    assert "<script>" not in announcement.body_html
    assert 'href="javascript' not in announcement.body_html
    event = AuditEvent.objects.get(action=AuditEvent.Action.ANNOUNCEMENT_POSTED)
    assert event.actor == world.secretariat
    assert event.detail == {
        "announcement": announcement.pk,
        "audience": "jurisdictions",
        "jurisdictions": ["eu", "nz"],
    }
    assert event.summary_template.startswith("Announcement %(announcement)s posted")
    assert event.summary == (
        f"Announcement {announcement.pk} posted to chosen jurisdictions: eu, nz"
    )
    # Addressed to everyone, no jurisdiction is kept.
    again = post(world, audience="everyone", jurisdictions=[world.eu])
    assert not again.jurisdictions.exists()


def test_editing_changes_the_audience_and_is_audited(world):
    announcement = post(world, audience="everyone")
    announcements.announcement_edit(
        actor=world.cochair,
        announcement=announcement,
        title="Plenary moved",
        body="Now in **May**.",
        audience="full_members",
    )
    announcement.refresh_from_db()
    assert announcement.title == "Plenary moved"
    assert announcement.edited_by == world.cochair and announcement.edited_at is not None
    assert "<strong>May</strong>" in announcement.body_html
    assert not can(fresh(world.observer), C.VIEW, announcement)
    event = AuditEvent.objects.get(action=AuditEvent.Action.ANNOUNCEMENT_EDITED)
    assert event.detail["announcement"] == announcement.pk
    assert event.summary == f"Announcement {announcement.pk} edited, for Full members only"


def test_withdrawing_hides_it_everywhere(world, client_for):
    announcement = post(world)
    client = client_for(world.member)
    assert unread_notification_count(user=world.member) == 1
    assert announcement.title in client.get(reverse("home")).content.decode()
    announcements.announcement_withdraw(actor=world.secretariat, announcement=announcement)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ANNOUNCEMENT_WITHDRAWN).exists()
    assert announcement.title not in client.get(reverse("home")).content.decode()
    assert announcement.title not in client.get(reverse("announcement_list")).content.decode()
    url = reverse("announcement_detail", kwargs={"pk": announcement.pk})
    assert client.get(url).status_code == 404
    assert unread_notification_count(user=world.member) == 0
    assert announcement.title not in client.get(reverse("notifications")).content.decode()


# ------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------


def test_a_member_finds_no_compose_page_and_cannot_post(world, client_for):
    client = client_for(world.member)
    url = reverse("announcement_create")
    assert client.get(url).status_code == 404
    data = {"title": "Mine", "audience": "everyone", "body": "Hello"}
    assert client.post(url, data).status_code == 404
    assert not Announcement.objects.exists()
    assert url not in client.get(reverse("announcement_list")).content.decode()


def test_edit_and_withdraw_are_403_to_a_reader_and_404_to_whoever_may_not_read(world, client_for):
    members_only = post(world, audience="full_members")
    for name in ("announcement_edit", "announcement_withdraw"):
        url = reverse(name, kwargs={"pk": members_only.pk})
        assert client_for(world.member).get(url).status_code == 403
        assert client_for(world.member).post(url).status_code == 403
        assert client_for(world.observer).get(url).status_code == 404
        assert client_for(world.observer).post(url).status_code == 404
    members_only.refresh_from_db()
    assert members_only.withdrawn_at is None
    # Missing and forbidden look the same.
    missing = client_for(world.observer).get(reverse("announcement_detail", kwargs={"pk": 999}))
    forbidden = client_for(world.observer).get(
        reverse("announcement_detail", kwargs={"pk": members_only.pk})
    )
    assert missing.status_code == forbidden.status_code == 404


def test_the_form_posts_to_chosen_jurisdictions(world, client_for):
    from zoneinfo import ZoneInfo

    # The last day is the author's: a zone far from UTC, so that the test holds at any hour.
    world.cochair.timezone = "Pacific/Auckland"
    world.cochair.save(update_fields=["timezone"])
    zone = ZoneInfo("Pacific/Auckland")
    day = timezone.now().astimezone(zone).date() + datetime.timedelta(days=7)
    client = client_for(world.cochair)
    page = client.get(reverse("announcement_create")).content.decode()
    assert 'value="jurisdictions"' in page and "Atlantis" not in page  # no former one offered
    response = client.post(
        reverse("announcement_create"),
        {
            "title": "Registry workshop",
            "audience": "jurisdictions",
            "jurisdictions": [world.eu.pk, world.chile.pk],
            "body": "A workshop on registries.",
            "show_until": day.isoformat(),
        },
    )
    announcement = Announcement.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("announcement_detail", kwargs={"pk": announcement.pk})
    assert set(announcement.jurisdictions.all()) == {world.eu, world.chile}
    assert announcement.author == world.cochair
    # Through the end of the chosen day, in the author's zone.
    assert announcement.show_until > timezone.now() + datetime.timedelta(days=7)
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    assert announcement.show_until == midnight.replace(tzinfo=zone)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"audience": "jurisdictions"}, "Choose at least one jurisdiction."),
        ({"show_until": "2001-01-01"}, "The date to show it until has passed."),
        ({"title": ""}, "Give the announcement a title."),
    ],
)
def test_the_form_shows_bad_input_and_posts_nothing(world, client_for, data, message):
    fields = {"title": "Registry workshop", "audience": "everyone", "body": "A workshop."}
    fields.update(data)
    response = client_for(world.secretariat).post(reverse("announcement_create"), fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Announcement.objects.exists()


def test_the_form_edits_and_keeps_the_values(world, client_for):
    announcement = post(
        world,
        audience="jurisdictions",
        jurisdictions=[world.nz],
        show_until=timezone.now() + datetime.timedelta(days=3),
    )
    client = client_for(world.secretariat)
    url = reverse("announcement_edit", kwargs={"pk": announcement.pk})
    page = client.get(url)
    assert "Plenary in April" in page.content.decode()
    initial = page.context["form"].initial
    assert initial["jurisdictions"] == [world.nz] and initial["audience"] == "jurisdictions"
    assert initial["show_until"] == timezone.localdate() + datetime.timedelta(days=3)
    response = client.post(
        url, {"title": "Plenary in May", "audience": "everyone", "body": "Moved to May."}
    )
    assert response.status_code == 302
    announcement.refresh_from_db()
    assert announcement.title == "Plenary in May" and announcement.show_until is None


def test_withdraw_asks_first_then_withdraws(world, client_for):
    announcement = post(world)
    client = client_for(world.cochair)
    url = reverse("announcement_withdraw", kwargs={"pk": announcement.pk})
    page = client.get(url)
    assert page.status_code == 200 and "Withdraw the announcement?" in page.content.decode()
    announcement.refresh_from_db()
    assert announcement.withdrawn_at is None
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("announcement_list")
    announcement.refresh_from_db()
    assert announcement.withdrawn_by == world.cochair


def test_the_list_is_newest_first_marks_unread_and_pages(world, client_for):
    first = post(world, title="First of all")
    second = post(world, title="Second one")
    client = client_for(world.member)
    client.get(reverse("announcement_detail", kwargs={"pk": first.pk}))
    response = client.get(reverse("announcement_list"))
    listed = list(response.context["announcements"])
    assert listed == [second, first]
    assert [a.is_read for a in listed] == [False, True]
    for n in range(selectors.ANNOUNCEMENTS_PER_PAGE):
        post(world, title=f"Bulletin {n}")
    page_two = client.get(reverse("announcement_list") + "?page=2")
    assert list(page_two.context["announcements"]) == [second, first]


def test_opening_an_announcement_marks_it_and_its_notice_read(world, client_for):
    announcement = post(world)
    notice = Notification.objects.get(recipient=world.member, announcement=announcement)
    client = client_for(world.member)
    response = client.get(reverse("notification_open", kwargs={"pk": notice.pk}))
    assert response.url == reverse("announcement_detail", kwargs={"pk": announcement.pk})
    page = client.get(response.url)
    assert SECRET in page.content.decode()
    assert AnnouncementRead.objects.filter(user=world.member, announcement=announcement).exists()
    notice.refresh_from_db()
    assert notice.read_at is not None
    # The jurisdictions it went to are for those who post announcements.
    to_two = post(world, audience="jurisdictions", jurisdictions=[world.eu, world.nz])
    url = reverse("announcement_detail", kwargs={"pk": to_two.pk})
    assert "New Zealand" not in client.get(url).content.decode()
    as_author = client_for(world.secretariat).get(url).content.decode()
    assert "New Zealand" in as_author
    # ... and so is how many of its readers (EU and New Zealand officials with standing, the
    # Co-Chair, the Secretariat) have read it: its author and the member.
    assert "Read by 2 of its 5 readers" in as_author


# ------------------------------------------------------------------------------
# The dashboard
# ------------------------------------------------------------------------------


def _dashboard(client) -> list[Announcement]:
    return list(client.get(reverse("home")).context["announcements"].items)


def test_the_dashboard_shows_unread_announcements_until_read(world, client_for):
    announcement = post(world, audience="full_members")
    expired = post(world, title="An earlier note")
    Announcement.objects.filter(pk=expired.pk).update(
        show_until=timezone.now() - datetime.timedelta(hours=1)
    )
    member, observer = client_for(world.member), client_for(world.observer)
    assert _dashboard(member) == [announcement]
    assert _dashboard(observer) == []
    # Its author has read it already.
    assert _dashboard(client_for(world.secretariat)) == []
    # "Mark as read", a plain form: back to the dashboard, and the announcement is gone.
    url = reverse("announcement_read", kwargs={"pk": announcement.pk})
    response = member.post(url, {"next": "home"})
    assert response.status_code == 302 and response.url == reverse("home")
    assert _dashboard(member) == []
    # The expired one is still listed, for reading.
    assert expired.title in member.get(reverse("announcement_list")).content.decode()


def test_mark_as_read_with_htmx_swaps_the_entry(world, client_for):
    announcement = post(world)
    client = client_for(world.member)
    home = client.get(reverse("home")).content.decode()
    url = reverse("announcement_read", kwargs={"pk": announcement.pk})
    assert f'data-hx-post="{url}"' in home and f'action="{url}"' in home
    response = client.post(url, {"next": "home"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "is marked as read" in response.content.decode()
    assert _dashboard(client) == []


def test_mark_all_as_read(world, client_for):
    for n in range(3):
        post(world, title=f"Note {n}")
    client = client_for(world.member)
    assert len(_dashboard(client)) == 3
    response = client.post(reverse("announcements_read"), {"next": "home"})
    assert response.url == reverse("home")
    assert _dashboard(client) == []
    assert unread_notification_count(user=world.member) == 0
    # Someone who may not read it cannot mark it read either.
    members_only = post(world, audience="full_members")
    url = reverse("announcement_read", kwargs={"pk": members_only.pk})
    assert client_for(world.observer).post(url).status_code == 404


def test_the_dashboard_reads_them_in_queries_that_do_not_grow(world, client_for):
    client = client_for(world.member)
    post(world, title="One")
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for n in range(12):
        post(world, title=f"More {n}", audience="jurisdictions", jurisdictions=[world.eu])
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("home"))
    assert len(few) == len(many)
    shown = response.context["announcements"]
    assert len(shown.items) == selectors.ON_DASHBOARD and shown.more
    reads = [
        q for q in many.captured_queries if q["sql"].startswith('SELECT "dialogues_announcement"')
    ]
    assert len(reads) == 1


# ------------------------------------------------------------------------------
# The bell and emails
# ------------------------------------------------------------------------------


def test_emails_go_to_its_readers_only_and_after_commit(world, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        post(world, audience="jurisdictions", jurisdictions=[world.eu])
        assert mail.outbox == []  # nothing leaves before the post commits
    for callback in callbacks:
        callback()
    names = {u.email: n for n, u in vars(world).items() if isinstance(u, User)}
    assert {names[m.to[0]] for m in mail.outbox} == {"member", "focal_point", "cochair"}
    for message in mail.outbox:
        # Leak-safe by default: no title, no text.
        assert "Plenary in April" not in message.body + message.subject
        assert SECRET not in message.body
        assert reverse("announcement_detail", kwargs={"pk": Announcement.objects.get().pk}) in (
            message.body
        )
    bells = {names[n.recipient.email] for n in Notification.objects.all()}
    assert bells == {"member", "focal_point", "cochair"}


def test_the_excerpt_goes_out_only_where_the_author_allowed_it(
    world, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post(world, audience="full_members", email_excerpt=True)
    [to_member] = [m for m in mail.outbox if m.to == [world.member.email]]
    assert "Plenary in April" in to_member.body and SECRET in to_member.body
    assert not [m for m in mail.outbox if m.to == [world.observer.email]]


@pytest.mark.parametrize(
    ("delivery", "at_once", "in_digest"),
    [("at_once", True, False), ("digest", False, True), ("never", False, False)],
)
def test_each_reader_chooses_how_announcements_reach_them(
    world, django_capture_on_commit_callbacks, delivery, at_once, in_digest
):
    NotificationPreference.objects.create(user=world.member, email_announcements=delivery)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post(world)
    assert any(m.to == [world.member.email] for m in mail.outbox) is at_once
    # The bell shows it whatever the choice.
    assert unread_notification_count(user=world.member) == 1
    mail.outbox.clear()
    sent = send_digest(fresh(world.member))
    digest = mail.outbox[0].body if sent else ""
    assert ("1 new announcement" in digest) is in_digest
    assert SECRET not in digest and "Plenary in April" not in digest


def test_the_preferences_page_saves_the_choice(world, client_for):
    client = client_for(world.member)
    page = client.get(reverse("notification_preferences")).content.decode()
    assert 'name="email_announcements"' in page
    response = client.post(
        reverse("notification_preferences"),
        {"email_announcements": "never", "daily_digest": "on"},
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=world.member)
    assert preference.email_announcements == "never" and preference.daily_digest


def test_an_email_is_in_its_readers_language(world, django_capture_on_commit_callbacks):
    seen: list[tuple[str, str]] = []

    def record(sender, template, context, **kwargs):
        if template.name == EMAIL:
            seen.append((context["url"], translation.get_language()))

    User.objects.filter(pk=world.observer.pk).update(language="fr")
    User.objects.filter(pk=world.member.pk).update(language="ja")
    template_rendered.connect(record)
    try:
        with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
            post(world)
    finally:
        template_rendered.disconnect(record)
    languages = {language for _url, language in seen}
    assert {"fr", "ja", "en"} <= languages


def test_no_email_once_withdrawn_before_it_went(world, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        announcement = post(world)
    announcements.announcement_withdraw(actor=world.secretariat, announcement=announcement)
    for callback in callbacks:
        callback()
    assert mail.outbox == []


def test_the_bells_mark_all_read_reads_the_announcement_too(world):
    from dialogues.notifications.services import notifications_mark_read

    announcement = post(world)
    member = fresh(world.member)
    assert selectors.dashboard_announcements(user=member).items == [announcement]
    notifications_mark_read(actor=member)
    assert unread_notification_count(user=member) == 0
    assert not selectors.dashboard_announcements(user=member)


def test_the_excerpt_is_plain_text_made_once_on_write(world):
    announcement = post(world, body="Tom &amp; *Jerry* <3 " + "word " * 100)
    assert announcement.body_excerpt.startswith("Tom & Jerry <3 word")
    assert len(announcement.body_excerpt) <= announcements.EXCERPT_LENGTH
    shown = selectors.dashboard_announcements(user=fresh(world.member)).items[0]
    assert shown.excerpt.startswith("Tom & Jerry <3") and shown.excerpt.endswith("…")
