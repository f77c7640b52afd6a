from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    name = "impact"
    verbose_name = _("Impact and compliance")

    def ready(self) -> None:
        # The impact report's title, in each reader's language.
        from impact import documents

        documents.register()
