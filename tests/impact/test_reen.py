"""The REEN reuse rate (décret 2023-266) of a commune and a year, with its exclusions and its
"sans objet", on the loop of 2025 and a few devices declared in 2024."""

from __future__ import annotations

import datetime
import time
from unittest import mock

from impact.selectors import (
    REEN_DASHBOARD_SECONDS,
    factor_version_current,
    reen_rate,
    reen_rates,
    reen_rates_recent,
)
from inventory.choices import EventKind
from tests.impact.conftest import history


def rate(commune, year):
    return reen_rate(commune=commune, year=year, version=factor_version_current())


def test_the_rate_of_2025_with_its_exclusions(loop_2025, declare, commune, partner, buyer):
    # given, besides the loop (L1, L2, M1 delivered in 2025; D1 recycled; W1 withdrawn in
    # 2025, so back in use and out):
    people = {"commune": commune, "partner": partner, "buyer": buyer}
    (sensitive,) = declare(1, category="laptop", holds_sensitive_data=True)
    history(sensitive, (2024, 6, 1), [(EventKind.DELIVERED, (2025, 6, 1))], **people)
    (too_old,) = declare(1, category="laptop", purchase_date=datetime.date(2014, 12, 31))
    history(too_old, (2024, 11, 1), [], **people)
    (ten_years,) = declare(1, category="laptop", purchase_date=datetime.date(2015, 1, 1))
    history(ten_years, (2024, 12, 1), [], **people)
    (gone,) = declare(1, category="laptop")
    history(gone, (2024, 5, 1), [(EventKind.RECYCLED, (2024, 7, 1))], **people)

    # when
    result = rate(commune, 2025)

    # then: B = L1, L2, M1, D1 and the ten-year-old one (exactly ten: kept); A = L1, L2, M1
    assert result["retired"] == 5
    assert result["reused"] == 3
    assert result["excluded_too_old"] == 1
    assert result["excluded_sensitive"] == 1
    assert result["rate_percent"] == "60.0"
    assert result["target_percent"] == "50.00"
    assert result["target_text"] == "Décret n° 2023-266 du 12 avril 2023"
    assert result["reached"] is True


def test_without_retired_devices_the_rate_is_sans_objet(loop_2025, commune):
    # when: nothing was declared before 2024
    result = rate(commune, 2023)

    # then
    assert result["retired"] == 0
    assert result["rate_percent"] is None
    assert result["reached"] is None
    assert result["target_percent"] == "25.00"


def test_a_commune_rate_counts_only_its_own_devices(loop_2025, other_commune):
    # Arcueil's one laptop, delivered in 2025
    result = rate(other_commune, 2025)
    assert (result["retired"], result["reused"], result["rate_percent"]) == (1, 1, "100.0")


def test_the_stock_of_1_january_counts_what_was_still_there(
    loop_2025, declare, commune, partner, buyer
):
    # given: declared in 2024, delivered in 2025; the next year it is gone
    (laptop,) = declare(1, category="laptop")
    history(
        laptop,
        (2024, 3, 1),
        [(EventKind.DELIVERED, (2025, 1, 20))],
        commune=commune,
        partner=partner,
        buyer=buyer,
    )

    # then: in 2024 it was retired and not reused; in 2026 nothing is left in stock
    assert (rate(commune, 2024)["retired"], rate(commune, 2024)["reused"]) == (1, 0)
    assert rate(commune, 2024)["rate_percent"] == "0.0"
    assert rate(commune, 2024)["target_percent"] == "35.00"
    assert rate(commune, 2026)["retired"] == 0
    assert rate(commune, 2026)["rate_percent"] is None


def test_one_query_per_commune(loop_2025, commune, django_assert_num_queries):
    version = factor_version_current()
    with django_assert_num_queries(3):  # the counts, the target, the communes
        reen_rate(commune=commune, year=2025, version=version)


def test_every_commune_at_once_in_three_queries(
    loop_2025, declare, commune, other_commune, django_assert_num_queries
):
    version = factor_version_current()
    with django_assert_num_queries(3):
        rates = reen_rates(year=2025, version=version)
    assert [(row["commune"]["name"], row["retired"], row["reused"]) for row in rates] == [
        ("Arcueil", 1, 1),
        ("Cachan", 4, 3),
    ]


def test_the_dashboards_keep_the_rates_for_five_minutes_then_compute_them_again(
    loop_2025, declare, commune, partner, buyer
):
    # given: the rates a dashboard showed
    version = factor_version_current()
    shown = reen_rates_recent(year=2025, version=version)
    cachan = next(row for row in shown.rates if row["commune"]["pk"] == commune.pk)

    # when: one more laptop of Cachan's, declared in 2024, is delivered in 2025
    (laptop,) = declare(1, category="laptop")
    history(
        laptop,
        (2024, 6, 1),
        [(EventKind.DELIVERED, (2025, 6, 1))],
        commune=commune,
        partner=partner,
        buyer=buyer,
    )
    within = reen_rates_recent(year=2025, version=version)
    with mock.patch("time.time", return_value=time.time() + REEN_DASHBOARD_SECONDS + 1):
        after = reen_rates_recent(year=2025, version=version)

    # then: the same rates and time within five minutes, the new ones after; the report's
    # own computation sees the laptop at once
    assert within == shown
    assert after.computed_at > shown.computed_at
    assert after.rates == reen_rates(year=2025, version=version)
    cachan_after = next(row for row in after.rates if row["commune"]["pk"] == commune.pk)
    assert (cachan_after["retired"], cachan_after["reused"]) == (
        cachan["retired"] + 1,
        cachan["reused"] + 1,
    )
