"""What each endpoint answers: the same rows, refusals, audit and attribution as the page or
the export that shows the same thing."""

import datetime
import html
import json
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from dialogues.chat.services import message_hide, message_send, workspace_room
from dialogues.models import DialogueSession, Notification, Post
from dialogues.threads import services as thread_services
from tests.workspaces.extraction import documents as made
from tests.workspaces.test_watermark_downloads import share, stamp_and_id, streamed
from workspaces import documents
from workspaces.models import Download, Workspace
from workspaces.undertakings import undertaking_set

from .conftest import TokenClient, make_token

pytestmark = pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume")


def api(user, scope="read"):
    return TokenClient(make_token(user, scope=scope)[1])


def url(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs or None)


def walk(client, start):
    """Every row of a list, following its `next` links (bounded)."""
    rows, link = [], start
    for _page in range(100):
        response = client.get(link)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        link = body["next"]
        if not link:
            return rows
    raise AssertionError("more than 100 pages")


def test_missing_and_forbidden_look_the_same(world, dialogue):
    client = api(world.member)  # of the EU: not on the closed dialogue
    hidden = client.get(url("thread-detail", slug="closed", pk=dialogue.closed_thread.pk))
    missing = client.get(url("thread-detail", slug="closed", pk=999_999))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert client.get(url("thread-list", slug="closed")).json() == (
        client.get(url("thread-list", slug="no-such-dialogue")).json()
    )
    # The observer reads the dialogue, never its thread for full members.
    observer = api(world.observer)
    members_only = url("thread-detail", slug="offsets", pk=dialogue.members_thread.pk)
    assert observer.get(members_only).status_code == 404
    ids = {t["id"] for t in walk(observer, url("thread-list", slug="offsets"))}
    assert ids == {dialogue.public_thread.pk}


def test_lists_page_by_cursor_and_filter_by_date(world, dialogue):
    for n in range(5):
        thread_services.post_reply(
            actor=world.member, thread=dialogue.public_thread, body=f"Reply number {n}"
        )
    client = api(world.member)
    posts = url("post-list", slug="offsets", pk=dialogue.public_thread.pk)
    first = client.get(posts + "?limit=2").json()
    assert len(first["results"]) == 2 and first["next"] and first["previous"] is None
    every = walk(client, posts + "?limit=2")
    assert [p["id"] for p in every] == list(
        dialogue.public_thread.posts.order_by("path").values_list("pk", flat=True)
    )
    later = timezone.now() + datetime.timedelta(seconds=1)
    Post.objects.filter(body_source="Reply number 4").update(created_at=later)
    since = walk(client, posts + "?since=" + later.isoformat().replace("+00:00", "Z"))
    assert [p["body"] for p in since] == ["Reply number 4"]
    until = walk(client, posts + "?until=" + later.isoformat().replace("+00:00", "Z"))
    assert "Reply number 4" not in {p["body"] for p in until}
    assert {"Reply number 0", "Reply number 3"} <= {p["body"] for p in until}
    bad = client.get(posts + "?since=yesterday")
    assert bad.status_code == 400 and "since" in bad.json()["errors"]
    assert client.get(posts + "?limit=100000").status_code == 400  # refused, not capped
    assert client.get(posts + "?cursor=nonsense").status_code == 404


def test_replying_goes_through_the_service_and_its_refusals(world, dialogue):
    client = api(world.member, "write")
    posts = url("post-list", slug="offsets", pk=dialogue.public_thread.pk)
    made_reply = client.post(
        posts, {"body": "On **criteria**", "parent": dialogue.reply.pk}, "application/json"
    )
    assert made_reply.status_code == 201, made_reply.content
    assert made_reply.json()["body_html"] == "<p>On <strong>criteria</strong></p>"
    assert made_reply.json()["parent"] == dialogue.reply.pk
    stored = Post.objects.get(pk=made_reply.json()["id"])
    assert stored.author == world.member and stored.parent == dialogue.reply
    count = Post.objects.count()
    # A parent from another thread, an empty body, a locked thread: refused, nothing stored.
    elsewhere = client.post(
        posts, {"body": "x", "parent": dialogue.closed_thread.posts.get().pk}, "application/json"
    )
    assert elsewhere.status_code == 400 and "parent" in elsewhere.json()["errors"]
    empty = client.post(posts, {"body": ""}, "application/json")
    assert empty.status_code == 400 and "body" in empty.json()["errors"]
    not_json = client.post(posts, "body=x", "application/x-www-form-urlencoded")
    assert not_json.status_code == 415
    thread_services.thread_set_locked(
        actor=world.secretariat, thread=dialogue.public_thread, locked=True, reason="Closed."
    )
    locked = client.post(posts, {"body": "Late"}, "application/json")
    assert locked.status_code == 403 and locked.json()["detail"]
    assert Post.objects.count() == count


def _attributed(world, dialogue, mode):
    dialogue.offsets.attribution = mode
    dialogue.offsets.save()
    room = workspace_room(dialogue.offsets)
    message_send(actor=world.focal_point, room=room, body="In the room", client_id="m1")
    client = api(world.member)
    seen = {
        "threads": walk(client, url("thread-list", slug="offsets")),
        "posts": walk(client, url("post-list", slug="offsets", pk=dialogue.public_thread.pk)),
        "chat": client.get(url("chat-messages", slug="offsets")).json()["results"],
        "notifications": walk(client, url("notification-list")),
    }
    return seen


def _authors(seen):
    people = [t["author"] for t in seen["threads"]] + [p["author"] for p in seen["posts"]]
    people += [m["author"] for m in seen["chat"]]
    people += [n["actor"] for n in seen["notifications"] if n["actor"]]
    return people


def test_chatham_house_names_nobody_as_an_export_does(world, dialogue):
    seen = _attributed(world, dialogue, "chatham_house")
    people = _authors(seen)
    assert people and all(p == {"name": "A participant", "affiliation": ""} for p in people)
    text = json.dumps(seen, ensure_ascii=False)
    for official in (world.member, world.focal_point, world.observer):
        assert f'"{official.full_name}"' not in text and f"@{official.handle}" not in text


def test_anonymous_dialogues_show_pseudonyms_and_named_ones_names(world, dialogue):
    seen = _attributed(world, dialogue, "anonymous")
    names = {p["name"] for p in _authors(seen)}
    assert names and all(n.startswith("Participant ") for n in names), names
    assert world.member.full_name not in json.dumps(seen, ensure_ascii=False)
    named = _attributed(world, dialogue, "named")
    assert {"name": world.observer.full_name, "affiliation": "Chile"} in _authors(named)


def test_mentions_follow_the_attribution_in_bodies(world, dialogue):
    dialogue.offsets.attribution = "chatham_house"
    dialogue.offsets.save()
    thread_services.post_reply(
        actor=world.member, thread=dialogue.public_thread, body=f"Ask @{world.observer.handle}"
    )
    posts = walk(api(world.member), url("post-list", slug="offsets", pk=dialogue.public_thread.pk))
    text = json.dumps(posts, ensure_ascii=False)
    assert f"@{world.observer.handle}" not in text and world.observer.full_name not in text


def test_deleted_and_hidden_posts_keep_their_place_without_their_text(world, dialogue):
    thread_services.post_set_hidden(
        actor=world.secretariat, post=dialogue.reply, hidden=True, reason="Off topic"
    )
    posts = walk(
        api(world.secretariat), url("post-list", slug="offsets", pk=dialogue.public_thread.pk)
    )
    hidden = next(p for p in posts if p["id"] == dialogue.reply.pk)
    assert hidden["body"] == hidden["body_html"] == "" and hidden["notice"]
    assert hidden["author"]["name"] == world.observer.full_name  # hidden: who wrote it stays
    assert "Chile's view" not in json.dumps(posts)
    # Deleted: no text and, as on the thread page, nobody named.
    mine = thread_services.post_reply(
        actor=world.member, thread=dialogue.public_thread, body="A second thought"
    )
    thread_services.post_edit(actor=world.member, post=mine, body="A second thought, edited")
    thread_services.post_delete(actor=world.member, post=mine)
    posts = walk(api(world.focal_point), url("post-list", slug="offsets", pk=mine.thread_id))
    deleted = next(p for p in posts if p["id"] == mine.pk)
    assert deleted["author"] is None and deleted["edited_at"] is None
    assert deleted["body"] == deleted["body_html"] == "" and deleted["notice"]
    assert "second thought" not in json.dumps(posts)


def test_an_undertaking_not_accepted_closes_the_dialogue_with_a_link(world, dialogue):
    undertaking_set(actor=world.secretariat, workspace=dialogue.offsets, text="Keep it inside.")
    client = api(world.member)
    for name, extra in [
        ("thread-list", {}),
        ("thread-detail", {"pk": dialogue.public_thread.pk}),
        ("document-list", {}),
        ("chat-messages", {}),
    ]:
        response = client.get(url(name, slug="offsets", **extra))
        assert response.status_code == 403, name
        assert response.json()["undertaking"].endswith("/w/offsets/undertaking/")
    assert "Quality criteria" not in client.get(url("thread-list", slug="offsets")).content.decode()
    # The dialogue itself, by its name alone, as the dashboard lists it: its purpose waits.
    dialogue_row = client.get(url("dialogue-detail", slug="offsets")).json()
    assert dialogue_row["undertaking_pending"] is True and dialogue_row["purpose_html"] == ""
    listed = walk(client, url("dialogue-list"))
    assert listed == [{**dialogue_row, "unread_threads": listed[0]["unread_threads"]}]
    assert (
        api(world.secretariat).get(url("dialogue-detail", slug="offsets")).json()["purpose_html"]
    )  # the Secretariat set it and accepted it


def test_documents_download_as_on_the_page_audited_and_stamped(world, dialogue, tmp_path):
    path = made.pdf(tmp_path / "draft.pdf", ["Cover", "Offset limits"])
    draft = share(world, dialogue, path, marking="draft")
    client = api(world.member, "write")
    listed = walk(client, url("document-list", slug="offsets"))
    row = next(d for d in listed if d["id"] == draft.pk)
    assert row["must_acknowledge"] and row["watermarked"]
    download = url("document-download", slug="offsets", pk=draft.pk)
    assert row["download"].endswith(download)
    waiting = client.get(download)
    assert waiting.status_code == 409 and waiting.json()["acknowledge"]
    assert not Download.objects.exists()
    read_only = api(world.member).post(url("document-acknowledge", slug="offsets", pk=draft.pk))
    assert read_only.status_code == 403
    acknowledged = client.post(url("document-acknowledge", slug="offsets", pk=draft.pk))
    assert acknowledged.status_code == 204
    served = client.get(download)
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    texts, code = stamp_and_id(streamed(served))
    assert world.member.full_name in texts[0]
    assert Download.objects.get(code=code).user == world.member
    assert AuditEvent.objects.filter(action="document_downloaded", actor=world.member).exists()
    detail = client.get(url("document-detail", slug="offsets", pk=draft.pk)).json()
    assert [v["number"] for v in detail["versions"]] == [1]
    assert detail["must_acknowledge"] is False


def test_a_refused_download_is_audited_and_answers_404(world, dialogue, tmp_path):
    path = made.pdf(tmp_path / "nz.pdf", ["Registry"])
    document = documents.document_upload(
        actor=world.member_nz,
        workspace=dialogue.closed,
        upload=SimpleUploadedFile(path.name, path.read_bytes()),
        title="Registry design",
    )
    response = api(world.member).get(url("document-download", slug="closed", pk=document.pk))
    assert response.status_code == 404
    event = AuditEvent.objects.get(action="download_refused", actor=world.member)
    assert event.detail["document"] == document.pk
    assert not Download.objects.exists()


def test_sessions_show_their_agenda_and_only_approved_minutes(world, dialogue):
    from tests.every_door.test_route_guard import _session

    reviewed = _session(world, dialogue.offsets, "Past session", "review")
    from dialogues.meetings import minutes as meeting_minutes

    item = reviewed.agenda.first()
    meeting_minutes.minutes_save(
        actor=world.secretariat, session=reviewed, item=item, summary="Agreed.", decisions=""
    )
    client = api(world.member)
    listed = walk(client, url("session-list", slug="offsets"))
    assert reviewed.pk in {s["id"] for s in listed}
    detail = client.get(url("session-detail", slug="offsets", pk=reviewed.pk)).json()
    assert [a["title"] for a in detail["agenda"]] == [item.title]
    assert detail["minutes_approved"] is False
    assert all(a["minutes"] is None for a in detail["agenda"])
    DialogueSession.objects.filter(pk=reviewed.pk).update(
        status="closed", review_opened_at=timezone.now()
    )
    detail = client.get(url("session-detail", slug="offsets", pk=reviewed.pk)).json()
    assert detail["minutes_approved"] is True
    assert "Agreed." in detail["agenda"][0]["minutes"]["summary_html"]
    draft = _session(world, dialogue.offsets, "Draft session", "draft")
    assert client.get(url("session-detail", slug="offsets", pk=draft.pk)).status_code == 404
    assert draft.pk not in {s["id"] for s in walk(client, url("session-list", slug="offsets"))}
    assert walk(client, url("session-list", slug="offsets") + "?since=2999-01-01") == []
    first_start = min(s["starts_at"] for s in listed)
    assert first_start.endswith("Z")  # in UTC, whatever the reader's zone
    assert walk(client, url("session-list", slug="offsets") + f"?until={first_start}") == []


def test_chat_reads_by_sequence_and_sends_once_per_client_id(world, dialogue):
    room = workspace_room(dialogue.offsets)
    for n in range(5):
        message_send(actor=world.focal_point, room=room, body=f"Line {n}", client_id=f"c{n}")
    hidden = room.messages.get(seq=2)
    message_hide(actor=world.secretariat, message=hidden, reason="Off topic")
    client = api(world.member, "write")
    chat = url("chat-messages", slug="offsets")
    latest = client.get(chat + "?limit=2").json()
    assert [m["seq"] for m in latest["results"]] == [4, 5]
    older = client.get(latest["previous"]).json()
    assert [m["seq"] for m in older["results"]] == [2, 3]
    assert older["results"][0]["hidden"] and older["results"][0]["html"] == ""
    caught_up = client.get(chat + "?after=3").json()
    assert [m["seq"] for m in caught_up["results"]] == [4, 5]
    assert client.get(caught_up["next"]).json()["results"] == []
    line = {"body": "From the records system", "client_id": "7b0c6f2e-3c1d-4d8e-9a55-0e1f2a3b4c5d"}
    sent = client.post(chat, line, "application/json")
    again = client.post(chat, line, "application/json")
    assert (sent.status_code, again.status_code) == (201, 200)
    assert sent.json()["seq"] == again.json()["seq"] == 6
    assert room.messages.filter(client_id=line["client_id"]).count() == 1
    assert sent.json()["client_id"] == line["client_id"]
    # Another reader never sees the sender's id; a chosen id that could name its sender is
    # refused.
    others = api(world.focal_point).get(chat + "?after=5").json()["results"]
    assert others[0]["seq"] == 6 and others[0]["client_id"] == ""
    named = client.post(chat, {"body": "x", "client_id": "korea-sync-17"}, "application/json")
    assert named.status_code == 400 and "client_id" in named.json()["errors"]
    assert client.get(chat + "?after=zz").status_code == 400
    assert client.get(chat + "?limit=0").status_code == 400
    empty = client.post(
        chat, {"body": "", "client_id": "5d7b1c1a-4f7e-4a51-8f39-2f0f7a6b9e11"}, "application/json"
    )
    assert empty.status_code == 400


def test_chat_sending_follows_the_observer_policy(world, dialogue):
    Workspace.objects.filter(pk=dialogue.offsets.pk).update(observer_policy="read")
    observer = api(world.observer, "write")
    chat = url("chat-messages", slug="offsets")
    assert observer.get(chat).status_code == 200
    refused = observer.post(
        chat,
        {"body": "Hello", "client_id": "0a6f2f5e-9c41-4b2b-8a1e-6d5c4b3a2f10"},
        "application/json",
    )
    assert refused.status_code == 403
    assert not workspace_room(dialogue.offsets).messages.exists()


def test_notifications_read_and_marked_read_are_ones_own(world, dialogue):
    mine = walk(api(world.member), url("notification-list"))
    assert mine and {n["kind"] for n in mine} == {"reply"}
    others = Notification.objects.exclude(recipient=world.member).values_list("pk", flat=True)
    client = api(world.member, "write")
    marked = client.post(
        url("notifications-read"), {"ids": [mine[0]["id"], *others]}, "application/json"
    )
    assert marked.json() == {"marked": 1}
    assert (
        not Notification.objects.exclude(recipient=world.member)
        .filter(read_at__isnull=False)
        .exists()
    )
    assert walk(client, url("notification-list"))[0]["read"] is True
    bad = client.post(url("notifications-read"), {"ids": ["x"]}, "application/json")
    assert bad.status_code == 400


def test_the_chat_rate_limit_answers_429_with_its_wait(world, dialogue, settings):
    settings.ENCLAVE_CHAT_RATE_BURST = 2
    # Windows are clock-aligned: a 10 s one could turn over mid-test and reset the count.
    settings.ENCLAVE_CHAT_RATE_WINDOW = 3600
    client = api(world.member, "write")
    chat = url("chat-messages", slug="offsets")
    ids = ["3c1d6f2e-0000-4d8e-9a55-0e1f2a3b4c5" + str(n) for n in range(3)]
    answers = [
        client.post(chat, {"body": f"Line {n}", "client_id": i}, "application/json")
        for n, i in enumerate(ids)
    ]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert int(answers[2]["Retry-After"]) > 0 and answers[2].json()["detail"]


def test_the_api_serves_dialogues_not_the_library(world, dialogue):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from partnership.library.metadata import Metadata
    from partnership.library.services import library_share

    guide = library_share(
        actor=world.secretariat,
        upload=SimpleUploadedFile("guide.txt", b"A guide"),
        title="A guide",
        metadata=Metadata("guide", "cap", 2024, "en"),
    )
    client = api(world.member)
    slug = guide.workspace.slug
    for name in ("document-detail", "document-download"):
        assert client.get(url(name, slug=slug, pk=guide.pk)).status_code == 404, name
    assert slug not in {d["slug"] for d in walk(client, url("dialogue-list"))}


def test_a_reply_to_post_zero_is_refused(world, dialogue):
    posts = url("post-list", slug="offsets", pk=dialogue.public_thread.pk)
    refused = api(world.member, "write").post(posts, {"body": "x", "parent": 0}, "application/json")
    assert refused.status_code == 400 and "parent" in refused.json()["errors"]


def test_options_describes_nothing_and_the_schema_everything(world, dialogue):
    client = api(world.member, "write")
    for name, kwargs in [("notifications-read", {}), ("post-list", {"slug": "offsets", "pk": 1})]:
        assert client.options(url(name, **kwargs)).status_code == 405


def test_my_dialogues_are_the_policys(world, dialogue):
    for user, expected in [
        (world.member, {"offsets"}),
        (world.member_nz, {"closed"}),
        (world.observer, {"offsets"}),  # on closed's roster too, which is closed to observers
        (world.secretariat, {"offsets"}),
    ]:
        assert {d["slug"] for d in walk(api(user), url("dialogue-list"))} == expected, user
    assert api(world.member).get(url("dialogue-detail", slug="closed")).status_code == 404


def test_the_schema_validates_and_describes_every_route(world, client_for, tmp_path):
    target = tmp_path / "schema.json"
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(target),
    )
    schema = json.loads(target.read_text())
    assert {"token", "session"} <= set(schema["components"]["securitySchemes"])
    from config.route_rules import iter_routes

    described = set(schema["paths"])
    for name, route, _pattern in iter_routes():
        if name.startswith("api:") and name not in ("api:docs", "api:schema"):
            path = "/" + route.replace("<slug:slug>", "{slug}").replace("<int:pk>", "{id}")
            assert path in described, path
    served = client_for(world.member).get(url("schema"))
    assert served.status_code == 200 and b"openapi:" in served.content


def test_the_documentation_page_keeps_the_strict_csp(world, client_for):
    response = client_for(world.member).get(url("docs"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    page = html.unescape(response.content.decode())
    assert "<script>" not in page  # no inline script: the reference starts from api-docs.js
    for asset in (
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
        "js/api-docs.js",
    ):
        assert f"/static/{asset}" in page
        from django.contrib.staticfiles import finders

        assert finders.find(asset), asset


def test_refusals_speak_the_callers_language(world, dialogue):
    client = api(world.member)
    missing = client.get(
        url("thread-detail", slug="offsets", pk=999_999), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert missing.status_code == 404 and missing.json()["detail"] == "Introuvable."
    anonymous = Client().get(url("me"), HTTP_ACCEPT_LANGUAGE="es")
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"].startswith("Envíe un token de acceso personal")
    bad = client.get(url("thread-list", slug="offsets") + "?since=x", HTTP_ACCEPT_LANGUAGE="ja")
    assert bad.json()["errors"]["since"] == [
        "日付（2026-03-01）または日時（2026-03-01T09:00:00Z）を指定してください。"
    ]


def _queries(client, path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_lists_cost_the_same_queries_for_more_rows(world, dialogue, tmp_path):
    """Each list reads what its rows show for the whole page at once, not once per row."""
    from tests.every_door.test_route_guard import _session

    client = api(world.member)
    lists = [
        url("thread-list", slug="offsets"),
        url("document-list", slug="offsets"),
        url("session-list", slug="offsets"),
        url("notification-list"),
        url("dialogue-list"),
    ]

    def grow(n):
        for i in range(n):
            thread = thread_services.thread_create(
                actor=world.focal_point, workspace=dialogue.offsets, title=f"T{n}-{i}", body="?"
            )
            thread_services.post_reply(
                actor=world.focal_point, thread=thread, body=f"@{world.member.handle}"
            )
            path = made.pdf(tmp_path / f"d{n}-{i}.pdf", ["x"])
            share(world, dialogue, path, marking="do_not_cite")
            _session(world, dialogue.offsets, f"S{n}-{i}", "scheduled")

    grow(2)
    client.get(url("me"))  # the token's first use (its address is recorded once)
    before = [_queries(client, path) for path in lists]
    grow(6)
    assert [_queries(client, path) for path in lists] == before


def test_refusals_tell_times_in_the_officials_own_zone(world, dialogue):
    """A token carries no session, yet what the answer words reads in its official's zone."""
    from django.utils.formats import time_format

    from dialogues.chat.services import member_mute

    world.member.timezone = "Pacific/Auckland"
    world.member.save()
    room = workspace_room(dialogue.offsets)
    mute = member_mute(
        actor=world.secretariat, room=room, user=world.member, minutes=30, reason="Cool off"
    )
    line = {"body": "Hello", "client_id": "6c1d6f2e-0000-4d8e-9a55-0e1f2a3b4c51"}
    refused = api(world.member, "write").post(
        url("chat-messages", slug="offsets"), line, "application/json"
    )
    assert refused.status_code == 403
    auckland = timezone.localtime(mute.until, zoneinfo.ZoneInfo("Pacific/Auckland"))
    assert time_format(auckland, "TIME_FORMAT") in refused.json()["detail"]


def test_the_services_own_limits_apply_to_bodies(world, dialogue):
    """No second limit in the API: the thread's and the chat's own, with their own words."""
    from dialogues.bodies import MAX_BODY
    from dialogues.chat.services import MAX_BODY_BYTES

    client = api(world.member, "write")
    posts = url("post-list", slug="offsets", pk=dialogue.public_thread.pk)
    long_post = client.post(posts, {"body": "x" * (MAX_BODY + 1)}, "application/json")
    assert long_post.status_code == 400 and "characters" in long_post.json()["detail"]
    chat = url("chat-messages", slug="offsets")
    line = {"body": "y" * 5000, "client_id": "6c1d6f2e-0000-4d8e-9a55-0e1f2a3b4c52"}
    assert client.post(chat, line, "application/json").status_code == 201  # under 16 KiB
    line = {"body": "y" * (MAX_BODY_BYTES + 1), "client_id": "6c1d6f2e-0000-4d8e-9a55-0e1f2a3b4c53"}
    too_long = client.post(chat, line, "application/json")
    assert too_long.status_code == 400 and "16 KiB" in too_long.json()["detail"]
