"""Factsheet emails: a draft awaits approval (to the focal points), a version was returned
(to who submitted it), a factsheet wants its yearly review (to the focal points). Each in its
reader's language; they name the jurisdiction and link to Enclave, never carry the values."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction
from accounts.services import site_url
from core.mail import send_email_in
from workspaces.access import factsheet_approvers

SUBJECTS = {
    "submitted": _("[Enclave] A factsheet change awaits your approval"),
    "returned": _("[Enclave] A factsheet draft was returned to you"),
    "review": _("[Enclave] Please review your jurisdiction's factsheet"),
}


def focal_points(jurisdiction: Jurisdiction):
    """Those who approve the jurisdiction's factsheet, as the policy says (its focal points)."""
    return factsheet_approvers(jurisdiction).order_by("pk")


def mail_official(official, jurisdiction: Jurisdiction, kind: str, *, link: str) -> bool:
    return send_email_in(
        official.language,
        kind=f"factsheet_{kind}",
        subject=SUBJECTS[kind],
        template="partnership/email/factsheet.txt",
        context={
            "official": official,
            "jurisdiction": jurisdiction,
            "kind": kind,
            "url": f"{site_url(None)}{link}",
        },
        to=[official.email],
    )


def mail_focal_points(jurisdiction: Jurisdiction, kind: str, *, link: str) -> int:
    """Send to each focal point of the jurisdiction; the number sent."""
    return sum(
        mail_official(official, jurisdiction, kind, link=link)
        for official in focal_points(jurisdiction)
    )
