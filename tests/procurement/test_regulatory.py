"""The regulatory figures a donation checks against are read from data/regulatory-targets.csv:
the value ceiling in force on a date and the flat values per category and age."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from common.errors import ValidationFailed
from procurement import regulatory
from procurement.regulatory import donation_flat_values, donation_value_ceiling, flat_value_of
from procurement.services.donations import donation_create

HEADER = "rule,scope,year_from,value,unit,text,status\n"


@pytest.fixture
def data_file(tmp_path, monkeypatch):
    """Replace the data file by the rows given, for one test."""

    def _write(rows: str):
        path = tmp_path / "regulatory-targets.csv"
        path.write_text(HEADER + rows, encoding="utf-8")
        monkeypatch.setattr(regulatory, "REGULATORY_FILE", path)
        regulatory.figures.cache_clear()

    yield _write
    regulatory.figures.cache_clear()


def test_the_shipped_data_sets_300_euros_a_unit_and_200_euros_a_recent_laptop():
    ceiling = donation_value_ceiling(datetime.date(2026, 5, 1))
    assert (ceiling.value, ceiling.year_from, ceiling.text) == (
        Decimal("300"),
        2022,
        "Art. D3212-3 CG3P (décret n° 2022-791 du 6 mai 2022)",
    )
    assert donation_value_ceiling(datetime.date(2021, 12, 31)) is None
    [flat] = donation_flat_values(datetime.date(2026, 5, 1))
    assert (flat.category, flat.max_age_years, flat.amount) == ("laptop", 5, Decimal("200"))
    assert donation_flat_values(datetime.date(2023, 12, 31)) == []


@pytest.mark.parametrize(
    ("category", "purchase_date", "expected"),
    [
        ("laptop", datetime.date(2021, 6, 2), Decimal("200")),
        ("laptop", datetime.date(2021, 6, 1), Decimal("0.00")),  # five years old that day
        ("laptop", None, Decimal("0.00")),  # age unknown
        ("desktop", datetime.date(2025, 1, 1), Decimal("0.00")),  # not in the data
        ("tablet", datetime.date(2025, 1, 1), Decimal("0.00")),
    ],
)
def test_the_flat_value_counts_a_laptop_under_five_years_old_only(
    category, purchase_date, expected
):
    day = datetime.date(2026, 6, 1)
    assert flat_value_of(category=category, purchase_date=purchase_date, day=day) == expected


def test_the_data_not_the_code_sets_the_figures(data_file):
    data_file(
        "donation_value_ceiling,cession,2022,300,EUR per unit,Décret 2022,verified\n"
        "donation_value_ceiling,cession,2026,250,EUR per unit,Décret 2026,verified\n"
        "donation_flat_value,laptop under 5 years old donated,2024,200,EUR per unit,A,verified\n"
        "donation_flat_value,tablet under 3 years old donated,2025,90,EUR per unit,B,verified\n"
    )

    assert donation_value_ceiling(datetime.date(2025, 12, 31)).value == Decimal("300")
    assert donation_value_ceiling(datetime.date(2026, 1, 1)).value == Decimal("250")
    day = datetime.date(2026, 6, 1)
    recent = datetime.date(2025, 1, 1)
    assert flat_value_of(category="tablet", purchase_date=recent, day=day) == Decimal("90")
    assert flat_value_of(category="laptop", purchase_date=recent, day=day) == Decimal("200")


def test_a_flat_value_row_naming_no_category_is_a_configuration_error(data_file):
    data_file("donation_flat_value,anything donated,2024,200,EUR per unit,A,verified\n")

    with pytest.raises(ImproperlyConfigured):
        donation_flat_values(datetime.date(2026, 1, 1))


@pytest.mark.django_db
def test_a_donation_is_refused_above_the_ceiling_the_data_sets(
    data_file, parties, partner_user, ready_devices
):
    partner, buyer = parties
    devices = ready_devices(1)
    data_file("donation_value_ceiling,cession,2022,150,EUR per unit,Texte de test,verified\n")

    with pytest.raises(ValidationFailed) as refusal:
        donation_create(
            donor=partner, user=partner_user, beneficiary=buyer, values={devices[0].code: "160"}
        )

    assert "150,00 €" in refusal.value.message
    assert "Texte de test" in refusal.value.message
