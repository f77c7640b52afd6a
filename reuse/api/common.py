"""What the reuse API views share: validating a request body, finding the devices it names."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from rest_framework import serializers

from common.errors import NotFound, ValidationFailed, flatten_errors
from inventory.models import Device
from organisations.models import Organisation
from reuse import selectors


def validated(serializer: serializers.Serializer) -> dict:
    """The serializer's validated data; 400 ``invalid`` with every field's errors otherwise."""
    if not serializer.is_valid():
        raise ValidationFailed(
            _("The data sent is invalid."), code="invalid", fields=flatten_errors(serializer.errors)
        )
    return serializer.validated_data


def devices_for_codes(codes: Iterable[str]) -> list[Device]:
    """The devices of these codes (any case, spaces around ignored); 404 ``device_not_found``
    naming every code that no device has."""
    wanted = {code.strip().upper() for code in codes}
    devices = list(selectors.devices_by_codes(wanted))
    unknown = sorted(wanted - {device.code for device in devices})
    if unknown:
        raise NotFound(
            _("No device has these codes: %(codes)s.") % {"codes": ", ".join(unknown)},
            code="device_not_found",
        )
    return devices


def held_devices_for_codes(codes: Iterable[str], *, partner: Organisation) -> list[Device]:
    """The devices of these codes that ``partner`` holds; 404 ``device_not_found`` naming
    every other code, with the same answer whether no device has the code or another
    organisation holds it, so that codes cannot be probed."""
    wanted = {code.strip().upper() for code in codes}
    devices = list(selectors.devices_held_by(partner, wanted))
    others = sorted(wanted - {device.code for device in devices})
    if others:
        raise NotFound(
            _("No device your organisation holds has these codes: %(codes)s.")
            % {"codes": ", ".join(others)},
            code="device_not_found",
        )
    return devices
