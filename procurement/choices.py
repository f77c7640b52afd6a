"""Group purchasing's choices: the states of a campaign and of an order, and why an allocation
line got what it got, each declared once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignState(models.TextChoices):
    """A campaign's lifecycle (DESIGN.md): draft → open → closed → allocated → completed, or
    cancelled."""

    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    ALLOCATED = "allocated", _("Allocated")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# While a campaign is in one of these states, the prices and specifications of its offers
# hold: the members commit to them, and the closing allocates on them.
CAMPAIGN_RUNNING_STATES = frozenset({CampaignState.OPEN, CampaignState.CLOSED})


class OrderState(models.TextChoices):
    """An order of a campaign: placed by the allocation, its devices reserved; or cancelled
    before delivery, its devices back in stock."""

    PLACED = "placed", _("Placed")
    CANCELLED = "cancelled", _("Cancelled")


class AllocationReason(models.TextChoices):
    """Why an allocation line got its quantity: the whole of it (the offer's stock met its
    demand), a share of it (the stock fell short: largest remainder method), or nothing (the
    offer's total did not reach its minimum quantity)."""

    FULL = "full", _("Full quantity")
    PRO_RATA = "pro_rata", _("Pro rata")
    DROPPED = "dropped", _("Offer dropped")
