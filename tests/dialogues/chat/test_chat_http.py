"""The chat without JavaScript: history is readable and a plain form posts through the same
service as the websocket (idempotent, policy-checked, limited)."""

from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import AuditEvent
from dialogues.chat import services as chat_services
from dialogues.models import ChatMessage, ChatRoom


def post(client, name, data, **kwargs):
    return client.post(reverse(name, kwargs={"slug": "offsets", **kwargs}), data)


def test_plain_form_posts_once_per_client_id(world, dialogue, room, client_for):
    client = client_for(world.member)
    page = client.get(reverse("chat_room", kwargs={"slug": "offsets"}))
    assert page.status_code == 200
    for _ in range(2):  # a double submit
        response = post(client, "chat_send", {"body": "Morning all", "client_id": "form-1"})
        assert response.status_code == 302 and response.url.endswith("#m-1")
    assert ChatMessage.objects.filter(room=room).count() == 1
    html = client.get(reverse("chat_room", kwargs={"slug": "offsets"})).content.decode()
    assert "Morning all" in html


def test_refusals_have_clear_messages_and_store_nothing(world, dialogue, room, client_for):
    client = client_for(world.member)
    response = post(client, "chat_send", {"body": "x" * (17 * 1024), "client_id": "big"})
    assert "16 KiB" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    dialogue.offsets.observer_policy = "read"
    dialogue.offsets.save()
    observer = client_for(world.observer)
    post(observer, "chat_send", {"body": "Hello", "client_id": "obs"})
    assert not ChatMessage.objects.exists()


def test_lock_mute_and_hide_are_audited(world, dialogue, room, client_for):
    chat_services.message_send(actor=world.member, room=room, body="Off topic", client_id="m1")
    moderator = client_for(world.secretariat)
    post(moderator, "chat_hide", {"reason": ""}, seq=1)
    assert ChatMessage.objects.get(seq=1).hidden_at is None  # a reason is required
    post(moderator, "chat_hide", {"reason": "Off topic"}, seq=1)
    assert ChatMessage.objects.get(seq=1).hidden_at is not None
    post(moderator, "chat_mute", {"user": world.observer.pk, "minutes": 10, "reason": "Noise"})
    observer = client_for(world.observer)
    post(observer, "chat_send", {"body": "Still talking", "client_id": "o1"})
    assert not ChatMessage.objects.filter(author=world.observer).exists()
    post(moderator, "chat_lock", {"locked": "1", "reason": "Session over"})
    member = client_for(world.member)
    post(member, "chat_send", {"body": "Late", "client_id": "late"})
    assert ChatMessage.objects.count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"chat_hidden", "chat_muted", "chat_locked"} <= actions


def test_own_messages_edit_within_window_and_delete(world, dialogue, room, client_for):
    message, _ = chat_services.message_send(
        actor=world.member, room=room, body="Typo", client_id="e1"
    )
    client = client_for(world.member)
    post(client, "chat_edit", {"body": "Fixed"}, seq=message.seq)
    message.refresh_from_db()
    assert message.body_source == "Fixed" and message.edited_at
    other = client_for(world.focal_point)
    assert post(other, "chat_edit", {"body": "Hijack"}, seq=message.seq).status_code == 403
    post(client, "chat_delete", {}, seq=message.seq)
    message.refresh_from_db()
    assert message.deleted_at is not None
    assert chat_services.serialize(message)["html"] == ""


def test_catch_up_returns_exactly_what_follows(world, dialogue, room):
    for n in range(5):
        chat_services.message_send(actor=world.member, room=room, body=f"m{n}", client_id=f"c{n}")
    after = chat_services.messages_after(user=world.focal_point, room=room, after_seq=2)
    assert [m.seq for m in after] == [3, 4, 5]
    before = chat_services.messages_before(
        user=world.focal_point, room=room, before_seq=3, limit=10
    )
    assert [m.seq for m in before] == [1, 2]


def test_full_members_rooms_are_invisible_to_observers(world, dialogue):
    from workspaces.access import Capability, can, visible

    caucus = ChatRoom.objects.create(
        workspace=dialogue.offsets, title="Caucus", is_workspace_room=False, audience="full_members"
    )
    assert not can(world.observer, Capability.VIEW, caucus)
    assert caucus not in visible(world.observer, ChatRoom)
    assert caucus in visible(world.member, ChatRoom)
