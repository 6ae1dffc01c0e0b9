"""Run every benchmark under bench/ and write their results into docs/benchmarks.md.

    .venv/bin/python bench/run_all.py [--only idle_sockets,download] [--no-write]

Runs, one after the other and each as a subprocess with its own time limit, every benchmark
script present in bench/: download.py, upload.py, pages.py, idle_sockets.py, chat_fanout.py and
scaling.py (then any other bench/*.py with a `__main__` block), the whole run bounded (under 10
minutes). A script may name a preparation run first, outside that budget: scaling.py builds its
two PostgreSQL worlds there (about four minutes the first time; cached after). Each
script's output is echoed as it comes and kept. docs/benchmarks.md keeps its hand-written text;
only the part between `<!-- results:start -->` and `<!-- results:end -->` is generated (the
markers are added under the intro paragraph when missing): per script, a heading, the date, the
machine's load average before and after, and the script's printed output verbatim in a fenced
block. With --only, the other scripts' sections already in the file stay as they are.

A script that fails or runs out of time gets its failure recorded in its section, and the run
goes on. Exit 0 even then; non-zero only when run_all itself breaks.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
START = "<!-- results:start -->"
END = "<!-- results:end -->"
SECTION = re.compile(r"^<!-- bench:([\w.-]+) -->$", re.MULTILINE)
TOTAL_BUDGET = 570.0  # seconds for the whole run (< 10 minutes)
GRACE = 20.0  # after SIGINT on time-out: for the script to stop its servers, then SIGKILL
DEFAULT_LIMIT = 180.0  # for a script not listed below
STDERR_TAIL = 40  # lines of stderr recorded for a failed script


@dataclass(frozen=True)
class Script:
    name: str  # the file's stem
    title: str
    limit: float  # seconds
    args: tuple[str, ...] = ()
    # Run first, outside the time budget: builds what the script measures unless cached.
    prepare: tuple[str, ...] = ()


# In this order: the short ones first, chat_fanout (the longest, ~3-4 minutes) last.
KNOWN = [
    Script("download", "Document downloads", 90.0),
    Script("upload", "Document uploads", 90.0),
    Script("pages", "Pages, policy and login costs", 210.0),
    Script("idle_sockets", "Idle sockets", 200.0),
    Script("chat_fanout", "Chat fan-out", 360.0),
    # Both worlds are built once (about four minutes) and reused while the scale holds; new
    # migrations are applied to them in seconds (bench/seed_large.py).
    Script(
        "scaling",
        "Ten years of data: the same pages on the demo world and the ten-year world",
        200.0,
        args=("--samples", "10", "--warmups", "2"),
        prepare=("--prepare-only",),
    ),
]
PREPARE_LIMIT = 1200.0  # seconds: a first build of the ten-year world on a slow machine


@dataclass
class Outcome:
    script: Script
    started: datetime.datetime
    load_before: tuple[float, ...]
    limit: float = 0.0
    load_after: tuple[float, ...] = ()
    seconds: float = 0.0
    returncode: int | None = None
    timed_out: bool = False
    error: str = ""
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error and not self.timed_out and self.returncode == 0

    @property
    def status(self) -> str:
        if self.error:
            return f"FAILED: {self.error}"
        if self.timed_out:
            return f"FAILED: stopped after its time limit of {self.limit:.0f} s"
        if self.returncode != 0:
            return f"FAILED: exit status {self.returncode}"
        return "ok"

    @property
    def targets(self) -> str:
        """MET / MISSED counts from the script's output ('' when it printed none)."""
        text = "".join(self.stdout)
        met = len(re.findall(r"^\s*MET\b", text, re.MULTILINE))
        missed = len(re.findall(r"^\s*MISSED\b", text, re.MULTILINE))
        return f"{met} met, {missed} missed" if met or missed else ""


def discover() -> list[Script]:
    """The known scripts that exist, in their order, then any other runnable bench/*.py."""
    scripts = [s for s in KNOWN if (BENCH / f"{s.name}.py").is_file()]
    # seed_large is the library that builds the ten-year world scaling measures.
    known = {s.name for s in KNOWN} | {Path(__file__).stem, "seed_large"}
    for path in sorted(BENCH.glob("*.py")):
        if path.stem in known or path.stem.startswith("_"):
            continue
        if "__main__" in path.read_text(errors="replace"):
            scripts.append(Script(path.stem, path.stem.replace("_", " ").capitalize(), 0.0))
    return scripts


def load() -> tuple[float, ...]:
    return tuple(round(x, 2) for x in os.getloadavg())


def _collect(stream, lines: list[str], echo) -> None:
    for line in stream:
        lines.append(line)
        if echo is not None:
            echo.write(line)
            echo.flush()


def run(script: Script, limit: float, quiet: bool, args: tuple[str, ...] = ()) -> Outcome:
    """Run bench/<name>.py in its own process group for at most `limit` seconds."""
    outcome = Outcome(script, datetime.datetime.now().astimezone(), load(), limit)
    command = [sys.executable, str(BENCH / f"{script.name}.py"), *args]
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            bufsize=1,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
            start_new_session=True,  # its servers share its group: killable together
        )
    except OSError as error:
        outcome.error = f"could not start: {error}"
        return outcome
    readers = [
        threading.Thread(
            target=_collect, args=(process.stdout, outcome.stdout, None if quiet else sys.stdout)
        ),
        threading.Thread(
            target=_collect, args=(process.stderr, outcome.stderr, None if quiet else sys.stderr)
        ),
    ]
    for reader in readers:
        reader.daemon = True
        reader.start()
    try:
        process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        outcome.timed_out = True
        # SIGINT first: the script's `finally` stops its servers and removes its temp dir.
        process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=GRACE)
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=GRACE)
        finally:
            _kill_group(process)
        raise
    _kill_group(process)  # anything of its group still alive (it exited or ran out of time)
    for reader in readers:
        reader.join(timeout=5)
    outcome.returncode = process.returncode
    outcome.seconds = time.monotonic() - started
    outcome.load_after = load()
    return outcome


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL what is left of the process group started for one script (its own id)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


# ------------------------------------------------------------------------------
# docs/benchmarks.md
# ------------------------------------------------------------------------------


def fence(text: str) -> str:
    """A fenced block holding `text` verbatim (longer fence than any run of backticks in it)."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"


def section(outcome: Outcome) -> str:
    script = outcome.script
    when = outcome.started.strftime("%Y-%m-%d %H:%M %Z")
    loads = ", ".join(f"{x:.2f}" for x in outcome.load_before)
    after = ", ".join(f"{x:.2f}" for x in outcome.load_after)
    lines = [
        f"<!-- bench:{script.name} -->",
        f"### {script.title} (`bench/{script.name}.py`)",
        "",
        f"Run {when}, {outcome.seconds:.0f} s, on {os.cpu_count()} CPUs; load average "
        f"(1, 5, 15 min) {loads} before, {after or '-'} after. "
        + (
            "Status: ok."
            if outcome.ok
            else f"**Status: {outcome.status}** (its output so far is below)."
        ),
        "",
        fence("".join(outcome.stdout).rstrip() or "(no output)"),
    ]
    if not outcome.ok and outcome.stderr:
        tail = "".join(outcome.stderr[-STDERR_TAIL:]).rstrip()
        lines += ["", f"Last {STDERR_TAIL} lines of its stderr:", "", fence(tail)]
    return "\n".join(lines)


def block(sections: dict[str, str], order: list[str]) -> str:
    names = [n for n in order if n in sections] + sorted(set(sections) - set(order))
    body = "\n\n".join(sections[name].strip() for name in names)
    return (
        f"{START}\n"
        "## Latest results\n\n"
        "Generated by `bench/run_all.py` (`make bench`): everything between the results markers "
        "is rewritten on each run, so write explanations outside them. Each section is one "
        "script's output, as printed.\n\n"
        f"{body}\n"
        f"{END}"
    )


def existing_sections(text: str) -> dict[str, str]:
    """The per-script sections of the current results block, by script name."""
    if START not in text or END not in text:
        return {}
    inner = text.split(START, 1)[1].split(END, 1)[0]
    marks = list(SECTION.finditer(inner))
    sections = {}
    for i, mark in enumerate(marks):
        stop = marks[i + 1].start() if i + 1 < len(marks) else len(inner)
        sections[mark.group(1)] = inner[mark.start() : stop].strip()
    return sections


def with_results(text: str, new_block: str) -> str:
    """`text` with its results block replaced, or inserted under the intro paragraph."""
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        return before + new_block + after
    # Under the intro: the first paragraph after the title (the first blank line after it).
    lines = text.split("\n")
    index = 0
    while index < len(lines) and (not lines[index].strip() or lines[index].startswith("# ")):
        index += 1  # the title and the blank lines around it
    while index < len(lines) and lines[index].strip():
        index += 1  # the intro paragraph
    head, tail = "\n".join(lines[:index]), "\n".join(lines[index:]).lstrip("\n")
    return f"{head}\n\n{new_block}\n\n{tail}"


def write_doc(outcomes: list[Outcome], order: list[str]) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    sections = existing_sections(text)
    for outcome in outcomes:
        sections[outcome.script.name] = section(outcome)
    DOC.write_text(with_results(text, block(sections, order)))


# ------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated script names, e.g. idle_sockets,download")
    parser.add_argument("--no-write", action="store_true", help="leave docs/benchmarks.md alone")
    parser.add_argument("--quiet", action="store_true", help="do not echo the scripts' output")
    args = parser.parse_args()
    available = discover()
    scripts = available
    if args.only:
        wanted = [name.strip().removesuffix(".py") for name in args.only.split(",") if name]
        names = {s.name for s in available}
        unknown = [name for name in wanted if name not in names]
        if unknown:
            parser.error(f"no such benchmark in bench/: {', '.join(unknown)}")
        scripts = [s for s in available if s.name in wanted]
    absent = [f"{s.name}.py" for s in KNOWN if s not in available]

    for script in scripts:
        if script.prepare:
            print(f"=== bench/{script.name}.py {' '.join(script.prepare)} (not timed) ===")
            prepared = run(script, PREPARE_LIMIT, args.quiet, script.prepare)
            print(f"=== prepared: {prepared.status}, {prepared.seconds:.0f} s ===\n", flush=True)

    started = time.monotonic()
    outcomes: list[Outcome] = []
    for script in scripts:
        left = TOTAL_BUDGET - (time.monotonic() - started)
        limit = min(script.limit or DEFAULT_LIMIT, left - GRACE)
        if limit < 10:
            outcome = Outcome(script, datetime.datetime.now().astimezone(), load())
            outcome.error = f"not run: the {TOTAL_BUDGET:.0f} s budget of run_all was spent"
            outcomes.append(outcome)
            continue
        print(f"=== bench/{script.name}.py (at most {limit:.0f} s) ===", flush=True)
        outcome = run(script, limit, args.quiet, script.args)
        outcomes.append(outcome)
        print(f"=== bench/{script.name}.py: {outcome.status}, {outcome.seconds:.0f} s ===\n")
    if not args.no_write and outcomes:
        write_doc(outcomes, [s.name for s in KNOWN])

    print("Summary:")
    for outcome in outcomes:
        targets = f"; targets {outcome.targets}" if outcome.targets else ""
        print(
            f"  {outcome.script.name + '.py':<18} {outcome.status}, "
            f"{outcome.seconds:.0f} s{targets}"
        )
    if absent:
        print(f"  not present (skipped): {', '.join(absent)}")
    where = "not written (--no-write)" if args.no_write else f"written to {DOC.relative_to(ROOT)}"
    print(f"Total {time.monotonic() - started:.0f} s; results {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
