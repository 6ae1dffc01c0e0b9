"""Tests written against surviving mutants of `make mutants` (docs/architecture.md, "Mutation
testing"): each pins a rule of the access policy or a service that no other test held. Real
database, the cast of tests/conftest.py; nothing of the project is mocked."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.http import Http404
from django.utils import timezone

from accounts import policy as platform
from accounts.models import Jurisdiction, User
from dialogues.meetings import services as meetings
from dialogues.models import AgendaItem, DialogueSession
from dialogues.threads import services as thread_services
from tests.factories import JurisdictionFactory, UserFactory, enrol_totp
from workspaces.access import (
    Capability,
    WorkspaceRole,
    can,
    can_act_for,
    can_read_hidden_text,
    people_who_can_view,
    visible,
    workspace_capabilities,
    workspace_capabilities_for,
)
from workspaces.models import Workspace
from workspaces.services import roster_add_jurisdiction, roster_add_user, roster_remove


def test_the_policy_refuses_what_it_does_not_know(world, dialogue):
    """Default deny: an object or model the policy has no rule for is neither viewable nor
    listed (accounts.policy `_can_view` and `visible` fall through to "no")."""
    group = world.eu.group
    for user in (world.cochair, world.secretariat, world.member):
        assert not can(user, Capability.VIEW, group)
        assert not platform.can(user, Capability.VIEW, dialogue.offsets)
        assert not visible(user, Group).exists()
        assert not platform.visible(user, Group).exists()


def test_hidden_text_needs_the_item_in_sight_even_for_its_author(world, dialogue):
    """`can_read_hidden_text` without precomputed capabilities: its author and the moderators
    read a hidden post; anyone else, and an author who lost sight of the dialogue, do not."""
    post = dialogue.reply  # Chile's observer wrote it in `offsets`
    thread_services.post_set_hidden(
        actor=world.secretariat, post=post, hidden=True, reason="Off topic"
    )
    post.refresh_from_db()
    author = world.observer
    assert can_read_hidden_text(author, post, author_id=author.pk)
    assert can_read_hidden_text(world.secretariat, post, author_id=author.pk)
    assert not can_read_hidden_text(world.member, post, author_id=author.pk)
    # Someone who cannot see the dialogue reads nothing, whatever author id is claimed.
    assert not can_read_hidden_text(world.member_nz, post, author_id=world.member_nz.pk)
    # The author's jurisdiction leaves the roster: the author loses the hidden text too.
    roster_remove(actor=world.secretariat, workspace=dialogue.offsets, jurisdiction=world.chile)
    author = User.objects.get(pk=author.pk)
    assert not can(author, Capability.VIEW, post)
    assert not can_read_hidden_text(author, post, author_id=author.pk)


def test_drafts_reach_exactly_those_who_run_sessions_whatever_their_grant(world, dialogue):
    """`people_who_can_view` on a draft session (and what sits in it) names exactly those `can`
    lets see it, over every way onto a roster: a jurisdiction's grant and a personal one, as
    participant or facilitator, here or in another dialogue, with a platform role that adds
    RUN_SESSIONS (Secretariat) or not (Co-Chair), and an observer made facilitator."""
    offsets, closed = dialogue.offsets, dialogue.closed
    # New Zealand facilitates `closed` but only participates in `offsets`.
    roster_add_jurisdiction(
        actor=world.cochair, workspace=closed, jurisdiction=world.nz, role=WorkspaceRole.FACILITATOR
    )
    roster_add_jurisdiction(
        actor=world.secretariat,
        workspace=offsets,
        jurisdiction=world.nz,
        role=WorkspaceRole.PARTICIPANT,
    )
    # The Co-Chair facilitates `closed` (its creator) and participates in `offsets` in person.
    roster_add_user(
        actor=world.secretariat,
        workspace=offsets,
        user=world.cochair,
        role=WorkspaceRole.PARTICIPANT,
    )
    # A jurisdiction that facilitates `offsets` through its grant.
    norway = JurisdictionFactory(name="Norway", code="no")
    norwegian = UserFactory(email="norway@example.test", jurisdiction=norway)
    roster_add_jurisdiction(
        actor=world.secretariat,
        workspace=offsets,
        jurisdiction=norway,
        role=WorkspaceRole.FACILITATOR,
    )
    # A second Secretariat officer on the roster only as a participant.
    clerk = UserFactory(email="clerk@example.test", secretariat=True)
    enrol_totp(clerk)
    roster_add_user(
        actor=world.secretariat, workspace=offsets, user=clerk, role=WorkspaceRole.PARTICIPANT
    )
    # An observer official made facilitator in person (the observer policy still bounds them).
    roster_add_user(
        actor=world.secretariat,
        workspace=offsets,
        user=world.observer,
        role=WorkspaceRole.FACILITATOR,
    )
    start = timezone.now() + datetime.timedelta(days=3)
    draft = meetings.session_create(
        actor=world.secretariat,
        workspace=offsets,
        title="Draft",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        time_zone="UTC",
    )
    item = meetings.agenda_item_save(
        actor=world.secretariat, session=draft, title="Item", duration_minutes=5
    )
    users = [User.objects.get(pk=u.pk) for u in [*world.users, norwegian, clerk]]
    for obj in (DialogueSession.objects.get(pk=draft.pk), AgendaItem.objects.get(pk=item.pk)):
        readers = set(people_who_can_view(obj).values_list("pk", flat=True))
        allowed = {u.pk for u in users if can(u, Capability.VIEW, obj)}
        assert readers == allowed, obj
        # ... and the lists (`visible`, whose draft gate is `_workspace_ids_with`) agree too.
        listed = {u.pk for u in users if visible(u, type(obj)).filter(pk=obj.pk).exists()}
        assert listed == allowed, obj
    # The expectation spelled out, so that the test does not hinge on `can` alone.
    expected = {world.secretariat.pk, norwegian.pk, clerk.pk}
    assert set(people_who_can_view(draft).values_list("pk", flat=True)) == expected


def _scheduled_session(world, workspace):
    start = timezone.now() + datetime.timedelta(days=3)
    session = meetings.session_create(
        actor=world.secretariat,
        workspace=workspace,
        title="Briefing",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        time_zone="UTC",
    )
    meetings.agenda_item_save(
        actor=world.secretariat, session=session, title="Item", duration_minutes=5
    )
    return meetings.session_transition(actor=world.secretariat, session=session, name="schedule")


def test_organisers_register_anyone_and_outsiders_no_one(world, dialogue):
    """`can_act_for`: those who run sessions register anyone in the audience (the Secretariat
    belongs to no jurisdiction); someone who cannot see the session acts for nobody, not even
    for themselves."""
    session = _scheduled_session(world, dialogue.offsets)
    run = Capability.RUN_SESSIONS
    assert can_act_for(world.secretariat, session, world.observer, run)
    meetings.registration_set(
        actor=world.secretariat, session=session, user=world.observer, attending=True
    )
    assert session.registrations.filter(user=world.observer).exists()
    assert not can_act_for(world.member_nz, session, world.member_nz, run)
    assert not can_act_for(world.member, session, world.observer, run)


def test_many_workspaces_at_once_answer_as_one_at_a_time(world, dialogue):
    """`workspace_capabilities_for` (the Secretariat's directory) is `workspace_capabilities`
    for many workspaces in one go, for everyone, standing or not."""
    dialogue.closed.status = "archived"
    dialogue.closed.save()
    workspaces = list(Workspace.objects.all())
    for user in [User.objects.get(pk=u.pk) for u in world.users]:
        many = workspace_capabilities_for(user, workspaces)
        assert many == {w.pk: workspace_capabilities(user, w) for w in workspaces}, user.email


def test_platform_pages_fetch_only_what_the_reader_may_see(world):
    """accounts.policy `get_visible_or_404`: a focal point opens officials and the jurisdiction
    of their own jurisdiction; anything else, and anything missing, is the same 404."""
    focal = world.focal_point
    assert platform.get_visible_or_404(focal, User, pk=world.member.pk) == world.member
    assert platform.get_visible_or_404(focal, Jurisdiction, code="eu") == world.eu
    for model, lookup in (
        (User, {"pk": world.member_nz.pk}),
        (Jurisdiction, {"code": "nz"}),
        (User, {"pk": 10**6}),
    ):
        with pytest.raises(Http404):
            platform.get_visible_or_404(focal, model, **lookup)
