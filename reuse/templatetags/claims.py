"""Claims in the inventory's templates."""

from __future__ import annotations

import datetime

from django import template

from inventory.models import Device
from reuse import selectors

register = template.Library()


@register.filter
def claim_lapses_at(device: Device) -> datetime.datetime | None:
    """When the device's claim expires, or nothing when it is not claimed."""
    return selectors.claim_lapses_at(device)
