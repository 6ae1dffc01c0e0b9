"""The yearly review: focal points are asked to review a factsheet not approved for twelve
months (or never approved), at most once a month until they approve a version."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Jurisdiction
from partnership.factsheets.mail import mail_focal_points
from partnership.factsheets.services import factsheet_of
from partnership.models import Factsheet

STALE_AFTER = datetime.timedelta(days=365)
ASK_AGAIN_AFTER = datetime.timedelta(days=30)


def stale_factsheets(now: datetime.datetime) -> list[Factsheet]:
    """Every current jurisdiction's factsheet whose approved version is older than a year (or
    missing), not asked about in the last month."""
    for jurisdiction in Jurisdiction.objects.exclude(status=Jurisdiction.Status.FORMER):
        factsheet_of(jurisdiction)  # every jurisdiction has one to review
    found = []
    factsheets = (
        Factsheet.objects.exclude(jurisdiction__status=Jurisdiction.Status.FORMER)
        .select_related("jurisdiction", "approved")
        .order_by("jurisdiction__name")
    )
    for factsheet in factsheets:
        approved_at = factsheet.approved.approved_at if factsheet.approved else None
        if approved_at is not None and now - approved_at < STALE_AFTER:
            continue
        if factsheet.reminded_at is not None and now - factsheet.reminded_at < ASK_AGAIN_AFTER:
            continue
        found.append(factsheet)
    return found


def send_reminders(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Ask the focal points of each stale factsheet; (factsheets, emails sent). A factsheet is
    marked asked only when an email went out, so a mail server that is down is retried."""
    now = now or timezone.now()
    asked = sent = 0
    for factsheet in stale_factsheets(now):
        link = reverse("factsheet_detail", kwargs={"code": factsheet.jurisdiction.code})
        count = mail_focal_points(factsheet.jurisdiction, "review", link=link)
        if count:
            with transaction.atomic():
                Factsheet.objects.filter(pk=factsheet.pk).update(reminded_at=now)
            asked += 1
            sent += count
    return asked, sent
