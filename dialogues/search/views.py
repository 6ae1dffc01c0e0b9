"""The search page."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from dialogues.attribution.bylines import DialogueBylines
from dialogues.search.services import search as run_search


@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    hits = run_search(user=request.user, query=query) if query else []
    for hit in hits:
        if getattr(hit, "post", None) is not None:
            # Search results leave the live view: Chatham House names nobody here.
            hit.shown_author = DialogueBylines(hit.post.thread, outside=True).speaker(
                hit.post.author
            )
    return render(request, "dialogues/search/search.html", {"query": query, "hits": hits})
