"""The regulatory figures a donation checks against, kept as data with their years of effect.

``data/regulatory-targets.csv`` holds them, each with the text that sets it (``data/REFERENCE.md``
says more). Two rules are read here:

- ``donation_value_ceiling``: the most a device given away free by a public body may be worth
  (CG3P art. L3212-2 3° and D3212-3: 300 € a unit since 2022); a donation valuing a device
  above the ceiling in force on its date is refused.
- ``donation_flat_value``: what a device donated counts for in its beneficiary's AGEC purchase
  share (arrêté of 29 February 2024: 200 € a laptop under five years old). Each row's scope
  names its category and its age limit (« laptop under 5 years old … »): a category that no row
  names counts for nothing.

A row is in force from the first of January of its ``year_from`` until the next row of the
same rule (and scope).
"""

from __future__ import annotations

import csv
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from inventory.choices import DeviceCategory

REGULATORY_FILE = settings.BASE_DIR / "data" / "regulatory-targets.csv"
CEILING_RULE = "donation_value_ceiling"
FLAT_VALUE_RULE = "donation_flat_value"
# « laptop under 5 years old donated (counts toward AGEC share) »
_FLAT_SCOPE = re.compile(r"^(?P<category>[a-z_]+) under (?P<years>\d+) years? old\b")


@dataclass(frozen=True)
class RegulatoryFigure:
    """One row of the data file: a rule's value from a year on, with the text that sets it."""

    rule: str
    scope: str
    year_from: int
    value: Decimal
    unit: str
    text: str
    status: str


@dataclass(frozen=True)
class FlatValue:
    """What a donated device of ``category`` younger than ``max_age_years`` counts for."""

    category: str
    max_age_years: int
    amount: Decimal
    figure: RegulatoryFigure


@cache
def figures() -> tuple[RegulatoryFigure, ...]:
    """Every row of the data file, in its order."""
    with REGULATORY_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            RegulatoryFigure(
                rule=row["rule"],
                scope=row["scope"],
                year_from=int(row["year_from"]),
                value=Decimal(row["value"]),
                unit=row["unit"],
                text=row["text"],
                status=row["status"],
            )
            for row in csv.DictReader(handle)
        )


def _in_force(rule: str, day: datetime.date) -> list[RegulatoryFigure]:
    """The rows of ``rule`` in force on ``day``: per scope, the latest that started by then."""
    latest: dict[str, RegulatoryFigure] = {}
    for figure in figures():
        if figure.rule != rule or figure.year_from > day.year:
            continue
        current = latest.get(figure.scope)
        if current is None or figure.year_from >= current.year_from:
            latest[figure.scope] = figure
    return list(latest.values())


def donation_value_ceiling(day: datetime.date) -> RegulatoryFigure | None:
    """The ceiling of a donated device's value in force on ``day`` (``None`` before the first
    the data holds: no ceiling is known, and no donation is accepted)."""
    in_force = _in_force(CEILING_RULE, day)
    return max(in_force, key=lambda figure: figure.year_from) if in_force else None


def donation_flat_values(day: datetime.date) -> list[FlatValue]:
    """The flat values in force on ``day``, one per category and age limit."""
    values = []
    for figure in _in_force(FLAT_VALUE_RULE, day):
        match = _FLAT_SCOPE.match(figure.scope)
        if match is None or match["category"] not in DeviceCategory.values:
            raise ImproperlyConfigured(
                f"{REGULATORY_FILE.name}: the scope of a {FLAT_VALUE_RULE} row names no device "
                f"category and age: {figure.scope!r}."
            )
        values.append(
            FlatValue(
                category=match["category"],
                max_age_years=int(match["years"]),
                amount=figure.value,
                figure=figure,
            )
        )
    return values


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def flat_value_of(
    *, category: str, purchase_date: datetime.date | None, day: datetime.date
) -> Decimal:
    """What one device donated on ``day`` counts for in the AGEC purchase share: the flat
    value of its category when it was bought less than the limit's years before ``day``;
    nothing for another category, nor for a device whose purchase date is unknown (its age
    cannot be shown)."""
    for value in donation_flat_values(day):
        if (
            value.category == category
            and purchase_date is not None
            and purchase_date > _years_before(day, value.max_age_years)
        ):
            return value.amount
    return Decimal("0.00")
