from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Personal data: an official's own export, erasure that keeps the record, retention, and
    the privacy notice. Above every app whose records it reads or rewrites."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = "Personal data"

    def ready(self):
        from . import checks  # noqa: F401  (registers the retention settings' checks)
