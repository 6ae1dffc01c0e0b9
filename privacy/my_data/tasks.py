"""Background work of "My data", run through django.tasks (never a named runner)."""

from __future__ import annotations

from django.tasks import task


@task()
def prepare_data_export(export_id: int) -> str:
    """Write one export's archive (services.data_export_prepare); its state afterwards."""
    from .services import data_export_prepare

    return data_export_prepare(export_id=export_id)
