"""The one way email leaves Enclave: a mail server that is down never fails the action that
sent it.

A failed send is one JSON line on the "enclave.mail" logger (the kind of email, the number of
recipients and the error's class; never an address, a subject or a body) and a False result;
callers that exist to send an email tell the user, the others carry on (or retry later).
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage

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
