"""A mail backend whose server is down, for tests: every send raises like smtplib would."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend

ERRORS = {
    "smtp": lambda: smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    "refused": lambda: ConnectionRefusedError(111, "Connection refused"),
}


class FailingEmailBackend(BaseEmailBackend):
    def __init__(self, *, error: str = "smtp", **kwargs):
        super().__init__(**kwargs)
        self.error = ERRORS[error]

    def send_messages(self, email_messages):
        raise self.error()
