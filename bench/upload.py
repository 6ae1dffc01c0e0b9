"""Document uploads through the real form to daphne: the server's memory growth per upload.

    .venv/bin/python bench/upload.py [--sizes-mb 100,200] [--over-mb 300]

A throwaway site (temp dir, file SQLite, demo world) with a 200 MiB document limit, under
daphne. Signed in as a demo official, the benchmark posts the upload form like a browser (CSRF
token, then the file, then the other fields; the body made as it is sent): files of each size
(accepted), then one over the limit as a plain form post (the form comes back with the size
message) and as the upload script posts it (413). For each it prints the status, the time and
how much daphne's resident memory (RSS, sampled every 5 ms) grew above its level before the
upload, against the target: under 32 MiB, like downloads. Everything listens on 127.0.0.1 only
and is torn down at the end. Exit 0 when targets are missed (MISSED is printed); non-zero on
errors.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live.server import (  # noqa: E402
    MB,
    ServerUnavailable,
    SiteError,
    prepare_site,
    session_cookie,
    sign_in,
    site_env,
    start_daphne,
)
from tests.live.uploads import upload_form  # noqa: E402

LIMIT = 200 * MB
TARGET_GROWTH = 32 * MB
TIME_BUDGET = 150.0  # seconds for the whole run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes-mb", default="100,200", help="accepted upload sizes, MiB")
    parser.add_argument("--over-mb", type=int, default=300, help="an upload over the limit, MiB")
    args = parser.parse_args()
    sizes = [int(x) * MB for x in args.sizes_mb.split(",") if x.strip()]
    if any(size > LIMIT for size in sizes) or args.over_mb * MB <= LIMIT + MB:
        parser.error(f"accepted sizes must be at most {LIMIT // MB} MiB, --over-mb above it")
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="enclave-bench-upload-"))
    daphne = None
    try:
        env = site_env(tmp, ENCLAVE_DOCUMENT_MAX_BYTES=str(LIMIT))
        prepare_site(env)
        daphne = start_daphne(env, tmp / "daphne.log")
        cookie = session_cookie(sign_in(daphne.url))
        url = f"{daphne.url}/w/offsets/documents/upload/"
        upload_form(url, cookie, MB, pid=daphne.pid, title="Warm-up")  # first-use costs

        runs = [(f"{size // MB} MiB", size, False, 302) for size in sizes]
        over = args.over_mb * MB
        runs += [
            (f"{over // MB} MiB, over the limit, form", over, False, 400),
            (f"{over // MB} MiB, over the limit, script", over, True, 413),
        ]
        print(
            f"daphne, document limit {LIMIT // MB} MiB; RSS growth per upload through the form "
            f"(target < {TARGET_GROWTH // MB} MiB)"
        )
        missed = 0
        for label, size, script, expected in runs:
            if time.monotonic() - started > TIME_BUDGET:
                raise SiteError(f"out of time ({TIME_BUDGET:.0f} s) before the {label} upload")
            result = upload_form(url, cookie, size, pid=daphne.pid, script=script)
            if result.status != expected:
                raise SiteError(f"{label}: status {result.status}, expected {expected}")
            met = result.growth < TARGET_GROWTH
            missed += not met
            print(
                f"  {'MET' if met else 'MISSED':<6} {label:<34} status {result.status}, "
                f"{result.seconds:5.2f} s ({size / MB / result.seconds:4.0f} MiB/s); RSS "
                f"{result.rss_before / MB:.1f} -> peak {result.rss_peak / MB:.1f} MiB, "
                f"growth {result.growth / MB:.1f} MiB"
            )
        print(f"{len(runs) - missed} of {len(runs)} within the target")
        return 0
    except ServerUnavailable as error:
        print(f"skipped: {error}", file=sys.stderr)
        return 1
    except SiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        if daphne is not None:
            daphne.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
