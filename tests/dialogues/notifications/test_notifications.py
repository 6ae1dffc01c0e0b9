"""Notifications: the bell, preferences, leak-safe emails and the daily digest."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from dialogues.models import Notification, NotificationPreference
from dialogues.notifications import services as notification_services
from dialogues.notifications.selectors import unread_notification_count, visible_notifications
from dialogues.threads import services as thread_services
from workspaces import services as workspace_services

SECRET = "Confidential allowance figure 417"


@pytest.fixture
def committed(django_capture_on_commit_callbacks, settings):
    settings.ENCLAVE_SITE_URL = "https://enclave.example.org"
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_mention_email_carries_no_content_by_default(world, dialogue, committed):
    with committed():
        thread_services.post_reply(
            actor=world.member, thread=dialogue.public_thread, body=f"@observer {SECRET}"
        )
    [message] = [m for m in mail.outbox if world.observer.email in m.to]
    assert message.subject == "[Enclave] New activity in Offsets and removals"
    assert SECRET not in message.body
    assert dialogue.public_thread.title not in message.body
    assert world.member.full_name not in message.body
    assert "https://enclave.example.org/p/" in message.body


def test_excerpts_only_where_the_secretariat_allowed_them(world, dialogue, committed):
    workspace_services.workspace_update(
        actor=world.secretariat,
        workspace=dialogue.offsets,
        title=dialogue.offsets.title,
        purpose="",
        observer_policy="contribute",
        email_excerpts=True,
    )
    with committed():
        thread_services.post_reply(
            actor=world.member, thread=dialogue.public_thread, body=f"@observer {SECRET}"
        )
    [message] = [m for m in mail.outbox if world.observer.email in m.to]
    assert SECRET in message.body and dialogue.public_thread.title in message.body


def test_only_the_secretariat_allows_excerpts(world, dialogue):
    from django.core.exceptions import PermissionDenied

    from workspaces.access import WorkspaceRole
    from workspaces.services import roster_add_user

    roster_add_user(
        actor=world.secretariat,
        workspace=dialogue.offsets,
        user=world.member,
        role=WorkspaceRole.FACILITATOR,
    )
    with pytest.raises(PermissionDenied):
        workspace_services.workspace_update(
            actor=world.member,
            workspace=dialogue.offsets,
            title="x",
            purpose="",
            observer_policy="contribute",
            email_excerpts=True,
        )


def test_preferences_switch_emails_off(world, dialogue, committed):
    notification_services.preferences_update(
        actor=world.observer, email_mentions=False, email_replies=False
    )
    with committed():
        thread_services.post_reply(
            actor=world.member,
            thread=dialogue.public_thread,
            parent=dialogue.reply,
            body="@observer hello",
        )
    assert not [m for m in mail.outbox if world.observer.email in m.to]
    assert Notification.objects.filter(
        recipient=world.observer, post__parent=dialogue.reply
    ).exists()


def test_bell_counts_only_what_the_user_may_still_see(world, dialogue):
    thread_services.post_reply(
        actor=world.member, thread=dialogue.public_thread, body="@observer hi"
    )
    assert unread_notification_count(user=world.observer) >= 1
    dialogue.offsets.observer_policy = "none"
    dialogue.offsets.save()
    assert unread_notification_count(user=world.observer) == 0
    assert not visible_notifications(user=world.observer).exists()


def test_notification_pages(world, dialogue, client_for):
    thread_services.post_reply(
        actor=world.observer,
        thread=dialogue.public_thread,
        parent=dialogue.opening,
        body="A reply to the member",
    )
    client = client_for(world.member)
    page = client.get(reverse("notifications")).content.decode()
    assert "Replied to you" in page
    note = visible_notifications(user=world.member).filter(kind="reply").first()
    opened = client.get(reverse("notification_open", kwargs={"pk": note.pk}))
    assert opened.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
    other = visible_notifications(user=world.observer).first()
    if other is not None:
        assert client.get(reverse("notification_open", kwargs={"pk": other.pk})).status_code == 404
    client.post(reverse("notification_preferences"), {"email_mentions": "on"})
    preference = NotificationPreference.objects.get(user=world.member)
    assert preference.email_mentions and not preference.daily_digest


def test_digest_counts_without_content_and_skips_what_became_invisible(world, dialogue, settings):
    settings.ENCLAVE_SITE_URL = "https://enclave.example.org"
    thread_services.post_reply(
        actor=world.member, thread=dialogue.public_thread, body=f"@focal {SECRET}"
    )
    mail.outbox.clear()
    call_command("send_digests", verbosity=0)
    digests = {m.to[0]: m for m in mail.outbox}
    assert world.focal_point.email in digests
    body = digests[world.focal_point.email].body
    assert "Offsets and removals" in body and SECRET not in body
    assert dialogue.public_thread.title not in body
    mail.outbox.clear()
    call_command("send_digests", verbosity=0)
    assert not mail.outbox  # each item is digested once


def test_the_bell_counts_what_the_whole_filter_counts(world, dialogue):
    """The bell builds the visibility filter only for the subjects its unread notifications
    are about; for every reader it must agree with the whole filter."""
    from dialogues.models import ChatRoom

    thread_services.post_reply(
        actor=world.member, thread=dialogue.public_thread, body="@observer hi"
    )
    thread_services.post_reply(
        actor=world.member_nz, thread=dialogue.closed_thread, body="@cochair hi"
    )
    room = ChatRoom.objects.filter(workspace=dialogue.offsets).first()
    assert room is not None
    for user in world.users:
        Notification.objects.create(recipient=user, kind="mention", workspace=dialogue.offsets)
        Notification.objects.create(
            recipient=user, kind="mention", workspace=dialogue.offsets, room=room
        )
    dialogue.closed.observer_policy = "none"
    dialogue.closed.save()
    for user in world.users:
        whole = visible_notifications(user=user).filter(read_at__isnull=True).count()
        assert unread_notification_count(user=user) == whole, user.email
    assert any(unread_notification_count(user=user) for user in world.users)
    assert any(
        Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        > unread_notification_count(user=user)
        for user in world.users
    )


# ------------------------------------------------------------------------------
# A notice about no workspace: the access review a sponsor is asked for (accounts.reviews)
# ------------------------------------------------------------------------------


def test_an_access_review_notice_is_for_reviewers_only(world):
    from dialogues.notifications.services import access_review_notify

    assert access_review_notify(sponsor=world.member, due=1, dormant=0) is None
    assert access_review_notify(sponsor=world.focal_point, due=0, dormant=0) is None
    notice = access_review_notify(sponsor=world.focal_point, due=2, dormant=1)
    assert (notice.workspace, notice.item_count, notice.actor) == (None, 3, None)
    assert notification_services.still_visible(notice)
    assert notification_services.notification_link(notice) == reverse("access_reviews")


def test_the_access_review_notice_on_the_bell_and_the_page(world, dialogue, client_for):
    from dialogues.notifications.services import access_review_notify

    thread_services.post_reply(
        actor=world.member, thread=dialogue.public_thread, body="@focal have a look"
    )
    before = unread_notification_count(user=world.focal_point)
    notice = access_review_notify(sponsor=world.focal_point, due=3, dormant=0)
    assert unread_notification_count(user=world.focal_point) == before + 1
    client = client_for(world.focal_point)
    page = client.get(reverse("notifications")).content.decode()
    # Beside the workspace's notices (their bylines unchanged), named by a count only.
    assert "Access reviews due: 3 officials" in page and "Mentioned you" in page
    assert "Membership" in page and world.member.full_name in page
    assert reverse("notification_open", kwargs={"pk": notice.pk}) in page
    opened = client.get(reverse("notification_open", kwargs={"pk": notice.pk}))
    assert opened.status_code == 302 and opened.url == reverse("access_reviews")
    assert unread_notification_count(user=world.focal_point) == before
    # Another reader cannot open it.
    other = client_for(world.secretariat)
    assert other.get(reverse("notification_open", kwargs={"pk": notice.pk})).status_code == 404


def test_the_access_review_notice_goes_when_the_right_to_review_does(world, client_for):
    from dialogues.notifications.services import access_review_notify

    notice = access_review_notify(sponsor=world.focal_point, due=1, dormant=0)
    assert unread_notification_count(user=world.focal_point) == 1
    world.focal_point.is_focal_point = False
    world.focal_point.save()
    assert unread_notification_count(user=world.focal_point) == 0
    assert not visible_notifications(user=world.focal_point).exists()
    assert not notification_services.still_visible(notice)
    client = client_for(world.focal_point)
    assert "Access reviews due" not in client.get(reverse("notifications")).content.decode()
    assert client.get(reverse("notification_open", kwargs={"pk": notice.pk})).status_code == 404
    # A focal point again: shown again (the notice follows the right, not a copy of it).
    world.focal_point.is_focal_point = True
    world.focal_point.save()
    assert unread_notification_count(user=world.focal_point) == 1


def test_emails_and_digests_cope_with_a_notice_about_no_workspace(world, dialogue, settings):
    from dialogues.notifications.digest import send_digest
    from dialogues.notifications.services import access_review_notify, send_immediate_emails

    settings.ENCLAVE_SITE_URL = "https://enclave.example.org"
    notice = access_review_notify(sponsor=world.focal_point, due=2, dormant=0)
    mail.outbox.clear()
    # Its email is the review's own (accounts.reviews): none from here.
    assert send_immediate_emails([notice.pk]) == 0 and not mail.outbox
    thread_services.post_reply(
        actor=world.member, thread=dialogue.public_thread, body=f"@focal {SECRET}"
    )
    mail.outbox.clear()
    assert send_digest(world.focal_point)
    (digest,) = mail.outbox
    assert "1 access review notice" in digest.body
    assert "Offsets and removals" in digest.body and SECRET not in digest.body
    # Alone in a digest, too.
    access_review_notify(sponsor=world.focal_point, due=1, dormant=0)
    mail.outbox.clear()
    call_command("send_digests", verbosity=0)
    (digest,) = [m for m in mail.outbox if world.focal_point.email in m.to]
    assert "1 access review notice" in digest.body


def test_the_bell_counts_what_the_whole_filter_counts_with_access_reviews(world, dialogue):
    from dialogues.notifications.services import access_review_notify

    before = {user.pk: unread_notification_count(user=user) for user in world.users}
    for user in world.users:
        Notification.objects.create(recipient=user, kind="access_review", item_count=1)
        Notification.objects.create(recipient=user, kind="mention", workspace=dialogue.offsets)
        access_review_notify(sponsor=user, due=1, dormant=0)
    for user in world.users:
        whole = visible_notifications(user=user).filter(read_at__isnull=True).count()
        assert unread_notification_count(user=user) == whole, user.email
    # A reviewer counts both access reviews; an official who reviews nobody, neither.
    assert unread_notification_count(user=world.focal_point) == before[world.focal_point.pk] + 3
    assert unread_notification_count(user=world.member) <= before[world.member.pk] + 1
    assert not visible_notifications(user=world.member).filter(kind="access_review").exists()
