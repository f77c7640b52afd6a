"""The erasure pages: a device's media and records, the nwipe import, certificates."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from documents.choices import DocumentKind
from documents.models import Document
from inventory.models import Device
from reuse.models import ErasureRecord, StorageMedium
from reuse.services import NwipeImportReport, collection_record, devices_claim
from reuse.views_erasure import _report_nwipe

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "nwipe.log"


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


def _url(device) -> str:
    return f"/reuse/devices/{device.code}/erasure/"


RECORD = {
    "action": "record",
    "record-level": "purge",
    "record-method": "ATA Secure Erase",
    "record-tool": "hdparm",
    "record-tool_version": "9.65",
    "record-verification_method": "Sampling",
    "record-result": "passed",
    "record-operator_name": "Karim Benali",
    "record-operator_title": "Technicien",
    "record-verifier_name": "Inès Moreau",
    "record-verifier_title": "Qualité",
    "record-started_at": "2026-03-13T09:00",
    "record-finished_at": "2026-03-13T10:00",
    "record-location": "Atelier",
    "record-destination": "Réemploi",
}


def test_the_holder_adds_a_medium_records_its_erasure_and_requests_the_certificate(
    page_client, collected, partner_user
):
    # given
    device = collected()[0]
    client = page_client(partner_user)

    # when
    added = client.post(
        _url(device), {"action": "medium", "medium-type": "ssd", "medium-serial": "SN-77"}
    )
    medium = StorageMedium.objects.get()
    recorded = client.post(_url(device), {**RECORD, "record-medium": medium.pk})
    certified = client.post(_url(device), {"action": "certificate"})
    page = client.get(_url(device))

    # then
    assert added.status_code == recorded.status_code == certified.status_code == 302
    assert (medium.device_id, medium.type, medium.serial) == (device.pk, "ssd", "SN-77")
    record = ErasureRecord.objects.get()
    assert (record.level, record.result, record.verifier_name) == ("purge", "passed", "Inès Moreau")
    assert Document.objects.filter(kind=DocumentKind.ERASURE_CERTIFICATE).count() == 1
    content = page.content.decode()
    assert "SN-77" in content
    assert "Every storage medium is erased." in content


def test_the_nwipe_form_reports_unmatched_drives(page_client, collected, partner_user):
    device = collected()[0]
    upload = SimpleUploadedFile("nwipe.log", SAMPLE.read_bytes())

    response = page_client(partner_user).post(
        _url(device), {"action": "nwipe", "nwipe-log": upload}, follow=True
    )

    content = response.content.decode()
    assert "0 passed, 0 failed, 2 unmatched" in content
    assert "sdb (Z3TABC12)" in content
    assert ErasureRecord.objects.count() == 0


def test_a_certificate_without_erasure_is_refused_with_the_reason(
    page_client, collected, partner_user
):
    device = collected()[0]

    response = page_client(partner_user).post(_url(device), {"action": "certificate"})

    assert response.status_code == 409
    assert "no storage medium recorded" in response.content.decode()
    assert not Document.objects.filter(kind=DocumentKind.ERASURE_CERTIFICATE).exists()


def test_another_partner_may_not_add_a_medium(page_client, collected, partner, other_partner_user):
    device = collected()[0]

    response = page_client(other_partner_user).post(
        _url(device), {"action": "medium", "medium-type": "ssd"}
    )

    assert response.status_code == 404  # collected devices are visible to their holder only
    assert StorageMedium.objects.count() == 0


def test_the_batch_certificate_page(page_client, collected, partner, partner_user):
    first, second = collected(2)
    client = page_client(partner_user)
    for device in (first, second):
        client.post(
            _url(device),
            {"action": "medium", "medium-type": "hdd", "medium-serial": f"S-{device.code}"},
        )
        medium = StorageMedium.objects.get(device=device)
        client.post(_url(device), {**RECORD, "record-medium": medium.pk})

    response = client.post(
        "/reuse/erasure/certificate/", {"codes": f"{first.code}, {second.code.lower()}"}
    )

    assert response.status_code == 302
    document = Document.objects.get(kind=DocumentKind.ERASURE_BATCH_CERTIFICATE)
    assert [line["media_serial"] for line in document.context["lines"]] == [
        f"S-{first.code}",
        f"S-{second.code}",
    ]


def test_the_batch_certificate_page_answers_alike_for_unknown_and_foreign_codes(
    page_client, collected, other_partner_user
):
    # given
    device = collected()[0]
    client = page_client(other_partner_user)

    # when
    held_elsewhere = client.post("/reuse/erasure/certificate/", {"codes": device.code})
    unknown = client.post("/reuse/erasure/certificate/", {"codes": "ZZZZ9999"})

    # then
    assert held_elsewhere.status_code == unknown.status_code == 400
    assert (
        f"No device your organisation holds has these codes: {device.code}."
        in held_elsewhere.content.decode()
    )
    assert "No device your organisation holds has these codes: ZZZZ9999." in (
        unknown.content.decode()
    )
    assert not Document.objects.filter(kind=DocumentKind.ERASURE_BATCH_CERTIFICATE).exists()


def test_an_erasure_is_recorded_on_any_medium_of_the_device_not_only_the_first(
    page_client, collected, partner_user
):
    # given: a device with two drives
    device = collected()[0]
    client = page_client(partner_user)
    for serial in ("SN-FIRST", "SN-SECOND"):
        client.post(
            _url(device), {"action": "medium", "medium-type": "hdd", "medium-serial": serial}
        )
    second = StorageMedium.objects.get(serial="SN-SECOND")

    # when: the second drive is destroyed by hand
    response = client.post(
        _url(device), {**RECORD, "record-medium": second.pk, "record-level": "destroy"}
    )

    # then
    assert response.status_code == 302
    record = ErasureRecord.objects.get()
    assert (record.medium_id, record.level) == (second.pk, "destroy")
    assert not StorageMedium.objects.get(serial="SN-FIRST").records.exists()


def test_the_nwipe_report_agrees_each_count_with_its_noun_in_french(rf):
    # given: one drive passed, one failed, none unmatched
    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    report = NwipeImportReport(created=[object()], failed=[object()])

    # when
    with translation.override("fr"):
        _report_nwipe(request, report)

    # then
    assert [str(message) for message in get_messages(request)] == [
        "Journal nwipe importé\u00a0: 1 réussi, 1 échoué, 0 non rapproché."
    ]
