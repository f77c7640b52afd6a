from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from common.handoff import Handoff, register_handoff
        from documents.services import documents_recover_stalled, documents_requeue_pending

        register_handoff(
            Handoff(
                name="documents",
                requeue_pending=documents_requeue_pending,
                watch_stalled=documents_recover_stalled,
            )
        )
