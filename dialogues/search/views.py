"""The search page."""

from __future__ import annotations

from collections import Counter

from django.shortcuts import render
from django.views.decorators.http import require_GET

from dialogues.search.services import LIMIT
from dialogues.search.services import search as run_search


@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    hits = run_search(user=request.user, query=query) if query else []
    # A kind that fills its page was ranked among its most recent matches only: say so.
    full = any(
        n >= LIMIT for kind, n in Counter(h.kind for h in hits).items() if kind != "workspace"
    )
    return render(
        request, "dialogues/search/search.html", {"query": query, "hits": hits, "full": full}
    )
