"""System checks of the personal-data settings: a retention setting that cannot be applied
stops `manage.py check`, `migrate` and `apply_retention` rather than being quietly changed."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from accounts.audit import AUDIT_MINIMUM_RETENTION_DAYS

from .retention import RETENTION_SETTINGS, audit_retention_days, retention_days


@register()
def retention_settings_check(app_configs=None, **kwargs) -> list[Error]:
    """The rules retention applies itself (`retention_days`, `audit_retention_days`), asked
    before any run."""
    errors = []
    for name in RETENTION_SETTINGS:
        try:
            retention_days(name)
        except ImproperlyConfigured as error:
            errors.append(Error(str(error), id="privacy.E001"))
    if not errors:  # a number of days, but under the audit log's minimum
        try:
            audit_retention_days()
        except ImproperlyConfigured as error:
            hint = f"Set it to {AUDIT_MINIMUM_RETENTION_DAYS} or more, or 0 to keep it forever."
            errors.append(Error(str(error), hint=hint, id="privacy.E002"))
    export_days = getattr(settings, "ENCLAVE_DATA_EXPORT_DAYS", None)
    if isinstance(export_days, bool) or not isinstance(export_days, int) or export_days < 1:
        errors.append(
            Error(
                "ENCLAVE_DATA_EXPORT_DAYS must be a whole number of days, 1 or more: how long "
                "a personal-data archive's link works.",
                id="privacy.E003",
            )
        )
    return errors
