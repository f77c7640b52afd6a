"""Helpers of the refurbishment tests: a collected device (through the services or the API), a
checklist, an erasure, a snapshot."""

from __future__ import annotations

import datetime

from django.utils import timezone

from inventory.models import Device, DeviceEvent
from reuse.checklists import checklist_for
from reuse.models import Diagnosis, Grading, Repair
from reuse.services import (
    collection_record,
    devices_claim,
    diagnosis_record,
    erasure_record_create,
    medium_add,
)
from tests.conftest import device_description


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


def api_collected_device(commune_api, partner_api, commune, *, serial_number="7HXK2Q2") -> str:
    """Through the API: ``commune`` declares a laptop, the partner claims it and records its
    collection, each step answering as it should; the laptop's code."""
    declared = commune_api.post(
        "/api/v1/devices/",
        {"commune": commune.slug, **device_description(serial_number=serial_number)},
        format="json",
    )
    assert declared.status_code == 201, declared.json()
    code = declared.json()["code"]
    claimed = partner_api.post(f"/api/v1/devices/{code}/claim/", {}, format="json")
    assert claimed.status_code == 200, claimed.json()
    collected = partner_api.post(
        "/api/v1/collections/",
        {
            "codes": [code],
            "collected_on": "2026-03-12",
            "commune_signatory": "Claire Dubois",
            "commune_signatory_title": "DSI",
            "partner_signatory": "Karim Benali",
            "partner_signatory_title": "Responsable d'atelier",
        },
        format="json",
    )
    assert collected.status_code == 201, collected.json()
    return code


def erase(
    partner, user, device, *, serial="S3YJNB0K1", result="passed", level="purge", medium=None
):
    medium = medium or medium_add(
        partner=partner, user=user, device=device, type="ssd", serial=serial
    )
    now = timezone.now()
    erasure_record_create(
        partner=partner,
        user=user,
        medium=medium,
        level=level,
        method="Cryptographic erase",
        tool="nvme-cli",
        tool_version="2.4",
        verification_method="Sampling",
        result=result,
        operator_name="Karim Benali",
        operator_title="Technicien",
        verifier_name="Inès Moreau",
        verifier_title="Qualité",
        started_at=now - datetime.timedelta(hours=1),
        finished_at=now - datetime.timedelta(minutes=1),
        location="Atelier",
        destination="Réemploi",
    )
    return medium


def snapshot() -> tuple:
    return (
        sorted(Device.objects.values_list("pk", "state", "holder_id")),
        DeviceEvent.objects.count(),
        Diagnosis.objects.count(),
        Repair.objects.count(),
        Grading.objects.count(),
    )
