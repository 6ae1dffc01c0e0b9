"""What the library shows a reader: its documents through the policy, narrowed by facets and
a search, with the count of each facet's values among what the other facets leave."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from dialogues.search.services import document_search
from partnership.library.metadata import LANGUAGE_NAMES
from partnership.models import LibraryEntry
from workspaces.access import Capability, can, visible
from workspaces.models import Document, Workspace

PER_PAGE = 25
FACETS = {
    "kind": _("Type"),
    "topic": _("Topic"),
    "year": _("Year"),
    "language": _("Language"),
    "jurisdiction": _("Jurisdictions concerned"),
}


def may_read_library(user) -> bool:
    return can(user, Capability.READ_LIBRARY)


def may_keep_library(user) -> bool:
    return can(user, Capability.MANAGE_LIBRARY)


def readable_entries(user) -> QuerySet[LibraryEntry]:
    """The library's entries `user` may read: the policy's answer for their documents."""
    return visible(user, LibraryEntry).filter(document__workspace__kind=Workspace.Kind.LIBRARY)


def _narrowed(entries: QuerySet, filters: dict, *, leaving: str = "") -> QuerySet:
    for key in FACETS:
        if key == leaving or key not in filters:
            continue
        if key == "jurisdiction":
            entries = entries.filter(jurisdictions__code=filters[key])
        else:
            entries = entries.filter(**{key: filters[key]})
    return entries


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    chosen: bool
    href: str = ""


@dataclass
class Facet:
    key: str
    name: str
    values: list[FacetValue]


@dataclass
class Listing:
    page: Page
    facets: list[Facet]
    searched: bool = False


def _facet(entries: QuerySet, key: str, filters: dict) -> list[FacetValue]:
    """The values of one facet among the entries the other facets leave, with their counts:
    one grouped query."""
    narrowed = _narrowed(entries, filters, leaving=key)
    chosen = str(filters.get(key, ""))
    if key == "jurisdiction":
        counted = (
            narrowed.filter(jurisdictions__isnull=False)
            .order_by()
            .values_list("jurisdictions__code", "jurisdictions__name")
            .annotate(n=Count("pk", distinct=True))
        )
        return [
            FacetValue(code, name, n, code == chosen)
            for code, name, n in sorted(counted, key=lambda row: row[1])
        ]
    labels = {
        "kind": dict(LibraryEntry.Kind.choices),
        "topic": dict(LibraryEntry.Topic.choices),
        "language": LANGUAGE_NAMES,
    }.get(key)
    counted = narrowed.order_by().values_list(key).annotate(n=Count("pk")).values_list(key, "n")
    # A value no longer offered (a retired choice) is not a facet value.
    offered = [(v, n) for v, n in counted if labels is None or v in labels]
    values = sorted(offered, key=lambda row: -row[0] if key == "year" else str(labels[row[0]]))
    return [
        FacetValue(str(v), str(labels[v]) if labels else str(v), n, str(v) == chosen)
        for v, n in values
    ]


def listing(user, filters: dict, page_number=None) -> Listing:
    """The entries `user` may read that the search and the facets leave: by relevance when
    searched, else newest year first. Each facet's values are counted among the same search's
    matches and what the other facets leave, so a count is what choosing it shows."""
    entries = readable_entries(user)
    query = filters.get("q", "")
    ranked: list[int] = []
    snippets = {}
    if query:
        within = Document.objects.filter(library_entry__in=entries.values("pk"))
        for hit in document_search(user=user, query=query, within=within):
            if hit.document.pk not in snippets:
                ranked.append(hit.document.pk)
                snippets[hit.document.pk] = hit.snippet
        entries = entries.filter(document_id__in=ranked)
    facets = [Facet(key, name, _facet(entries, key, filters)) for key, name in FACETS.items()]
    chosen = _narrowed(entries, filters).select_related("document__workspace")
    chosen = chosen.prefetch_related("jurisdictions")
    if query:
        by_document = {e.document_id: e for e in chosen}
        found: list | QuerySet = [by_document[pk] for pk in ranked if pk in by_document]
        for entry in found:
            entry.snippet = snippets[entry.document_id]
    else:
        found = chosen.order_by("-year", "document__title", "pk")
    page = Paginator(found, PER_PAGE).get_page(page_number)
    return Listing(page, facets, bool(query))


def document_details(user, document: Document) -> LibraryEntry | None:
    """What the library says of `document` (one of its own, which `user` may read), for the
    document's page: its entry, the language by name, and whether `user` may change it."""
    entry = LibraryEntry.objects.filter(document=document).prefetch_related("jurisdictions").first()
    if entry is not None:
        entry.language_name = LANGUAGE_NAMES.get(entry.language, entry.language)
        entry.editable = may_keep_library(user)
    return entry
