"""Dates and times read as each language writes them: templates name a format, the language's
format module (config/formats/<lang>/formats.py) says what it looks like."""

from __future__ import annotations

import datetime
import importlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

NAMES = (
    "DATE_FORMAT",
    "TIME_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
    "WEEKDAY_DATE_FORMAT",
    "MONTH_DAY_TIME_FORMAT",
)
# Patterns a template may still spell out: machine-readable ones (the `datetime` attribute of
# <time>, comparisons) and the time-zone abbreviation.
MACHINE = {"Y-m-d", "Ymd", r"Y-m-d\TH:i:sO", "T"}
WHEN = datetime.datetime(2026, 12, 6, 14, 5)


@pytest.mark.parametrize("code", [code for code, _ in settings.LANGUAGES])
def test_every_language_defines_every_format_enclave_names(code):
    module = importlib.import_module(f"config.formats.{code}.formats")
    missing = [name for name in NAMES if not getattr(module, name, None)]
    assert not missing, f"{code} lacks {missing}: a template naming one would print its name"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", "Sun 6 Dec 2026, 14:05 · 6 December 2026 · 6 Dec 2026"),
        ("fr", "dim 6 déc. 2026, 14:05 · 6 décembre 2026 · 6 déc. 2026"),
        ("es", "dom 6 dic. 2026, 14:05 · 6 de diciembre de 2026 · 6 dic. 2026"),
        ("ja", "2026年12月6日(日) 14:05 · 2026年12月6日 · 2026/12/06"),
    ],
)
def test_a_template_shows_the_readers_format(code, expected):
    template = Template(
        '{{ when|date:"DATETIME_FORMAT" }} · {{ when|date:"DATE_FORMAT" }} · '
        '{{ when|date:"SHORT_DATE_FORMAT" }}'
    )
    with translation.override(code):
        assert template.render(Context({"when": WHEN})) == expected


def test_templates_name_formats_instead_of_spelling_patterns():
    pattern = re.compile(r"""\|(?:date|time):(["'])([^"']*)\1""")
    found = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*"):
        if path.suffix not in {".html", ".txt", ".md"}:
            continue
        for match in pattern.finditer(path.read_text()):
            name = match.group(2)
            if name not in MACHINE and name not in NAMES:
                found.append(f"{path.relative_to(settings.BASE_DIR)}: {name}")
    assert not found, found
