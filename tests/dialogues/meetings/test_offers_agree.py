"""Don't offer what will be refused: over the demo world, for every official and every dialogue
session, the session page offers a lifecycle step (and an action's "Mark done") exactly when the
service accepts it from that reader. The demo's sessions are joined by one in review whose
minutes are not shared yet, one the Secretariat shared (the four-eyes case), two drafts (one
without an agenda, which cannot be scheduled) and a live one."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from dialogues.meetings import minutes as meeting_minutes
from dialogues.meetings import services as meetings
from dialogues.models import ActionItem, DialogueSession
from workspaces.access import Capability, can
from workspaces.models import Workspace


class _Undo(Exception):
    """Raised to roll back what a probing service call wrote."""


def accepted(service, **arguments) -> bool:
    """Whether `service(**arguments)` is accepted; whatever it wrote is rolled back."""
    try:
        with transaction.atomic():
            service(**arguments)
            raise _Undo
    except _Undo:
        return True
    except (PermissionDenied, ValidationError):
        return False


def session_in_review(secretariat: User, workspace: Workspace, title: str) -> DialogueSession:
    start = timezone.now() - datetime.timedelta(hours=3)
    session = meetings.session_create(
        actor=secretariat,
        workspace=workspace,
        title=title,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        time_zone="Europe/Berlin",
    )
    meetings.agenda_item_save(
        actor=secretariat, session=session, title="Benchmarks", duration_minutes=30
    )
    for step in ("schedule", "start", "end"):
        session = meetings.session_transition(actor=secretariat, session=session, name=step)
    meeting_minutes.minutes_save(
        actor=secretariat,
        session=session,
        item=session.agenda.first(),
        summary="Participants compared benchmarks.",
        decisions="",
    )
    return session


@pytest.fixture
def demo_world(db):
    call_command("seed_demo", verbosity=0)
    secretariat = User.objects.get(email__startswith="secretariat@")
    offsets = Workspace.objects.get(slug="offsets")
    session_in_review(secretariat, offsets, "In review, not shared")
    shared = session_in_review(secretariat, offsets, "In review, shared by the Secretariat")
    meeting_minutes.minutes_share(actor=secretariat, session=shared)
    drafted = meetings.session_create(
        actor=secretariat,
        workspace=offsets,
        title="A draft without an agenda",
        starts_at=timezone.now() + datetime.timedelta(days=3),
        ends_at=timezone.now() + datetime.timedelta(days=3, hours=1),
        time_zone="Europe/Berlin",
    )
    ready = meetings.session_create(
        actor=secretariat,
        workspace=offsets,
        title="A draft with an agenda",
        starts_at=timezone.now() + datetime.timedelta(days=4),
        ends_at=timezone.now() + datetime.timedelta(days=4, hours=1),
        time_zone="Europe/Berlin",
    )
    meetings.agenda_item_save(actor=secretariat, session=ready, title="Item", duration_minutes=5)
    upcoming = DialogueSession.objects.get(title__startswith="Session 5")
    meetings.session_transition(actor=secretariat, session=upcoming, name="start")
    assert drafted.status == DialogueSession.Status.DRAFT


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="accounts.backends.OfficialBackend")
    return client


def test_session_steps_and_action_buttons_are_offered_iff_the_service_accepts(demo_world):
    sessions = list(DialogueSession.objects.select_related("workspace"))
    users = list(User.objects.filter(is_active=True).select_related("jurisdiction"))
    offered_somewhere = set()
    for user in users:
        client = signed_in(user)
        for session in sessions:
            if not can(user, Capability.VIEW, session):
                continue
            url = reverse(
                "session_detail", kwargs={"slug": session.workspace.slug, "pk": session.pk}
            )
            page = client.get(url).content.decode()
            offered = set(re.findall(r'name="step" value="(\w+)"', page))
            for name in meetings.TRANSITIONS:
                accepts = accepted(
                    meetings.session_transition, actor=user, session=session, name=name
                )
                assert (name in offered) is accepts, f"{user.email} / {session} / {name}"
                if accepts:
                    offered_somewhere.add(name)
            for action in ActionItem.objects.filter(session=session):
                done_url = reverse(
                    "action_done",
                    kwargs={"slug": session.workspace.slug, "pk": session.pk, "action": action.pk},
                )
                accepts = accepted(
                    meeting_minutes.action_set_done,
                    actor=user,
                    action=action,
                    done=not action.done_at,
                )
                shown = can(user, Capability.VIEW, action)
                assert (shown and done_url in page) is (shown and accepts), f"{user} / {action}"
    # The world holds every kind of step somewhere, approval included (by the Co-Chair).
    assert offered_somewhere == set(meetings.TRANSITIONS)


def test_the_sharer_is_told_why_and_another_approver_is_offered_the_step(demo_world, client_for):
    shared = DialogueSession.objects.get(title="In review, shared by the Secretariat")
    not_shared = DialogueSession.objects.get(title="In review, not shared")
    secretariat = User.objects.get(email__startswith="secretariat@")
    cochair = User.objects.get(email__startswith="cochair@")

    def page(user, session):
        url = reverse("session_detail", kwargs={"slug": "offsets", "pk": session.pk})
        return signed_in(user).get(url).content.decode()

    mine = page(secretariat, shared)
    assert "Approve the minutes and close" not in mine
    assert "someone other than the person who shared them" in mine
    assert "Approve the minutes and close" in page(cochair, shared)
    # Before the minutes are shared nobody is offered the approval; the Secretariat is
    # offered the share form, the Co-Chair is told what comes first.
    assert "Approve the minutes and close" not in page(cochair, not_shared)
    assert "Share the minutes for review before approving them." in page(cochair, not_shared)
    assert "Share for review" in page(secretariat, not_shared)


def test_the_share_form_waits_for_written_minutes(demo_world):
    secretariat = User.objects.get(email__startswith="secretariat@")
    session = DialogueSession.objects.get(title="In review, not shared")
    session.minutes.update(summary_source="", summary_html="")
    url = reverse("session_detail", kwargs={"slug": "offsets", "pk": session.pk})
    page = signed_in(secretariat).get(url).content.decode()
    assert "Share for review" not in page
    assert "Write the minutes of at least one agenda item first." in page
    assert not accepted(meeting_minutes.minutes_share, actor=secretariat, session=session)
