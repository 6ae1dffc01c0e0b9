"""Access that must be renewed: sponsors, review dates, confirmation, ending, suspension at the
date (every door refuses), the clear sign-in page, restoring, the daily run (30/7-day asks
once, dormant accounts once, idempotent) and the review and membership pages."""

import datetime
import json

import pytest
from allauth.usersessions.models import UserSession
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import reviews
from accounts.models import AuditEvent, User, months_after
from accounts.policy import can_end_membership, can_review, reviewable, sponsors_of
from accounts.signals import access_revoked
from accounts.standing import Lack, has_standing, people_with_standing, standing_lack
from tests.factories import PASSWORD, DocumentFactory, UserFactory

TODAY = timezone.localdate


def days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


def set_review(user, when: datetime.date) -> None:
    User.objects.filter(pk=user.pk).update(access_review_on=when)
    user.refresh_from_db()


@pytest.fixture
def revoked(request):
    seen: list[int] = []

    def receiver(sender, user_ids, **kwargs):
        seen.extend(user_ids)

    access_revoked.connect(receiver)
    request.addfinalizer(lambda: access_revoked.disconnect(receiver))
    return seen


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def events(action, user=None):
    found = AuditEvent.objects.filter(action=action)
    return found.filter(target_user=user) if user is not None else found


# ------------------------------------------------------------------------------
# Sponsors, and who may confirm, end, restore
# ------------------------------------------------------------------------------


def test_sponsors(world):
    # Their jurisdiction's focal point; the Secretariat for a focal point with no other focal
    # point, for a jurisdiction without one, for Co-Chairs; the Co-Chairs for a lone Secretariat.
    assert sponsors_of(world.member) == [world.focal_point]
    assert sponsors_of(world.focal_point) == [world.secretariat]
    assert sponsors_of(world.member_nz) == [world.secretariat]
    assert sponsors_of(world.cochair) == [world.secretariat]
    assert sponsors_of(world.secretariat) == [world.cochair]
    # A focal point without standing sponsors nobody: the Secretariat steps in.
    User.objects.filter(pk=world.focal_point.pk).update(suspended_at=timezone.now())
    assert sponsors_of(world.member) == [world.secretariat]


def test_review_rights_and_the_list_agree(world):
    second_focal = UserFactory(jurisdiction=world.eu, is_focal_point=True)
    assert can_review(world.focal_point, world.member)
    assert can_review(world.focal_point, second_focal)  # a fellow focal point, not themselves
    assert not can_review(world.focal_point, world.focal_point)
    assert not can_review(world.focal_point, world.member_nz)  # another jurisdiction
    assert not can_review(world.member, world.focal_point)
    assert not can_review(world.secretariat, world.secretariat)
    assert can_review(world.secretariat, world.cochair)
    assert can_review(world.cochair, world.secretariat)
    # Ending is deactivating: a focal point does not end a fellow focal point's access, nor
    # the Secretariat a Co-Chair's.
    assert can_end_membership(world.focal_point, world.member)
    assert not can_end_membership(world.focal_point, second_focal)
    assert not can_end_membership(world.secretariat, world.cochair)
    assert can_end_membership(world.cochair, world.member_nz)
    everyone = list(User.objects.all())
    for reader in [*world.users, second_focal]:
        listed = set(reviewable(reader).values_list("pk", flat=True))
        assert listed == {u.pk for u in everyone if can_review(reader, u)}, reader


def test_a_focal_point_cannot_confirm_another_jurisdictions_official(world):
    before = world.member_nz.access_review_on
    with pytest.raises(PermissionDenied):
        reviews.membership_confirm(actor=world.focal_point, official=world.member_nz)
    with pytest.raises(PermissionDenied):
        reviews.membership_end(actor=world.focal_point, official=world.member_nz, reason="x")
    world.member_nz.refresh_from_db()
    assert world.member_nz.access_review_on == before and world.member_nz.is_active


# ------------------------------------------------------------------------------
# Confirm, end, restore
# ------------------------------------------------------------------------------


def test_a_new_account_is_reviewed_a_year_on(world, settings):
    assert world.member.access_review_on == months_after(TODAY(), 12)
    settings.ENCLAVE_ACCESS_REVIEW_MONTHS = 6
    assert UserFactory().access_review_on == months_after(TODAY(), 6)
    assert months_after(datetime.date(2027, 1, 31), 1) == datetime.date(2027, 2, 28)
    assert months_after(datetime.date(2027, 11, 15), 3) == datetime.date(2028, 2, 15)


def test_confirming_moves_the_date(world):
    set_review(world.member, days(5))
    reviews.membership_confirm(actor=world.focal_point, official=world.member)
    world.member.refresh_from_db()
    assert world.member.access_review_on == months_after(TODAY(), 12)
    assert world.member.last_confirmed_at is not None
    event = events(AuditEvent.Action.MEMBERSHIP_CONFIRMED, world.member).get()
    assert event.actor == world.focal_point
    assert event.detail["previous"] == str(days(5))


def test_ending_deactivates_at_once(world, client, revoked, committed):
    client.post(reverse("account_login"), {"login": world.member.email, "password": PASSWORD})
    assert UserSession.objects.filter(user=world.member).exists()
    with pytest.raises(ValidationError):
        reviews.membership_end(actor=world.focal_point, official=world.member, reason="  ")
    with committed():
        reviews.membership_end(
            actor=world.focal_point, official=world.member, reason="Left the ministry"
        )
    world.member.refresh_from_db()
    assert not world.member.is_active
    assert not UserSession.objects.filter(user=world.member).exists()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    event = events(AuditEvent.Action.USER_DEACTIVATED, world.member).get()
    assert event.detail["reason"] == "Left the ministry"
    assert world.member.pk in revoked


def test_restoring_a_suspended_official(world, client):
    set_review(world.member, days(-1))
    reviews.memberships_review()
    world.member.refresh_from_db()
    assert world.member.suspended_at is not None
    with pytest.raises(ValidationError):  # confirming is for who is not suspended
        reviews.membership_confirm(actor=world.focal_point, official=world.member)
    with pytest.raises(PermissionDenied):
        reviews.membership_restore(actor=world.member_nz, official=world.member)
    reviews.membership_restore(actor=world.focal_point, official=world.member)
    world.member.refresh_from_db()
    assert world.member.suspended_at is None
    assert world.member.access_review_on == months_after(TODAY(), 12)
    assert events(AuditEvent.Action.USER_RESTORED, world.member).get().actor == world.focal_point
    with pytest.raises(ValidationError):
        reviews.membership_restore(actor=world.focal_point, official=world.member)
    client.post(reverse("account_login"), {"login": world.member.email, "password": PASSWORD})
    assert "_auth_user_id" in client.session


def test_reactivation_gives_a_fresh_review_period(world):
    from accounts import services

    set_review(world.deactivated, days(-200))
    services.official_reactivate(actor=world.focal_point, official=world.deactivated)
    world.deactivated.refresh_from_db()
    assert world.deactivated.access_review_on == months_after(TODAY(), 12)


# ------------------------------------------------------------------------------
# Suspension at the date: no standing, every door refuses, sign-in says why
# ------------------------------------------------------------------------------


def test_suspension_at_the_date(world, client, revoked, committed):
    set_review(world.member, TODAY())  # valid through its date
    assert reviews.memberships_review().suspended == 0
    client.post(reverse("account_login"), {"login": world.member.email, "password": PASSWORD})
    with committed():
        run = reviews.memberships_review(today=days(1))
    assert run.suspended == 1
    world.member.refresh_from_db()
    assert world.member.suspended_at is not None and world.member.is_active
    assert standing_lack(world.member) is Lack.SUSPENDED and not has_standing(world.member)
    assert not User.objects.filter(people_with_standing(), pk=world.member.pk).exists()
    assert not UserSession.objects.filter(user=world.member).exists()
    assert world.member.pk in revoked
    event = events(AuditEvent.Action.USER_SUSPENDED, world.member).get()
    assert event.actor is None and "access review" in event.actor_label
    # Nothing they wrote is lost; a second run does nothing more.
    assert reviews.memberships_review(today=days(1)).suspended == 0
    assert events(AuditEvent.Action.USER_SUSPENDED).count() == 1


def test_past_the_date_there_is_no_standing_even_before_the_daily_run(world, client_for):
    """No account keeps access past its review date unconfirmed, cron or no cron."""
    signed_in = client_for(world.member)
    assert signed_in.get(reverse("home")).status_code == 200
    set_review(world.member, TODAY() - datetime.timedelta(days=1))
    world.member.refresh_from_db()
    assert world.member.suspended_at is None  # the daily run has not recorded it yet
    assert standing_lack(world.member) is Lack.SUSPENDED and not has_standing(world.member)
    assert not User.objects.filter(people_with_standing(), pk=world.member.pk).exists()
    response = signed_in.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    # The last day itself is still within the review period.
    set_review(world.member, TODAY())
    world.member.refresh_from_db()
    assert has_standing(world.member)


def test_every_http_door_refuses_a_suspended_official(world, dialogue, client_for):
    from workspaces.access import Capability, can

    document = DocumentFactory(workspace=dialogue.offsets, uploaded_by=world.member)
    doors = [
        reverse("home"),
        reverse("thread_detail", kwargs={"slug": "offsets", "pk": dialogue.public_thread.pk}),
        reverse("document_download", kwargs={"slug": "offsets", "pk": document.pk}),
        reverse("workspace_export", kwargs={"slug": "offsets", "fmt": "html"}),
        reverse("profile"),
    ]
    signed_in = client_for(world.member)
    for url in doors:
        assert signed_in.get(url).status_code == 200, url
    User.objects.filter(pk=world.member.pk).update(suspended_at=timezone.now())
    for url in doors:
        response = signed_in.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("account_login")), url
    world.member.refresh_from_db()
    assert not can(world.member, Capability.VIEW, dialogue.public_thread)
    assert dialogue.public_thread.posts.filter(author=world.member).exists()


def test_sign_in_is_refused_with_a_clear_page(world):
    User.objects.filter(pk=world.member.pk).update(suspended_at=timezone.now())
    refused = Client()
    response = refused.post(
        reverse("account_login"), {"login": world.member.email, "password": PASSWORD}
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Your access is suspended" in page
    assert world.focal_point.full_name in page  # whom to ask
    assert "_auth_user_id" not in refused.session
    # A wrong password learns nothing about the account.
    wrong = Client().post(
        reverse("account_login"), {"login": world.member.email, "password": "wrong-password-1"}
    )
    assert "suspended" not in wrong.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_websocket_refuses_and_closes_for_a_suspended_official(world, dialogue):
    from config.asgi import application
    from dialogues.chat.consumer import CLOSE_UNAUTHENTICATED
    from dialogues.models import ChatRoom

    room = await sync_to_async(ChatRoom.objects.get)(
        workspace=dialogue.offsets, is_workspace_room=True
    )

    def cookie(user) -> str:
        client = Client()
        client.force_login(user, backend="accounts.backends.OfficialBackend")
        return client.cookies["sessionid"].value

    async def connect(user):
        key = await sync_to_async(cookie)(user)
        headers = [
            (b"origin", b"http://testserver"),
            (b"host", b"testserver"),
            (b"cookie", f"sessionid={key}".encode()),
        ]
        socket = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers)
        return socket, *(await socket.connect(timeout=5))

    async def frame(socket, kind):
        while True:
            got = json.loads(await socket.receive_from(timeout=5))
            if got["type"] == kind:
                return got

    victim, connected, _code = await connect(world.member)
    assert connected
    await frame(victim, "ready")
    # The daily run suspends them: the open socket is told and closes.
    await sync_to_async(set_review)(world.member, days(-1))
    await sync_to_async(reviews.memberships_review)()
    await frame(victim, "revoked")
    assert (await victim.receive_output(timeout=5))["type"] == "websocket.close"
    # A new socket is refused; and one whose suspension came without a notice (set in the
    # database directly) closes at its next frame.
    _socket, connected, code = await connect(world.member)
    assert not connected and code == CLOSE_UNAUTHENTICATED
    other, connected, _code = await connect(world.focal_point)
    assert connected
    await frame(other, "ready")
    await sync_to_async(User.objects.filter(pk=world.focal_point.pk).update)(
        suspended_at=timezone.now()
    )
    await other.send_to(
        text_data=json.dumps({"type": "send", "body": "still here?", "client_id": "s-1"})
    )
    await frame(other, "revoked")
    await other.disconnect()


# ------------------------------------------------------------------------------
# The daily run: asks 30 and 7 days before, once; dormant accounts once; idempotent
# ------------------------------------------------------------------------------


def test_sponsors_are_asked_30_and_7_days_before_once_each(world):
    set_review(world.member, days(30))
    set_review(world.member_nz, days(90))  # not yet
    mail.outbox.clear()
    run = reviews.memberships_review()
    assert (run.asked, run.emails) == (1, 1)
    (message,) = mail.outbox
    assert message.to == [world.focal_point.email]
    assert world.member.full_name in message.body
    assert reverse("access_reviews") in message.body
    # Leak-safe: no one the focal point does not sponsor.
    assert world.member_nz.full_name not in message.body
    assert reviews.memberships_review().asked == 0  # a second run the same day
    assert len(mail.outbox) == 1
    assert reviews.memberships_review(today=days(10)).asked == 0  # still the 30-day ask
    run = reviews.memberships_review(today=days(23))  # seven days before
    assert run.asked == 1 and len(mail.outbox) == 2
    assert reviews.memberships_review(today=days(25)).asked == 0
    asks = events(AuditEvent.Action.REVIEW_REQUESTED, world.member)
    assert sorted(e.detail["threshold"] for e in asks) == [7, 30]
    # Confirmed: a new date, a new cycle of asks later.
    reviews.membership_confirm(actor=world.focal_point, official=world.member)
    assert reviews.memberships_review(today=days(25)).asked == 0


def test_the_secretariat_is_asked_for_officials_without_a_focal_point(world):
    set_review(world.member_nz, days(7))
    mail.outbox.clear()
    reviews.memberships_review()
    assert [m.to for m in mail.outbox] == [[world.secretariat.email]]
    assert world.member_nz.full_name in mail.outbox[0].body


def test_dormant_accounts_are_reported_once_per_dormancy(world):
    long_ago = timezone.now() - datetime.timedelta(days=100)
    User.objects.filter(pk=world.member.pk).update(last_login=long_ago)
    User.objects.exclude(pk=world.member.pk).update(last_login=timezone.now())
    mail.outbox.clear()
    assert reviews.memberships_review().dormant == 1
    assert [m.to for m in mail.outbox] == [[world.focal_point.email]]
    assert "not signed in" in mail.outbox[0].body
    assert reviews.memberships_review().dormant == 0
    assert events(AuditEvent.Action.DORMANT_NOTICED, world.member).count() == 1
    # Signed in since: no longer dormant.
    User.objects.filter(pk=world.member.pk).update(last_login=timezone.now())
    assert reviews.memberships_review().dormant == 0


def test_a_new_dormancy_is_reported_again(world):
    """A notice written before the last sign-in was for an earlier dormancy."""
    User.objects.exclude(pk=world.member.pk).update(last_login=timezone.now())
    ago = lambda n: timezone.now() - datetime.timedelta(days=n)  # noqa: E731
    AuditEvent.objects.create(
        action=AuditEvent.Action.DORMANT_NOTICED, target_user=world.member, created_at=ago(300)
    )
    User.objects.filter(pk=world.member.pk).update(last_login=ago(100))
    assert reviews.memberships_review().dormant == 1
    assert reviews.memberships_review().dormant == 0


def test_the_run_rings_each_sponsors_bell_once(world, client_for, committed):
    """The bell (dialogues' notifications, rung by accounts.signals.access_review_asked after
    commit): one notice per sponsor and run, naming nobody, linking to the review page."""
    from dialogues.models import Notification
    from dialogues.notifications.selectors import unread_notification_count

    User.objects.exclude(pk=world.member.pk).update(last_login=timezone.now())
    User.objects.filter(pk=world.member.pk).update(
        last_login=timezone.now() - datetime.timedelta(days=100)
    )
    set_review(world.member, days(30))
    second = UserFactory(email="second@example.test", jurisdiction=world.eu)
    set_review(second, days(7))
    set_review(world.member_nz, days(90))  # not yet

    def bells():
        return Notification.objects.filter(kind=Notification.Kind.ACCESS_REVIEW)

    with committed():
        run = reviews.memberships_review()
    assert (run.asked, run.dormant) == (2, 1)
    # One notice for the focal point (two officials due, one of them dormant), none for the
    # officials themselves or anyone else.
    (bell,) = bells()
    assert (bell.recipient, bell.workspace, bell.item_count) == (world.focal_point, None, 3)
    assert unread_notification_count(user=world.focal_point) == 1
    assert unread_notification_count(user=world.member) == 0
    with committed():
        assert reviews.memberships_review().asked == 0  # a second run the same day
    assert bells().count() == 1
    client = client_for(world.focal_point)
    page = client.get(reverse("notifications")).content.decode()
    assert "Access reviews due" in page and "3 officials" in page
    for official in (world.member, second):
        assert official.full_name not in page and official.email not in page
    opened = client.get(reverse("notification_open", kwargs={"pk": bell.pk}))
    assert opened.status_code == 302 and opened.url == reverse("access_reviews")
    assert client.get(opened.url).status_code == 200
    # The 7-day ask of the first official (the second one is suspended by now) rings again.
    with committed():
        assert reviews.memberships_review(today=days(23)).asked == 1
    assert bells().count() == 2


def test_a_sponsor_who_no_longer_reviews_loses_the_bell(world, client_for, committed):
    from dialogues.models import Notification
    from dialogues.notifications.selectors import unread_notification_count

    set_review(world.member, days(7))
    with committed():
        reviews.memberships_review()
    bell = Notification.objects.get(kind=Notification.Kind.ACCESS_REVIEW)
    assert unread_notification_count(user=world.focal_point) == 1
    User.objects.filter(pk=world.focal_point.pk).update(is_focal_point=False)
    world.focal_point.refresh_from_db()
    assert unread_notification_count(user=world.focal_point) == 0
    client = client_for(world.focal_point)
    assert "Access reviews due" not in client.get(reverse("notifications")).content.decode()
    opened = client.get(reverse("notification_open", kwargs={"pk": bell.pk}))
    assert opened.status_code == 404


def test_the_command_is_idempotent(world, capsys):
    set_review(world.member, days(-3))
    set_review(world.member_nz, days(6))
    call_command("review_memberships")
    first = capsys.readouterr().out
    assert first.startswith("1 suspended, 1 review(s) asked")
    call_command("review_memberships")
    assert capsys.readouterr().out.startswith("0 suspended, 0 review(s) asked, 0 dormant")


def test_upgrading_suspends_nobody(world):
    """The migration's data step: a review date a period after joining, or a full period from
    today for accounts older than that."""
    from importlib import import_module

    migration = import_module("accounts.migrations.0007_access_renewal")
    User.objects.filter(pk=world.member.pk).update(
        date_joined=timezone.now() - datetime.timedelta(days=800)
    )
    User.objects.filter(pk=world.member_nz.pk).update(
        date_joined=timezone.now() - datetime.timedelta(days=100)
    )
    migration.set_review_dates(apps, None)
    world.member.refresh_from_db()
    world.member_nz.refresh_from_db()
    assert world.member.access_review_on == months_after(TODAY(), 12)
    joined = timezone.localdate(world.member_nz.date_joined)
    assert world.member_nz.access_review_on == months_after(joined, 12)
    assert reviews.memberships_review().suspended == 0


# ------------------------------------------------------------------------------
# The pages
# ------------------------------------------------------------------------------


def test_the_review_page_lists_whom_the_reader_sponsors(world, dialogue, client_for):
    set_review(world.member, days(12))
    set_review(world.member_nz, days(3))
    User.objects.filter(pk=world.observer.pk).update(suspended_at=timezone.now())
    page = client_for(world.focal_point).get(reverse("access_reviews"))
    html = page.content.decode()
    assert page.status_code == 200
    assert world.member.full_name in html and world.member_nz.full_name not in html
    assert "Offsets and removals" in html  # a dialogue the member is on, the reader sees
    assert "Linking talks" not in html
    assert f'name="official" value="{world.member.pk}"' in html
    secretariat = client_for(world.secretariat).get(reverse("access_reviews")).content.decode()
    for official in (world.member, world.member_nz, world.observer):
        assert official.full_name in secretariat
    assert "Restore" in secretariat
    # Nobody else has the page.
    assert client_for(world.member).get(reverse("access_reviews")).status_code == 404


def test_confirming_and_ending_from_the_page(world, client_for):
    set_review(world.member, days(12))
    focal = client_for(world.focal_point)
    response = focal.post(reverse("access_review_confirm"), {"official": world.member.pk})
    assert response.status_code == 302 and response.url == reverse("access_reviews")
    world.member.refresh_from_db()
    assert world.member.access_review_on == months_after(TODAY(), 12)
    # Another jurisdiction's official does not exist for them.
    other = focal.post(reverse("access_review_confirm"), {"official": world.member_nz.pk})
    assert other.status_code == 404
    # Ending asks a reason.
    focal.post(reverse("access_review_end"), {"official": world.member.pk, "reason": ""})
    world.member.refresh_from_db()
    assert world.member.is_active
    focal.post(reverse("access_review_end"), {"official": world.member.pk, "reason": "Moved on"})
    world.member.refresh_from_db()
    assert not world.member.is_active


def test_the_membership_page_counts_per_jurisdiction(world, client_for):
    set_review(world.member_nz, days(3))
    User.objects.filter(pk=world.member_nz.pk).update(
        last_login=timezone.now() - datetime.timedelta(days=120)
    )
    page = client_for(world.cochair).get(reverse("membership"))
    html = page.content.decode()
    assert reverse("access_reviews") in html
    nz = next(j for j in page.context["jurisdictions"] if j.code == "nz")
    assert (nz.due_count, nz.suspended_count, nz.dormant_count) == (1, 0, 1)


def test_the_demo_world_has_someone_due_and_someone_dormant(db):
    from demo.seed import seed_demo_world

    officials = seed_demo_world()
    focal = [row.official for row in reviews.review_rows(user=officials["eu"])]
    assert focal == [officials["brussels"]]
    rows = {row.official.pk: row for row in reviews.review_rows(user=officials["secretariat"])}
    assert rows[officials["brussels"].pk].is_due
    assert rows[officials["japan"].pk].is_dormant
    # Everyone else keeps their access for a year.
    assert set(rows) == {officials["brussels"].pk, officials["japan"].pk}
