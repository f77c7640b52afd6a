"""``expire_claims``: return to the inventory every claim left uncollected past its delay."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from reuse.services import claims_expire_overdue


class Command(BaseCommand):
    help = (
        "Return to the shared inventory every device claimed longer ago than "
        "BOUCLE_CLAIM_EXPIRY_DAYS without collection, and e-mail both sides. Celery beat runs "
        "the same every hour. Prints how many claims expired."
    )

    def handle(self, *args, **options) -> None:
        count = claims_expire_overdue()
        self.stdout.write(
            ngettext("%(count)d claim expired.", "%(count)d claims expired.", count)
            % {"count": count}
        )
