"""Filters by date on every list: `since` and `until`, each an ISO 8601 instant
(`2026-03-01T09:00:00Z`) or a day (`2026-03-01`, from its start in UTC). A value that does not
parse is a 400 that says so, never an empty list."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

DATE_PARAMETERS = [
    OpenApiParameter(
        "since", OpenApiTypes.DATETIME, description="From this instant (or day) on, inclusive."
    ),
    OpenApiParameter("until", OpenApiTypes.DATETIME, description="Before this instant (or day)."),
    OpenApiParameter("limit", OpenApiTypes.INT, description="Rows per page: 1 to 200 (50)."),
]


def _instant(name: str, raw: str) -> datetime.datetime:
    try:
        moment = parse_datetime(raw) if len(raw) <= 40 else None
        if moment is None:
            day = parse_date(raw) if len(raw) <= 10 else None
            if day is not None:
                moment = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError(
            {name: [_("Give a day (2026-03-01) or an instant (2026-03-01T09:00:00Z).")]}
        )
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        # In UTC, as the database compares it: an offset may push it past year 1 or 9999.
        return moment.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise ValidationError({name: [_("That day is outside the calendar.")]}) from None


def in_date_range(request, queryset, field: str):
    """`queryset` narrowed to rows whose `field` lies in the request's `since`/`until`."""
    for name, lookup in (("since", "gte"), ("until", "lt")):
        raw = request.query_params.get(name)
        if raw:
            queryset = queryset.filter(**{f"{field}__{lookup}": _instant(name, raw)})
    return queryset
