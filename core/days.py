"""A day chosen on a form as an instant, and back: a last day of showing an announcement, of a
token's life, of a period of figures, kept as the instant that day ends."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone


def end_of_day(day: datetime.date, zone: ZoneInfo | None = None) -> datetime.datetime:
    """The instant `day` ends in `zone` (the reader's, the one the request activated, if
    none): the midnight that starts the next day."""
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(midnight, zone or timezone.get_current_timezone())


def last_day(instant: datetime.datetime, zone: ZoneInfo | None = None) -> datetime.date:
    """The day `end_of_day` was given, in `zone` (the reader's if none)."""
    moment = instant - datetime.timedelta(microseconds=1)
    return timezone.localtime(moment, zone or timezone.get_current_timezone()).date()
