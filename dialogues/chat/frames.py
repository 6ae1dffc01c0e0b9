"""Client frames of the chat protocol (docs/realtime.md): one schema per type, checked before
dispatch, so no field value can raise inside a handler.

A frame is a JSON object with a known `type` and only that type's fields, each of the right
JSON type and within its range. Numbers are integers (booleans, floats, NaN and Infinity are
not); strings have a bounded length and no NUL character. Anything else is a `BadFrame`, which
the consumer answers with the documented `bad_frame` error, keeping the socket open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Sequence numbers fit the database's 64-bit integers with room to spare.
MAX_SEQ = 2**53


class BadFrame(ValueError):
    """The frame does not match its schema; the message is a sentence for people."""


@dataclass(frozen=True)
class Field:
    kind: type  # int or str
    required: bool = False
    nullable: bool = False
    minimum: int = 0
    maximum: int = MAX_SEQ
    max_length: int = 64 * 1024


SCHEMAS: dict[str, dict[str, Field]] = {
    "resume": {"after": Field(int)},
    "send": {
        "client_id": Field(str, required=True, max_length=256),
        "body": Field(str, required=True),
    },
    "history": {"before": Field(int, nullable=True, minimum=1)},
    "typing": {},
    "read": {"seq": Field(int, required=True)},
    "ping": {},
    # Running a live session (dialogues/meetings/live.py)
    "agenda.move": {"item": Field(int, required=True, minimum=1)},
    "floor.raise": {"for": Field(str, max_length=16)},
    "floor.withdraw": {},
    "floor.give": {"request": Field(int, required=True, minimum=1)},
    "floor.skip": {"request": Field(int, required=True, minimum=1)},
    "floor.clear": {},
    "minutes.note": {
        "kind": Field(str, required=True, max_length=16),
        "text": Field(str, max_length=8 * 1024),
        "seq": Field(int, nullable=True, minimum=1),
        "owner": Field(int, nullable=True, minimum=1),
        "due": Field(str, nullable=True, max_length=10),
    },
}


def _reject_constant(name: str) -> Any:
    raise BadFrame(f"{name} is not a number this protocol accepts.")


def parse_frame(text: str) -> tuple[str, dict[str, Any]]:
    """The frame's type and its checked fields (absent optional fields are left out)."""
    try:
        frame = json.loads(text, parse_constant=_reject_constant)
    except BadFrame:
        raise
    except (ValueError, RecursionError):
        raise BadFrame("Frames are JSON objects with a type.") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise BadFrame("Frames are JSON objects with a type.")
    kind = frame.pop("type")
    schema = SCHEMAS.get(kind)
    if schema is None:
        raise BadFrame(f"Unknown frame type {kind[:40]!r}.")
    unknown = sorted(set(frame) - set(schema))
    if unknown:
        raise BadFrame(f"A {kind} frame has no field {unknown[0][:40]!r}.")
    fields = {}
    for name, field in schema.items():
        if name not in frame:
            if field.required:
                raise BadFrame(f"A {kind} frame needs {name!r}.")
            continue
        fields[name] = _checked(kind, name, field, frame[name])
    return kind, fields


def _checked(kind: str, name: str, field: Field, value: Any) -> Any:
    if value is None and field.nullable:
        return None
    if field.kind is int:
        # bool is an int in Python, never in this protocol.
        if type(value) is not int or not field.minimum <= value <= field.maximum:
            raise BadFrame(
                f"{name!r} in a {kind} frame is a whole number from {field.minimum} "
                f"to {field.maximum}."
            )
        return value
    # No NUL: no database stores it in text (PostgreSQL refuses it).
    if type(value) is not str or len(value) > field.max_length or "\x00" in value:
        raise BadFrame(
            f"{name!r} in a {kind} frame is text of at most {field.max_length} characters."
        )
    return value
