"""Bulk invitations in a real browser: a CSV with one bad row is previewed with the reason and no
way to send; the corrected file is previewed, confirmed, and its invitations arrive by email.
The Secretariat from the membership page on a laptop, a focal point from their jurisdiction's
page on a phone; axe-core on every page.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from .support import axe_check, goto, read_latest_email

pytestmark = pytest.mark.e2e

HEADER = "email,name,jurisdiction,role,language\n"
INVITATION_LINK = re.compile(r"https?://[^\s]+/invitations/[^/\s]+/")


def choose_file(page: Page, text: str) -> None:
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.get_by_role("button", name="Preview the invitations").click()
    expect(page.get_by_role("heading", name="Preview", level=2)).to_be_visible()


@pytest.mark.parametrize(
    ("handle", "phone", "start", "good", "bad", "reason", "fixed"),
    [
        # The Secretariat names each row's jurisdiction: an unknown code is refused.
        (
            "secretariat",
            False,
            "/membership/",
            "eu,official,en",
            "xx,official,en",
            "No jurisdiction with the code “xx”",
            "nz,focal_point,",
        ),
        # A focal point invites into their own jurisdiction only.
        (
            "eu",
            True,
            "/membership/j/eu/",
            ",official,en",
            "nz,official,en",
            "This upload is for European Union only",
            ",official,",
        ),
    ],
    ids=["secretariat-laptop", "focal-point-phone"],
)
def test_a_csv_is_previewed_corrected_and_sent(
    open_as, enclave_server, handle, phone, start, good, bad, reason, fixed
):
    first = f"ana-{secrets.token_hex(4)}@example.org"
    second = f"bo-{secrets.token_hex(4)}@example.org"
    page = open_as(handle, phone=phone)
    goto(page, start)
    page.get_by_role("link", name="Invite several (CSV)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("from a CSV")
    axe_check(page)

    # One bad row: its reason is shown, and there is nothing to confirm.
    choose_file(page, f"{HEADER}{first},Ana Silva,{good}\n{second},Bo Lind,{bad}\n")
    expect(page.locator("#preview-verdict")).to_contain_text("1 row cannot be invited as it is")
    expect(page.locator("#preview-verdict")).to_contain_text("correct the file and upload it again")
    bad_row = page.get_by_role("row").filter(has_text=second)
    expect(bad_row).to_contain_text("Invalid")
    expect(bad_row).to_contain_text(reason)
    expect(page.get_by_role("button", name=re.compile(r"^Send \d"))).to_have_count(0)
    axe_check(page)

    # The corrected file: both rows will be invited; confirm.
    choose_file(page, f"{HEADER}{first},Ana Silva,{good}\n{second},Bo Lind,{fixed}\n")
    expect(page.locator("#preview-verdict")).to_contain_text("Nothing is sent yet")
    expect(page.get_by_text("Will be invited")).to_have_count(2)
    axe_check(page)
    page.get_by_role("button", name="Send 2 invitations").click()

    expect(page.get_by_role("heading", name="Invitations sent", level=1)).to_be_visible()
    sent = page.get_by_role("region", name="Sent")
    expect(sent).to_contain_text(first)
    expect(sent).to_contain_text(second)
    axe_check(page)

    for address in (first, second):
        mail = read_latest_email(enclave_server.mail_dir, address)
        assert INVITATION_LINK.search(mail.body), mail.body
