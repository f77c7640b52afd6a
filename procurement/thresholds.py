"""The thresholds of public procurement, kept as data with their dates of effect.

``data/procurement-thresholds.csv`` holds them, each with the text that sets it and its source
(``data/REFERENCE.md`` says more). The one rule read here is the threshold below which a
contract for supplies may be passed without publicity nor competition (Code de la commande
publique, R2122-8): a campaign's page warns the coordinator when the groupement's spend with
one partner for one category over the year would pass the one in force.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.conf import settings

THRESHOLDS_FILE = settings.BASE_DIR / "data" / "procurement-thresholds.csv"
NO_PUBLICITY_RULE = "r2122_8_no_publicity"


@dataclass(frozen=True)
class Threshold:
    """An amount excl. VAT in force from ``effective_from`` to ``effective_until`` (included;
    ``None``: until further notice), with the text that sets it."""

    rule: str
    amount_excl_vat: Decimal
    effective_from: datetime.date
    effective_until: datetime.date | None
    text: str
    source: str

    def in_force_on(self, day: datetime.date) -> bool:
        return self.effective_from <= day and (
            self.effective_until is None or day <= self.effective_until
        )


@cache
def thresholds() -> tuple[Threshold, ...]:
    """Every threshold of the data file, in its order."""
    with THRESHOLDS_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            Threshold(
                rule=row["rule"],
                amount_excl_vat=Decimal(row["amount_excl_vat"]),
                effective_from=datetime.date.fromisoformat(row["effective_from"]),
                effective_until=(
                    datetime.date.fromisoformat(row["effective_until"])
                    if row["effective_until"]
                    else None
                ),
                text=row["text"],
                source=row["source"],
            )
            for row in csv.DictReader(handle)
        )


def threshold_on(day: datetime.date, rule: str = NO_PUBLICITY_RULE) -> Threshold | None:
    """The threshold of ``rule`` in force on ``day``, or ``None`` before the first one the
    data holds (2020)."""
    for threshold in thresholds():
        if threshold.rule == rule and threshold.in_force_on(day):
            return threshold
    return None
