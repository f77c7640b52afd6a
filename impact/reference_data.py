"""The first version of the impact factors and targets, read from Boucle's own ``data/``.

``data/impact-factors.csv`` gives per category the footprint of a new device in four parts
(manufacture, distribution, end of life, use per year; kg CO2e) and its typical weight.
Boucle keeps two footprints, the range its reports print:

- **low** = manufacture only: what a reuse surely spares;
- **high** = manufacture + distribution + end of life: the whole embodied footprint of the new
  device a reuse spares, its disposal included.

Use is left out of both: a reused device is used as a new one would be. The categories the
ADEME data does not split (printer, projector, accessory: the Restart Project's one figure)
have low = high. ``data/REFERENCE.md`` cites every source; ``data/regulatory-targets.csv``
gives the targets (the REEN reuse rate and the AGEC purchase share).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.apps import apps as global_apps

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
FACTORS_FILE = DATA_DIR / "impact-factors.csv"
TARGETS_FILE = DATA_DIR / "regulatory-targets.csv"

# The Restart Project's displacement factor (data/REFERENCE.md, "Environmental impact").
DISPLACEMENT_RATE = Decimal("0.5")
# Written in French, as the pages and reports show them.
DISPLACEMENT_SOURCE = "The Restart Project, table ouverte des catégories (restarters.net)"
SOURCES = (
    "Empreintes : ADEME et Arcep (2022), évaluation de l’impact environnemental du numérique "
    "en France, publiée dans le jeu de données ouvert Impact CO2 de l’ADEME ; poids, et "
    "empreintes des imprimantes, vidéoprojecteurs et accessoires : table ouverte des "
    "catégories du Restart Project ; objectifs : décret n° 2023-266 (taux de réemploi REEN) "
    "et décret n° 2024-134 (part d’achats AGEC). Voir data/REFERENCE.md."
)
NOTE = "Chargée depuis data/impact-factors.csv et data/regulatory-targets.csv."
TARGET_RULES = ("reen_reuse_rate", "agec_purchase_share")


@dataclass(frozen=True)
class Factor:
    category: str
    footprint_low_kgco2e: Decimal
    footprint_high_kgco2e: Decimal
    weight_kg: Decimal
    footprint_source: str
    weight_source: str


@dataclass(frozen=True)
class Target:
    rule: str
    year_from: int
    value_percent: Decimal
    text: str


def _number(value: str) -> Decimal:
    return Decimal(value) if value.strip() else Decimal("0")


def reference_factors(path: Path = FACTORS_FILE) -> list[Factor]:
    """Each category's factors, low and high derived as the module says."""
    factors = []
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            manufacture = _number(row["manufacture_kgco2e"])
            factors.append(
                Factor(
                    category=row["category"],
                    footprint_low_kgco2e=manufacture,
                    footprint_high_kgco2e=manufacture
                    + _number(row["distribution_kgco2e"])
                    + _number(row["end_of_life_kgco2e"]),
                    weight_kg=_number(row["typical_weight_kg"]),
                    footprint_source=row["footprint_source"],
                    weight_source=row["weight_source"],
                )
            )
    return factors


def reference_targets(path: Path = TARGETS_FILE) -> list[Target]:
    """The reuse-rate and purchase-share targets, by year they apply from."""
    with path.open(encoding="utf-8", newline="") as file:
        return [
            Target(
                rule=row["rule"],
                year_from=int(row["year_from"]),
                value_percent=Decimal(row["value"]),
                text=row["text"],
            )
            for row in csv.DictReader(file)
            if row["rule"] in TARGET_RULES
        ]


def install_first_version(
    version_model, factor_model, target_model, *, using: str = "default"
) -> None:
    """Record the factors and targets of ``data/`` as version 1, unless a version exists: what
    the migration ``impact.0002_reference_factors`` does, with the models it is given (the
    migration's historical ones, or those of the state after a ``migrate``)."""
    if version_model.objects.using(using).exists():
        return
    version = version_model.objects.using(using).create(
        number=1,
        displacement_rate=DISPLACEMENT_RATE,
        displacement_source=DISPLACEMENT_SOURCE,
        source=SOURCES,
        note=NOTE,
    )
    factor_model.objects.using(using).bulk_create(
        factor_model(version=version, **vars(factor)) for factor in reference_factors()
    )
    target_model.objects.using(using).bulk_create(
        target_model(version=version, **vars(target)) for target in reference_targets()
    )


def install_after_migrate(sender, *, apps=global_apps, using: str = "default", **kwargs) -> None:
    """``post_migrate`` receiver: the first version again wherever none is left, so that a
    territory always has impact factors, even after ``manage.py flush`` (which a test run
    does after each test that commits): ``migrate`` gives the models of its final state, a
    flush none, the application's."""
    try:
        models = [
            apps.get_model("impact", name)
            for name in ("FactorVersion", "CategoryFactor", "RegulatoryTarget")
        ]
    except LookupError:  # migrated back to before the impact tables
        return
    install_first_version(*models, using=using)
