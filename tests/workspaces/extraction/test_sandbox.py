"""The sandbox itself: whatever the child does, the parent gets a reason, in time, and nothing
of the child is left running. Hostile children are small Python programs run under the same
limits as the worker."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from workspaces import file_types_and_names as types
from workspaces.extraction import jobs, limited
from workspaces.extraction.sandbox import (
    Limits,
    limited_command,
    run_job,
    run_sandboxed,
    worker_command,
    worker_environment,
)

from . import documents

QUICK = Limits(cpu_seconds=2, memory_mb=256, wall_seconds=2)
DOCX = types.OOXML["word/"].content_type


def run_program(source: str, tmp_path: Path, limits: Limits = QUICK, stdin: bytes = b""):
    return run_sandboxed(stdin, limits, cwd=tmp_path, program=[sys.executable, "-c", source])


def gone(pid: int) -> bool:
    """No such process, or only its zombie waiting for whoever adopted it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def test_a_child_that_sleeps_is_killed_at_the_wall_time_with_its_children(tmp_path):
    source = (
        "import subprocess, pathlib, time\n"
        "child = subprocess.Popen(['sleep', '600'])\n"
        "pathlib.Path('grandchild.pid').write_text(str(child.pid))\n"
        "time.sleep(600)\n"
    )
    started = time.monotonic()
    outcome = run_program(source, tmp_path, Limits(wall_seconds=1.5))
    assert outcome.reason == jobs.TIMEOUT
    assert 1.5 <= time.monotonic() - started < 4
    grandchild = int((tmp_path / "grandchild.pid").read_text())
    deadline = time.monotonic() + 2  # the adopting init reaps it in its own time
    while not gone(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(grandchild)


def test_a_child_that_spins_is_stopped_by_its_cpu_limit(tmp_path):
    outcome = run_program("while True: pass", tmp_path, Limits(cpu_seconds=1, wall_seconds=10))
    assert (outcome.reason, outcome.error) == (jobs.CPU, "SIGXCPU")
    assert outcome.wall_seconds < 8  # one second of CPU, on a machine perhaps busy


def test_a_child_that_floods_its_output_is_cut_off(tmp_path):
    source = "import sys\nwhile True: sys.stdout.write('x' * 65536)"
    outcome = run_program(source, tmp_path, Limits(output_bytes=1024 * 1024, wall_seconds=10))
    assert outcome.reason == jobs.TOO_LARGE and outcome.output is None
    assert outcome.wall_seconds < 5


def test_a_child_that_writes_a_huge_file_is_stopped(tmp_path):
    source = "f = open('big', 'wb')\nwhile True: f.write(bytes(1 << 20))"
    outcome = run_program(source, tmp_path, Limits(file_mb=2, wall_seconds=10))
    assert outcome.returncode != 0  # Python ignores SIGXFSZ: the write fails with EFBIG
    assert (tmp_path / "big").stat().st_size <= 2 * 1024 * 1024
    source = "import os, signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_DFL)\n" + source
    outcome = run_program(source, tmp_path, Limits(file_mb=2, wall_seconds=10))
    assert (outcome.reason, outcome.error) == (jobs.TOO_LARGE, "SIGXFSZ")  # native code


def test_the_child_gets_the_limits_and_no_server_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "must-not-leak")
    source = (
        "import json, os, resource, sys\n"
        "limits = {n: resource.getrlimit(getattr(resource, n))[0] for n in\n"
        "    ('RLIMIT_CPU', 'RLIMIT_AS', 'RLIMIT_FSIZE', 'RLIMIT_NOFILE', 'RLIMIT_CORE')}\n"
        "print(json.dumps({'env': dict(os.environ), 'limits': limits, 'cwd': os.getcwd(),\n"
        "    'stdin': sys.stdin.read(), 'pgid': os.getpgid(0) == os.getpid()}))\n"
    )
    outcome = run_program(source, tmp_path, stdin=b"the job")
    seen = json.loads(outcome.output)
    assert "DJANGO_SECRET_KEY" not in seen["env"] and "DJANGO_SETTINGS_MODULE" not in seen["env"]
    assert set(seen["env"]) <= {
        "PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PYTHONPATH", "PYTHONNOUSERSITE",
        "PYTHONDONTWRITEBYTECODE", "PYTHONUTF8", "LC_CTYPE",
    }  # fmt: skip
    assert seen["limits"] == {
        "RLIMIT_CPU": 2,
        "RLIMIT_AS": 256 * 1024 * 1024,
        "RLIMIT_FSIZE": QUICK.file_mb * 1024 * 1024,
        "RLIMIT_NOFILE": QUICK.open_files,
        "RLIMIT_CORE": 0,
    }
    assert seen["cwd"] == str(tmp_path) and seen["stdin"] == "the job" and seen["pgid"]


def test_a_crash_or_a_garbled_answer_is_unreadable(tmp_path):
    crash = run_program("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", tmp_path)
    assert (crash.reason, crash.error) == (jobs.UNREADABLE, "SIGSEGV")
    garbled = run_sandboxed(b"{not json", QUICK, cwd=tmp_path)
    assert json.loads(garbled.output)["reason"] == jobs.UNSUPPORTED


def test_an_image_too_big_for_the_memory_limit_ends_as_memory(tmp_path):
    path = documents.png(tmp_path / "wide.png", 6000, 4000)  # 72 MB decoded
    result = run_job(
        "preview",
        path,
        content_type=types.PNG.content_type,
        output_dir=tmp_path / "out",
        limits=Limits(memory_mb=96),
    )
    assert (result.ok, result.reason) == (False, jobs.MEMORY)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def children(state: str | None = None) -> set[int]:
    """Our child processes (in `state`, e.g. "Z" for zombies), from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and (state is None or fields[0] == state):
            found.add(int(stat.parent.name))
    return found


def test_hostile_runs_leave_the_parent_as_it_was(tmp_path):
    """Ten hostile runs: no child left behind (not even a zombie), no growth of our memory."""
    bomb = documents.zip_bomb(
        tmp_path / "bomb.docx",
        documents.docx(tmp_path / "base.docx", ["x"]),
        "word/document.xml",
        size_mb=1024,
    )
    nested = tmp_path / "nested.pdf"
    nested.write_bytes(documents.one_page_pdf(content=b"[" * 50_000 + b"]" * 50_000 + b" TJ"))
    docx_type = types.OOXML["word/"].content_type
    run_job("text", nested, content_type=types.PDF.content_type)  # imports, caches: warmed up
    children_before = children()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reasons = []
    for _ in range(4):
        reasons.append(run_job("text", bomb, content_type=docx_type, limits=QUICK).reason)
        reasons.append(run_job("text", nested, content_type=types.PDF.content_type).reason)
    for source in ("while True: pass", "import sys; sys.stdout.write('x' * 10**8)"):
        limits = Limits(cpu_seconds=1, output_bytes=10**6)
        reasons.append(run_program(source, tmp_path, limits).reason)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert reasons == [jobs.TOO_LARGE, jobs.UNREADABLE] * 4 + [jobs.CPU, jobs.TOO_LARGE]
    assert after - before < 20 * 1024  # kB: nothing of a hostile file reaches this process
    assert children() <= children_before


def test_the_worker_runs_without_django(tmp_path):
    """The worker's environment has no settings, and no job imports Django to run."""
    path = documents.docx(tmp_path / "a.docx", ["plain words"])
    source = (
        "import sys\n"
        "from workspaces.extraction import worker\n"
        f'print(worker.answer(b\'{{"kind": "text", "input": "{path}", '
        f'"content_type": "{types.OOXML["word/"].content_type}"}}\')[\'ok\'],\n'
        "      sorted({m.split('.')[0] for m in sys.modules} & {'django', 'config'}))\n"
    )
    limits = Limits(wall_seconds=20)
    program = [sys.executable, "-P", "-c", source]
    outcome = run_sandboxed(b"", limits, cwd=tmp_path, program=program)
    assert outcome.output.decode().split() == ["True", "[]"]


def proc_limits(pid: int) -> dict[str, tuple[str, str]]:
    """{"Max cpu time": (soft, hard), …} as the kernel applies them to `pid`."""
    rows = Path(f"/proc/{pid}/limits").read_text().splitlines()[1:]
    return {row[:26].strip(): tuple(row[26:].split()[:2]) for row in rows}


def test_the_worker_sets_its_limits_before_it_reads_the_job(tmp_path):
    """Seen from outside, while the worker waits for its job: the limits are already set."""
    wanted = {
        "Max cpu time": ("2", "3"),
        "Max address space": (str(256 * 1024 * 1024),) * 2,
        "Max file size": (str(QUICK.file_mb * 1024 * 1024),) * 2,
        "Max open files": (str(QUICK.open_files),) * 2,
        "Max core file size": ("0", "0"),
    }
    path = documents.docx(tmp_path / "a.docx", ["waiting words"])
    worker = subprocess.Popen(  # noqa: S603
        worker_command(QUICK),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
        env=worker_environment(tmp_path),
    )
    try:
        deadline = time.monotonic() + 10  # the worker never gets its job until this holds
        seen = proc_limits(worker.pid)
        while {k: seen.get(k) for k in wanted} != wanted and time.monotonic() < deadline:
            time.sleep(0.02)
            seen = proc_limits(worker.pid)
        assert {k: seen.get(k) for k in wanted} == wanted
        job = {"kind": "text", "input": str(path), "content_type": DOCX}
        output, _ = worker.communicate(json.dumps(job).encode(), timeout=20)
    finally:
        worker.kill()
        worker.wait()
    assert json.loads(output)["ok"] is True


def test_a_child_that_cannot_set_its_limits_does_not_run(tmp_path):
    """No limits, malformed limits or a program it cannot run: the child stops, unread."""
    job = json.dumps({"kind": "text", "input": "/dev/null", "content_type": "text/plain"})
    argument = worker_command(QUICK)[-1]
    for bad in ([], ["--limits=cpu=1"], [argument.replace("nofile=", "nofile=-")]):
        command = worker_command(QUICK)[:-1] + bad
        ended = subprocess.run(  # noqa: S603
            command,
            input=job.encode(),
            capture_output=True,
            cwd=tmp_path,
            env=worker_environment(tmp_path),
            timeout=20,
        )
        assert (ended.returncode, ended.stdout) == (limited.REFUSED, b"")
    marker = tmp_path / "ran"
    relative = ["python3", "-c", f"open({str(marker)!r}, 'w')"]
    outcome = run_sandboxed(b"", QUICK, cwd=tmp_path, program=relative)
    assert (outcome.reason, outcome.error) == (jobs.UNREADABLE, "refused to start")
    assert not marker.exists()
    assert limited_command(QUICK, ["/bin/true"])[-2:] == ["--", "/bin/true"]


def test_jobs_started_from_many_threads_at_once(tmp_path):
    """Downloads start workers from request threads: each gets its own group and limits."""
    path = documents.docx(tmp_path / "a.docx", ["threaded words"])
    children_before = children()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: run_job("text", path, content_type=DOCX), range(16)))
    assert [r.ok for r in results] == [True] * 16
    assert {r.passages[0].text for r in results} == {"threaded words"}
    assert children() <= children_before
