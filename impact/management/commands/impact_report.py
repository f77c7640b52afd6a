"""``impact_report``: the indicators of a scope and a period, as JSON or CSV; with --record,
kept as an impact report with the version of the factors it used."""

from __future__ import annotations

import datetime
import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.errors import ApplicationError
from impact import permissions, selectors, services
from impact.exports import indicators_csv
from organisations.models import Organisation
from organisations.permissions import organisations_of


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from error


class Command(BaseCommand):
    help = (
        "Print the impact indicators of an organisation's scope (the territory's slug for the "
        "whole territory) over a period, as JSON or CSV. With --record USERNAME, keep them as "
        "an impact report made by that user, with the version of the factors in force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scope", required=True, help="The organisation's short name (slug).")
        parser.add_argument("--from", dest="start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", required=True, help="Last day, YYYY-MM-DD.")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--record", metavar="USERNAME", help="Keep the report, made by them.")

    def handle(self, *args, scope: str, start: str, end: str, **options) -> None:
        organisation = Organisation.objects.filter(slug=scope).first()
        if organisation is None:
            raise CommandError(f"No organisation {scope!r}.")
        first, last = _day(start), _day(end)
        if last < first:
            raise CommandError("--to comes after --from.")
        if options["record"]:
            user = get_user_model().objects.filter(username=options["record"]).first()
            if user is None:
                raise CommandError(f"No user {options['record']!r}.")
            viewer = next(
                (
                    candidate
                    for candidate in organisations_of(user)
                    if permissions.may_view_indicators(candidate, scope_organisation=organisation)
                ),
                None,
            )
            if viewer is None:
                raise CommandError(f"{user.get_username()} may not read {scope!r}'s indicators.")
            try:
                report = services.impact_report_record(
                    user=user, viewer=viewer, organisation=organisation, start=first, end=last
                )
            except ApplicationError as error:
                raise CommandError(error.message) from error
            figures = report.figures
            self.stderr.write(
                f"Impact report {report.pk} recorded (factors v{figures['factor_version']})."
            )
        else:
            figures = selectors.indicators(
                organisation=organisation,
                period=selectors.Period(first, last),
                version=selectors.factor_version_current(),
            )
        if options["format"] == "csv":
            self.stdout.write(indicators_csv(figures), ending="")
        else:
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
