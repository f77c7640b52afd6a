from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventory")

    def ready(self) -> None:
        from common.handoff import Handoff, register_handoff
        from inventory import dashboard
        from inventory.imports.services import (
            device_imports_recover_stalled,
            device_imports_requeue_pending,
        )

        dashboard.register()
        register_handoff(
            Handoff(
                name="device imports",
                requeue_pending=device_imports_requeue_pending,
                watch_stalled=device_imports_recover_stalled,
            )
        )
