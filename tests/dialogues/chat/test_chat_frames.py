"""Every client frame is checked against its type's schema before dispatch: a malformed field
gets the documented `bad_frame` error and the socket keeps working (docs/realtime.md)."""

import json

import pytest

from dialogues.chat.frames import SCHEMAS, BadFrame, parse_frame

from .test_chat_consumer import connect, receive

WRONG_VALUES = [
    "text",
    "12",
    [],
    {},
    {"a": {"b": [1]}},
    True,
    None,
    1.5,
    -1,
    10**30,
    -(10**30),
    "\x00",
]
# Raw JSON that json.loads would turn into floats Python cannot make an integer of.
RAW_NUMBERS = ["1e999", "-1e999", "NaN", "Infinity", "-Infinity", "1e308"]


def malformed_frames():
    yield '{"type": []}'
    yield '{"type": {}}'
    yield '{"type": null}'
    yield '{"type": 7}'
    yield '{"type": "nope"}'
    yield "[]"
    yield '"send"'
    yield "not json"
    yield "[" * 5000 + "]" * 5000
    yield '{"type": "' + "x" * 5000 + '"}'
    for kind, fields in SCHEMAS.items():
        yield json.dumps({"type": kind, "surplus": 1})  # unknown field
        for name, field in fields.items():
            for value in WRONG_VALUES:
                if value is None and field.nullable:
                    continue
                in_range = type(value) is int and field.minimum <= value <= field.maximum
                if field.kind is int and in_range:
                    continue
                if field.kind is str and isinstance(value, str):
                    continue
                yield json.dumps({"type": kind, **_valid(kind), name: value})
            if field.kind is int:
                for raw in RAW_NUMBERS:
                    body = json.dumps({"type": kind, **_valid(kind)})[:-1]
                    yield body + f', "{name}": {raw}}}'
            if field.required:
                frame = {"type": kind, **_valid(kind)}
                frame.pop(name)
                yield json.dumps(frame)
            if field.kind is str:
                yield json.dumps({"type": kind, **_valid(kind), name: "text with \x00 NUL"})


def _valid(kind: str) -> dict:
    return {
        "send": {"client_id": "c-1", "body": "Hello"},
        "read": {"seq": 1},
        "agenda.move": {"item": 1},
        "floor.give": {"request": 1},
        "floor.skip": {"request": 1},
        "minutes.note": {"kind": "summary"},
    }.get(kind, {})


@pytest.mark.parametrize("text", list(malformed_frames()))
def test_schema_refuses_each_malformed_frame(text):
    with pytest.raises(BadFrame):
        parse_frame(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"type": "resume", "after": 3}', ("resume", {"after": 3})),
        ('{"type": "resume"}', ("resume", {})),
        ('{"type": "history", "before": null}', ("history", {"before": None})),
        ('{"type": "history", "before": 9}', ("history", {"before": 9})),
        (
            '{"type": "send", "client_id": "a", "body": ""}',
            ("send", {"client_id": "a", "body": ""}),
        ),
        ('{"type": "read", "seq": 0}', ("read", {"seq": 0})),
        ('{"type": "typing"}', ("typing", {})),
        ('{"type": "ping"}', ("ping", {})),
    ],
)
def test_schema_accepts_the_documented_frames(text, expected):
    assert parse_frame(text) == expected


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_socket_answers_every_malformed_frame_and_keeps_working(world, dialogue, room):
    frames = list(malformed_frames())
    alice, connected, _ = await connect(world.member, room)
    assert connected
    for text in frames:
        await alice.send_to(text_data=text)
        error = await receive(alice, "error", "catchup", "history", "ack", "pong")
        assert error["type"] == "error", text
        assert error["code"] == "bad_frame", text
    # Still open and working after all of them.
    await alice.send_to(text_data=json.dumps({"type": "ping"}))
    assert (await receive(alice, "pong", "error"))["type"] == "pong"
    await alice.send_to(
        text_data=json.dumps({"type": "send", "body": "Still here.", "client_id": "after-1"})
    )
    assert (await receive(alice, "ack", "error"))["type"] == "ack"
    await alice.disconnect()
