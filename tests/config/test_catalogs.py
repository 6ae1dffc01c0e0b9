"""The translation catalogs: complete, placeholders intact, and compiled as they read.

Pure Python (no gettext tools needed): a fresh machine runs it too. docs/translation.md says how
to update the catalogs.
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\([a-zA-Z_][a-zA-Z0-9_]*\)[sdif]|%[sdif]|\{[a-zA-Z_]*\}")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (the header and obsolete `#~` entries left out)."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None

    def close() -> None:
        nonlocal entry
        if entry.msgid or entry.msgstr or entry.msgid_plural:
            entries.append(entry)
        entry = Entry()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                close()
                target = None
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if target is None:
                raise AssertionError(f"{path}:{number}: a string outside an entry")
            name, index = target
            value = _unquote(line)
            if name == "msgstr":
                entry.msgstr[index or 0] += value
            else:
                setattr(entry, name, (getattr(entry, name) or "") + value)
            continue
        if not entry.line:
            entry.line = number
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            index = int(match.group(1))
            entry.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        elif keyword == "msgstr":
            entry.msgstr[0] = _unquote(rest)
            target = ("msgstr", 0)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            setattr(entry, keyword, _unquote(rest))
            target = (keyword, None)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    close()
    return [e for e in entries if e.msgid]


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _catalog(code: str) -> Path:
    return LOCALE / code / "LC_MESSAGES" / "django.po"


def test_every_offered_language_has_a_catalog():
    assert settings.LANGUAGE_CODE == "en"
    assert TRANSLATED, "only English is offered"
    for code in TRANSLATED:
        assert _catalog(code).exists(), f"no catalog for {code}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_catalog_is_complete_and_keeps_its_placeholders(code):
    problems = []
    entries = read_po(_catalog(code))
    assert len(entries) > 500, f"{code}: only {len(entries)} entries"
    for entry in entries:
        where = f"{code}:{entry.line} {entry.msgid[:60]!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where}: fuzzy")
        if not entry.msgstr or any(not text for text in entry.msgstr.values()):
            problems.append(f"{where}: not translated")
            continue
        english = _placeholders(entry.msgid)
        if entry.msgid_plural is None:
            if _placeholders(entry.msgstr[0]) != english:
                problems.append(f"{where}: placeholders differ")
            continue
        plural = _placeholders(entry.msgid_plural)
        for text in entry.msgstr.values():
            # A plural form may say "one" where English does, never invent or lose a name.
            found = _placeholders(text)
            if not (english & plural) <= found <= (english | plural):
                problems.append(f"{where}: placeholders differ")
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalog_says_what_the_catalog_says(code):
    """The .mo files are committed (a fresh machine has no msgfmt): they must match the .po."""
    mo = _catalog(code).with_suffix(".mo")
    assert mo.exists(), f"{mo} missing: run compilemessages (docs/translation.md)"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in read_po(_catalog(code)):
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            if compiled._catalog.get(key) != entry.msgstr.get(0):
                stale.append(entry.msgid[:60])
        elif compiled._catalog.get((key, 0)) != entry.msgstr.get(0):
            stale.append(entry.msgid[:60])
    assert not stale, f"{code}: .mo older than .po for {len(stale)} entries, e.g. {stale[:5]}"
