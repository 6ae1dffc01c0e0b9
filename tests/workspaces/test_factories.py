"""The content factories (tests/factories.py) make valid objects that the access policy
(workspaces/access.py) treats as it treats what the pages make: whoever wrote an item can
see it, and someone off the roster can neither see it nor find it."""

import pytest
from django.core.exceptions import PermissionDenied

from dialogues.models import ChatRoom, DialogueSession, Post, Thread
from tests.factories import (
    PDF,
    DialogueSessionFactory,
    DocumentFactory,
    PostFactory,
    ThreadFactory,
    UserFactory,
    WorkspaceFactory,
)
from workspaces.access import Capability, WorkspaceRole, can, visible, workspace_role
from workspaces.models import Document, Workspace

Status = DialogueSession.Status


def assert_seen_only_by(obj, *readers):
    """Each reader sees `obj`, through `can` and `visible` alike; a new official does not."""
    for reader in readers:
        assert can(reader, Capability.VIEW, obj), reader
        assert (
            type(obj)
            .objects.filter(pk=obj.pk)
            .filter(pk__in=visible(reader, type(obj)).values("pk"))
            .exists()
        ), reader
    stranger = UserFactory()
    assert not can(stranger, Capability.VIEW, obj)
    assert not visible(stranger, type(obj)).filter(pk=obj.pk).exists()


def test_a_workspace_is_facilitated_by_its_creator_and_has_its_room(db):
    official = UserFactory()
    workspace = WorkspaceFactory(participants=[official], attribution="chatham_house")
    assert workspace_role(workspace.created_by, workspace) == WorkspaceRole.FACILITATOR
    assert workspace_role(official, workspace) == WorkspaceRole.PARTICIPANT
    assert can(official, Capability.CONTRIBUTE, workspace)
    assert not can(official, Capability.MANAGE_ROSTER, workspace)
    assert ChatRoom.objects.filter(workspace=workspace, is_workspace_room=True).exists()
    assert Workspace.objects.get(pk=workspace.pk).attribution == "chatham_house"
    assert_seen_only_by(workspace, workspace.created_by, official)
    # Slugs stay unique however many are made.
    assert WorkspaceFactory().slug != WorkspaceFactory().slug


def test_a_workspace_takes_jurisdictions_onto_its_roster(world):
    workspace = WorkspaceFactory(created_by=world.secretariat, jurisdictions=[world.eu])
    assert workspace_role(world.member, workspace) == WorkspaceRole.PARTICIPANT
    assert workspace_role(world.member_nz, workspace) is None


def test_a_thread_has_its_opening_post_and_its_author_on_the_roster(db):
    author = UserFactory()
    thread = ThreadFactory(author=author, body="Where do we start?")
    opening = thread.posts.get(depth=0)
    assert (opening.author, opening.body_source, thread.post_count) == (
        author,
        "Where do we start?",
        1,
    )
    assert workspace_role(author, thread.workspace) == WorkspaceRole.PARTICIPANT
    assert_seen_only_by(thread, author, thread.workspace.created_by)


def test_a_post_replies_in_its_thread_and_its_author_can_view_the_thread(db):
    post = PostFactory()
    assert post.thread.posts.count() == 2
    assert post.parent == post.thread.posts.get(depth=0)
    assert post.path.startswith(post.parent.path + ".")
    assert can(post.author, Capability.VIEW, post.thread)
    assert can(post.author, Capability.CONTRIBUTE, post.thread)
    assert_seen_only_by(post, post.author, post.thread.author)
    nested = PostFactory(parent=post)
    assert (nested.thread, nested.depth) == (post.thread, 2)
    assert Thread.objects.get(pk=post.thread.pk).post_count == 3
    assert Post.objects.filter(thread=post.thread).count() == 3


def test_a_document_has_a_stored_version(db, documents_dir):
    document = DocumentFactory(title="Budget", tags=["budget", "2030"])
    version = document.versions.get()
    assert (version.number, version.content_type, version.size) == (1, "application/pdf", len(PDF))
    assert (documents_dir / version.file.name).read_bytes() == PDF
    assert Document.objects.get(pk=document.pk).tag_list == ["budget", "2030"]
    assert_seen_only_by(document, document.uploaded_by)


def test_a_full_members_document_is_hidden_from_observers(world):
    workspace = WorkspaceFactory(
        created_by=world.secretariat,
        jurisdictions=[world.eu, world.chile],
        observer_policy="contribute",
    )
    document = DocumentFactory(
        workspace=workspace, uploaded_by=world.member, audience="full_members"
    )
    assert can(world.member, Capability.VIEW, document)
    assert not can(world.observer, Capability.VIEW, document)
    # The policy is asked as for any upload: an observer cannot share such a document.
    with pytest.raises(PermissionDenied):
        DocumentFactory(workspace=workspace, uploaded_by=world.observer, audience="full_members")


@pytest.mark.parametrize("status", list(Status))
def test_a_session_reaches_each_state_by_the_state_machines_steps(db, status):
    official = UserFactory()
    session = DialogueSessionFactory(
        workspace=WorkspaceFactory(participants=[official]),
        status=status,
        agenda=["Opening", "Benchmarks"],
    )
    assert session.status == status
    assert [item.title for item in session.agenda.all()] == ["Opening", "Benchmarks"]
    assert (session.room is not None) == (status not in (Status.DRAFT, Status.SCHEDULED))
    if status == Status.CLOSED:
        assert session.approved_by not in (None, session.review_opened_by)
    # A draft is seen only by those who run sessions; once scheduled, by the roster.
    assert can(session.created_by, Capability.VIEW, session)
    assert can(official, Capability.VIEW, session) == (status != Status.DRAFT)
    assert not can(UserFactory(), Capability.VIEW, session)
