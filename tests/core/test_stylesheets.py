"""The stylesheets are whole: every block closed, and no rule nested in another. A rule left
open (a merge that dropped its closing brace) makes the browser read every later rule as
nested inside it, so whole pages lose their layout while every test of their HTML passes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

STYLESHEETS = sorted((Path(settings.BASE_DIR) / "static" / "css").glob("*.css"))


def _blocks(css: str):
    """Yield (line, selector, enclosing selector or None) for every block opened."""
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), css, flags=re.S)
    text = re.sub(r"\"[^\"\n]*\"|'[^'\n]*'", lambda m: " " * len(m.group(0)), text)
    stack: list[str] = []
    start = 0
    for match in re.finditer(r"[{}]", text):
        if match.group(0) == "{":
            selector = text[start : match.start()].strip().split(";")[-1].strip()
            line = text.count("\n", 0, match.start()) + 1
            yield line, selector, stack[-1] if stack else None
            stack.append(selector)
        else:
            line = text.count("\n", 0, match.start()) + 1
            assert stack, f"a closing brace with nothing open, line {line}"
            stack.pop()
        start = match.end()
    assert not stack, f"blocks left open: {stack}"


@pytest.mark.parametrize("path", STYLESHEETS, ids=[p.name for p in STYLESHEETS])
def test_every_block_is_closed_and_no_rule_is_nested(path):
    assert STYLESHEETS
    for line, selector, parent in _blocks(path.read_text()):
        if parent is not None:
            assert parent.startswith("@"), f"{path.name}:{line}: “{selector}” inside “{parent}”"
