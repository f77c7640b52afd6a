"""Who may see and do what with devices (DESIGN.md's visibility rule, applied to the inventory).

The rules take the organisations a user acts for, never a bare user: pages pass the active
organisation, the API every organisation the user belongs to. Transition rules are named in
the lifecycle definition (``Device``'s transitions) and checked by
:func:`inventory.services.device_transition`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.choices import DeviceState
from organisations.models import Organisation
from organisations.permissions import may_view

if TYPE_CHECKING:
    from inventory.models import Device, DeviceEvent


def shares_declared_inventory(organisation: Organisation) -> bool:
    """Communes and partners read the shared inventory of declared devices (partners claim
    from it); a buyer reads only the devices that are its own."""
    return organisation.is_commune or organisation.is_partner


def visible_devices_q(organisations: Iterable[Organisation]) -> Q | None:
    """A filter on devices: the shared declared inventory (for communes and partners), plus
    what the organisations own or claimed.

    Returns ``None`` when nothing is visible (no organisation), and an empty ``Q`` for the
    territory, which reads everything.
    """
    organisations = list(organisations)
    if not organisations:
        return None
    if any(organisation.is_territory for organisation in organisations):
        return Q()
    pks = [organisation.pk for organisation in organisations]
    own = Q(commune__in=pks) | Q(holder__in=pks) | Q(claimed_by__in=pks)
    if any(shares_declared_inventory(organisation) for organisation in organisations):
        return Q(state=DeviceState.DECLARED) | own
    return own


def can_view_device(organisations: Iterable[Organisation], device: Device) -> bool:
    for organisation in organisations:
        if (
            organisation.is_territory
            or (device.state == DeviceState.DECLARED and shares_declared_inventory(organisation))
            or organisation.pk in (device.commune_id, device.holder_id, device.claimed_by_id)
        ):
            return True
    return False


def visible_imports_q(organisations: Iterable[Organisation]) -> Q | None:
    """A filter on device imports: an import belongs to its commune; the territory reads all."""
    organisations = list(organisations)
    if any(organisation.is_territory for organisation in organisations):
        return Q()
    communes = [organisation.pk for organisation in organisations if organisation.is_commune]
    return Q(commune__in=communes) if communes else None


def can_declare_for(organisation: Organisation, commune: Organisation) -> bool:
    """A commune declares its own devices, and nobody else's."""
    return commune.is_commune and organisation.pk == commune.pk


def can_edit_device(organisation: Organisation, device: Device) -> bool:
    """The commune describes its device while it still holds it in the shared inventory."""
    return device.state == DeviceState.DECLARED and organisation.pk == device.commune_id


def may_print_labels(organisation: Organisation) -> bool:
    """Communes and partners print label sheets of the devices they see; the territory reads
    the inventory but issues nothing (a label sheet is a numbered document), and a buyer
    receives devices already labelled."""
    return organisation.is_commune or organisation.is_partner


def may_claim(organisation: Organisation) -> bool:
    """Partners claim declared devices (ESUS approval is checked at the collection)."""
    return organisation.is_partner


def can_see_event_actor(organisations: Iterable[Organisation], event: DeviceEvent) -> bool:
    """Who acted is personal data: only the acting organisation and the territory see it.

    Everyone else (the public passport, the other side of a transaction) reads which
    organisation acted, not which person.
    """
    if event.organisation_id is None:
        return any(organisation.is_territory for organisation in organisations)
    return any(may_view(organisation, owner=event.organisation) for organisation in organisations)


# --- Rules named by the lifecycle's transitions: (device, acting organisation) -> bool. ---


def is_declaring_commune(device: Device, organisation: Organisation) -> bool:
    return organisation.pk == device.commune_id


def is_holder(device: Device, organisation: Organisation) -> bool:
    """Only the holder may move a device it holds."""
    return organisation.pk == device.holder_id


def is_partner(device: Device, organisation: Organisation) -> bool:
    """A partner claims a declared device; nothing more is asked until the collection."""
    return may_claim(organisation)


def is_claimant(device: Device, organisation: Organisation) -> bool:
    """Only the partner that claimed a device releases its claim."""
    return device.claimed_by_id is not None and organisation.pk == device.claimed_by_id


def is_recipient(device: Device, organisation: Organisation) -> bool:
    """A commune or a buyer receives the devices of its group orders: its admission of a
    delivery delivers them."""
    return organisation.is_commune or organisation.is_buyer


def is_refurbisher(device: Device, organisation: Organisation) -> bool:
    """The partner that claimed, collected and refurbished a device (its claim stays on record)
    takes it back under warranty."""
    return organisation.pk == device.claimed_by_id


def is_coordinator(device: Device, organisation: Organisation) -> bool:
    """The territory coordinates the group orders: a campaign's allocation reserves a device
    for an order, and cancelling the order releases it (the system runs both at a campaign's
    closing time, with no organisation)."""
    return organisation.is_territory


def nobody(device: Device, organisation: Organisation) -> bool:
    """No organisation runs this transition: the system does (with no organisation)."""
    return False


# --- Conditions of transitions: (device) -> bool, with the ``message`` shown when they fail. ---


def claimant_has_esus_approval(device: Device) -> bool:
    """A free cession goes only to a partner holding a current ESUS approval (CG3P L3212-2 3°)."""
    return device.claimed_by is not None and device.claimed_by.has_esus_approval()


claimant_has_esus_approval.message = _(
    "Only an ESUS-approved organisation may receive a free cession (CG3P art. L3212-2 3°)."
)
claimant_has_esus_approval.code = "partner_not_esus"
