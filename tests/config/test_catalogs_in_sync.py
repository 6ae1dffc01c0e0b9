"""The catalogs are in sync with the code: every string the code marks for translation has an
entry in the committed catalog.

Runs `makemessages` as docs/translation.md says, on a copy of the sources in a temporary
directory (makemessages writes preprocessed `.html.py` files beside the templates it reads, and
merges into the catalog it finds: neither may touch the working tree), then compares the merged
French catalog with the committed one. Needs GNU gettext; skipped where it is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.config.test_catalogs import read_po

ROOT = Path(settings.BASE_DIR)
# docs/translation.md: `-e html,txt,py,md --ignore=.venv --ignore=tests --ignore=bench
# --ignore=var --no-obsolete`.
EXTENSIONS = ["html", "txt", "py", "md"]
IGNORED = [".venv", "tests", "bench", "var"]
# Never part of the sources: the repository's metadata and the catalogs themselves.
NOT_COPIED = {".git", "locale", "node_modules", "__pycache__", ".ruff_cache", *IGNORED}
LANGUAGE = "fr"
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq")


def _copy_sources(target: Path) -> None:
    suffixes = {f".{ext}" for ext in EXTENSIONS}
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if NOT_COPIED & set(relative.parts) or relative.parts[0].endswith(".egg-info"):
            continue
        if path.is_file() and path.suffix in suffixes:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


def _keys(path: Path) -> dict[tuple, int]:
    return {(e.msgctxt, e.msgid, e.msgid_plural): e.line for e in read_po(path)}


def _references(path: Path, line: int) -> str:
    """The `#:` source references above the entry that starts at `line`."""
    lines = path.read_text(encoding="utf-8").splitlines()[: line - 1]
    found = []
    for text in reversed(lines):
        if not text.startswith("#"):
            break
        if text.startswith("#:"):
            found[:0] = text[2:].split()
    return " ".join(found[:3]) + (" …" if len(found) > 3 else "")


@pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in GETTEXT_TOOLS),
    reason="GNU gettext (xgettext, msgmerge, msguniq) is not installed: makemessages cannot run",
)
def test_every_marked_string_is_in_the_committed_catalog(tmp_path, settings, monkeypatch):
    sources = tmp_path / "src"
    _copy_sources(sources)
    committed = ROOT / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"
    scratch = sources / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po"
    scratch.parent.mkdir(parents=True)
    shutil.copyfile(committed, scratch)
    settings.LOCALE_PATHS = [sources / "locale"]
    monkeypatch.chdir(sources)
    call_command(
        "makemessages",
        locale=[LANGUAGE],
        extensions=EXTENSIONS,
        ignore_patterns=IGNORED,
        no_obsolete=True,
        verbosity=0,
    )
    known = _keys(committed)
    merged = _keys(scratch)
    assert len(merged) > 500, "makemessages found almost nothing: was the copy complete?"
    missing = [
        f"{_references(scratch, line)}: {msgid!r}"
        + (f" (context {context!r})" if context else "")
        + (f" / plural {plural!r}" if plural else "")
        for (context, msgid, plural), line in merged.items()
        if (context, msgid, plural) not in known
    ]
    assert not missing, (
        f"{len(missing)} string(s) in the code but not in locale/{LANGUAGE} "
        "(run makemessages and translate them, docs/translation.md):\n" + "\n".join(missing)
    )


@pytest.mark.parametrize(
    "code", [c for c, _ in settings.LANGUAGES if c not in (settings.LANGUAGE_CODE, LANGUAGE)]
)
def test_every_catalog_has_the_strings_the_french_one_has(code):
    """The check above reads French; every other catalog must hold the same strings (pure
    Python, so it runs where gettext is missing too)."""
    french = _keys(ROOT / "locale" / LANGUAGE / "LC_MESSAGES" / "django.po")
    other = _keys(ROOT / "locale" / code / "LC_MESSAGES" / "django.po")
    missing = sorted(repr(key[1]) for key in french.keys() - other.keys())
    extra = sorted(repr(key[1]) for key in other.keys() - french.keys())
    assert not missing, f"locale/{code} lacks {len(missing)}: " + ", ".join(missing[:20])
    assert not extra, f"locale/{code} has {len(extra)} not in {LANGUAGE}: " + ", ".join(extra[:20])
