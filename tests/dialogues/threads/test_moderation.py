"""Moderation by facilitators and the Secretariat: pin, lock, hide, move, archive; audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from dialogues.threads import services as thread_services
from tests.factories import WorkspaceFactory
from workspaces.access import WorkspaceRole
from workspaces.services import roster_add_user, workspace_archive


def test_only_moderators_moderate(world, dialogue):
    for action in (
        lambda: thread_services.thread_set_pinned(
            actor=world.member, thread=dialogue.public_thread, pinned=True
        ),
        lambda: thread_services.post_set_hidden(
            actor=world.member, post=dialogue.reply, hidden=True, reason="x"
        ),
        lambda: thread_services.thread_set_locked(
            actor=world.member, thread=dialogue.public_thread, locked=True, reason="x"
        ),
    ):
        with pytest.raises(PermissionDenied):
            action()


def test_pin_and_lock_are_audited(world, dialogue):
    thread_services.thread_set_pinned(
        actor=world.secretariat, thread=dialogue.public_thread, pinned=True
    )
    with pytest.raises(ValidationError):
        thread_services.thread_set_locked(
            actor=world.secretariat, thread=dialogue.public_thread, locked=True, reason=""
        )
    thread_services.thread_set_locked(
        actor=world.secretariat, thread=dialogue.public_thread, locked=True, reason="Concluded"
    )
    dialogue.public_thread.refresh_from_db()
    assert dialogue.public_thread.pinned_at and dialogue.public_thread.locked_at
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "thread_pinned",
        "thread_locked",
    }
    with pytest.raises(PermissionDenied):
        thread_services.post_reply(actor=world.member, thread=dialogue.public_thread, body="late")


def test_hiding_needs_a_reason_and_tells_the_author(world, dialogue):
    with pytest.raises(ValidationError):
        thread_services.post_set_hidden(
            actor=world.secretariat, post=dialogue.reply, hidden=True, reason=" "
        )
    thread_services.post_set_hidden(
        actor=world.secretariat, post=dialogue.reply, hidden=True, reason="Off topic"
    )
    dialogue.reply.refresh_from_db()
    assert dialogue.reply.hidden_reason == "Off topic"
    event = AuditEvent.objects.get(action="post_hidden")
    assert event.detail["reason"] == "Off topic" and event.target_user == world.observer
    assert world.observer.notifications.filter(kind="moderation").exists()


def test_move_refused_when_it_would_widen_readers(world, dialogue):
    # The Secretariat moderates both once it joins the closed dialogue.
    roster_add_user(
        actor=world.cochair,
        workspace=dialogue.closed,
        user=world.secretariat,
        role=WorkspaceRole.FACILITATOR,
    )
    with pytest.raises(ValidationError, match="more people"):
        thread_services.thread_move(
            actor=world.secretariat,
            thread=dialogue.closed_thread,
            target=dialogue.offsets,
            reason="Belongs there",
        )
    dialogue.closed_thread.refresh_from_db()
    assert dialogue.closed_thread.workspace == dialogue.closed


def test_move_allowed_when_readers_do_not_widen(world, dialogue):
    narrower = WorkspaceFactory(
        created_by=world.secretariat,
        title="EU and Chile subgroup",
        observer_policy="contribute",
        jurisdictions=[world.eu],
    )
    thread_services.thread_move(
        actor=world.secretariat,
        thread=dialogue.members_thread,
        target=narrower,
        reason="Subgroup work",
    )
    dialogue.members_thread.refresh_from_db()
    assert dialogue.members_thread.workspace == narrower
    assert AuditEvent.objects.filter(action="thread_moved").exists()


def test_archive_needs_a_reason_and_freezes_the_dialogue(world, dialogue):
    with pytest.raises(ValidationError):
        workspace_archive(actor=world.secretariat, workspace=dialogue.offsets, reason="")
    workspace_archive(actor=world.secretariat, workspace=dialogue.offsets, reason="Concluded")
    thread = type(dialogue.public_thread).objects.get(pk=dialogue.public_thread.pk)
    with pytest.raises(PermissionDenied):
        thread_services.post_reply(actor=world.member, thread=thread, body="late")
    with pytest.raises(PermissionDenied):
        thread_services.post_delete(
            actor=world.observer, post=thread.posts.get(pk=dialogue.reply.pk)
        )
