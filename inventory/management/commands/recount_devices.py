"""``recount_devices``: rebuild the device counts the dashboards read, or check them."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inventory.choices import DeviceCategory, DeviceState
from inventory.counts import CountDifference, device_counts_differences, device_counts_rebuild
from organisations.models import Organisation

# Exit statuses, as the help states them.
MATCHING = 0
DIFFERENT = 1


class Command(BaseCommand):
    help = (
        "Count the devices again per declaring commune, holder, claimant, state and category, "
        "and store these counts, which the dashboards read; list each count that was wrong. "
        "With --check, change nothing: list the counts that differ from the devices. Exit "
        "status: 0 when the counts were rebuilt, or, with --check, when they match the devices; "
        "1 when --check finds a difference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help=_("List the counts that differ from the devices; change nothing."),
        )

    def handle(self, *args, check: bool, **options) -> None:
        differences = device_counts_differences() if check else device_counts_rebuild()
        self.describe(differences)
        if not check:
            self.stdout.write(
                ngettext(
                    "Device counts rebuilt: %(count)d count was wrong.",
                    "Device counts rebuilt: %(count)d counts were wrong.",
                    len(differences),
                )
                % {"count": len(differences)}
            )
        elif differences:
            raise CommandError(
                ngettext(
                    "%(count)d device count differs from the devices; rebuild the counts with "
                    "recount_devices (without --check).",
                    "%(count)d device counts differ from the devices; rebuild the counts with "
                    "recount_devices (without --check).",
                    len(differences),
                )
                % {"count": len(differences)},
                returncode=DIFFERENT,
            )
        else:
            self.stdout.write(_("The device counts match the devices."))

    def describe(self, differences: list[CountDifference]) -> None:
        """One line per wrong count: its key by name, what is stored and what the devices say."""
        pks = {pk for difference in differences for pk in difference.key[:3] if pk is not None}
        names = dict(Organisation.objects.filter(pk__in=pks).values_list("pk", "name"))
        for difference in differences:
            key = difference.key
            values = {
                "commune": names.get(key.commune_id, key.commune_id),
                "holder": names.get(key.holder_id, key.holder_id),
                "claimant": names.get(key.claimed_by_id, key.claimed_by_id),
                "state": DeviceState(key.state).label,
                "category": DeviceCategory(key.category).label,
                "stored": difference.stored,
                "devices": difference.devices,
            }
            if key.claimed_by_id is None:
                line = _(
                    "%(commune)s, held by %(holder)s, %(state)s, %(category)s: "
                    "%(stored)d counted, %(devices)d devices."
                )
            else:
                line = _(
                    "%(commune)s, held by %(holder)s, claimed by %(claimant)s, %(state)s, "
                    "%(category)s: %(stored)d counted, %(devices)d devices."
                )
            self.stdout.write(line % values)
