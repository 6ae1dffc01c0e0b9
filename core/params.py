"""Query and form parameters, parsed before use.

A parameter is text the client chose: a malformed value must read as absent (or as a refusal the
caller words), never reach int() or a database lookup unparsed. `str.isdigit()` is not a parser:
it accepts "²" and other digits that int() refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.http import Http404

# The largest value of a 64-bit signed database integer (SQLite's INTEGER, PostgreSQL's bigint).
MAX_ID = 2**63 - 1
_INTEGER = re.compile(r"-?[0-9]{1,19}")


def int_param(value, *, minimum: int | None = None, maximum: int = MAX_ID) -> int | None:
    """`value` as an integer when it is plain ASCII decimal within range; None otherwise."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not _INTEGER.fullmatch(text):
        return None
    number = int(text)
    if (minimum is not None and number < minimum) or number > maximum:
        return None
    return number


def id_param(value) -> int | None:
    """A database id (a positive integer that fits the column), or None."""
    return int_param(value, minimum=1)


def id_or_404(value) -> int:
    """A database id named by the client: a malformed one is simply not found."""
    found = id_param(value)
    if found is None:
        raise Http404
    return found


def choice_param(value, choices: Iterable[str], default: str | None = None) -> str | None:
    """`value` if it is one of `choices`, else `default`."""
    return value if isinstance(value, str) and value in set(choices) else default
