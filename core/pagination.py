"""Paging long lists so that a page costs the same however long the list grows.

Numbered pages (`numbered_page`) suit lists of hundreds: a count and an offset are cheap there.
Logs that grow by millions page by key instead (`keyset_page`): "Older" continues below the last
row shown, "Newer" above the first, each an index range scan from a cursor, with nothing counted
and nothing skipped. The cursor is the row's (timestamp, id) in the query string; one that does
not parse is reported and the newest page is shown instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import QueryDict

from .params import MAX_ID

PAGE_PARAMS = ("page", "before", "after")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_CURSOR = re.compile(r"([0-9]{1,18})-([0-9]{1,19})")


def numbered_page(queryset, page_number, per_page: int) -> Page:
    """One page of `queryset`; a page number that is not a number gives the first page, one past
    the end the last (Django's `get_page`)."""
    return Paginator(queryset, per_page).get_page(page_number)


def query_without_paging(params: QueryDict) -> str:
    """The urlencoded filters of a list's query string, for its page links to carry on."""
    query = params.copy()
    for name in PAGE_PARAMS:
        query.pop(name, None)
    return query.urlencode()


# ------------------------------------------------------------------------------
# Keyset paging, newest first by (timestamp, id)
# ------------------------------------------------------------------------------


def encode_cursor(moment: datetime, pk: int) -> str:
    """`moment` and `pk` as "<microseconds since 1970>-<id>": exact, and plain in a URL."""
    return f"{(moment - _EPOCH) // _MICROSECOND}-{pk}"


def decode_cursor(text) -> tuple[datetime, int] | None:
    """The (moment, id) a cursor names, or None when it is not one `encode_cursor` could write."""
    found = _CURSOR.fullmatch(text) if isinstance(text, str) else None
    if found is None:
        return None
    pk = int(found.group(2))
    if not 1 <= pk <= MAX_ID:
        return None
    try:
        moment = _EPOCH + int(found.group(1)) * _MICROSECOND
    except OverflowError:
        return None
    return moment, pk


@dataclass
class KeysetPage:
    object_list: list
    newer: str | None = None  # cursor for the page above ("after"), None on the newest page
    older: str | None = None  # cursor for the page below ("before"), None on the oldest page
    malformed: bool = False  # a cursor was given and did not parse: this is the newest page

    @property
    def has_other_pages(self) -> bool:
        return bool(self.newer or self.older)


def keyset_page(
    queryset: QuerySet, *, before=None, after=None, per_page: int, field: str = "created_at"
) -> KeysetPage:
    """Up to `per_page` rows of `queryset` newest first by (`field`, id): those just older than
    the `before` cursor, or just newer than the `after` one, or the newest. An index on
    (`field`, id) — or on a filter column, then those — serves each page from where it starts.
    """
    raw = before or after
    cursor = decode_cursor(raw) if raw else None
    if cursor is not None:
        moment, pk = cursor
        if before:
            # The redundant `<=` gives the database a range to start its index scan from.
            older_rows = queryset.filter(
                Q(**{f"{field}__lt": moment}) | Q(**{field: moment, "pk__lt": pk}),
                **{f"{field}__lte": moment},
            )
            rows = list(older_rows.order_by(f"-{field}", "-pk")[: per_page + 1])
            shown = rows[:per_page]
            return KeysetPage(
                shown,
                newer=_cursor_of(shown[0], field) if shown else None,
                older=_cursor_of(shown[-1], field) if len(rows) > per_page else None,
            )
        newer_rows = queryset.filter(
            Q(**{f"{field}__gt": moment}) | Q(**{field: moment, "pk__gt": pk}),
            **{f"{field}__gte": moment},
        )
        rows = list(newer_rows.order_by(field, "pk")[: per_page + 1])
        if len(rows) > per_page:
            shown = rows[:per_page][::-1]
            return KeysetPage(
                shown, newer=_cursor_of(shown[0], field), older=_cursor_of(shown[-1], field)
            )
        # Fewer than a page is newer: the newest page, the same one as without a cursor.
    rows = list(queryset.order_by(f"-{field}", "-pk")[: per_page + 1])
    shown = rows[:per_page]
    older = _cursor_of(shown[-1], field) if len(rows) > per_page else None
    return KeysetPage(shown, older=older, malformed=bool(raw) and cursor is None)


def _cursor_of(row, field: str) -> str:
    return encode_cursor(getattr(row, field), row.pk)
