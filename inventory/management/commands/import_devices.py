"""``import_devices``: declare the devices of a CSV, XLSX or GLPI file for a commune, at once."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.errors import ApplicationError
from inventory.choices import ImportState
from inventory.imports.columns import normalise_label, parse_surplus_statuses
from inventory.imports.report import report_chunks
from inventory.imports.services import device_import_create
from inventory.models import DeviceImport
from organisations.choices import MembershipRole
from organisations.models import Organisation, Site
from organisations.selectors import organisation_by_code, organisation_members, organisation_sites

# Exit statuses, as the help states them.
IMPORTED = 0
NOT_IMPORTED = 1
BAD_INPUT = 2


class Command(BaseCommand):
    help = (
        "Declare every device of a CSV, XLSX or GLPI file for a commune, all or none. "
        "Exit status: 0 when the devices were imported (or, with --dry-run, when every row is "
        "valid); 1 when nothing was imported because rows were rejected (the report goes to "
        "--report) or because the same file was already imported; 2 for a missing or "
        "unreadable file or a bad argument. Prints one summary line. Like the report, it is in "
        "the active language: LANGUAGE_CODE from the command line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("The CSV or XLSX file to import."))
        parser.add_argument(
            "--organisation",
            required=True,
            metavar="CODE",
            help=_("The declaring commune: its INSEE code or its short name (slug)."),
        )
        parser.add_argument(
            "--site",
            default="",
            metavar="NAME",
            help=_("The commune's pickup site for the rows that name none."),
        )
        parser.add_argument(
            "--sheet",
            default="",
            metavar="NAME",
            help=_("The XLSX sheet to read (first one)."),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Check every row and write the report; import nothing."),
        )
        parser.add_argument(
            "--surplus-statuses",
            default="",
            metavar="WORDS",
            help=_(
                "The statuses meaning surplus, separated by commas (default: rebut, réforme, à "
                "réformer, hors service, surplus, déclassé)."
            ),
        )
        parser.add_argument(
            "--report",
            metavar="OUT.csv",
            help=_("Where to write the report of rejected rows (CSV), if there are any."),
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help=_(
                "The member of the commune who declares the devices (default: its first "
                "administrator, else its first member)."
            ),
        )

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(file)s") % {"file": path}, returncode=BAD_INPUT)
        report_path = Path(options["report"]) if options["report"] else None
        if report_path is not None and not report_path.parent.is_dir():
            raise CommandError(
                _("The folder of the report, %(folder)s, does not exist.")
                % {"folder": report_path.parent},
                returncode=BAD_INPUT,
            )
        commune = self.commune(options["organisation"])
        site = self.site(commune, options["site"]) if options["site"] else None
        user = self.user(commune, options["user"])

        try:
            file = path.open("rb")
        except OSError as error:
            raise CommandError(
                _("Unreadable file: %(file)s (%(error)s).")
                % {"file": path, "error": error.strerror or error},
                returncode=BAD_INPUT,
            ) from error
        started = time.perf_counter()
        with file:
            try:
                device_import = device_import_create(
                    user=user,
                    commune=commune,
                    file=file,
                    original_name=path.name,
                    size=os.path.getsize(path),
                    pickup_site=site,
                    sheet=options["sheet"],
                    dry_run=options["dry_run"],
                    surplus_statuses=parse_surplus_statuses(options["surplus_statuses"]),
                    run_now=True,
                )
            except ApplicationError as error:
                raise CommandError(error.message, returncode=BAD_INPUT) from error
        elapsed = time.perf_counter() - started

        status = self.conclude(device_import, path=path, report_path=report_path, elapsed=elapsed)
        if status != IMPORTED:
            raise SystemExit(status)

    # --- Arguments. ---

    def commune(self, code: str) -> Organisation:
        organisation = organisation_by_code(code)
        if organisation is None:
            raise CommandError(
                _("No organisation has the INSEE code or short name “%(code)s”.") % {"code": code},
                returncode=BAD_INPUT,
            )
        if not organisation.is_commune:
            raise CommandError(
                _("%(organisation)s is not a commune; only a commune declares devices.")
                % {"organisation": organisation.name},
                returncode=BAD_INPUT,
            )
        if not organisation.is_active:
            raise CommandError(
                _("%(commune)s is not active.") % {"commune": organisation.name},
                returncode=BAD_INPUT,
            )
        return organisation

    def site(self, commune: Organisation, name: str) -> Site:
        sites = list(organisation_sites(commune).filter(is_pickup=True, is_active=True))
        for site in sites:
            if normalise_label(site.name) == normalise_label(name):
                return site
        raise CommandError(
            _("%(commune)s has no pickup site named “%(name)s”; its pickup sites: %(sites)s.")
            % {
                "commune": commune.name,
                "name": name,
                "sites": ", ".join(site.name for site in sites) or _("none"),
            },
            returncode=BAD_INPUT,
        )

    def user(self, commune: Organisation, username: str | None):
        if username:
            membership = organisation_members(commune).filter(user__username=username).first()
            if membership is None:
                raise CommandError(
                    _("“%(username)s” is not a member of %(commune)s.")
                    % {"username": username, "commune": commune.name},
                    returncode=BAD_INPUT,
                )
            return membership.user
        # The first administrator, else the first member, in the order they joined.
        members = list(organisation_members(commune).order_by("pk"))
        admins = [membership for membership in members if membership.role == MembershipRole.ADMIN]
        chosen = (admins or members or [None])[0]
        if chosen is None:
            raise CommandError(
                _("%(commune)s has no member to declare the devices; give --user.")
                % {"commune": commune.name},
                returncode=BAD_INPUT,
            )
        return chosen.user

    # --- The outcome. ---

    def conclude(
        self,
        device_import: DeviceImport,
        *,
        path: Path,
        report_path: Path | None,
        elapsed: float,
    ) -> int:
        """Print the summary line and copy the report; return the exit status."""
        name = path.name
        state = device_import.state
        if state == ImportState.IMPORTED:
            self.stdout.write(
                self.style.SUCCESS(
                    ngettext(
                        "Imported %(count)d device into %(commune)s from %(file)s "
                        "(declaration %(declaration)s) in %(seconds).1f s.",
                        "Imported %(count)d devices into %(commune)s from %(file)s "
                        "(declaration %(declaration)s) in %(seconds).1f s.",
                        device_import.rows_valid,
                    )
                    % {
                        "count": device_import.rows_valid,
                        "commune": device_import.commune.name,
                        "file": name,
                        "declaration": device_import.declaration_id,
                        "seconds": elapsed,
                    }
                )
            )
            return IMPORTED
        if state == ImportState.VALID:
            self.stdout.write(
                self.style.SUCCESS(
                    ngettext(
                        "Dry run: the %(count)d row of %(file)s is valid; nothing imported.",
                        "Dry run: all %(count)d rows of %(file)s are valid; nothing imported.",
                        device_import.rows_valid,
                    )
                    % {"count": device_import.rows_valid, "file": name}
                )
            )
            return IMPORTED
        if state == ImportState.REJECTED:
            self.stdout.write(
                self.style.ERROR(self.rejection(device_import, name=name, report_path=report_path))
            )
            return NOT_IMPORTED
        if state == ImportState.ALREADY_IMPORTED:
            self.stdout.write(
                self.style.WARNING(
                    _("Already imported: %(message)s") % {"message": device_import.message}
                )
            )
            return NOT_IMPORTED
        if state == ImportState.UNREADABLE:
            self.stdout.write(
                self.style.ERROR(
                    _("Unreadable file: %(file)s: %(message)s")
                    % {"file": name, "message": device_import.message}
                )
            )
            return BAD_INPUT
        # A synchronous import ends in one of the states above, or raises; be plain otherwise.
        self.stdout.write(
            self.style.ERROR(
                _("Not imported (%(state)s): %(message)s")
                % {"state": device_import.get_state_display(), "message": device_import.message}
            )
        )
        return NOT_IMPORTED

    def rejection(self, device_import: DeviceImport, *, name: str, report_path: Path | None) -> str:
        if report_path is not None:
            with report_path.open("wb") as out:
                for chunk in report_chunks(device_import):
                    out.write(chunk)
        problems = ngettext(
            "%(errors)d problem", "%(errors)d problems", device_import.error_count
        ) % {"errors": device_import.error_count}
        if device_import.rows_read and device_import.rows_rejected:
            where = ngettext(
                "on %(rejected)d of %(rows)d row",
                "on %(rejected)d of %(rows)d rows",
                device_import.rows_read,
            ) % {"rejected": device_import.rows_rejected, "rows": device_import.rows_read}
        else:
            # No row to point at (a missing column, no device at all): say what the first is.
            first = device_import.rejections[0]
            where = _("(first: %(problem)s)") % {
                "problem": " — ".join(
                    part for part in (first["column"], first["reason"].rstrip(".")) if part
                )
            }
        tail = (
            _("report: %(report)s") % {"report": report_path}
            if report_path is not None
            else _("give --report OUT.csv for the list")
        )
        return _("Rejected %(file)s: %(problems)s %(where)s; nothing imported; %(tail)s") % {
            "file": name,
            "problems": problems,
            "where": where,
            "tail": tail,
        }
