"""Fixtures of the group purchasing tests: a groupement with two members, a partner's ready
devices (through the reuse services, as in production), offers and an open campaign."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import Device
from organisations.models import Organisation
from procurement.allocation import PriceTier
from procurement.models import Campaign, Groupement, Offer
from procurement.services import (
    campaign_create,
    campaign_open,
    groupement_create,
    groupement_member_add,
    offer_create,
    offer_stock_add,
)
from reuse.services import (
    collection_record,
    device_certify_ready,
    devices_claim,
    diagnosis_record,
    grading_record,
)
from tests.conftest import BuyerFactory, PartnerFactory, SiteFactory, member
from tests.reuse.refurbishment import all_ok, erase

APPROVED_ON = datetime.date(2026, 1, 15)


@pytest.fixture
def second_buyer(db) -> Organisation:
    return BuyerFactory(name="École Jean Jaurès", slug="ecole-jean-jaures", siret="")


@pytest.fixture
def other_partner(db) -> Organisation:
    return PartnerFactory(name="Recyclerie du Val", slug="recyclerie-val")


@pytest.fixture
def other_partner_user(other_partner):
    return member(other_partner)


@pytest.fixture
def buyer_user(buyer):
    return member(buyer)


@pytest.fixture
def second_buyer_user(second_buyer):
    return member(second_buyer)


@pytest.fixture
def buyer_site(buyer):
    return SiteFactory(
        organisation=buyer, name="Local de l’association", is_pickup=False, is_delivery=True
    )


@pytest.fixture
def second_buyer_site(second_buyer):
    return SiteFactory(organisation=second_buyer, name="École", is_pickup=False, is_delivery=True)


@pytest.fixture
def groupement(territory, territory_user, buyer, second_buyer) -> Groupement:
    """The territory's groupement, with both buyers as members since January 2026."""
    groupement = groupement_create(
        coordinator=territory,
        user=territory_user,
        name="Groupement de commandes du réemploi",
        reference="GC-2026-01",
        convention_date=datetime.date(2026, 1, 10),
    )
    for organisation in (buyer, second_buyer):
        groupement_member_add(
            groupement=groupement,
            user=territory_user,
            organisation=organisation,
            approved_on=APPROVED_ON,
        )
    return groupement


@pytest.fixture
def ready_devices(declare, partner, partner_user):
    """``count`` devices declared by the commune, claimed, collected, tested, graded and made
    ``ready`` by ``partner`` through the reuse services; monitors by default (they bear no
    data, so no erasure is needed), laptops erased first."""

    def _ready(count: int, *, grade: str = "B", category: str = "monitor", **overrides):
        if category == "monitor":
            overrides = {
                "storage_gb": None,
                "storage_type": "",
                "ram_gb": None,
                "screen_size_inches": Decimal("24"),
                **overrides,
            }
        devices = declare(count, category=category, **overrides)
        devices_claim(devices=devices, partner=partner, user=partner_user)
        collection_record(
            partner=partner,
            user=partner_user,
            devices=devices,
            collected_on=datetime.date(2026, 3, 12),
            site=None,
            commune_signatory="Claire Dubois",
            commune_signatory_title="DSI",
            partner_signatory="Karim Benali",
            partner_signatory_title="Responsable d'atelier",
        )
        for index, device in enumerate(devices):
            diagnosis_record(
                device=device,
                organisation=partner,
                user=partner_user,
                items=all_ok(category),
                result="works",
            )
            held = Device.objects.get(pk=device.pk)
            if held.data_bearing:
                erase(partner, partner_user, held, serial=f"MEDIUM-{device.pk}-{index}")
            grading_record(device=device, organisation=partner, user=partner_user, grade=grade)
            device_certify_ready(device=device, partner=partner, user=partner_user)
        return list(Device.objects.filter(pk__in=[device.pk for device in devices]).order_by("pk"))

    return _ready


def tiers(*pairs) -> list[PriceTier]:
    return [PriceTier(threshold=threshold, unit_price=Decimal(price)) for threshold, price in pairs]


@pytest.fixture
def make_offer(partner, partner_user):
    """An offer of ``partner``'s: monitors of 24 inches or more, grade B or better."""

    def _offer(*, by=None, by_user=None, **overrides) -> Offer:
        fields = {
            "title": "Écran 24 pouces",
            "category": "monitor",
            "min_screen_size_inches": Decimal("24"),
            "grade": "B",
            "warranty_months": 12,
            "vat_rate": Decimal("20"),
            "minimum_quantity": 1,
            "price_tiers": tiers((1, "60.00"), (10, "50.00")),
            **overrides,
        }
        return offer_create(partner=by or partner, user=by_user or partner_user, **fields)

    return _offer


@pytest.fixture
def stocked_offer(make_offer, ready_devices, partner_user):
    """An offer holding ``count`` ready monitors."""

    def _stocked(count: int, **overrides) -> Offer:
        offer = make_offer(**overrides)
        if count:
            offer_stock_add(offer=offer, user=partner_user, devices=ready_devices(count))
        return offer

    return _stocked


@pytest.fixture
def open_campaign(groupement, territory_user):
    """A campaign of ``offers``, opened an hour ago, closing in two days."""

    def _open(*offers: Offer, title: str = "Écrans 2026", **overrides) -> Campaign:
        now = timezone.now()
        campaign = campaign_create(
            groupement=groupement,
            user=territory_user,
            title=title,
            description="Des écrans pour les écoles.",
            opens_at=overrides.get("opens_at", now - datetime.timedelta(hours=1)),
            closes_at=overrides.get("closes_at", now + datetime.timedelta(days=2)),
            offers=offers,
        )
        return campaign_open(campaign=campaign, user=territory_user)

    return _open


# Valid SIRETs (their Luhn keys hold), for the documents of deliveries and invoices.
PARTNER_SIRET = "81234567600017"
BUYER_SIRET = "44306184100013"


@pytest.fixture
def placed_order(stocked_offer, open_campaign, buyer, buyer_user, buyer_site, territory_user):
    """An order of ``count`` monitors (of an offer of ``stock`` monitors, 60 € excl. VAT from
    one, 50 € from ten, 20 % VAT) placed for ``buyer`` by a campaign's closing, its devices
    reserved; the partner's SIRET recorded."""
    from procurement.services import campaign_close, commitment_submit

    def _placed(count: int = 3, *, stock: int | None = None, **offer_overrides):
        offer = stocked_offer(stock or count, **offer_overrides)
        offer.partner.siret = PARTNER_SIRET
        offer.partner.save(update_fields=["siret"])
        campaign = open_campaign(offer)
        commitment_submit(
            campaign=campaign,
            buyer=buyer,
            user=buyer_user,
            quantities={offer: count},
            delivery_site=buyer_site,
            contact_name="Nadia Benali",
            contact_email="nadia@example.org",
            siret=BUYER_SIRET,
            service_code="SERV-INFO",
            engagement_number="EJ-2026-0042",
        )
        campaign_close(campaign=campaign, user=territory_user)
        return campaign.orders.get(buyer=buyer)

    return _placed


@pytest.fixture
def parties(partner, buyer):
    """The partner and the association of the donation tests, their SIRETs recorded."""
    partner.siret, buyer.siret = PARTNER_SIRET, BUYER_SIRET
    partner.save(update_fields=["siret"])
    buyer.save(update_fields=["siret"])
    return partner, buyer
