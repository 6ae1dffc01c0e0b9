"""Cursor pagination: a page follows from where the last one ended, so rows written meanwhile
neither repeat nor go missing. The cursor is signed: a client follows the links it is given and
cannot make one up (a crafted position would reach the database unparsed)."""

from __future__ import annotations

from django.core import signing
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor as Position
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import replace_query_param

from core.params import int_param


class Cursor(CursorPagination):
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 200
    ordering = ("-created_at", "-pk")
    invalid_cursor_message = _("This page link is not valid: start again from the first page.")

    _salt = "enclave.api.cursor"

    def encode_cursor(self, cursor: Position) -> str:
        signed = signing.dumps(
            [cursor.offset, int(cursor.reverse), cursor.position], salt=self._salt, compress=True
        )
        return replace_query_param(self.base_url, self.cursor_query_param, signed)

    def decode_cursor(self, request) -> Position | None:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            offset, reverse, position = signing.loads(encoded[:2000], salt=self._salt)
        except (signing.BadSignature, ValueError, TypeError):
            raise NotFound(self.invalid_cursor_message) from None
        return Position(offset=offset, reverse=bool(reverse), position=position)

    def get_page_size(self, request) -> int:
        return limit_param(request, default=self.page_size)


def limit_param(request, *, default: int, maximum: int = 200) -> int:
    """`limit`, from 1 to 200 rows (a list's page, the chat's messages): anything else is a 400
    that says so, not a quiet default."""
    raw = request.query_params.get("limit")
    if raw in (None, ""):
        return default
    size = int_param(raw, minimum=1, maximum=maximum)
    if size is None:
        raise ValidationError({"limit": [_("Ask for 1 to 200 rows a page.")]})
    return size


class ByActivity(Cursor):
    ordering = ("-last_activity_at", "-pk")


class ByLastPost(Cursor):
    ordering = ("-last_post_at", "-pk")


class InTreeOrder(Cursor):
    """A thread's posts as the conversation reads (replies after what they answer)."""

    ordering = ("path",)


class ByUpdate(Cursor):
    ordering = ("-updated_at", "-pk")


class ByStart(Cursor):
    ordering = ("-starts_at", "-pk")
