"""Helpers of the group purchasing page tests: a commitment made through the service, and the
data a member's commitment form posts."""

from __future__ import annotations

from procurement.services import commitment_submit

BUYER_SIRET = "44306184100013"
SECOND_SIRET = "77567227200017"


def commit(campaign, organisation, user, site, siret=BUYER_SIRET, **quantities):
    """``organisation`` commits to ``campaign``: ``quantities`` by offer (``offer=n``)."""
    commitment, _created = commitment_submit(
        campaign=campaign,
        buyer=organisation,
        user=user,
        quantities=quantities["quantities"],
        delivery_site=site,
        contact_name="Nadia Benali",
        contact_email="nadia@example.org",
        siret=siret,
        service_code="SERV-42",
        engagement_number="EJ-2026-0042",
    )
    return commitment


def commitment_data(site, quantities: dict, **overrides) -> dict:
    """What the commitment page posts: a quantity per offer, the delivery and accounting
    details."""
    data = {
        **{f"quantity_{offer.pk}": str(quantity) for offer, quantity in quantities.items()},
        "delivery_site": str(site.pk),
        "contact_name": "Nadia Benali",
        "contact_email": "nadia@example.org",
        "contact_phone": "01 45 46 47 48",
        "siret": BUYER_SIRET,
        "service_code": "SERV-42",
        "engagement_number": "EJ-2026-0042",
    }
    data.update(overrides)
    return data
