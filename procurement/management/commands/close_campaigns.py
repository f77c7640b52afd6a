"""``close_campaigns``: close and allocate every campaign whose closing time has come."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from procurement.services import campaigns_close_due


class Command(BaseCommand):
    help = (
        "Close every open campaign whose closing time has come (and finish any closing that "
        "stopped halfway): allocate its offers, place the orders, reserve their devices and "
        "e-mail the buyers and partners. Celery beat runs the same every minute; running it "
        "again changes nothing. Prints how many campaigns were allocated."
    )

    def handle(self, *args, **options) -> None:
        allocated = campaigns_close_due()
        self.stdout.write(
            ngettext(
                "%(count)d campaign closed and allocated.",
                "%(count)d campaigns closed and allocated.",
                len(allocated),
            )
            % {"count": len(allocated)}
        )
        for campaign in allocated:
            self.stdout.write(f"- {campaign.title} ({campaign.pk})")
