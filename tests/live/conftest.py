"""A live Enclave under daphne for the tests in this directory.

They talk to the server and to manage.py subprocesses only, never to the test database, so
they need none of pytest-django's database fixtures and run inside the ordinary test run.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .server import (
    Daphne,
    ServerUnavailable,
    SiteError,
    prepare_site,
    site_env,
    start_daphne,
    tail,
)

# 200 MB documents must be allowed on the live site.
LIVE_DOCUMENT_MAX_BYTES = "300000000"


def pytest_configure(config):
    config.addinivalue_line("markers", "live: runs a real daphne server (tests/live)")


@dataclass
class LiveSite:
    tmp: Path
    env: dict[str, str]
    daphne: Daphne

    @property
    def url(self) -> str:
        return self.daphne.url


@contextmanager
def running_site(tmp: Path, **overrides: str) -> Iterator[LiveSite]:
    """daphne (config.settings.test) on 127.0.0.1:<free port> over a migrated, seeded demo
    world in `tmp`, with `overrides` in its environment. Skips only when daphne cannot start;
    a failed setup step fails."""
    env = site_env(tmp, **overrides)
    try:
        prepare_site(env)
    except SiteError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        daphne = start_daphne(env, tmp / "daphne.log")
    except ServerUnavailable as error:
        pytest.skip(f"daphne could not start: {str(error).splitlines()[0]}")
    try:
        yield LiveSite(tmp=tmp, env=env, daphne=daphne)
    finally:
        daphne.stop()
        # pytest keeps recent temp dirs: keep the log and database, not hundreds of MB of files.
        shutil.rmtree(Path(env["ENCLAVE_DOCUMENTS_DIR"]), ignore_errors=True)


@pytest.fixture(scope="module")
def live_site(tmp_path_factory) -> Iterator[LiveSite]:
    with running_site(
        tmp_path_factory.mktemp("live"), ENCLAVE_DOCUMENT_MAX_BYTES=LIVE_DOCUMENT_MAX_BYTES
    ) as site:
        yield site


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, show the end of daphne's log (tracebacks of 500s land there)."""
    report = yield
    site = getattr(item, "funcargs", {}).get("live_site")
    if report.failed and isinstance(site, LiveSite):
        report.sections.append(("daphne log (last lines)", tail(site.daphne.log)))
    return report
