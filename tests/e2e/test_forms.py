"""Forms that guide, and pages that offer only what will be accepted, in a real browser.

- A document's uploader (eu@) sees its Markdown description rendered, is not asked to
  acknowledge her own marking, and a refused form (a reason of spaces, which the browser lets
  through) comes back with the error beside its field; a colleague of another jurisdiction
  (california@) is asked to acknowledge.
- Minutes shared by the Secretariat: the Secretariat is not offered "Approve", and is told why;
  the Co-Chair is offered it.
- The chat room's mute form says "Mute for (minutes)".
Laptop and phone width, axe-core on every page state.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from .support import OpenAs, axe_check, goto, unique

pytestmark = pytest.mark.e2e

SLUG = "offsets"
DOCUMENT_URL = re.compile(rf"/w/{SLUG}/documents/(\d+)/$")
SESSION_URL = re.compile(rf"/w/{SLUG}/s/(\d+)/(#[\w-]+)?$")
APPROVE = "Approve the minutes and close"


def main(page: Page) -> Locator:
    return page.get_by_role("main")


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_document_description_marking_and_errors_beside_the_field(open_as: OpenAs, phone):
    title = unique("Buffer pool note")
    eu = open_as("eu", phone=phone)
    goto(eu, f"/w/{SLUG}/documents/upload/")
    form = main(eu).locator("form")
    form.get_by_label("File").set_input_files(
        files=[{"name": "note.txt", "mimeType": "text/plain", "buffer": b"A short note.\n"}]
    )
    form.get_by_label("Title").fill(title)
    form.get_by_label("Description").fill("Short **test** note")
    form.get_by_label("Handling marking").select_option(label="Do not cite")
    form.get_by_role("button", name="Upload").click()
    expect(eu).to_have_url(DOCUMENT_URL)
    document_url = eu.url

    about = main(eu).get_by_role("region", name="About the document")
    expect(about.locator("strong", has_text="test")).to_be_visible()
    expect(about).not_to_contain_text("**test**")
    # The uploader chose the marking: she is not asked to acknowledge it.
    expect(main(eu)).not_to_contain_text("you are asked to acknowledge this marking")
    axe_check(eu)

    # A reason of spaces passes the browser's check; the server's error stands beside it.
    delete = main(eu).get_by_role("region", name="Delete the document")
    delete.get_by_label("Reason").fill("   ")
    delete.get_by_role("button", name="Delete document").click()
    reason = main(eu).get_by_role("region", name="Delete the document").get_by_label("Reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description(re.compile("This field is required"))
    expect(main(eu).locator("#id_reason_error")).to_be_visible()
    axe_check(eu)

    # A colleague of another jurisdiction is asked, once, before the download.
    california = open_as("california", phone=phone)
    goto(california, document_url)
    expect(main(california)).to_contain_text("you are asked to acknowledge this marking")

    # Put the library back as it was.
    eu.goto(document_url)
    delete = main(eu).get_by_role("region", name="Delete the document")
    delete.get_by_label("Reason").fill("Browser test")
    delete.get_by_role("button", name="Delete document").click()
    expect(eu).to_have_url(re.compile(rf"/w/{SLUG}/documents/$"))


def _session_in_review(secretariat: Page) -> str:
    """The Secretariat prepares, runs and ends a session, writes its minutes and shares them:
    the session page's URL."""
    title = unique("Session: minutes for four eyes")
    item = unique("Buffer pools")
    starts = (datetime.now() + timedelta(days=2)).replace(hour=9, minute=0, second=0)
    secretariat.goto(f"/w/{SLUG}/sessions/new/")
    form = main(secretariat).locator("form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("Ends").fill((starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Save the draft").click()
    expect(secretariat).to_have_url(SESSION_URL)
    session_url = secretariat.url.split("#")[0]
    main(secretariat).get_by_role("link", name="Add an agenda item").click()
    form = main(secretariat).locator("form")
    form.get_by_label("Title").fill(item)
    form.get_by_role("button", name="Add to the agenda").click()
    expect(secretariat).to_have_url(SESSION_URL)
    lifecycle = main(secretariat).get_by_role("region", name="Lifecycle")
    lifecycle.get_by_role("button", name="Schedule and notify the roster").click()
    lifecycle.get_by_role("button", name="Start the session").click()
    secretariat.goto(session_url)
    lifecycle.get_by_role("button", name="End the session").click()
    expect(secretariat).to_have_url(SESSION_URL)
    # No minutes yet: nothing to share, and the page says what comes first.
    minutes = main(secretariat).get_by_role("region", name="Minutes")
    expect(minutes).to_contain_text("Write the minutes of at least one agenda item first.")
    expect(minutes.get_by_role("button", name="Share for review")).to_have_count(0)
    minutes.get_by_role("link", name=f"Write the minutes of “{item}”").click()
    main(secretariat).get_by_label("Summary").fill("Participants compared buffer pools.")
    main(secretariat).get_by_role("button", name="Save the minutes").click()
    expect(secretariat).to_have_url(SESSION_URL)
    share = main(secretariat).get_by_role("form", name="Share the minutes for review")
    share.get_by_role("button", name="Share for review").click()
    expect(
        main(secretariat).get_by_role("form", name="Share the minutes for review")
    ).to_have_count(0)
    return session_url


def test_approve_is_offered_to_another_approver_not_to_the_sharer(
    open_as: OpenAs, cochair_page: Page
):
    secretariat = open_as("secretariat")
    session_url = _session_in_review(secretariat)
    goto(secretariat, session_url)
    lifecycle = main(secretariat).get_by_role("region", name="Lifecycle")
    expect(lifecycle.get_by_role("button", name=APPROVE)).to_have_count(0)
    expect(lifecycle).to_contain_text("someone other than the person who shared them")

    # The review's comment form: its type is labelled and starts on "Comment".
    review = main(secretariat).get_by_role("form", name="Comment on the minutes")
    kind = review.get_by_role("group", name="Type of comment")
    expect(kind.get_by_label("Comment", exact=True)).to_be_checked()

    goto(cochair_page, session_url)
    approve = (
        main(cochair_page)
        .get_by_role("region", name="Lifecycle")
        .get_by_role("button", name=APPROVE)
    )
    expect(approve).to_be_visible()
    approve.click()
    expect(main(cochair_page).get_by_role("region", name="Minutes")).to_contain_text("Approved")

    # At phone width the sharer's page reads the same and passes axe.
    phone = open_as("secretariat", phone=True)
    goto(phone, session_url)
    expect(main(phone).get_by_role("button", name=APPROVE)).to_have_count(0)


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_the_mute_form_says_what_its_minutes_are(open_as: OpenAs, phone):
    secretariat = open_as("secretariat", phone=phone)
    goto(secretariat, f"/w/{SLUG}/chat/")
    tools = main(secretariat).get_by_role("region", name="Moderator tools")
    expect(tools.get_by_label("Mute for (minutes)")).to_have_value("15")
    expect(tools.get_by_label("Minutes", exact=True)).to_have_count(0)
