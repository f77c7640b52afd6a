"""The erasure API: nwipe log import and certificate requests."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.choices import DocumentKind
from documents.models import Document
from inventory.models import Device
from reuse.models import ErasureRecord, StorageMedium
from reuse.services import collection_record, devices_claim
from tests.reuse.refurbishment import erase

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "nwipe.log"
NWIPE = "/api/v1/erasures/nwipe/"
CERTIFICATES = "/api/v1/erasure-certificates/"


@pytest.fixture
def collected(declare, partner, partner_user):
    def _collected(count=1):
        devices = declare(count)
        devices_claim(devices=devices, partner=partner, user=partner_user)
        collection_record(
            partner=partner,
            user=partner_user,
            devices=list(Device.objects.filter(pk__in=[d.pk for d in devices])),
            collected_on=datetime.date(2026, 3, 12),
            site=None,
            commune_signatory="Claire Dubois",
            commune_signatory_title="DSI",
            partner_signatory="Karim Benali",
            partner_signatory_title="Responsable d'atelier",
        )
        return list(Device.objects.filter(pk__in=[d.pk for d in devices]).order_by("code"))

    return _collected


def test_the_holder_imports_an_nwipe_log(client_for, collected, partner, partner_user):
    # given
    device = collected()[0]
    Device.objects.filter(pk=device.pk).update(serial_number="7HXK2Q2")
    upload = SimpleUploadedFile("nwipe.log", SAMPLE.read_bytes())

    # when
    response = client_for(partner_user).post(
        NWIPE, {"log": upload, "verifier_name": "Inès Moreau"}, format="multipart"
    )

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] == [
        {"device": device.code, "medium_serial": "S3YJNB0K123456A", "result": "passed"}
    ]
    assert body["failed"] == [
        {"device": device.code, "medium_serial": "Z3TABC12", "result": "failed"}
    ]
    assert body["unmatched"] == []
    assert set(ErasureRecord.objects.values_list("verifier_name", flat=True)) == {"Inès Moreau"}


def test_unmatched_drives_are_reported(client_for, partner_user, partner):
    upload = SimpleUploadedFile("nwipe.log", SAMPLE.read_bytes())

    response = client_for(partner_user).post(NWIPE, {"log": upload}, format="multipart")

    assert response.status_code == 201
    assert response.json()["created"] == response.json()["failed"] == []
    assert [(d["drive"], d["serial"], d["status"]) for d in response.json()["unmatched"]] == [
        ("sda", "S3YJNB0K123456A", "Erased"),
        ("sdb", "Z3TABC12", "-FAILED-"),
    ]
    assert StorageMedium.objects.count() == 0


def test_a_commune_may_not_import_a_log(client_for, commune_user):
    upload = SimpleUploadedFile("nwipe.log", SAMPLE.read_bytes())

    response = client_for(commune_user).post(NWIPE, {"log": upload}, format="multipart")

    assert response.status_code == 403
    assert ErasureRecord.objects.count() == 0


def test_a_certificate_is_requested_by_codes(client_for, collected, partner, partner_user):
    # given
    first, second = collected(2)
    erase(partner, partner_user, first, serial="S-1")
    erase(partner, partner_user, second, serial="S-2")

    # when
    single = client_for(partner_user).post(CERTIFICATES, {"codes": [first.code]}, format="json")
    batch = client_for(partner_user).post(
        CERTIFICATES, {"codes": [first.code, second.code.lower()]}, format="json"
    )

    # then
    assert single.status_code == 201
    assert batch.status_code == 201
    assert Document.objects.get(number=single.json()["number"]).kind == (
        DocumentKind.ERASURE_CERTIFICATE
    )
    document = Document.objects.get(number=batch.json()["number"])
    assert document.kind == DocumentKind.ERASURE_BATCH_CERTIFICATE
    assert [line["media_serial"] for line in document.context["lines"]] == ["S-1", "S-2"]


def test_a_failed_erasure_gets_no_certificate(client_for, collected, partner, partner_user):
    device = collected()[0]
    erase(partner, partner_user, device, serial="S-1", result="failed")

    response = client_for(partner_user).post(CERTIFICATES, {"codes": [device.code]}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "erasure_incomplete"
    assert "S-1" in response.json()["error"]["message"]
    assert not Document.objects.filter(kind=DocumentKind.ERASURE_CERTIFICATE).exists()


def test_another_partner_gets_no_certificate(
    client_for, collected, partner, partner_user, other_partner_user
):
    device = collected()[0]
    erase(partner, partner_user, device, serial="S-1")

    response = client_for(other_partner_user).post(
        CERTIFICATES, {"codes": [device.code]}, format="json"
    )

    # A device held elsewhere gets the answer of a code no device has (see below).
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "device_not_found"
    assert not Document.objects.filter(kind=DocumentKind.ERASURE_CERTIFICATE).exists()


def test_a_code_held_elsewhere_is_answered_as_a_code_no_device_has(
    client_for, collected, partner, partner_user, other_partner_user
):
    # given: the other partner asks for a device it does not hold and for a code of no device
    device = collected()[0]
    erase(partner, partner_user, device, serial="S-1")
    client = client_for(other_partner_user)
    documents_before = Document.objects.count()

    # when
    held_elsewhere = client.post(CERTIFICATES, {"codes": [device.code]}, format="json")
    unknown = client.post(CERTIFICATES, {"codes": ["ZZZZ9999"]}, format="json")

    # then: the same status, code and message, but for the code itself
    assert held_elsewhere.status_code == unknown.status_code == 404
    assert held_elsewhere.json() == {
        "error": {
            "code": "device_not_found",
            "message": f"No device your organisation holds has these codes: {device.code}.",
        }
    }
    assert unknown.json() == {
        "error": {
            "code": "device_not_found",
            "message": "No device your organisation holds has these codes: ZZZZ9999.",
        }
    }
    assert Document.objects.count() == documents_before
