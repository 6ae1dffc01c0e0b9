"""Factsheets in the site's search: each jurisdiction's approved factsheet, in the fields the
reader reads there (`selectors.listing` bounds it: never a draft, never a field kept from an
observer), found when every word of the query is in it."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from dialogues.search.services import Hit, matching_snippet
from partnership.factsheets import schema, selectors

LIMIT = 10


def factsheet_hits(user: User, words: list[str]) -> list[Hit]:
    if not words or not selectors.may_read_factsheets(user):
        return []
    hits = []
    for row in selectors.listing(user):
        if not row.values:
            continue  # nothing approved yet: nothing to find
        texts = [row.jurisdiction.name]
        texts += [schema.as_text(spec, row.values.get(spec.key)) for spec in schema.FIELDS]
        snippet = matching_snippet(" · ".join(t for t in texts if t), words)
        if snippet is None:
            continue
        title = _("%(jurisdiction)s: emissions trading factsheet") % {
            "jurisdiction": row.jurisdiction.name
        }
        url = reverse("factsheet_detail", kwargs={"code": row.jurisdiction.code})
        hits.append(Hit("factsheet", title, snippet, None, url=url))
        if len(hits) == LIMIT:
            break
    return hits
