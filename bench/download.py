"""Document download throughput: Enclave under daphne, Enclave behind nginx, nginx alone.

    .venv/bin/python bench/download.py [--rounds 5] [--size-mb 50]

One 50 MB document, uploaded through the document_upload service into a throwaway site (temp
dir, file SQLite, demo world). Interleaved for N rounds, the same file is downloaded:

  (a) from Enclave under daphne, streamed by the download view;
  (b) from Enclave behind nginx: daphne checks the policy and audits, then answers with
      X-Accel-Redirect and nginx sends the bytes (docs/deploy/nginx-documents.conf);
  (c) from nginx directly, as a static file: the reference.

Prints the median MB/s of each, the ratios a/c and b/c against their targets, and how much
daphne's memory (RSS) grew while it streamed (a). (b) costs a fixed time per download on top of
(c) (the request through daphne: session, policy, audit), so b/c grows with the size: the run
also prints that overhead, b/c projected for other sizes, and the size at which b/c reaches its
target. Everything listens on 127.0.0.1 only and is
torn down at the end. Exit 0 when targets are missed (MISSED is printed); non-zero on errors.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live.server import (  # noqa: E402
    MB,
    Daphne,
    ServerUnavailable,
    SiteError,
    download,
    free_port,
    prepare_site,
    rss_bytes,
    session_cookie,
    sign_in,
    site_env,
    start_daphne,
    stop,
    upload_document,
    wait_until_ready,
    write_text_file,
)

NGINX = "/usr/sbin/nginx"
X_ACCEL_PREFIX = "/protected-documents/"
TARGET_A = 0.25  # Enclave streaming via daphne, relative to nginx alone
TARGET_B = 0.90  # Enclave via nginx X-Accel-Redirect, relative to nginx alone
TIME_BUDGET = 110.0  # seconds for the whole run
DOWNLOAD_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "cache-control": "private, no-store",
}

# The internal location is read from docs/deploy/nginx-documents.conf, documents dir swapped in.
SNIPPET = Path(__file__).resolve().parents[1] / "docs" / "deploy" / "nginx-documents.conf"
SNIPPET_DIR = "/srv/enclave/documents/"
NGINX_CONF = """\
{user}worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;

events {{
    worker_connections 64;
}}

http {{
    types {{
        text/plain txt;
    }}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    server_tokens off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;

    map $http_upgrade $connection_upgrade {{
        default upgrade;
        ''      close;
    }}

    server {{
        listen 127.0.0.1:{port};
        server_name 127.0.0.1;

        location / {{
            proxy_pass http://127.0.0.1:{daphne_port};
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
        }}

{internal_location}
        # The benchmark's reference: the same file straight from disk, no application.
        location /static-file/ {{
            alias {documents}/;
        }}

        location = /nginx-ready {{
            return 200 "ready\\n";
        }}
    }}
}}
"""


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def check(self, step: str) -> None:
        if time.monotonic() > self.end:
            raise SiteError(f"out of time ({TIME_BUDGET:.0f} s) before {step}")


def start_nginx(tmp: Path, documents: Path, daphne_port: int) -> tuple[subprocess.Popen, str]:
    if not Path(NGINX).exists():
        raise ServerUnavailable(f"no nginx at {NGINX} (apt-get install nginx)")
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir()
    port = free_port()
    conf = tmp / "nginx.conf"
    snippet = SNIPPET.read_text()
    if snippet.count(SNIPPET_DIR) != 1:
        raise SiteError(f"{SNIPPET} should name {SNIPPET_DIR} once (the alias)")
    internal = snippet.replace(SNIPPET_DIR, f"{documents}/")
    conf.write_text(
        NGINX_CONF.format(
            user="user root;\n" if os.geteuid() == 0 else "",
            tmp=tmp,
            port=port,
            daphne_port=daphne_port,
            documents=documents,
            internal_location=textwrap.indent(internal, " " * 8),
        )
    )
    log = tmp / "error.log"
    check = subprocess.run(
        [NGINX, "-t", "-p", str(tmp), "-c", str(conf), "-e", str(log)],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    if check.returncode != 0:
        raise ServerUnavailable(f"nginx rejected its config:\n{check.stderr}")
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-c", str(conf), "-e", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(process, f"{url}/nginx-ready", log, "nginx")
    except BaseException:
        stop(process)
        raise
    return process, url


def verify(label: str, url: str, cookie: str, size: int, sha256: str, headers: bool) -> list[str]:
    """One hashed download: the right bytes (and, for Enclave, the download headers)."""
    got = download(url, cookie)
    problems = []
    if got.status != 200:
        problems.append(f"{label}: status {got.status}")
    if got.size != size or got.sha256 != sha256:
        problems.append(f"{label}: {got.size} bytes, sha256 {got.sha256[:12]}… (want {size})")
    if headers:
        if not got.headers.get("content-disposition", "").startswith("attachment"):
            problems.append(
                f"{label}: Content-Disposition {got.headers.get('content-disposition')}"
            )
        for name, want in DOWNLOAD_HEADERS.items():
            if got.headers.get(name) != want:
                problems.append(f"{label}: {name} is {got.headers.get(name)!r}, want {want!r}")
    return problems


def size_dependence(size: int, seconds_c: float, extra: float) -> str:
    """b/c as a function of the size: (c) moves S bytes at nginx's rate R, and (b) adds the fixed
    `extra` seconds, so b/c(S) = (S/R) / (S/R + extra), with R taken from this run's (c) (its own
    small fixed latency counted as transfer time, which errs on the generous side)."""
    rate = size / seconds_c  # bytes per second

    def ratio(nbytes: float) -> float:
        return (nbytes / rate) / (nbytes / rate + extra)

    sizes = "   ".join(f"{mb} MB {ratio(mb * MB):.2f}" for mb in (10, 50, 100, 200, 500))
    lines = [f"  b/c by size with this overhead: {sizes}"]
    if extra > 0:
        # (S/R) / (S/R + extra) >= T  <=>  S >= R * extra * T / (1 - T)
        needed = rate * extra * TARGET_B / (1 - TARGET_B)
        lines.append(
            f"  b/c reaches {TARGET_B:.2f} from {needed / MB:.0f} MB; at {size / MB:.0f} MB it "
            f"needs an overhead under {size / rate * (1 - TARGET_B) / TARGET_B * 1000:.1f} ms"
        )
    return "\n".join(lines)


def run(rounds: int, size: int) -> int:
    deadline = Deadline(TIME_BUDGET)
    tmp = Path(tempfile.mkdtemp(prefix="enclave-bench-"))
    tmp.chmod(0o755)
    processes: list[subprocess.Popen] = []
    daphnes: list[Daphne] = []
    try:
        env = site_env(tmp)
        documents = Path(env["ENCLAVE_DOCUMENTS_DIR"])
        print(f"site in {tmp}: migrate, seed_demo, upload {size / MB:.0f} MB …", flush=True)
        prepare_site(env)
        source = tmp / "bench.txt"
        write_text_file(source, size)
        document = upload_document(env, source)
        source.unlink()
        deadline.check("starting the servers")

        streaming = start_daphne(env, tmp / "daphne-streaming.log")
        daphnes.append(streaming)
        behind = start_daphne(
            dict(env, ENCLAVE_DOCUMENTS_X_ACCEL_PREFIX=X_ACCEL_PREFIX), tmp / "daphne-accel.log"
        )
        daphnes.append(behind)
        nginx, nginx_url = start_nginx(tmp, documents, behind.port)
        processes.append(nginx)

        urls = {
            "a": f"{streaming.url}{document.download_path}",
            "b": f"{nginx_url}{document.download_path}",
            "c": f"{nginx_url}/static-file/{document.stored_name}",
        }
        cookies = {
            "a": session_cookie(sign_in(streaming.url)),
            "b": session_cookie(sign_in(nginx_url)),
            "c": "",
        }

        rss_before = rss_bytes(streaming.pid)
        rss_peak = rss_before

        def sample(_done: int) -> None:
            nonlocal rss_peak
            rss_peak = max(rss_peak, rss_bytes(streaming.pid))

        problems = []
        for key in ("a", "b", "c"):
            problems += verify(
                key, urls[key], cookies[key], document.size, document.sha256, key != "c"
            )
        internal = download(f"{nginx_url}{X_ACCEL_PREFIX}{document.stored_name}", digest=False)
        if internal.status != 404:
            problems.append(f"{X_ACCEL_PREFIX} answered {internal.status} to a client (want 404)")
        if problems:
            print("ERRORS:\n  " + "\n  ".join(problems))
            return 1

        seconds: dict[str, list[float]] = {"a": [], "b": [], "c": []}
        for number in range(rounds):
            deadline.check(f"round {number + 1}")
            order = ["a", "b", "c"][number % 3 :] + ["a", "b", "c"][: number % 3]
            for key in order:
                got = download(
                    urls[key],
                    cookies[key],
                    digest=False,
                    on_progress=sample if key == "a" else None,
                )
                if got.status != 200 or got.size != document.size:
                    print(f"ERROR: ({key}) round {number + 1}: {got.status}, {got.size} bytes")
                    return 1
                seconds[key].append(got.seconds)

        # The same, read by a client slower than the disk (a fast LAN client).
        deadline.check("the paced download")
        paced_before = rss_bytes(streaming.pid)
        paced_peak = paced_before

        def sample_paced(_done: int) -> None:
            nonlocal paced_peak
            paced_peak = max(paced_peak, rss_bytes(streaming.pid))

        download(urls["a"], cookies["a"], digest=False, on_progress=sample_paced, max_mb_per_s=100)

        median = {key: size / MB / statistics.median(values) for key, values in seconds.items()}
        ratio_a, ratio_b = median["a"] / median["c"], median["b"] / median["c"]
        growth = rss_peak - rss_before
        extra_ms = (statistics.median(seconds["b"]) - statistics.median(seconds["c"])) * 1000

        def verdict(ratio: float, target: float) -> str:
            return "ok" if ratio >= target else "MISSED"

        labels = {
            "a": "(a) Enclave, daphne streaming",
            "b": "(b) Enclave via nginx X-Accel-Redirect",
            "c": "(c) nginx static file (reference)",
        }
        print(f"\n{size / MB:.0f} MB document, {rounds} interleaved rounds")
        print(f"  {'':40} {'median MB/s':>11} {'min':>6} {'max':>6}")
        for key, label in labels.items():
            rates = [size / MB / value for value in seconds[key]]
            print(f"  {label:40} {median[key]:11.0f} {min(rates):6.0f} {max(rates):6.0f}")
        print(f"  a/c = {ratio_a:.2f}   target >= {TARGET_A:.2f}   {verdict(ratio_a, TARGET_A)}")
        print(f"  b/c = {ratio_b:.2f}   target >= {TARGET_B:.2f}   {verdict(ratio_b, TARGET_B)}")
        print(f"  (b) takes {extra_ms:.0f} ms longer than (c): daphne's policy check and audit")
        print(size_dependence(size, statistics.median(seconds["c"]), extra_ms / 1000))
        print(
            f"  daphne RSS during (a): before {rss_before / MB:.1f} MB, peak "
            f"{rss_peak / MB:.1f} MB, growth {growth / MB:.1f} MB (client reading at full speed)"
        )
        print(
            f"  daphne RSS, one (a) read at 100 MB/s: before {paced_before / MB:.1f} MB, peak "
            f"{paced_peak / MB:.1f} MB, growth {(paced_peak - paced_before) / MB:.1f} MB"
        )
        print(f"  checked: sha256 of a, b, c; download headers of a, b; {X_ACCEL_PREFIX} 404")
        return 0
    finally:
        for process in processes:
            stop(process)
        for server in daphnes:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size-mb", type=int, default=50)
    args = parser.parse_args()
    try:
        return run(max(1, args.rounds), args.size_mb * MB)
    except (SiteError, OSError, subprocess.SubprocessError) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
