"""Background work of the inventory. Tasks take ids and call one service."""

from celery import shared_task

from inventory.imports.services import device_import_run, device_imports_forget_dry_runs
from inventory.models import DeviceImport


@shared_task(acks_late=True, ignore_result=True)
def run_device_import(device_import_pk: int) -> None:
    """Import a large file; a redelivered task finds the import finished and does nothing."""
    device_import = DeviceImport.objects.select_related("commune").get(pk=device_import_pk)
    device_import_run(device_import=device_import)


@shared_task(acks_late=True, ignore_result=True)
def forget_expired_dry_runs() -> int:
    """Run hourly by Celery beat: delete the files of dry runs no longer importable."""
    return device_imports_forget_dry_runs()
