from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    """The partnership's own knowledge, beside its dialogues: each jurisdiction's emissions
    trading factsheet, kept by that jurisdiction and approved by its focal point."""

    name = "partnership"
    verbose_name = "Partnership knowledge"
