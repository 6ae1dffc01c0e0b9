"""A 200 MB document downloaded from daphne streams: the server's memory stays bounded.

Django's FileResponse under ASGI would read the whole file into memory first; the download view
streams it in fixed chunks (workspaces/downloads.py). This checks that on a real server, with a
client that reads at 100 MB/s (a fast LAN client, yet slower than the server reads the disk):
whatever the server produces ahead of the client must not pile up in its memory.
"""

from __future__ import annotations

import pytest

from .server import (
    MB,
    SiteError,
    download,
    rss_bytes,
    session_cookie,
    sign_in,
    upload_document,
    write_text_file,
)

pytestmark = pytest.mark.live

SIZE = 200 * MB
MAX_RSS_GROWTH = 32 * MB
# None reads as fast as the client can: then the result depends on which side is faster.
CLIENT_MB_PER_S = 100


def test_a_large_download_streams_in_bounded_memory(live_site):
    source = live_site.tmp / "big.txt"
    write_text_file(source, SIZE)
    try:
        document = upload_document(live_site.env, source)
        cookie = session_cookie(sign_in(live_site.url))
    except SiteError as error:
        pytest.fail(str(error), pytrace=False)
    finally:
        source.unlink(missing_ok=True)
    assert document.size == SIZE

    pid = live_site.daphne.pid
    before = rss_bytes(pid)
    peak = before

    def sample(_done: int) -> None:
        nonlocal peak
        peak = max(peak, rss_bytes(pid))

    got = download(
        f"{live_site.url}{document.download_path}",
        cookie,
        on_progress=sample,
        max_mb_per_s=CLIENT_MB_PER_S,
    )

    growth = peak - before
    print(
        f"\nlive download: {got.size / MB:.0f} MB in {got.seconds:.2f} s "
        f"({got.mb_per_s:.0f} MB/s, client limit {CLIENT_MB_PER_S} MB/s); daphne RSS "
        f"before {before / MB:.1f} MB, peak {peak / MB:.1f} MB, growth {growth / MB:.1f} MB "
        f"(limit {MAX_RSS_GROWTH / MB:.0f} MB); sha256 {got.sha256[:16]}…"
    )
    assert got.status == 200
    assert got.size == document.size
    assert got.sha256 == document.sha256
    assert got.headers["content-disposition"].startswith("attachment")
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert got.headers["cache-control"] == "private, no-store"
    assert growth < MAX_RSS_GROWTH, (
        f"daphne grew by {growth / MB:.1f} MB while the client read {SIZE / MB:.0f} MB: what the "
        "client has not read yet piles up in the server's memory"
    )
