from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    """The partnership's own knowledge, beside its dialogues: each jurisdiction's emissions
    trading factsheet, kept by that jurisdiction and approved by its focal point, and the
    partnership library of reference literature."""

    name = "partnership"
    verbose_name = "Partnership knowledge"

    def ready(self) -> None:
        from dialogues.search.services import provide_hits
        from partnership.factsheets.search import factsheet_hits
        from partnership.library.selectors import document_details
        from workspaces.page_hooks import provide_library_details

        provide_library_details(document_details)
        provide_hits(factsheet_hits)
