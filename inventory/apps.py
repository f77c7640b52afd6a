from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        from common.handoff import Handoff, register_handoff
        from documents.choices import DocumentKind
        from documents.titles import register_title
        from inventory import dashboard
        from inventory.imports.services import (
            device_imports_recover_stalled,
            device_imports_requeue_pending,
        )
        from inventory.labels import label_sheet_title

        dashboard.register()
        register_title(DocumentKind.LABEL_SHEET, label_sheet_title)
        register_handoff(
            Handoff(
                name="device imports",
                requeue_pending=device_imports_requeue_pending,
                watch_stalled=device_imports_recover_stalled,
            )
        )
