"""Who am I here: the reader's standing, worded by the policy, for each role of the cast; on
the platform (the account menu) and on a dialogue's roster (every workspace page's header)."""

import pytest
from django.urls import reverse

from workspaces.access import WorkspaceRole, platform_standing, workspace_standing
from workspaces.models import Workspace
from workspaces.services import roster_add_user, workspace_archive


def test_platform_standing_of_each_role(world):
    labels = {
        "cochair": "Co-Chair · New Zealand",
        "secretariat": "Secretariat",
        "focal_point": "Focal point · European Union",
        "member": "Member official · European Union",
        "member_nz": "Member official · New Zealand",
        "observer": "Observer · Chile",
    }
    for name, label in labels.items():
        standing = platform_standing(getattr(world, name))
        assert standing.label == label, name
        assert standing.explanation, name
    world.observer.is_focal_point = True
    assert platform_standing(world.observer).label == "Observer focal point · Chile"
    # No standing, no words: a former member's official, a deactivated account.
    assert platform_standing(world.former_official) is None
    assert platform_standing(world.deactivated) is None


@pytest.fixture
def offsets(world, dialogue):
    """Offsets and removals: the Secretariat facilitates (it created it), EU and Chile take
    part; New Zealand's official facilitates in person and the Co-Chair takes part."""
    workspace = dialogue.offsets
    roster_add_user(
        actor=world.secretariat,
        workspace=workspace,
        user=world.member_nz,
        role=WorkspaceRole.FACILITATOR,
    )
    roster_add_user(
        actor=world.secretariat,
        workspace=workspace,
        user=world.cochair,
        role=WorkspaceRole.PARTICIPANT,
    )
    return workspace


def test_workspace_standing_of_each_role(world, offsets):
    expected = {
        "secretariat": "Secretariat on this roster",
        "member_nz": "Facilitator",
        "cochair": "Co-Chair, participant",
        "member": "Participant",
        "focal_point": "Participant",
        "observer": "Observer",
    }
    for name, label in expected.items():
        standing = workspace_standing(getattr(world, name), offsets)
        assert standing.label == label, name
    observer = workspace_standing(world.observer, offsets).explanation
    assert "read and contribute" in observer
    assert "full-members-only items are not shown to you" in observer
    assert (
        "full-members-only items included" in workspace_standing(world.member, offsets).explanation
    )


def test_observer_on_a_read_only_dialogue_and_nobody_off_the_roster(world, dialogue, offsets):
    Workspace.objects.filter(pk=offsets.pk).update(observer_policy="read")
    offsets.refresh_from_db()
    standing = workspace_standing(world.observer, offsets)
    assert standing.label == "Observer, reading only"
    assert "contribute" not in standing.explanation
    # Off the roster, or without standing: no standing to show.
    assert workspace_standing(world.member, dialogue.closed) is None
    assert workspace_standing(world.former_official, offsets) is None
    assert workspace_standing(world.deactivated, offsets) is None


def test_an_archived_dialogue_says_it_is_read_only(world, offsets):
    workspace_archive(actor=world.secretariat, workspace=offsets, reason="Done.")
    offsets.refresh_from_db()
    assert "you can only read it" in workspace_standing(world.member, offsets).explanation


def test_pages_show_the_standing(world, offsets, client_for):
    page = client_for(world.observer).get(reverse("workspace_detail", kwargs={"slug": "offsets"}))
    html = page.content.decode()
    assert "Your standing here:" in html
    assert '<strong class="standing__label">Observer</strong>' in html
    # The same header on every page of the dialogue, and the account menu on every page.
    roster = client_for(world.member).get(reverse("workspace_roster", kwargs={"slug": "offsets"}))
    assert '<strong class="standing__label">Participant</strong>' in roster.content.decode()
    home = client_for(world.observer).get(reverse("home")).content.decode()
    assert "Observer · Chile" in home
    secretariat = client_for(world.secretariat).get(reverse("home")).content.decode()
    assert '<strong class="account-standing__label">Secretariat</strong>' in secretariat
