"""The donations' panel of the dashboard: a partner's donations given and what it may still
give, a buyer's donations received and those awaiting its confirmation of receipt."""

from __future__ import annotations

from typing import Any

from organisations.choices import OrganisationKind
from organisations.dashboard import latest_and_count, register_panel
from organisations.models import Organisation
from procurement import permissions, selectors
from procurement.choices import DonationState

RECENT = 5


def donations(organisation: Organisation) -> dict[str, Any]:
    """The latest donations ``organisation`` gives or receives, with how many await their
    receipt and, for a buyer, whether it may receive donations at all."""
    visible = selectors.donations_listed_for([organisation])
    latest, count = latest_and_count(visible, RECENT)
    awaiting = visible.filter(state=DonationState.OFFERED, beneficiary=organisation)
    return {
        "donations": latest,
        "donation_count": count,
        "awaiting_count": (
            sum(
                donation.state == DonationState.OFFERED
                and donation.beneficiary_id == organisation.pk
                for donation in latest
            )
            if count == len(latest)
            else awaiting.count()
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
