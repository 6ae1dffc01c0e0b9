"""Nothing leaks: every page each demo user can reach shows nothing they may not see.

What they may not see includes chat messages, draft sessions, agendas, minutes not yet shared,
actions and review comments, announcements addressed to others (an observer never reads one for
full members only), as well as threads, posts and documents.

The crawler follows links from the dashboard, searches for the words of every title, asks the
mention autocomplete, reads the emails and the user's calendar feed; it fails on any title or
body text of an item the user may not see. A draft session's title is shown, with its
scheduling poll, to everyone the poll asks (and nothing else of the draft).
"""

import re
from html import unescape
from urllib.parse import urlsplit

import icalendar
import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.feed_tokens import feed_token_reset
from accounts.models import User
from accounts.standing import standing_lack
from core.markup import plain_excerpt
from dialogues.models import (
    ActionItem,
    AgendaItem,
    Announcement,
    ChatMessage,
    DialogueSession,
    MinutesComment,
    MinutesEntry,
    Post,
    SchedulingPoll,
    Thread,
)
from dialogues.threads import services as thread_services
from partnership.factsheets import schema as factsheet_schema
from partnership.factsheets import selectors as factsheet_selectors
from partnership.models import FactsheetVersion
from workspaces.access import Capability, can, undertaking_pending, visible
from workspaces.models import Document, DocumentPassage, Workspace
from workspaces.undertakings import undertaking_set

MAX_PAGES = 1500
# Each field's history of each factsheet is a page (19 fields x 10 jurisdictions): the crawl
# reads the EU's (a draft, and a field kept from observers), the unit tests the selector.
SAMPLED_ONLY = re.compile(r"^/factsheets/(?!eu/)[^/]+/fields/")
FACTSHEET_CODES = ("eu", "nz", "cl", "kr", "ca-cal", "ca-qc", "us-wa", "ch", "uk", "jp")
FOLLOW = re.compile(
    r'href="(/(?:w|p|notifications|search|insights|factsheets|announcements|library)[^"#]*)"'
)


def _passages(item, fields) -> list[str]:
    """Distinctive text of one item: short fields whole, long ones by a slice of their middle."""
    texts = []
    for field in fields:
        value = getattr(item, field) or ""
        text = plain_excerpt(value, 10_000) if field.endswith("_html") else value.strip()
        texts.append(text[20:70] if len(text) > 70 else text)
    return texts


# What each kind of item says, by the fields a page, an export or a frame could show.
TEXT_FIELDS = {
    Thread: ("title",),
    Post: ("body_html",),
    Document: ("title", "description"),
    DocumentPassage: ("text",),  # the text inside, which search snippets quote
    ChatMessage: ("body_html",),
    DialogueSession: ("title", "description_html"),
    AgendaItem: ("title", "notes_html"),
    MinutesEntry: ("summary_html", "decisions_html"),
    ActionItem: ("description",),
    MinutesComment: ("body_html",),
    Announcement: ("title", "body_html"),
}


def secrets_hidden_from(user) -> list[str]:
    """Distinctive text of everything `user` may not see (and that no item they may see says
    too): threads, posts, documents, chat messages, sessions, agendas, minutes, actions and
    review comments, and the purpose of dialogues they are not in."""
    hidden, shown = set(), set()
    for model, fields in TEXT_FIELDS.items():
        readable = set(visible(user, model).values_list("pk", flat=True))
        for item in model.objects.all():
            (shown if item.pk in readable else hidden).update(_passages(item, fields))
    # A scheduling poll names its draft session to everyone it asks.
    shown.update(p.session.title for p in visible(user, SchedulingPoll).select_related("session"))
    workspaces = Workspace.objects.exclude(pk__in=visible(user, Workspace).values("pk"))
    hidden.update(plain_excerpt(w.purpose_html, 60).rstrip("…") for w in workspaces)
    factsheet_texts(user, hidden, shown)
    return [t for t in hidden - shown if len(t) >= 12]


def factsheet_texts(user, hidden: set[str], shown: set[str]) -> None:
    """The text fields of every factsheet version: shown when the version is approved (or the
    reader reads the jurisdiction's drafts) and the field is one the reader reads there."""
    readable = factsheet_selectors.may_read_factsheets(user)
    texts = [s for s in factsheet_schema.FIELDS if s.kind in ("text", "long", "markdown")]
    for version in FactsheetVersion.objects.select_related("factsheet__jurisdiction"):
        jurisdiction = version.factsheet.jurisdiction
        version_read = readable and (
            version.state == FactsheetVersion.State.APPROVED
            or can(user, Capability.READ_FACTSHEET_DRAFTS, jurisdiction)
        )
        fields = factsheet_selectors.shown_fields(user, jurisdiction.pk) if readable else []
        for spec in texts:
            value = version.values.get(spec.key)
            if not value:
                continue
            if spec.kind == "markdown":
                value = plain_excerpt(version.rendered.get(spec.key, ""), 10_000)
            text = value[:60]
            (shown if version_read and spec in fields else hidden).add(text)


def crawl(client: Client, user) -> dict[str, str]:
    start = [
        reverse("home"),
        reverse("notifications"),
        reverse("search") + "?q=carbon",
        # Counts only: with their CSV files (followed from the page), no titles or text.
        reverse("insights"),
        # Factsheets: approved versions, fields as the reader reads them, drafts for their own.
        reverse("factsheet_list"),
        reverse("factsheet_compare") + "?" + "&".join(f"j={code}" for code in FACTSHEET_CODES),
        reverse("announcement_list"),
        # The library: its facets count, and its search quotes, what the reader reads only.
        reverse("library"),
        reverse("library") + "?q=linking",
    ]
    for thread in Thread.objects.all():
        words = [w for w in re.findall(r"\w{5,}", thread.title)][:3]
        start.append(reverse("search") + "?q=" + "+".join(words))
    for workspace in Workspace.objects.all():
        start.append(reverse("mention_search", kwargs={"slug": workspace.slug}) + "?q=")
    seen: dict[str, str] = {}
    queue = list(start)
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen or "quote=1" in url or "/delete/" in url or "/download/" in url:
            continue
        if SAMPLED_ONLY.match(url):
            continue
        response = client.get(url)
        if response.status_code == 302:
            location = response.url
            if urlsplit(location).path.startswith(("/w/", "/p/")) and location not in seen:
                queue.append(location)
            seen[url] = ""
            continue
        body = response.content.decode()
        seen[url] = unescape(body)
        queue.extend(unescape(link) for link in FOLLOW.findall(body) if unescape(link) not in seen)
    assert len(seen) < MAX_PAGES, "crawl did not finish"
    return seen


def calendar_feed_text(user) -> str:
    """The user's calendar feed as its readable values (unfolded and unescaped by the parser,
    so a title cannot hide across a folded line)."""
    token = feed_token_reset(actor=user)
    response = Client().get(reverse("calendar_feed", kwargs={"token": token}))
    assert response.status_code == 200, user.email
    calendar = icalendar.Calendar.from_ical(response.content)
    return "\n".join(str(value) for event in calendar.walk("VEVENT") for value in event.values())


def assert_crawl_clean(user) -> dict[str, str]:
    client = Client()
    client.force_login(user, backend="accounts.backends.OfficialBackend")
    pages = crawl(client, user)
    if standing_lack(user) is None:
        pages["calendar feed"] = calendar_feed_text(user)
    secrets = secrets_hidden_from(user)
    for url, html in pages.items():
        for secret in secrets:
            assert secret not in html, f"{user.email} sees “{secret}” on {url}"
    return pages


def assert_undertaking_hides_linking(user) -> None:
    """`user` has not accepted linking's undertaking: its content is among their secrets (so
    the crawl checks every page for it), and its pages send them to the undertaking."""
    linking = Workspace.objects.get(slug="linking")
    assert undertaking_pending(user, linking)
    secrets = set(secrets_hidden_from(user))
    for thread in Thread.objects.filter(workspace=linking):
        assert thread.title in secrets, (user.email, thread.title)
    client = Client()
    client.force_login(user, backend="accounts.backends.OfficialBackend")
    response = client.get(reverse("workspace_detail", kwargs={"slug": "linking"}))
    assert response.status_code == 302
    assert response.url.startswith(reverse("workspace_undertaking", kwargs={"slug": "linking"}))


@pytest.mark.django_db
def test_no_page_shows_what_its_reader_may_not_see(settings):
    settings.ENCLAVE_SITE_URL = "https://enclave.example.org"
    call_command("seed_demo", verbosity=0)
    # The demo's one reader of `linking` who has not accepted its undertaking is crawled too.
    assert_undertaking_hides_linking(User.objects.get(handle="nz"))
    everyone = Announcement.objects.get(audience="everyone")
    members_only = Announcement.objects.get(audience="full_members")
    checked = 0
    for user in User.objects.all():
        pages = assert_crawl_clean(user)
        checked += len(pages)
        if user.handle == "eu":  # the crawl reaches the new doors: a poll, the feed's sessions
            assert any("/poll/" in url for url in pages), "no scheduling poll crawled"
            assert "/w/offsets/s/" in pages["calendar feed"]
            # ... and the EU's submitted factsheet draft, which only EU officials and the
            # Secretariat read (the others' crawls prove they never see its text).
            assert any("/factsheets/eu/versions/" in url for url in pages)
            assert f"/announcements/{members_only.pk}/" in pages
        if user.handle in ("chile", "japan"):  # observers read the announcement to everyone,
            assert f"/announcements/{everyone.pk}/" in pages, user.handle
            # ... and never the one for full members: it is one of their secrets (so no page
            # the crawl read showed it), and its own page is not found.
            secrets = set(secrets_hidden_from(user))
            assert set(_passages(members_only, TEXT_FIELDS[Announcement])) <= secrets
            assert f"/announcements/{members_only.pk}/" not in pages
            client = Client()
            client.force_login(user, backend="accounts.backends.OfficialBackend")
            url = reverse("announcement_detail", kwargs={"pk": members_only.pk})
            assert client.get(url).status_code == 404
            # The library's document for full members only: never listed, found or opened.
            library_pages = [url for url in pages if url.startswith("/library/")]
            assert library_pages, user.handle
            brief = Document.objects.get(workspace__kind="library", audience="full_members")
            url = reverse("document_detail", kwargs={"slug": brief.workspace.slug, "pk": brief.pk})
            assert url not in pages and client.get(url).status_code == 404
    assert checked > 100


@pytest.mark.django_db
def test_a_new_undertaking_version_hides_the_dialogue_until_accepted_again(settings):
    settings.ENCLAVE_SITE_URL = "https://enclave.example.org"
    call_command("seed_demo", verbosity=0)
    linking = Workspace.objects.get(slug="linking")
    undertaking_set(
        actor=User.objects.get(handle="secretariat"), workspace=linking, text="Version two."
    )
    for handle in ("eu", "korea"):  # both had accepted version one
        user = User.objects.get(handle=handle)
        assert_undertaking_hides_linking(user)
        assert len(assert_crawl_clean(user)) > 10


@pytest.mark.django_db
def test_emails_carry_nothing_their_reader_may_not_see(
    django_capture_on_commit_callbacks, settings
):
    settings.ENCLAVE_SITE_URL = "https://enclave.example.org"
    call_command("seed_demo", verbosity=0)
    mail.outbox.clear()
    everyone = " ".join(f"@{u.handle}" for u in User.objects.all())
    with django_capture_on_commit_callbacks(execute=True):
        for thread in Thread.objects.all():
            thread_services.post_reply(
                actor=thread.author, thread=thread, body=f"Round-up for everyone: {everyone}"
            )
    call_command("send_digests", verbosity=0)
    assert mail.outbox
    for message in mail.outbox:
        reader = User.objects.get(email=message.to[0])
        for secret in secrets_hidden_from(reader):
            assert secret not in message.body, f"{reader.email} email leaks “{secret}”"
        # Leak-safe by default: no thread titles at all, readable or not.
        for thread in Thread.objects.all():
            assert thread.title not in message.body
    # Nothing of linking reaches its reader who has not accepted its undertaking, links included.
    nz_bodies = " ".join(m.body for m in mail.outbox if m.to[0] == "nz@demo.enclave.test")
    for post in Post.objects.filter(thread__workspace__slug="linking"):
        assert f"/p/{post.pk}/" not in nz_bodies
