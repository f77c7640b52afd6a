"""Reads of the inventory, each limited to what the asking organisations may see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from common.errors import NotFound
from inventory import permissions
from inventory.choices import DeviceState
from inventory.models import Device, DeviceEvent, DeviceImport
from organisations.models import Organisation


def devices_visible_to(organisations: Iterable[Organisation]) -> QuerySet[Device]:
    """The devices the organisations may see, with what a list shows joined up front."""
    visibility = permissions.visible_devices_q(organisations)
    if visibility is None:
        return Device.objects.none()
    return Device.objects.filter(visibility).with_related()


def device_get_visible(*, code: str, organisations: Iterable[Organisation]) -> Device:
    """One device by its code, or ``NotFound`` when it does not exist or is not visible."""
    device = devices_visible_to(organisations).filter(code=code.upper()).first()
    if device is None:
        raise NotFound(code="device_not_found")
    return device


def device_history(device: Device) -> QuerySet[DeviceEvent]:
    return device.events.select_related("actor", "organisation").order_by("created_at", "pk")


def devices_needing_attention(organisation: Organisation) -> dict[str, QuerySet[Device]]:
    """What a dashboard lists first, by organisation kind."""
    if organisation.is_commune:
        return {
            "declared": Device.objects.filter(
                commune=organisation, state=DeviceState.DECLARED
            ).with_related(),
        }
    if organisation.is_partner:
        return {
            "claimable": Device.objects.claimable().with_related(),
            "held": Device.objects.filter(holder=organisation).with_related(),
        }
    if organisation.is_territory:
        return {"declared": Device.objects.claimable().with_related()}
    return {}


def device_state_counts(devices: QuerySet[Device]) -> list[dict[str, Any]]:
    """How many of ``devices`` are in each state, in the lifecycle's order, zeros left out."""
    counts = dict(
        devices.order_by()
        .values_list("state")
        .annotate(count=Count("pk"))
        .values_list("state", "count")
    )
    return [
        {"state": state, "label": state.label, "count": counts[state.value]}
        for state in DeviceState
        if counts.get(state.value)
    ]


def device_counts_by_commune(devices: QuerySet[Device]) -> list[dict[str, Any]]:
    """Per declaring commune: all devices, those awaiting a claim, withdrawn, and in the loop."""
    rows = list(
        devices.order_by()
        .values("commune__name", "commune__slug")
        .annotate(
            total=Count("pk"),
            awaiting_claim=Count("pk", filter=Q(state=DeviceState.DECLARED)),
            withdrawn=Count("pk", filter=Q(state=DeviceState.WITHDRAWN)),
        )
        .order_by("commune__name")
    )
    for row in rows:
        row["in_loop"] = row["total"] - row["awaiting_claim"] - row["withdrawn"]
    return rows


def device_imports_visible_to(organisations: Iterable[Organisation]) -> QuerySet[DeviceImport]:
    """The imports the organisations may see: their communes' own, and all for the territory."""
    visibility = permissions.visible_imports_q(organisations)
    if visibility is None:
        return DeviceImport.objects.none()
    return DeviceImport.objects.filter(visibility).select_related(
        "commune", "created_by", "pickup_site"
    )


def device_import_get_visible(*, pk: int, organisations: Iterable[Organisation]) -> DeviceImport:
    """One import, or ``NotFound`` when it does not exist or the organisations may not see it."""
    device_import = device_imports_visible_to(organisations).filter(pk=pk).first()
    if device_import is None:
        raise NotFound(_("No such import."), code="import_not_found")
    return device_import
