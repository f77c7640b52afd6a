"""Reuse's panels of the dashboard: the claims on a commune's devices, a partner's claims,
and the planned pickups of both."""

from __future__ import annotations

from typing import Any

from organisations.choices import OrganisationKind
from organisations.dashboard import count_among, latest_and_count, register_panel
from organisations.models import Organisation
from reuse import selectors

RECENT_CLAIMS = 5
RECENT_PICKUPS = 5


def commune_claims(commune: Organisation) -> dict[str, Any]:
    """Who claimed which of the commune's devices, and since when."""
    claims = selectors.claims_on(commune)
    return {
        "commune_slug": commune.slug,
        "by_partner": selectors.claims_by_partner(commune),
        "recent": list(claims.order_by("-claimed_at", "-pk")[:RECENT_CLAIMS]),
    }


def partner_claims(partner: Organisation) -> dict[str, Any]:
    """The partner's claims, the oldest (closest to lapsing) first."""
    claims = selectors.claims_of(partner)
    return {
        "count": selectors.claim_count_of(partner),
        "claims": [
            {"device": device, "lapses_at": selectors.claim_lapses_at(device)}
            for device in claims[:RECENT_CLAIMS]
        ],
    }


def pickups(organisation: Organisation) -> dict[str, Any]:
    """The open planned pickups of a commune or a partner, soonest first, those waiting for
    its answer counted."""
    plans, open_count = latest_and_count(selectors.pickups_awaiting(organisation), RECENT_PICKUPS)
    # Those waiting for its answer are open pickups: among the listed ones when all are.
    awaiting = count_among(
        plans,
        all_listed=open_count == len(plans),
        matching=lambda plan: selectors.awaits_answer_of(plan, organisation),
        rows=selectors.pickups_awaiting_answer_of(organisation),
    )
    return {"organisation": organisation, "plans": plans, "awaiting": awaiting}


def register() -> None:
    """Register reuse's panels (from ``ReuseConfig.ready``)."""
    register_panel(
        "reuse-commune-claims",
        kinds=[OrganisationKind.COMMUNE],
        template="reuse/partials/commune_claims.html",
        context=commune_claims,
        order=30,
    )
    register_panel(
        "reuse-partner-claims",
        kinds=[OrganisationKind.PARTNER],
        template="reuse/partials/partner_claims.html",
        context=partner_claims,
        order=30,
    )
    register_panel(
        "reuse-pickups",
        kinds=[OrganisationKind.COMMUNE, OrganisationKind.PARTNER],
        template="reuse/partials/pickups.html",
        context=pickups,
        order=35,
    )
