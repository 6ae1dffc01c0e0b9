"""Dialogues in a real browser: replies, nesting, mentions, moderation, audiences, dashboard.

Every page visited is checked with axe-core (WCAG 2.2 AA + best practice). Each demo user signs
in once per module; later tests reuse that session in a fresh browser context.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from .support import OpenAs, axe_check, expect_not_found, goto, unique

pytestmark = pytest.mark.e2e

OFFSETS = "Offsets and carbon removals"
MARKET_STABILITY = "Market stability mechanisms"
LINKING = "Linking"

# Offsets threads open to everyone on the roster (observers included).
QUALITY_THREAD = "Quality criteria for offset eligibility: where do our rules converge?"
ARTICLE_6_THREAD = "Article 6.4 and CORSIA: one reference standard or several?"
MRV_THREAD = "MRV for engineered removals: DACCS and BECCS"
FORESTRY_THREAD = "Forestry removals: reversal risk, buffers and averaging"

POST_URL = re.compile(r"/w/[\w-]+/t/\d+/\?page=\d+#post-(\d+)$")

# ------------------------------------------------------------------------------
# Helpers (open_as and signed_in_states are in conftest.py)
# ------------------------------------------------------------------------------


def open_thread(page: Page, slug: str, title: str) -> str:
    """From the dialogue's thread list, open the thread `title`; returns its URL."""
    goto(page, f"/w/{slug}/")
    page.get_by_role("main").get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    axe_check(page)
    return page.url


def post_article(page: Page, post_id: int):
    return page.locator(f"article#post-{post_id}")


def landed_post_id(page: Page) -> int:
    """After a reply or a permalink: the thread page, at #post-N. Returns N."""
    expect(page).to_have_url(POST_URL)
    post_id = int(POST_URL.search(page.url).group(1))
    expect(post_article(page, post_id)).to_be_visible()
    return post_id


def reply_at_bottom(page: Page, text: str) -> int:
    """Post `text` with the reply form at the bottom of the open thread; returns the new post id."""
    composer = page.get_by_role("main").locator("section#reply")
    composer.get_by_label("Your reply").fill(text)
    composer.get_by_role("button", name="Post reply").click()
    post_id = landed_post_id(page)
    axe_check(page)
    return post_id


def post_depths(page: Page) -> list[tuple[int, int]]:
    """(post id, depth) of every post on the page, in page order."""
    return page.eval_on_selector_all(
        "main article.post",
        """posts => posts.map(p => [
            Number(p.id.replace("post-", "")),
            Number([...p.classList].find(c => c.startsWith("post--depth-")).slice(12)),
        ])""",
    )


# ------------------------------------------------------------------------------
# Moderation (first: its TOTP sign-in is then far from test_foundation's, so neither waits)
# ------------------------------------------------------------------------------


def test_facilitator_hides_a_post(open_as: OpenAs):
    text = unique("A reply that will be hidden")
    reason = unique("Off-topic for this thread")

    eu = open_as("eu")
    thread_url = open_thread(eu, "offsets", FORESTRY_THREAD)
    post_id = reply_at_bottom(eu, text)

    secretariat = open_as("secretariat")
    goto(secretariat, thread_url)
    article = post_article(secretariat, post_id)
    expect(article).to_contain_text(text)
    # The reason is asked in a dialog; the post changes in place, without a page load.
    article.get_by_role("link", name=re.compile(r"^Hide…")).click()
    dialog = secretariat.get_by_role("dialog")
    dialog.get_by_label("Reason for hiding the post").fill(reason)
    dialog.get_by_role("button", name="Hide post").click()
    expect(secretariat.locator("#thread-messages")).to_contain_text("The post is hidden.")
    expect(article).to_contain_text(f"Hidden by a moderator: {reason}")
    expect(article.get_by_role("link", name=re.compile(r"^Show…"))).to_be_visible()
    axe_check(secretariat)

    # Another participant sees only the notice.
    california = open_as("california")
    goto(california, thread_url)
    article = post_article(california, post_id)
    expect(article).to_contain_text("Hidden by a moderator.")
    expect(article).not_to_contain_text(text)
    expect(article).not_to_contain_text(reason)
    expect(article.get_by_role("link", name=re.compile(r"^Reply"))).to_have_count(0)

    # The author still sees the text, with the reason.
    goto(eu, thread_url)
    article = post_article(eu, post_id)
    expect(article).to_contain_text(f"Hidden by a moderator: {reason}")
    expect(article).to_contain_text("Only you and the moderators still see the text.")
    expect(article).to_contain_text(text)


# ------------------------------------------------------------------------------
# Replies
# ------------------------------------------------------------------------------


def test_reply_at_the_bottom_of_a_thread(open_as: OpenAs):
    text = unique("EU reply on quality criteria")
    page = open_as("eu")
    thread_url = open_thread(page, "offsets", QUALITY_THREAD)
    posts_before = page.locator("main article.post").count()

    post_id = reply_at_bottom(page, text)

    expect(page).to_have_url(re.compile(re.escape(thread_url.split("?")[0])))
    article = post_article(page, post_id)
    expect(article).to_contain_text(text)
    expect(article.get_by_role("heading", name="Camille Laurent")).to_be_visible()
    expect(article).to_have_class(re.compile(r"\bpost--depth-1\b"))  # a reply to the thread
    expect(page.locator("main article.post")).to_have_count(posts_before + 1)
    # It is the last post: the newest reply to the opening post.
    assert post_depths(page)[-1][0] == post_id


def test_nested_reply_to_a_specific_post(open_as: OpenAs):
    text = unique("California, replying to the EU")
    page = open_as("california")
    thread_url = open_thread(page, "offsets", ARTICLE_6_THREAD)

    # The EU's reply (depth 1) has a sub-thread of its own (Korea, then the Secretariat).
    parent = (
        page.locator("main article.post.post--depth-1")
        .filter(has=page.get_by_role("heading", name="Camille Laurent"))
        .first
    )
    parent_id = int(parent.get_attribute("id").removeprefix("post-"))
    parent.get_by_role("link", name="Reply to Camille Laurent").click()
    expect(page).to_have_url(re.compile(rf"/reply/\?parent={parent_id}$"))
    expect(page.get_by_role("heading", name="Reply to Camille Laurent", level=1)).to_be_visible()
    axe_check(page)

    page.get_by_label("Your reply").fill(text)
    page.get_by_role("main").get_by_role("button", name="Post reply").click()
    post_id = landed_post_id(page)
    assert page.url.startswith(thread_url.split("?")[0])
    axe_check(page)

    article = post_article(page, post_id)
    expect(article).to_contain_text(text)
    expect(article.get_by_role("link", name="in reply to Camille Laurent")).to_be_visible()

    order = post_depths(page)
    ids = [pid for pid, _ in order]
    depths = dict(order)
    parent_at, new_at = ids.index(parent_id), ids.index(post_id)
    assert depths[post_id] == depths[parent_id] + 1, order
    # Right after the parent's (earlier) subtree: everything between is deeper than the parent,
    # and what follows the new post is no longer inside the parent's subtree.
    assert new_at > parent_at, order
    between = ids[parent_at + 1 : new_at]
    assert all(depths[pid] > depths[parent_id] for pid in between), order
    assert between, f"the EU post's demo sub-thread is missing: {order}"
    if new_at + 1 < len(ids):
        assert depths[ids[new_at + 1]] <= depths[parent_id], order


# ------------------------------------------------------------------------------
# Mentions and notifications
# ------------------------------------------------------------------------------


def test_mention_notifies_the_person_mentioned(open_as: OpenAs):
    token = secrets.token_hex(4)
    text = f"Thanks @korea, could you share your MRV checklist? ({token})"

    quebec = open_as("quebec")
    open_thread(quebec, "offsets", MRV_THREAD)
    post_id = reply_at_bottom(quebec, text)
    article = post_article(quebec, post_id)
    expect(article).to_contain_text(token)
    expect(article).to_contain_text("@korea")

    korea = open_as("korea")
    goto(korea, "/")
    bell = korea.get_by_role("navigation", name="Primary").get_by_role(
        "link", name=re.compile(r"^Notifications")
    )
    badge = bell.locator(".nav-count")
    expect(badge).to_have_text(re.compile(r"^\s*[1-9]\d*\s+unread\s*$"))
    assert int(badge.inner_text().split()[0]) >= 1

    bell.click()
    expect(korea.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    axe_check(korea)
    item = (
        korea.locator("li.notification.notification--unread")
        .filter(has_text=f"Mentioned you: {MRV_THREAD}")
        .filter(has_text="Sophie Tremblay")
        .first
    )
    expect(item).to_be_visible()
    item.get_by_role("link", name=f"Mentioned you: {MRV_THREAD}").click()

    assert landed_post_id(korea) == post_id
    expect(post_article(korea, post_id)).to_contain_text(token)
    axe_check(korea)


def test_mention_suggestions_while_typing(open_as: OpenAs):
    page = open_as("quebec")
    open_thread(page, "offsets", MRV_THREAD)
    textarea = page.get_by_role("main").locator("section#reply").get_by_label("Your reply")
    textarea.press_sequentially("A question for @kor")

    listbox = page.get_by_role("listbox", name="People you can mention")
    option = listbox.get_by_role("option", name=re.compile(r"@korea\b"))
    expect(option).to_be_visible()
    expect(option).to_contain_text("Min-jun Park")
    expect(textarea).to_have_attribute("aria-activedescendant", re.compile(r"^mentions-\d+-\d+$"))
    axe_check(page)  # with the suggestions open

    option.click()
    expect(textarea).to_have_value("A question for @korea ")
    expect(listbox).to_be_hidden()


# ------------------------------------------------------------------------------
# Audiences and the dashboard
# ------------------------------------------------------------------------------


def test_observer_does_not_see_a_full_members_thread(open_as: OpenAs):
    eu = open_as("eu")
    goto(eu, "/w/offsets/")
    row = eu.get_by_role("row").filter(has=eu.locator(".badge--audience"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Full members only")
    link = row.locator("a.thread-link")
    title = link.inner_text().strip()
    href = link.get_attribute("href")
    assert re.fullmatch(r"/w/offsets/t/\d+/", href), href
    word = "Co-Chair"
    assert word in title, title

    chile = open_as("chile")
    goto(chile, "/w/offsets/")
    threads = chile.get_by_role("main").locator("a.thread-link")
    expect(threads.filter(has_text=QUALITY_THREAD)).to_have_count(1)  # the others are there
    expect(threads.filter(has_text=title)).to_have_count(0)
    expect(chile.get_by_role("main")).not_to_contain_text(title)
    expect(chile.locator("main .badge--audience")).to_have_count(0)

    expect_not_found(chile, href, title)

    goto(chile, f"/search/?q={word}")
    expect(chile.get_by_role("main").get_by_role("status")).to_have_text(f"0 results for “{word}”")
    expect(chile.get_by_text(f"Nothing matches “{word}”.")).to_be_visible()
    expect(chile.get_by_role("main")).not_to_contain_text(title)

    goto(eu, f"/search/?q={word}")
    results = eu.locator("ol.search-results")
    expect(results.get_by_role("link", name=title).first).to_be_visible()
    expect(results.locator(f'a[href="{href}"]')).to_have_count(1)  # the thread hit itself


def test_dashboard_lists_only_my_dialogues(open_as: OpenAs):
    def dialogue_titles(page: Page):
        section = page.locator("section", has=page.get_by_role("heading", name="Your dialogues"))
        return section.get_by_role("heading", level=3).get_by_role("link")

    chile = open_as("chile")
    goto(chile, "/")
    expect(chile.get_by_role("heading", name="My dialogues", level=1)).to_be_visible()
    expect(dialogue_titles(chile)).to_have_text([OFFSETS])

    eu = open_as("eu")
    goto(eu, "/")
    titles = dialogue_titles(eu)
    expect(titles).to_have_count(3)
    assert sorted(titles.all_inner_texts()) == sorted([OFFSETS, MARKET_STABILITY, LINKING])

    titles.filter(has_text=LINKING).click()
    expect(eu.get_by_role("heading", name=LINKING, level=1)).to_be_visible()
    axe_check(eu)
