"""The world the permission matrix asks about: two of each kind of organisation, each holding
one object of every kind a route names, built through the services as in production.

Side ``own`` and side ``other`` mirror each other: commune A declares devices that partner A
claims, collects, refurbishes and sells to buyer A; commune B, partner B and buyer B do the same.
A role is a member of side ``own``'s organisation of its kind; the territory (there is one)
coordinates both sides. Every route's URL is built from one side's objects: its own, or
another organisation's.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from inventory.imports.services import device_import_create
from inventory.models import Device
from inventory.services import declaration_create
from organisations.choices import MembershipRole
from organisations.models import Membership, Organisation, Site
from procurement.allocation import PriceTier
from procurement.choices import AdmissionDecision
from procurement.services import (
    campaign_close,
    campaign_create,
    campaign_open,
    commitment_submit,
    delivery_decide,
    delivery_prepare,
    groupement_create,
    groupement_member_add,
    invoice_issue,
    offer_create,
    offer_stock_add,
)
from procurement.services.donations import donation_create
from procurement.services.returns import return_report
from reuse.services import (
    collection_record,
    device_certify_ready,
    devices_claim,
    diagnosis_record,
    grading_record,
    medium_add,
    pickup_propose,
    waste_record_create,
)
from tests.conftest import (
    BuyerFactory,
    CommuneFactory,
    PartnerFactory,
    SiteFactory,
    TerritoryFactory,
    device_description,
    member,
)
from tests.reuse.refurbishment import all_ok

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
PARTNER_SIRETS = {"own": "81234567600017", "other": "73282932000074"}
BUYER_SIRETS = {"own": "44306184100013", "other": "40483304800022"}
MONITOR = {
    "category": "monitor",
    "storage_gb": None,
    "storage_type": "",
    "ram_gb": None,
    "screen_size_inches": Decimal("24"),
}
SHIPMENT = {
    "shipped_on": datetime.date(2026, 4, 2),
    "waste_code": "20 01 36",
    "weight_kg": Decimal("18.40"),
    "taker_kind": "eco_organism",
    "taker_name": "Éco-organisme DEEE Pro",
    "taker_siren": "732829320",
    "destination_name": "Centre de traitement de Gennevilliers",
    "destination_address": "12 rue du Port, 92230 Gennevilliers",
    "treatment_code": "R4",
    "transporter_name": "Transports Martin",
}


@dataclass
class Side:
    """One side's organisations, people and objects."""

    name: str
    commune: Organisation
    partner: Organisation
    buyer: Organisation
    users: dict[str, object] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)

    def __getattr__(self, name: str):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class World:
    territory: Organisation
    users: dict[str, object]
    sides: dict[str, Side]
    groupement_pk: int
    sites: dict[int, Site] = field(default_factory=dict)  # by organisation's pk
    staff: dict[int, Membership] = field(default_factory=dict)  # a staff member's, by pk


def _make_ready(partner, user, devices) -> None:
    for device in devices:
        diagnosis_record(
            device=device,
            organisation=partner,
            user=user,
            items=all_ok(device.category),
            result="works",
        )
        grading_record(device=device, organisation=partner, user=user, grade="B")
        device_certify_ready(device=device, partner=partner, user=user)


def _side(name: str, index: int) -> Side:
    commune = CommuneFactory(
        name=f"Commune {name}", slug=f"commune-{name}", insee_code=f"9400{index}"
    )
    partner = PartnerFactory(
        name=f"Atelier {name}", slug=f"atelier-{name}", siret=PARTNER_SIRETS[name]
    )
    buyer = BuyerFactory(
        name=f"Association {name}", slug=f"association-{name}", siret=BUYER_SIRETS[name]
    )
    side = Side(name=name, commune=commune, partner=partner, buyer=buyer)
    for kind, organisation in (("commune", commune), ("partner", partner), ("buyer", buyer)):
        for role in (MembershipRole.ADMIN, MembershipRole.STAFF):
            side.users[f"{kind}_{role}"] = member(organisation, role)
    return side


def _devices(side: Side) -> None:
    """Devices in every state a route acts on, and the objects of the reuse loop."""
    commune, partner = side.commune, side.partner
    commune_user, partner_user = side.users["commune_staff"], side.users["partner_staff"]
    pickup_site = SiteFactory(organisation=commune, name=f"Mairie {side.name}")
    SiteFactory(organisation=partner, name=f"Atelier {side.name}", postal_code="94200")
    delivery_site = SiteFactory(
        organisation=side.buyer, name=f"Local {side.name}", is_pickup=False, is_delivery=True
    )
    laptops = declaration_create(
        user=commune_user,
        commune=commune,
        pickup_site=pickup_site,
        descriptions=[device_description() for _ in range(5)],
    )
    monitors = declaration_create(
        user=commune_user,
        commune=commune,
        pickup_site=pickup_site,
        descriptions=[device_description(**MONITOR) for _ in range(6)],
    )
    declared, claimed, planned, collected, recycled = laptops.devices.order_by("pk")
    monitors = list(monitors.devices.order_by("pk"))
    devices_claim(
        devices=[claimed, planned, collected, recycled, *monitors],
        partner=partner,
        user=partner_user,
    )
    plan = pickup_propose(
        partner=partner,
        user=partner_user,
        devices=[planned],
        site=pickup_site,
        date=timezone.localdate() + datetime.timedelta(days=3),
        starts_at=datetime.time(9, 0),
        ends_at=datetime.time(11, 0),
    )
    collection = collection_record(
        partner=partner,
        user=partner_user,
        devices=[collected, recycled, *monitors],
        collected_on=datetime.date(2026, 3, 12),
        site=None,
        commune_signatory="Claire Dubois",
        commune_signatory_title="DSI",
        partner_signatory="Karim Benali",
        partner_signatory_title="Responsable d'atelier",
    )
    medium = medium_add(
        partner=partner,
        user=partner_user,
        device=Device.objects.get(pk=collected.pk),
        type="ssd",
        serial=f"MEDIUM-{side.name}",
    )
    waste_record = waste_record_create(
        partner=partner,
        user=partner_user,
        devices=[Device.objects.get(pk=monitors[0].pk)],
        **SHIPMENT,
    )
    _make_ready(
        partner, partner_user, [Device.objects.get(pk=device.pk) for device in monitors[1:]]
    )
    with (SAMPLES / "declaration-excel-fr.csv").open("rb") as stream:
        device_import = device_import_create(
            user=commune_user,
            commune=commune,
            file=stream,
            original_name="declaration.csv",
            size=(SAMPLES / "declaration-excel-fr.csv").stat().st_size,
            pickup_site=pickup_site,
            dry_run=True,
            run_now=True,
        )
    side.objects.update(
        pickup_site=pickup_site,
        delivery_site=delivery_site,
        declared=Device.objects.get(pk=declared.pk),
        claimed=Device.objects.get(pk=claimed.pk),
        collected=Device.objects.get(pk=collected.pk),
        plan=plan,
        collection=collection,
        collection_note=collection.document,
        medium=medium,
        waste_record=waste_record,
        device_import=device_import,
        ready=[Device.objects.get(pk=device.pk) for device in monitors[1:]],
    )


def _procurement(side: Side, world_users, groupement) -> None:
    """An offer of four ready monitors, a closed campaign whose order of three was delivered,
    admitted and invoiced, a warranty return of one of them, and a donation of the fifth."""
    partner_user, buyer_user = side.users["partner_staff"], side.users["buyer_staff"]
    territory_user = world_users["territory_staff"]
    offer = offer_create(
        partner=side.partner,
        user=partner_user,
        title=f"Écran 24 pouces {side.name}",
        category="monitor",
        min_screen_size_inches=Decimal("24"),
        grade="B",
        warranty_months=12,
        vat_rate=Decimal("20"),
        minimum_quantity=1,
        price_tiers=[PriceTier(threshold=1, unit_price=Decimal("60.00"))],
    )
    offer_stock_add(offer=offer, user=partner_user, devices=side.ready[:4])
    # An offer in no campaign yet: the one its partner may still change or withdraw.
    spare_offer = offer_create(
        partner=side.partner,
        user=partner_user,
        title=f"Écran 27 pouces {side.name}",
        category="monitor",
        min_screen_size_inches=Decimal("27"),
        grade="A",
        warranty_months=12,
        vat_rate=Decimal("20"),
        minimum_quantity=1,
        price_tiers=[PriceTier(threshold=1, unit_price=Decimal("90.00"))],
    )
    now = timezone.now()
    campaign = campaign_create(
        groupement=groupement,
        user=territory_user,
        title=f"Écrans {side.name}",
        description="Des écrans pour les écoles.",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=2),
        offers=[offer],
    )
    campaign_open(campaign=campaign, user=territory_user)
    commitment, _created = commitment_submit(
        campaign=campaign,
        buyer=side.buyer,
        user=buyer_user,
        quantities={offer: 3},
        delivery_site=side.delivery_site,
        contact_name="Nadia Benali",
        contact_email="nadia@example.org",
        siret=BUYER_SIRETS[side.name],
        service_code="SERV-INFO",
        engagement_number="EJ-2026-0042",
    )
    campaign_close(campaign=campaign, user=territory_user)
    order = campaign.orders.get(buyer=side.buyer)
    delivery = delivery_prepare(
        order=order,
        user=partner_user,
        site=side.delivery_site,
        delivery_date=timezone.localdate(),
    )
    delivery_decide(
        delivery=delivery,
        user=buyer_user,
        decision=AdmissionDecision.ADMISSION,
        decided_on=timezone.localdate(),
        signatory_name="Claire Dubois",
    )
    delivery.refresh_from_db()
    invoice = invoice_issue(delivery=delivery, user=partner_user)
    delivered = [item.device for item in delivery.items.select_related("device").order_by("pk")]
    warranty_return = return_report(
        device=delivered[0], buyer=side.buyer, user=buyer_user, fault="L’écran ne s’allume plus."
    )
    # A campaign still to open, and an open one the buyer committed to: the steps each allows.
    draft_campaign = campaign_create(
        groupement=groupement,
        user=territory_user,
        title=f"Écrans, second lot {side.name}",
        opens_at=now + datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=3),
        offers=[offer],
    )
    open_campaign = campaign_create(
        groupement=groupement,
        user=territory_user,
        title=f"Écrans, dernier lot {side.name}",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=2),
        offers=[offer],
    )
    campaign_open(campaign=open_campaign, user=territory_user)
    commitment_submit(
        campaign=open_campaign,
        buyer=side.buyer,
        user=buyer_user,
        quantities={offer: 1},
        delivery_site=side.delivery_site,
        contact_name="Nadia Benali",
        contact_email="nadia@example.org",
        siret=BUYER_SIRETS[side.name],
    )
    donation = donation_create(
        donor=side.partner,
        user=partner_user,
        beneficiary=side.buyer,
        values={side.ready[4].code: "80"},
    )
    side.objects.update(
        offer=offer,
        spare_offer=spare_offer,
        campaign=campaign,
        draft_campaign=draft_campaign,
        open_campaign=open_campaign,
        commitment=commitment,
        order=order,
        delivery=delivery,
        invoice=invoice,
        delivered=Device.objects.get(pk=delivered[1].pk),
        warranty_return=warranty_return,
        donation=donation,
        groupement_member=groupement.members.get(organisation=side.buyer),
    )


def world_build() -> World:
    """Both sides, the territory coordinating them, and each side's whole loop."""
    territory = TerritoryFactory()
    users = {
        f"territory_{role}": member(territory, role)
        for role in (MembershipRole.ADMIN, MembershipRole.STAFF)
    }
    sides = {name: _side(name, index) for index, name in enumerate(("own", "other"), start=1)}
    groupement = groupement_create(
        coordinator=territory,
        user=users["territory_staff"],
        name="Groupement de commandes du réemploi",
        reference="GC-2026-01",
        convention_date=datetime.date(2026, 1, 10),
    )
    for side in sides.values():
        groupement_member_add(
            groupement=groupement,
            user=users["territory_staff"],
            organisation=side.buyer,
            approved_on=datetime.date(2026, 1, 15),
        )
    for side in sides.values():
        _devices(side)
        _procurement(side, users, groupement)
    world = World(territory=territory, users=users, sides=sides, groupement_pk=groupement.pk)
    SiteFactory(organisation=territory, name="Siège du territoire")
    for site in Site.objects.order_by("pk"):
        world.sites.setdefault(site.organisation_id, site)
    for membership in Membership.objects.filter(role=MembershipRole.STAFF).order_by("pk"):
        world.staff.setdefault(membership.organisation_id, membership)
    return world
