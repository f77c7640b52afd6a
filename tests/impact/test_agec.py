"""The AGEC purchase share (décret 2024-134) from a real delivery's invoice and the spend a
buyer declares, and the annual declaration file for two buyers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from common.errors import PermissionDenied, ValidationFailed
from impact.exports import declaration_csv
from impact.models import DeclaredSpend
from impact.selectors import Period, agec_share, factor_version_current, indicators
from impact.services import declared_spend_record
from organisations.choices import MembershipRole
from procurement.services import invoice_issue
from tests.conftest import SiteFactory, member
from tests.procurement.test_invoices import admitted_delivery

YEAR = timezone.localdate().year


@pytest.fixture
def invoiced(placed_order, partner, partner_user, buyer_user, buyer_site):
    """Three monitors at 60 € excl. VAT delivered to the buyer, admitted and invoiced."""
    SiteFactory(
        organisation=partner, name="Atelier", address="12 rue Gallieni", postal_code="94200"
    )
    order = placed_order(3)
    delivery = admitted_delivery(order, partner_user, buyer_user, buyer_site)
    return invoice_issue(delivery=delivery, user=partner_user)


def test_the_share_counts_the_standing_invoices_and_the_recycled_content(invoiced, buyer):
    # given
    admin = member(buyer, MembershipRole.ADMIN)
    declared_spend_record(
        user=admin,
        buyer=buyer,
        year=YEAR,
        total_excl_vat=Decimal("1000"),
        recycled_content_excl_vat=Decimal("50"),
    )

    # when
    share = agec_share(buyer=buyer, year=YEAR, version=factor_version_current())

    # then: (180 + 50) / 1000
    assert invoiced.total_excl_vat == Decimal("180.00")
    assert share["reuse_excl_vat"] == "180.00"
    assert share["share_percent"] == "23.0"
    assert share["target_percent"] == "20.00"
    assert share["reached"] is True


def test_without_a_declaration_the_share_is_sans_objet(invoiced, buyer):
    share = agec_share(buyer=buyer, year=YEAR, version=factor_version_current())
    assert share["declared"] is False
    assert share["share_percent"] is None
    assert share["reuse_excl_vat"] == "180.00"


def test_the_delivery_counts_for_the_buyer_the_partner_and_the_commune(
    invoiced, buyer, partner, commune, other_commune
):
    version = factor_version_current()
    period = Period.year(YEAR)
    for organisation in (buyer, partner, commune):
        result = indicators(organisation=organisation, period=period, version=version)
        assert result["totals"]["delivered"] == 3, organisation
        assert result["by_category"]["delivered"] == {"monitor": 3}
    assert indicators(organisation=other_commune, period=period, version=version)["reused"] == 0


def test_the_declaration_file_has_one_line_per_buyer(invoiced, buyer, second_buyer):
    # given
    buyer.siret = "44306184100013"
    buyer.save(update_fields=["siret"])
    for organisation, total in ((buyer, "1000"), (second_buyer, "250.5")):
        declared_spend_record(
            user=member(organisation, MembershipRole.ADMIN),
            buyer=organisation,
            year=YEAR,
            total_excl_vat=Decimal(total),
            recycled_content_excl_vat=Decimal("0"),
        )

    # when
    rows = list(csv.reader(io.StringIO(declaration_csv(year=YEAR)), delimiter=";"))

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
    assert sorted(rows[1:]) == sorted(
        [
            ["44306184100013", buyer.name, str(YEAR), "1000,00", "180,00", "0,00", "0,00"],
            [second_buyer.siret, second_buyer.name, str(YEAR), "250,50", "0,00", "0,00", "0,00"],
        ]
    )


def test_only_the_buyer_admin_declares_and_bad_amounts_are_refused(buyer, partner, buyer_user):
    # a staff member, a partner's admin: refused
    with pytest.raises(PermissionDenied):
        declared_spend_record(
            user=buyer_user,
            buyer=buyer,
            year=YEAR,
            total_excl_vat=Decimal("10"),
            recycled_content_excl_vat=Decimal("0"),
        )
    with pytest.raises(PermissionDenied):
        declared_spend_record(
            user=member(partner, MembershipRole.ADMIN),
            buyer=partner,
            year=YEAR,
            total_excl_vat=Decimal("10"),
            recycled_content_excl_vat=Decimal("0"),
        )
    with pytest.raises(ValidationFailed) as refusal:
        declared_spend_record(
            user=member(buyer, MembershipRole.ADMIN),
            buyer=buyer,
            year=YEAR + 1,
            total_excl_vat=Decimal("10"),
            recycled_content_excl_vat=Decimal("20"),
        )
    assert set(refusal.value.fields) == {"year", "recycled_content_excl_vat"}
    assert DeclaredSpend.objects.count() == 0
