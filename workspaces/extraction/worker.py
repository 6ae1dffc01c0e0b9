"""The program a sandboxed job runs: one job in, one JSON object out.

    python -P -m workspaces.extraction.worker --limits=cpu=20,as=...,fsize=...,nofile=64 < job.json

The job is {"kind": "text" | "preview" | "watermark" | "trace", "input": <absolute path>,
"content_type": <the type the project sniffed>, "options": {...}}. The answer, written to
standard output once, is {"ok": true, ...} or {"ok": false, "reason": <jobs.REASONS>,
"error": <the cause's name, never document text>}. Files (previews, the stamped copy) are
written in the current directory, which the parent made for this job and moves them out of.

sandbox.run_job starts it with the limits as its one argument; before it reads the job or
imports any document library, it sets them on itself (`limited`), or exits. It imports no
Django, and only the library its job needs. Whatever a library prints goes to standard error,
so the answer stays parseable.
"""

from __future__ import annotations

import errno
import json
import os
import sys

from workspaces.extraction import jobs, limited
from workspaces.extraction.jobs import JobFailed

MAX_JOB_BYTES = 64 * 1024
DEFAULT_TEXT_BYTES = 2 * 1024 * 1024
DEFAULT_PREVIEW_PAGES = 3
DEFAULT_PREVIEW_WIDTH = 800
WATERMARKED = "watermarked.pdf"


def run(job: dict) -> dict:
    """The answer to one job; raises JobFailed, or the library's own error."""
    if not isinstance(job, dict):
        raise JobFailed(jobs.UNSUPPORTED, "malformed job")
    kind, path, options = job.get("kind"), job.get("input"), job.get("options") or {}
    content_type = jobs.base_type(str(job.get("content_type", "")))
    if not all(isinstance(v, t) for v, t in ((kind, str), (path, str), (options, dict))):
        raise JobFailed(jobs.UNSUPPORTED, "malformed job")
    if kind not in jobs.KINDS or content_type not in jobs.KINDS[kind]:
        raise JobFailed(jobs.UNSUPPORTED, f"{kind} of {content_type}")
    if kind == "text":
        from workspaces.extraction import text

        limit = _positive(options.get("max_text_bytes"), DEFAULT_TEXT_BYTES)
        passages, truncated = text.extract(path, content_type, limit)
        return {"ok": True, "passages": passages, "truncated": truncated}
    if kind == "preview":
        from workspaces.extraction import preview

        pages = _positive(options.get("pages"), DEFAULT_PREVIEW_PAGES)
        width = _positive(options.get("width"), DEFAULT_PREVIEW_WIDTH)
        return {"ok": True, "files": preview.render(path, content_type, pages=pages, width=width)}
    from workspaces.extraction import watermark

    if kind == "trace":
        return {"ok": True, "download_id": watermark.read_download_id(path)}
    pages = watermark.stamp(
        path,
        WATERMARKED,
        text=str(options.get("text", "")),
        download_id=str(options.get("download_id", "")),
    )
    return {"ok": True, "files": [WATERMARKED], "pages": pages}


def _positive(value, default: int) -> int:
    return value if type(value) is int and value > 0 else default


def answer(job_bytes: bytes) -> dict:
    """Every failure becomes an answer: the reason, and the cause's type name."""
    try:
        return run(json.loads(job_bytes))
    except JobFailed as failure:
        return {"ok": False, "reason": failure.reason, "error": failure.error}
    except MemoryError:
        return {"ok": False, "reason": jobs.MEMORY, "error": "MemoryError"}
    except (ImportError, json.JSONDecodeError) as error:
        return {"ok": False, "reason": jobs.UNSUPPORTED, "error": type(error).__name__}
    except OSError as error:
        # Python ignores SIGXFSZ: a write past RLIMIT_FSIZE fails with EFBIG instead.
        reason = jobs.TOO_LARGE if error.errno == errno.EFBIG else jobs.UNREADABLE
        return {"ok": False, "reason": reason, "error": type(error).__name__}
    except Exception as error:  # the library could not read this file (RecursionError too)
        return {"ok": False, "reason": jobs.UNREADABLE, "error": type(error).__name__}


def _peak_memory_kb() -> int | None:
    """This program's peak resident memory. Not getrusage: its maximum counts the parent's
    memory between fork and exec, and the parent may be a large server process."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def main(argv: list[str]) -> int:
    limited.apply_from(argv)  # first: nothing of the job is read without its limits
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # from here on, a stray print() goes to standard error
    result = answer(sys.stdin.buffer.read(MAX_JOB_BYTES))
    result["peak_memory_kb"] = _peak_memory_kb()
    channel.write(json.dumps(result, ensure_ascii=False))
    channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
