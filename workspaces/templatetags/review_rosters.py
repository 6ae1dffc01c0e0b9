"""`{% load review_rosters %}` then `{% with_dialogues rows as rows %}`: the access review page's
rows (accounts.reviews.ReviewRow), each given `dialogues`, the dialogues the official is on
that the reader may see (workspaces.access.rosters_seen_by). The accounts layer cannot ask the
workspaces policy itself; the page asks it here, once for all its rows."""

from django import template

from workspaces.access import rosters_seen_by

register = template.Library()


@register.simple_tag(takes_context=True)
def with_dialogues(context, rows):
    request = context.get("request")
    reader = getattr(request, "user", None)
    if reader is None or not reader.is_authenticated or not rows:
        return rows
    found = rosters_seen_by(reader, [row.official for row in rows])
    for row in rows:
        row.dialogues = found[row.official.pk]
    return rows
