from django.core.management.base import BaseCommand, no_translations
from django.utils.translation import gettext as _

from organisations.demo import DEMO_PASSWORD, SeedReport, seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo territory (Grand-Orly Seine Bièvre): its 24 communes, three partners, "
        "four buyers, two users for each, and a few hundred declared devices. Running it again "
        "changes nothing. Prints the demo logins."
    )

    # Like Django's own commands, this one speaks English to operators, whatever LANGUAGE_CODE.
    @no_translations
    def handle(self, *args, **options) -> None:
        report = seed_demo()
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
        return _(
            "Demo data created: %(organisations)d organisations, %(sites)d sites, "
            "%(users)d users, %(memberships)d memberships, %(devices)d devices in "
            "%(declarations)d declarations, %(withdrawals)d of them withdrawn."
        ) % {
            key: created[key]
            for key in (
                "organisations",
                "sites",
                "users",
                "memberships",
                "devices",
                "declarations",
                "withdrawals",
            )
        }

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
