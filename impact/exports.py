"""The AGEC annual declaration (art. 58, décret 2024-134) as a file ready to file: one line per
buyer, the columns ``data/REFERENCE.md`` cites, amounts excl. VAT as a French spreadsheet
reads them (``;``, decimal commas; a name never runs as a formula), the donations received at
their flat values.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from impact.selectors import agec_declaration_rows
from inventory.tabular import csv_cell

DECLARATION_COLUMNS = (
    ("siret", "siret"),
    ("raison_sociale", "name"),
    ("annee", "year"),
    ("depense_totale_ht", "total_excl_vat"),
    ("depense_reemploi_ht", "reuse_excl_vat"),
    ("dons_valeur_forfaitaire", "donations_flat_value"),
    ("depense_matieres_recyclees_ht", "recycled_content_excl_vat"),
)


def declaration_csv(*, year: int) -> str:
    """The declaration of ``year`` for every buyer that declared its spend."""
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow([header for header, _key in DECLARATION_COLUMNS])
    for row in agec_declaration_rows(year=year):
        writer.writerow(
            [
                csv_cell(value.quantize(Decimal("0.01")) if isinstance(value, Decimal) else value)
                for value in (row[key] for _header, key in DECLARATION_COLUMNS)
            ]
        )
    return output.getvalue()


INDICATOR_COLUMNS = ("indicateur", "categorie", "mois", "valeur")


def indicators_rows(figures: dict) -> list[tuple[str, str, str, object]]:
    """The indicators of :func:`impact.selectors.indicators` as long rows (indicator,
    category, month, value), what a spreadsheet pivots."""
    rows: list[tuple[str, str, str, object]] = []
    for kind, counts in figures["by_category"].items():
        rows.extend((kind, category, "", count) for category, count in sorted(counts.items()))
    for month, counts in figures["by_month"].items():
        rows.extend((kind, "", month, count) for kind, count in counts.items())
    avoided = figures["avoided"]
    rows.append(("reused", "", "", figures["reused"]))
    rows.append(("median_days_to_reuse", "", "", figures["median_days_to_reuse"] or ""))
    for key in ("ewaste_kg", "co2e_low_kg", "co2e_high_kg", "displacement_rate"):
        rows.append((key, "", "", Decimal(avoided[key])))
    for row in avoided["sensitivity"]:
        rate = row["displacement_rate"]
        rows.append((f"co2e_low_kg@{rate}", "", "", Decimal(row["co2e_low_kg"])))
        rows.append((f"co2e_high_kg@{rate}", "", "", Decimal(row["co2e_high_kg"])))
    rows.append(("factor_version", "", "", figures["factor_version"]))
    return rows


def indicators_csv(figures: dict) -> str:
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow(INDICATOR_COLUMNS)
    for row in indicators_rows(figures):
        writer.writerow([csv_cell(value) for value in row])
    return output.getvalue()
