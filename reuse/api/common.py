"""What the reuse API views share: validating a request body, finding the devices it names."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from rest_framework import serializers

from common.errors import NotFound, ValidationFailed, flatten_errors
from inventory.models import Device
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
