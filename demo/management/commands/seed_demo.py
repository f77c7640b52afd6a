from django.core.management.base import BaseCommand, no_translations
from django.utils.translation import gettext as _

from demo.activity import seed_refurbishment
from demo.deliveries import seed_deliveries
from demo.donations import seed_donations
from demo.procurement import seed_group_purchasing
from demo.territory import DEMO_PASSWORD, SeedReport, seed_demo

TERRITORY_COUNTS = (
    "organisations",
    "sites",
    "users",
    "memberships",
    "devices",
    "declarations",
    "withdrawals",
)
ACTIVITY_COUNTS = (
    "claimed",
    "released",
    "collected",
    "collections",
    "diagnoses",
    "repairs",
    "erasures",
    "gradings",
    "ready",
    "recycled",
    "waste_records",
)
GROUP_PURCHASING_COUNTS = (
    "groupement_members",
    "offers",
    "offered_devices",
    "campaigns",
    "commitments",
    "orders",
    "reserved",
)
DELIVERY_COUNTS = ("deliveries", "admissions", "delivered", "refused_at_the_door", "invoices")


class Command(BaseCommand):
    help = (
        "Create the demo territory (Grand-Orly Seine Bièvre): its 24 communes, three partners, "
        "four buyers, two users for each, a few hundred declared devices, the partners' "
        "claims, collections, refurbishment and recycling of some of them, and the "
        "groupement de commandes with its offers, an open campaign and a closed one whose "
        "orders are being delivered, admitted and invoiced. Running it again changes "
        "nothing. Prints the demo logins."
    )

    # Like Django's own commands, this one speaks English to operators, whatever LANGUAGE_CODE.
    @no_translations
    def handle(self, *args, **options) -> None:
        report = seed_donations(
            seed_deliveries(seed_group_purchasing(seed_refurbishment(seed_demo())))
        )
        self.stdout.write(self.summary(report))
        self.stdout.write("")
        self.stdout.write(self.logins_table(report))
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                _("Password of every demo login: %(password)s") % {"password": DEMO_PASSWORD}
            )
        )

    def summary(self, report: SeedReport) -> str:
        if not report.created:
            return _("The demo data is already in place; nothing was created.")
        created = report.created
        lines = []
        if any(created[key] for key in TERRITORY_COUNTS):
            lines.append(
                _(
                    "Demo data created: %(organisations)d organisations, %(sites)d sites, "
                    "%(users)d users, %(memberships)d memberships, %(devices)d devices in "
                    "%(declarations)d declarations, %(withdrawals)d of them withdrawn."
                )
                % {key: created[key] for key in TERRITORY_COUNTS}
            )
        if any(created[key] for key in ACTIVITY_COUNTS):
            lines.append(
                _(
                    "Partners' activity created: they claimed %(claimed)d devices and released "
                    "%(released)d, collected %(collected)d in %(collections)d collections, "
                    "diagnosed %(diagnoses)d, repaired %(repairs)d, erased or destroyed "
                    "%(erasures)d media, graded %(gradings)d, marked %(ready)d ready and "
                    "recycled %(recycled)d in %(waste_records)d shipments."
                )
                % {key: created[key] for key in ACTIVITY_COUNTS}
            )
        if any(created[key] for key in GROUP_PURCHASING_COUNTS):
            lines.append(
                _(
                    "Group purchasing created: a groupement of %(groupement_members)d members, "
                    "%(offers)d offers holding %(offered_devices)d ready devices, %(campaigns)d "
                    "campaigns with %(commitments)d commitments, of which one closed with "
                    "%(orders)d orders reserving %(reserved)d devices, each with its purchase "
                    "order."
                )
                % {key: created[key] for key in GROUP_PURCHASING_COUNTS}
            )
        if created["donations"]:
            lines.append(
                _(
                    "Donation created: %(donated)d devices given to an association under their "
                    "donation agreement, their receipt confirmed."
                )
                % {"donated": created["donated"]}
            )
        if any(created[key] for key in DELIVERY_COUNTS):
            lines.append(
                _(
                    "Deliveries created: %(deliveries)d, with their delivery notes; admissions: "
                    "%(admissions)d (devices delivered: %(delivered)d, refused at the door: "
                    "%(refused_at_the_door)d); Factur-X invoices: %(invoices)d."
                )
                % {key: created[key] for key in DELIVERY_COUNTS}
            )
        return "\n".join(lines)

    def logins_table(self, report: SeedReport) -> str:
        header = (_("Organisation"), _("Kind"), _("Username"), _("Role"))
        rows = [header] + [
            (login.organisation, login.kind, login.username, login.role) for login in report.logins
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * width for width in widths))
        return "\n".join(line.rstrip() for line in lines)
