"""What the device endpoints of every app share: the device a request may see, and the
answer that shows a device as the user's organisations see it now."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from inventory.api.serializers import DeviceSerializer
from inventory.models import Device
from inventory.selectors import device_get_visible
from organisations.permissions import organisations_of


def visible_device(request: Request, code: str) -> Device:
    """The device with ``code`` if one of the user's organisations may see it; else 404."""
    return device_get_visible(code=code, organisations=organisations_of(request.user))


def device_response(request: Request, device: Device, **kwargs: Any) -> Response:
    """The device read again, as the user's organisations see it after a change."""
    device = visible_device(request, device.code)
    return Response(DeviceSerializer(device, context={"request": request}).data, **kwargs)
