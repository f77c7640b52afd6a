"""The inventory's panels of the dashboard: what waits for a claim, the devices by state.

Every figure is read from the device counts (:mod:`inventory.counts`), never by counting the
devices: a panel costs the same few queries whatever the size of the inventory. Only the
latest few devices a panel lists are read from the devices.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from inventory import selectors
from inventory.models import Device
from organisations.choices import OrganisationKind
from organisations.dashboard import register_action, register_panel
from organisations.models import Organisation

RECENT_DEVICES = 5


def _shown(devices: QuerySet[Device]) -> list[Device]:
    """The latest devices a panel lists, with their organisations and sites."""
    return selectors.devices_with_relations(list(devices.first_rows(RECENT_DEVICES)))


def _counted(counts: list[dict[str, Any]]) -> int:
    return sum(entry["count"] for entry in counts)


def awaiting_claim(organisation: Organisation) -> dict[str, Any]:
    """The declared devices waiting for a partner: a commune's own, or the territory's."""
    declared = selectors.devices_needing_attention(organisation)["declared"]
    counts = selectors.device_counts_needing_attention(organisation)["declared"]
    return {
        "awaiting_claim_count": counts.total(),
        "awaiting_claim": _shown(declared),
    }


def commune_states(commune: Organisation) -> dict[str, Any]:
    own_devices = selectors.device_counts_visible_to([commune]).filter(commune=commune)
    state_counts = selectors.device_state_counts(own_devices)
    return {"state_counts": state_counts, "device_total": _counted(state_counts)}


def partner_claimable(partner: Organisation) -> dict[str, Any]:
    claimable = selectors.devices_needing_attention(partner)["claimable"]
    counts = selectors.device_counts_needing_attention(partner)["claimable"]
    return {
        "claimable_count": counts.total(),
        "claimable": _shown(claimable),
    }


def partner_held(partner: Organisation) -> dict[str, Any]:
    held = selectors.devices_needing_attention(partner)["held"]
    held_counts = selectors.device_state_counts(
        selectors.device_counts_needing_attention(partner)["held"]
    )
    return {
        "held_counts": held_counts,
        "held_total": _counted(held_counts),
        "held": _shown(held),
    }


def territory_states(territory: Organisation) -> dict[str, Any]:
    state_counts = selectors.device_state_counts(selectors.device_counts_visible_to([territory]))
    return {"state_counts": state_counts, "device_total": _counted(state_counts)}


def territory_by_commune(territory: Organisation) -> dict[str, Any]:
    counts = selectors.device_counts_visible_to([territory])
    return {"by_commune": selectors.device_counts_by_commune(counts)}


def register() -> None:
    """Register the inventory's panels and main actions (from ``InventoryConfig.ready``)."""
    commune, partner, territory = (
        OrganisationKind.COMMUNE,
        OrganisationKind.PARTNER,
        OrganisationKind.TERRITORY,
    )
    register_action(kind=commune, url_name="inventory:declare", label=_("Declare devices"))
    for kind in (partner, territory):
        register_action(kind=kind, url_name="inventory:device-list", label=_("Open the inventory"))
    panels = [
        ("commune-awaiting", commune, awaiting_claim, 10, False),
        ("commune-states", commune, commune_states, 20, False),
        ("partner-claimable", partner, partner_claimable, 10, False),
        ("partner-held", partner, partner_held, 20, False),
        ("territory-states", territory, territory_states, 10, False),
        ("territory-awaiting", territory, awaiting_claim, 20, False),
        ("territory-by-commune", territory, territory_by_commune, 90, True),
    ]
    for name, kind, context, order, wide in panels:
        register_panel(
            f"inventory-{name}",
            kinds=[kind],
            template=f"inventory/panels/{name.replace('-', '_')}.html",
            context=context,
            order=order,
            wide=wide,
        )
