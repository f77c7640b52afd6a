"""Helpers of the planned-pickup tests: claimed devices, a plan, and a snapshot of both."""

from __future__ import annotations

import datetime

from django.utils import timezone

from inventory.models import Device
from reuse.models import PickupPlan, PickupPlanDevice
from reuse.services import devices_claim, pickup_propose

MORNING = (datetime.time(9, 0), datetime.time(11, 0))
AFTERNOON = (datetime.time(14, 0), datetime.time(16, 30))


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def claim(devices, partner, user) -> list[Device]:
    devices_claim(devices=devices, partner=partner, user=user)
    return list(Device.objects.filter(pk__in=[d.pk for d in devices]).order_by("pk"))


def propose(partner, user, devices, site, *, days: int = 3, slot=MORNING, **overrides):
    arguments = {
        "partner": partner,
        "user": user,
        "devices": devices,
        "site": site,
        "date": in_days(days),
        "starts_at": slot[0],
        "ends_at": slot[1],
    }
    arguments.update(overrides)
    return pickup_propose(**arguments)


def pickup_snapshot() -> tuple:
    """Everything a refused planning step must leave as it was."""
    return (
        sorted(
            PickupPlan.objects.values_list(
                "pk",
                "state",
                "date",
                "starts_at",
                "ends_at",
                "confirmed_by",
                "counter_proposed_by",
                "cancelled_by",
                "collection",
            )
        ),
        sorted(PickupPlanDevice.objects.values_list("plan", "device", "is_open")),
        sorted(Device.objects.values_list("pk", "state", "claimed_by_id", "claimed_at")),
    )
