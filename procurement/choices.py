"""Group purchasing's choices: the states of a campaign and of an order, and why an allocation
line got what it got, each declared once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CampaignState(models.TextChoices):
    """A campaign's lifecycle (DESIGN.md): draft → open → closed → allocated → completed, or
    cancelled."""

    DRAFT = "draft", pgettext_lazy("campaign", "Draft")
    OPEN = "open", pgettext_lazy("campaign", "Open")
    CLOSED = "closed", pgettext_lazy("campaign", "Closed")
    ALLOCATED = "allocated", pgettext_lazy("campaign", "Allocated")
    COMPLETED = "completed", pgettext_lazy("campaign", "Completed")
    CANCELLED = "cancelled", pgettext_lazy("campaign", "Cancelled")


# While a campaign is in one of these states, the prices and specifications of its offers
# hold: the members commit to them, and the closing allocates on them.
CAMPAIGN_RUNNING_STATES = frozenset({CampaignState.OPEN, CampaignState.CLOSED})


class OrderState(models.TextChoices):
    """An order of a campaign: placed by the allocation, its devices reserved; or cancelled
    before delivery, its devices back in stock."""

    PLACED = "placed", pgettext_lazy("order", "Placed")
    CANCELLED = "cancelled", pgettext_lazy("order", "Cancelled")


class AllocationReason(models.TextChoices):
    """Why an allocation line got its quantity: the whole of it (the offer's stock met its
    demand), a share of it (the stock fell short: largest remainder method), or nothing (the
    offer's total did not reach its minimum quantity)."""

    FULL = "full", _("Full quantity")
    PRO_RATA = "pro_rata", _("Pro rata")
    DROPPED = "dropped", _("Offer dropped")


class DeliveryState(models.TextChoices):
    """A delivery of an order: prepared by the partner, then decided by the buyer (CCAG-FCS
    2021, articles 27 to 29): admitted (with or without a réfaction), postponed (ajourné: the
    partner corrects it and the buyer decides again, its devices still reserved) or
    rejected."""

    PREPARED = "prepared", pgettext_lazy("delivery", "Prepared")
    POSTPONED = "postponed", pgettext_lazy("delivery", "Postponed")
    ADMITTED = "admitted", pgettext_lazy("delivery", "Admitted")
    REJECTED = "rejected", pgettext_lazy("delivery", "Rejected")


# A delivery in one of these states waits for the buyer's decision.
DELIVERY_AWAITING_STATES = frozenset({DeliveryState.PREPARED, DeliveryState.POSTPONED})


class AdmissionDecision(models.TextChoices):
    """The buyer's decision on a delivery, in the CCAG-FCS 2021's words."""

    ADMISSION = "admission", _("Admission")
    REDUCTION = "reduction", _("Admission with a price reduction (réfaction)")
    POSTPONEMENT = "postponement", _("Postponement (ajournement)")
    REJECTION = "rejection", _("Rejection")


# The decisions that end a delivery: recorded once.
FINAL_DECISIONS = frozenset(
    {AdmissionDecision.ADMISSION, AdmissionDecision.REDUCTION, AdmissionDecision.REJECTION}
)


class DeliveryItemOutcome(models.TextChoices):
    """What became of one device of a delivery."""

    PENDING = "pending", _("Awaiting the decision")
    ADMITTED = "admitted", _("Admitted")
    REFUSED = "refused", _("Refused")


class InvoiceState(models.TextChoices):
    """An invoice, issued once and never changed; cancelled by a credit note."""

    ISSUED = "issued", pgettext_lazy("invoice", "Issued")
    CANCELLED = "cancelled", pgettext_lazy("invoice", "Cancelled by a credit note")


class DonationState(models.TextChoices):
    """A donation (free cession, CG3P art. L3212-2 3°): offered by the holder of the devices,
    their agreement issued and the devices reserved; received by the beneficiary, which
    delivers them; or cancelled by the donor before, the devices back in its stock."""

    OFFERED = "offered", pgettext_lazy("donation", "Offered")
    RECEIVED = "received", pgettext_lazy("donation", "Received")
    CANCELLED = "cancelled", pgettext_lazy("donation", "Cancelled")


class ReturnState(models.TextChoices):
    """A warranty return: reported by the buyer (open), then settled once by the partner:
    the device repaired, replaced by another of the same offer, or refunded by a credit
    note."""

    OPEN = "open", pgettext_lazy("return", "Open")
    REPAIRED = "repaired", pgettext_lazy("return", "Repaired")
    REPLACED = "replaced", pgettext_lazy("return", "Replaced")
    REFUNDED = "refunded", pgettext_lazy("return", "Refunded")


# The outcomes a partner records, each once.
RETURN_OUTCOMES = (ReturnState.REPAIRED, ReturnState.REPLACED, ReturnState.REFUNDED)
