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
