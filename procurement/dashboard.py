"""Group purchasing's panels of the dashboard: the campaigns a commune or a buyer may join and
its commitment to each, a partner's offers, the territory's campaigns under way, and the orders
each one buys, supplies or coordinates."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from organisations.choices import OrganisationKind
from organisations.dashboard import latest_and_count, register_action, register_panel
from organisations.models import Organisation
from procurement import selectors
from procurement.choices import CampaignState

RECENT = 5


def member_campaigns(member: Organisation) -> dict[str, Any]:
    """The open campaigns ``member`` may commit to, soonest closing first, with its
    commitment to each (or none yet)."""
    campaigns = list(selectors.open_campaigns_for(member)[:RECENT])
    commitments = {
        commitment.campaign_id: commitment
        for commitment in member.commitments.filter(campaign__in=[c.pk for c in campaigns])
    }
    return {
        "campaigns": [
            {"campaign": campaign, "commitment": commitments.get(campaign.pk)}
            for campaign in campaigns
        ]
    }


def partner_offers(partner: Organisation) -> dict[str, Any]:
    """The partner's active offers with the devices in their stock."""
    offers = list(selectors.offers_listed_for([partner]).filter(partner=partner, is_active=True))
    counts = selectors.stock_counts(offers)
    return {
        "offers": [{"offer": offer, "stock": counts[offer.pk]} for offer in offers[:RECENT]],
        "offer_count": len(offers),
    }


def territory_campaigns(territory: Organisation) -> dict[str, Any]:
    """The campaigns under way (drafted, open, closing), the soonest closing first."""
    campaigns = (
        selectors.campaigns_visible_to([territory])
        .filter(
            groupement__coordinator=territory,
            state__in=[CampaignState.DRAFT, CampaignState.OPEN, CampaignState.CLOSED],
        )
        .order_by("closes_at", "pk")
    )
    return {
        "campaigns": list(campaigns[:RECENT]),
        "has_groupement": selectors.groupements_of(territory).exists(),
    }


def orders(organisation: Organisation) -> dict[str, Any]:
    """The latest orders ``organisation`` buys, supplies or, for the territory, coordinates."""
    latest, count = latest_and_count(selectors.orders_listed_for([organisation]), RECENT)
    return {"orders": latest, "order_count": count}


def register() -> None:
    """Register group purchasing's panels and the buyers' main action (from
    ``ProcurementConfig.ready``)."""
    commune, partner, territory, buyer = (
        OrganisationKind.COMMUNE,
        OrganisationKind.PARTNER,
        OrganisationKind.TERRITORY,
        OrganisationKind.BUYER,
    )
    register_action(kind=buyer, url_name="procurement:campaign-list", label=_("See group orders"))
    panels = [
        # A buyer's dashboard opens on the group orders it may join.
        ("procurement-buyer-campaigns", buyer, "member_campaigns", member_campaigns, 0, True),
        ("procurement-commune-campaigns", commune, "member_campaigns", member_campaigns, 40, False),
        ("procurement-partner-offers", partner, "partner_offers", partner_offers, 40, False),
        (
            "procurement-territory-campaigns",
            territory,
            "territory_campaigns",
            territory_campaigns,
            30,
            False,
        ),
    ]
    for name, kind, template, context, order, wide in panels:
        register_panel(
            name,
            kinds=[kind],
            template=f"procurement/panels/{template}.html",
            context=context,
            order=order,
            wide=wide,
        )
    register_panel(
        "procurement-orders",
        kinds=[commune, partner, territory, buyer],
        template="procurement/panels/orders.html",
        context=orders,
        order=45,
    )
