"""Uploading through the real document form to a live daphne, measuring the server's memory.

Standard library only; used by tests/live/test_upload_memory.py and bench/upload.py. The body is
a browser's form post (CSRF token first, then the file, then the other fields), generated as it
is sent: the client holds one MiB at a time.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass

from .server import HTTP_TIMEOUT, MB, SiteError, rss_bytes

BOUNDARY = "----enclave-upload-boundary"
_CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
_LINE = b"Offsets and removals: a line of plain text for the large upload check.\n"
_BLOCK = (_LINE * (MB // len(_LINE) + 1))[:MB]


@dataclass
class Upload:
    status: int
    body: bytes
    seconds: float
    rss_before: int
    rss_peak: int
    location: str = ""

    @property
    def growth(self) -> int:
        return self.rss_peak - self.rss_before


class RssSampler:
    """The peak resident size of a process, sampled every `interval` seconds in a thread."""

    def __init__(self, pid: int, interval: float = 0.005):
        self.pid, self.interval = pid, interval
        self.before = self.peak = rss_bytes(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes(self.pid))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.peak = max(self.peak, rss_bytes(self.pid))


def _get(url: str, cookie: str) -> tuple[bytes, list[tuple[str, str]]]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=HTTP_TIMEOUT)
    try:
        connection.request("GET", parts.path, headers={"Cookie": cookie})
        response = connection.getresponse()
        return response.read(), response.getheaders()
    finally:
        connection.close()


def form_tokens(url: str, cookie: str) -> tuple[str, str]:
    """(the form's csrfmiddlewaretoken, the Cookie header with the CSRF cookie added)."""
    page, headers = _get(url, cookie)
    match = _CSRF_FIELD.search(page)
    if match is None:
        raise SiteError(f"{url} has no csrfmiddlewaretoken field")
    cookies = [cookie]
    for name, value in headers:
        if name.lower() == "set-cookie" and value.startswith("csrftoken="):
            cookies.append(value.split(";", 1)[0])
    return match.group(1).decode(), "; ".join(cookies)


def upload_form(
    url: str, cookie: str, size: int, *, pid: int, script: bool = False, title: str = "Upload"
) -> Upload:
    """POST `size` bytes of text as the file of the upload form at `url` (like upload.js with
    `script`), sampling daphne's RSS (process `pid`) until the answer is read."""
    token, cookies = form_tokens(url, cookie)
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{token}\r\n"
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="large.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    fields = (("title", title), ("audience", "everyone"), ("marking", "none"))
    tail = (
        "".join(
            f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}'
            for name, value in fields
        ).encode()
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    headers = {
        "Cookie": cookies,
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(len(head) + size + len(tail)),
    }
    if script:
        headers["X-Requested-With"] = "XMLHttpRequest"
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=HTTP_TIMEOUT)
    started = time.perf_counter()
    try:
        with RssSampler(pid) as sampler:
            connection.putrequest("POST", parts.path)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders(head)
            left = size
            while left:
                piece = _BLOCK[: min(left, MB)]
                connection.send(piece)
                left -= len(piece)
            connection.send(tail)
            response = connection.getresponse()
            body = response.read()
        return Upload(
            status=response.status,
            body=body,
            seconds=time.perf_counter() - started,
            rss_before=sampler.before,
            rss_peak=sampler.peak,
            location=response.getheader("Location") or "",
        )
    finally:
        connection.close()
