"""Every indicator on the small loop of 2025 (tests/impact/conftest.py), its values computed
by hand here; scopes that do not leak; queries that do not grow with the devices."""

from __future__ import annotations

import datetime

import pytest

from impact.selectors import Period, factor_version_current, indicators

YEAR = Period.year(2025)


def figures(organisation, period=YEAR):
    return indicators(organisation=organisation, period=period, version=factor_version_current())


def test_a_commune_counts_its_devices_at_each_step_by_category_and_by_month(loop_2025, commune):
    # when
    result = figures(commune)

    # then: L2's second claim counts it once; Arcueil's laptop is not Cachan's
    assert result["scope"] == "commune"
    assert result["totals"] == {
        "declared": 5,
        "claimed": 4,
        "collected": 4,
        "ready": 3,
        "delivered": 3,
        "donated": 0,
        "recycled": 1,
        "withdrawn": 1,
    }
    assert result["by_category"]["declared"] == {"laptop": 3, "monitor": 1, "desktop": 1}
    assert result["by_category"]["claimed"] == {"laptop": 2, "monitor": 1, "desktop": 1}
    assert result["by_category"]["delivered"] == {"laptop": 2, "monitor": 1}
    assert result["by_month"] == {
        "2025-01": {"declared": 2, "claimed": 2, "collected": 2},
        "2025-02": {"declared": 1, "claimed": 1, "collected": 1, "ready": 2},
        "2025-03": {
            "declared": 2,
            "claimed": 1,
            "collected": 1,
            "ready": 1,
            "delivered": 2,
            "recycled": 1,
            "withdrawn": 1,
        },
        "2025-04": {"delivered": 1},
    }
    # L1 50 days, L2 60, M1 70
    assert result["reused"] == 3
    assert result["median_days_to_reuse"] == "60.0"


def test_avoided_e_waste_and_emissions_as_a_range_with_their_sensitivity(loop_2025, commune):
    # given: 2 laptops (low 170.3, high 170.3 + 12.3 + 2.8 = 185.4 kg CO2e, 2.26 kg) and
    # 1 monitor (low 64.6, high 64.6 + 1.3 + 3.9 = 69.8, 5.0 kg) reused; displacement 0.5
    # low = 2 × 170.3 + 64.6 = 405.2; high = 2 × 185.4 + 69.8 = 440.6

    # when
    avoided = figures(commune)["avoided"]

    # then
    assert avoided == {
        "ewaste_kg": "9.5",  # 2 × 2.26 + 5.0 = 9.52
        "co2e_low_kg": "202.6",  # 405.2 × 0.5
        "co2e_high_kg": "220.3",  # 440.6 × 0.5
        "displacement_rate": "0.50",
        "sensitivity": [
            {"displacement_rate": "0.3", "co2e_low_kg": "121.6", "co2e_high_kg": "132.2"},
            {"displacement_rate": "0.7", "co2e_low_kg": "283.6", "co2e_high_kg": "308.4"},
        ],
        "devices_without_factor": 0,
    }


def test_the_territory_sees_every_commune_and_the_communes_add_up(loop_2025, territory):
    # when
    result = figures(territory)

    # then: A1 took 116 days; median of 50, 60, 70, 116
    assert result["totals"]["declared"] == 6
    assert result["totals"]["delivered"] == 4
    assert result["median_days_to_reuse"] == "65.0"
    assert [(row["name"], row["reused"]) for row in result["by_commune"]] == [
        ("Arcueil", 1),
        ("Cachan", 3),
    ]
    # each device's avoided emissions on one line: Cachan's 405.2 + Arcueil's 170.3 (× 0.5)
    assert result["by_commune"][1]["avoided"]["co2e_low_kg"] == "202.6"
    assert result["by_commune"][0]["avoided"]["co2e_low_kg"] == "85.2"  # 85.15 rounded up
    assert result["avoided"]["co2e_low_kg"] == "287.8"  # 575.5 × 0.5 = 287.75


def test_a_partner_counts_what_it_did_and_a_buyer_what_it_received(loop_2025, partner, buyer):
    # when
    of_partner = figures(partner)
    of_buyer = figures(buyer)

    # then: the partner worked on both communes' devices; these deliveries are not its own
    assert of_partner["totals"] == {
        "declared": 0,
        "claimed": 5,
        "collected": 5,
        "ready": 4,
        "delivered": 0,
        "donated": 0,
        "recycled": 1,
        "withdrawn": 0,
    }
    assert of_buyer["totals"]["delivered"] == 4
    assert of_buyer["totals"]["declared"] == 0
    assert of_buyer["reused"] == 4


def test_a_period_counts_only_its_own_events(loop_2025, commune):
    # when: February 2025
    result = figures(commune, Period(datetime.date(2025, 2, 1), datetime.date(2025, 2, 28)))

    # then
    assert result["totals"] == {
        "declared": 1,
        "claimed": 1,
        "collected": 1,
        "ready": 2,
        "delivered": 0,
        "donated": 0,
        "recycled": 0,
        "withdrawn": 0,
    }
    assert result["median_days_to_reuse"] is None
    assert result["avoided"]["co2e_high_kg"] == "0.0"


def test_a_commune_sees_nothing_of_another_commune(loop_2025, other_commune):
    # when
    result = figures(other_commune)

    # then: only A1
    assert result["totals"] == {
        "declared": 1,
        "claimed": 1,
        "collected": 1,
        "ready": 1,
        "delivered": 1,
        "donated": 0,
        "recycled": 0,
        "withdrawn": 0,
    }
    assert result["by_category"]["declared"] == {"laptop": 1}
    assert result["states_now"] == {"declared": 1}
    assert "by_commune" not in result


def test_the_current_states_come_from_the_device_counts(loop_2025, commune, territory):
    # the synthetic histories leave every device declared (its counts kept by the services)
    assert figures(commune)["states_now"] == {"declared": 5}
    assert figures(territory)["states_now"] == {"declared": 6}


def test_the_queries_do_not_grow_with_the_devices(
    loop_2025, declare, territory, django_assert_num_queries
):
    # given
    version = factor_version_current()
    with django_assert_num_queries(5):
        indicators(organisation=territory, period=YEAR, version=version)

    # when: ten more devices
    declare(10, category="tablet")

    # then
    with django_assert_num_queries(5):
        indicators(organisation=territory, period=YEAR, version=version)


@pytest.mark.parametrize("kind", ["commune", "partner", "buyer"])
def test_each_scope_costs_a_few_queries(loop_2025, kind, request, django_assert_max_num_queries):
    # the median's query is skipped when nothing was reused (the partner's, here)
    organisation = request.getfixturevalue(kind)
    version = factor_version_current()
    with django_assert_max_num_queries(4):
        indicators(organisation=organisation, period=YEAR, version=version)


@pytest.mark.parametrize("kind", ["territory", "commune", "partner", "buyer"])
def test_a_period_of_days_counts_the_events_as_the_months_count_them(loop_2025, kind, request):
    # given: the same events, from 15 December 2024 (nothing before January) to 31 March,
    # read from the events, and from 1 January, read from the monthly step counts
    organisation = request.getfixturevalue(kind)
    of_days = Period(datetime.date(2024, 12, 15), datetime.date(2025, 3, 31))
    of_months = Period(datetime.date(2025, 1, 1), datetime.date(2025, 3, 31))

    # when
    from_events = figures(organisation, of_days)
    from_counts = figures(organisation, of_months)

    # then
    from_events.pop("period")
    from_counts.pop("period")
    assert from_events == from_counts
    assert sum(from_counts["totals"].values()) >= 2  # the buyer's two deliveries, at least
