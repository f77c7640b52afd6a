from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReuseConfig(AppConfig):
    name = "reuse"
    verbose_name = _("Refurbishment")

    def ready(self) -> None:
        from reuse import dashboard, document_titles

        dashboard.register()
        document_titles.register()

        # Inventory prints the labels but knows nothing of grades: reuse tells it.
        from inventory.labels import register_label_details
        from reuse.selectors import label_grades

        register_label_details(label_grades)

        # Inventory lists a device's actions but cannot tell what "ready" still lacks.
        from inventory.lifecycle import register_transition_blocker
        from reuse.services import device_readiness_missing

        register_transition_blocker("certify", device_readiness_missing)

        # The public passport proves the reuse with what reuse recorded.
        from inventory.passport import register_passport_details
        from reuse.passport import passport_facts

        register_passport_details(passport_facts)
