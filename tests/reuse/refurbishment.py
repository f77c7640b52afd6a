"""Helpers of the refurbishment tests: a collected device, a checklist, a snapshot."""

from __future__ import annotations

import datetime

from inventory.models import Device, DeviceEvent
from reuse.diagnosis import checklist_for
from reuse.models import Diagnosis, Grading, Repair
from reuse.services import collection_record, devices_claim, diagnosis_record


def all_ok(category: str, result: str = "ok") -> list[dict]:
    return [{"check": check, "result": result, "note": ""} for check in checklist_for(category)]


def collected_device(declare, partner, user, *, refurbishing: bool = False, **overrides):
    """A device declared by the commune, claimed and collected by ``partner``; in
    refurbishment (diagnosed as working) when ``refurbishing``."""
    device = declare(1, **overrides)[0]
    devices_claim(devices=[device], partner=partner, user=user)
    collection_record(
        partner=partner,
        user=user,
        devices=[device],
        collected_on=datetime.date(2026, 3, 12),
        site=None,
        commune_signatory="Claire Dubois",
        commune_signatory_title="DSI",
        partner_signatory="Karim Benali",
        partner_signatory_title="Responsable d'atelier",
    )
    if refurbishing:
        diagnosis_record(
            device=device,
            organisation=partner,
            user=user,
            items=all_ok(device.category),
            result="works",
        )
    return Device.objects.get(pk=device.pk)


def snapshot() -> tuple:
    return (
        sorted(Device.objects.values_list("pk", "state", "holder_id")),
        DeviceEvent.objects.count(),
        Diagnosis.objects.count(),
        Repair.objects.count(),
        Grading.objects.count(),
    )
