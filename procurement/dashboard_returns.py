"""The warranty returns' panel of the dashboard: for a commune or a buyer, its delivered
devices under warranty and its open returns; for a partner, the returns it has to settle."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from organisations.choices import OrganisationKind
from organisations.dashboard import latest_and_count, register_panel
from organisations.models import Organisation
from procurement import selectors
from procurement.choices import ReturnState

RECENT = 5


def returns_panel(organisation: Organisation) -> dict[str, Any]:
    """The open returns of ``organisation`` (as buyer or partner), the latest first, and for
    a buyer the number of its delivered devices still under warranty."""
    open_returns, open_count = latest_and_count(
        selectors.returns_listed_for([organisation]).filter(state=ReturnState.OPEN), RECENT
    )
    context: dict[str, Any] = {"open_returns": open_returns, "open_count": open_count}
    if not organisation.is_partner:
        ends = selectors.buyer_warranty_ends(organisation).values()
        today = timezone.localdate()
        context["device_count"] = len(ends)
        context["under_warranty_count"] = sum(
            1 for end in ends if selectors.warranty_runs(end, today)
        )
    return context


def register() -> None:
    """Register the panel (from ``ProcurementConfig.ready``)."""
    register_panel(
        "procurement-returns",
        kinds=[OrganisationKind.COMMUNE, OrganisationKind.BUYER, OrganisationKind.PARTNER],
        template="procurement/panels/returns.html",
        context=returns_panel,
        order=48,
    )
