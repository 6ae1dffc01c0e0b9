"""Email in `make run`: printed whole to the server's console and saved as .eml files.

Django's console backend prints what would go over SMTP: quoted-printable, which cuts a long
link (an invitation's) across two lines with "=" at the end of the first, so it breaks when
copied. Here every message is written as plain UTF-8 (8bit, lines up to SMTP's 998 characters),
printed, and saved as <directory>/<timestamp>-<subject slug>.eml, which a mail program opens.
"""

from __future__ import annotations

import datetime
import email.policy
from pathlib import Path

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.utils.text import slugify

# RFC 5322's limit for a line; a link shorter than this stays on one line. utf8: headers such as
# the subject are written as UTF-8 rather than encoded words.
READABLE = email.policy.default.clone(max_line_length=998, utf8=True)
SLUG_LENGTH = 50


class LocalEmailBackend(ConsoleEmailBackend):
    """The console backend, writing readable UTF-8 and keeping a copy of each message.

    MAILERS = {"default": {"BACKEND": "core.local_mail.LocalEmailBackend",
                           "OPTIONS": {"directory": VAR_DIR / "mail"}}}
    """

    def __init__(self, *args, directory: str | Path, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(directory)

    def write_message(self, message) -> None:
        data = message.message(policy=READABLE).as_bytes()
        self.save(data, subject=str(message.subject))
        self.stream.write(data.decode("utf-8", errors="replace"))
        self.stream.write("\n" + "-" * 79 + "\n")

    def save(self, data: bytes, *, subject: str) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
        slug = slugify(subject)[:SLUG_LENGTH].strip("-") or "email"
        path = self.directory / f"{stamp}-{slug}.eml"
        number = 1
        while path.exists():  # two messages in the same microsecond
            number += 1
            path = self.directory / f"{stamp}-{slug}-{number}.eml"
        path.write_bytes(data)
        return path
