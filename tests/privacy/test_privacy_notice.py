"""The privacy notice: anyone reads it (signed out in the sign-in page's layout), in their
language, else in English, else the built-in notice; only the Secretariat writes it, each
language's text rendered and sanitized once, audited without the text; the footer and the
sign-in page link to it."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from privacy.models import PrivacyNotice
from privacy.notice.services import MAX_SOURCE, privacy_notice_remove, privacy_notice_save

PAGE = reverse("privacy_notice")
EDIT = reverse("privacy_notice_edit")
BUILT_IN = "Who is responsible"  # a heading of the built-in notice (in English)


def in_language(language: str) -> Client:
    """A signed-out visitor who chose `language` with the language switcher."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def main_of(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def save(world, language: str, source: str) -> PrivacyNotice:
    return privacy_notice_save(actor=world.secretariat, language=language, source=source)


def notice_audit() -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action=AuditEvent.Action.PRIVACY_NOTICE_CHANGED).order_by("pk")
    )


# ------------------------------------------------------------------------------
# Reading it
# ------------------------------------------------------------------------------


def test_signed_out_it_renders_the_built_in_notice_in_the_sign_in_layout(db, client):
    response = client.get(PAGE)
    assert response.status_code == 200
    main = main_of(response)
    assert '<h1 class="page-title">Privacy notice</h1>' in main
    assert 'class="card entrance__card"' in main  # the sign-in page's layout
    for fact in (BUILT_IN, "Secretariat", "controller", "“My data”", "erase", "retention"):
        assert fact in main, fact
    assert "Last updated" not in main  # nobody wrote it yet
    assert f'<a href="{reverse("my_data")}">“My data”</a>' in main
    assert f'href="{reverse("account_login")}"' in main
    assert 'action="/i18n/setlang/"' in main  # the language switcher, as on the sign-in page
    assert EDIT not in main


def test_signed_in_it_renders_in_the_normal_layout(world, client_for):
    response = client_for(world.member).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-label="Your account"' in page
    main = main_of(response)
    assert "entrance__card" not in main and "language-switch" not in main
    assert BUILT_IN in main
    assert EDIT not in main  # a member may not edit it


def test_its_editors_find_the_editing_page_from_it(world, client_for):
    main = main_of(client_for(world.secretariat).get(PAGE))
    assert f'href="{EDIT}"' in main
    for reader in (world.cochair, world.observer, world.focal_point):
        assert EDIT not in main_of(client_for(reader).get(PAGE))


def test_each_language_reads_its_own_text_then_english_then_the_built_in(world, client_for):
    save(world, "en", "The English notice.")
    save(world, "fr", "L’avis en français.")
    french = main_of(in_language("fr").get(PAGE))
    assert "L’avis en français." in french and "The English notice." not in french
    # Spanish has no text: the English one, marked as English on a Spanish page.
    spanish = main_of(in_language("es").get(PAGE))
    assert '<div class="prose" lang="en"><p>The English notice.</p></div>' in spanish
    assert "L’avis" not in spanish
    assert '<div class="prose"><p>The English notice.</p></div>' in main_of(Client().get(PAGE))
    # Signed in, the profile's language decides.
    world.member.language = "fr"
    world.member.save(update_fields=["language"])
    assert "L’avis en français." in main_of(client_for(world.member).get(PAGE))
    # Without English, a language without a text reads the built-in notice (translated).
    privacy_notice_remove(actor=world.secretariat, language="en")
    spanish = main_of(in_language("es").get(PAGE))
    assert "The English notice." not in spanish and "L’avis" not in spanish
    assert "Last updated" not in spanish
    assert "<h2>" in spanish  # the built-in notice's sections
    assert "L’avis en français." in main_of(in_language("fr").get(PAGE))


def test_it_says_when_it_was_last_updated(world, client):
    notice = save(world, "en", "Our notice.")
    PrivacyNotice.objects.filter(pk=notice.pk).update(
        updated_at=notice.updated_at.replace(year=2026, month=3, day=14)
    )
    main = main_of(client.get(PAGE))
    assert 'Last updated <time datetime="2026-03-14">14 March 2026</time>' in main
    # The editor's name is for the editing page, not for every visitor.
    assert world.secretariat.full_name not in main


# ------------------------------------------------------------------------------
# Editing it
# ------------------------------------------------------------------------------


def test_the_secretariat_edits_a_language_in_the_browser_form(world, client_for):
    client = client_for(world.secretariat)
    page = client.get(f"{EDIT}?language=fr")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'aria-current="page" data-language="fr"' in html
    assert 'lang="fr"' in html and 'name="source"' in html
    assert "no text yet" in html and "has a text" not in html
    assert "Remove this language’s text" not in html  # nothing to remove yet

    response = client.post(EDIT, {"language": "fr", "source": "  # Avis\n\nBonjour.  "})
    assert response.status_code == 302
    assert response.url == f"{EDIT}?language=fr"
    notice = PrivacyNotice.objects.get(language="fr")
    assert notice.source == "# Avis\n\nBonjour."
    assert notice.html == "<h2>Avis</h2>\n<p>Bonjour.</p>"  # the page's own headings, from h2
    assert notice.updated_by == world.secretariat

    again = client.get(response.url).content.decode()
    assert "The privacy notice in Français is saved." in again
    assert re.search(r'data-language="fr"><span lang="fr">Français</span> · has a text', again)
    assert re.search(r'data-language="es"><span lang="es">Español</span> · no text yet', again)
    assert "# Avis\n\nBonjour.</textarea>" in again
    assert "Remove this language’s text" in again
    assert world.secretariat.full_name in again  # who last changed it, for the editors


@pytest.mark.parametrize("who", ["member", "observer", "cochair", "focal_point"])
def test_nobody_but_the_secretariat_edits_it(world, client_for, who):
    user = getattr(world, who)
    client = client_for(user)
    assert client.get(EDIT).status_code == 404
    assert client.post(EDIT, {"language": "fr", "source": "Mine."}).status_code == 404
    assert client.post(EDIT, {"language": "fr", "remove": "1"}).status_code == 404
    with pytest.raises(PermissionDenied):
        privacy_notice_save(actor=user, language="fr", source="Mine.")
    with pytest.raises(PermissionDenied):
        privacy_notice_remove(actor=user, language="fr")
    assert not PrivacyNotice.objects.exists()
    assert not notice_audit()


def test_signed_out_the_editing_page_is_the_sign_in_page(db, client):
    for response in (client.get(EDIT), client.post(EDIT, {"language": "en", "source": "x"})):
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert not PrivacyNotice.objects.exists()


def test_a_secretariat_member_without_standing_edits_nothing(world):
    world.secretariat.is_active = False
    world.secretariat.save(update_fields=["is_active"])
    with pytest.raises(PermissionDenied):
        privacy_notice_save(actor=world.secretariat, language="en", source="Text.")


@pytest.mark.parametrize(
    ("language", "source", "field", "message"),
    [
        ("fr", "", "source", "Write the notice first."),
        ("fr", " \n\t ", "source", "Write the notice first."),
        ("fr", "x" * (MAX_SOURCE + 1), "source", "at most 50,000 characters"),
        ("de", "Ein Text.", "language", "Choose one of the languages Enclave offers."),
        ("", "A text.", "language", "Choose one of the languages Enclave offers."),
    ],
)
def test_bad_input_stores_nothing(world, client_for, language, source, field, message):
    save(world, "fr", "The French text as it was.")
    before = notice_audit()
    with pytest.raises(ValidationError) as refused:
        privacy_notice_save(actor=world.secretariat, language=language, source=source)
    assert any(message in m for m in refused.value.message_dict[field])

    response = client_for(world.secretariat).post(EDIT, {"language": language, "source": source})
    assert response.status_code == 400
    html = response.content.decode()
    if field == "source":
        # Beside the field: its error list, which the textarea names as describing it.
        errors = re.search(r'<ul class="field__errors" id="id_source_error">(.*?)</ul>', html, re.S)
        assert errors and message in errors.group(1)
        assert 'aria-invalid="true"' in html
    else:
        assert message in html
    assert PrivacyNotice.objects.get().source == "The French text as it was."
    assert PrivacyNotice.objects.count() == 1
    assert notice_audit() == before


def test_raw_html_and_javascript_links_are_sanitized_when_stored(world):
    source = (
        "# Contact\n\n"
        '<script>alert("x")</script> '
        '<img src="https://tracker.example/p.gif" onerror="alert(1)">\n\n'
        '<a href="javascript:alert(2)">raw link</a>\n\n'
        "[click](javascript:alert(3)) [data](data:text/html;base64,PHNjcmlwdD4=) "
        "![pixel](https://tracker.example/q.gif)\n\n"
        "[The Secretariat](https://icap.example/contact)"
    )
    html = save(world, "en", source).html
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered
    assert 'href="javascript:' not in lowered and 'href="data:' not in lowered
    # Links are http(s) only and open nothing of ours; an image becomes a plain link, never a
    # remote fetch.
    links = re.findall(r"<a [^>]*>", html)
    assert links == [
        '<a href="https://tracker.example/q.gif" rel="noopener nofollow noreferrer">',
        '<a href="https://icap.example/contact" rel="noopener nofollow noreferrer">',
    ]
    assert "&lt;script&gt;" in html  # shown as text, never passed through
    assert html.startswith("<h2>Contact</h2>")


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("# A\n\n## B\n\n### C", "<h2>A</h2>\n<h3>B</h3>\n<h4>C</h4>"),
        ("## A\n\n### B\n\n## C", "<h2>A</h2>\n<h3>B</h3>\n<h2>C</h2>"),
        ("### A\n\n#### B", "<h2>A</h2>\n<h2>B</h2>"),  # render_markdown stops at h6
        ("No heading.", "<p>No heading.</p>"),
    ],
)
def test_its_headings_follow_the_pages_own_h1(world, source, html):
    assert save(world, "en", source).html == html


def test_a_change_is_audited_with_its_language_and_without_its_text(world, client_for):
    secret = "Data protection officer: Jane Roe, roe@secretariat.example"
    client = client_for(world.secretariat)
    client.post(EDIT, {"language": "ja", "source": secret})
    client.post(EDIT, {"language": "ja", "source": secret + " (updated)"})
    client.post(EDIT, {"language": "ja", "remove": "1"})
    events = notice_audit()
    assert [e.detail for e in events] == [
        {"language": "ja", "change": "created"},
        {"language": "ja", "change": "edited"},
        {"language": "ja", "change": "removed"},
    ]
    for event in events:
        assert event.actor == world.secretariat
        assert event.scope == "privacy"
        stored = json.dumps([event.summary, event.summary_params, event.detail])
        assert "Jane Roe" not in stored and "roe@" not in stored
    assert events[0].summary == "Privacy notice saved in ja"


def test_removing_a_language_returns_its_readers_to_the_fallback(world, client_for):
    save(world, "en", "The English notice.")
    save(world, "fr", "L’avis en français.")
    client = client_for(world.secretariat)
    response = client.post(EDIT, {"language": "fr", "remove": "1"})
    assert response.status_code == 302 and response.url == f"{EDIT}?language=fr"
    assert not PrivacyNotice.objects.filter(language="fr").exists()
    page = client.get(response.url).content.decode()
    assert "The text in Français is removed" in page
    assert "No text of its own yet: its readers read the English text." in page
    assert "The English notice." in main_of(in_language("fr").get(PAGE))

    # Nothing left to remove: said so, and nothing is audited.
    before = notice_audit()
    response = client.post(EDIT, {"language": "fr", "remove": "1"}, follow=True)
    assert "This language has no text of its own to remove." in response.content.decode()
    assert notice_audit() == before
    assert PrivacyNotice.objects.filter(language="en").exists()


# ------------------------------------------------------------------------------
# Where it is linked from
# ------------------------------------------------------------------------------


def test_the_footer_links_to_it_signed_in_and_out(world, client, client_for):
    link = f'<a href="{PAGE}">Privacy</a>'
    for response in (client_for(world.member).get(reverse("home")), client.get(PAGE)):
        page = response.content.decode()
        footer = page[page.index('<footer class="site-footer">') : page.index("</footer>")]
        assert link in footer


def test_the_sign_in_page_links_to_it(db, client):
    page = client.get(reverse("account_login")).content.decode()
    main = page[page.index("<main") : page.index("</main>")]
    assert f'<a href="{PAGE}">Privacy</a>' in main
