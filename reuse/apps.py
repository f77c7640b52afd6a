from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReuseConfig(AppConfig):
    name = "reuse"
    verbose_name = _("Refurbishment")

    def ready(self) -> None:
        from reuse import dashboard

        dashboard.register()

        # Inventory prints the labels but knows nothing of grades: reuse tells it.
        from inventory.labels import register_label_details
        from reuse.selectors import label_grades

        register_label_details(label_grades)
