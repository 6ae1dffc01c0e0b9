"""Text as the search compares it, in any of the four languages.

- Folding (`fold`): case and accents dropped, one character at a time, so that "Quebec" finds
  and marks "Québec" and every position of a folded text maps back to the original
  (`fold_with_origin`). The SQLite fallback compares folded texts (`enclave_fold`, registered
  by dialogues/search/sqlite.py).
- CJK runs (`CJK_RUN`): Japanese, Chinese and Korean script has no spaces between words. A run of
  it is searched as overlapping character pairs (bigrams) on PostgreSQL, the way the migrations'
  `enclave_cjk_bigrams` indexes it (`cjk_bigrams` is its mirror, for the tests), and as a
  substring on SQLite.
- Marks (`mark`): the spans a search found, between the START and STOP markers, which cannot
  occur in escaped text (`services._marked` turns them into <mark>).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

START, STOP = "\x02", "\x03"

# Kana, ideographs (with the iteration marks 々 and 〆) and Hangul syllables: the same class as
# `enclave_cjk_bigrams` in workspaces migration 0006. Punctuation (、。「」・) ends a run.
CJK = (
    "\u3005\u3006"  # 々 〆
    "\u3041-\u3096\u309d-\u309f"  # hiragana
    "\u30a1-\u30fa\u30fc-\u30ff"  # katakana (ー, not the middle dot)
    "\u31f0-\u31ff"  # katakana phonetic extensions
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # ideographs, extension A, compatibility
    "\uac00-\ud7a3"  # hangul syllables
    "\uff66-\uff9f"  # half-width katakana
    "\U00020000-\U0003134f"  # ideographs, extensions B to H
)
CJK_RUN = re.compile(f"[{CJK}]+")
# Voiced-sound marks stay: dropping them would make ガ the same as カ.
_KANA_MARKS = frozenset("\u3099\u309a")


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char.casefold())
    kept = "".join(c for c in decomposed if c in _KANA_MARKS or not unicodedata.combining(c))
    return unicodedata.normalize("NFC", kept)


def fold(text: str | None) -> str | None:
    """`text` without case or accents ("Québec" -> "quebec", "ÉMISSIONS" -> "emissions")."""
    if text is None:
        return None
    return "".join(_fold_char(c) for c in unicodedata.normalize("NFC", text))


def fold_with_origin(text: str) -> tuple[str, list[int]]:
    """`fold(text)` of an NFC text, and for each folded character the index of the character
    of `text` it came from (a character may fold to none, one or several)."""
    folded, origin = [], []
    for index, char in enumerate(text):
        piece = _fold_char(char)
        folded.append(piece)
        origin.extend([index] * len(piece))
    return "".join(folded), origin


def spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Where each of `words` occurs in the NFC `text`, folded: (start, end) indexes of `text`,
    sorted and merged."""
    folded, origin = fold_with_origin(text)
    found = []
    for word in words:
        needle = fold(word)
        if not needle:
            continue
        at = folded.find(needle)
        while at >= 0:
            found.append((origin[at], origin[at + len(needle) - 1] + 1))
            at = folded.find(needle, at + len(needle))
    return merge(found)


def merge(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, found: list[tuple[int, int]]) -> str:
    """`text` with START/STOP around each of the merged spans `found`."""
    out, at = [], 0
    for start, end in found:
        out += [text[at:start], START, text[start:end], STOP]
        at = end
    out.append(text[at:])
    return "".join(out)


def unmark(snippet: str) -> tuple[str, list[tuple[int, int]]]:
    """The text of a marked snippet and its marked spans (merged; marks may nest or be left
    open, as when several headlines marked the same text)."""
    text, found, depth, opened = [], [], 0, 0
    length = 0
    for char in snippet:
        if char == START:
            if depth == 0:
                opened = length
            depth += 1
        elif char == STOP:
            if depth == 1:
                found.append((opened, length))
            depth = max(depth - 1, 0)
        else:
            text.append(char)
            length += 1
    if depth:
        found.append((opened, length))
    return "".join(text), merge([(s, e) for s, e in found if e > s])


def cjk_runs(text: str) -> list[str]:
    return CJK_RUN.findall(text)


def bigrams(run: str) -> list[str]:
    """The overlapping character pairs of a CJK run (the run itself when it has one)."""
    return [run[i : i + 2] for i in range(len(run) - 1)] or [run]


def cjk_bigrams(text: str) -> str:
    """What `enclave_cjk_bigrams` (SQL) indexes for `text`: per CJK run its bigrams, then its
    last character (so that a one-character query finds, by prefix, every occurrence)."""
    out = []
    for run in cjk_runs(text):
        out += (bigrams(run) + [run[-1]]) if len(run) > 1 else [run]
    return " ".join(out)


def cjk_query(query: str) -> str:
    """A websearch query with each CJK run of two characters or more replaced by the phrase of
    its bigrams ("排出量" -> '"排出 出量"'), which finds the run inside longer runs and not its
    characters apart. A run inside the user's quotes becomes a phrase of its own (the quotes are
    closed around it); a one-character run stays a word (`services` matches it by prefix)."""
    out, at, inside = [], 0, False
    for match in CJK_RUN.finditer(query):
        before = query[at : match.start()]
        inside ^= before.count('"') % 2 == 1
        # websearch's "-" negates a word it starts ("-排出量"), not one it joins ("CO2-排出量")
        at_word = match.start() == 1 or query[match.start() - 2 : match.start() - 1].isspace()
        negated = not inside and before.endswith("-") and at_word
        if negated:
            before = before[:-1]
        run = match.group()
        if len(run) == 1:
            piece = f" {'-' if negated else ''}{run} "
        else:
            phrase = '"' + " ".join(bigrams(run)) + '"'
            piece = f'" {phrase} "' if inside else f" {'-' if negated else ''}{phrase} "
        out += [before, piece]
        at = match.end()
    out.append(query[at:])
    return "".join(out)
