"""Uploads through the real form to daphne spool to disk: the server's memory stays bounded,
and one far over the limit is refused with the form (413 for the upload script), unread and
leaving nothing on disk.

A site of its own, with a 40 MiB document limit, so the uploads stay small enough to be quick.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import running_site
from .server import MB, SiteError, session_cookie, sign_in, tail
from .uploads import upload_form

pytestmark = pytest.mark.live

LIMIT = 40 * MB  # above MAX_RSS_GROWTH: a body held in memory shows
MAX_RSS_GROWTH = 32 * MB
SIZE_MESSAGE = b"larger than the limit"


@pytest.fixture(scope="module")
def upload_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live-uploads")
    (tmp / "tmp").mkdir()
    with running_site(tmp, ENCLAVE_DOCUMENT_MAX_BYTES=str(LIMIT), TMPDIR=str(tmp / "tmp")) as site:
        yield tmp, site.env, site.daphne


def files_in(directory: Path) -> list[str]:
    return sorted(str(p) for p in directory.rglob("*") if p.is_file())


def test_uploads_spool_to_disk_and_oversize_ones_are_refused_unread(upload_site):
    tmp, env, daphne = upload_site
    try:
        cookie = session_cookie(sign_in(daphne.url))
    except SiteError as error:
        pytest.fail(str(error), pytrace=False)
    url = f"{daphne.url}/w/offsets/documents/upload/"
    documents = Path(env["ENCLAVE_DOCUMENTS_DIR"])
    upload_form(url, cookie, MB, pid=daphne.pid, title="Warm-up")  # first-use costs
    stored = files_in(documents)

    accepted = upload_form(url, cookie, LIMIT - MB, pid=daphne.pid)
    over = upload_form(url, cookie, LIMIT + 16 * MB, pid=daphne.pid)
    scripted = upload_form(url, cookie, LIMIT + 16 * MB, pid=daphne.pid, script=True)
    for name, result in (("accepted", accepted), ("over", over), ("scripted", scripted)):
        print(
            f"\nlive upload ({name}): status {result.status} in {result.seconds:.2f} s; daphne "
            f"RSS growth {result.growth / MB:.1f} MB (limit {MAX_RSS_GROWTH / MB:.0f} MB)"
        )
    log = tail(daphne.log)
    assert accepted.status == 302, log
    assert len(files_in(documents)) == len(stored) + 1
    assert over.status == 400 and SIZE_MESSAGE in over.body, log
    assert b"This field is required." not in over.body
    assert scripted.status == 413 and SIZE_MESSAGE in scripted.body, log
    assert len(files_in(documents)) == len(stored) + 1  # nothing of the refused ones
    assert files_in(tmp / "tmp") == []
    for result in (accepted, over, scripted):
        assert result.growth < MAX_RSS_GROWTH, (
            f"daphne grew by {result.growth / MB:.1f} MB for one upload: the body is held in memory"
        )
