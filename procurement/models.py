"""Group purchasing: the groupement de commandes and its members, the partners' offers and
their stock, the campaigns, the members' commitments, the allocation and the orders; then the
deliveries of the orders, the buyers' admissions, and the partners' invoices and credit notes.

The rules live in :mod:`procurement.services` (every write) and :mod:`procurement.allocation`
(the allocation itself, a pure function); the database keeps what must never be false: one
commitment per member and campaign, a device in one offer and in one standing order at most,
a warranty of at least twelve months, no allocation above what was asked.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from common.choices import choice_label
from documents.models import Document
from inventory.choices import DeviceCategory
from inventory.models import Device
from organisations.choices import CessionEligibility
from organisations.models import Organisation, Site
from organisations.validators import validate_siret
from procurement.choices import (
    DELIVERY_AWAITING_STATES,
    FINAL_DECISIONS,
    AdmissionDecision,
    AllocationReason,
    CampaignState,
    DeliveryItemOutcome,
    DeliveryState,
    DonationState,
    InvoiceState,
    OrderState,
    ReturnState,
)
from reuse.choices import Grade

# The least warranty an offer may give, in months (the CCAG-FCS gives at least one year).
MINIMUM_WARRANTY_MONTHS = 12
# Prices excl. VAT to the cent; amounts of lines and orders in the same unit.
PRICE_DIGITS = 10
AMOUNT_DIGITS = 14
# The largest quantity one commitment asks of one offer, and the largest price threshold.
MAX_QUANTITY = 100_000


def _is_coordinator(record, organisation: Organisation) -> bool:
    """The groupement's coordinator (the territory) runs its campaigns and their orders."""
    return organisation.pk == record.coordinator_id


class Groupement(models.Model):
    """A groupement de commandes (Code de la commande publique L2113-6 to L2113-8): its members
    pool their needs under a convention constitutive; the coordinator (the territory) runs
    the campaigns for them."""

    coordinator = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="coordinated_groupements",
        verbose_name=_("coordinator"),
    )
    name = models.CharField(_("name"), max_length=200)
    reference = models.CharField(
        _("reference of the convention"),
        max_length=100,
        help_text=_("The reference of the convention constitutive, as signed."),
    )
    convention_date = models.DateField(_("date of the convention"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("groupement de commandes")
        verbose_name_plural = _("groupements de commandes")
        ordering = ["-convention_date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["coordinator", "reference"],
                name="%(app_label)s_%(class)s_unique_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.reference})"


class GroupementMember(models.Model):
    """A commune or a buyer in a groupement, from the day its council or board approved the
    convention: it may commit to the campaigns opening from that day."""

    groupement = models.ForeignKey(
        Groupement, on_delete=models.PROTECT, related_name="members", verbose_name=_("groupement")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="groupement_memberships",
        verbose_name=_("member"),
    )
    approved_on = models.DateField(
        _("approved on"),
        help_text=_("The day its council or board approved the convention constitutive."),
    )
    approval_reference = models.CharField(
        _("approval reference"),
        max_length=100,
        blank=True,
        help_text=_("The deliberation's number, for instance."),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("member of a groupement")
        verbose_name_plural = _("members of groupements")
        ordering = ["groupement", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["groupement", "organisation"],
                name="%(app_label)s_%(class)s_unique_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ∈ {self.groupement.reference}"


class Offer(models.Model):
    """A partner's catalogue line of refurbished hardware: what it sells (a category, a
    minimum specification and grade), on what terms (warranty, price tiers by pooled
    quantity, VAT, minimum quantity), and its stock (:class:`OfferDevice`)."""

    partner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="offers", verbose_name=_("partner")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=16, choices=DeviceCategory.choices)
    processor = models.CharField(
        _("processor"),
        max_length=150,
        blank=True,
        help_text=_("Each device's processor names it (“i5”, say); empty: any processor."),
    )
    min_ram_gb = models.DecimalField(
        _("memory at least (GB)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("4096"))],
    )
    min_storage_gb = models.PositiveIntegerField(
        _("storage at least (GB)"), null=True, blank=True, validators=[MaxValueValidator(200_000)]
    )
    min_screen_size_inches = models.DecimalField(
        _("screen at least (inches)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("120"))],
    )
    grade = models.CharField(
        _("grade at least"),
        max_length=1,
        choices=Grade.choices,
        help_text=_("Devices of this grade or better."),
    )
    warranty_months = models.PositiveSmallIntegerField(
        _("warranty (months)"), validators=[MinValueValidator(MINIMUM_WARRANTY_MONTHS)]
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    minimum_quantity = models.PositiveIntegerField(
        _("minimum quantity"),
        validators=[MinValueValidator(1)],
        help_text=_("Below this pooled quantity, the offer is dropped at the closing."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("An inactive offer joins no new campaign.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["partner__name", "title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(warranty_months__gte=MINIMUM_WARRANTY_MONTHS),
                name="%(app_label)s_%(class)s_warranty_at_least_12_months",
                violation_error_message=_("The warranty lasts at least 12 months."),
            ),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0, vat_rate__lte=100),
                name="%(app_label)s_%(class)s_vat_rate_percent",
            ),
            models.CheckConstraint(
                condition=Q(minimum_quantity__gte=1),
                name="%(app_label)s_%(class)s_minimum_quantity_positive",
            ),
            models.CheckConstraint(
                condition=Q(category__in=DeviceCategory.values),
                name="%(app_label)s_%(class)s_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(grade__in=Grade.values),
                name="%(app_label)s_%(class)s_grade_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_ram_gb__isnull=True) | Q(min_ram_gb__gte=0),
                name="%(app_label)s_%(class)s_min_ram_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(min_screen_size_inches__isnull=True) | Q(min_screen_size_inches__gt=0),
                name="%(app_label)s_%(class)s_min_screen_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.partner}"

    # Defined here, Django does not add its own (see common.choices.choice_label): a campaign's
    # purchase orders show it for each of their thousands of lines.
    def get_category_display(self):
        return choice_label(DeviceCategory, self.category)


class OfferPriceTier(models.Model):
    """From ``threshold`` devices pooled by the campaign, each device of the offer costs
    ``unit_price`` excl. VAT; the highest tier the allocated total reaches prices every buyer
    alike."""

    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("offer")
    )
    threshold = models.PositiveIntegerField(
        _("from quantity"), validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )
    unit_price = models.DecimalField(
        _("unit price excl. VAT"),
        max_digits=PRICE_DIGITS,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    class Meta:
        verbose_name = _("price tier")
        verbose_name_plural = _("price tiers")
        ordering = ["offer", "threshold"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "threshold"], name="%(app_label)s_%(class)s_unique_threshold"
            ),
            models.CheckConstraint(
                condition=Q(threshold__gte=1), name="%(app_label)s_%(class)s_threshold_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gt=0), name="%(app_label)s_%(class)s_price_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id}: ≥ {self.threshold} → {self.unit_price}"


class OfferDevice(models.Model):
    """A device in an offer's stock: one of the partner's ``ready`` devices matching the
    offer. A device is in one offer at most (the database says so); it leaves the offer when
    it leaves ``ready`` (:func:`procurement.services.offers.stock_follow_transitions`)."""

    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="items", verbose_name=_("offer")
    )
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="offer_items", verbose_name=_("device")
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("device of an offer")
        verbose_name_plural = _("devices of offers")
        ordering = ["offer", "device"]
        constraints = [
            models.UniqueConstraint(
                fields=["device"],
                name="%(app_label)s_%(class)s_one_offer_per_device",
                violation_error_message=_("This device is already in an offer."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id}: {self.device_id}"


class Campaign(FSMModelMixin, models.Model):
    """A pooled purchase the coordinator runs for the groupement: offers, an opening and a
    closing time. Draft → open → closed → allocated → completed, or cancelled; each step by
    :mod:`procurement.services`, which records who and when."""

    groupement = models.ForeignKey(
        Groupement,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("groupement"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    offers = models.ManyToManyField(
        Offer, through="CampaignOffer", related_name="campaigns", verbose_name=_("offers")
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    state = FSMField(
        _("state"),
        max_length=16,
        choices=CampaignState.choices,
        default=CampaignState.DRAFT,
        protected=True,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when it closed by itself at its closing time."),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    allocated_at = models.DateTimeField(_("allocated at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)
    closing_reminder_sent_at = models.DateTimeField(
        _("closing reminder sent at"),
        null=True,
        blank=True,
        help_text=_("When the members were reminded, a day before the closing."),
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-closes_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="%(app_label)s_%(class)s_closes_after_opening",
                violation_error_message=_("A campaign closes after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=CampaignState.values),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=CampaignState.CANCELLED) | ~Q(cancel_reason=""),
                name="%(app_label)s_%(class)s_cancelled_with_reason",
            ),
        ]
        indexes = [
            models.Index(
                fields=["closes_at"],
                name="procurement_campaign_open_due",
                condition=Q(state__in=[CampaignState.OPEN, CampaignState.CLOSED]),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def coordinator_id(self) -> int:
        return self.groupement.coordinator_id

    # --- The lifecycle, run by procurement.services only. Who may: the coordinator, or the
    # system itself (no organisation) at the closing time. ---

    @transition(
        field=state,
        source=CampaignState.DRAFT,
        target=CampaignState.OPEN,
        permission=_is_coordinator,
    )
    def open(self, *, user, at) -> None:
        """The coordinator publishes the campaign: its members are told and commit from its
        opening time to its closing time."""
        self.opened_by = user
        self.opened_at = at

    @transition(
        field=state,
        source=CampaignState.OPEN,
        target=CampaignState.CLOSED,
        permission=_is_coordinator,
    )
    def close(self, *, user, at) -> None:
        """No more commitments: at the closing time, or earlier by the coordinator."""
        self.closed_by = user
        self.closed_at = at

    @transition(
        field=state,
        source=CampaignState.CLOSED,
        target=CampaignState.ALLOCATED,
        permission=_is_coordinator,
    )
    def allocate(self, *, at) -> None:
        """The allocation is recorded and the orders placed, their devices reserved."""
        self.allocated_at = at

    @transition(
        field=state,
        source=CampaignState.ALLOCATED,
        target=CampaignState.COMPLETED,
        permission=_is_coordinator,
    )
    def complete(self, *, at) -> None:
        """Every order of the campaign is settled: delivered or cancelled."""
        self.completed_at = at

    @transition(
        field=state,
        source=[
            CampaignState.DRAFT,
            CampaignState.OPEN,
            CampaignState.CLOSED,
            CampaignState.ALLOCATED,
        ],
        target=CampaignState.CANCELLED,
        permission=_is_coordinator,
    )
    def cancel(self, *, user, at, reason: str) -> None:
        """The coordinator calls the campaign off before delivery; its orders are cancelled
        with it and their devices go back to stock."""
        self.cancelled_by = user
        self.cancelled_at = at
        self.cancel_reason = reason


class CampaignOffer(models.Model):
    """An offer of a campaign, and what the closing made of it: the stock it found, the
    demand, the total allocated, the tier reached (its unit price for every buyer) or why the
    offer was dropped. Empty until the campaign is allocated."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="campaign_offers")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="campaign_offers")
    stock = models.PositiveIntegerField(_("stock at the closing"), null=True, blank=True)
    demand = models.PositiveIntegerField(_("demand"), null=True, blank=True)
    allocated = models.PositiveIntegerField(_("allocated"), null=True, blank=True)
    tier_threshold = models.PositiveIntegerField(_("tier reached"), null=True, blank=True)
    unit_price = models.DecimalField(
        _("unit price excl. VAT"),
        max_digits=PRICE_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
    )
    reason = models.CharField(
        _("outcome"), max_length=16, choices=AllocationReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("offer of a campaign")
        verbose_name_plural = _("offers of campaigns")
        ordering = ["campaign", "offer"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "offer"], name="%(app_label)s_%(class)s_unique_offer"
            ),
            models.CheckConstraint(
                condition=Q(allocated__isnull=True)
                | (Q(allocated__lte=F("stock")) & Q(allocated__lte=F("demand"))),
                name="%(app_label)s_%(class)s_allocated_within_stock_and_demand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.offer_id}"


class Commitment(models.Model):
    """A member's commitment to a campaign: a quantity per offer (:class:`CommitmentLine`), a
    delivery site, a contact and the references its accounting needs on the order. One per
    member and campaign; changed or withdrawn until the closing time. ``committed_at`` is its
    place in the queue (ties of the allocation go to the earliest): a change keeps it."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("campaign")
    )
    buyer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="commitments",
        verbose_name=_("member"),
    )
    delivery_site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("delivery site")
    )
    contact_name = models.CharField(_("contact"), max_length=150)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, validators=[validate_siret])
    service_code = models.CharField(
        _("service code"),
        max_length=100,
        blank=True,
        help_text=_("The service that receives the invoice in Chorus Pro, when it has one."),
    )
    engagement_number = models.CharField(
        _("engagement number"),
        max_length=50,
        blank=True,
        help_text=_("The legal commitment's number your accounting gives the order, if any."),
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    committed_at = models.DateTimeField(_("committed at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["campaign", "committed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "buyer"],
                name="%(app_label)s_%(class)s_one_per_member_and_campaign",
                violation_error_message=_("Your organisation already committed to this campaign."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer} → {self.campaign}"


class CommitmentLine(models.Model):
    """How many devices of one offer a commitment asks for."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="lines", verbose_name=_("commitment")
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="commitment_lines", verbose_name=_("offer")
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(MAX_QUANTITY)]
    )

    class Meta:
        verbose_name = _("line of a commitment")
        verbose_name_plural = _("lines of commitments")
        ordering = ["commitment", "offer"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "offer"], name="%(app_label)s_%(class)s_unique_offer"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="%(app_label)s_%(class)s_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id}: {self.quantity} × {self.offer_id}"


class AllocationLine(models.Model):
    """What the closing gave one commitment of one offer, at what price and why: the record
    of the allocation (:mod:`procurement.allocation`), immutable once written."""

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        related_name="allocation_lines",
        verbose_name=_("campaign"),
    )
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        related_name="allocation_lines",
        verbose_name=_("commitment"),
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="allocation_lines", verbose_name=_("offer")
    )
    asked = models.PositiveIntegerField(_("asked"))
    allocated = models.PositiveIntegerField(_("allocated"))
    reason = models.CharField(_("reason"), max_length=16, choices=AllocationReason.choices)
    unit_price = models.DecimalField(
        _("unit price excl. VAT"),
        max_digits=PRICE_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
    )
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    amount_excl_vat = models.DecimalField(
        _("amount excl. VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2
    )
    vat_amount = models.DecimalField(_("VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2)
    amount_incl_vat = models.DecimalField(
        _("amount incl. VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2
    )

    class Meta:
        verbose_name = _("allocation line")
        verbose_name_plural = _("allocation lines")
        ordering = ["campaign", "offer", "commitment"]
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "offer"], name="%(app_label)s_%(class)s_unique_offer"
            ),
            models.CheckConstraint(
                condition=Q(allocated__lte=F("asked")),
                name="%(app_label)s_%(class)s_not_above_asked",
            ),
            models.CheckConstraint(
                condition=Q(reason__in=AllocationReason.values),
                name="%(app_label)s_%(class)s_reason_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(reason=AllocationReason.DROPPED, allocated=0, unit_price__isnull=True)
                    | (~Q(reason=AllocationReason.DROPPED) & Q(unit_price__isnull=False))
                ),
                name="%(app_label)s_%(class)s_dropped_gets_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id}/{self.offer_id}: {self.allocated}/{self.asked}"

    @property
    def shortfall(self) -> int:
        return self.asked - self.allocated


class Order(FSMModelMixin, models.Model):
    """What one buyer orders from one partner in a campaign: its lines and reserved devices,
    priced by the allocation. Placed by the closing; cancelled before delivery with a reason,
    its devices back in stock."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="orders", verbose_name=_("campaign")
    )
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="orders", verbose_name=_("commitment")
    )
    buyer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="purchase_orders",
        verbose_name=_("buyer"),
    )
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="orders_received",
        verbose_name=_("partner"),
    )
    state = FSMField(
        _("state"),
        max_length=16,
        choices=OrderState.choices,
        default=OrderState.PLACED,
        protected=True,
        db_index=True,
    )
    total_excl_vat = models.DecimalField(
        _("total excl. VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2
    )
    total_vat = models.DecimalField(_("VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2)
    total_incl_vat = models.DecimalField(
        _("total incl. VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2
    )
    created_at = models.DateTimeField(_("placed at"), default=timezone.now)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "buyer", "partner"],
                name="%(app_label)s_%(class)s_one_per_buyer_and_partner",
            ),
            models.CheckConstraint(
                condition=Q(state__in=OrderState.values),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state=OrderState.CANCELLED) | ~Q(cancel_reason=""),
                name="%(app_label)s_%(class)s_cancelled_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(total_incl_vat=Round(F("total_excl_vat") + F("total_vat"), 2)),
                name="%(app_label)s_%(class)s_totals_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer} ← {self.partner} ({self.campaign})"

    @property
    def coordinator_id(self) -> int:
        return self.campaign.groupement.coordinator_id

    @transition(
        field=state,
        source=OrderState.PLACED,
        target=OrderState.CANCELLED,
        permission=_is_coordinator,
    )
    def cancel(self, *, user, at, reason: str) -> None:
        """The coordinator cancels the order before delivery; its devices go back to stock."""
        self.cancelled_by = user
        self.cancelled_at = at
        self.cancel_reason = reason


class OrderLine(models.Model):
    """One offer of an order: the quantity allocated, its unit price and VAT rate as the
    allocation fixed them, and its amounts rounded to the cent."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="lines", verbose_name=_("order")
    )
    allocation_line = models.OneToOneField(
        AllocationLine,
        on_delete=models.PROTECT,
        related_name="order_line",
        verbose_name=_("allocation line"),
    )
    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("offer")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(
        _("unit price excl. VAT"), max_digits=PRICE_DIGITS, decimal_places=2
    )
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    amount_excl_vat = models.DecimalField(
        _("amount excl. VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2
    )
    vat_amount = models.DecimalField(_("VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2)
    amount_incl_vat = models.DecimalField(
        _("amount incl. VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2
    )

    class Meta:
        verbose_name = _("line of an order")
        verbose_name_plural = _("lines of orders")
        ordering = ["order", "offer"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "offer"], name="%(app_label)s_%(class)s_unique_offer"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="%(app_label)s_%(class)s_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.quantity} × {self.offer_id}"


class OrderDevice(models.Model):
    """A device reserved for an order line. ``is_reserved`` follows the order: cleared when it
    is cancelled, so that the database keeps a device in one standing order at most."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="items", verbose_name=_("order")
    )
    line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="items", verbose_name=_("line")
    )
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="order_items", verbose_name=_("device")
    )
    is_reserved = models.BooleanField(_("reserved"), default=True)

    class Meta:
        verbose_name = _("device of an order")
        verbose_name_plural = _("devices of orders")
        ordering = ["order", "device"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "device"], name="%(app_label)s_%(class)s_unique_device"
            ),
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(is_reserved=True),
                name="%(app_label)s_%(class)s_one_standing_order_per_device",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.device_id}"


def _is_buyer_of(delivery, organisation: Organisation) -> bool:
    """The order's buyer decides on its deliveries."""
    return organisation.pk == delivery.buyer_id


class Delivery(FSMModelMixin, models.Model):
    """A delivery of an order, prepared by its partner: all or part of the order's reserved
    devices, to one of the buyer's delivery sites, on a date. The buyer decides on it
    (:class:`Admission`); an order may be delivered in several deliveries."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("order")
    )
    # The order's parties, kept on the row so that who may read and act is one filter.
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="deliveries_sent",
        verbose_name=_("partner"),
    )
    buyer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="deliveries_received",
        verbose_name=_("buyer"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("delivery site")
    )
    delivery_date = models.DateField(_("delivery date"))
    state = FSMField(
        _("state"),
        max_length=16,
        choices=DeliveryState.choices,
        default=DeliveryState.PREPARED,
        protected=True,
        db_index=True,
    )
    note = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivery note"),
    )
    signed_note = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed delivery note"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("prepared at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values),
                name="%(app_label)s_%(class)s_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.buyer} ({self.delivery_date})"

    @transition(
        field=state,
        source=list(DELIVERY_AWAITING_STATES),
        target=DeliveryState.ADMITTED,
        permission=_is_buyer_of,
    )
    def admit(self) -> None:
        """The buyer admits the delivery, with or without a réfaction."""

    @transition(
        field=state,
        source=list(DELIVERY_AWAITING_STATES),
        target=DeliveryState.POSTPONED,
        permission=_is_buyer_of,
    )
    def postpone(self) -> None:
        """The buyer postpones its decision until the partner corrects the delivery."""

    @transition(
        field=state,
        source=list(DELIVERY_AWAITING_STATES),
        target=DeliveryState.REJECTED,
        permission=_is_buyer_of,
    )
    def reject(self) -> None:
        """The buyer rejects the delivery: its devices go back to the partner's stock."""


class DeliveryDevice(models.Model):
    """A device of a delivery: the order's reserved device, its line (price and VAT rate),
    and what the buyer's decision made of it: admitted (its warranty running from the
    admission date) or refused, at the door or with the whole delivery, with the reason."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.PROTECT, related_name="items", verbose_name=_("delivery")
    )
    order_item = models.ForeignKey(
        OrderDevice,
        on_delete=models.PROTECT,
        related_name="delivery_items",
        verbose_name=_("device of the order"),
    )
    line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="delivery_items", verbose_name=_("line")
    )
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="delivery_items", verbose_name=_("device")
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=DeliveryItemOutcome.choices,
        default=DeliveryItemOutcome.PENDING,
    )
    refusal_reason = models.TextField(_("reason for the refusal"), blank=True)
    warranty_ends_on = models.DateField(_("warranty ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("device of a delivery")
        verbose_name_plural = _("devices of deliveries")
        ordering = ["delivery", "device"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "device"], name="%(app_label)s_%(class)s_unique_device"
            ),
            # A device is in one delivery at a time, and delivered once; refused, it may be
            # ordered and delivered again.
            models.UniqueConstraint(
                fields=["device"],
                condition=~Q(outcome=DeliveryItemOutcome.REFUSED),
                name="%(app_label)s_%(class)s_one_standing_delivery_per_device",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=DeliveryItemOutcome.values),
                name="%(app_label)s_%(class)s_outcome_valid",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=DeliveryItemOutcome.REFUSED) | ~Q(refusal_reason=""),
                name="%(app_label)s_%(class)s_refused_with_reason",
            ),
            models.CheckConstraint(
                condition=(
                    Q(outcome=DeliveryItemOutcome.ADMITTED, warranty_ends_on__isnull=False)
                    | (~Q(outcome=DeliveryItemOutcome.ADMITTED) & Q(warranty_ends_on__isnull=True))
                ),
                name="%(app_label)s_%(class)s_warranty_when_admitted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.device_id} ({self.outcome})"


class Admission(models.Model):
    """The buyer's decision on a delivery (CCAG-FCS 2021): admission, admission with a
    réfaction (an amount excl. VAT off the price, and why), postponement (ajournement) or
    rejection, with its date and signatory, and its record (procès-verbal, ``PV-…``). A
    delivery gets one final decision at most (a database constraint); postponements come
    before it."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.PROTECT, related_name="admissions", verbose_name=_("delivery")
    )
    decision = models.CharField(_("decision"), max_length=16, choices=AdmissionDecision.choices)
    decided_on = models.DateField(_("date of the decision"))
    reason = models.TextField(_("reason"), blank=True)
    reduction_amount = models.DecimalField(
        _("réfaction excl. VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2, default=Decimal(0)
    )
    signatory_name = models.CharField(_("signatory"), max_length=150)
    signatory_title = models.CharField(_("signatory's title"), max_length=150, blank=True)
    record = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("admission record"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("admission decision")
        verbose_name_plural = _("admission decisions")
        ordering = ["delivery", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery"],
                condition=Q(decision__in=sorted(FINAL_DECISIONS)),
                name="%(app_label)s_%(class)s_one_final_decision",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=AdmissionDecision.values),
                name="%(app_label)s_%(class)s_decision_valid",
            ),
            models.CheckConstraint(
                condition=Q(reduction_amount__gte=0)
                & (Q(decision=AdmissionDecision.REDUCTION) | Q(reduction_amount=0)),
                name="%(app_label)s_%(class)s_reduction_only_with_reduction",
            ),
            models.CheckConstraint(
                condition=~Q(decision=AdmissionDecision.REDUCTION)
                | (Q(reduction_amount__gt=0) & ~Q(reason="")),
                name="%(app_label)s_%(class)s_reduction_has_amount_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.decision} ({self.decided_on})"


class Invoice(FSMModelMixin, models.Model):
    """The partner's invoice of a delivery's admitted devices (``FA-…``): a Factur-X PDF/A-3
    (:mod:`documents.facturx`) issued once and never changed; cancelled by a credit note
    (:class:`CreditNote`), after which the delivery may be invoiced again. Its totals are the
    invoice's, as its XML states them."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("delivery")
    )
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="invoices_issued",
        verbose_name=_("partner"),
    )
    buyer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="invoices_received",
        verbose_name=_("buyer"),
    )
    state = FSMField(
        _("state"),
        max_length=16,
        choices=InvoiceState.choices,
        default=InvoiceState.ISSUED,
        protected=True,
        db_index=True,
    )
    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    total_excl_vat = models.DecimalField(
        _("total excl. VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2
    )
    total_vat = models.DecimalField(_("VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2)
    total_incl_vat = models.DecimalField(
        _("total incl. VAT"), max_digits=AMOUNT_DIGITS, decimal_places=2
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery"],
                condition=Q(state=InvoiceState.ISSUED),
                name="%(app_label)s_%(class)s_one_standing_per_delivery",
            ),
            models.CheckConstraint(
                condition=Q(state__in=InvoiceState.values),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(total_incl_vat=Round(F("total_excl_vat") + F("total_vat"), 2)),
                name="%(app_label)s_%(class)s_totals_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.partner} → {self.buyer}"

    @transition(field=state, source=InvoiceState.ISSUED, target=InvoiceState.CANCELLED)
    def cancel(self) -> None:
        """A credit note cancels the invoice."""

    @property
    def credit_note(self) -> CreditNote | None:
        """The credit note that cancelled the invoice whole, if any (partial credit notes,
        which refund some of its devices, leave it issued). Reads ``credit_notes`` as
        prefetched."""
        return next((note for note in self.credit_notes.all() if not note.is_partial), None)


class CreditNote(models.Model):
    """A credit note (type 381) of an invoice, with its reason, naming the invoice; its own
    numbers (``AV-…``). Whole, it cancels the invoice: the lines and amounts not refunded yet
    (all of them when no partial one came before). Partial, it refunds some of the invoice's
    devices (:class:`CreditNoteDevice`, a warranty return's refund), at their invoiced price
    less their share of any réfaction, and the invoice stays issued."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("invoice")
    )
    is_partial = models.BooleanField(
        _("partial"),
        default=False,
        help_text=_("A partial credit note refunds some devices; a whole one cancels the invoice."),
    )
    reason = models.TextField(_("reason"))
    document = models.OneToOneField(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("document")
    )
    issued_on = models.DateField(_("issued on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="%(app_label)s_%(class)s_with_reason"
            ),
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(is_partial=False),
                name="%(app_label)s_%(class)s_one_cancellation_per_invoice",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.invoice_id}"


class CreditNoteDevice(models.Model):
    """A device refunded by a partial credit note: the delivery's admitted device, on the
    invoice's line of its order line. A device is refunded once (the database says so)."""

    credit_note = models.ForeignKey(
        CreditNote, on_delete=models.PROTECT, related_name="items", verbose_name=_("credit note")
    )
    delivery_item = models.ForeignKey(
        DeliveryDevice,
        on_delete=models.PROTECT,
        related_name="credit_note_items",
        verbose_name=_("device of the delivery"),
    )

    class Meta:
        verbose_name = _("device of a credit note")
        verbose_name_plural = _("devices of credit notes")
        ordering = ["credit_note", "delivery_item"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery_item"],
                name="%(app_label)s_%(class)s_refunded_once",
                violation_error_message=_("This device is refunded already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credit_note_id}: {self.delivery_item_id}"


def _is_partner_of(warranty_return, organisation: Organisation) -> bool:
    """The partner that delivered the device records the outcome of its return."""
    return organisation.pk == warranty_return.partner_id


class WarrantyReturn(FSMModelMixin, models.Model):
    """A delivered device reported faulty by its buyer during its warranty, and what its
    partner made of it: repaired (the device stays the buyer's), replaced by another ``ready``
    device of the same offer (delivered to the buyer, the faulty one taken back), or refunded
    by a partial credit note of its invoice (the device taken back). ``delivery_item`` is the
    purchase the warranty comes from: the device's own admitted delivery, or, for a
    replacement, the one of the device it replaced. One open return per device (the database
    says so); each outcome is recorded once."""

    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="warranty_returns", verbose_name=_("device")
    )
    delivery_item = models.ForeignKey(
        DeliveryDevice,
        on_delete=models.PROTECT,
        related_name="warranty_returns",
        verbose_name=_("purchase under warranty"),
    )
    buyer = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="warranty_returns_reported",
        verbose_name=_("buyer"),
    )
    partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="warranty_returns_received",
        verbose_name=_("partner"),
    )
    state = FSMField(
        _("state"),
        max_length=16,
        choices=ReturnState.choices,
        default=ReturnState.OPEN,
        protected=True,
        db_index=True,
    )
    fault = models.TextField(_("fault"), max_length=1000)
    warranty_ends_on = models.DateField(_("warranty ends on"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    outcome_note = models.TextField(_("what was done"), max_length=1000, blank=True)
    replacement = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_returns",
        verbose_name=_("replacement"),
    )
    replacement_warranty_ends_on = models.DateField(
        _("replacement's warranty ends on"), null=True, blank=True
    )
    credit_note = models.OneToOneField(
        CreditNote,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warranty_return",
        verbose_name=_("credit note"),
    )
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("warranty return")
        verbose_name_plural = _("warranty returns")
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(state=ReturnState.OPEN),
                name="%(app_label)s_%(class)s_one_open_per_device",
                violation_error_message=_("A return of this device is open already."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=ReturnState.values),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(fault=""), name="%(app_label)s_%(class)s_with_fault"
            ),
            models.CheckConstraint(
                condition=(
                    Q(state=ReturnState.OPEN, settled_at__isnull=True)
                    | (~Q(state=ReturnState.OPEN) & Q(settled_at__isnull=False))
                ),
                name="%(app_label)s_%(class)s_settled_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(state=ReturnState.REPAIRED) | ~Q(outcome_note=""),
                name="%(app_label)s_%(class)s_repair_says_what_was_done",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        state=ReturnState.REPLACED,
                        replacement__isnull=False,
                        replacement_warranty_ends_on__isnull=False,
                    )
                    | (
                        ~Q(state=ReturnState.REPLACED)
                        & Q(replacement__isnull=True, replacement_warranty_ends_on__isnull=True)
                    )
                ),
                name="%(app_label)s_%(class)s_replacement_when_replaced",
            ),
            models.CheckConstraint(
                condition=(
                    Q(state=ReturnState.REFUNDED, credit_note__isnull=False)
                    | (~Q(state=ReturnState.REFUNDED) & Q(credit_note__isnull=True))
                ),
                name="%(app_label)s_%(class)s_credit_note_when_refunded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id}: {self.state} ({self.reported_at:%Y-%m-%d})"

    @transition(
        field=state, source=ReturnState.OPEN, target=ReturnState.REPAIRED, permission=_is_partner_of
    )
    def repair(self) -> None:
        """The partner repaired the device, which stays the buyer's."""

    @transition(
        field=state, source=ReturnState.OPEN, target=ReturnState.REPLACED, permission=_is_partner_of
    )
    def replace(self) -> None:
        """The partner delivered another device of the same offer and took this one back."""

    @transition(
        field=state, source=ReturnState.OPEN, target=ReturnState.REFUNDED, permission=_is_partner_of
    )
    def refund(self) -> None:
        """The partner refunded the device by a credit note and took it back."""


# --- Donations (free cessions, CG3P art. L3212-2 3°). ---

# A donated device's value, in euros to the cent, as its agreement states it.
DONATION_VALUE_DIGITS = 8


def _is_donor_of(donation, organisation: Organisation) -> bool:
    """The donor gives its devices away, and may cancel before their receipt."""
    return organisation.pk == donation.donor_id


def _is_beneficiary_of(donation, organisation: Organisation) -> bool:
    """The beneficiary confirms it received the devices."""
    return organisation.pk == donation.beneficiary_id


class Donation(FSMModelMixin, models.Model):
    """A free cession of ``ready`` devices by their holder (a partner, typically) to a buyer
    of one of the categories of CG3P art. L3212-2 3°: each device valued within the ceiling
    of the regulatory data, the beneficiary committing not to resell them, under a donation
    agreement (convention de cession, ``CD-…``). Its devices are reserved until the
    beneficiary confirms their receipt, which delivers them; the donor may cancel before.
    ``flat_value`` is what the donation counts for in the beneficiary's AGEC purchase share
    (the flat values of the regulatory data, per device)."""

    donor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="donations_given",
        verbose_name=_("donor"),
    )
    beneficiary = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="donations_received",
        verbose_name=_("beneficiary"),
    )
    # The beneficiary's category when the donation was made, as the agreement states it.
    beneficiary_category = models.CharField(
        _("beneficiary's category"),
        max_length=32,
        choices=CessionEligibility.choices,
    )
    state = FSMField(
        _("state"),
        max_length=16,
        choices=DonationState.choices,
        default=DonationState.OFFERED,
        protected=True,
        db_index=True,
    )
    offered_on = models.DateField(_("date of the agreement"))
    total_value = models.DecimalField(_("total value"), max_digits=AMOUNT_DIGITS, decimal_places=2)
    flat_value = models.DecimalField(
        _("value counted in the AGEC purchase share"),
        max_digits=AMOUNT_DIGITS,
        decimal_places=2,
    )
    ceiling = models.DecimalField(
        _("value ceiling per device"), max_digits=DONATION_VALUE_DIGITS, decimal_places=2
    )
    agreement = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("donation agreement"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("offered at"), default=timezone.now)
    received_on = models.DateField(_("received on"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=DonationState.values),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(donor=F("beneficiary")),
                name="%(app_label)s_%(class)s_not_to_itself",
            ),
            models.CheckConstraint(
                condition=~Q(beneficiary_category=CessionEligibility.NOT_ELIGIBLE)
                & Q(beneficiary_category__in=CessionEligibility.values),
                name="%(app_label)s_%(class)s_beneficiary_eligible",
            ),
            models.CheckConstraint(
                condition=Q(total_value__gte=0) & Q(flat_value__gte=0) & Q(ceiling__gt=0),
                name="%(app_label)s_%(class)s_values_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(state=DonationState.RECEIVED) | Q(received_on__isnull=False),
                name="%(app_label)s_%(class)s_received_with_date",
            ),
            models.CheckConstraint(
                condition=~Q(state=DonationState.CANCELLED) | ~Q(cancel_reason=""),
                name="%(app_label)s_%(class)s_cancelled_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.donor} → {self.beneficiary} ({self.offered_on})"

    @transition(
        field=state,
        source=DonationState.OFFERED,
        target=DonationState.RECEIVED,
        permission=_is_beneficiary_of,
    )
    def receive(self, *, user, on: datetime.date) -> None:
        """The beneficiary confirms it received the devices."""
        self.received_on, self.received_by = on, user

    @transition(
        field=state,
        source=DonationState.OFFERED,
        target=DonationState.CANCELLED,
        permission=_is_donor_of,
    )
    def cancel(self, *, user, at, reason: str) -> None:
        """The donor cancels before the receipt, saying why."""
        self.cancelled_by, self.cancelled_at, self.cancel_reason = user, at, reason


class DonationDevice(models.Model):
    """A device of a donation, its value (at most the ceiling, which the service checks
    against the data in force) and what it counts for in the AGEC purchase share; the offer
    whose stock it left, to put it back if the donation is cancelled. A device is in one
    standing donation at most."""

    donation = models.ForeignKey(
        Donation, on_delete=models.PROTECT, related_name="items", verbose_name=_("donation")
    )
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="donation_items", verbose_name=_("device")
    )
    value = models.DecimalField(_("value"), max_digits=DONATION_VALUE_DIGITS, decimal_places=2)
    flat_value = models.DecimalField(
        _("value counted in the AGEC purchase share"),
        max_digits=DONATION_VALUE_DIGITS,
        decimal_places=2,
    )
    offer = models.ForeignKey(
        "Offer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("offer left"),
    )
    is_standing = models.BooleanField(_("standing"), default=True)

    class Meta:
        verbose_name = _("device of a donation")
        verbose_name_plural = _("devices of donations")
        ordering = ["donation", "device"]
        constraints = [
            models.UniqueConstraint(
                fields=["donation", "device"], name="%(app_label)s_%(class)s_unique_device"
            ),
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(is_standing=True),
                name="%(app_label)s_%(class)s_one_standing_donation_per_device",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(flat_value__gte=0),
                name="%(app_label)s_%(class)s_values_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.donation_id}: {self.device_id} ({self.value})"
