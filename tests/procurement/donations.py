"""Helpers of the donation tests: a partner's ready devices given to an association, and a
snapshot of everything a refused donation, receipt or cancellation must leave as it was."""

from __future__ import annotations

import datetime

from django.utils import timezone

from documents.models import Document
from inventory.models import Device, DeviceEvent
from procurement.models import Donation, DonationDevice, OfferDevice


def today() -> datetime.date:
    return timezone.localdate()


def years_ago(years: int) -> datetime.date:
    day = today()
    return day.replace(year=day.year - years, day=min(day.day, 28))


def snapshot() -> tuple:
    return (
        sorted(Device.objects.values_list("pk", "state", "holder")),
        DeviceEvent.objects.count(),
        sorted(Donation.objects.values_list("pk", "state", "received_on", "cancel_reason")),
        sorted(DonationDevice.objects.values_list("pk", "is_standing")),
        Document.objects.count(),
        sorted(OfferDevice.objects.values_list("device", flat=True)),
    )
