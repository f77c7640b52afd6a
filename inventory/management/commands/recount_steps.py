"""``recount_steps``: rebuild the step counts the impact indicators read, or check them."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inventory.step_counts import (
    StepCountDifference,
    step_counts_differences,
    step_counts_rebuild,
)

# Exit statuses, as the help states them.
MATCHING = 0
DIFFERENT = 1


class Command(BaseCommand):
    help = (
        "Count again, from the device events, the devices that reached each step of the loop "
        "per month, category, declaring commune, organisation, partner and days to reuse, and "
        "store these counts, which the impact indicators read; list each count that was wrong. "
        "With --check, change nothing: list the counts that differ from the events. Exit "
        "status: 0 when the counts were rebuilt, or, with --check, when they match the events; "
        "1 when --check finds a difference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help=_("List the step counts that differ from the events; change nothing."),
        )

    def handle(self, *args, check: bool, **options) -> None:
        differences = step_counts_differences() if check else step_counts_rebuild()
        self.describe(differences)
        if not check:
            self.stdout.write(
                ngettext(
                    "Step counts rebuilt: %(count)d count was wrong.",
                    "Step counts rebuilt: %(count)d counts were wrong.",
                    len(differences),
                )
                % {"count": len(differences)}
            )
        elif differences:
            raise CommandError(
                ngettext(
                    "%(count)d step count differs from the events; rebuild the counts with "
                    "recount_steps (without --check).",
                    "%(count)d step counts differ from the events; rebuild the counts with "
                    "recount_steps (without --check).",
                    len(differences),
                )
                % {"count": len(differences)},
                returncode=DIFFERENT,
            )
        else:
            self.stdout.write(_("The step counts match the events."))

    def describe(self, differences: list[StepCountDifference]) -> None:
        """One line per wrong count: its key and what is stored and what the events say."""
        for difference in differences:
            key = difference.key
            self.stdout.write(
                _(
                    "%(month)s, %(step)s, %(category)s, commune %(commune)s, organisation "
                    "%(organisation)s, partner %(partner)s, %(days)s days to reuse: "
                    "%(stored)d counted, %(devices)d devices."
                )
                % {
                    "month": str(key.month)[:7],
                    "step": key.step,
                    "category": key.category,
                    "commune": key.commune_id,
                    "organisation": key.organisation_id or "-",
                    "partner": key.partner_id or "-",
                    "days": "-" if key.days_to_reuse is None else key.days_to_reuse,
                    "stored": difference.stored,
                    "devices": difference.devices,
                }
            )
