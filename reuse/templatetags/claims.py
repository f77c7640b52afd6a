"""Claims in the inventory's and the dashboards' templates."""

from __future__ import annotations

import datetime

from django import template

from inventory.models import Device
from organisations.models import Organisation
from reuse import selectors

register = template.Library()

RECENT_CLAIMS = 5


@register.filter
def claim_lapses_at(device: Device) -> datetime.datetime | None:
    """When the device's claim expires, or nothing when it is not claimed."""
    return selectors.claim_lapses_at(device)


@register.inclusion_tag("reuse/partials/commune_claims.html")
def commune_claims(commune: Organisation) -> dict:
    """The commune's dashboard: who claimed which of its devices, and since when."""
    claims = selectors.claims_on(commune)
    return {
        "commune_slug": commune.slug,
        "by_partner": selectors.claims_by_partner(commune),
        "recent": list(claims.order_by("-claimed_at", "-pk")[:RECENT_CLAIMS]),
    }


@register.inclusion_tag("reuse/partials/partner_claims.html")
def partner_claims(partner: Organisation) -> dict:
    """The partner's dashboard: its claims, the oldest (closest to lapsing) first."""
    claims = selectors.claims_of(partner)
    return {
        "count": claims.count(),
        "claims": [
            {"device": device, "lapses_at": selectors.claim_lapses_at(device)}
            for device in claims[:RECENT_CLAIMS]
        ],
    }
