"""Live chat over real daphne processes: room lookups, Redis, websockets to rooms.

Shared by tests/live/test_chat_multiprocess.py and bench/chat_fanout.py, on top of
tests/live/server.py (the site, daphne, sign-in). No pytest in here: errors are SiteError.
Every server listens on 127.0.0.1 only; every wait is bounded.
"""

from __future__ import annotations

import json
import resource

from .server import COMMAND_TIMEOUT, SiteError, manage

FRAME_TIMEOUT = 10.0
OUTPUT_MARK = "ENCLAVE-CHAT "


# ------------------------------------------------------------------------------
# The site: shell scripts, the room, limits
# ------------------------------------------------------------------------------


def shell_json(env: dict[str, str], code: str, timeout: float = COMMAND_TIMEOUT):
    """Run `code` in `manage.py shell -c`; it prints one line OUTPUT_MARK + JSON: return that."""
    out = manage(env, "shell", "-c", code, timeout=timeout)
    for line in out.splitlines():
        if line.startswith(OUTPUT_MARK):
            return json.loads(line.removeprefix(OUTPUT_MARK))
    raise SiteError(f"the shell script printed no result:\n{out[-2000:]}")


_ROOM_ID = f"""
from dialogues.models import ChatRoom
room = ChatRoom.objects.get(workspace__slug={{slug!r}}, is_workspace_room=True)
print({OUTPUT_MARK!r} + str(room.pk))
"""


def room_id(env: dict[str, str], slug: str = "offsets") -> int:
    """The id of the workspace room of /w/<slug>/."""
    return int(shell_json(env, _ROOM_ID.format(slug=slug)))


def raise_nofile(target: int = 65536) -> int:
    """Raise this process's open-files limit (inherited by the servers it starts)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for wanted in ((target, max(hard, target)), (min(target, hard), hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, wanted)
            return wanted[0]
        except (ValueError, OSError):
            continue
    return soft


# ------------------------------------------------------------------------------
# Redis
# ------------------------------------------------------------------------------


def redis_problem(url: str) -> str:
    """Why Redis at `url` cannot be used ('' when it answers PING)."""
    try:
        import redis
    except ImportError:
        return "the redis package is not installed"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # noqa: BLE001 (any failure means: not usable)
        return f"Redis at {url} is not reachable: {error}"
    return ""


def flush_redis(url: str) -> None:
    """Empty the one Redis database named by `url` (FLUSHDB, never FLUSHALL)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


# ------------------------------------------------------------------------------
# Websockets
# ------------------------------------------------------------------------------


def room_ws_url(base_url: str, room: int) -> str:
    return base_url.replace("http://", "ws://", 1) + f"/ws/rooms/{room}/"


def connect_room(base_url: str, room: int, session_key: str, **options):
    """`websockets` connect (await it, or `async with` it) to a room as the session's user,
    with the browser's Cookie and Origin; no proxy, no compression, no keepalive pings."""
    from websockets.asyncio.client import connect

    options.setdefault("open_timeout", FRAME_TIMEOUT)
    options.setdefault("close_timeout", 2)
    options.setdefault("ping_interval", None)
    options.setdefault("compression", None)
    options.setdefault("max_size", 2**22)
    return connect(
        room_ws_url(base_url, room),
        origin=base_url,
        additional_headers={"Cookie": f"sessionid={session_key}"},
        proxy=None,
        **options,
    )


async def next_frame(ws, *kinds: str, timeout: float = FRAME_TIMEOUT) -> dict:
    """The next frame of one of `kinds`, passing over others (presence, typing, …);
    TimeoutError naming what was awaited and what came instead."""
    import asyncio

    passed: list[str] = []
    try:
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await ws.recv())
                if frame.get("type") in kinds:
                    return frame
                passed.append(str(frame.get("type")))
    except TimeoutError:
        raise TimeoutError(
            f"no {'/'.join(kinds)} frame within {timeout:.0f} s (passed over: {passed[-10:]})"
        ) from None
