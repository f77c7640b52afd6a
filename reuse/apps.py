from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReuseConfig(AppConfig):
    name = "reuse"
    verbose_name = _("Refurbishment")

    def ready(self) -> None:
        from reuse import dashboard

        dashboard.register()
