"""Watermarked downloads: what stamping a PDF in the sandboxed worker costs against a plain copy.

    .venv/bin/python bench/watermark.py [--rounds 3] [--pages 50,500]

Builds, in a temp dir, a text PDF of each page count (50 lines a page) and one of the largest
count with a different photograph on every page (an image-heavy file, several times larger).
For each it times, interleaved for N rounds: (a) a plain copy of the file (what a download
without a watermark reads), (b) a stamped copy made by workspaces.extraction.sandbox.run_job
("watermark"): a fresh worker process, its start included. It prints the medians, the cost
per page, the worker's CPU time and its peak memory (its own VmHWM, and RUSAGE_CHILDREN's
ru_maxrss, which also counts this process's memory between fork and exec), against the
target: the worker's peak memory stays under 128 MiB whatever the file's size (qpdf streams the
copy). Also the start-up cost of an empty job. Bounded: a minute or so; stops on its own.
Exit 0 when the target is missed (MISSED is printed); non-zero on errors.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workspaces.extraction.sandbox import Limits, run_job  # noqa: E402

MB = 1024 * 1024
TARGET_PEAK_MB = 128
STAMP = "dl-7f3a9c · Amélie Dubois · Québec · 2026-05-04 09:12 UTC"
LIMITS = Limits(cpu_seconds=60, wall_seconds=90, file_mb=1024)
TIME_BUDGET = 150.0  # seconds for the timed rounds: fewer rounds when a machine is slow


def build(path: Path, pages: int, *, photos: bool) -> Path:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    drawing = canvas.Canvas(str(path), pagesize=(595.0, 842.0))
    for number in range(1, pages + 1):
        lines = drawing.beginText(60, 780)
        lines.setFont("Helvetica", 9)
        for line in range(50 if not photos else 20):
            lines.textLine(f"Page {number}, line {line}: allowance auctions, offsets, price floor.")
        drawing.drawText(lines)
        if photos:  # noise compresses badly: a realistic photograph's weight
            photo = Image.frombytes("RGB", (320, 240), os.urandom(320 * 240 * 3))
            buffer = io.BytesIO()
            photo.save(buffer, "JPEG", quality=70)
            drawing.drawImage(ImageReader(io.BytesIO(buffer.getvalue())), 60, 200, 480, 360)
        drawing.showPage()
    drawing.save()
    return path


def plain_copy(source: Path, target: Path) -> float:
    started = time.perf_counter()
    shutil.copyfile(source, target)
    return time.perf_counter() - started


def stamped_copy(source: Path, target: Path):
    started = time.perf_counter()
    result = run_job(
        "watermark",
        source,
        content_type="application/pdf",
        output_path=target,
        text=STAMP,
        download_id="dl-7f3a9c",
        limits=LIMITS,
    )
    if not result.ok:
        raise SystemExit(f"watermark failed: {result.reason} {result.error}")
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", default="50,500")
    args = parser.parse_args()
    counts = [int(n) for n in args.pages.split(",")]
    with tempfile.TemporaryDirectory(prefix="enclave-bench-watermark-") as folder:
        folder = Path(folder)
        files = [(f"{n} pages, text", build(folder / f"t{n}.pdf", n, photos=False)) for n in counts]
        largest = max(counts)
        files.append(
            (f"{largest} pages, photos", build(folder / f"p{largest}.pdf", largest, photos=True))
        )
        empty = folder / "empty.txt"
        empty.write_text("x")
        starts = [run_job("text", empty, content_type="text/plain").wall_seconds for _ in range(3)]
        print(f"worker start-up (an empty text job): {statistics.median(starts) * 1000:.0f} ms")
        print()
        header = (
            f"{'file':<22}{'size':>9}{'plain copy':>12}{'stamped':>10}{'per page':>10}"
            f"{'worker CPU':>12}{'peak (VmHWM)':>14}"
        )
        print(header)
        print("-" * len(header))
        budget_end = time.monotonic() + TIME_BUDGET
        missed = False
        for label, source in files:
            plain, stamped, cpu, peak = [], [], [], []
            for round_number in range(args.rounds):
                if round_number and time.monotonic() > budget_end:
                    break
                plain.append(plain_copy(source, folder / "plain.pdf"))
                seconds, result = stamped_copy(source, folder / "stamped.pdf")
                stamped.append(seconds)
                cpu.append(result.cpu_seconds)
                peak.append(result.peak_memory_kb or 0)
                assert result.pages == int(label.split()[0])
            pages = int(label.split()[0])
            size_mb = source.stat().st_size / MB
            peak_mb = max(peak) / 1024
            missed |= peak_mb > TARGET_PEAK_MB
            print(
                f"{label:<22}{size_mb:>7.2f}MB{statistics.median(plain) * 1000:>10.1f}ms"
                f"{statistics.median(stamped) * 1000:>8.0f}ms"
                f"{statistics.median(stamped) * 1000 / pages:>8.2f}ms"
                f"{statistics.median(cpu):>11.2f}s{peak_mb:>12.1f}MB"
            )
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print()
        print(
            f"RUSAGE_CHILDREN ru_maxrss: {children:.1f} MB (includes this process, {own:.1f} MB"
            " at most, between fork and exec)"
        )
        verdict = "MISSED" if missed else "met"
        print(f"target: worker peak memory under {TARGET_PEAK_MB} MB for every file: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
