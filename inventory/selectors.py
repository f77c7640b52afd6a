"""Reads of the inventory, each limited to what the asking organisations may see."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from common.errors import NotFound
from inventory import permissions
from inventory.choices import DeviceState
from inventory.models import Device, DeviceCount, DeviceEvent, DeviceImport
from organisations.models import Organisation, Site


def devices_listed_for(organisations: Iterable[Organisation]) -> QuerySet[Device]:
    """The devices the organisations may see, their rows alone: a list reads a page of them,
    then their organisations and sites with :func:`devices_with_relations`."""
    visibility = permissions.visible_devices_q(organisations)
    if visibility is None:
        return Device.objects.none()
    return Device.objects.filter(visibility)


def devices_visible_to(organisations: Iterable[Organisation]) -> QuerySet[Device]:
    """The devices the organisations may see, with what a list shows joined up front."""
    return devices_listed_for(organisations).with_related()


def devices_with_relations(devices: list[Device], *, sites: bool = True) -> list[Device]:
    """``devices``, each given its commune, holder, claimant and (unless ``sites`` is false)
    pickup site with the site's organisation, read in two queries for them all (the sites,
    then every organisation named) rather than joined to each row.

    A page of 50 devices names a handful of organisations: joined, the four relations made
    each row four times wider and the query slower to plan, and read 200 copies of them; at
    a million devices they were most of the device API's list (issue 11). A list that shows
    no pickup site (the inventory page) passes ``sites=False`` and reads one query.

    The relations are put in each device's cache of related objects as a prefetch does,
    without the checks of an assignment (the objects are the devices' own, by their keys).
    """
    site_pks = (
        {device.pickup_site_id for device in devices if device.pickup_site_id is not None}
        if sites
        else set()
    )
    # By key, unordered: the sites' default ordering would join their organisations.
    sites_by_pk = Site.objects.order_by().in_bulk(site_pks) if site_pks else {}
    organisation_pks = {
        pk
        for device in devices
        for pk in (device.commune_id, device.holder_id, device.claimed_by_id)
        if pk is not None
    } | {site.organisation_id for site in sites_by_pk.values()}
    organisations = (
        Organisation.objects.order_by().in_bulk(organisation_pks) if organisation_pks else {}
    )
    for site in sites_by_pk.values():
        _SITE_ORGANISATION.set_cached_value(site, organisations[site.organisation_id])
    for device in devices:
        _COMMUNE.set_cached_value(device, organisations[device.commune_id])
        _HOLDER.set_cached_value(device, organisations[device.holder_id])
        _CLAIMED_BY.set_cached_value(device, organisations.get(device.claimed_by_id))
        if sites:
            _PICKUP_SITE.set_cached_value(device, sites_by_pk.get(device.pickup_site_id))
    return devices


_COMMUNE = Device._meta.get_field("commune")
_HOLDER = Device._meta.get_field("holder")
_CLAIMED_BY = Device._meta.get_field("claimed_by")
_PICKUP_SITE = Device._meta.get_field("pickup_site")
_SITE_ORGANISATION = Site._meta.get_field("organisation")


def device_get_visible(*, code: str, organisations: Iterable[Organisation]) -> Device:
    """One device by its code, or ``NotFound`` when it does not exist or is not visible."""
    # get(), not first(): the code is unique, and first() would order by the list's ordering.
    try:
        return devices_visible_to(organisations).get(code=code.upper())
    except Device.DoesNotExist:
        raise NotFound(code="device_not_found") from None


def device_history(device: Device) -> QuerySet[DeviceEvent]:
    return device.events.select_related("actor", "organisation").order_by("created_at", "pk")


def devices_needing_attention(organisation: Organisation) -> dict[str, QuerySet[Device]]:
    """What a dashboard lists first, by organisation kind (the devices' rows alone: a panel
    reads the few it shows, then their organisations with :func:`devices_with_relations`)."""
    if organisation.is_commune:
        return {
            "declared": Device.objects.filter(commune=organisation, state=DeviceState.DECLARED),
        }
    if organisation.is_partner:
        return {
            "claimable": Device.objects.claimable(),
            "held": Device.objects.filter(holder=organisation),
        }
    if organisation.is_territory:
        return {"declared": Device.objects.claimable()}
    return {}


def device_counts_needing_attention(organisation: Organisation) -> dict[str, QuerySet[DeviceCount]]:
    """The counts of :func:`devices_needing_attention`'s devices, under the same names: what a
    dashboard counts without reading the devices."""
    if organisation.is_commune:
        return {
            "declared": DeviceCount.objects.filter(
                commune=organisation, state=DeviceState.DECLARED
            ),
        }
    if organisation.is_partner:
        return {
            "claimable": DeviceCount.objects.claimable(),
            "held": DeviceCount.objects.filter(holder=organisation),
        }
    if organisation.is_territory:
        return {"declared": DeviceCount.objects.claimable()}
    return {}


def device_counts_visible_to(organisations: Iterable[Organisation]) -> QuerySet[DeviceCount]:
    """The counts of the devices the organisations may see: :func:`devices_visible_to`'s rule,
    applied to the counts, whose columns are the devices' own."""
    visibility = permissions.visible_devices_q(organisations)
    if visibility is None:
        return DeviceCount.objects.none()
    return DeviceCount.objects.filter(visibility)


def device_state_counts(counts: QuerySet[DeviceCount]) -> list[dict[str, Any]]:
    """How many devices of ``counts`` are in each state, in the lifecycle's order, zeros left
    out."""
    totals = dict(
        counts.order_by()
        .values_list("state")
        .annotate(total=Sum("count"))
        .values_list("state", "total")
    )
    return [
        {"state": state, "label": state.label, "count": totals[state.value]}
        for state in DeviceState
        if totals.get(state.value)
    ]


def device_counts_by_commune(counts: QuerySet[DeviceCount]) -> list[dict[str, Any]]:
    """Per declaring commune of ``counts``: all devices, those awaiting a claim, withdrawn, and
    in the loop; communes without a device left out."""
    rows = list(
        counts.order_by()
        .values("commune__name", "commune__slug")
        .annotate(
            total=Coalesce(Sum("count"), 0),
            awaiting_claim=Coalesce(Sum("count", filter=Q(state=DeviceState.DECLARED)), 0),
            withdrawn=Coalesce(Sum("count", filter=Q(state=DeviceState.WITHDRAWN)), 0),
        )
        .filter(total__gt=0)
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
