"""System checks of the personal-data settings: a retention setting that cannot be applied
stops `manage.py check`, `migrate` and `apply_retention` rather than being quietly changed."""

from django.conf import settings
from django.core.checks import Error, register

from accounts.audit import AUDIT_MINIMUM_RETENTION_DAYS

from .retention import RETENTION_SETTINGS


@register()
def retention_settings_check(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for name in RETENTION_SETTINGS:
        days = getattr(settings, name, None)
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            errors.append(
                Error(
                    f"{name} must be a whole number of days, 0 or more (0 keeps forever).",
                    id="privacy.E001",
                )
            )
    export_days = getattr(settings, "ENCLAVE_DATA_EXPORT_DAYS", None)
    if isinstance(export_days, bool) or not isinstance(export_days, int) or export_days < 1:
        errors.append(
            Error(
                "ENCLAVE_DATA_EXPORT_DAYS must be a whole number of days, 1 or more: how long "
                "a personal-data archive's link works.",
                id="privacy.E003",
            )
        )
    audit_days = getattr(settings, "ENCLAVE_RETAIN_AUDIT_DAYS", None)
    if isinstance(audit_days, int) and 0 < audit_days < AUDIT_MINIMUM_RETENTION_DAYS:
        errors.append(
            Error(
                f"ENCLAVE_RETAIN_AUDIT_DAYS is {audit_days}: the audit log keeps every record at "
                f"least {AUDIT_MINIMUM_RETENTION_DAYS} days.",
                hint=f"Set it to {AUDIT_MINIMUM_RETENTION_DAYS} or more, or 0 to keep it forever.",
                id="privacy.E002",
            )
        )
    return errors
