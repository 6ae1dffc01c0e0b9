"""The partnership library in a real browser.

- A member official (eu@) opens the library from the header's "Partnership" menu on a laptop,
  and from "Menu" on a phone: the Library link is marked current, the page passes axe and does
  not scroll sideways.
- Facets: choosing "Offsets" under Topic narrows the list to the offsets guide (topic=offsets in
  the address, each value's count beside it); choosing it again lets it go.
- Search finds a word that is only inside a demo document's text (the page text extracted from
  its PDF), with the word highlighted in the snippet.
- The Secretariat adds a text file through /library/share/ with its type, topic, year, language
  and two jurisdictions; it lands on the document's page with those details under the
  breadcrumb "Partnership library", and once indexed a word inside it is found by the search.
- A year of 1200 is stopped by the browser; sent anyway, the server answers with a message beside
  the Year field, and nothing is added. Without JavaScript, the form posts normally.
- An observer (chile@) never sees the full members' brief: not in the list, not in the facets'
  values or counts, not in search results, not by its address (the "Page not found" page).
- A member downloads a library document from its page.

Each test works whatever the others added to the shared server's library (its own documents have
unique titles, and values that no check of another test relies on).
"""

from __future__ import annotations

import re
import secrets
import string
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .support import EnclaveServer, OpenAs, expect_not_found, new_context, unique
from .test_factsheets import check_layout, main, visit

pytestmark = pytest.mark.e2e

LIBRARY = "/library/"
SHARE = "/library/share/"
DOCUMENT_URL = re.compile(r"/w/[a-z0-9-]+/documents/(\d+)/$")

# Seeded by demo/library.py.
HANDBOOK = "Emissions Trading in Practice: a Handbook on Design and Implementation"
OFFSETS_GUIDE = "Guide to offsets in emissions trading systems"
STATUS_REPORT = "Status report: emissions trading worldwide"
FRENCH_PAPER = "Réserve de stabilité du marché : bilan et perspectives"
BRIEF = "Linking negotiations: options paper for full members"  # full members only
EVERYONE = [HANDBOOK, OFFSETS_GUIDE, STATUS_REPORT, FRENCH_PAPER]
# Only inside the offsets guide's page text (not its title, description or tags).
GUIDE_WORD = "additionality"
# Only inside the brief's page text.
BRIEF_WORDS = "mutual recognition"
# The facet values that only the brief has among the demo documents (no test here adds a
# document with any of them).
ONLY_THE_BRIEF = {
    "Type": "Brief",
    "Topic": "Linking with other systems",
    "Year": "2026",
    "Jurisdictions concerned": "Switzerland",
}
FIRST_YEAR = 1990
# The library's own message for a year out of range (partnership/library/metadata.py), up to
# next year, which moves with the calendar.
YEAR_ERROR = re.compile(rf"Give a year between {FIRST_YEAR} and \d{{4}}\.")

INDEXING_TIMEOUT = 20.0


# ------------------------------------------------------------------------------
# Helpers (open_as and signed_in_states are in conftest.py)
# ------------------------------------------------------------------------------


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def facets(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Narrow the library")


def facet_values(page: Page, facet: str) -> Locator:
    """The items (value link and its count) of one facet, e.g. "Topic"."""
    return facets(page).get_by_role("list", name=facet, exact=True).get_by_role("listitem")


def facet_value(page: Page, facet: str, label: str) -> Locator:
    """One value's item of a facet: its link (named `label`) and its count."""
    return facet_values(page, facet).filter(has=page.get_by_role("link", name=label, exact=True))


def facet_count(page: Page, facet: str, label: str) -> int:
    """The count shown beside a facet value, e.g. "Offsets (1)" -> 1."""
    item = facet_value(page, facet, label)
    expect(item).to_have_count(1)
    text = " ".join(item.inner_text().split())
    match = re.fullmatch(rf"{re.escape(label)} \((\d+)\)(?: .*)?", text)
    assert match, text
    return int(match[1])


def results(page: Page) -> Locator:
    """The list of documents (or search results) of the library page."""
    return main(page).get_by_role("region", name=re.compile(r"^(Documents|Results)$"))


def result_links(page: Page) -> Locator:
    return results(page).locator("li.search-result .search-result__title a")


def result(page: Page, title: str) -> Locator:
    return (
        results(page)
        .locator("li.search-result")
        .filter(has=page.get_by_role("link", name=title, exact=True))
    )


def shown_count(page: Page) -> int:
    """The number of documents the library page says it lists ("3 documents")."""
    status = results(page).get_by_role("status")
    expect(status).to_have_text(re.compile(r"^\d+ documents?$"))
    return int(status.inner_text().split()[0])


def expect_listed(page: Page, titles: list[str]) -> None:
    """Exactly `titles` are listed (in any order), and the count says so."""
    expect(result_links(page)).to_have_count(len(titles))
    assert sorted(result_links(page).all_inner_texts()) == sorted(titles)
    assert shown_count(page) == len(titles)


def search(page: Page, words: str) -> None:
    form = main(page).get_by_role("search", name="Search the library")
    form.get_by_label("Search the library").fill(words)
    form.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]q="))
    expect(results(page).get_by_role("heading", name="Results", level=2)).to_be_visible()


def fact(page: Page, term: str) -> Locator:
    """The value (<dd>) of `term` in the document page's "About the document"."""
    about = main(page).get_by_role("region", name="About the document")
    return (
        about.locator("dl.facts > div")
        .filter(has=page.locator("dt", has_text=re.compile(rf"^\s*{re.escape(term)}\s*$")))
        .locator("dd")
    )


def expect_status_message(page: Page, text: str | re.Pattern) -> None:
    """A success message (role=status) with `text`."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def open_library_from_the_header(page: Page) -> None:
    """From the dashboard, the header's "Library" link, in its "Partnership" menu (on a phone,
    inside "Menu"); the link is then marked as the current page."""
    page.goto("/")
    nav = page.get_by_role("navigation", name="Primary")
    if nav.is_visible():
        nav.get_by_text("Partnership", exact=True).click()  # the header's Partnership menu
    else:
        page.locator(".site-menu summary").click()
        nav = page.get_by_role("navigation", name="Menu", exact=True)
    nav.get_by_role("link", name="Library", exact=True).click()
    expect(page).to_have_url(re.compile(r"/library/$"))
    expect(page.get_by_role("heading", name="Partnership library", level=1)).to_be_visible()
    # The menu is closed again on the new page: its links are there, hidden until it opens.
    current = nav.get_by_role("link", name="Library", exact=True, include_hidden=True)
    expect(current).to_have_attribute("aria-current", "page")


def random_word(length: int = 12) -> str:
    """A word no document contains (letters only, so that every search backend sees one word)."""
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(length))


def text_file(word: str) -> dict:
    content = (
        "Auction revenues and their uses.\n"
        f"Climate funds, rebates and the {word} programme for households.\n"
    ).encode()
    return {"name": "revenues-note.txt", "mimeType": "text/plain", "buffer": content}


def fill_share_form(page: Page, *, title: str, file: dict, year: str, js: bool = True) -> None:
    """The share form, filled: a study on revenues, in Spanish, on California and Washington
    (values that the other tests' checks do not rely on)."""
    form = (
        main(page)
        .locator("form")
        .filter(has=page.get_by_role("button", name="Add to the library", exact=True))
    )
    form.get_by_label("File", exact=True).set_input_files(file)
    if js:  # upload.js shows the chosen file's name.
        expect(form.get_by_role("status")).to_contain_text(f"Selected file: {file['name']}")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Description").fill("How members use their auction revenues.")
    form.get_by_label("Tags").fill("revenues, households")
    form.get_by_label("Who may read it").select_option(label="All members, observers included")
    form.get_by_label("Handling marking").select_option(label="None")
    form.get_by_label("Type", exact=True).select_option(label="Study")
    form.get_by_label("Topic", exact=True).select_option(label="Use of revenues")
    form.get_by_label("Year", exact=True).fill(year)
    form.get_by_label("Language of the document").select_option(label="Español")
    form.get_by_label("Jurisdictions concerned").select_option(label=["California", "Washington"])


def wait_until_indexed(page: Page) -> None:
    """Reload the document's page (bounded) until it no longer says "Indexing…"."""
    deadline = time.monotonic() + INDEXING_TIMEOUT
    while main(page).get_by_text("Indexing…").count():
        assert time.monotonic() < deadline, f"{page.url} still indexing after {INDEXING_TIMEOUT} s"
        page.wait_for_timeout(500)  # the poll interval of a bounded wait
        page.reload()
    expect(main(page)).not_to_contain_text("Text unavailable")


# ------------------------------------------------------------------------------
# 1. From the header, on a laptop and on a phone
# ------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_a_member_opens_the_library_from_the_header(open_as: OpenAs, phone: bool):
    eu = open_as("eu", phone=phone)
    open_library_from_the_header(eu)
    check_layout(eu)
    # The Partnership menu says it holds the current page (on a laptop, where it is a menu).
    if not phone:
        expect(
            eu.get_by_role("navigation", name="Primary").locator("summary", has_text="Partnership")
        ).to_have_attribute("aria-current", "true")
    # The facets sit beside the results on a laptop and above them on a phone (the styles
    # apply: a stylesheet rule left open once nested them away).
    narrow = facets(eu).bounding_box()
    listed = main(eu).locator("section[aria-labelledby=library-results]").bounding_box()
    assert narrow and listed
    if phone:
        assert narrow["y"] + narrow["height"] <= listed["y"], (narrow, listed)
    else:
        assert narrow["x"] + narrow["width"] <= listed["x"] and narrow["y"] == listed["y"]
    # A full member reads every demo document, the full members' brief with its badge.
    for title in [*EVERYONE, BRIEF]:
        expect(result(eu, title)).to_have_count(1)
    expect(result(eu, BRIEF).locator(".badge--audience")).to_have_text("Full members only")
    expect(result(eu, OFFSETS_GUIDE).locator(".search-result__meta")).to_have_text(
        "Offsets · 2023 · New Zealand, Republic of Korea"
    )
    assert shown_count(eu) == result_links(eu).count()
    # No one but those who keep the library is offered to add to it.
    expect(main(eu).get_by_role("link", name="Add to the library")).to_have_count(0)
    assert eu.request.get(SHARE).status == 404


# ------------------------------------------------------------------------------
# 2. Facets
# ------------------------------------------------------------------------------


def test_a_facet_narrows_the_library_and_choosing_it_again_lets_it_go(open_as: OpenAs):
    eu = open_as("eu")
    visit(eu, LIBRARY)
    everything = shown_count(eu)
    expect(facets(eu).get_by_role("heading", level=3)).to_have_text(
        ["Type", "Topic", "Year", "Language", "Jurisdictions concerned"]
    )
    # Each value has its count beside it.
    for item in facet_values(eu, "Topic").all():
        expect(item).to_have_text(re.compile(r"^\S.* \(\d+\)$"))
    offsets = facet_count(eu, "Topic", "Offsets")
    assert offsets >= 1, offsets

    facet_value(eu, "Topic", "Offsets").get_by_role("link").click()
    expect(eu).to_have_url(re.compile(r"/library/\?topic=offsets$"))
    expect(result(eu, OFFSETS_GUIDE)).to_have_count(1)
    assert shown_count(eu) == offsets
    expect(result_links(eu)).to_have_count(offsets)
    for meta in results(eu).locator(".search-result__meta").all():
        expect(meta).to_have_text(re.compile(r"^Offsets · "))
    for title in (HANDBOOK, STATUS_REPORT, FRENCH_PAPER, BRIEF):
        expect(result(eu, title)).to_have_count(0)
    # The chosen value says so; the other facets count among what it leaves.
    chosen = facet_value(eu, "Topic", "Offsets").get_by_role("link")
    expect(chosen).to_have_attribute("aria-current", "true")
    expect(facet_value(eu, "Topic", "Offsets")).to_contain_text("choose again to let go")
    assert facet_count(eu, "Type", "Guide") >= 1
    expect(facet_value(eu, "Type", "Handbook")).to_have_count(0)
    expect(facets(eu).get_by_role("link", name="Clear filters")).to_be_visible()
    check_layout(eu)  # the library narrowed

    # Choosing it again lets it go: the whole library again.
    chosen.click()
    expect(eu).to_have_url(re.compile(r"/library/\??$"))
    expect(result(eu, HANDBOOK)).to_have_count(1)
    assert shown_count(eu) == everything
    expect(facet_value(eu, "Topic", "Offsets").get_by_role("link")).not_to_have_attribute(
        "aria-current", "true"
    )
    expect(facets(eu).get_by_role("link", name="Clear filters")).to_have_count(0)


# ------------------------------------------------------------------------------
# 3. Search inside the documents
# ------------------------------------------------------------------------------


def test_search_finds_a_word_inside_a_document_highlighted(open_as: OpenAs):
    eu = open_as("eu")
    visit(eu, LIBRARY)
    search(eu, GUIDE_WORD)
    expect(eu).to_have_url(re.compile(rf"/library/\?q={GUIDE_WORD}$"))
    expect_listed(eu, [OFFSETS_GUIDE])
    snippet = result(eu, OFFSETS_GUIDE).locator(".search-result__snippet")
    expect(snippet).to_contain_text(f"Permanence, {GUIDE_WORD} and leakage")
    expect(snippet.locator("mark")).to_have_text([GUIDE_WORD])
    check_layout(eu)  # the results

    # The search keeps a chosen facet: among market stability papers the word is in none.
    eu.goto(f"{LIBRARY}?topic=market_stability")
    expect(main(eu).get_by_role("searchbox", name="Search the library")).to_have_value("")
    search(eu, GUIDE_WORD)
    expect(eu).to_have_url(re.compile(r"topic=market_stability"))
    expect(result_links(eu)).to_have_count(0)
    expect(results(eu)).to_contain_text("No document in the library matches.")
    assert shown_count(eu) == 0

    # The result leads to the document.
    eu.goto(f"{LIBRARY}?q={GUIDE_WORD}")
    result(eu, OFFSETS_GUIDE).get_by_role("link", name=OFFSETS_GUIDE, exact=True).click()
    expect(eu).to_have_url(DOCUMENT_URL)
    expect(eu.get_by_role("heading", name=OFFSETS_GUIDE, level=1)).to_be_visible()


# ------------------------------------------------------------------------------
# 4. The Secretariat adds a document
# ------------------------------------------------------------------------------


def test_the_secretariat_adds_a_document_with_its_library_details(open_as: OpenAs):
    title = unique("Use of auction revenues")
    word = random_word()
    secretariat = open_as("secretariat")
    visit(secretariat, LIBRARY)
    main(secretariat).get_by_role("link", name="Add to the library").click()
    expect(secretariat).to_have_url(re.compile(rf"{SHARE}$"))
    expect(secretariat.get_by_role("heading", name="Add to the library", level=1)).to_be_visible()
    expect(
        secretariat.get_by_role("navigation", name="Breadcrumb").get_by_role(
            "link", name="Partnership library"
        )
    ).to_be_visible()
    fill_share_form(secretariat, title=title, file=text_file(word), year="2022")
    check_layout(secretariat)  # the form, filled

    with secretariat.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(SHARE)
    ) as posted:
        main(secretariat).get_by_role("button", name="Add to the library", exact=True).click()
    assert posted.value.status == 201, posted.value.status  # upload.js's request
    expect(secretariat).to_have_url(DOCUMENT_URL)
    document_path = path_of(secretariat.url)
    expect_status_message(secretariat, f"“{title}” is in the library.")
    expect(secretariat.get_by_role("heading", name=title, level=1)).to_be_visible()
    crumbs = secretariat.get_by_role("navigation", name="Breadcrumb").get_by_role("link")
    expect(crumbs).to_have_text(["Partnership library", title])
    expect(crumbs.first).to_have_attribute("href", LIBRARY)
    expect(fact(secretariat, "Type")).to_have_text("Study")
    expect(fact(secretariat, "Topic")).to_have_text("Use of revenues")
    expect(fact(secretariat, "Year")).to_have_text("2022")
    expect(fact(secretariat, "Language of the document")).to_have_text("Español")
    expect(fact(secretariat, "Jurisdictions concerned").get_by_role("link")).to_have_text(
        ["California", "Washington"]
    )
    expect(fact(secretariat, "Who may read it")).to_have_text("All members, observers included")
    expect(main(secretariat).get_by_role("link", name="Change the library details")).to_be_visible()
    check_layout(secretariat)  # the document's page

    # Once its text is indexed, a word inside the file finds it.
    wait_until_indexed(secretariat)
    visit(secretariat, LIBRARY)
    search(secretariat, word)
    expect_listed(secretariat, [title])
    expect(result(secretariat, title).locator(".search-result__snippet mark")).to_have_text([word])

    # A member reads it in the list, with its details, and its page the same.
    eu = open_as("eu")
    visit(eu, f"{LIBRARY}?topic=revenue")
    expect(result(eu, title).locator(".search-result__meta")).to_have_text(
        "Use of revenues · 2022 · California, Washington"
    )
    expect(result(eu, title).locator(".badge--neutral")).to_have_text("Study")
    result(eu, title).get_by_role("link", name=title, exact=True).click()
    expect(eu).to_have_url(re.compile(rf"{re.escape(document_path)}$"))
    expect(fact(eu, "Year")).to_have_text("2022")
    expect(main(eu).get_by_role("link", name="Change the library details")).to_have_count(0)


def test_a_bad_year_is_refused_beside_the_field_and_nothing_is_added(open_as: OpenAs):
    title = unique("Revenue recycling in 1200")
    secretariat = open_as("secretariat")
    visit(secretariat, LIBRARY)
    before = shown_count(secretariat)
    posts: list[str] = []
    secretariat.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    visit(secretariat, SHARE)
    fill_share_form(secretariat, title=title, file=text_file(random_word()), year="1200")
    button = main(secretariat).get_by_role("button", name="Add to the library", exact=True)
    year = main(secretariat).get_by_label("Year", exact=True)

    # The browser itself stops it (the field's min): nothing is sent.
    button.click()
    assert year.evaluate("(input) => input.validity.rangeUnderflow")
    expect(year).to_be_focused()
    expect(secretariat).to_have_url(re.compile(rf"{SHARE}$"))
    assert posts == [], posts

    # Sent anyway (as by a browser that does not check): the server refuses it, the form comes
    # back (swapped in by upload.js) with the message beside the Year field.
    main(secretariat).locator("form[data-upload]").evaluate("(form) => { form.noValidate = true; }")
    with secretariat.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(SHARE)
    ) as posted:
        button.click()
    assert posted.value.status == 400, posted.value.status
    expect(main(secretariat).get_by_role("alert").filter(has_text="Please correct")).to_be_visible()
    invalid = main(secretariat).locator(".field--invalid")
    expect(invalid).to_have_count(1)
    expect(invalid.locator(".field__errors")).to_have_text(YEAR_ERROR)
    year = main(secretariat).get_by_label("Year", exact=True)
    expect(invalid.get_by_label("Year", exact=True)).to_have_count(1)  # the error is its own
    expect(year).to_have_attribute("aria-invalid", "true")
    expect(year).to_have_accessible_description(YEAR_ERROR)
    expect(year).to_have_value("1200")  # what was typed is kept
    expect(main(secretariat).get_by_label("Title")).to_have_value(title)
    expect(secretariat).to_have_url(re.compile(rf"{SHARE}$"))
    check_layout(secretariat)  # the form with its error

    # Nothing added.
    visit(secretariat, LIBRARY)
    assert shown_count(secretariat) == before
    expect(main(secretariat)).not_to_contain_text(title)
    search(secretariat, title)
    expect(result_links(secretariat)).to_have_count(0)


def test_the_share_form_posts_without_javascript(
    open_as: OpenAs, browser: Browser, enclave_server: EnclaveServer, signed_in_states
):
    open_as("secretariat")  # signs in once (the session is shared with the other tests)
    context = new_context(
        browser,
        enclave_server,
        java_script_enabled=False,
        storage_state=signed_in_states["secretariat"],
    )
    try:
        page = context.new_page()
        title = unique("Revenues without scripts")
        response = page.goto(SHARE)
        assert response is not None and response.status == 200
        # Without upload.js: no drop-zone hint, no progress bar; the form posts itself.
        expect(main(page).locator("[data-upload-hint]")).to_be_hidden()
        fill_share_form(page, title=title, file=text_file(random_word()), year="2022", js=False)
        with page.expect_response(
            lambda r: r.request.method == "POST" and r.url.endswith(SHARE)
        ) as posted:
            main(page).get_by_role("button", name="Add to the library", exact=True).click()
        assert posted.value.status == 302, posted.value.status  # a normal post, redirected
        expect(page).to_have_url(DOCUMENT_URL)
        expect_status_message(page, f"“{title}” is in the library.")
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(fact(page, "Topic")).to_have_text("Use of revenues")
        expect(fact(page, "Jurisdictions concerned").get_by_role("link")).to_have_text(
            ["California", "Washington"]
        )
    finally:
        context.close()


# ------------------------------------------------------------------------------
# 5. An observer never sees the full members' brief
# ------------------------------------------------------------------------------


def test_an_observer_never_sees_the_full_members_brief(open_as: OpenAs):
    # What a full member reads: the brief, its address, and the counts with it.
    eu = open_as("eu")
    visit(eu, LIBRARY)
    for facet, label in ONLY_THE_BRIEF.items():
        assert facet_count(eu, facet, label) == 1, (facet, label)
    eu_union = facet_count(eu, "Jurisdictions concerned", "European Union")
    eu_english = facet_count(eu, "Language", "English")
    eu_total = shown_count(eu)
    result(eu, BRIEF).get_by_role("link", name=BRIEF, exact=True).click()
    expect(eu).to_have_url(DOCUMENT_URL)
    brief_path = path_of(eu.url)
    expect(fact(eu, "Who may read it")).to_have_text("Full members only")

    chile = open_as("chile")
    open_library_from_the_header(chile)
    check_layout(chile)
    for title in EVERYONE:
        expect(result(chile, title)).to_have_count(1)
    expect(result(chile, BRIEF)).to_have_count(0)
    expect(main(chile)).not_to_contain_text(BRIEF)
    expect(main(chile).locator(".badge--audience")).to_have_count(0)
    assert shown_count(chile) == eu_total - 1
    # Nor in the facets: no value that only the brief has, one fewer where it counts.
    for facet, label in ONLY_THE_BRIEF.items():
        expect(facet_value(chile, facet, label)).to_have_count(0)
    expect(facets(chile)).not_to_contain_text("United Kingdom")
    assert facet_count(chile, "Jurisdictions concerned", "European Union") == eu_union - 1
    assert facet_count(chile, "Language", "English") == eu_english - 1
    # Choosing a value by hand (an old link) shows nothing, not even a count.
    chile.goto(f"{LIBRARY}?kind=brief")
    expect(result_links(chile)).to_have_count(0)
    assert shown_count(chile) == 0
    expect(facet_value(chile, "Type", "Brief")).to_have_count(0)
    # Nor in a search for words inside it.
    chile.goto(LIBRARY)
    search(chile, BRIEF_WORDS)
    expect(result_links(chile)).to_have_count(0)
    expect(main(chile)).not_to_contain_text(BRIEF)
    # Nor by its address: the "Page not found" page; nor its download.
    expect_not_found(chile, brief_path, BRIEF)
    response = chile.request.get(brief_path + "download/", max_redirects=0)
    assert response.status == 404, response.status


# ------------------------------------------------------------------------------
# 6. Download
# ------------------------------------------------------------------------------


def test_a_member_downloads_a_library_document(open_as: OpenAs):
    nz = open_as("nz")
    visit(nz, LIBRARY)
    result(nz, HANDBOOK).get_by_role("link", name=HANDBOOK, exact=True).click()
    expect(nz).to_have_url(DOCUMENT_URL)
    detail_url = nz.url
    expect(nz.get_by_role("heading", name=HANDBOOK, level=1)).to_be_visible()
    expect(
        nz.get_by_role("navigation", name="Breadcrumb").get_by_role(
            "link", name="Partnership library"
        )
    ).to_have_attribute("href", LIBRARY)
    expect(fact(nz, "Type")).to_have_text("Handbook")
    expect(fact(nz, "Topic")).to_have_text("Emissions trading in general")
    expect(fact(nz, "Year")).to_have_text("2021")
    expect(fact(nz, "Language of the document")).to_have_text("English")
    expect(fact(nz, "Jurisdictions concerned")).to_have_text("Emissions trading in general")
    check_layout(nz)  # a library document's page
    # The header marks the Partnership menu, not "My dialogues", as where the reader is.
    banner = nz.get_by_role("banner")
    expect(banner.locator('summary[aria-current="true"]')).to_have_text("Partnership")
    expect(banner.get_by_role("link", name="My dialogues")).not_to_have_attribute(
        "aria-current", re.compile(".")
    )

    with nz.expect_download() as started:
        main(nz).get_by_role("link", name=re.compile(r"^Download latest \(v1,")).click()
    download = started.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    content = Path(download.path()).read_bytes()
    assert len(content) > 0 and content.startswith(b"%PDF"), content[:20]
    expect(nz).to_have_url(detail_url)  # the page stays
