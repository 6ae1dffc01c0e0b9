"""Running a document job in a subprocess that a hostile file can only kill itself.

    result = run_job("text", path, content_type=version.content_type)
    result = run_job("preview", path, content_type=..., output_dir=folder, pages=3, width=800)
    result = run_job("watermark", path, content_type=..., output_path=copy, download_id="dl-7f3a",
                     text="dl-7f3a · Jane Doe · California · 2026-05-04 09:12 UTC")
    result = run_job("trace", path, content_type=...)  # result.download_id, from the metadata

The worker (workspaces.extraction.worker) starts fresh for each job: an argument list (no
shell), a minimal environment (no secrets, no Django settings), a private temporary directory
as its working directory, the job on standard input, its own process group, and the rlimits
as its one argument, which the child sets on itself (`limited`) before it reads the job: CPU
time, address space, size of a file written, open files, no core dumps. No Python code runs
in the child between fork and exec: the parent is a threaded server, and a child forked from
one thread may deadlock there on a lock another thread held. The parent enforces the wall
time (the whole group is killed) and reads at most `output_bytes` of the answer. Whatever
happens (a crash, a signal, a hang, a flood of output, an answer that does not parse), run_job
returns a Result with ok=False and a reason from jobs.REASONS; it never raises for a file's
sake and never leaves a process behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from workspaces.extraction import jobs, limited

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one job may use. The defaults fit a 100 MB document on a small server."""

    cpu_seconds: int = 20
    memory_mb: int = 768  # address space (RLIMIT_AS), not resident memory
    wall_seconds: float = 30.0
    output_bytes: int = 8 * MB  # the answer on the pipe (2 MB of text, JSON-escaped, fits)
    file_mb: int = 256  # the largest file the worker may write (a stamped copy)
    open_files: int = 64


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Passage:
    text: str
    page: int | None = None  # PDF
    sheet: str | None = None  # XLSX, ODS
    slide: int | None = None  # PPTX, ODP


@dataclass(frozen=True)
class Result:
    ok: bool
    reason: str | None = None  # one of jobs.REASONS when not ok
    error: str = ""  # the cause's name, for the logs; never document text
    passages: tuple[Passage, ...] = ()
    truncated: bool = False  # the text reached its cap
    files: tuple[Path, ...] = ()  # previews in page order, or the stamped copy
    pages: int | None = None  # pages of the stamped copy
    download_id: str | None = None  # trace: the id in a stamped copy's metadata
    wall_seconds: float = 0.0
    cpu_seconds: float | None = None
    peak_memory_kb: int | None = None  # the worker's peak resident memory, as it reported it


@dataclass(frozen=True)
class Outcome:
    """How one sandboxed process ended."""

    output: bytes | None  # its standard output, when it exited by itself within the limits
    returncode: int | None
    reason: str | None  # set when the sandbox stopped it or a limit killed it
    error: str
    wall_seconds: float
    cpu_seconds: float | None


def run_job(
    kind: str,
    input_path: str | os.PathLike,
    *,
    content_type: str,
    limits: Limits = DEFAULT_LIMITS,
    output_dir: str | os.PathLike | None = None,
    output_path: str | os.PathLike | None = None,
    scratch_dir: str | os.PathLike | None = None,
    **options: int | str,
) -> Result:
    """Run one job on one file. `options` go to the worker: max_text_bytes (text); pages,
    width (preview); text, download_id (watermark). Previews are moved into `output_dir`,
    the stamped copy to `output_path`, only when the job succeeds."""
    if kind not in jobs.KINDS or jobs.base_type(content_type) not in jobs.KINDS[kind]:
        return Result(ok=False, reason=jobs.UNSUPPORTED, error=f"{kind} of {content_type}")
    if (kind == "preview" and output_dir is None) or (kind == "watermark" and not output_path):
        raise ValueError(f"a {kind} job needs somewhere to put its output")
    source = Path(input_path).resolve()
    if not source.is_file():
        return Result(ok=False, reason=jobs.UNREADABLE, error="no such file")
    job = {"kind": kind, "input": str(source), "content_type": content_type, "options": options}
    scratch = Path(tempfile.mkdtemp(prefix="enclave-job-", dir=scratch_dir))
    try:
        outcome = run_sandboxed(json.dumps(job).encode(), limits, cwd=scratch)
        result = _result(outcome, kind, scratch)
        if result.ok and result.files:
            destination = Path(output_dir) if kind == "preview" else Path(output_path)
            result = _deliver(result, scratch, destination, kind)
        return result
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def worker_command(limits: Limits) -> list[str]:
    """The worker, told its limits. -P: the working directory (the job's scratch) is not put
    on sys.path."""
    return [sys.executable, "-P", "-m", "workspaces.extraction.worker", _limits_argument(limits)]


def limited_command(limits: Limits, program: list[str]) -> list[str]:
    """`program` (an absolute path, then its arguments), run after the limits are set."""
    module = "workspaces.extraction.limited"
    return [sys.executable, "-P", "-m", module, _limits_argument(limits), "--", *program]


def _limits_argument(limits: Limits) -> str:
    return limited.argument(
        cpu_seconds=limits.cpu_seconds,
        memory_mb=limits.memory_mb,
        file_mb=limits.file_mb,
        open_files=limits.open_files,
    )


def worker_environment(cwd: Path) -> dict[str, str]:
    """Only what Python needs: none of the server's variables (secrets, database URLs)."""
    return {
        "PATH": os.defpath,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "HOME": str(cwd),
        "TMPDIR": str(cwd),
        "PYTHONPATH": str(PROJECT_ROOT),
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUTF8": "1",
    }


def run_sandboxed(
    stdin: bytes,
    limits: Limits,
    *,
    cwd: Path,
    program: list[str] | None = None,
    env: dict | None = None,
) -> Outcome:
    """Run the worker (or `program`, through `limited`) under `limits` with `stdin` as its
    input; never raises for the child's sake, and when it returns, nothing of the child's
    process group is left running. Every command it starts sets the limits on itself."""
    argv = worker_command(limits) if program is None else limited_command(limits, program)
    started = time.monotonic()
    deadline = started + limits.wall_seconds
    with tempfile.TemporaryFile() as job:  # a file, not a pipe: writing it cannot block
        job.write(stdin)
        job.seek(0)
        try:
            child = subprocess.Popen(  # noqa: S603 — our own argument list, no shell
                argv,
                stdin=job,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=cwd,
                env=worker_environment(cwd) if env is None else env,
                close_fds=True,
                process_group=0,  # its own group, killed as a whole (setpgid, in C: no Python)
            )
        except (OSError, subprocess.SubprocessError) as error:
            return Outcome(None, None, jobs.UNREADABLE, type(error).__name__, 0.0, None)
    output, reason, error = b"", None, ""
    try:
        output, reason = _read(child, limits.output_bytes, deadline)
    except OSError as failure:  # of the pipe or the selector, not the child's doing
        reason, error = jobs.UNREADABLE, type(failure).__name__
    finally:
        _kill_group(child.pid)  # before reaping: the group id cannot have been reused yet
        try:
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
        except ChildProcessError:  # reaped by someone else's SIGCHLD handler
            status, usage, child.returncode = None, None, -1
        child.stdout.close()
    wall = time.monotonic() - started
    cpu = usage.ru_utime + usage.ru_stime if usage else None
    if reason is None and status is None:
        reason, error = jobs.UNREADABLE, "exit status lost"
    elif reason is None and os.WIFSIGNALED(status):
        reason, error = _signal_reason(os.WTERMSIG(status), cpu, limits)
    elif reason is None and child.returncode == limited.REFUSED:
        reason, error = jobs.UNREADABLE, "refused to start"  # bad limits or program
    return Outcome(
        output if reason is None else None,
        child.returncode,
        reason,
        error or (reason or ""),
        wall,
        cpu,
    )


def _read(child: subprocess.Popen, cap: int, deadline: float) -> tuple[bytes, str | None]:
    """The child's standard output until it exits; (output, TIMEOUT or TOO_LARGE or None)."""
    chunks: list[bytes] = []
    size = 0
    pipe = child.stdout.fileno()
    os.set_blocking(pipe, False)
    exited = os.pidfd_open(child.pid)  # readable once the child has exited (Linux 5.3+)
    with selectors.DefaultSelector() as selector:
        selector.register(pipe, selectors.EVENT_READ, "output")
        selector.register(exited, selectors.EVENT_READ, "exit")
        try:
            while selector.get_map():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return b"".join(chunks), jobs.TIMEOUT
                for key, _ in selector.select(remaining):
                    if key.data == "exit":
                        selector.unregister(exited)
                        continue
                    data = os.read(pipe, 65536)
                    if not data:
                        selector.unregister(pipe)
                        continue
                    size += len(data)
                    if size > cap:
                        return b"", jobs.TOO_LARGE
                    chunks.append(data)
        finally:
            os.close(exited)
    return b"".join(chunks), None


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone already
        os.killpg(pgid, signal.SIGKILL)


def _signal_reason(number: int, cpu: float, limits: Limits) -> tuple[str, str]:
    name = signal.Signals(number).name if number in signal.Signals else str(number)
    if number == signal.SIGXCPU:
        return jobs.CPU, name
    if number == signal.SIGXFSZ:
        return jobs.TOO_LARGE, name
    if number == signal.SIGKILL:  # not ours: the CPU hard limit, or the kernel short of memory
        # (CPU time is sampled and lags a little behind the limit that fired)
        return (jobs.CPU if cpu >= 0.9 * limits.cpu_seconds else jobs.MEMORY), name
    return jobs.UNREADABLE, name  # a parser crashed on the file (SIGSEGV, SIGABRT…)


# ------------------------------------------------------------------------------
# The worker's answer
# ------------------------------------------------------------------------------


def _result(outcome: Outcome, kind: str, scratch: Path) -> Result:
    usage = {"wall_seconds": outcome.wall_seconds, "cpu_seconds": outcome.cpu_seconds}
    if outcome.reason:
        return Result(ok=False, reason=outcome.reason, error=outcome.error, **usage)
    try:
        answer = json.loads(outcome.output)
        if outcome.returncode != 0 or not isinstance(answer, dict):
            raise ValueError("no answer")
        usage["peak_memory_kb"] = _typed(answer.get("peak_memory_kb"), int, optional=True)
        if answer.get("ok") is not True:
            reason = answer.get("reason")
            error = answer.get("error")
            return Result(
                ok=False,
                reason=reason if reason in jobs.REASONS else jobs.UNREADABLE,
                error=error[:200] if isinstance(error, str) else "",
                **usage,
            )
        return Result(ok=True, **_answer_fields(answer, kind, scratch), **usage)
    except (ValueError, TypeError, KeyError):
        return Result(ok=False, reason=jobs.UNREADABLE, error="malformed answer", **usage)


def _answer_fields(answer: dict, kind: str, scratch: Path) -> dict:
    """The fields of a successful answer, checked: ValueError or TypeError when malformed."""
    if kind == "text":
        passages = tuple(_passage(item) for item in answer["passages"])
        return {"passages": passages, "truncated": _typed(answer["truncated"], bool)}
    if kind == "trace":
        return {"download_id": _typed(answer.get("download_id"), str, optional=True)}
    names = answer["files"]
    if not isinstance(names, list) or not names:
        raise ValueError("no files")
    files = []
    for name in names:
        if not isinstance(name, str) or name != Path(name).name or name.startswith("."):
            raise ValueError("a file outside the job's directory")
        path = scratch / name
        with open(path, "rb") as handle:
            head = handle.read(8)
        if not head.startswith(b"\x89PNG\r\n\x1a\n" if kind == "preview" else b"%PDF-"):
            raise ValueError("not the promised file type")
        files.append(path)
    pages = _typed(answer["pages"], int) if kind == "watermark" else None
    return {"files": tuple(files), "pages": pages}


def _passage(item) -> Passage:
    if not isinstance(item, dict):
        raise TypeError("passage")
    return Passage(
        text=_typed(item["text"], str),
        page=_typed(item.get("page"), int, optional=True),
        sheet=_typed(item.get("sheet"), str, optional=True),
        slide=_typed(item.get("slide"), int, optional=True),
    )


def _typed(value, kind: type, *, optional: bool = False):
    if (value is None and optional) or type(value) is kind:
        return value
    raise TypeError(kind.__name__)


def _deliver(result: Result, scratch: Path, destination: Path, kind: str) -> Result:
    """Move the files out of the scratch directory to where the caller wants them."""
    try:
        if kind == "preview":
            destination.mkdir(parents=True, exist_ok=True)
            moved = tuple(Path(shutil.move(path, destination / path.name)) for path in result.files)
        else:
            moved = (Path(shutil.move(result.files[0], destination)),)
    except OSError as error:
        return Result(
            ok=False,
            reason=jobs.UNREADABLE,
            error=type(error).__name__,
            wall_seconds=result.wall_seconds,
            cpu_seconds=result.cpu_seconds,
            peak_memory_kb=result.peak_memory_kb,
        )
    return replace(result, files=moved)
