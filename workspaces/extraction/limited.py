"""Resource limits a sandboxed process sets on itself, and a program that sets them, then runs
another:

    python -P -m workspaces.extraction.limited --limits=cpu=2,as=268435456,fsize=...,nofile=64 \
        -- /usr/bin/python3 -c "..."

The parent starts its children from threads (a download's request thread), where Python code
run between fork and exec (Popen's pre-exec hook) may deadlock on a lock another thread held at
the fork. So
the parent only says which limits it wants, as one argument, and the child applies them with
`setrlimit` before it reads its job: the worker in its first lines, any other program through
this module, which applies them and then execs it (limits survive exec). A missing or malformed
argument, or a limit that cannot be set, ends the process before anything else runs.

Plain Python: no Django, no document library.
"""

from __future__ import annotations

import os
import resource
import sys

MB = 1024 * 1024
OPTION = "--limits="
KEYS = ("cpu", "as", "fsize", "nofile")  # seconds, bytes, bytes, descriptors; no core dumps
REFUSED = 125  # the exit status when the limits or the program are refused (as env(1) uses it)


def argument(*, cpu_seconds: int, memory_mb: int, file_mb: int, open_files: int) -> str:
    """The one argument that carries the limits to the child."""
    values = {
        "cpu": cpu_seconds,
        "as": memory_mb * MB,
        "fsize": file_mb * MB,
        "nofile": open_files,
    }
    return OPTION + ",".join(f"{key}={int(value)}" for key, value in values.items())


def parse(arg: str) -> dict[str, int]:
    """{"cpu": ..., "as": ..., "fsize": ..., "nofile": ...}; ValueError unless exactly those,
    each a whole number (0 included: a file size of 0 forbids any write)."""
    if not arg.startswith(OPTION):
        raise ValueError("no limits")
    values = {}
    for item in arg[len(OPTION) :].split(","):
        key, _, value = item.partition("=")
        if key not in KEYS or key in values or not (value.isascii() and value.isdigit()):
            raise ValueError(f"bad limit {item!r}")
        values[key] = int(value)
    if set(values) != set(KEYS):
        raise ValueError("missing limits")
    return values


def apply(values: dict[str, int]) -> None:
    """Set the limits on this process, never above the hard limits it inherited (which
    setrlimit would refuse): soft and hard alike, so nothing it runs can raise them again."""
    wanted = [
        (resource.RLIMIT_CPU, values["cpu"], values["cpu"] + 1),  # the signal, then the kill
        (resource.RLIMIT_AS, values["as"], values["as"]),
        (resource.RLIMIT_FSIZE, values["fsize"], values["fsize"]),
        (resource.RLIMIT_NOFILE, values["nofile"], values["nofile"]),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    for which, soft, hard in wanted:
        ceiling = resource.getrlimit(which)[1]
        if ceiling != resource.RLIM_INFINITY:
            soft, hard = min(soft, ceiling), min(hard, ceiling)
        resource.setrlimit(which, (soft, hard))


def apply_from(argv: list[str]) -> list[str]:
    """Apply the limits that argv[0] carries; the rest of argv. Exits with REFUSED when it
    cannot: a child must never run unlimited."""
    try:
        apply(parse(argv[0] if argv else ""))
    except (ValueError, OSError) as error:
        sys.stderr.write(f"limits not applied: {error}\n")
        sys.exit(REFUSED)
    return argv[1:]


def main(argv: list[str]) -> None:
    rest = apply_from(argv)
    if len(rest) < 2 or rest[0] != "--" or not os.path.isabs(rest[1]):
        sys.stderr.write("usage: limited --limits=... -- /absolute/program [args]\n")
        sys.exit(REFUSED)
    try:
        os.execv(rest[1], rest[1:])  # noqa: S606 — the parent's own argument list, no shell
    except OSError as error:
        sys.stderr.write(f"cannot run {rest[1]}: {error}\n")
        sys.exit(REFUSED)


if __name__ == "__main__":
    main(sys.argv[1:])
