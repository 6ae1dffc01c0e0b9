"""The one way email leaves Enclave: a mail server that is down never fails the action that
sent it, and every email is written in its reader's language, whoever or whatever sends it.

A failed send is one JSON line on the "enclave.mail" logger (the kind of email, the number of
recipients and the error's class; never an address, a subject or a body) and a False result;
callers that exist to send an email tell the user, the others carry on (or retry later).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger("enclave.mail")

# smtplib.SMTPException, refused or reset connections, timeouts and TLS errors are all OSErrors.
MAIL_ERRORS = (OSError,)


def deliver(message: EmailMessage, *, kind: str) -> bool:
    """Send `message`; False (and one log line) when the mail server fails."""
    try:
        message.send()
    except MAIL_ERRORS as error:
        logger.warning(
            "email not sent",
            extra={
                "fields": {
                    "kind": kind,
                    "recipients": len(message.recipients()),
                    "error": type(error).__name__,
                }
            },
        )
        return False
    return True


def send_email(*, kind: str, subject: str, body: str, to: list[str]) -> bool:
    """A plain-text email from DEFAULT_FROM_EMAIL; see deliver()."""
    return deliver(EmailMessage(subject=subject, body=body, to=to), kind=kind)


def reader_language(code: str | None) -> str:
    """The language an email to a reader who chose `code` is written in: their choice when
    Enclave offers it (a regional variant falls back to its language), else LANGUAGE_CODE."""
    if code:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


@contextlib.contextmanager
def in_language(code: str | None) -> Iterator[str]:
    """Everything rendered inside (subject, body, dates' month names) is in the reader's
    language; the caller's own language is back afterwards."""
    language = reader_language(code)
    with translation.override(language):
        yield language


def send_email_in(
    language: str | None,
    *,
    kind: str,
    subject: str | Callable[[], str],
    template: str,
    context: dict[str, Any],
    to: list[str],
) -> bool:
    """Render `template` and the subject in `language` (a reader's stored choice, blank for none)
    and send them; see deliver(). `subject` is a lazy string or a function that composes it, so
    that it is translated here, not in the sender's language."""
    with in_language(language):
        rendered_subject = subject() if callable(subject) else str(subject)
        body = render_to_string(template, context)
    return send_email(kind=kind, subject=rendered_subject, body=body, to=to)
