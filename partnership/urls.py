from django.urls import path

from partnership.factsheets import views as factsheets
from partnership.library import views as library

urlpatterns = [
    path("factsheets/", factsheets.factsheet_list, name="factsheet_list"),
    path("factsheets/map.svg", factsheets.factsheet_map, name="factsheet_map"),
    path("factsheets/compare/", factsheets.factsheet_compare, name="factsheet_compare"),
    path("factsheets/settings/", factsheets.factsheet_settings, name="factsheet_settings"),
    path(
        "factsheets/publications/",
        factsheets.factsheet_publications,
        name="factsheet_publications",
    ),
    path("factsheets/published.json", factsheets.published_json, name="factsheets_published_json"),
    path("factsheets/published.csv", factsheets.published_csv, name="factsheets_published_csv"),
    path("factsheets/<slug:code>/", factsheets.factsheet_detail, name="factsheet_detail"),
    path("factsheets/<slug:code>/draft/", factsheets.factsheet_draft, name="factsheet_draft"),
    path("factsheets/<slug:code>/submit/", factsheets.factsheet_submit, name="factsheet_submit"),
    path("factsheets/<slug:code>/discard/", factsheets.factsheet_discard, name="factsheet_discard"),
    path("factsheets/<slug:code>/history/", factsheets.factsheet_history, name="factsheet_history"),
    path(
        "factsheets/<slug:code>/versions/<int:number>/",
        factsheets.factsheet_version,
        name="factsheet_version",
    ),
    path(
        "factsheets/<slug:code>/versions/<int:number>/approve/",
        factsheets.factsheet_approve,
        name="factsheet_approve",
    ),
    path(
        "factsheets/<slug:code>/versions/<int:number>/return/",
        factsheets.factsheet_return,
        name="factsheet_return",
    ),
    path(
        "factsheets/<slug:code>/fields/<slug:key>/",
        factsheets.factsheet_field,
        name="factsheet_field",
    ),
]

urlpatterns += [
    path("library/", library.library_list, name="library"),
    path("library/share/", library.library_share, name="library_share"),
    path("library/<int:pk>/details/", library.library_entry_edit, name="library_entry_edit"),
]
