"""Donations in the impact reports: a device given is reused, as ``donated`` (not
``delivered``), counted once, in the scopes of its commune, its donor and its beneficiary; the
donations a buyer received count in its AGEC share and its declaration at their flat values."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from impact.exports import declaration_csv
from impact.selectors import Period, agec_share, factor_version_current, indicators, reen_rate
from impact.services import declared_spend_record
from organisations.choices import MembershipRole
from procurement.services import invoice_issue
from procurement.services.donations import donation_create, donation_receive
from tests.conftest import SiteFactory, member
from tests.procurement.donations import today, years_ago
from tests.procurement.test_invoices import admitted_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def given(parties, partner_user, buyer_user, ready_devices):
    """Two laptops bought two years ago given by the partner to the association (the buyer),
    valued 120 € each, received: 2 × 200 € at the flat value; and a third laptop, eight years
    old, given with them, which counts for nothing."""
    partner, buyer = parties
    recent = ready_devices(2, category="laptop", purchase_date=years_ago(2))
    old = ready_devices(1, category="laptop", purchase_date=years_ago(8))
    donation = donation_create(
        donor=partner,
        user=partner_user,
        beneficiary=buyer,
        values={device.code: "120" for device in [*recent, *old]},
    )
    return donation_receive(donation=donation, user=buyer_user)


def test_a_donation_counts_as_donated_reuse_once_in_each_scope(
    given, partner, buyer, commune, other_commune, territory
):
    version = factor_version_current()
    period = Period.year(today().year)
    for organisation in (territory, commune, partner, buyer):
        figures = indicators(organisation=organisation, period=period, version=version)
        assert figures["totals"]["donated"] == 3, organisation
        assert figures["totals"]["delivered"] == 0, organisation
        assert figures["by_category"]["donated"] == {"laptop": 3}
        assert figures["reused"] == 3
        month = today().strftime("%Y-%m")
        assert figures["by_month"][month]["donated"] == 3
        assert "delivered" not in figures["by_month"][month]
        # three laptops of version 1's factors: 3 × 2.26 kg
        assert figures["avoided"]["ewaste_kg"] == "6.8"
    territory_figures = indicators(organisation=territory, period=period, version=version)
    assert [(row["slug"], row["reused"]) for row in territory_figures["by_commune"]] == [
        (commune.slug, 3)
    ]
    assert indicators(organisation=other_commune, period=period, version=version)["reused"] == 0


def test_a_donation_and_a_sale_are_told_apart(
    given, placed_order, partner, partner_user, buyer, buyer_user, buyer_site
):
    # given: also three monitors sold to the same buyer, admitted
    SiteFactory(
        organisation=partner, name="Atelier", address="12 rue Gallieni", postal_code="94200"
    )
    admitted_delivery(placed_order(3), partner_user, buyer_user, buyer_site)

    # when
    figures = indicators(
        organisation=buyer, period=Period.year(today().year), version=factor_version_current()
    )

    # then
    assert figures["by_category"]["donated"] == {"laptop": 3}
    assert figures["by_category"]["delivered"] == {"monitor": 3}
    assert figures["reused"] == 6


def test_a_donation_sends_the_commune_s_devices_to_reuse(given, commune):
    rate = reen_rate(commune=commune, year=today().year, version=factor_version_current())
    assert rate["reused"] == 3
    assert rate["retired"] == 3


def test_the_donations_received_count_in_the_agec_share_at_their_flat_values(given, buyer):
    # given: 1,000 € of IT spend in scope declared, 50 € with recycled content
    declared_spend_record(
        user=member(buyer, MembershipRole.ADMIN),
        buyer=buyer,
        year=today().year,
        total_excl_vat=Decimal("1000"),
        recycled_content_excl_vat=Decimal("50"),
    )

    # when
    share = agec_share(buyer=buyer, year=today().year, version=factor_version_current())

    # then: (0 + 2 × 200 + 50) / 1000 = 45 %; the old laptop counts for nothing, the values
    # the agreement states (3 × 120 €) neither
    assert share["reuse_excl_vat"] == "0.00"
    assert share["donations_flat_value"] == "400.00"
    assert share["share_percent"] == "45.0"


def test_the_declaration_has_the_donations_of_the_buyer_that_received_some(
    given, buyer, second_buyer, placed_order, partner, partner_user, buyer_user, buyer_site
):
    # given: the association also bought three monitors (180 € excl. VAT); a second buyer
    # received nothing
    SiteFactory(
        organisation=partner, name="Atelier", address="12 rue Gallieni", postal_code="94200"
    )
    invoice_issue(
        delivery=admitted_delivery(placed_order(3), partner_user, buyer_user, buyer_site),
        user=partner_user,
    )
    for organisation, total in ((buyer, "2000"), (second_buyer, "300")):
        declared_spend_record(
            user=member(organisation, MembershipRole.ADMIN),
            buyer=organisation,
            year=today().year,
            total_excl_vat=Decimal(total),
            recycled_content_excl_vat=Decimal("0"),
        )

    # when
    rows = list(csv.reader(io.StringIO(declaration_csv(year=today().year)), delimiter=";"))

    # then
    assert rows[0] == [
        "siret",
        "raison_sociale",
        "annee",
        "depense_totale_ht",
        "depense_reemploi_ht",
        "dons_valeur_forfaitaire",
        "depense_matieres_recyclees_ht",
    ]
    year = str(today().year)
    assert sorted(rows[1:]) == sorted(
        [
            [buyer.siret, buyer.name, year, "2000,00", "180,00", "400,00", "0,00"],
            [second_buyer.siret, second_buyer.name, year, "300,00", "0,00", "0,00", "0,00"],
        ]
    )
