"""The demo's group purchasing: the territory's groupement de commandes, the partners' offers of
their ready devices, a campaign closed with its orders and one open with commitments.

``seed_group_purchasing()`` runs after the partners' activity (:mod:`demo.activity`), on the
devices it made ready. Every write goes through :mod:`procurement.services`, so the closing
allocates, places the orders, reserves their devices (an event each) and issues each order's
purchase order as it does for the territory. It is deterministic (the offers take every ready
device that matches; the dates count back from the day of the run) and idempotent: once a
groupement exists, nothing is added; without ready devices (a visitor's claim stopped the
activity) there is nothing to offer, and nothing is added either.

The story: the convention constitutive was signed ten months ago; four buyers and three
communes approved it. Two partners publish four offers. Three weeks ago the territory opened
« Rentrée 2026 » (fixed PCs and screens): the college and the lycée asked for more PCs than
the stock held, so it was shared pro rata when the territory closed it this morning. Since
three days « Équipement des écoles, automne » is open: a commune, a parents' association and a
digital-inclusion association have committed, asking more laptops than there are.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

from demo.territory import TERRITORY_SLUG, SeedReport, with_check_digit
from inventory.choices import DeviceState
from inventory.models import Device
from organisations.models import Organisation
from procurement.allocation import PriceTier
from procurement.models import Campaign, Groupement, Offer
from procurement.selectors import delivery_sites_of
from procurement.services import (
    campaign_close,
    campaign_create,
    campaign_open,
    commitment_submit,
    groupement_create,
    groupement_member_add,
    offer_create,
    offer_stock_add,
)

# The members and the days (before the run) their council or board approved the convention.
MEMBERS = (
    ("college-romain-rolland", 280),
    ("lycee-guillaume-apollinaire", 275),
    ("parents-eleves-villejuif", 262),
    ("solidarite-numerique-orly-choisy", 255),
    ("cachan", 250),
    ("ivry-sur-seine", 248),
    ("villejuif", 240),
)
CONVENTION_DAYS_AGO = 300


@dataclass(frozen=True)
class OfferSpec:
    key: str
    partner: str
    title: str
    description: str
    category: str
    grade: str
    warranty_months: int
    tiers: tuple[tuple[int, str], ...]
    processor: str = ""
    min_ram_gb: Decimal | None = None
    min_storage_gb: int | None = None
    min_screen_size_inches: Decimal | None = None


OFFERS = (
    OfferSpec(
        key="atelier-desktops",
        partner="atelier-numerique-solidaire",
        title="PC fixe Core i5, 8 Go",
        description="Unité centrale reconditionnée, Windows 11 Pro, clavier et souris fournis.",
        category="desktop",
        grade="B",
        warranty_months=24,
        tiers=((1, "189.00"), (3, "172.00")),
        processor="i5",
        min_ram_gb=Decimal("8"),
        min_storage_gb=240,
    ),
    OfferSpec(
        key="atelier-laptops",
        partner="atelier-numerique-solidaire",
        title="Portable 14 à 15 pouces Core i5",
        description="Batterie testée à plus de 80 %, chargeur fourni.",
        category="laptop",
        grade="C",
        warranty_months=12,
        tiers=((1, "249.00"), (2, "235.00")),
        processor="i5",
        min_ram_gb=Decimal("8"),
        min_screen_size_inches=Decimal("14"),
    ),
    OfferSpec(
        key="recyclerie-desktops",
        partner="recyclerie-bievre",
        title="PC compact de bureau",
        description="Format compact, idéal pour les salles informatiques.",
        category="desktop",
        grade="C",
        warranty_months=12,
        tiers=((1, "165.00"), (3, "149.00")),
        min_ram_gb=Decimal("8"),
    ),
    OfferSpec(
        key="recyclerie-monitors",
        partner="recyclerie-bievre",
        title="Écran 24 pouces",
        description="Dalle IPS Full HD, câbles fournis.",
        category="monitor",
        grade="C",
        warranty_months=12,
        tiers=((1, "59.00"), (2, "52.00")),
        min_screen_size_inches=Decimal("23.8"),
    ),
)


@dataclass(frozen=True)
class CampaignSpec:
    title: str
    description: str
    opened_days_ago: int
    closes_in_days: int
    offers: tuple[str, ...]
    # The members' commitments, in their order: slug and quantities by offer key.
    commitments: tuple[tuple[str, dict[str, int]], ...] = field(default=())
    closed: bool = False
    # Leads the engagement numbers the members give their commitments.
    number: int = 1


CLOSED = CampaignSpec(
    title="Rentrée 2026 : postes fixes et écrans",
    description="Postes fixes et écrans reconditionnés pour les salles informatiques.",
    opened_days_ago=21,
    closes_in_days=1,
    offers=("atelier-desktops", "recyclerie-monitors"),
    commitments=(
        ("college-romain-rolland", {"atelier-desktops": 2, "recyclerie-monitors": 1}),
        ("lycee-guillaume-apollinaire", {"atelier-desktops": 2}),
    ),
    closed=True,
    number=4,
)
OPEN = CampaignSpec(
    title="Équipement des écoles, automne",
    description="Portables pour les classes mobiles, postes et écrans pour les bibliothèques.",
    opened_days_ago=3,
    closes_in_days=12,
    offers=("atelier-laptops", "recyclerie-desktops", "recyclerie-monitors"),
    commitments=(
        ("parents-eleves-villejuif", {"atelier-laptops": 1}),
        ("cachan", {"recyclerie-desktops": 2, "recyclerie-monitors": 1}),
        ("solidarite-numerique-orly-choisy", {"atelier-laptops": 2}),
    ),
    number=7,
)
SERVICE_CODES = {"cachan": "DSI-NUM", "college-romain-rolland": "INTENDANCE"}


def _agent(organisation: Organisation):
    return get_user_model().objects.get(username=f"{organisation.slug}-agent")


def _siret(organisation: Organisation) -> str:
    """The organisation's SIRET; a commune's town hall's, from its SIREN, when it has none."""
    return organisation.siret or with_check_digit(f"{organisation.siren}0001")


def _offers(report: SeedReport) -> dict[str, Offer]:
    offers = {}
    for spec in OFFERS:
        partner = Organisation.objects.get(slug=spec.partner)
        agent = _agent(partner)
        offer = offer_create(
            partner=partner,
            user=agent,
            price_tiers=[PriceTier(threshold, Decimal(price)) for threshold, price in spec.tiers],
            title=spec.title,
            description=spec.description,
            category=spec.category,
            processor=spec.processor,
            min_ram_gb=spec.min_ram_gb,
            min_storage_gb=spec.min_storage_gb,
            min_screen_size_inches=spec.min_screen_size_inches,
            grade=spec.grade,
            warranty_months=spec.warranty_months,
            vat_rate=Decimal("20"),
            minimum_quantity=1,
        )
        stocked = offer_stock_add(offer=offer, user=agent, every_match=True)
        report.count("offers")
        report.count("offered_devices", len(stocked))
        offers[spec.key] = offer
    return offers


def _campaign(
    spec: CampaignSpec, groupement: Groupement, offers: dict[str, Offer], territory_agent, now
) -> Campaign:
    campaign = campaign_create(
        groupement=groupement,
        user=territory_agent,
        title=spec.title,
        description=spec.description,
        opens_at=now - datetime.timedelta(days=spec.opened_days_ago),
        closes_at=now + datetime.timedelta(days=spec.closes_in_days),
        offers=[offers[key] for key in spec.offers],
    )
    campaign = campaign_open(campaign=campaign, user=territory_agent)
    for position, (slug, quantities) in enumerate(spec.commitments, start=1):
        member = Organisation.objects.get(slug=slug)
        agent = _agent(member)
        commitment_submit(
            campaign=campaign,
            buyer=member,
            user=agent,
            quantities={offers[key]: quantity for key, quantity in quantities.items()},
            delivery_site=delivery_sites_of(member).first(),
            contact_name=agent.get_full_name(),
            contact_email=agent.email,
            contact_phone=member.phone,
            siret=_siret(member),
            service_code=SERVICE_CODES.get(slug, ""),
            engagement_number=f"EJ-{timezone.localdate().year}-{spec.number}{position:02d}",
        )
    return campaign


def seed_group_purchasing(report: SeedReport) -> SeedReport:
    """Add the demo's group purchasing, or find it already there (see the module's docstring).

    The counts of what was created go into ``report``. The demo's addresses are fictitious
    (``.example``): the members' and partners' e-mails are not sent."""
    if Groupement.objects.exists():
        return report
    if not Device.objects.filter(
        state=DeviceState.READY, holder__slug__in={spec.partner for spec in OFFERS}
    ).exists():
        return report
    territory = Organisation.objects.get(slug=TERRITORY_SLUG)
    territory_agent = _agent(territory)
    today = timezone.localdate()
    now = timezone.now()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        groupement = groupement_create(
            coordinator=territory,
            user=territory_agent,
            name="Groupement de commandes du réemploi numérique",
            reference=f"GC-GOSB-{today.year - 1}-01",
            convention_date=today - datetime.timedelta(days=CONVENTION_DAYS_AGO),
        )
        for slug, days_ago in MEMBERS:
            groupement_member_add(
                groupement=groupement,
                user=territory_agent,
                organisation=Organisation.objects.get(slug=slug),
                approved_on=today - datetime.timedelta(days=days_ago),
                approval_reference=f"DEL-{slug[:3].upper()}-{days_ago:03d}",
            )
            report.count("groupement_members")
        offers = _offers(report)
        for spec in (CLOSED, OPEN):
            campaign = _campaign(spec, groupement, offers, territory_agent, now)
            report.count("campaigns")
            report.count("commitments", len(spec.commitments))
            if spec.closed:
                closed = campaign_close(campaign=campaign, user=territory_agent)
                orders = list(closed.orders.all())
                report.count("orders", len(orders))
                report.count("reserved", sum(order.items.count() for order in orders))
    return report
