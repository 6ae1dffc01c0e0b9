"""Rules that were guarded only through one door, or not at all: each is tested here at the
service and, where a route or the websocket reaches it directly, through that door too.

- only a chat message's author may delete it (service and HTTP route);
- two authors may use the same client id in one room (service and websocket);
- only a post's author may edit it (service);
- an invitation is used once, and never after it expired or was revoked (service);
- an observer on the roster of a dialogue closed to observers sees none of it (the demo world,
  with its observers put on every such roster: can, visible and people_who_can_view agree).
"""

import datetime
import json

import pytest
from allauth.account.models import EmailAddress
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Invitation, Jurisdiction, User
from dialogues.chat import services as chat_services
from dialogues.models import ChatMessage, ChatRoom, Post, PostRevision
from dialogues.threads import services as thread_services

STRONG = "a-long-and-unusual-passphrase-42"
TIMEOUT = 5


@pytest.fixture
def room(dialogue):
    return ChatRoom.objects.get(workspace=dialogue.offsets, is_workspace_room=True)


# ------------------------------------------------------------------------------
# Chat: only the author deletes a message
# ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["focal_point", "observer", "secretariat"])
def test_nobody_but_the_author_deletes_a_chat_message(world, dialogue, room, who):
    """A colleague, a member of another jurisdiction and the room's moderator all see the
    message; none may delete it (moderators hide, with a reason, instead)."""
    message, _ = chat_services.message_send(
        actor=world.member, room=room, body="Mine", client_id="own-1"
    )
    with pytest.raises(PermissionDenied):
        chat_services.message_delete(actor=getattr(world, who), message=message)
    message.refresh_from_db()
    assert message.deleted_at is None
    # The author still may.
    chat_services.message_delete(actor=world.member, message=message)
    message.refresh_from_db()
    assert message.deleted_at is not None


def test_the_delete_route_refuses_another_members_message(world, dialogue, room, client_for):
    message, _ = chat_services.message_send(
        actor=world.member, room=room, body="Mine", client_id="own-2"
    )
    url = reverse("chat_delete", kwargs={"slug": dialogue.offsets.slug, "seq": message.seq})
    # They can see the message, so the refusal is a 403, not a 404.
    response = client_for(world.focal_point).post(url, {})
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.deleted_at is None
    page = client_for(world.member).get(reverse("chat_room", kwargs={"slug": "offsets"}))
    assert "Mine" in page.content.decode()


# ------------------------------------------------------------------------------
# Chat: a client id is one author's, not the room's
# ------------------------------------------------------------------------------


def test_two_authors_may_use_the_same_client_id_in_one_room(world, dialogue, room):
    first, created = chat_services.message_send(
        actor=world.member, room=room, body="From Brussels", client_id="tab-1"
    )
    assert created
    second, created = chat_services.message_send(
        actor=world.focal_point, room=room, body="From the focal point", client_id="tab-1"
    )
    assert created, "the second author's message was taken for a retry of the first's"
    assert second.pk != first.pk
    assert second.author_id == world.focal_point.pk
    assert second.body_source == "From the focal point"
    assert second.seq == first.seq + 1
    stored = ChatMessage.objects.filter(room=room, client_id="tab-1")
    assert sorted(stored.values_list("author_id", flat=True)) == sorted(
        [world.member.pk, world.focal_point.pk]
    )
    # Each author's own retry is still answered with their own message, stored once.
    again, created = chat_services.message_send(
        actor=world.focal_point, room=room, body="From the focal point", client_id="tab-1"
    )
    assert not created and again.pk == second.pk
    assert stored.count() == 2


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user, backend="accounts.backends.OfficialBackend")
    return client.cookies["sessionid"].value


async def _connect(user, room):
    from config.asgi import application

    key = await sync_to_async(_session_cookie)(user)
    headers = [
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
        (b"cookie", f"sessionid={key}".encode()),
    ]
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers)
    connected, _code = await communicator.connect(timeout=TIMEOUT)
    assert connected
    await _receive(communicator, "ready")
    return communicator


async def _receive(communicator, *kinds):
    """The next frame of one of `kinds`; other frames in between are passed over."""
    while True:
        frame = json.loads(await communicator.receive_from(timeout=TIMEOUT))
        if frame["type"] in kinds:
            return frame


async def _send(communicator, body, client_id):
    await communicator.send_to(
        text_data=json.dumps({"type": "send", "body": body, "client_id": client_id})
    )


@pytest.fixture
def fresh_channel_layer():
    """Each async test runs on its own event loop; a Redis layer's connections belong to one."""
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_two_authors_same_client_id_over_the_websocket(
    world, dialogue, room, fresh_channel_layer
):
    alice = await _connect(world.member, room)
    bob = await _connect(world.focal_point, room)
    await _send(alice, "Alice speaks", "shared-1")
    alice_ack = await _receive(alice, "ack", "error")
    assert alice_ack["type"] == "ack"
    await _receive(bob, "message")
    await _send(bob, "Bob speaks", "shared-1")
    bob_ack = await _receive(bob, "ack", "error")
    assert bob_ack["type"] == "ack"
    assert bob_ack["message"]["html"] == "<p>Bob speaks</p>", "Bob was acked Alice's message"
    assert bob_ack["message"]["author"]["id"] == world.focal_point.pk
    assert bob_ack["message"]["seq"] == alice_ack["message"]["seq"] + 1
    # Alice sees Bob's message arrive (after the broadcast of her own): it was stored and
    # broadcast, not dropped.
    live = await _receive(alice, "message")
    while live["message"]["seq"] == alice_ack["message"]["seq"]:
        live = await _receive(alice, "message")
    assert live["message"]["html"] == "<p>Bob speaks</p>"
    count = ChatMessage.objects.filter(room=room, client_id="shared-1").count
    assert await sync_to_async(count)() == 2
    await alice.disconnect()
    await bob.disconnect()


# ------------------------------------------------------------------------------
# Threads: only the author edits a post
# ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["focal_point", "observer", "secretariat"])
def test_post_edit_service_refuses_anyone_but_the_author(world, dialogue, who):
    """All three may contribute in `offsets` (the Secretariat moderates it too); none of them
    wrote the opening post, so none may rewrite it."""
    post = dialogue.opening
    before = post.body_source
    with pytest.raises(PermissionDenied):
        thread_services.post_edit(actor=getattr(world, who), post=post, body="Rewritten")
    post.refresh_from_db()
    assert post.body_source == before and post.edited_at is None
    assert not PostRevision.objects.filter(post=post).exists()
    # The author may.
    thread_services.post_edit(actor=world.member, post=post, body="Clarified criteria.")
    assert Post.objects.get(pk=post.pk).body_source == "Clarified criteria."


# ------------------------------------------------------------------------------
# Invitations: used once, and never spent, expired or revoked
# ------------------------------------------------------------------------------


def _invite(world, email="new@example.test"):
    return account_services.invitation_create(
        actor=world.cochair,
        email=email,
        full_name="New Official",
        jurisdiction=world.eu,
        role="official",
    )


def _accept(token, email="new@example.test"):
    return account_services.invitation_accept(
        token=token, email=email, full_name="New Official", password=STRONG
    )


def test_an_accepted_invitation_cannot_be_used_again(world):
    invitation, token = _invite(world)
    user = _accept(token)
    # The official later signs in under another address: the old link must not mint a second
    # account for the first one.
    user.email = "renamed@example.test"
    user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user).update(email=user.email)
    users_before = User.objects.count()
    with pytest.raises(ValidationError, match="already been used"):
        _accept(token)
    assert User.objects.count() == users_before
    invitation.refresh_from_db()
    assert invitation.accepted_user_id == user.pk


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda i: setattr(i, "revoked_at", timezone.now()), "revoked"),
        (
            lambda i: setattr(i, "expires_at", timezone.now() - datetime.timedelta(minutes=1)),
            "expired",
        ),
    ],
    ids=["revoked", "expired"],
)
def test_a_revoked_or_expired_invitation_creates_nothing(world, spoil, message):
    invitation, token = _invite(world)
    spoil(invitation)
    invitation.save()
    users_before = User.objects.count()
    with pytest.raises(ValidationError, match=message):
        _accept(token)
    assert User.objects.count() == users_before
    assert not User.objects.filter(email="new@example.test").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert invitation.state != Invitation.State.ACCEPTED


# ------------------------------------------------------------------------------
# Observers on the roster of a dialogue closed to observers
# ------------------------------------------------------------------------------


def test_observers_on_a_closed_dialogues_roster_see_nothing_of_it_in_the_demo_world(db):
    from dialogues.models import DialogueSession, Thread
    from workspaces.access import Capability, WorkspaceRole, can, people_who_can_view, visible
    from workspaces.models import Document, Workspace
    from workspaces.services import roster_add_jurisdiction

    call_command("seed_demo", verbosity=0)
    closed = list(Workspace.objects.filter(observer_policy="none", kind="dialogue"))
    observers = list(Jurisdiction.objects.filter(status=Jurisdiction.Status.OBSERVER))
    assert closed and observers
    users = list(User.objects.all())
    for workspace in closed:
        manager = next(u for u in users if can(u, Capability.MANAGE_ROSTER, workspace))
        for jurisdiction in observers:
            roster_add_jurisdiction(
                actor=manager,
                workspace=workspace,
                jurisdiction=jurisdiction,
                role=WorkspaceRole.PARTICIPANT,
            )
    users = list(User.objects.select_related("jurisdiction"))
    observer_officials = [u for u in users if u.jurisdiction in observers]
    assert observer_officials
    closed_slugs = {w.slug for w in closed}
    for user in observer_officials:
        seen = set(visible(user, Workspace).values_list("slug", flat=True))
        assert not seen & closed_slugs, f"{user.email} sees {seen & closed_slugs}"
    models = [Workspace, Thread, Post, ChatRoom, ChatMessage, Document, DialogueSession]
    for model in models:
        objects = list(model._default_manager.all())
        for user in users:
            listed = set(visible(user, model).values_list("pk", flat=True))
            allowed = {o.pk for o in objects if can(user, Capability.VIEW, o)}
            assert listed == allowed, f"{user.email} / {model.__name__}"
    for item in [*Workspace.objects.all(), *Thread.objects.all()]:
        readers = set(people_who_can_view(item).values_list("pk", flat=True))
        for user in users:
            assert (user.pk in readers) is can(user, Capability.VIEW, item), f"{user} / {item}"
