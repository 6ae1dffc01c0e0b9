"""The archive of "My data": a ZIP of `data.json` (machine-readable: keys in English, instants
in UTC, ISO 8601), `index.html` (one self-contained page in the official's language and time
zone, readable offline: its own small stylesheet inline, no script, nothing remote, every value
escaped) and `README.txt`.

Both files are written in one pass over the sections (privacy/my_data/contents.py), record by
record as they are read. The archive is written under a temporary name in the exports directory,
readable by this process's user alone, and renamed once whole: a failure half-way leaves no
archive behind.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from accounts.models import User

from .contents import HOLDS, LEAVES_OUT, SECTIONS, Field, Section

FORMAT = "enclave-personal-data/1"
COPY_CHUNK = 1024 * 1024


def _instant(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    """A value as JSON holds it: instants in UTC, dates in ISO 8601, labels as text."""
    if isinstance(value, datetime.datetime):
        return _instant(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


class _Json:
    """data.json written as it is read: one section after the other, one record a line."""

    def __init__(self, out: io.TextIOBase, head: dict):
        self.out = out
        out.write("{\n")
        for key, value in head.items():
            out.write(f"{json.dumps(key)}: {json.dumps(_plain(value), ensure_ascii=False)},\n")
        self.first = True

    def section(self, section: Section, rows: Iterable[dict]) -> Iterator[dict]:
        self.out.write(("" if self.first else ",\n") + json.dumps(section.key) + ": ")
        self.first = False
        if section.single:
            for row in rows:
                self.out.write(json.dumps(_plain(row), ensure_ascii=False, indent=1))
                yield row
            return
        self.out.write("[")
        separator = "\n"
        for row in rows:
            self.out.write(separator + json.dumps(_plain(row), ensure_ascii=False))
            separator = ",\n"
            yield row
        self.out.write("\n]" if separator != "\n" else "]")

    def close(self) -> None:
        self.out.write("\n}\n")


STYLE = """
:root { color: #1c2430; background: #fff; font: 16px/1.5 system-ui, -apple-system, "Segoe UI",
  Roboto, "Helvetica Neue", Arial, sans-serif; }
body { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 2.5rem 0 .5rem; padding-bottom: .25rem;
  border-bottom: 2px solid #d5dbe3; }
.muted, .about, .empty { color: #515b68; }
.record { border: 1px solid #d5dbe3; border-radius: 6px; padding: .5rem .75rem;
  margin: .5rem 0; }
dl { display: grid; grid-template-columns: minmax(8rem, 14rem) minmax(0, 1fr);
  gap: .25rem 1rem; margin: 0; }
dt { font-weight: 600; color: #515b68; }
dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.text { white-space: pre-wrap; background: #f4f6f9; border-radius: 4px; padding: .4rem .6rem;
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9rem; }
ol.versions { margin: 0; padding-left: 1.25rem; }
ol.versions > li + li { margin-top: .5rem; }
nav ol { columns: 2; padding-left: 1.25rem; }
ul { padding-left: 1.25rem; }
@media (max-width: 40rem) {
  dl { grid-template-columns: minmax(0, 1fr); }
  dt:not(:first-child) { margin-top: .4rem; }
  nav ol { columns: 1; }
}
""".strip()


def _style_hash() -> str:
    return base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


@dataclass
class _Reader:
    """How the page shows values to its reader: their zone, their language's formats."""

    zone: zoneinfo.ZoneInfo
    labels: dict[bool, str] = field(default_factory=dict)

    def time(self, value: datetime.datetime) -> str:
        local = timezone.localtime(value, self.zone)
        return format_html(
            '<time datetime="{}">{}</time>', _instant(value), date_format(local, "DATETIME_FORMAT")
        )

    def value(self, item: Field, value: Any) -> str:
        if value is None or value == "" or value == []:
            return '<span class="muted">—</span>'
        if item.nested:
            records = "".join(f"<li>{self.record(item.nested, nested)}</li>" for nested in value)
            return f'<ol class="versions">{records}</ol>'
        if isinstance(value, bool):
            return escape(self.labels[value])
        if isinstance(value, datetime.datetime):
            return self.time(value)
        if isinstance(value, datetime.date):
            return format_html(
                '<time datetime="{}">{}</time>',
                value.isoformat(),
                date_format(value, "DATE_FORMAT"),
            )
        if isinstance(value, list | tuple):
            return escape(", ".join(str(part) for part in value))
        if item.text:
            return format_html('<div class="text">{}</div>', value)
        return escape(str(value))

    def record(self, fields: Iterable[Field], row: dict) -> str:
        lines = "".join(
            format_html("<dt>{}</dt><dd>", item.label)
            + self.value(item, row.get(item.key))
            + "</dd>"
            for item in fields
        )
        return f"<dl>{lines}</dl>"


class _Page:
    """index.html written as it is read, to a file of its own (a ZIP member is written one at
    a time), then copied into the archive."""

    def __init__(
        self, out: io.TextIOBase, user: User, generated: datetime.datetime, reader: _Reader
    ):
        self.out = out
        self.reader = reader
        title = gettext("Your data in Enclave")
        out.write(
            format_html(
                '<!DOCTYPE html>\n<html lang="{}">\n<head>\n<meta charset="utf-8">\n'
                '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                '<meta http-equiv="Content-Security-Policy" content="{}">\n'
                '<meta name="robots" content="noindex, nofollow">\n<title>{} · {}</title>\n',
                translation.get_language() or settings.LANGUAGE_CODE,
                # Nothing but the page's own stylesheet, even opened from a disk.
                mark_safe(f"default-src 'none'; style-src 'sha256-{_style_hash()}'"),  # noqa: S308
                title,
                user.full_name,
            )
        )
        out.write(f"<style>{STYLE}</style>\n</head>\n<body>\n<header>\n")
        out.write(format_html("<h1>{}</h1>\n", title))
        # The sentence is escaped, then given its escaped values and the <time> element.
        prepared = escape(gettext("Prepared for %(name)s (%(email)s) on %(when)s.")) % {
            "name": escape(user.full_name),
            "email": escape(user.email),
            "when": reader.time(generated),
        }
        out.write(f'<p class="muted">{prepared}</p>\n')
        out.write(
            format_html(
                '<p class="muted">{}</p>\n',
                gettext("Times are in your time zone, %(zone)s.") % {"zone": reader.zone.key},
            )
        )
        out.write(
            format_html(
                "<p>{}</p>\n",
                gettext(
                    "Confidential: it holds what you wrote in closed-door dialogues. Keep it to "
                    "yourself."
                ),
            )
        )
        out.write(format_html("<h2>{}</h2>\n", gettext("What it holds")))
        out.write("<ul>" + "".join(format_html("<li>{}</li>", line) for line in HOLDS) + "</ul>\n")
        out.write(format_html("<h2>{}</h2>\n", gettext("What it leaves out")))
        out.write(
            "<ul>" + "".join(format_html("<li>{}</li>", line) for line in LEAVES_OUT) + "</ul>\n"
        )
        out.write(
            format_html(
                '<nav aria-label="{}">\n<h2>{}</h2>\n<ol>', gettext("Contents"), gettext("Contents")
            )
        )
        out.write(
            "".join(format_html('<li><a href="#{}">{}</a></li>', s.key, s.title) for s in SECTIONS)
        )
        out.write("</ol>\n</nav>\n</header>\n<main>\n")

    def section(self, section: Section, rows: Iterable[dict]) -> None:
        out = self.out
        out.write(format_html('<section id="{0}" aria-labelledby="{0}-title">\n', section.key))
        out.write(format_html('<h2 id="{}-title">{}</h2>\n', section.key, section.title))
        if section.about:
            out.write(format_html('<p class="about">{}</p>\n', section.about))
        empty = True
        for row in rows:
            empty = False
            out.write(f'<div class="record">{self.reader.record(section.fields, row)}</div>\n')
        if empty:
            out.write(format_html('<p class="empty">{}</p>\n', gettext("Nothing.")))
        out.write("</section>\n")

    def close(self) -> None:
        self.out.write("</main>\n</body>\n</html>\n")


def _readme(user: User, generated: datetime.datetime) -> str:
    lines = [
        gettext("Your data in Enclave"),
        "",
        gettext("Prepared for %(name)s (%(email)s) on %(when)s (UTC).")
        % {"name": user.full_name, "email": user.email, "when": _instant(generated)},
        "",
        gettext("This archive holds:"),
        "- index.html: " + gettext("your data as one page to read in a browser, offline."),
        "- data.json: "
        + gettext(
            "the same data for a program: UTF-8 JSON, one key per section, instants in UTC "
            "(ISO 8601)."
        ),
        "",
        gettext("What it holds:"),
        *[f"- {line}" for line in HOLDS],
        "",
        gettext("What it leaves out:"),
        *[f"- {line}" for line in LEAVES_OUT],
        "",
        gettext(
            "Confidential: it holds what you wrote in closed-door dialogues. Keep it to "
            "yourself, and delete it when you no longer need it."
        ),
        "",
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class Written:
    name: str  # relative to the exports directory
    size: int
    sha256: str


def _language(user: User) -> str:
    try:
        return translation.get_supported_language_variant(user.language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def _zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _fill(archive: zipfile.ZipFile, page_file, user: User) -> None:
    generated = timezone.now()
    reader = _Reader(_zone(user), {True: gettext("Yes"), False: gettext("No")})
    head = {"format": FORMAT, "generated_at": generated, "official": user.email}
    page_text = io.TextIOWrapper(page_file, encoding="utf-8", write_through=False)
    page = _Page(page_text, user, generated, reader)
    with (
        archive.open("data.json", "w", force_zip64=True) as raw,
        io.TextIOWrapper(raw, encoding="utf-8") as data,
    ):
        writer = _Json(data, head)
        for section in SECTIONS:
            page.section(section, writer.section(section, section.rows(user)))
        writer.close()
    page.close()
    page_text.flush()
    page_file = page_text.detach()
    page_file.seek(0)
    with archive.open("index.html", "w", force_zip64=True) as member:
        shutil.copyfileobj(page_file, member, COPY_CHUNK)
    archive.writestr("README.txt", _readme(user, generated))


def archive_write(*, user: User, directory: Path, name: str) -> Written:
    """Write the official's archive to `directory`/`name`, readable by this process's user
    alone: whole, or not at all."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(dir=directory, prefix=".partial-", suffix=".zip")
    try:
        with os.fdopen(descriptor, "w+b") as handle:
            os.fchmod(handle.fileno(), 0o600)  # mkstemp's own mode, said where it matters
            with (
                translation.override(_language(user)),
                tempfile.TemporaryFile(dir=directory) as page_file,
                zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive,
            ):
                _fill(archive, page_file, user)
            handle.flush()
            os.fsync(handle.fileno())
            handle.seek(0)
            digest = hashlib.sha256()
            while chunk := handle.read(COPY_CHUNK):
                digest.update(chunk)
            size = handle.tell()
        os.replace(partial, directory / name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)
        raise
    return Written(name=name, size=size, sha256=digest.hexdigest())
