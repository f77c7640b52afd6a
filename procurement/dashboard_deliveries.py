"""The deliveries' panel of the dashboards: a partner's orders to deliver and admitted deliveries
to invoice, a buyer's (or a commune's) deliveries awaiting its decision, and for the territory
the deliveries under way, each with the page to act on them."""

from __future__ import annotations

from typing import Any

from organisations.choices import OrganisationKind
from organisations.dashboard import register_panel
from organisations.models import Organisation
from procurement import selectors
from procurement.choices import DELIVERY_AWAITING_STATES

RECENT = 5


def deliveries(organisation: Organisation) -> dict[str, Any]:
    """What ``organisation`` has to do about deliveries, the oldest first."""
    context: dict[str, Any] = {"to_prepare": [], "to_invoice": [], "to_admit": []}
    if organisation.is_partner:
        # What it delivers and invoices; a partner buys nothing, so admits nothing.
        context["to_prepare"] = list(selectors.orders_to_deliver(organisation)[:RECENT])
        context["to_invoice"] = list(
            selectors.deliveries_to_invoice(organisation, listed=True).order_by("created_at", "pk")[
                :RECENT
            ]
        )
        return context
    awaiting = selectors.deliveries_listed_for([organisation]).filter(
        state__in=DELIVERY_AWAITING_STATES
    )
    if not organisation.is_territory:
        awaiting = awaiting.filter(buyer=organisation)
    context["to_admit"] = list(awaiting.order_by("delivery_date", "pk")[:RECENT])
    return context


def register() -> None:
    """Register the panel (from ``ProcurementConfig.ready``)."""
    register_panel(
        "procurement-deliveries",
        kinds=[
            OrganisationKind.PARTNER,
            OrganisationKind.BUYER,
            OrganisationKind.COMMUNE,
            OrganisationKind.TERRITORY,
        ],
        template="procurement/panels/deliveries.html",
        context=deliveries,
        order=46,
    )
