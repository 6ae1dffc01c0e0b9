"""The privacy notice in a real browser, on a laptop and on a phone.

The Secretariat (secretariat@) follows the footer's "Privacy" link to the notice and its
"Edit the privacy notice" button, picks the French tab (marked as the current page, "no text yet"
or "has a text"), writes the French text in Markdown and saves it: the tab says it has a text.
A visitor who is not signed in follows the sign-in page's "Privacy" link, chooses Français with
the page's language switcher, and reads that text (its heading a real heading, raw HTML shown as
text), with the date it was last updated, in the sign-in page's layout.

Every page is checked with axe-core and must not scroll sideways. Each run's text has a marker
of its own, so reruns and the laptop and phone runs do not read each other's.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .support import PHONE_CONTEXT, OpenAs, new_context, unique
from .test_factsheets import check_layout, expect_status_message, main, visit

pytestmark = pytest.mark.e2e

VIEWPORTS = pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])


def language_tab(page: Page, name: str):
    tabs = page.get_by_role("navigation", name="Languages of the notice")
    return tabs.get_by_role("link", name=re.compile(rf"^{name} · "))


def switch_language(page: Page, language: str) -> None:
    """The signed-out pages' language switcher (its labels change with the language)."""
    switcher = page.locator("form.language-switch")
    switcher.locator("select[name=language]").select_option(language)
    switcher.locator("button[type=submit]").click()
    page.wait_for_load_state()


@VIEWPORTS
def test_the_secretariat_writes_the_french_notice_and_a_visitor_reads_it(
    open_as: OpenAs, browser, enclave_server, phone: bool
):
    marker = unique("Responsable du traitement")
    page = open_as("secretariat", phone=phone)

    # From any page's footer to the notice, and on to its editing page.
    visit(page, "/")
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy", exact=True).click()
    expect(page).to_have_url(re.compile(r"/privacy/$"))
    expect(page.get_by_role("heading", name="Privacy notice", level=1)).to_be_visible()
    check_layout(page)
    main(page).get_by_role("link", name="Edit the privacy notice").click()
    expect(page).to_have_url(re.compile(r"/privacy/edit/$"))
    expect(page.get_by_role("heading", name="Edit the privacy notice", level=1)).to_be_visible()
    expect(language_tab(page, "English")).to_have_attribute("aria-current", "page")
    check_layout(page)

    # The French tab.
    language_tab(page, "Français").click()
    expect(page).to_have_url(re.compile(r"/privacy/edit/\?language=fr$"))
    french = language_tab(page, "Français")
    expect(french).to_have_attribute("aria-current", "page")
    expect(language_tab(page, "English")).not_to_have_attribute("aria-current", "page")
    check_layout(page)

    text = main(page).get_by_label("Text of the notice in Français")
    expect(text).to_have_attribute("lang", "fr")
    text.fill(
        f"# {marker}\n\n"
        "Le Secrétariat du partenariat est responsable des données personnelles.\n\n"
        "- Vos nom, adresse électronique et juridiction\n"
        "- Vos contributions aux dialogues\n\n"
        "<script>alert('non')</script>"
    )
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        main(page).get_by_role("button", name="Save the notice").click()
    assert posted.value.status == 302, posted.value.status
    expect(page).to_have_url(re.compile(r"/privacy/edit/\?language=fr$"))
    expect_status_message(page, "The privacy notice in Français is saved.")
    expect(language_tab(page, "Français")).to_have_text("Français · has a text")
    expect(text).to_have_value(re.compile(rf"^# {marker}\n"))
    expect(
        main(page).get_by_role("button", name="Remove this language’s text", exact=True)
    ).to_be_visible()
    check_layout(page)

    # A visitor, signed out, from the sign-in page, with French chosen there.
    options = PHONE_CONTEXT if phone else {}
    visitor = new_context(browser, enclave_server, bypass_csp=True, **options)
    try:
        reader = visitor.new_page()
        visit(reader, "/accounts/login/")
        main(reader).get_by_role("link", name="Privacy", exact=True).click()
        expect(reader).to_have_url(re.compile(r"/privacy/$"))
        check_layout(reader)
        switch_language(reader, "fr")
        expect(reader).to_have_url(re.compile(r"/privacy/$"))
        expect(reader.locator("html")).to_have_attribute("lang", "fr")
        notice = main(reader)
        expect(notice.get_by_role("heading", name=marker, level=2)).to_be_visible()
        expect(notice).to_contain_text("Le Secrétariat du partenariat est responsable")
        expect(notice.get_by_role("listitem")).to_have_count(2)
        expect(notice).to_contain_text("<script>alert('non')</script>")  # shown, never run
        expect(notice.locator("#notice-updated time")).to_have_attribute(
            "datetime", re.compile(r"^\d{4}-\d{2}-\d{2}$")
        )
        # The sign-in page's layout: no account menu, the way back to signing in.
        expect(reader.get_by_role("navigation", name="Your account")).to_have_count(0)
        expect(notice.locator(".entrance__card")).to_be_visible()
        expect(notice.locator("a[href='/accounts/login/']")).to_be_visible()
        check_layout(reader)
    finally:
        visitor.close()
