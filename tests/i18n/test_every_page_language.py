"""Every page speaks its reader's language: for a full-member official, an observer official and
the Secretariat (who reaches the pages that run dialogues) of the demo world, in French, Spanish
and Japanese, every page they reach says `<html lang="…">` in that language and shows no English
string of the catalogs left untranslated (tests/i18n/english.py says what counts). The
signed-out pages do the same in the language of the language cookie.

The pages: every GET route of config/route_rules.py, reversed with the route guard's helper
over demo objects the reader may see, and the links followed from there and from the
dashboard. One page per URL name is read (the first that answers), so the crawl stays short.
"""

from __future__ import annotations

import re
from html import unescape
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from accounts.models import Jurisdiction, User
from config.route_rules import iter_routes, rule_for
from demo.accounts import DEMO_PASSWORD
from dialogues.models import Announcement, DialogueSession, Post
from partnership.models import FactsheetVersion
from tests.every_door.test_route_guard import url_for
from tests.i18n.english import english_left
from workspaces.access import visible
from workspaces.models import Document, Marking, Workspace

LANGUAGES = ("fr", "es", "ja")
# A full member's focal point, an observer's, and the Secretariat (who runs and moderates).
READERS = ("eu", "chile", "secretariat")
LINK = re.compile(r'href="(/[^"#]*)"')
HTML_LANG = re.compile(r"<html[^>]*\slang=\"([^\"]*)\"")
# Not pages: files, the poll's JSON, the language switch (a POST), the mention autocomplete.
NOT_PAGES = {
    "document_download",
    "version_download",
    "mfa_download_recovery_codes",
    "session_calendar",
    "bulk_invitations_template",
    "audit_log_csv",
    "live_counts",
    "mention_search",
    "healthz",
    "set_language",
}
ATTEMPTS_PER_NAME = 3
# Pages whose object's state changes what they say (draft, scheduled, closed): read two.
PAGES_PER_NAME = {"session_detail": 2}
MAX_REQUESTS = 200
# Demo content that happens to say what a catalog says: the reader's language does not change
# users' content (docs/translation.md), so these are not English left behind.
DEMO_CONTENT = frozenset(
    {
        "Welcome",  # an agenda item of the demo's sessions (demo/dialogue_sessions.py)
        "Next steps",  # likewise
        "Thanks",  # a post's first word, before a mention (demo/dialogue_content.py)
        "and",  # a post's word between two bold phrases (likewise)
    }
)
# Written as they are in every language: each language's name in its own tongue (the language
# choices, settings.LANGUAGES), and on one page, the bulk invitation file's column names.
SAME_EVERYWHERE = DEMO_CONTENT | {name for _code, name in settings.LANGUAGES}
KEPT_AS_THEY_ARE = {"bulk_invitations": {"email", "name", "jurisdiction", "role", "language"}}


def _objects(user: User) -> dict:
    """Demo objects `user` may see, under the names the route guard's `url_for` reads; what
    the reader may not see (or no demo object) gets a number that answers 404."""
    workspaces = visible(user, Workspace).annotate(n=Count("threads")).order_by("-n", "slug")
    workspace = workspaces.first()
    posts = visible(user, Post).filter(thread__workspace=workspace, deleted_at__isnull=True)
    sessions = visible(user, DialogueSession).filter(workspace=workspace)
    documents = visible(user, Document).filter(workspace=workspace)
    missing = SimpleNamespace(pk=0, seq=0)
    return {
        "workspace": workspace,
        "archived": workspace,
        "jurisdiction": user.jurisdiction or Jurisdiction.objects.first(),
        "official": user,
        "token": "not-a-token",
        "own_post": posts.filter(author=user).first() or posts.first(),
        # A marked document, so that its acknowledgement page asks.
        "document": documents.exclude(marking=Marking.NONE).first() or documents.first(),
        # A session that has started (it has a room), so that the room's page opens too.
        "live_session": sessions.filter(room__isnull=False).first() or sessions.first(),
        "reviewed_session": sessions.order_by("starts_at").first(),
        "announcement": visible(user, Announcement).first() or missing,
        "library_document": visible(user, Document).filter(workspace__kind="library").first()
        or missing,
        # New Zealand's first factsheet version: approved in the demo, read by every official.
        "factsheet_version": FactsheetVersion.objects.filter(
            factsheet__jurisdiction__code="nz", number=1
        ).first()
        or SimpleNamespace(number=0),
        "pseudonym": missing,
        "chat_message": missing,
        "invitation": missing,
        "action": missing,
    }


def route_urls(user: User) -> list[str]:
    """A URL for every GET route that is a page, over the reader's objects."""
    objects = _objects(user)
    urls = []
    for name, _, pattern in iter_routes():
        if name.startswith("admin:") or name in NOT_PAGES:
            continue
        if rule_for(name).access.startswith("api"):  # JSON for scripts, not pages
            continue
        if "GET" in rule_for(name).methods:
            try:
                urls.append(url_for(name, pattern, objects))
            except NoReverseMatch:
                continue
    return urls


def _name(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).url_name
    except Resolver404:
        return None


def crawl(client: Client, start: list[str]) -> dict[str, list[tuple[str, str]]]:
    """{URL name (or error status): [(url, html)]}: the first HTML answers per name, following
    redirects and links; an error page is read once per status."""
    queue = list(start)
    attempts: dict[str, int] = {}
    pages: dict[str, list[tuple[str, str]]] = {}
    requests = 0
    while queue and requests < MAX_REQUESTS:
        url = queue.pop(0)
        name = _name(url)
        if name is None or name in NOT_PAGES:
            continue
        read = pages.get(name, [])
        if len(read) >= PAGES_PER_NAME.get(name, 1) or any(url == u for u, _ in read):
            continue
        if attempts.get(name, 0) >= ATTEMPTS_PER_NAME:
            continue
        attempts[name] = attempts.get(name, 0) + 1
        requests += 1
        response = client.get(url)
        if response.status_code == 302:
            queue.insert(0, response.url)
            continue
        if not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        if response.status_code != 200:
            # Another link may still reach this name: the error page itself is read once.
            pages.setdefault(str(response.status_code), [(url, html)])
            continue
        pages.setdefault(name, []).append((url, html))
        queue.extend(unescape(link) for link in LINK.findall(html))
    assert requests < MAX_REQUESTS, "the crawl did not finish"
    return pages


def problems(pages: dict[str, list[tuple[str, str]]], language: str) -> list[str]:
    found = []
    for name, read in pages.items():
        kept = KEPT_AS_THEY_ARE.get(name, set())
        for url, html in read:
            lang = HTML_LANG.search(html)
            if not lang or lang.group(1) != language:
                found.append(f"{language} {url}: <html lang> is {lang and lang.group(1)!r}")
            for text in english_left(html, language, SAME_EVERYWHERE):
                if text not in kept:
                    found.append(f"{language} English left on {url}: {text}")
    return found


def signed_in(user: User) -> Client:
    """Signed in, and then confirmed with the password on allauth's reauthentication page, as
    a person does before the pages that ask for it (two-factor set-up, passkeys) open."""
    client = Client()
    client.force_login(user, backend="accounts.backends.OfficialBackend")
    response = client.post(reverse("account_reauthenticate"), {"password": DEMO_PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


@pytest.fixture
def demo_world(db, settings):
    settings.ENCLAVE_SITE_URL = "https://enclave.example.org"
    call_command("seed_demo", verbosity=0)


@pytest.mark.parametrize("handle", READERS)
def test_every_page_speaks_the_readers_language(demo_world, handle):
    user = User.objects.get(handle=handle)
    start = [reverse("home"), reverse("notifications"), reverse("search") + "?q=carbon"]
    start += route_urls(user)
    failures = []
    for language in LANGUAGES:
        User.objects.filter(pk=user.pk).update(language=language)
        pages = crawl(signed_in(user), start)
        assert len(pages) > 40, f"{handle}/{language}: only {sorted(pages)}"
        failures += problems(pages, language)
    assert not failures, f"{handle}: {len(failures)} problem(s)\n" + "\n".join(failures)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_signed_out_pages_speak_the_cookies_language(db, language):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    start = [
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("account_reset_password_done"),
        reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "x-y"}),
        reverse("account_confirm_email", kwargs={"key": "not-a-key"}),
        reverse("invitation_accept", kwargs={"token": "not-a-token"}),
        reverse("account_inactive"),
        reverse("home"),  # to the sign-in page
    ]
    pages = crawl(client, start)
    assert {"account_login", "account_reset_password", "account_signup"} <= set(pages)
    failures = problems(pages, language)
    assert not failures, "\n".join(failures)


def test_the_check_sees_english(client_for, world):
    """The English dashboard, read as if it were French, is full of English: the check above
    can fail."""
    html = client_for(world.member).get(reverse("home")).content.decode()
    assert HTML_LANG.search(html).group(1) == "en"
    assert len(english_left(html, "fr")) > 5
