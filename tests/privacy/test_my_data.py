"""My data: an official asks for their own data (after confirming their password), the archive
is prepared in the background (the immediate task backend here), holds their own records and
nothing another reader could not see, and is downloaded by its owner alone until it expires."""

from __future__ import annotations

import datetime
import html
import io
import json
import os
import re
import stat
import zipfile
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.audit import audit_record
from accounts.models import AuditEvent
from dialogues.chat.services import message_send
from dialogues.meetings import polls
from dialogues.meetings import services as meetings
from dialogues.models import ChatRoom, DialogueSession, Notification
from dialogues.notifications.services import preferences_update
from dialogues.threads import services as threads
from privacy.models import DataExport
from privacy.my_data import services
from privacy.my_data.selectors import my_data_page
from tests.factories import (
    PASSWORD,
    DialogueSessionFactory,
    DocumentFactory,
    UserFactory,
    WorkspaceFactory,
)
from workspaces.access import WorkspaceRole
from workspaces.services import roster_add_user, roster_remove

PAGE = "my_data"
Status = DataExport.Status


@pytest.fixture(autouse=True)
def exports_dir(settings, tmp_path) -> Path:
    """Archives of these tests go to a directory of their own (made by the first archive)."""
    settings.DATA_EXPORTS_DIR = tmp_path / "data-exports"
    return settings.DATA_EXPORTS_DIR


@pytest.fixture
def prepared(django_capture_on_commit_callbacks):
    """prepared(user) -> the user's export, asked for and prepared (the task runs when the
    request commits, as the immediate backend runs it)."""

    def prepare(user):
        with django_capture_on_commit_callbacks(execute=True):
            export = services.data_export_request(actor=user)
        export.refresh_from_db()
        return export

    return prepare


def archive_of(export: DataExport, directory: Path) -> dict[str, str]:
    with zipfile.ZipFile(directory / export.file_name) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# ------------------------------------------------------------------------------
# A world where the official wrote things, some in a dialogue they can no longer read
# ------------------------------------------------------------------------------

SECRET_DIALOGUE = "Secret border talks"
SECRET_THREAD = "Unreadable carbon leakage thread"
SECRET_ROOM_NOTE = "Room talk in the border dialogue."
OTHERS_WORDS = "Colleague's confidential words on leakage."
OWN_SECRET_POST = "My own words in the border thread."
OWN_ESCAPED_POST = "Look: <script>alert(1)</script> & more"
UPLOAD_TITLE = "Methodology note by the member"


@pytest.fixture
def history(world, dialogue):
    """world.member's records: posts (one edited, one in a thread they can no longer read),
    chat messages, an upload, a session registration and attendance, a poll answer,
    notifications, preferences. Everyone else carries a name of their own, so that a leak of
    any of them can be found in the archive."""
    names = {
        world.cochair: "Aroha Ngata",
        world.secretariat: "Sigrid Sekretariat",
        world.focal_point: "Fenna Focal",
        world.member_nz: "Kiri Kiwi",
        world.observer: "Catalina Observadora",
        world.former_official: "Atla Former",
        world.deactivated: "Gone Person",
    }
    for user, name in names.items():
        user.full_name = name
        user.save(update_fields=["full_name"])
    member = world.member
    member.full_name = "Mara Member"
    member.save(update_fields=["full_name"])
    colleague = UserFactory(full_name="Colin Colleague", email="colin@example.test")

    # A post of theirs edited once, and one whose body is markup.
    opening = dialogue.opening
    threads.post_edit(actor=member, post=opening, body="Which criteria matter most, and why?")
    threads.post_reply(actor=member, thread=dialogue.public_thread, body=OWN_ESCAPED_POST)
    threads.reaction_toggle(actor=member, post=dialogue.reply, kind="thanks")
    room = ChatRoom.objects.get(workspace=dialogue.offsets, is_workspace_room=True)
    message_send(actor=member, room=room, body="Hello from the member's chat.", client_id="m-1")

    # A dialogue they were on, wrote in, and were then taken off.
    secret = WorkspaceFactory(
        title=SECRET_DIALOGUE, slug="sb-7", created_by=world.secretariat, observer_policy="none"
    )
    for person in (member, colleague):
        roster_add_user(
            actor=world.secretariat, workspace=secret, user=person, role=WorkspaceRole.PARTICIPANT
        )
    thread = threads.thread_create(
        actor=colleague, workspace=secret, title=SECRET_THREAD, body=OTHERS_WORDS
    )
    own = threads.post_reply(actor=member, thread=thread, body=OWN_SECRET_POST)
    threads.post_reply(actor=colleague, thread=thread, parent=own, body=OTHERS_WORDS)
    secret_room = ChatRoom.objects.get(workspace=secret, is_workspace_room=True)
    message_send(actor=member, room=secret_room, body=SECRET_ROOM_NOTE, client_id="m-2")
    roster_remove(actor=world.secretariat, workspace=secret, user=member)

    # An upload, a session they registered for and attended, a poll they answered.
    upload = DocumentFactory(workspace=dialogue.offsets, uploaded_by=member, title=UPLOAD_TITLE)
    session = DialogueSessionFactory(
        workspace=dialogue.offsets,
        created_by=world.secretariat,
        title="Spring review session",
        status=DialogueSession.Status.SCHEDULED,
    )
    meetings.registration_set(actor=member, session=session, user=member, attending=True)
    session = meetings.session_transition(actor=world.secretariat, session=session, name="start")
    meetings.record_attendance(user=member, room=session.room)
    draft = DialogueSessionFactory(
        workspace=dialogue.offsets, created_by=world.secretariat, title="Autumn planning"
    )
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=20)
    poll = polls.poll_open(
        actor=world.secretariat,
        session=draft,
        slots=[(starts, 90)],
        time_zone="UTC",
        closes_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    polls.poll_answer(actor=member, poll=poll, choices={poll.slots.get().pk: "yes"})
    preferences_update(actor=member, email_replies=False, daily_digest=False)
    return {
        "member": member,
        "colleague": colleague,
        "secret": secret,
        "upload": upload,
        "session": session,
        "names": [*names.values(), "Colin Colleague"],
        "emails": [u.email for u in names] + [colleague.email],
    }


# ------------------------------------------------------------------------------
# What the archive holds
# ------------------------------------------------------------------------------


def test_the_archive_holds_the_officials_own_data(history, prepared, exports_dir, world, dialogue):
    member = history["member"]
    export = prepared(member)
    assert export.status == Status.READY
    files = archive_of(export, exports_dir)
    assert sorted(files) == ["README.txt", "data.json", "index.html"]
    data = json.loads(files["data.json"])

    assert data["format"] == "enclave-personal-data/1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data["generated_at"])
    profile = data["profile"]
    assert profile["name"] == "Mara Member"
    assert profile["email"] == "member@example.test"
    assert profile["handle"] == member.handle
    assert profile["jurisdiction"] == "European Union"
    assert profile["roles"] == ["member_official"]
    assert profile["time_zone"] == member.timezone
    assert profile["access_review_on"] == member.access_review_on.isoformat()
    assert data["email_addresses"] == [
        {"email": "member@example.test", "verified": True, "primary": True}
    ]
    assert {row["dialogue"] for row in data["dialogues"]} == {"Offsets and removals"}

    # Their posts: where they may still read the thread, its title and dialogue.
    posts = {row["body"]: row for row in data["posts"]}
    opening = posts["Which criteria matter most, and why?"]
    assert opening["thread"] == "Quality criteria for offsets"
    assert opening["dialogue"] == "Offsets and removals"
    assert opening["opening_post"] is True
    assert opening["edited"].endswith("Z")
    assert [v["body"] for v in opening["earlier_versions"]] == ["Which **criteria** matter most?"]
    assert posts["Our confidential position draft."]["thread"] == "Negotiating position on removals"
    # ... and where they no longer may, their words but no title.
    gone = posts[OWN_SECRET_POST]
    assert gone["thread"] == "A thread you can no longer read"
    assert gone["dialogue"] is None
    assert len(data["posts"]) == 4
    assert data["reactions"][0]["reaction"] == "thanks"

    chat = {row["body"]: row for row in data["chat_messages"]}
    assert chat["Hello from the member's chat."]["room"] == "Offsets and removals"
    assert chat[SECRET_ROOM_NOTE]["room"] == "A chat room you can no longer read"

    [upload] = data["documents_uploaded"]
    version = history["upload"].versions.get()
    assert upload["document"] == UPLOAD_TITLE
    assert upload["file_name"] == version.filename
    assert upload["sha256"] == version.sha256
    assert upload["size"] == version.size
    assert upload["version"] == 1

    [registration] = data["session_registrations"]
    assert registration["session"] == "Spring review session"
    assert registration["registered_by_you"] is True
    [attended] = data["session_attendance"]
    assert attended["session"] == "Spring review session"
    [answer] = data["poll_answers"]
    assert answer["session"] == "Autumn planning"
    assert answer["answer"] == "Yes"
    assert answer["slot_minutes"] == 90

    kinds = [row["kind"] for row in data["notifications"]]
    assert "reply" in kinds
    reply = next(
        row for row in data["notifications"] if row["about"] == "Quality criteria for offsets"
    )
    assert reply["kind"] == "reply"
    # The colleague's reply in the thread they can no longer read: said, not named.
    assert {"kind": "reply", "about": "Something you can no longer see"}.items() <= next(
        row
        for row in data["notifications"]
        if row["about"] != reply["about"] and row["kind"] == "reply"
    ).items()
    assert data["notification_preferences"]["email_replies"] is False
    assert data["notification_preferences"]["daily_digest"] is False
    assert data["notification_preferences"]["email_mentions"] is True

    actions = {row["action"]: row for row in data["audit_events"]}
    requested = actions["data_export_requested"]
    assert requested["by"] == "You"
    assert requested["summary"] == f"Personal data export {export.pk} requested"
    removed = actions["roster_removed"]
    assert removed["by"] == "Someone else"
    assert removed["address"] is None
    # The dialogue's short name is no more said than its title.
    assert (
        removed["summary"] == "member@example.test removed from a dialogue you can no longer read"
    )
    assert actions["document_uploaded"]["summary"] == "Document {} uploaded to offsets".format(
        history["upload"].pk
    )

    # The same, readable in a browser.
    page = files["index.html"]
    assert "Mara Member" in page
    assert "Which criteria matter most, and why?" in page
    assert "Quality criteria for offsets" in page
    assert UPLOAD_TITLE in page
    assert "A thread you can no longer read" in page
    assert "Mara Member" in files["README.txt"]


def test_it_holds_nothing_another_reader_could_not_see(history, prepared, exports_dir, dialogue):
    """Others' words, names and emails, and the titles of what the official can no longer read,
    appear nowhere in the archive."""
    export = prepared(history["member"])
    files = archive_of(export, exports_dir)
    forbidden = [
        OTHERS_WORDS,
        "Chile's view on it.",  # the observer's reply beside the member's post
        "Secret linking detail.",  # a dialogue the member was never on
        "Registry interoperability",
        "Linking talks",
        SECRET_DIALOGUE,
        SECRET_THREAD,
        "sb-7",  # its short name
        *history["names"],
        *history["emails"],
    ]
    for name, text in files.items():
        for value in forbidden:
            assert value not in text, f"{value!r} in {name}"
            assert value not in json.dumps(text), f"{value!r} (escaped) in {name}"
    # The member's own words in that dialogue are theirs, and are there.
    assert OWN_SECRET_POST in files["data.json"]


def test_index_html_escapes_every_value_and_runs_nothing(history, prepared, exports_dir):
    files = archive_of(prepared(history["member"]), exports_dir)
    page = files["index.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing remote"
    csp = html.unescape(
        re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)[1]
    )
    assert csp.startswith("default-src 'none'; style-src 'sha256-")
    # The JSON holds the text as written.
    bodies = [post["body"] for post in json.loads(files["data.json"])["posts"]]
    assert OWN_ESCAPED_POST in bodies


def test_an_audit_record_about_someone_else_names_nobody_else(world, prepared, exports_dir):
    """The Secretariat's own archive: the invitation they sent says "another person"; their
    second factor and API token are there by kind, name and key, never by secret."""
    from accounts.api_tokens import api_token_create
    from accounts.services import invitation_create
    from tests.factories import TOTP_SECRET

    secretariat = world.secretariat
    invitation_create(
        actor=secretariat,
        email="new.person@example.test",
        full_name="Nova Person",
        role="official",
        jurisdiction=world.eu,
    )
    token, raw = api_token_create(
        actor=secretariat,
        name="Records system",
        scope="read",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    files = archive_of(prepared(secretariat), exports_dir)
    everything = "".join(files.values())
    for secret in ("new.person@example.test", "Nova Person", TOTP_SECRET, raw, token.digest):
        assert secret not in everything
    data = json.loads(files["data.json"])
    sent = [row for row in data["audit_events"] if row["action"] == "invitation_sent"]
    assert sent and sent[0]["summary"].startswith("another person invited as")
    assert sent[0]["by"] == "You"
    assert [row["type"] for row in data["second_factors"]] == ["totp"]
    [listed] = data["api_tokens"]
    assert listed["name"] == "Records system"
    assert listed["key_prefix"] == f"enclave_{token.key}"
    assert raw.startswith(listed["key_prefix"] + ".")


def test_the_archive_file_is_private(history, prepared, exports_dir):
    export = prepared(history["member"])
    path = exports_dir / export.file_name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert os.listdir(exports_dir) == [export.file_name]
    assert export.size == path.stat().st_size
    import hashlib

    assert export.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert export.expires_at == export.ready_at + datetime.timedelta(days=7)


def test_the_queries_do_not_grow_with_the_posts(world, dialogue, settings, exports_dir):
    """Preparing the archive of an official with many posts, notifications and audit records
    costs the same queries as one with a few: each section is one query, however long."""
    counts = []
    for posts in (2, 30):
        official = UserFactory(jurisdiction=world.eu)
        for n in range(posts):
            post = threads.post_reply(
                actor=official, thread=dialogue.public_thread, body=f"Post {n} of {posts}."
            )
            threads.post_edit(actor=official, post=post, body=f"Post {n} of {posts}, edited.")
            Notification.objects.create(
                recipient=official,
                kind="reply",
                workspace=dialogue.offsets,
                thread=dialogue.public_thread,
                post=post,
            )
            # Audit records by the official and about them by someone else.
            audit_record(action=AuditEvent.Action.LOGIN, actor=official, target_user=official)
            audit_record(
                action=AuditEvent.Action.ROLE_CHANGED, actor=world.secretariat, target_user=official
            )
        export = DataExport.objects.create(user=official)
        with CaptureQueriesContext(connection) as queries:
            assert services.data_export_prepare(export_id=export.pk) == Status.READY
        counts.append(len(queries))
        data = json.loads(
            archive_of(DataExport.objects.get(pk=export.pk), exports_dir)["data.json"]
        )
        assert len(data["posts"]) == posts
        assert all(len(post["earlier_versions"]) == 1 for post in data["posts"])
    assert counts[0] == counts[1], counts
    assert counts[1] < 80, counts


# ------------------------------------------------------------------------------
# Asking: reauthentication, one at a time, a daily limit
# ------------------------------------------------------------------------------


def test_asking_needs_the_password_first(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.member, backend="accounts.backends.OfficialBackend")
    page = reverse(PAGE)
    assert client.get(page).status_code == 200  # reading the page asks nothing
    response = client.post(page)
    assert response.status_code == 302
    assert response.url == f"{reverse('account_reauthenticate')}?{urlencode({'next': page})}"
    assert not DataExport.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DATA_EXPORT_REQUESTED).exists()

    # allauth kept the post and sends it on once the password is confirmed.
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(response.url, {"password": PASSWORD})
    assert confirmed.status_code == 302 and confirmed.url == page
    export = DataExport.objects.get(user=world.member)
    assert export.status == Status.READY
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DATA_EXPORT_REQUESTED, actor=world.member
    ).exists()


def test_with_the_password_confirmed_the_post_prepares_the_archive(
    world, client, reauthenticate, django_capture_on_commit_callbacks
):
    client.force_login(world.member, backend="accounts.backends.OfficialBackend")
    reauthenticate(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(PAGE))
    assert response.status_code == 302 and response.url == reverse(PAGE)
    assert "Your data is being prepared." in messages_of(response)[0]
    export = DataExport.objects.get(user=world.member)
    assert export.status == Status.READY
    page = client.get(reverse(PAGE)).content.decode()
    assert reverse("my_data_download", kwargs={"key": export.key}) in page
    assert 'data-hx-trigger="every 3s"' not in page  # nothing left to wait for


def test_one_export_prepares_at_a_time(world, client, reauthenticate):
    waiting = DataExport.objects.create(user=world.member)  # its task has not run yet
    with pytest.raises(ValidationError, match="already being prepared"):
        services.data_export_request(actor=world.member)
    client.force_login(world.member, backend="accounts.backends.OfficialBackend")
    reauthenticate(client)
    response = client.post(reverse(PAGE))
    assert response.status_code == 302
    assert any("already being prepared" in text for text in messages_of(response))
    assert list(DataExport.objects.filter(user=world.member)) == [waiting]

    # The page waits for it, asking again by itself as the page (not as the official).
    page = client.get(reverse(PAGE)).content.decode()
    assert 'data-hx-trigger="every 3s"' in page
    assert """data-hx-headers='{"X-Enclave-Background": "1"}'""" in page
    assert "Prepare my data</button>" not in page
    polled = client.get(reverse(PAGE), HTTP_HX_REQUEST="true").content.decode()
    assert polled.lstrip().startswith('<div id="my-data-exports" class="stack" data-hx-get=')
    assert "<html" not in polled

    # A worker that died long ago no longer blocks a new request.
    DataExport.objects.filter(pk=waiting.pk).update(
        requested_at=timezone.now() - datetime.timedelta(hours=2)
    )
    assert services.data_export_request(actor=world.member).status == Status.PREPARING
    waiting.refresh_from_db()
    assert waiting.status == Status.FAILED


def test_at_most_three_a_day(world, prepared):
    for _ in range(3):
        assert prepared(world.member).status == Status.READY
    with pytest.raises(ValidationError, match="3 times a day"):
        services.data_export_request(actor=world.member)
    # A day later the oldest no longer counts; a failed one never did.
    DataExport.objects.filter(user=world.member).update(
        requested_at=timezone.now() - datetime.timedelta(hours=25)
    )
    DataExport.objects.create(user=world.member, status=Status.FAILED)
    assert prepared(world.member).status == Status.READY


def test_an_official_without_standing_may_not_ask(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.data_export_request(actor=world.former_official)
    assert not DataExport.objects.exists()


# ------------------------------------------------------------------------------
# A failure half-way
# ------------------------------------------------------------------------------


def _fail_at_rename(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)


@pytest.mark.parametrize("how", ["directory is a file", "fails at the rename"])
def test_a_failure_leaves_no_archive_and_offers_to_try_again(
    world, client, settings, tmp_path, monkeypatch, reauthenticate, prepared, how
):
    if how == "directory is a file":
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("")
        settings.DATA_EXPORTS_DIR = blocker / "exports"
    else:
        _fail_at_rename(monkeypatch)
    export = prepared(world.member)
    assert export.status == Status.FAILED
    assert export.file_name == "" and export.size is None
    directory = Path(settings.DATA_EXPORTS_DIR)
    assert not directory.exists() or os.listdir(directory) == []  # not even a partial file

    client.force_login(world.member, backend="accounts.backends.OfficialBackend")
    page = client.get(reverse(PAGE)).content.decode()
    assert 'data-export-state="failed"' in page
    assert "could not be prepared" in page
    assert "Try again</button>" in page
    assert reverse("my_data_download", kwargs={"key": export.key}) not in page
    assert client.get(reverse("my_data_download", kwargs={"key": export.key})).status_code == 404

    # Trying again works once the cause is gone (and the failure did not count).
    monkeypatch.undo()
    settings.DATA_EXPORTS_DIR = tmp_path / "exports"
    assert prepared(world.member).status == Status.READY


# ------------------------------------------------------------------------------
# The download
# ------------------------------------------------------------------------------


def _body(response) -> bytes:
    from asgiref.sync import async_to_sync

    async def gather():
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(gather)()


def test_the_owner_downloads_it_audited(world, client_for, prepared, exports_dir):
    export = prepared(world.member)
    url = reverse("my_data_download", kwargs={"key": export.key})
    response = client_for(world.member).get(url)
    assert response.status_code == 200
    body = _body(response)
    assert body == (exports_dir / export.file_name).read_bytes()
    assert zipfile.ZipFile(io.BytesIO(body)).namelist() == ["data.json", "index.html", "README.txt"]
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="enclave-my-data-')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"
    assert int(response["Content-Length"]) == export.size
    export.refresh_from_db()
    assert export.downloaded_at is not None
    event = AuditEvent.objects.get(action=AuditEvent.Action.DATA_EXPORT_DOWNLOADED)
    assert event.actor == world.member and event.target_user == world.member
    assert event.detail == {"export": export.pk, "sha256": export.sha256}


@pytest.mark.parametrize("who", ["member_nz", "secretariat", "cochair"])
def test_nobody_else_may_download_it(world, client_for, prepared, who):
    export = prepared(world.member)
    url = reverse("my_data_download", kwargs={"key": export.key})
    assert client_for(getattr(world, who)).get(url).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DATA_EXPORT_DOWNLOADED).exists()
    export.refresh_from_db()
    assert export.downloaded_at is None


def test_signed_out_it_is_the_sign_in_page(world, client, prepared):
    export = prepared(world.member)
    response = client.get(reverse("my_data_download", kwargs={"key": export.key}))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_an_unknown_or_preparing_key_is_404(world, client_for):
    preparing = DataExport.objects.create(user=world.member)
    client = client_for(world.member)
    for key in ("not-a-key", preparing.key):
        assert client.get(reverse("my_data_download", kwargs={"key": key})).status_code == 404


def test_past_its_end_it_is_gone_before_retention_runs(world, client_for, prepared, exports_dir):
    export = prepared(world.member)
    DataExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert (exports_dir / export.file_name).exists()  # retention has not run yet
    client = client_for(world.member)
    url = reverse("my_data_download", kwargs={"key": export.key})
    assert client.get(url).status_code == 404
    page = client.get(reverse(PAGE)).content.decode()
    assert 'data-export="expired"' in page
    assert url not in page
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.DATA_EXPORT_DOWNLOADED).exists()


def test_a_file_retention_deleted_is_404(world, client_for, prepared, exports_dir):
    export = prepared(world.member)
    (exports_dir / export.file_name).unlink()
    url = reverse("my_data_download", kwargs={"key": export.key})
    assert client_for(world.member).get(url).status_code == 404


# ------------------------------------------------------------------------------
# The page
# ------------------------------------------------------------------------------


def test_the_page_is_in_the_account_settings(world, client_for):
    page = client_for(world.member).get(reverse(PAGE)).content.decode()
    nav = re.search(r'<nav class="settings__nav".*?</nav>', page, re.S)[0]
    links = re.findall(r"<a [^>]*>([^<]+)</a>", nav)
    assert links[links.index("API tokens") + 1] == "My data"
    assert f'href="{reverse(PAGE)}" aria-current="page"' in nav
    assert "What the archive holds" in page and "What it leaves out" in page
    assert "You have not asked for your data yet." in page
    assert "Prepare my data</button>" in page


def test_the_page_lists_only_the_officials_own_requests(world, client_for, prepared):
    mine = prepared(world.member)
    theirs = prepared(world.member_nz)
    page = client_for(world.member).get(reverse(PAGE)).content.decode()
    assert mine.key in page and theirs.key not in page
    assert len(my_data_page(world.member).rows) == 1


def test_the_page_does_not_exist_without_standing(world, client_for):
    from django.http import Http404

    with pytest.raises(Http404):
        my_data_page(world.former_official)
    response = client_for(world.former_official).get(reverse(PAGE))
    assert response.status_code in (302, 404)
    assert b"Prepare my data" not in response.content


def test_the_last_poll_stops_polling_and_says_how_it_ended(world, client_for, prepared):
    prepared(world.member)
    polled = client_for(world.member).get(reverse(PAGE), HTTP_HX_REQUEST="true").content.decode()
    assert polled.lstrip().startswith('<div id="my-data-exports" class="stack">')  # no poll
    status = re.search(r'<p [^>]*id="my-data-status"[^>]*>(.*?)</p>', polled, re.S)
    assert 'data-hx-swap-oob="true"' in status[0]
    assert status[1] == "Your data is ready to download."
