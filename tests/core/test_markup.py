"""Plain text from sanitised HTML: entities undone once, whitespace folded, cut with an
ellipsis. Plain-text emails take it as it is; templates escape it where HTML shows it."""

from core.markup import plain_excerpt, shortened


def test_a_plain_excerpt_is_plain_text():
    assert plain_excerpt("<p>Tom &amp; <em>Jerry</em>\n &lt;3</p>") == "Tom & Jerry <3"
    assert plain_excerpt("<p>" + "a " * 50 + "</p>", 10) == "a a a a a…"
    assert shortened("short", 10) == "short"
