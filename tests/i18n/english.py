"""What counts as English left on a page: an English msgid of the catalogs a page draws on
(Enclave's, allauth's, Django's) that no catalog of the reader's language translates as itself.

A msgid some other language's catalog knows but the reader's lacks counts too: Django's own
catalogs do not translate every string in every language (a blank choice's label, say), and
such a string reaches the page in English.
"""

from __future__ import annotations

import functools
from html.parser import HTMLParser
from pathlib import Path

import allauth
import django
from django.conf import settings

from tests.config.test_catalogs import read_po

DJANGO = Path(django.__file__).parent
CATALOGS = [
    Path(settings.BASE_DIR) / "locale",
    Path(allauth.__file__).parent / "locale",
    DJANGO / "conf" / "locale",
    DJANGO / "contrib" / "auth" / "locale",
    DJANGO / "contrib" / "humanize" / "locale",
]
# Attributes a reader sees or hears: tooltips, labels, placeholders, image texts; and every
# data-* attribute, where the pages hand their scripts and styles the texts they show (chat
# states, table cell labels on small screens).
SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
BUTTON_INPUTS = {"submit", "button", "reset"}
NOT_SHOWN = {"script", "style"}


def normalise(text: str) -> str:
    return " ".join(text.split())


def _entries(language: str):
    for root in CATALOGS:
        path = root / language / "LC_MESSAGES" / "django.po"
        if path.exists():
            yield from read_po(path)


@functools.cache
def untranslated_in(language: str) -> frozenset[str]:
    """The English strings a page in `language` must not show: every msgid (singular and
    plural) of the catalogs of the offered languages, unless a catalog of `language` translates
    it as itself ("Enclave", "Chatham House", "Sessions" in French)."""
    english: set[str] = set()
    for code, _name in settings.LANGUAGES:
        for entry in _entries(code):
            english.update(normalise(m) for m in (entry.msgid, entry.msgid_plural) if m)
    kept = set()
    for entry in _entries(language):
        translations = {normalise(text) for text in entry.msgstr.values()}
        for english_text in filter(None, (entry.msgid, entry.msgid_plural)):
            if normalise(english_text) in translations:
                kept.add(normalise(english_text))
    english.discard("")
    return frozenset(english - kept)


class ShownText(HTMLParser):
    """The texts of a page a reader sees: text nodes and the attributes read out or shown."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in NOT_SHOWN:
            self._hidden_depth += 1
        for name, value in attrs:
            if value and (name in SHOWN_ATTRIBUTES or name.startswith("data-")):
                self.texts.append(value)
        is_button = tag == "input" and (values.get("type") or "").lower() in BUTTON_INPUTS
        if is_button and values.get("value"):
            self.texts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in NOT_SHOWN and self._hidden_depth:
            self._hidden_depth -= 1

    def handle_data(self, data):
        if not self._hidden_depth and data.strip():
            self.texts.append(data)


def shown_text(html: str) -> ShownText:
    parser = ShownText()
    parser.feed(html)
    parser.close()
    return parser


def english_left(html: str, language: str, content: frozenset[str] = frozenset()) -> list[str]:
    """The texts of `html` that are English msgids untranslated in `language`, except those
    that are also users' own content (`content`)."""
    english = untranslated_in(language)
    found = []
    for text in shown_text(html).texts:
        key = normalise(text)
        if key in english and key not in content and key not in found:
            found.append(key)
    return found
