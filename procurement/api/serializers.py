"""What the group purchasing API reads and answers.

Input serializers check types and ranges only; the rules (who may, when, what matches) are
the services' and come back as their errors.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common import limits
from inventory.api.serializers import OrganisationBriefSerializer
from inventory.choices import DeviceCategory
from inventory.models import CODE_LENGTH, Device
from procurement.allocation import AllocatedLine, OfferOutcome
from procurement.choices import (
    AdmissionDecision,
    AllocationReason,
    CampaignState,
    DeliveryItemOutcome,
    DeliveryState,
    InvoiceState,
    OrderState,
)
from procurement.models import (
    MAX_QUANTITY,
    MINIMUM_WARRANTY_MONTHS,
    Admission,
    Campaign,
    Commitment,
    Delivery,
    DeliveryDevice,
    Groupement,
    Invoice,
    Offer,
    Order,
    OrderLine,
)
from procurement.services.campaigns import MAX_OFFERS
from procurement.services.deliveries import MAX_DEVICES, SIGNATORY_MAX_LENGTH
from procurement.services.offers import MAX_TIERS
from procurement.services.orders import REASON_MAX_LENGTH
from reuse.choices import Grade
from reuse.forms import MAX_SELECTION

PRICE_LIMIT = Decimal("99999999.99")


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **kwargs)


class PriceTierSerializer(serializers.Serializer):
    threshold = serializers.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        help_text=_("From this many devices pooled by the campaign…"),
    )
    unit_price = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=PRICE_LIMIT,
        help_text=_("…each device costs this, excl. VAT, in euros."),
    )


class OfferSerializer(serializers.ModelSerializer):
    partner = OrganisationBriefSerializer(read_only=True)
    price_tiers = serializers.SerializerMethodField(
        help_text=_("The unit prices by pooled quantity, lowest threshold first.")
    )
    stock_count = serializers.SerializerMethodField(
        help_text=_("How many devices count in its stock: ready and matching.")
    )

    class Meta:
        model = Offer
        fields = [
            "id",
            "partner",
            "title",
            "description",
            "category",
            "processor",
            "min_ram_gb",
            "min_storage_gb",
            "min_screen_size_inches",
            "grade",
            "warranty_months",
            "vat_rate",
            "minimum_quantity",
            "is_active",
            "price_tiers",
            "stock_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PriceTierSerializer(many=True))
    def get_price_tiers(self, offer: Offer) -> list[dict]:
        tiers = sorted(offer.tiers.all(), key=lambda tier: tier.threshold)
        return PriceTierSerializer(tiers, many=True).data

    @extend_schema_field(serializers.IntegerField())
    def get_stock_count(self, offer: Offer) -> int:
        return self.context.get("stock_counts", {}).get(offer.pk, 0)


class OfferWriteSerializer(serializers.Serializer):
    """A new offer: what it sells, on what terms, and its price tiers."""

    partner = serializers.SlugField(
        required=False,
        write_only=True,
        help_text=_("The short name of your partner; needed only when you belong to several."),
    )
    title = serializers.CharField(max_length=limits.max_length(Offer, "title"))
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    category = serializers.ChoiceField(choices=DeviceCategory.choices)
    processor = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.max_length(Offer, "processor")
    )
    min_ram_gb = serializers.DecimalField(
        max_digits=7,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("4096"),
        required=False,
        allow_null=True,
    )
    min_storage_gb = serializers.IntegerField(
        min_value=0, max_value=200_000, required=False, allow_null=True
    )
    min_screen_size_inches = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("1"),
        max_value=Decimal("120"),
        required=False,
        allow_null=True,
    )
    grade = serializers.ChoiceField(
        choices=Grade.choices, help_text=_("Devices of this grade or better.")
    )
    warranty_months = serializers.IntegerField(
        min_value=MINIMUM_WARRANTY_MONTHS,
        max_value=120,
        help_text=_("At least 12 months."),
    )
    vat_rate = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        help_text=_("In percent, e.g. 20.00."),
    )
    minimum_quantity = serializers.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        help_text=_("Below this pooled quantity the offer is dropped at the closing."),
    )
    price_tiers = PriceTierSerializer(many=True, allow_empty=False, max_length=MAX_TIERS)


class OfferUpdateSerializer(OfferWriteSerializer):
    """A change of an offer: the fields sent change; ``price_tiers`` replaces them all."""

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)
        self.fields.pop("partner")


class StockAddSerializer(serializers.Serializer):
    codes = serializers.ListField(
        child=serializers.CharField(max_length=CODE_LENGTH),
        required=False,
        allow_empty=False,
        max_length=MAX_SELECTION,
        help_text=_("Codes of your ready devices to put in (all or none)."),
    )
    every_match = serializers.BooleanField(
        required=False,
        help_text=_("Put in every ready device of yours that matches and is in no offer."),
    )

    def validate(self, attrs: dict) -> dict:
        if ("codes" in attrs) == bool(attrs.get("every_match")):
            raise serializers.ValidationError(
                _("Send either codes or every_match set to true."), code="one_of"
            )
        return attrs


class StockRemoveSerializer(serializers.Serializer):
    codes = serializers.ListField(
        child=serializers.CharField(max_length=CODE_LENGTH),
        allow_empty=False,
        max_length=MAX_SELECTION,
        help_text=_("Codes of the devices to take out; they stay ready."),
    )


class StockChangeSerializer(serializers.Serializer):
    codes = serializers.ListField(
        child=serializers.CharField(), help_text=_("Codes of the devices put in or taken out.")
    )


class StockDeviceSerializer(serializers.ModelSerializer):
    grade = serializers.CharField(
        source="current_grade", allow_null=True, read_only=True, help_text=_("Its latest grade.")
    )
    counts = serializers.SerializerMethodField(
        help_text=_("Whether it counts in the stock: still ready and matching the offer.")
    )

    class Meta:
        model = Device
        fields = [
            "code",
            "category",
            "brand",
            "model",
            "cpu",
            "ram_gb",
            "storage_gb",
            "screen_size_inches",
            "grade",
            "state",
            "counts",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_counts(self, device: Device) -> bool:
        return device.pk in self.context["counting"]


class GroupementBriefSerializer(serializers.ModelSerializer):
    coordinator = OrganisationBriefSerializer(read_only=True)

    class Meta:
        model = Groupement
        fields = ["id", "name", "reference", "convention_date", "coordinator"]
        read_only_fields = fields


class OfferBriefSerializer(serializers.ModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Offer
        fields = ["id", "title", "category", "partner"]
        read_only_fields = fields


class CampaignSerializer(serializers.ModelSerializer):
    groupement = GroupementBriefSerializer(read_only=True)
    offers = OfferBriefSerializer(many=True, read_only=True)
    state = serializers.ChoiceField(choices=CampaignState.choices, read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "groupement",
            "title",
            "description",
            "state",
            "opens_at",
            "closes_at",
            "offers",
            "created_at",
            "opened_at",
            "closed_at",
            "allocated_at",
            "completed_at",
            "cancelled_at",
            "cancel_reason",
        ]
        read_only_fields = fields


class CampaignWriteSerializer(serializers.Serializer):
    groupement = serializers.IntegerField(
        min_value=1, help_text=_("The id of your territory's groupement de commandes.")
    )
    title = serializers.CharField(max_length=limits.max_length(Campaign, "title"))
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    opens_at = serializers.DateTimeField(help_text=_("When members may start committing."))
    closes_at = serializers.DateTimeField(help_text=_("When the campaign closes by itself."))
    offers = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=MAX_OFFERS,
        help_text=_("Ids of the active offers it holds."),
    )


class CampaignUpdateSerializer(CampaignWriteSerializer):
    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)
        self.fields.pop("groupement")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text=_("Why: kept with the cancellation, e-mailed.")
    )


class CommitmentLineSerializer(serializers.Serializer):
    offer = serializers.IntegerField(
        min_value=1, help_text=_("The id of an offer of the campaign.")
    )
    quantity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY)


class CommitmentSerializer(serializers.ModelSerializer):
    buyer = OrganisationBriefSerializer(read_only=True)
    lines = serializers.SerializerMethodField()
    delivery_site = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "campaign",
            "buyer",
            "lines",
            "delivery_site",
            "contact_name",
            "contact_email",
            "contact_phone",
            "siret",
            "service_code",
            "engagement_number",
            "committed_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CommitmentLineSerializer(many=True))
    def get_lines(self, commitment: Commitment) -> list[dict]:
        return [
            {"offer": line.offer_id, "quantity": line.quantity} for line in commitment.lines.all()
        ]


class CommitmentWriteSerializer(serializers.Serializer):
    """A member's commitment, created or replaced whole."""

    buyer = serializers.SlugField(
        required=False,
        write_only=True,
        help_text=_(
            "The short name of the commune or buyer you commit for; needed only when you "
            "belong to several."
        ),
    )
    lines = CommitmentLineSerializer(many=True, allow_empty=False, max_length=MAX_OFFERS)
    delivery_site = serializers.IntegerField(
        min_value=1, help_text=_("The id of one of your open delivery sites.")
    )
    contact_name = serializers.CharField(max_length=limits.max_length(Commitment, "contact_name"))
    contact_email = serializers.EmailField(
        max_length=limits.max_length(Commitment, "contact_email")
    )
    contact_phone = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.max_length(Commitment, "contact_phone")
    )
    siret = serializers.CharField(
        required=False,
        max_length=limits.max_length(Commitment, "siret"),
        help_text=_("Your organisation's SIRET by default."),
    )
    service_code = serializers.CharField(
        required=False, allow_blank=True, max_length=limits.max_length(Commitment, "service_code")
    )
    engagement_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=limits.max_length(Commitment, "engagement_number"),
    )

    def validate_lines(self, lines: list[dict]) -> list[dict]:
        offers = [line["offer"] for line in lines]
        if len(set(offers)) != len(offers):
            raise serializers.ValidationError(_("Give each offer once."), code="duplicate")
        return lines


class OfferOutcomeSerializer(serializers.Serializer):
    offer = serializers.IntegerField()
    title = serializers.CharField()
    partner = serializers.CharField(help_text=_("The partner's short name."))
    stock = serializers.IntegerField(help_text=_("Its devices still ready (at the closing)."))
    demand = serializers.IntegerField(help_text=_("The quantities asked, added up."))
    allocated = serializers.IntegerField()
    shortfall = serializers.IntegerField()
    minimum_quantity = serializers.IntegerField()
    tier_threshold = serializers.IntegerField(allow_null=True)
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    reason = serializers.ChoiceField(
        choices=AllocationReason.choices,
        allow_null=True,
        help_text=_("Empty when nobody asked for it."),
    )


class AllocationLineSerializer(serializers.Serializer):
    commitment = serializers.IntegerField()
    buyer = serializers.CharField(help_text=_("The member's short name."))
    offer = serializers.IntegerField()
    asked = serializers.IntegerField()
    allocated = serializers.IntegerField()
    shortfall = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=AllocationReason.choices)
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2)
    amount_excl_vat = _money()
    vat_amount = _money()
    amount_incl_vat = _money()


class AllocationSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    is_preview = serializers.BooleanField(
        help_text=_("True while nothing is recorded: what closing now would give.")
    )
    offers = OfferOutcomeSerializer(many=True)
    lines = AllocationLineSerializer(
        many=True, help_text=_("Your lines (every line for the territory).")
    )


def outcome_data(outcome: OfferOutcome, offer: Offer) -> dict:
    return {
        "offer": offer.pk,
        "title": offer.title,
        "partner": offer.partner.slug,
        "stock": outcome.stock,
        "demand": outcome.demand,
        "allocated": outcome.allocated,
        "shortfall": outcome.shortfall,
        "minimum_quantity": outcome.minimum_quantity,
        "tier_threshold": outcome.tier.threshold if outcome.tier else None,
        "unit_price": outcome.unit_price,
        "reason": outcome.reason,
    }


def line_data(line: AllocatedLine, buyer_slug: str) -> dict:
    return {
        "commitment": line.commitment,
        "buyer": buyer_slug,
        "offer": line.offer,
        "asked": line.asked,
        "allocated": line.allocated,
        "shortfall": line.shortfall,
        "reason": line.reason,
        "unit_price": line.unit_price,
        "vat_rate": line.vat_rate,
        "amount_excl_vat": line.amount_excl_vat,
        "vat_amount": line.vat_amount,
        "amount_incl_vat": line.amount_incl_vat,
    }


class OrderLineSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="offer.title", read_only=True)
    asked = serializers.IntegerField(source="allocation_line.asked", read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "offer",
            "title",
            "asked",
            "quantity",
            "unit_price",
            "vat_rate",
            "amount_excl_vat",
            "vat_amount",
            "amount_incl_vat",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    campaign = serializers.PrimaryKeyRelatedField(read_only=True)
    campaign_title = serializers.CharField(source="campaign.title", read_only=True)
    buyer = OrganisationBriefSerializer(read_only=True)
    partner = OrganisationBriefSerializer(read_only=True)
    state = serializers.ChoiceField(choices=OrderState.choices, read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    devices = serializers.SerializerMethodField(
        help_text=_("Codes of the devices reserved for it (none once cancelled).")
    )
    delivery_site = serializers.PrimaryKeyRelatedField(
        source="commitment.delivery_site", read_only=True
    )
    contact_name = serializers.CharField(source="commitment.contact_name", read_only=True)
    contact_email = serializers.CharField(source="commitment.contact_email", read_only=True)
    siret = serializers.CharField(source="commitment.siret", read_only=True)
    service_code = serializers.CharField(source="commitment.service_code", read_only=True)
    engagement_number = serializers.CharField(source="commitment.engagement_number", read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "campaign",
            "campaign_title",
            "buyer",
            "partner",
            "state",
            "lines",
            "devices",
            "total_excl_vat",
            "total_vat",
            "total_incl_vat",
            "delivery_site",
            "contact_name",
            "contact_email",
            "siret",
            "service_code",
            "engagement_number",
            "created_at",
            "cancelled_at",
            "cancel_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_devices(self, order: Order) -> list[str]:
        return [item.device.code for item in order.items.all() if item.is_reserved]


# --- Deliveries, admissions and invoices. ---

ID_LIMIT = 2**31 - 1


# The columns DeliveryDeviceSerializer reads of an item, its device and its line.
DELIVERY_ITEM_COLUMNS = (
    "delivery",
    "outcome",
    "refusal_reason",
    "warranty_ends_on",
    "device__code",
    "line__offer",
    "line__unit_price",
    "line__vat_rate",
)


class DeliveryDeviceSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="device.code", read_only=True)
    offer = serializers.IntegerField(source="line.offer_id", read_only=True)
    unit_price = _money(source="line.unit_price")
    vat_rate = serializers.DecimalField(
        source="line.vat_rate", max_digits=5, decimal_places=2, read_only=True
    )
    outcome = serializers.ChoiceField(choices=DeliveryItemOutcome.choices, read_only=True)

    class Meta:
        model = DeliveryDevice
        fields = [
            "code",
            "offer",
            "unit_price",
            "vat_rate",
            "outcome",
            "refusal_reason",
            "warranty_ends_on",
        ]
        read_only_fields = fields


class AdmissionSerializer(serializers.ModelSerializer):
    decision = serializers.ChoiceField(choices=AdmissionDecision.choices, read_only=True)
    reduction_amount = _money()
    record = serializers.CharField(
        source="record.number", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Admission
        fields = [
            "decision",
            "decided_on",
            "reason",
            "reduction_amount",
            "signatory_name",
            "signatory_title",
            "record",
            "created_at",
        ]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    buyer = OrganisationBriefSerializer(read_only=True)
    partner = OrganisationBriefSerializer(read_only=True)
    site = serializers.PrimaryKeyRelatedField(read_only=True)
    state = serializers.ChoiceField(choices=DeliveryState.choices, read_only=True)
    note = serializers.CharField(
        source="note.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("The number of its delivery note."),
    )
    signed_note = serializers.CharField(
        source="signed_note.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text=_("The number of its signed delivery note, once the buyer decided."),
    )
    devices = DeliveryDeviceSerializer(source="items", many=True, read_only=True)
    admissions = AdmissionSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "order",
            "partner",
            "buyer",
            "site",
            "delivery_date",
            "state",
            "note",
            "signed_note",
            "devices",
            "admissions",
            "created_at",
        ]
        read_only_fields = fields


class DeliveryWriteSerializer(serializers.Serializer):
    order = serializers.IntegerField(min_value=1, max_value=ID_LIMIT)
    site = serializers.IntegerField(
        min_value=1, max_value=ID_LIMIT, help_text=_("One of the buyer's open delivery sites.")
    )
    delivery_date = serializers.DateField()
    codes = serializers.ListField(
        child=serializers.CharField(max_length=CODE_LENGTH * 2),
        min_length=1,
        max_length=MAX_DEVICES,
        required=False,
        help_text=_("The devices delivered; by default every device still to deliver."),
    )


class RefusalSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=CODE_LENGTH * 2)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class AdmissionWriteSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=AdmissionDecision.choices)
    decided_on = serializers.DateField()
    signatory_name = serializers.CharField(max_length=SIGNATORY_MAX_LENGTH)
    signatory_title = serializers.CharField(
        max_length=SIGNATORY_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    reduction_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=PRICE_LIMIT,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("With a réfaction: the amount off the price, excl. VAT, in euros."),
    )
    refusals = RefusalSerializer(
        many=True,
        required=False,
        max_length=MAX_DEVICES,
        help_text=_("The devices refused at the door, each with its reason."),
    )

    def validate_refusals(self, value: list[dict]) -> list[dict]:
        codes = [refusal["code"] for refusal in value]
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError(_("Name each device once."))
        return value


class CreditNoteSerializer(serializers.Serializer):
    number = serializers.CharField(source="document.number", read_only=True)
    reason = serializers.CharField(read_only=True)
    issued_on = serializers.DateField(read_only=True)


class InvoiceSerializer(serializers.ModelSerializer):
    buyer = OrganisationBriefSerializer(read_only=True)
    partner = OrganisationBriefSerializer(read_only=True)
    state = serializers.ChoiceField(choices=InvoiceState.choices, read_only=True)
    number = serializers.CharField(source="document.number", read_only=True)
    document_state = serializers.CharField(source="document.state", read_only=True)
    total_excl_vat = _money()
    total_vat = _money()
    total_incl_vat = _money()
    credit_note = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "delivery",
            "partner",
            "buyer",
            "state",
            "document_state",
            "issued_on",
            "due_on",
            "total_excl_vat",
            "total_vat",
            "total_incl_vat",
            "credit_note",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CreditNoteSerializer(allow_null=True))
    def get_credit_note(self, invoice: Invoice) -> dict | None:
        credit_note = getattr(invoice, "credit_note", None)
        return None if credit_note is None else CreditNoteSerializer(credit_note).data


class InvoiceWriteSerializer(serializers.Serializer):
    delivery = serializers.IntegerField(min_value=1, max_value=ID_LIMIT)
    iban = serializers.CharField(
        max_length=42,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Where the buyer pays, by SEPA credit transfer."),
    )
