"""The README's screenshots, taken from the demo world by the browser (not a test of behaviour).

Skipped unless ENCLAVE_SCREENSHOTS names a folder:

    ENCLAVE_SCREENSHOTS=docs/screenshots .venv/bin/pytest -q tests/e2e/test_screenshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .support import OpenAs

FOLDER = os.environ.get("ENCLAVE_SCREENSHOTS")

pytestmark = pytest.mark.skipif(not FOLDER, reason="set ENCLAVE_SCREENSHOTS=<folder> to take them")


def _shoot(page: Page, name: str, *, full_page: bool = False) -> None:
    folder = Path(FOLDER or ".")
    folder.mkdir(parents=True, exist_ok=True)
    # Let web fonts and the layout settle: wait until the page reports it has loaded.
    page.wait_for_load_state("load")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def test_screenshots(open_as: OpenAs, cochair_page: Page):
    member = open_as("eu")
    member.set_viewport_size({"width": 1280, "height": 860})
    member.goto("/")
    expect(member.get_by_role("heading", level=1)).to_be_visible()
    _shoot(member, "dashboard", full_page=True)

    member.goto("/w/offsets/")
    expect(member.get_by_role("heading", level=1)).to_be_visible()
    _shoot(member, "workspace")

    cochair_page.set_viewport_size({"width": 1280, "height": 860})
    cochair_page.goto("/membership/")
    expect(cochair_page.get_by_role("heading", level=1)).to_be_visible()
    _shoot(cochair_page, "membership")

    observer = open_as("chile", phone=True)
    observer.goto("/")
    expect(observer.get_by_role("heading", level=1)).to_be_visible()
    _shoot(observer, "phone-dashboard")
