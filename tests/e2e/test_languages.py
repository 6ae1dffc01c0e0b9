"""Choosing a language in a real browser, at laptop and phone width, axe-core on every state.

- Signed out, the sign-in page's switcher sets the language (`<html lang>` follows), keeps the
  page's own `next`, and the sign-in that follows lands where `next` said, still in the chosen
  language (korea@ has no stored choice: the device's cookie decides).
- Signed in, the profile's select stores the language on the user (brussels@, whom no other
  browser test uses; set back to "the browser's language" at the end).

Controls are found by their names, not their labels: the labels change with the language.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .support import (
    DEMO_PASSWORD,
    DOMAIN,
    PHONE_CONTEXT,
    OpenAs,
    axe_check,
    goto,
    new_context,
)

pytestmark = pytest.mark.e2e

VIEWPORTS = pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])


def switch(page: Page, language: str) -> None:
    switcher = page.locator("form.language-switch")
    switcher.locator("select[name=language]").select_option(language)
    switcher.locator("button[type=submit]").click()
    page.wait_for_load_state()


def html_lang(page: Page) -> str:
    return page.locator("html").get_attribute("lang")


@VIEWPORTS
def test_the_sign_in_page_switches_language(browser, enclave_server, phone):
    options = PHONE_CONTEXT if phone else {}
    context = new_context(browser, enclave_server, bypass_csp=True, **options)
    try:
        page = context.new_page()
        goto(page, "/accounts/login/?next=/profile/")
        assert html_lang(page) == "en"
        switch(page, "fr")
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/profile/$"))
        assert html_lang(page) == "fr"
        expect(page.locator("select[name=language] option[selected]")).to_have_attribute(
            "value", "fr"
        )
        axe_check(page)
        switch(page, "ja")
        assert html_lang(page) == "ja"
        axe_check(page)

        # Signing in from here: `next` kept, and the device's choice stands for an official
        # who has stored none.
        page.locator("input[name=login]").fill(f"korea@{DOMAIN}")
        page.locator("input[name=password]").fill(DEMO_PASSWORD)
        page.locator("form[action='/accounts/login/'] button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/profile/$"))
        assert html_lang(page) == "ja"
        axe_check(page)
    finally:
        context.close()


@VIEWPORTS
def test_the_profile_stores_the_language(open_as: OpenAs, phone):
    page = open_as("brussels", phone=phone)
    goto(page, "/profile/")
    form = (
        page.get_by_role("main").locator("form").filter(has=page.locator("select[name=language]"))
    )
    try:
        form.locator("select[name=language]").select_option("es")
        form.locator("button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/profile/$"))
        assert html_lang(page) == "es"
        expect(form.locator("select[name=language]")).to_have_value("es")
        axe_check(page)
        # Stored on the user: another page, and the cookie kept for this device signed out.
        goto(page, "/")
        assert html_lang(page) == "es"
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        assert cookies.get("django_language") == "es"
    finally:
        goto(page, "/profile/")
        form.locator("select[name=language]").select_option("")
        form.locator("button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/profile/$"))
    expect(form.locator("select[name=language]")).to_have_value("")
