from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    name = "impact"
    verbose_name = _("Impact and compliance")

    def ready(self) -> None:
        # The impact report's title, in each reader's language.
        from impact import documents, reference_data

        documents.register()
        # The first impact factors, recorded by a migration, come back after a flush.
        post_migrate.connect(reference_data.install_after_migrate, sender=self)
