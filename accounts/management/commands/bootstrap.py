"""`manage.py bootstrap`: the partnership's first jurisdiction and the invitation of its first
Co-Chair, without the Django admin. Runs once, on an empty database; both steps are audited.

`--reinvite` covers the one way the first day can strand a deployment: the first Co-Chair's
invitation expired (or was revoked) before anyone accepted it. It invites a Co-Chair again,
and only while no Co-Chair exists and no Co-Chair invitation is pending.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.audit import BOOTSTRAP_ACTOR
from accounts.forms import JurisdictionAdmitForm
from accounts.models import Invitation, Jurisdiction

UNCHANGED = "Nothing was changed."


def _message(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


class Command(BaseCommand):
    help = (
        "Admit the first jurisdiction (a full member) and invite its first Co-Chair by email; "
        "the link is printed too. Refuses, changing nothing, once any jurisdiction or Co-Chair "
        "exists. With --reinvite --code CODE --email ADDRESS: invite a first Co-Chair again "
        "after the first invitation expired unused. Needs ENCLAVE_SITE_URL: links start with it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", help='Its name, e.g. "European Union".')
        parser.add_argument(
            "--code", required=True, help="Its short code, e.g. eu (letters, digits, hyphens)."
        )
        parser.add_argument(
            "--level",
            default=Jurisdiction.Level.NATIONAL.value,
            choices=Jurisdiction.Level.values,
            help="supranational, national (default) or subnational.",
        )
        parser.add_argument(
            "--email",
            required=True,
            help="The first Co-Chair's address; the invitation goes there.",
        )
        parser.add_argument(
            "--name",
            default="",
            help="The first Co-Chair's full name (they confirm it on accepting).",
        )
        parser.add_argument(
            "--reinvite",
            action="store_true",
            help="Invite a first Co-Chair again into the jurisdiction --code (no Co-Chair yet, "
            "no Co-Chair invitation pending).",
        )

    def handle(self, *args, **options):
        site = settings.ENCLAVE_SITE_URL.rstrip("/")
        if not site:
            raise CommandError(
                "Set ENCLAVE_SITE_URL (the address officials open, e.g. "
                f"https://enclave.example.org): the invitation's link is built from it. {UNCHANGED}"
            )
        self._validate(options)
        if not options["reinvite"]:
            refusal = services.bootstrap_refusal()
            if refusal is not None:
                raise CommandError(
                    f"{refusal} {UNCHANGED} The bootstrap runs once, on an empty database; from "
                    f"now on Co-Chairs admit jurisdictions and invite officials at {site}"
                    f"{reverse('membership')}."
                )

        result = None
        mail_failure = None
        try:
            with transaction.atomic():
                result = self._run(options)
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(f"{_message(error)} {UNCHANGED}") from error
        except (OSError, smtplib.SMTPException) as error:
            # The email goes out after the commit: by then the invitation exists.
            if result is None:
                raise
            mail_failure = type(error).__name__
        if getattr(result[1], "email_sent", None) is False:
            # The mail helper (core/mail.py) logged the failure instead of raising it.
            mail_failure = "the mail server refused it or did not answer"
        self._report(*result, mail_failure=mail_failure)

    def _run(self, options) -> tuple[Jurisdiction | None, Invitation, str]:
        if not options["reinvite"]:
            return services.partnership_bootstrap(
                name=options["jurisdiction"],
                code=options["code"],
                level=options["level"],
                email=options["email"],
                full_name=options["name"],
            )
        jurisdiction = Jurisdiction.objects.filter(code=options["code"].lower()).first()
        if jurisdiction is None:
            raise ValidationError(f"No jurisdiction has the code “{options['code']}”.")
        invitation, token = services.invitation_create(
            actor=BOOTSTRAP_ACTOR,
            email=options["email"],
            full_name=options["name"],
            jurisdiction=jurisdiction,
            role=Invitation.Role.CO_CHAIR,
        )
        return None, invitation, token

    def _report(self, admitted, invitation, token, *, mail_failure) -> None:
        write = self.stdout.write
        if admitted is not None:
            write(f"Admitted {admitted.name} ({admitted.code}) as a full member.")
        name = invitation.jurisdiction.name
        if mail_failure is None:
            write(f"Invited {invitation.email} as Co-Chair of {name} by email.")
        else:
            self.stderr.write(
                f"The invitation email to {invitation.email} was not sent ({mail_failure}). "
                "Give them the link below yourself."
            )
        expires = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M %Z")
        write(
            f"Invitation link (works once, until {expires}; give it to {invitation.email} "
            "only, by a channel you trust):"
        )
        write(services.invitation_url(token))
        write(
            "On accepting, the Co-Chair sets up a second factor, then admits the other "
            "jurisdictions and invites officials on the membership pages."
        )
        write(f'The audit log records this as done by "{BOOTSTRAP_ACTOR.label}".')

    def _validate(self, options) -> None:
        problems = []
        if options["reinvite"]:
            if options["jurisdiction"]:
                problems.append("--reinvite invites into the existing jurisdiction --code.")
        else:
            form = JurisdictionAdmitForm(
                {
                    "name": options["jurisdiction"] or "",
                    "code": options["code"],
                    "level": options["level"],
                    "status": Jurisdiction.Status.FULL_MEMBER,
                    "since": timezone.localdate(),
                }
            )
            problems += [
                f"--{'jurisdiction' if field == 'name' else field}: {' '.join(errors)}"
                for field, errors in form.errors.items()
            ]
        try:
            validate_email(options["email"])
        except ValidationError as error:
            problems.append(f"--email: {' '.join(error.messages)}")
        if problems:
            raise CommandError(" ".join(problems) + f" {UNCHANGED}")
