"""The API agrees with the one access policy, for every official of the demo world.

Each demo official's token walks the whole API, following every `next` link, and what it
reaches is exactly what `workspaces.access.visible` and `can` say: their dialogues, and in each
one whose undertaking they accepted its threads (with every post, deleted and hidden ones as
notices), documents, sessions and chat; their notifications as the bell selects them. Whatever
they may not see answers the same 404 as something that never existed (or, inside a dialogue
whose undertaking is pending, the same 403 that sends them to it), and no JSON body the walk
read carries the text of anything hidden from them (tests/every_door/test_leaks.py's secrets).
People appear as an export shows them: nobody named where Chatham House or anonymity holds.

The walk runs on the demo as seeded (named and Chatham House dialogues), again after one
dialogue turns anonymous and a session Chatham House, and tokens stop answering (the same 401
as a made-up token) once their officials lose standing in each of the four ways.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from html import unescape

import pytest
from allauth.mfa.models import Authenticator
from asgiref.sync import async_to_sync
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from accounts.api_tokens import PREFIX, _digest
from accounts.models import ApiToken, Jurisdiction, User
from accounts.standing import SECOND_FACTOR_TYPES, standing_lack
from dialogues.attribution.services import attribution_set
from dialogues.chat.services import message_delete, message_hide, workspace_room
from dialogues.meetings.services import session_update
from dialogues.models import DialogueSession, Notification, Post, Thread
from dialogues.notifications.selectors import visible_notifications
from dialogues.threads.services import post_delete, post_set_hidden
from tests.api.conftest import TokenClient, make_token
from tests.every_door.test_leaks import secrets_hidden_from
from workspaces.access import (
    Capability,
    can,
    can_read_hidden_text,
    must_acknowledge,
    undertaking_pending,
    visible,
)
from workspaces.models import AttributionMode, Document, DocumentVersion, Workspace

LIMIT = 2  # rows per page: small, so every list of the demo is read across several pages
MAX_PAGES = 200  # per list: a `next` that never ends fails the test instead of hanging it
MISSING = 999_999  # a primary key no row of the demo has
NAMED, CHATHAM, ANONYMOUS = (
    AttributionMode.NAMED,
    AttributionMode.CHATHAM_HOUSE,
    AttributionMode.ANONYMOUS,
)
PSEUDONYM = re.compile(r"^Participant \d+$")


def api(name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs=kwargs)


@dataclass
class Shown:
    """A person (or a presenter's or owner's label) the API showed, and the attribution mode
    of the place it showed them in."""

    mode: str
    where: str
    name: str
    affiliation: str | None = None  # None for a plain label (a presenter, an action's owner)


@dataclass
class Walk:
    """One official's token walking the API: every JSON body it read, every person shown."""

    user: User
    client: TokenClient
    bodies: dict[str, str] = field(default_factory=dict)
    people: list[Shown] = field(default_factory=list)
    texts: list[Shown] = field(default_factory=list)  # what people wrote, with its mentions
    requests: int = 0
    secrets: int = 0

    def _keep(self, label: str, response) -> dict:
        self.requests += 1
        data = response.json()
        self.bodies[label] = json.dumps(data, ensure_ascii=False)
        return data

    def get(self, url: str, status: int = 200) -> dict:
        response = self.client.get(url)
        assert response.status_code == status, (
            self.user.handle,
            url,
            response.status_code,
            response.content[:300],
        )
        return self._keep(f"GET {url}", response)

    def answer(self, method: str, url: str) -> tuple[int, dict]:
        """Any status: (status, body) of a GET, or of a POST with an empty JSON body."""
        response = self.client.get(url) if method == "GET" else self.client.post_json(url, {})
        return response.status_code, self._keep(f"{method} {url}", response)

    def every(self, url: str) -> list[dict]:
        """A cursor-paginated list, every page by its `next` link; the same rows again by the
        `previous` links from the last page, each row once."""
        first, rows, pages, last = url, [], 0, None
        while url:
            pages += 1
            assert pages <= MAX_PAGES, (self.user.handle, url, "next never ends")
            data = self.get(url)
            assert set(data) == {"next", "previous", "results"}, (url, set(data))
            assert len(data["results"]) <= LIMIT, url
            rows.extend(data["results"])
            last, url = data, data["next"]
        ids = [row.get("id", row.get("slug")) for row in rows]
        assert len(ids) == len(set(ids)), (self.user.handle, first, "a row twice", ids)
        back, url, pages = list(last["results"]), last["previous"], 0
        while url:
            pages += 1
            assert pages <= MAX_PAGES, (self.user.handle, url, "previous never ends")
            data = self.get(url)
            back = data["results"] + back
            url = data["previous"]
        assert [row.get("id", row.get("slug")) for row in back] == ids, (
            self.user.handle,
            first,
            "the previous links read another list",
        )
        return rows

    def person(self, mode: str, where: str, shown: dict | None) -> None:
        if shown is not None:
            self.people.append(Shown(mode, where, shown["name"], shown["affiliation"]))

    def label(self, mode: str, where: str, text: str) -> None:
        if text:
            self.people.append(Shown(mode, where, text))

    def text(self, mode: str, where: str, *texts: str) -> None:
        self.texts.extend(Shown(mode, where, text) for text in texts if text)


def paged(url: str) -> str:
    return f"{url}?limit={LIMIT}"


def ids(rows: list[dict]) -> set[int]:
    return {row["id"] for row in rows}


def pks(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


# ------------------------------------------------------------------------------
# 1-2. What the walk reaches is what the policy shows
# ------------------------------------------------------------------------------


def walk_the_api(user: User) -> Walk:
    """Make `user` a token and walk everything it reaches, asserting it against the policy."""
    _token, raw = make_token(user, scope="write")
    walk = Walk(user=user, client=TokenClient(raw))
    me = walk.get(api("me"))
    assert (me["name"], me["email"]) == (user.full_name, user.email)

    dialogues = {d["slug"] for d in walk.every(paged(api("dialogue-list")))}
    assert dialogues == set(visible(user, Workspace).values_list("slug", flat=True)), user.handle
    library = set(
        Workspace.objects.filter(kind=Workspace.Kind.LIBRARY).values_list("slug", flat=True)
    )
    assert library and not library & dialogues, (user.handle, dialogues)
    for workspace in visible(user, Workspace).order_by("slug"):
        detail = walk.get(api("dialogue-detail", slug=workspace.slug))
        assert (detail["slug"], detail["attribution"]) == (workspace.slug, workspace.attribution)
        if undertaking_pending(user, workspace):
            assert_undertaking_first(walk, workspace)
        else:
            walk_dialogue(walk, workspace)

    notifications = walk.every(paged(api("notification-list")))
    assert ids(notifications) == pks(visible_notifications(user=user)), user.handle
    about = {
        n.pk: n
        for n in Notification.objects.filter(pk__in=ids(notifications)).select_related(
            "workspace", "thread__workspace", "session__workspace", "room", "poll__session"
        )
    }
    for shown in notifications:
        mode = notification_mode(about[shown["id"]])
        if mode:
            walk.person(mode, f"notification {shown['id']}", shown["actor"])
        else:
            assert shown["actor"] is None, shown
    return walk


def assert_undertaking_first(walk: Walk, workspace: Workspace) -> None:
    """Inside a dialogue whose undertaking is pending, every list is the 403 that says where
    to accept it (its items: see assert_hidden_items_are_missing)."""
    link = "http://testserver" + reverse("workspace_undertaking", kwargs={"slug": workspace.slug})
    for name in ("thread-list", "document-list", "session-list", "chat-messages"):
        refused = walk.get(api(name, slug=workspace.slug), status=403)
        assert refused["undertaking"] == link, (walk.user.handle, name, refused)


def walk_dialogue(walk: Walk, workspace: Workspace) -> None:
    user, slug, mode = walk.user, workspace.slug, workspace.attribution

    threads = walk.every(paged(api("thread-list", slug=slug)))
    assert ids(threads) == pks(visible(user, Thread).filter(workspace=workspace)), (
        user.handle,
        slug,
    )
    for row in threads:
        walk.person(mode, f"thread {row['id']}", row["author"])
        detail = walk.get(api("thread-detail", slug=slug, pk=row["id"]))
        assert detail == row, (detail, row)
        walk_posts(walk, mode, Thread.objects.get(pk=row["id"]))

    documents = walk.every(paged(api("document-list", slug=slug)))
    assert ids(documents) == pks(visible(user, Document).filter(workspace=workspace)), (
        user.handle,
        slug,
    )
    for row in documents:
        walk.person(mode, f"document {row['id']}", row["uploaded_by"])
        detail = walk.get(api("document-detail", slug=slug, pk=row["id"]))
        assert {k: v for k, v in detail.items() if k != "versions"} == row, (detail, row)
        assert {v["id"] for v in detail["versions"]} == pks(
            DocumentVersion.objects.filter(document_id=row["id"])
        )
        assert_download(walk, Document.objects.get(pk=row["id"]))

    sessions = walk.every(paged(api("session-list", slug=slug)))
    assert ids(sessions) == pks(visible(user, DialogueSession).filter(workspace=workspace)), (
        user.handle,
        slug,
    )
    for row in sessions:
        session = DialogueSession.objects.select_related("workspace").get(pk=row["id"])
        assert row["attribution"] == session.effective_attribution, row
        assert walk_session(walk, session) == row

    walk_chat(walk, workspace)


def walk_posts(walk: Walk, mode: str, thread: Thread) -> None:
    """Every post of the thread, in the conversation's order: deleted and hidden ones keep
    their place with a notice and no text."""
    slug = thread.workspace.slug
    posts = walk.every(paged(api("post-list", slug=slug, pk=thread.pk)))
    stored = list(Post.objects.filter(thread=thread).order_by("path"))
    assert [p["id"] for p in posts] == [p.pk for p in stored], (walk.user.handle, thread.pk)
    for shown, post in zip(posts, stored, strict=True):
        walk.person(mode, f"post {post.pk}", shown["author"])
        walk.text(mode, f"post {post.pk}", shown["body"], shown["body_html"])
        removed = post.deleted_at is not None or post.hidden_at is not None
        if removed:  # hidden text leaves the reading view for nobody, its author included
            assert shown["notice"] and shown["body"] == shown["body_html"] == "", shown
        else:
            assert shown["notice"] == "" and shown["body"] and shown["body_html"], shown


def assert_download(walk: Walk, document: Document) -> None:
    """A readable document downloads (or asks for its marking to be acknowledged first); no
    other document's version is served through its address."""
    slug, user = document.workspace.slug, walk.user
    url = api("document-download", slug=slug, pk=document.pk)
    response = walk.client.get(url)
    walk.requests += 1
    if must_acknowledge(user, document):
        assert response.status_code == 409, (user.handle, url, response.status_code)
        walk._keep(f"GET {url}", response)
    else:
        assert response.status_code == 200, (user.handle, url, response.status_code)
        content = downloaded(response)
        assert len(content) == int(response["Content-Length"]), url
        if not document.watermark:  # else a copy stamped for its reader
            newest = document.versions.order_by("-number").first()
            assert hashlib.sha256(content).hexdigest() == newest.sha256, url
    missing = walk.answer("GET", f"{url}?version={MISSING}")
    for version in DocumentVersion.objects.exclude(document=document)[:3]:
        assert walk.answer("GET", f"{url}?version={version.pk}") == missing, (url, version.pk)
    assert missing[0] == 404, missing


def downloaded(response) -> bytes:
    """A download's bytes (streamed by an async iterator, as daphne sends them)."""

    async def gather():
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(gather)()


def walk_session(walk: Walk, session: DialogueSession) -> dict:
    """The session's detail: its agenda's presenters and actions' owners as its mode shows
    them. Returns the session as the detail shows it."""
    slug, mode = session.workspace.slug, session.effective_attribution
    detail = walk.get(api("session-detail", slug=slug, pk=session.pk))
    assert (detail["session"]["id"], detail["session"]["attribution"]) == (session.pk, mode)
    for item in detail["agenda"]:
        walk.label(mode, f"session {session.pk} presenter", item["presenter"])
        for action in (item["minutes"] or {}).get("actions", []):
            walk.label(mode, f"session {session.pk} action owner", action["owner"] or "")
    return detail["session"]


def walk_chat(walk: Walk, workspace: Workspace) -> None:
    """The dialogue's room, forward by `next` from the start and back by `previous` from the
    latest: every message once, by seq."""
    user, slug = walk.user, workspace.slug
    room = workspace_room(workspace)
    url = api("chat-messages", slug=slug)
    if not can(user, Capability.VIEW, room):
        walk.get(url, status=404)
        return
    expected = list(room.messages.order_by("seq").values_list("seq", flat=True))
    forward, next_url, pages = [], f"{url}?after=0&limit={LIMIT}", 0
    while True:
        pages += 1
        assert pages <= MAX_PAGES, (user.handle, slug, "chat next never ends")
        page = walk.get(next_url)
        if not page["results"]:
            break
        forward.extend(page["results"])
        next_url = page["next"]
    assert [m["seq"] for m in forward] == expected, (user.handle, slug)
    backward, previous, pages = [], f"{url}?limit={LIMIT}", 0
    while previous:
        pages += 1
        assert pages <= MAX_PAGES, (user.handle, slug, "chat previous never ends")
        page = walk.get(previous)
        backward = page["results"] + backward
        previous = page["previous"]
    assert [m["seq"] for m in backward] == expected, (user.handle, slug)
    stored = {m.seq: m for m in room.messages.all()}
    for message in forward:
        where = f"chat {slug} #{message['seq']}"
        walk.person(workspace.attribution, where, message["author"])
        walk.text(workspace.attribution, where, message["html"])
        # The API is outside the reading view: the text of a deleted or hidden message goes to
        # nobody, its author and the moderators included (as a hidden post's in an export).
        kept = stored[message["seq"]]
        readable = kept.deleted_at is None and kept.hidden_at is None
        assert bool(message["html"]) == readable, (user.handle, where, message)
        assert message["client_id"] in ("", kept.client_id)
        assert not message["client_id"] or kept.author_id == user.pk, (user.handle, where)
        assert (message["hidden"], message["deleted"]) == (
            kept.hidden_at is not None,
            kept.deleted_at is not None,
        )


def notification_mode(notification: Notification) -> str | None:
    """The attribution mode of the place a notification speaks from (None: no place, so no
    byline), read from the stored rows: a session's own, else its dialogue's."""
    session = notification.session or (notification.poll.session if notification.poll else None)
    if session is None and notification.room_id and not notification.room.is_workspace_room:
        session = DialogueSession.objects.filter(room_id=notification.room_id).first()
    if notification.thread_id:
        return notification.thread.workspace.attribution
    if session is not None:
        return session.effective_attribution
    if notification.room_id:
        return notification.room.workspace.attribution
    return notification.workspace.attribution if notification.workspace_id else None


# ------------------------------------------------------------------------------
# 3. What the policy hides is missing
# ------------------------------------------------------------------------------


DETAIL_DOORS = {
    Thread: [("GET", "thread-detail"), ("GET", "post-list"), ("POST", "post-list")],
    Document: [
        ("GET", "document-detail"),
        ("GET", "document-download"),
        ("POST", "document-acknowledge"),
    ],
    DialogueSession: [("GET", "session-detail")],
}


def assert_hidden_items_are_missing(walk: Walk) -> int:
    """Every thread, document and session the user may not see, asked for in its own dialogue
    and in each dialogue the user reads, answers exactly as a primary key that never existed:
    the same 404 (the same 403 inside a dialogue whose undertaking is pending). Items the user
    sees answer so too under another dialogue's address. Returns the number of probes."""
    user = walk.user
    readable = list(visible(user, Workspace).values_list("slug", flat=True))
    baseline: dict[tuple[str, str, str], tuple[int, dict]] = {}
    probes = 0
    for model, doors in DETAIL_DOORS.items():
        shown = pks(visible(user, model))
        for item in model.objects.select_related("workspace").order_by("pk"):
            slugs = set(readable) - {item.workspace.slug}
            if item.pk not in shown:
                slugs.add(item.workspace.slug)
            for slug in sorted(slugs):
                for method, name in doors:
                    key = (method, name, slug)
                    if key not in baseline:
                        baseline[key] = walk.answer(method, api(name, slug=slug, pk=MISSING))
                        status, body = baseline[key]
                        pending = slug in readable and undertaking_pending(
                            user, Workspace.objects.get(slug=slug)
                        )
                        # Inside a dialogue whose undertaking is pending, every route says so
                        # (403), whatever the id; anywhere else, the same 404.
                        assert status == (403 if pending else 404), (user.handle, key)
                        assert ("undertaking" in body) == (status == 403), (user.handle, key, body)
                    answer = walk.answer(method, api(name, slug=slug, pk=item.pk))
                    probes += 1
                    assert answer == baseline[key], (
                        f"{user.handle}: {method} {name} of {model.__name__} {item.pk} "
                        f"({item.workspace.slug}) under {slug} answers {answer}, "
                        f"a missing one {baseline[key]}"
                    )
    return probes


# ------------------------------------------------------------------------------
# 5-6. Nothing hidden in any body; nobody named where the mode forbids it
# ------------------------------------------------------------------------------


def assert_nothing_leaks(walk: Walk) -> int:
    """Returns how many secrets were looked for."""
    secrets = secrets_hidden_from(walk.user)
    for label, text in walk.bodies.items():
        readable = unescape(text)
        for secret in secrets:
            assert secret not in text and secret not in readable, (
                f"{walk.user.handle} reads “{secret}” in {label}"
            )
    return len(secrets)


def assert_attribution(walk: Walk, full_names: set[str], handles: set[str]) -> set[str]:
    """Nobody named where the mode forbids it: not as an author, an uploader, an actor, a
    presenter or an action's owner, and not by a mention in what people wrote. Returns the
    modes seen."""
    mentions = re.compile(
        r"@(" + "|".join(re.escape(h) for h in sorted(handles)) + r")\b", re.IGNORECASE
    )
    for shown in walk.texts:
        if shown.mode != NAMED:
            context = (walk.user.handle, shown.mode, shown.where, shown.name[:200])
            assert not mentions.search(shown.name), context
            assert not any(name in shown.name for name in full_names), context
    for shown in walk.people:
        context = (walk.user.handle, shown)
        named = [name for name in full_names if name in shown.name]
        if shown.mode == NAMED:
            if shown.affiliation is None:  # "Name, Affiliation"
                assert named and shown.name.startswith(named[0]), context
            else:
                assert shown.name in full_names, context
            continue
        assert not named, context
        assert not shown.affiliation, context  # no jurisdiction either
        if shown.mode == ANONYMOUS:
            assert PSEUDONYM.match(shown.name), context
    return {shown.mode for shown in walk.people}


# ------------------------------------------------------------------------------
# Without standing: the same 401 as a made-up token, at every door
# ------------------------------------------------------------------------------


def every_door() -> list[tuple[str, str]]:
    thread = Thread.objects.select_related("workspace").first()
    document = Document.objects.filter(workspace__kind=Workspace.Kind.DIALOGUE).first()
    session = DialogueSession.objects.select_related("workspace").first()
    t, d, s = thread.workspace.slug, document.workspace.slug, session.workspace.slug
    return [
        ("GET", api("me")),
        ("GET", api("dialogue-list")),
        ("GET", api("dialogue-detail", slug=t)),
        ("GET", api("thread-list", slug=t)),
        ("GET", api("thread-detail", slug=t, pk=thread.pk)),
        ("GET", api("post-list", slug=t, pk=thread.pk)),
        ("POST", api("post-list", slug=t, pk=thread.pk)),
        ("GET", api("document-list", slug=d)),
        ("GET", api("document-detail", slug=d, pk=document.pk)),
        ("GET", api("document-download", slug=d, pk=document.pk)),
        ("POST", api("document-acknowledge", slug=d, pk=document.pk)),
        ("GET", api("session-list", slug=s)),
        ("GET", api("session-detail", slug=s, pk=session.pk)),
        ("GET", api("chat-messages", slug=t)),
        ("POST", api("chat-messages", slug=t)),
        ("GET", api("notification-list")),
        ("POST", api("notifications-read")),
    ]


def stored_token(user: User) -> str:
    """A write token stored as the service would store it, for an official it refuses one."""
    with pytest.raises(PermissionDenied):
        make_token(user)
    key, secret = "%012x" % (user.pk * 7919), f"secret-of-{user.handle}"
    ApiToken.objects.create(
        user=user,
        name="made while standing-less",
        key=key,
        digest=_digest(secret),
        scope=ApiToken.Scope.WRITE,
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    return f"{PREFIX}{key}.{secret}"


def assert_shut_out(user: User, raws: list[str]) -> None:
    assert standing_lack(user) is not None, user.handle
    made_up = TokenClient(f"{PREFIX}{'0' * 12}.made-up")
    for method, url in every_door():
        refusal = made_up.get(url) if method == "GET" else made_up.post_json(url, {})
        assert refusal.status_code == 401
        for raw in raws:
            client = TokenClient(raw)
            answer = client.get(url) if method == "GET" else client.post_json(url, {})
            assert (answer.status_code, answer.json()) == (401, refusal.json()), (
                user.handle,
                method,
                url,
                answer.content[:300],
            )


# ------------------------------------------------------------------------------
# The test
# ------------------------------------------------------------------------------


def walk_everyone(users, *, probe_hidden: bool = True) -> tuple[dict[str, Walk], set[str]]:
    """Every official's walk and its checks: the walks, and the attribution modes they saw."""
    everyone = User.objects.all()
    full_names = {u.full_name for u in everyone}
    handles = {u.handle for u in everyone}
    walks, modes = {}, set()
    for user in users:
        if standing_lack(user) is not None:
            assert_shut_out(user, [stored_token(user)])
            continue
        walk = walk_the_api(user)
        if probe_hidden:
            assert_hidden_items_are_missing(walk)
        walk.secrets = assert_nothing_leaks(walk)
        modes |= assert_attribution(walk, full_names, handles)
        walks[user.handle] = walk
    return walks, modes


def remove_some(moderator: User) -> None:
    """A reply hidden in offsets and one deleted in market-stability; in offsets' chat, the
    EU's message hidden (its author and the moderators still read it) and Chile's deleted."""
    replies = Post.objects.filter(depth__gt=0).select_related("thread__workspace", "author")
    hidden = replies.filter(thread__workspace__slug="offsets").order_by("pk").first()
    post_set_hidden(actor=moderator, post=hidden, hidden=True, reason="Off topic.")
    deleted = replies.filter(thread__workspace__slug="market-stability").order_by("pk").first()
    post_delete(actor=deleted.author, post=deleted)
    room = workspace_room(Workspace.objects.get(slug="offsets"))
    eu_message = room.messages.get(author__handle="eu")
    message_hide(actor=moderator, message=eu_message, reason="Off topic.")
    chile_message = room.messages.get(author__handle="chile")
    message_delete(actor=chile_message.author, message=chile_message)
    eu_message.refresh_from_db()
    for handle, reads in (("eu", True), ("secretariat", True), ("chile", False)):
        user = User.objects.get(handle=handle)
        assert can_read_hidden_text(user, eu_message, author_id=eu_message.author_id) == reads


@pytest.mark.django_db
def test_every_demo_official_reaches_through_the_api_what_the_policy_shows(settings, monkeypatch):
    settings.ENCLAVE_SITE_URL = "https://enclave.example.org"
    # Refused tokens, a hundred and more of them from this one address, are checked one by one.
    settings.ENCLAVE_API_FAILURES_PER_MINUTE = 100_000
    # A walk is a few hundred requests per token, more than a minute's allowance.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"api": "100000/min", "api_write": "100000/min"}
    )
    call_command("seed_demo", verbosity=0)
    users = list(User.objects.select_related("jurisdiction").order_by("pk"))
    assert len(users) >= 10

    # As seeded: named and Chatham House dialogues; NZ has not accepted linking's undertaking.
    walks, modes = walk_everyone(users)
    assert modes == {NAMED, CHATHAM}, modes
    nz = walks["nz"]
    assert f"GET {api('thread-list', slug='linking')}" in nz.bodies
    assert sum(w.requests for w in walks.values()) > 500
    # Everyone but the Secretariat has something the leak check looks for in their bodies.
    assert all(w.secrets for handle, w in walks.items() if handle != "secretariat"), {
        handle: w.secrets for handle, w in walks.items()
    }

    # Stricter: market-stability anonymous, an offsets session Chatham House (its agenda has a
    # presenter). Removed: a post hidden by a moderator and one deleted by its author, a chat
    # message hidden and one deleted. Everyone walks again.
    secretariat = User.objects.get(handle="secretariat")
    remove_some(secretariat)
    market = Workspace.objects.get(slug="market-stability")
    attribution_set(actor=secretariat, workspace=market, mode=ANONYMOUS)
    session = (
        DialogueSession.objects.filter(
            workspace__slug="offsets",
            status=DialogueSession.Status.SCHEDULED,
            agenda__presenter__isnull=False,
        )
        .distinct()
        .get()
    )
    session_update(
        actor=secretariat,
        session=session,
        title=session.title,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        time_zone=session.time_zone,
        description=session.description_source,
        audience=session.audience,
        attribution=CHATHAM,
    )
    _walks, modes = walk_everyone(users, probe_hidden=False)  # nothing hidden anew but text
    assert modes == {NAMED, CHATHAM, ANONYMOUS}, modes

    # Four ways to lose standing: each token made while standing answers 401 from then on.
    california, quebec, japan = (
        User.objects.get(handle=h) for h in ("california", "quebec", "japan")
    )
    User.objects.filter(pk=quebec.pk).update(is_active=False)
    User.objects.filter(pk=california.pk).update(suspended_at=timezone.now())
    Jurisdiction.objects.filter(pk=japan.jurisdiction_id).update(status=Jurisdiction.Status.FORMER)
    Authenticator.objects.filter(user=secretariat, type__in=SECOND_FACTOR_TYPES).delete()
    for handle in ("california", "quebec", "japan", "secretariat"):
        user = User.objects.get(handle=handle)
        made_while_standing = walks[handle].client.defaults["HTTP_AUTHORIZATION"].split()[1]
        assert_shut_out(user, [made_while_standing])
    standing_less = [u for u in User.objects.order_by("pk") if standing_lack(u) is not None]
    assert len(standing_less) == 4
    walk_everyone(standing_less)
