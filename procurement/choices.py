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
