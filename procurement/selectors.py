"""Reads of group purchasing: offers and their stock, campaigns, commitments, the allocation
(previewed while a campaign runs, recorded once it is allocated), orders, their deliveries and
the thresholds' warnings. Every list is loaded with what its rows show, in a number of queries
that does not grow with them."""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, Model, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import NotFound
from documents.models import Document
from inventory.choices import DeviceState
from inventory.models import Device
from organisations.choices import CessionEligibility, OrganisationKind
from organisations.models import Organisation, Site
from procurement import permissions
from procurement.allocation import (
    ZERO,
    AllocatedLine,
    Allocation,
    CommitmentDemand,
    OfferOutcome,
    OfferSupply,
    PriceTier,
    allocate,
    tier_reached,
    to_cent,
)
from procurement.choices import (
    CampaignState,
    DeliveryItemOutcome,
    DeliveryState,
    DonationState,
    InvoiceState,
    OrderState,
    ReturnState,
)
from procurement.models import (
    Admission,
    AllocationLine,
    Campaign,
    CampaignOffer,
    Commitment,
    CommitmentLine,
    Delivery,
    DeliveryDevice,
    Donation,
    DonationDevice,
    Groupement,
    GroupementMember,
    Invoice,
    Offer,
    OfferDevice,
    Order,
    OrderDevice,
    OrderLine,
    WarrantyReturn,
)
from procurement.purchase_orders import order_pk_of_key, purchase_order_key
from procurement.thresholds import Threshold, threshold_on
from reuse.choices import Grade
from reuse.models import GRADING_LATEST_FIRST, Grading

# --- Offers and their stock. ---


def grades_at_least(grade: str) -> list[str]:
    """The grades as good as ``grade`` or better (A is the best)."""
    return Grade.values[: Grade.values.index(grade) + 1]


def with_grade(devices: QuerySet[Device]) -> QuerySet[Device]:
    """Annotate each device with its grade (``current_grade``): its latest grading's."""
    latest = Grading.objects.filter(device=OuterRef("pk")).order_by(*GRADING_LATEST_FIRST)
    return devices.annotate(current_grade=Subquery(latest.values("grade")[:1]))


def matching_q(offer: Offer, *, prefix: str = "") -> Q:
    """A filter on devices annotated by :func:`with_grade`: those meeting ``offer``'s category,
    minimum specification and grade. ``prefix`` leads from the queried model to the device."""
    return specification_q(offer, prefix=prefix) & Q(
        **{f"{prefix}current_grade__in": grades_at_least(offer.grade)}
    )


def specification_q(offer: Offer, *, prefix: str = "") -> Q:
    """A filter on devices: those meeting ``offer``'s category and minimum specification,
    whatever their grade (:func:`matching_q` adds it)."""
    condition = Q(**{f"{prefix}category": offer.category})
    if offer.processor.strip():
        condition &= Q(**{f"{prefix}cpu__icontains": offer.processor.strip()})
    if offer.min_ram_gb is not None:
        condition &= Q(**{f"{prefix}ram_gb__gte": offer.min_ram_gb})
    if offer.min_storage_gb is not None:
        condition &= Q(**{f"{prefix}storage_gb__gte": offer.min_storage_gb})
    if offer.min_screen_size_inches is not None:
        condition &= Q(**{f"{prefix}screen_size_inches__gte": offer.min_screen_size_inches})
    return condition


def offer_mismatches(offer: Offer, device: Device, grade: str | None) -> list[str]:
    """Why ``device`` (of grade ``grade``) does not meet ``offer``: one reason per criterion
    it misses, empty when it matches. The same rules as :func:`matching_q`, in words."""
    reasons: list[str] = []
    if device.category != offer.category:
        reasons.append(
            _("its category is “%(category)s”, not “%(expected)s”")
            % {
                "category": device.get_category_display(),
                "expected": offer.get_category_display(),
            }
        )
    processor = offer.processor.strip()
    if processor and processor.lower() not in device.cpu.lower():
        reasons.append(_("its processor does not match “%(processor)s”") % {"processor": processor})
    if offer.min_ram_gb is not None and (device.ram_gb is None or device.ram_gb < offer.min_ram_gb):
        reasons.append(
            _("its memory is below %(minimum)s GB") % {"minimum": _number(offer.min_ram_gb)}
        )
    if offer.min_storage_gb is not None and (
        device.storage_gb is None or device.storage_gb < offer.min_storage_gb
    ):
        reasons.append(_("its storage is below %(minimum)s GB") % {"minimum": offer.min_storage_gb})
    if offer.min_screen_size_inches is not None and (
        device.screen_size_inches is None
        or device.screen_size_inches < offer.min_screen_size_inches
    ):
        reasons.append(
            _("its screen is smaller than %(minimum)s inches")
            % {"minimum": _number(offer.min_screen_size_inches)}
        )
    if grade not in grades_at_least(offer.grade):
        reasons.append(
            _("its grade is not %(grade)s or better") % {"grade": offer.grade}
            if grade
            else _("it has no grade")
        )
    return reasons


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def offer_stock(offer: Offer) -> QuerySet[Device]:
    """The devices of ``offer``'s stock that count: in it, still ``ready`` and matching it
    (a device that no longer matches stays listed by :func:`offer_items` until taken out)."""
    return (
        with_grade(Device.objects.filter(offer_items__offer=offer, state=DeviceState.READY))
        .filter(matching_q(offer))
        .order_by("pk")
    )


def offer_items(offer: Offer) -> QuerySet[Device]:
    """Every device put in ``offer``, with its grade, in the order it is handed out."""
    return with_grade(Device.objects.filter(offer_items__offer=offer)).order_by("pk")


def stock_counts(offers: Iterable[Offer]) -> dict[int, int]:
    """How many devices count in each offer's stock (:func:`offer_stock`), in one query.

    The devices meeting each offer's specification are counted by offer and grade, and the
    grades each offer accepts added up here: a grade condition in each offer's branch made
    PostgreSQL plan the grade's subquery once per offer (5 ms for four offers, each plan).
    """
    offers = list(offers)
    if not offers:
        return {}
    condition = Q(pk__in=[])
    for offer in offers:
        condition |= Q(offer_items__offer=offer.pk) & specification_q(offer)
    rows = (
        with_grade(Device.objects.filter(state=DeviceState.READY))
        .filter(condition)
        .order_by()
        .values("offer_items__offer", "current_grade")
        .annotate(count=Count("pk"))
    )
    accepted = {offer.pk: set(grades_at_least(offer.grade)) for offer in offers}
    counts = {offer.pk: 0 for offer in offers}
    for row in rows:
        if row["current_grade"] in accepted[row["offer_items__offer"]]:
            counts[row["offer_items__offer"]] += row["count"]
    return counts


def stock_candidates(offer: Offer) -> QuerySet[Device]:
    """The partner's ``ready`` devices that match ``offer`` and are in no offer yet: what
    “every ready device that matches” puts in."""
    return (
        with_grade(
            Device.objects.filter(holder=offer.partner_id, state=DeviceState.READY).exclude(
                offer_items__isnull=False
            )
        )
        .filter(matching_q(offer))
        .order_by("pk")
    )


def offers_visible_to(organisations: Iterable[Organisation]) -> QuerySet[Offer]:
    """The offers the organisations may read, with their partner and tiers."""
    return offers_listed_for(organisations).select_related("partner").prefetch_related("tiers")


def offers_listed_for(organisations: Iterable[Organisation]) -> QuerySet[Offer]:
    """The offers the organisations may read, their rows alone (a dashboard's panel names
    them, not their partner nor their prices), by partner and title."""
    condition = permissions.visible_offers_q(organisations)
    if condition is None:
        return Offer.objects.none()
    return Offer.objects.filter(condition).order_by("partner__name", "title", "pk")


def offer_get_visible(*, pk: int, organisations: Iterable[Organisation]) -> Offer:
    offer = offers_visible_to(organisations).filter(pk=pk).first()
    if offer is None:
        raise NotFound(_("No such offer."), code="offer_not_found")
    return offer


def price_tiers(offer: Offer) -> tuple[PriceTier, ...]:
    """The offer's tiers, lowest threshold first (from what is prefetched, when it is)."""
    tiers = sorted(offer.tiers.all(), key=lambda tier: tier.threshold)
    return tuple(PriceTier(threshold=tier.threshold, unit_price=tier.unit_price) for tier in tiers)


def running_campaigns_of(offer: Offer) -> QuerySet[Campaign]:
    """The campaigns holding ``offer`` that are open or closing: its terms must hold."""
    return Campaign.objects.filter(
        campaign_offers__offer=offer, state__in=[CampaignState.OPEN, CampaignState.CLOSED]
    ).order_by("closes_at", "pk")


# --- Groupements. ---


def groupements_of(coordinator: Organisation) -> QuerySet[Groupement]:
    return Groupement.objects.filter(coordinator=coordinator).order_by("-convention_date", "-pk")


def groupement_members(groupement: Groupement) -> QuerySet[GroupementMember]:
    return groupement.members.select_related("organisation").order_by("organisation__name")


def membership_of(groupement: Groupement, organisation: Organisation) -> GroupementMember | None:
    return GroupementMember.objects.filter(groupement=groupement, organisation=organisation).first()


def organisations_joining(groupement: Groupement) -> QuerySet[Organisation]:
    """The active communes and buyers not yet members of ``groupement``: who may join it."""
    return (
        Organisation.objects.filter(
            Q(kind=OrganisationKind.COMMUNE) | Q(kind=OrganisationKind.BUYER), is_active=True
        )
        .exclude(groupement_memberships__groupement=groupement)
        .order_by("kind", "name")
    )


def opening_day(campaign: Campaign) -> datetime.date:
    """The day a campaign opens, in the territory's time zone (Europe/Paris)."""
    return timezone.localdate(campaign.opens_at)


def eligible_members(campaign: Campaign) -> QuerySet[GroupementMember]:
    """The members who may commit to ``campaign``: their approval of the convention does not
    come after the day it opens."""
    return groupement_members(campaign.groupement).filter(approved_on__lte=opening_day(campaign))


# --- Campaigns and commitments. ---


def campaigns_visible_to(organisations: Iterable[Organisation]) -> QuerySet[Campaign]:
    condition = permissions.visible_campaigns_q(organisations)
    if condition is None:
        return Campaign.objects.none()
    return (
        Campaign.objects.filter(condition)
        .select_related("groupement__coordinator")
        .prefetch_related(
            Prefetch("offers", queryset=Offer.objects.select_related("partner").order_by("pk"))
        )
        .order_by("-closes_at", "-pk")
    )


def campaign_get_visible(*, pk: int, organisations: Iterable[Organisation]) -> Campaign:
    campaign = campaigns_visible_to(organisations).filter(pk=pk).first()
    if campaign is None:
        raise NotFound(_("No such campaign."), code="campaign_not_found")
    return campaign


def open_campaigns_for(
    member: Organisation, *, now: datetime.datetime | None = None
) -> QuerySet[Campaign]:
    """The open campaigns ``member`` may commit to now (a member of their groupement whose
    approval does not come after their opening day), the soonest closing first."""
    now = now or timezone.now()
    eligible = GroupementMember.objects.filter(
        groupement=OuterRef("groupement"),
        organisation=member,
        approved_on__lte=OuterRef("opening_day"),
    )
    return (
        Campaign.objects.annotate(
            opening_day=TruncDate("opens_at", tzinfo=timezone.get_current_timezone())
        )
        .filter(Exists(eligible), state=CampaignState.OPEN, opens_at__lte=now, closes_at__gt=now)
        .select_related("groupement__coordinator")
        .order_by("closes_at", "pk")
    )


def commitments_of(campaign: Campaign) -> QuerySet[Commitment]:
    """A campaign's commitments in their order (the earliest first), with their lines."""
    return (
        campaign.commitments.select_related("buyer", "delivery_site")
        .prefetch_related(Prefetch("lines", queryset=CommitmentLine.objects.order_by("offer_id")))
        .order_by("committed_at", "pk")
    )


def commitments_visible_to(
    campaign: Campaign, organisations: Iterable[Organisation]
) -> QuerySet[Commitment]:
    condition = permissions.visible_commitments_q(organisations)
    if condition is None:
        return Commitment.objects.none()
    return commitments_of(campaign).filter(condition)


def commitment_get_visible(
    *, campaign: Campaign, pk: int, organisations: Iterable[Organisation]
) -> Commitment:
    commitment = commitments_visible_to(campaign, organisations).filter(pk=pk).first()
    if commitment is None:
        raise NotFound(_("No such commitment."), code="commitment_not_found")
    return commitment


def commitment_of(campaign: Campaign, member: Organisation) -> Commitment | None:
    """``member``'s commitment to ``campaign``, with its lines, or ``None``."""
    return commitments_of(campaign).filter(buyer=member).first()


def delivery_sites_of(member: Organisation) -> QuerySet[Site]:
    """Where ``member`` may have its devices delivered: its open delivery sites."""
    return Site.objects.filter(organisation=member, is_active=True, is_delivery=True).order_by(
        "name"
    )


# --- The allocation: previewed while the campaign runs, recorded once allocated. ---


def campaign_offers(campaign: Campaign) -> list[CampaignOffer]:
    """The campaign's offers (with partner and tiers) and their recorded outcomes, in the
    offers' primary key order."""
    return list(
        campaign.campaign_offers.select_related("offer__partner")
        .prefetch_related("offer__tiers")
        .order_by("offer_id")
    )


def stock_devices(offers: Sequence[Offer], *, lock: bool = False) -> dict[int, list[Device]]:
    """The devices counting in each offer's stock, in the order they are handed out (primary
    key), in one query; locked (``select_for_update``) for the closing."""
    by_offer: dict[int, list[Device]] = {offer.pk: [] for offer in offers}
    if not offers:
        return by_offer
    condition = Q(pk__in=[])
    for offer in offers:
        condition |= Q(offer_items__offer=offer.pk) & matching_q(offer)
    devices = (
        with_grade(Device.objects.filter(state=DeviceState.READY))
        .filter(condition)
        .annotate(
            stock_offer=Subquery(
                # A device is in one offer at most: no ordering (the model's would join the
                # device again to sort by it).
                OfferDevice.objects.filter(device=OuterRef("pk")).order_by().values("offer")[:1]
            )
        )
        .order_by("pk")
    )
    if lock:
        devices = devices.select_for_update(of=("self",))
    for device in devices:
        by_offer[device.stock_offer].append(device)
    return by_offer


def allocation_inputs(
    offers: Sequence[Offer], stock: dict[int, list[Device]], commitments: Sequence[Commitment]
) -> tuple[list[OfferSupply], list[CommitmentDemand]]:
    """What :func:`procurement.allocation.allocate` takes, from what is loaded."""
    supplies = [
        OfferSupply(
            offer=offer.pk,
            stock=tuple(device.pk for device in stock[offer.pk]),
            tiers=price_tiers(offer),
            minimum_quantity=offer.minimum_quantity,
            vat_rate=offer.vat_rate,
        )
        for offer in offers
    ]
    demands = [
        CommitmentDemand(
            commitment=commitment.pk,
            quantities={line.offer_id: line.quantity for line in commitment.lines.all()},
        )
        for commitment in commitments
    ]
    return supplies, demands


@dataclass(frozen=True)
class CampaignAllocation:
    """A campaign's allocation as pages and the API show it: ``is_preview`` while nothing is
    recorded (what closing now would give, nothing reserved), else the recorded result.
    ``lines`` are those the viewer may read; ``offers`` the pooled totals of every offer."""

    campaign: Campaign
    is_preview: bool
    offers: tuple[Offer, ...]
    outcomes: tuple[OfferOutcome, ...]
    lines: tuple[AllocatedLine, ...]
    commitments: dict[int, Commitment]

    def outcome_of(self, offer: Offer) -> OfferOutcome:
        return next(outcome for outcome in self.outcomes if outcome.offer == offer.pk)

    def offer(self, pk: int) -> Offer:
        return next(offer for offer in self.offers if offer.pk == pk)


def campaign_allocation(
    campaign: Campaign, *, organisations: Iterable[Organisation] | None = None
) -> CampaignAllocation:
    """The allocation of ``campaign``: recorded once allocated (then completed, or cancelled
    after), else the preview of closing now (the stock still ``ready``, the commitments as
    they stand; nothing written, nothing reserved). With ``organisations``, only the lines
    they may read (a member its own, a partner those of its offers); without, every line."""
    entries = campaign_offers(campaign)
    offers = [entry.offer for entry in entries]
    commitments = list(commitments_of(campaign))
    if campaign.allocated_at is not None:
        position = {commitment.pk: index for index, commitment in enumerate(commitments)}
        recorded = sorted(
            AllocationLine.objects.filter(campaign=campaign),
            key=lambda line: (line.offer_id, position[line.commitment_id]),
        )
        lines = tuple(
            AllocatedLine(
                commitment=line.commitment_id,
                offer=line.offer_id,
                asked=line.asked,
                allocated=line.allocated,
                reason=line.reason,
                unit_price=line.unit_price,
                vat_rate=line.vat_rate,
            )
            for line in recorded
        )
        outcomes = tuple(_recorded_outcome(entry) for entry in entries)
        is_preview = False
    else:
        stock = stock_devices(offers)
        allocation: Allocation = allocate(*allocation_inputs(offers, stock, commitments))
        lines, outcomes, is_preview = allocation.lines, allocation.offers, True
    if organisations is not None:
        lines = _readable_lines(lines, offers, commitments, list(organisations))
    return CampaignAllocation(
        campaign=campaign,
        is_preview=is_preview,
        offers=tuple(offers),
        outcomes=outcomes,
        lines=lines,
        commitments={commitment.pk: commitment for commitment in commitments},
    )


def _recorded_outcome(entry: CampaignOffer) -> OfferOutcome:
    tier = None
    if entry.tier_threshold is not None and entry.unit_price is not None:
        tier = PriceTier(threshold=entry.tier_threshold, unit_price=entry.unit_price)
    return OfferOutcome(
        offer=entry.offer_id,
        stock=entry.stock or 0,
        demand=entry.demand or 0,
        allocated=entry.allocated or 0,
        minimum_quantity=entry.offer.minimum_quantity,
        tier=tier,
        reason=entry.reason or None,
    )


def _readable_lines(
    lines: Sequence[AllocatedLine],
    offers: Sequence[Offer],
    commitments: Sequence[Commitment],
    organisations: list[Organisation],
) -> tuple[AllocatedLine, ...]:
    if permissions.sees_every_allocation_line(organisations):
        return tuple(lines)
    pks = {organisation.pk for organisation in organisations}
    own_commitments = {commitment.pk for commitment in commitments if commitment.buyer_id in pks}
    own_offers = {offer.pk for offer in offers if offer.partner_id in pks}
    return tuple(
        line for line in lines if line.commitment in own_commitments or line.offer in own_offers
    )


# --- Orders. ---


def orders_visible_to(organisations: Iterable[Organisation]) -> QuerySet[Order]:
    """The orders of :func:`orders_listed_for`, loaded with what an order's page shows."""
    return (
        orders_listed_for(organisations)
        .select_related("campaign__groupement", "commitment__delivery_site")
        .prefetch_related(
            Prefetch(
                "lines", queryset=OrderLine.objects.select_related("offer").order_by("offer_id")
            ),
            Prefetch(
                "items",
                queryset=OrderDevice.objects.select_related("device").order_by("device__code"),
            ),
        )
    )


def orders_listed_for(organisations: Iterable[Organisation]) -> QuerySet[Order]:
    """The orders ``organisations`` may read, newest first, with only what a short list of
    them names (the campaign, the parties), not their lines and devices: a dashboard's
    panel, not an order's page."""
    condition = permissions.visible_orders_q(organisations)
    if condition is None:
        return Order.objects.none()
    return (
        Order.objects.filter(condition)
        .select_related("campaign", "buyer", "partner")
        .order_by("-created_at", "-pk")
    )


def order_get_visible(*, pk: int, organisations: Iterable[Organisation]) -> Order:
    order = orders_visible_to(organisations).filter(pk=pk).first()
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    return order


# --- The thresholds of public procurement. ---


@dataclass(frozen=True)
class ThresholdWarning:
    """The groupement's spend with one partner for one category over a year, with the
    campaign's, would pass the threshold in force: a procedure with publicity is due."""

    partner: Organisation
    category: str
    year: int
    already_spent: Decimal
    this_campaign: Decimal
    threshold: Threshold

    @property
    def total(self) -> Decimal:
        return self.already_spent + self.this_campaign


def campaign_threshold_warnings(campaign: Campaign) -> list[ThresholdWarning]:
    """For each partner and category of ``campaign``'s offers: the groupement's standing
    orders of the campaign's year (by closing date) plus this campaign's spend (its preview,
    or its own orders once allocated) against the R2122-8 threshold in force on its opening
    day; a warning where the total passes it."""
    threshold = threshold_on(opening_day(campaign))
    if threshold is None:
        return []
    year = timezone.localdate(campaign.closes_at).year
    allocation = campaign_allocation(campaign)
    offers = {offer.pk: offer for offer in allocation.offers}
    this_campaign: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for line in allocation.lines:
        offer = offers[line.offer]
        this_campaign[(offer.partner_id, offer.category)] += line.amount_excl_vat
    spent_before = (
        OrderLine.objects.filter(
            order__state=OrderState.PLACED,
            order__campaign__groupement=campaign.groupement_id,
            order__campaign__closes_at__year=year,
        )
        .exclude(order__campaign=campaign)
        .order_by()
        .values("order__partner", "offer__category")
        .annotate(spent=Sum("amount_excl_vat"))
    )
    already = {
        (row["order__partner"], row["offer__category"]): row["spent"] for row in spent_before
    }
    partners = {offer.partner_id: offer.partner for offer in allocation.offers}
    warnings = []
    for key in sorted(set(this_campaign) | {key for key in already if key[0] in partners}):
        partner_pk, category = key
        spent, planned = already.get(key, ZERO), this_campaign.get(key, ZERO)
        if partner_pk in partners and spent + planned > threshold.amount_excl_vat:
            warnings.append(
                ThresholdWarning(
                    partner=partners[partner_pk],
                    category=category,
                    year=year,
                    already_spent=spent,
                    this_campaign=planned,
                    threshold=threshold,
                )
            )
    return warnings


def notification_addresses(organisation: Organisation) -> list[str]:
    """Where to write to an organisation: its members' addresses, else its contact e-mail."""
    from reuse.selectors import notification_addresses as addresses

    return addresses(organisation)


# --- What the pages show: the pooled totals as members commit, and the purchase orders. ---


@dataclass(frozen=True)
class PooledTotal:
    """Where one offer of a campaign stands: what the members committed so far (``demand``,
    by ``commitments`` of them), the stock that counts now, what closing now would allocate,
    the tier that total reaches (its unit price for every buyer) and the next one.

    Once the campaign is allocated, the recorded outcome instead."""

    offer: Offer
    demand: int
    commitments: int
    stock: int
    allocated: int
    tier: PriceTier | None
    next_tier: PriceTier | None
    is_recorded: bool = False

    @property
    def below_minimum(self) -> bool:
        return self.allocated < self.offer.minimum_quantity

    @property
    def missing_for_minimum(self) -> int:
        return max(self.offer.minimum_quantity - self.allocated, 0)

    @property
    def missing_for_next_tier(self) -> int:
        return self.next_tier.threshold - self.allocated if self.next_tier else 0

    @property
    def unit_price(self) -> Decimal | None:
        return self.tier.unit_price if self.tier is not None and not self.below_minimum else None


def pooled_totals(campaign: Campaign) -> list[PooledTotal]:
    """Each offer of ``campaign`` with its pooled total, in the offers' primary key order, in
    a number of queries that grows neither with the commitments nor with the stock: what a
    campaign page shows, and asks again as members commit."""
    entries = campaign_offers(campaign)
    offers = [entry.offer for entry in entries]
    committed = {
        row["offer"]: row
        for row in CommitmentLine.objects.filter(commitment__campaign=campaign)
        .order_by()
        .values("offer")
        .annotate(demand=Sum("quantity"), commitments=Count("commitment", distinct=True))
    }
    recorded = campaign.allocated_at is not None
    stock = {} if recorded else stock_counts(offers)
    totals = []
    for entry in entries:
        offer, tiers = entry.offer, price_tiers(entry.offer)
        row = committed.get(offer.pk, {"demand": 0, "commitments": 0})
        if recorded:
            outcome = _recorded_outcome(entry)
            demand, on_stock, allocated = outcome.demand, outcome.stock, outcome.allocated
            tier = outcome.tier
        else:
            demand, on_stock = row["demand"], stock[offer.pk]
            allocated = min(demand, on_stock)
            tier = tier_reached(tiers, allocated)
        higher = [candidate for candidate in tiers if candidate.threshold > allocated]
        totals.append(
            PooledTotal(
                offer=offer,
                demand=demand,
                commitments=row["commitments"],
                stock=on_stock,
                allocated=allocated,
                tier=tier,
                next_tier=None if recorded or not higher else higher[0],
                is_recorded=recorded,
            )
        )
    return totals


def purchase_orders_of(orders: Iterable[Order]) -> dict[int, Document]:
    """The purchase order (bon de commande) of each order that has one, by the order's
    primary key, in one query."""
    keys = [purchase_order_key(order.pk) for order in orders]
    if not keys:
        return {}
    return {
        order_pk_of_key(document.idempotency_key): document
        for document in Document.objects.filter(idempotency_key__in=keys)
    }


# --- Deliveries. ---


def deliverable_items(order: Order) -> QuerySet[OrderDevice]:
    """The devices of ``order`` still to deliver: reserved for it and in no delivery but
    refused ones; with their device and line's offer, in the order of their codes."""
    standing = DeliveryDevice.objects.filter(order_item=OuterRef("pk")).exclude(
        outcome=DeliveryItemOutcome.REFUSED
    )
    return (
        OrderDevice.objects.filter(
            order=order, is_reserved=True, device__state=DeviceState.RESERVED
        )
        .exclude(Exists(standing))
        .select_related("device", "line__offer")
        .order_by("device__code")
    )


def deliveries_visible_to(organisations: Iterable[Organisation]) -> QuerySet[Delivery]:
    """The deliveries ``organisations`` may read (their buyer's, their partner's; all for the
    territory), loaded with what a delivery's page, API and documents show: the order, its
    campaign, groupement and commitment, the parties, the site, the documents and the
    decisions, and the number of devices."""
    return (
        deliveries_listed_for(organisations)
        .select_related(
            "order__campaign__groupement", "order__commitment", "site", "note", "signed_note"
        )
        .prefetch_related(
            Prefetch(
                "admissions",
                queryset=Admission.objects.select_related("record").order_by("created_at", "pk"),
            )
        )
        .annotate(device_count=_device_count(DeliveryDevice, "delivery"))
    )


def deliveries_in_rows(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """``deliveries`` (listed, :func:`deliveries_listed_for`) with what a table of them shows
    (``procurement/partials/delivery_rows.html``): the site, the delivery notes and the
    number of devices; not the order's commitment and groupement nor the decisions, which
    their pages show."""
    return deliveries.select_related("site", "note", "signed_note").annotate(
        device_count=_device_count(DeliveryDevice, "delivery")
    )


def _device_count(item_model: type[Model], parent: str) -> Coalesce:
    """The number of items (devices) of each row, as a subquery: counted through a join, the
    rows and every column joined to them were grouped (a delivery's page joins ten tables,
    and PostgreSQL took 7 ms to plan the grouping of one delivery)."""
    items = (
        item_model.objects.filter(**{parent: OuterRef("pk")})
        .order_by()
        .values(parent)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(items), 0)


def deliveries_listed_for(organisations: Iterable[Organisation]) -> QuerySet[Delivery]:
    """The deliveries ``organisations`` may read, newest first, with only what a short list
    of them names (the order's campaign, the parties): a dashboard's panel, not a
    delivery's page."""
    condition = permissions.visible_deliveries_q(organisations)
    if condition is None:
        return Delivery.objects.none()
    return (
        Delivery.objects.filter(condition)
        .select_related("order__campaign", "partner", "buyer")
        .order_by("-created_at", "-pk")
    )


def delivery_get_visible(*, pk: int, organisations: Iterable[Organisation]) -> Delivery:
    delivery = deliveries_visible_to(organisations).filter(pk=pk).first()
    if delivery is None:
        raise NotFound(_("No such delivery."), code="delivery_not_found")
    return delivery


def delivery_items(delivery: Delivery) -> QuerySet[DeliveryDevice]:
    """The devices of ``delivery`` with their order line's offer, in the order of their
    codes."""
    return (
        DeliveryDevice.objects.filter(delivery=delivery)
        .select_related("device", "line__offer", "order_item")
        .order_by("device__code")
    )


def device_grades(device_pks: Iterable[int]) -> dict[int, str]:
    """The grade of each device (its latest grading's), by primary key, in one query."""
    return dict(
        with_grade(Device.objects.filter(pk__in=list(device_pks))).values_list(
            "pk", "current_grade"
        )
    )


def invoices_visible_to(organisations: Iterable[Organisation]) -> QuerySet[Invoice]:
    """The invoices ``organisations`` may read (their partner's, their buyer's; all for the
    territory), with their document, parties and credit note."""
    condition = permissions.visible_deliveries_q(organisations)
    if condition is None:
        return Invoice.objects.none()
    return (
        Invoice.objects.filter(condition)
        .select_related("document", "partner", "buyer")
        .prefetch_related("credit_notes__document")
        .order_by("-created_at", "-pk")
    )


# --- Donations. ---


def donations_visible_to(organisations: Iterable[Organisation]) -> QuerySet[Donation]:
    """The donations ``organisations`` may read (those they give or receive), with their
    parties and agreement, and the number of their devices; the newest first."""
    return donations_listed_for(organisations).select_related("agreement")


def donations_listed_for(organisations: Iterable[Organisation]) -> QuerySet[Donation]:
    """The donations ``organisations`` may read, newest first, with only what a short list
    of them names (the parties, the number of devices): a dashboard's panel, not a
    donation's page."""
    condition = permissions.visible_donations_q(organisations)
    if condition is None:
        return Donation.objects.none()
    return (
        Donation.objects.filter(condition)
        .select_related("donor", "beneficiary")
        .annotate(device_count=_device_count(DonationDevice, "donation"))
        .order_by("-created_at", "-pk")
    )


def donations_awaiting_receipt_by(organisation: Organisation) -> QuerySet[Donation]:
    """The donations offered to ``organisation`` that wait for it to confirm their receipt
    (:func:`awaits_receipt_by`, in SQL)."""
    return Donation.objects.filter(state=DonationState.OFFERED, beneficiary=organisation)


def awaits_receipt_by(donation: Donation, organisation: Organisation) -> bool:
    """Whether ``donation`` waits for ``organisation`` to confirm its receipt, as
    :func:`donations_awaiting_receipt_by` selects them: of donations already read."""
    return donation.state == DonationState.OFFERED and donation.beneficiary_id == organisation.pk


def donation_get_visible(*, pk: int, organisations: Iterable[Organisation]) -> Donation:
    donation = donations_visible_to(organisations).filter(pk=pk).first()
    if donation is None:
        raise NotFound(_("No such donation."), code="donation_not_found")
    return donation


def donation_items(donation: Donation) -> QuerySet[DonationDevice]:
    """The devices of ``donation`` with their device, in the order of their codes."""
    return (
        DonationDevice.objects.filter(donation=donation)
        .select_related("device")
        .order_by("device__code")
    )


def donation_beneficiaries() -> QuerySet[Organisation]:
    """The organisations a donation may go to: active buyers with a category of CG3P art.
    L3212-2 3° recorded, by name."""
    return (
        Organisation.objects.filter(kind=OrganisationKind.BUYER, is_active=True)
        .exclude(cession_eligibility=CessionEligibility.NOT_ELIGIBLE)
        .order_by("name", "pk")
    )


def donatable_devices(donor: Organisation) -> QuerySet[Device]:
    """The devices ``donor`` may give away: those it holds, ``ready``, by code."""
    return Device.objects.filter(holder=donor, state=DeviceState.READY).order_by("code")


def donation_flat_totals(
    *, year: int | None = None, beneficiaries: Iterable[Organisation] | None = None
) -> dict[tuple[int, int], Decimal]:
    """What the donations received count for in their beneficiaries' AGEC purchase share:
    the total of their flat values by (beneficiary's primary key, year of the receipt), for
    one ``year`` and some ``beneficiaries`` if given; one query."""
    received = Donation.objects.filter(state=DonationState.RECEIVED)
    if year is not None:
        received = received.filter(received_on__year=year)
    if beneficiaries is not None:
        received = received.filter(beneficiary__in=[item.pk for item in beneficiaries])
    rows = (
        received.annotate(year=ExtractYear("received_on"))
        .values("beneficiary", "year")
        .annotate(total=Sum("flat_value"))
        .order_by("beneficiary", "year")
    )
    return {(row["beneficiary"], row["year"]): row["total"] for row in rows}


def donation_flat_total(beneficiary: Organisation, year: int) -> Decimal:
    """What the donations ``beneficiary`` received in ``year`` count for in its AGEC
    purchase share (zero when none)."""
    totals = donation_flat_totals(year=year, beneficiaries=[beneficiary])
    return totals.get((beneficiary.pk, year), Decimal("0.00"))


# --- Warranty returns. ---


@dataclass(frozen=True)
class WarrantyCoverage:
    """What covers a delivered device: the purchase its warranty comes from (its own admitted
    delivery, or the one of the device it replaced), its buyer and partner, and the end of
    its warranty."""

    device: Device
    delivery_item: DeliveryDevice
    buyer_id: int
    partner_id: int
    warranty_ends_on: datetime.date

    @property
    def offer(self) -> Offer:
        return self.delivery_item.line.offer

    def is_running(self, on: datetime.date | None = None) -> bool:
        """Whether the warranty still runs ``on`` that day (today by default)."""
        return warranty_runs(self.warranty_ends_on, on)


def warranty_runs(ends_on: datetime.date, on: datetime.date | None = None) -> bool:
    """Whether a warranty ending ``ends_on`` still runs ``on`` that day (today by default),
    its last day included."""
    return (on or timezone.localdate()) <= ends_on


def warranty_coverage(device: Device) -> WarrantyCoverage | None:
    """The warranty of ``device`` while it is delivered and its buyer's (``None`` otherwise):
    from the return that delivered it as a replacement, else from its admitted delivery."""
    if device.state != DeviceState.DELIVERED:
        return None
    replaced = (
        WarrantyReturn.objects.filter(replacement=device, state=ReturnState.REPLACED)
        .select_related("delivery_item__line__offer", "delivery_item__delivery")
        .order_by("-settled_at", "-pk")
        .first()
    )
    if replaced is not None:
        coverage = WarrantyCoverage(
            device=device,
            delivery_item=replaced.delivery_item,
            buyer_id=replaced.buyer_id,
            partner_id=replaced.partner_id,
            warranty_ends_on=replaced.replacement_warranty_ends_on,
        )
    else:
        item = (
            DeliveryDevice.objects.filter(device=device, outcome=DeliveryItemOutcome.ADMITTED)
            .select_related("line__offer", "delivery")
            .first()
        )
        if item is None:
            return None
        coverage = WarrantyCoverage(
            device=device,
            delivery_item=item,
            buyer_id=item.delivery.buyer_id,
            partner_id=item.delivery.partner_id,
            warranty_ends_on=item.warranty_ends_on,
        )
    return coverage if device.holder_id == coverage.buyer_id else None


@dataclass(frozen=True)
class BuyerDevice:
    """A device delivered to a buyer and still its own, with its warranty and its open
    return (if any)."""

    device: Device
    partner: Organisation
    offer: Offer
    warranty_ends_on: datetime.date
    open_return: WarrantyReturn | None

    @property
    def under_warranty(self) -> bool:
        return warranty_runs(self.warranty_ends_on)


def _admitted_held(buyer: Organisation) -> QuerySet[DeliveryDevice]:
    """The devices admitted by ``buyer`` that it still holds, as their delivery's items."""
    return DeliveryDevice.objects.filter(
        outcome=DeliveryItemOutcome.ADMITTED,
        delivery__buyer=buyer,
        device__state=DeviceState.DELIVERED,
        device__holder=buyer,
    )


def _replacements_held(buyer: Organisation) -> QuerySet[WarrantyReturn]:
    """The replacements ``buyer`` received under warranty and still holds, as their returns
    (the latest settled last)."""
    return WarrantyReturn.objects.filter(
        state=ReturnState.REPLACED,
        buyer=buyer,
        replacement__state=DeviceState.DELIVERED,
        replacement__holder=buyer,
    ).order_by("settled_at", "pk")


def buyer_warranty_ends(buyer: Organisation) -> dict[int, datetime.date]:
    """The warranty end of each device :func:`buyer_devices` lists, by device, in two queries
    of two columns: what a count of them needs, without reading the devices."""
    ends = dict(_admitted_held(buyer).values_list("device_id", "warranty_ends_on"))
    ends.update(
        _replacements_held(buyer).values_list("replacement_id", "replacement_warranty_ends_on")
    )
    return ends


def buyer_devices(buyer: Organisation) -> list[BuyerDevice]:
    """The devices delivered to ``buyer`` that it still holds, by admission or as a
    replacement under warranty, each with its partner, offer, warranty end and open return;
    the warranty ending soonest first. Three queries, whatever the number of devices."""
    rows: dict[int, BuyerDevice] = {}
    for item in _admitted_held(buyer).select_related("device", "delivery__partner", "line__offer"):
        rows[item.device_id] = BuyerDevice(
            device=item.device,
            partner=item.delivery.partner,
            offer=item.line.offer,
            warranty_ends_on=item.warranty_ends_on,
            open_return=None,
        )
    for replaced in _replacements_held(buyer).select_related(
        "replacement", "partner", "delivery_item__line__offer"
    ):
        rows[replaced.replacement_id] = BuyerDevice(
            device=replaced.replacement,
            partner=replaced.partner,
            offer=replaced.delivery_item.line.offer,
            warranty_ends_on=replaced.replacement_warranty_ends_on,
            open_return=None,
        )
    open_returns = {
        warranty_return.device_id: warranty_return
        for warranty_return in WarrantyReturn.objects.filter(
            state=ReturnState.OPEN, device__in=list(rows)
        )
    }
    return sorted(
        (dataclasses.replace(row, open_return=open_returns.get(pk)) for pk, row in rows.items()),
        key=lambda row: (row.warranty_ends_on, row.device.code),
    )


def returns_visible_to(organisations: Iterable[Organisation]) -> QuerySet[WarrantyReturn]:
    """The warranty returns ``organisations`` may read (their buyer's, their partner's; all
    for the territory), with the device, the parties, the replacement and the credit note's
    document; the latest first."""
    return returns_listed_for(organisations).select_related(
        "replacement", "credit_note__document", "delivery_item__line__offer"
    )


def returns_listed_for(organisations: Iterable[Organisation]) -> QuerySet[WarrantyReturn]:
    """The warranty returns ``organisations`` may read, the latest first, with only what a
    short list of them names (the device, the parties): a dashboard's panel."""
    condition = permissions.visible_returns_q(organisations)
    if condition is None:
        return WarrantyReturn.objects.none()
    return (
        WarrantyReturn.objects.filter(condition)
        .select_related("device", "buyer", "partner")
        .order_by("-reported_at", "-pk")
    )


def return_get_visible(*, pk: int, organisations: Iterable[Organisation]) -> WarrantyReturn:
    warranty_return = returns_visible_to(organisations).filter(pk=pk).first()
    if warranty_return is None:
        raise NotFound(_("No such return."), code="return_not_found")
    return warranty_return


def replacement_candidates(warranty_return: WarrantyReturn) -> QuerySet[Device]:
    """The ``ready`` devices of the returned device's offer, in its partner's stock: what
    may replace it."""
    return Device.objects.filter(
        offer_items__offer=warranty_return.delivery_item.line.offer_id,
        state=DeviceState.READY,
        holder=warranty_return.partner_id,
    ).order_by("code")


# --- What the delivery and invoice pages list. ---


def _deliverable_q() -> Q:
    """A filter on order devices: still to deliver (:func:`deliverable_items`)."""
    standing = DeliveryDevice.objects.filter(order_item=OuterRef("pk")).exclude(
        outcome=DeliveryItemOutcome.REFUSED
    )
    return Q(is_reserved=True, device__state=DeviceState.RESERVED) & ~Q(Exists(standing))


def orders_to_deliver(partner: Organisation) -> QuerySet[Order]:
    """``partner``'s placed orders with devices still to deliver, the oldest first, with what
    a list of them names (the campaign, the buyer)."""
    deliverable = OrderDevice.objects.filter(_deliverable_q(), order=OuterRef("pk"))
    return (
        orders_listed_for([partner])
        .filter(partner=partner, state=OrderState.PLACED)
        .filter(Exists(deliverable))
        .order_by("created_at", "pk")
    )


def deliveries_to_invoice(partner: Organisation, *, listed: bool = False) -> QuerySet[Delivery]:
    """``partner``'s admitted deliveries with no standing invoice: what it invoices next, with
    what their pages show, or only what a short list names (``listed``)."""
    invoiced = Invoice.objects.filter(delivery=OuterRef("pk"), state=InvoiceState.ISSUED)
    deliveries = deliveries_listed_for if listed else deliveries_visible_to
    return (
        deliveries([partner])
        .filter(partner=partner, state=DeliveryState.ADMITTED)
        .exclude(Exists(invoiced))
    )


def delivery_invoices(delivery: Delivery) -> QuerySet[Invoice]:
    """The invoices of ``delivery``, the newest first, with their credit notes."""
    return (
        Invoice.objects.filter(delivery=delivery)
        .select_related("document")
        .prefetch_related("credit_notes__document")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class OrderProgress:
    """Where an order stands: its devices ordered, still to deliver, handed over and awaiting
    the buyer's decision, admitted (delivered), refused at the door or with their delivery, and
    invoiced; the amounts excl. VAT at the order's prices (the invoiced ones as the standing
    invoices state them, réfactions deducted)."""

    ordered: int
    ordered_amount: Decimal
    to_deliver: int
    awaiting: int
    awaiting_amount: Decimal
    admitted: int
    admitted_amount: Decimal
    refused: int
    invoiced: int
    invoiced_amount: Decimal
    invoiced_amount_incl_vat: Decimal

    @property
    def delivered(self) -> int:
        """The devices handed over: awaiting the decision or admitted."""
        return self.awaiting + self.admitted

    @property
    def delivered_amount(self) -> Decimal:
        return self.awaiting_amount + self.admitted_amount


def order_progress(orders: Sequence[Order]) -> dict[int, OrderProgress]:
    """The progress of each order (loaded with its lines, as :func:`orders_visible_to` does),
    by primary key, in four queries whatever their number."""
    pks = [order.pk for order in orders]
    if not pks:
        return {}
    outcomes: dict[int, dict[str, tuple[int, Decimal]]] = defaultdict(dict)
    for row in (
        DeliveryDevice.objects.filter(delivery__order__in=pks)
        .values("delivery__order", "outcome")
        .annotate(count=Count("pk"), amount=Sum("line__unit_price"))
        .order_by()
    ):
        outcomes[row["delivery__order"]][row["outcome"]] = (
            row["count"],
            to_cent(row["amount"] or ZERO),
        )
    to_deliver = dict(
        OrderDevice.objects.filter(_deliverable_q(), order__in=pks)
        .values("order")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("order", "count")
    )
    invoiced_amounts = {
        row["delivery__order"]: (to_cent(row["excl"] or ZERO), to_cent(row["incl"] or ZERO))
        for row in Invoice.objects.filter(delivery__order__in=pks, state=InvoiceState.ISSUED)
        .values("delivery__order")
        .annotate(excl=Sum("total_excl_vat"), incl=Sum("total_incl_vat"))
        .order_by()
    }
    invoiced_devices = dict(
        DeliveryDevice.objects.filter(
            delivery__order__in=pks,
            outcome=DeliveryItemOutcome.ADMITTED,
            delivery__invoices__state=InvoiceState.ISSUED,
        )
        .values("delivery__order")
        .annotate(count=Count("pk", distinct=True))
        .order_by()
        .values_list("delivery__order", "count")
    )
    progress = {}
    for order in orders:
        counts = outcomes.get(order.pk, {})
        awaiting = counts.get(DeliveryItemOutcome.PENDING, (0, ZERO))
        admitted = counts.get(DeliveryItemOutcome.ADMITTED, (0, ZERO))
        refused = counts.get(DeliveryItemOutcome.REFUSED, (0, ZERO))
        invoiced = invoiced_amounts.get(order.pk, (ZERO, ZERO))
        progress[order.pk] = OrderProgress(
            ordered=sum(line.quantity for line in order.lines.all()),
            ordered_amount=order.total_excl_vat,
            to_deliver=to_deliver.get(order.pk, 0),
            awaiting=awaiting[0],
            awaiting_amount=awaiting[1],
            admitted=admitted[0],
            admitted_amount=admitted[1],
            refused=refused[0],
            invoiced=invoiced_devices.get(order.pk, 0),
            invoiced_amount=invoiced[0],
            invoiced_amount_incl_vat=invoiced[1],
        )
    return progress
