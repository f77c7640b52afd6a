"""Group purchasing in the admin, to read: the territory, partners and members act through
the services (pages and API), which check who may and keep the devices' lifecycle."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from procurement.models import (
    Admission,
    AllocationLine,
    Campaign,
    CampaignOffer,
    Commitment,
    CommitmentLine,
    CreditNote,
    Delivery,
    DeliveryDevice,
    Groupement,
    GroupementMember,
    Invoice,
    Offer,
    OfferDevice,
    OfferPriceTier,
    Order,
    OrderDevice,
    OrderLine,
    WarrantyReturn,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class GroupementMemberInline(ReadOnlyInline):
    model = GroupementMember
    fields = ["organisation", "approved_on", "approval_reference", "added_at"]


@admin.register(Groupement)
class GroupementAdmin(ReadOnlyAdmin):
    list_display = ["name", "reference", "convention_date", "coordinator"]
    search_fields = ["name", "reference"]
    list_select_related = ["coordinator"]
    inlines = [GroupementMemberInline]


class OfferPriceTierInline(ReadOnlyInline):
    model = OfferPriceTier
    fields = ["threshold", "unit_price"]


class OfferDeviceInline(ReadOnlyInline):
    model = OfferDevice
    fields = ["device", "added_at"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = [
        "title",
        "partner",
        "category",
        "grade",
        "warranty_months",
        "minimum_quantity",
        "vat_rate",
        "is_active",
    ]
    list_filter = ["category", "grade", "is_active"]
    search_fields = ["title", "partner__name"]
    list_select_related = ["partner"]
    inlines = [OfferPriceTierInline, OfferDeviceInline]


class CampaignOfferInline(ReadOnlyInline):
    model = CampaignOffer
    fields = ["offer", "stock", "demand", "allocated", "tier_threshold", "unit_price", "reason"]


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ["title", "groupement", "state", "opens_at", "closes_at"]
    list_filter = ["state"]
    search_fields = ["title"]
    list_select_related = ["groupement"]
    date_hierarchy = "closes_at"
    inlines = [CampaignOfferInline]


class CommitmentLineInline(ReadOnlyInline):
    model = CommitmentLine
    fields = ["offer", "quantity"]


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "buyer", "committed_at", "updated_at"]
    search_fields = ["buyer__name", "campaign__title", "engagement_number"]
    list_select_related = ["campaign", "buyer"]
    inlines = [CommitmentLineInline]


@admin.register(AllocationLine)
class AllocationLineAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "commitment", "offer", "asked", "allocated", "reason", "unit_price"]
    list_filter = ["reason"]
    list_select_related = ["campaign", "commitment__buyer", "offer"]


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["offer", "quantity", "unit_price", "vat_rate", "amount_excl_vat", "amount_incl_vat"]


class OrderDeviceInline(ReadOnlyInline):
    model = OrderDevice
    fields = ["device", "line", "is_reserved"]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["pk", "campaign", "buyer", "partner", "state", "total_incl_vat", "created_at"]
    list_filter = ["state"]
    search_fields = ["buyer__name", "partner__name", "campaign__title"]
    list_select_related = ["campaign", "buyer", "partner"]
    inlines = [OrderLineInline, OrderDeviceInline]


class DeliveryDeviceInline(ReadOnlyInline):
    model = DeliveryDevice
    fields = ["device", "line", "outcome", "refusal_reason", "warranty_ends_on"]


class AdmissionInline(ReadOnlyInline):
    model = Admission
    fields = ["decision", "decided_on", "reason", "reduction_amount", "signatory_name", "record"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "order", "partner", "buyer", "delivery_date", "state", "note"]
    list_filter = ["state"]
    search_fields = ["buyer__name", "partner__name"]
    list_select_related = [
        "order__campaign",
        "order__buyer",
        "order__partner",
        "partner",
        "buyer",
        "note",
    ]
    inlines = [AdmissionInline, DeliveryDeviceInline]


class CreditNoteInline(ReadOnlyInline):
    model = CreditNote
    fields = ["document", "is_partial", "reason", "issued_on", "created_by"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["document", "partner", "buyer", "state", "issued_on", "total_incl_vat"]
    list_filter = ["state"]
    search_fields = ["document__number", "buyer__name", "partner__name"]
    list_select_related = ["document", "partner", "buyer"]
    inlines = [CreditNoteInline]


@admin.register(WarrantyReturn)
class WarrantyReturnAdmin(ReadOnlyAdmin):
    list_display = ["device", "buyer", "partner", "state", "reported_at", "warranty_ends_on"]
    list_filter = ["state"]
    search_fields = ["device__code", "buyer__name", "partner__name"]
    list_select_related = ["device", "buyer", "partner"]
