"""Standing is one rule for every door (accounts/standing.py).

For each way of lacking standing — deactivated, jurisdiction former, session ended, a second
factor required and not enrolled — every door refuses: pages, downloads, exports, the websocket
handshake, and each frame on a socket that was opened while the user still stood.
"""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Jurisdiction, User
from accounts.standing import Lack, has_standing, standing_lack
from config.asgi import application
from dialogues.chat.consumer import CLOSE_UNAUTHENTICATED
from dialogues.models import ChatRoom
from tests.factories import enrol_totp
from workspaces.access import Capability, can, people_who_can_view
from workspaces.documents import document_upload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

TIMEOUT = 5
LACKS = ["second_factor", "inactive", "former", "session_ended"]


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    from channels.layers import channel_layers

    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="accounts.backends.OfficialBackend")
    return client


async def open_socket(room, session_key):
    headers = [
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
        (b"cookie", f"sessionid={session_key}".encode()),
    ]
    communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/", headers=headers)
    connected, code = await communicator.connect(timeout=TIMEOUT)
    return communicator, connected, code


async def next_frame(communicator, *kinds):
    while True:
        frame = json.loads(await communicator.receive_from(timeout=TIMEOUT))
        if frame["type"] in kinds:
            return frame


async def ready_socket(user, dialogue):
    """A socket of `user`'s own session in the `offsets` room, past its `ready` frame."""
    room = await sync_to_async(ChatRoom.objects.get)(
        workspace=dialogue.offsets, is_workspace_room=True
    )
    client = await sync_to_async(signed_in)(user)
    socket, connected, _code = await open_socket(room, client.cookies["sessionid"].value)
    assert connected
    await next_frame(socket, "ready")
    return socket


async def assert_closed_for_standing(socket):
    assert (await next_frame(socket, "revoked", "pong"))["type"] == "revoked"
    closed = await socket.receive_output(timeout=TIMEOUT)
    assert closed == {"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED}


def lose_standing(how: str, user: User, session_key: str, settings) -> None:
    """Take standing away the way an outsider would find it gone: straight in the database (or
    the settings), with no notice to open sockets, so only the rule itself can refuse."""
    if how == "second_factor":
        settings.ENCLAVE_MFA_REQUIRED_FOR_ALL = True
    elif how == "inactive":
        User.objects.filter(pk=user.pk).update(is_active=False)
    elif how == "former":
        Jurisdiction.objects.filter(pk=user.jurisdiction_id).update(
            status=Jurisdiction.Status.FORMER
        )
    elif how == "session_ended":
        Session.objects.filter(session_key=session_key).delete()


def http_doors(dialogue, document) -> list[str]:
    return [
        reverse("workspace_detail", kwargs={"slug": "offsets"}),
        reverse("thread_detail", kwargs={"slug": "offsets", "pk": dialogue.public_thread.pk}),
        reverse("document_download", kwargs={"slug": "offsets", "pk": document.pk}),
        reverse("workspace_export", kwargs={"slug": "offsets", "fmt": "md"}),
        reverse("workspace_export", kwargs={"slug": "offsets", "fmt": "html"}),
        reverse("chat_room", kwargs={"slug": "offsets"}),
    ]


@pytest.mark.parametrize("how", LACKS)
async def test_every_door_refuses_each_way_of_lacking_standing(world, dialogue, settings, how):
    member = world.member
    room = await sync_to_async(ChatRoom.objects.get)(
        workspace=dialogue.offsets, is_workspace_room=True
    )
    document = await sync_to_async(document_upload)(
        actor=member,
        workspace=dialogue.offsets,
        upload=SimpleUploadedFile("note.txt", b"Registry notes.\n"),
        title="Registry notes",
    )
    client = await sync_to_async(signed_in)(member)
    session_key = client.cookies["sessionid"].value
    doors = http_doors(dialogue, document)
    for url in doors:  # standing: every door opens
        response = await sync_to_async(client.get)(url)
        assert response.status_code == 200, url
    socket, connected, _code = await open_socket(room, session_key)
    assert connected
    await next_frame(socket, "ready")

    await sync_to_async(lose_standing)(how, member, session_key, settings)

    # The socket opened before: its very next frame, whatever it is, closes it.
    await socket.send_to(text_data=json.dumps({"type": "ping"}))
    await assert_closed_for_standing(socket)
    # A new handshake with the same session is refused.
    _socket, connected, code = await open_socket(room, session_key)
    assert not connected and code == CLOSE_UNAUTHENTICATED
    # Every HTTP door: the MFA enrolment page, or the sign-in page; never the content.
    expected = reverse("mfa_activate_totp") if how == "second_factor" else reverse("account_login")
    for url in doors:
        response = await sync_to_async(client.get)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(expected), url


async def test_the_policy_itself_refuses_without_a_second_factor(world, dialogue, settings):
    """Services, selectors and exports ask the policy: it answers no, not only the middleware."""

    def check():
        member = User.objects.select_related("jurisdiction").get(pk=world.member.pk)
        assert has_standing(member)
        assert can(member, Capability.VIEW, dialogue.offsets)
        settings.ENCLAVE_MFA_REQUIRED_FOR_ALL = True
        member = User.objects.select_related("jurisdiction").get(pk=world.member.pk)
        assert standing_lack(member) is Lack.SECOND_FACTOR
        assert not can(member, Capability.VIEW, dialogue.offsets)
        assert not can(member, Capability.VIEW, dialogue.public_thread)
        # Those who may be notified are those who may view: the same rule as a query.
        assert member not in people_who_can_view(dialogue.public_thread)
        enrol_totp(member)
        member = User.objects.select_related("jurisdiction").get(pk=world.member.pk)
        assert can(member, Capability.VIEW, dialogue.public_thread)
        assert member in people_who_can_view(dialogue.public_thread)

    await sync_to_async(check)()


async def test_appointing_a_co_chair_without_mfa_closes_their_open_socket(world, dialogue):
    from accounts import services as account_services
    from workspaces.access import Role

    socket = await ready_socket(world.member, dialogue)

    def appoint():
        from django.db import transaction

        with transaction.atomic():
            account_services.official_set_role(
                actor=world.cochair, official=world.member, role=Role.CO_CHAIR, granted=True
            )

    await sync_to_async(appoint)()
    await assert_closed_for_standing(socket)


async def test_removing_the_last_second_factor_closes_a_secretariat_socket(world, dialogue):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.signals import authenticator_removed

    socket = await ready_socket(world.secretariat, dialogue)

    def remove():
        from django.db import transaction

        with transaction.atomic():
            authenticator = Authenticator.objects.get(user=world.secretariat, type="totp")
            authenticator.delete()
            authenticator_removed.send(
                sender=Authenticator,
                request=None,
                user=world.secretariat,
                authenticator=authenticator,
            )

    await sync_to_async(remove)()
    await assert_closed_for_standing(socket)


async def test_an_account_outside_every_jurisdiction_and_the_secretariat_has_no_standing():
    # The database refuses such officials; an admin account can still be one.
    stray = User(email="stray@example.test", jurisdiction=None, is_secretariat=False)
    assert standing_lack(stray) is Lack.UNAFFILIATED


async def test_the_second_factor_is_read_once_per_request_and_afresh_on_the_next(world):
    """The MFA middleware, the policy and the layout all ask for standing: one request reads
    the second factor once; the next request reads it again, so a factor removed in between
    sends the next page to enrolment."""
    from allauth.mfa.models import Authenticator
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def visit():
        client = Client()
        client.force_login(world.secretariat, backend="accounts.backends.OfficialBackend")
        with CaptureQueriesContext(connection) as queries:
            first = client.get(reverse("home"))
        reads = [q for q in queries.captured_queries if "mfa_authenticator" in q["sql"]]
        Authenticator.objects.filter(user=world.secretariat).delete()
        second = client.get(reverse("home"))
        return first, len(reads), second

    first, reads, second = await sync_to_async(visit)()
    assert first.status_code == 200 and reads == 1
    assert second.status_code == 302 and second.url == reverse("mfa_activate_totp")
