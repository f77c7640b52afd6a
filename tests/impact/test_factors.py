"""The factors as versioned data: the first version from data/, a new one published by the
territory's administrators only, and reports that keep the version they used."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from common.errors import PermissionDenied, ValidationFailed
from impact.models import CategoryFactor, FactorVersion, ImpactReport
from impact.selectors import factor_version_current
from impact.services import factor_version_publish, impact_report_record
from organisations.choices import MembershipRole
from tests.conftest import member


def publish(user, organisation, **overrides):
    arguments = {
        "displacement_rate": Decimal("0.30"),
        "displacement_source": "Étude 2026",
        "source": "ADEME 2026",
        "factors": {"laptop": {"footprint_low_kgco2e": Decimal("150")}},
        "targets": {},
    }
    arguments.update(overrides)
    return factor_version_publish(user=user, organisation=organisation, **arguments)


@pytest.mark.django_db(transaction=True)
def test_the_first_version_comes_back_when_a_flush_empties_the_tables():
    # given: the tables emptied, as a test that commits leaves them
    call_command("flush", interactive=False, inhibit_post_migrate=True)
    assert not FactorVersion.objects.exists()

    # when: the flush that runs the post-migrate handlers, as after every migrate
    call_command("flush", interactive=False)

    # then
    version = factor_version_current()
    assert version.number == 1
    assert version.factors.count() == CategoryFactor.objects.count() > 0


@pytest.mark.django_db
def test_the_first_version_is_loaded_from_the_reference_data():
    # when
    version = factor_version_current()

    # then: low = manufacture; high = manufacture + distribution + end of life
    assert version.number == 1
    assert version.displacement_rate == Decimal("0.50")
    laptop = version.factors.get(category="laptop")
    assert (laptop.footprint_low_kgco2e, laptop.footprint_high_kgco2e, laptop.weight_kg) == (
        Decimal("170.300"),
        Decimal("185.400"),
        Decimal("2.260"),
    )
    printer = version.factors.get(category="printer")
    assert printer.footprint_low_kgco2e == printer.footprint_high_kgco2e == Decimal("47.700")
    assert version.factors.count() == 8
    assert sorted(version.targets.values_list("rule", "year_from", "value_percent")) == [
        ("agec_purchase_share", 2024, Decimal("20.00")),
        ("agec_purchase_share", 2027, Decimal("25.00")),
        ("agec_purchase_share", 2030, Decimal("30.00")),
        ("reen_reuse_rate", 2023, Decimal("25.00")),
        ("reen_reuse_rate", 2024, Decimal("35.00")),
        ("reen_reuse_rate", 2025, Decimal("50.00")),
    ]


def test_publishing_new_factors_leaves_recorded_reports_unchanged(
    loop_2025, commune, commune_user, territory
):
    # given: a report of Cachan's 2025, made with version 1
    admin = member(territory, MembershipRole.ADMIN)
    report = impact_report_record(
        user=commune_user,
        viewer=commune,
        organisation=commune,
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2025, 12, 31),
    )
    figures_before = dict(report.figures)

    # when
    version = publish(admin, territory, targets={("reen_reuse_rate", 2025): Decimal("60")})

    # then: the report still says version 1 and its figures
    report.refresh_from_db()
    assert report.factor_version.number == 1
    assert report.figures == figures_before
    assert report.figures["avoided"]["co2e_low_kg"] == "202.6"
    # the new version: laptop low 150 (high kept), displacement 0.3, the new target
    assert version.number == 2
    assert version.published_by == admin
    laptop = version.factors.get(category="laptop")
    assert (laptop.footprint_low_kgco2e, laptop.footprint_high_kgco2e) == (
        Decimal("150.000"),
        Decimal("185.400"),
    )
    assert version.targets.get(rule="reen_reuse_rate", year_from=2025).value_percent == 60
    assert FactorVersion.objects.get(number=1).factors.get(
        category="laptop"
    ).footprint_low_kgco2e == Decimal("170.300")
    # a new report uses it: (2 × 150 + 64.6) × 0.3 = 109.38
    again = impact_report_record(
        user=commune_user,
        viewer=commune,
        organisation=commune,
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2025, 12, 31),
    )
    assert again.factor_version == version
    assert again.figures["avoided"]["co2e_low_kg"] == "109.4"


@pytest.mark.parametrize("who", ["territory_staff", "commune_admin"])
def test_only_a_territory_admin_publishes(who, territory, commune):
    # given
    organisation = territory if who == "territory_staff" else commune
    role = MembershipRole.STAFF if who == "territory_staff" else MembershipRole.ADMIN
    user = member(organisation, role)

    # when, then
    with pytest.raises(PermissionDenied):
        publish(user, organisation)
    assert FactorVersion.objects.count() == 1


def test_bad_values_are_refused_and_nothing_is_published(territory):
    admin = member(territory, MembershipRole.ADMIN)
    factors_before = CategoryFactor.objects.count()
    with pytest.raises(ValidationFailed) as refusal:
        publish(
            admin,
            territory,
            displacement_rate=Decimal("1.5"),
            factors={"laptop": {"footprint_low_kgco2e": Decimal("500")}},
            targets={("reen_reuse_rate", 2025): Decimal("120")},
        )
    assert set(refusal.value.fields) == {"displacement_rate", "laptop", "reen_reuse_rate_2025"}
    assert FactorVersion.objects.count() == 1
    assert CategoryFactor.objects.count() == factors_before


def test_a_commune_may_not_record_another_commune_report(
    loop_2025, commune, commune_user, other_commune
):
    with pytest.raises(PermissionDenied):
        impact_report_record(
            user=commune_user,
            viewer=commune,
            organisation=other_commune,
            start=datetime.date(2025, 1, 1),
            end=datetime.date(2025, 12, 31),
        )
    assert ImpactReport.objects.count() == 0
