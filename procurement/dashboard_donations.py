"""The donations' panel of the dashboard: a partner's donations given and what it may still
give, a buyer's donations received and those awaiting its confirmation of receipt."""

from __future__ import annotations

from typing import Any

from organisations.choices import OrganisationKind
from organisations.dashboard import count_among, latest_and_count, register_panel
from organisations.models import Organisation
from procurement import permissions, selectors

RECENT = 5


def donations(organisation: Organisation) -> dict[str, Any]:
    """The latest donations ``organisation`` gives or receives, with how many await their
    receipt and, for a buyer, whether it may receive donations at all."""
    latest, count = latest_and_count(selectors.donations_listed_for([organisation]), RECENT)
    return {
        "donations": latest,
        "donation_count": count,
        "awaiting_count": count_among(
            latest,
            all_listed=count == len(latest),
            matching=lambda donation: selectors.awaits_receipt_by(donation, organisation),
            rows=selectors.donations_awaiting_receipt_by(organisation),
        ),
        "may_donate": permissions.may_donate(organisation),
        "may_receive": permissions.may_receive_donations(organisation),
    }


def register() -> None:
    """Register the panel (from ``ProcurementConfig.ready``)."""
    register_panel(
        "procurement-donations",
        kinds=[OrganisationKind.PARTNER, OrganisationKind.BUYER],
        template="procurement/panels/donations.html",
        context=donations,
        order=47,
    )
