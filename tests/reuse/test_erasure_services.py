"""Erasure: the nwipe log parser, media and records, the nwipe import, certificates."""

from __future__ import annotations

import datetime
import hashlib
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from documents.choices import DocumentKind, DocumentState
from documents.models import Document
from inventory.choices import DeviceState
from inventory.counts import device_counts_rebuild
from inventory.models import Device
from reuse.models import ErasureRecord, StorageMedium
from reuse.nwipe import UnreadableLog, parse_nwipe_log
from reuse.services import (
    collection_record,
    device_erasure_status,
    devices_claim,
    erasure_batch_certificate_issue,
    erasure_certificate_issue,
    erasure_record_create,
    medium_add,
    nwipe_log_import,
)

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "nwipe.log"


@pytest.fixture
def collected(declare, partner, partner_user):
    """``count`` devices of the commune, claimed and collected by the partner."""

    def _collected(count=1, **declare_arguments):
        devices = declare(count, **declare_arguments)
        devices_claim(devices=devices, partner=partner, user=partner_user)
        claimed = list(Device.objects.filter(pk__in=[d.pk for d in devices]).order_by("pk"))
        collection_record(
            partner=partner,
            user=partner_user,
            devices=claimed,
            collected_on=datetime.date(2026, 3, 12),
            site=None,
            commune_signatory="Claire Dubois",
            commune_signatory_title="DSI",
            partner_signatory="Karim Benali",
            partner_signatory_title="Responsable d'atelier",
        )
        return list(Device.objects.filter(pk__in=[d.pk for d in devices]).order_by("pk"))

    return _collected


def _record(partner, user, medium, **overrides):
    now = timezone.now()
    arguments = {
        "partner": partner,
        "user": user,
        "medium": medium,
        "level": "purge",
        "method": "ATA Secure Erase",
        "tool": "hdparm",
        "tool_version": "9.65",
        "verification_method": "Read-back sampling",
        "result": "passed",
        "operator_name": "Karim Benali",
        "operator_title": "Technicien",
        "verifier_name": "Inès Moreau",
        "verifier_title": "Responsable qualité",
        "started_at": now - datetime.timedelta(hours=1),
        "finished_at": now - datetime.timedelta(minutes=5),
        "location": "Atelier de Bagneux",
        "destination": "Réemploi",
    }
    arguments.update(overrides)
    return erasure_record_create(**arguments)


def _pdf_text(document: Document) -> str:
    with document.file.open("rb") as file:
        content = file.read()
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())  # table cells wrap: compare words, not lines


def _log_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("nwipe.log", SAMPLE.read_bytes(), content_type="text/plain")


# --- parser ------------------------------------------------------------------------------


def test_the_parser_reads_the_sample_log_drives_statuses_and_serials():
    # when
    log = parse_nwipe_log(SAMPLE.read_text())

    # then
    assert log.version == "0.37"
    assert log.system_serial == "7HXK2Q2"
    assert log.started_at == datetime.datetime(2026, 10, 14, 9, 2, 11)
    assert log.finished_at == datetime.datetime(2026, 10, 14, 10, 5, 14)
    assert [
        (d.device, d.status, d.erased, d.throughput, d.model, d.serial, d.capacity_gb)
        for d in log.drives
    ] == [
        ("sda", "Erased", True, "335 MB/s", "Samsung SSD 860 EVO 250GB", "S3YJNB0K123456A", 250),
        ("sdb", "-FAILED-", False, "127 MB/s", "ST500DM002-1BD142", "Z3TABC12", 500),
    ]
    assert [d.duration for d in log.drives] == [
        datetime.timedelta(minutes=29, seconds=42),
        datetime.timedelta(hours=1, minutes=3),
    ]
    assert [d.method for d in log.drives] == ["PRNG Stream", "PRNG Stream"]


def test_the_parser_refuses_a_text_without_drive_status_table():
    with pytest.raises(UnreadableLog):
        parse_nwipe_log("[2026/10/14 09:02:11]    info: nwipe 0.37\n")


# --- media and records ---------------------------------------------------------------------


def test_the_holder_records_a_medium_and_a_passed_erasure_with_its_evidence_hash(
    collected, partner, partner_user
):
    # given
    device = collected()[0]
    evidence = SimpleUploadedFile("report.txt", b"erased ok\n" * 1000)

    # when
    medium = medium_add(
        partner=partner,
        user=partner_user,
        device=device,
        type="ssd",
        serial="SN-1",
        capacity_gb=256,
    )
    record = _record(partner, partner_user, medium, evidence=evidence)

    # then
    record.refresh_from_db()
    assert (medium.device_id, medium.type, medium.serial, medium.capacity_gb) == (
        device.pk,
        "ssd",
        "SN-1",
        256,
    )
    assert record.evidence_sha256 == hashlib.sha256(b"erased ok\n" * 1000).hexdigest()
    with record.evidence.open("rb") as file:
        assert file.read() == b"erased ok\n" * 1000
    assert record.created_by == partner_user
    assert device_erasure_status(device) is True


def test_an_erasure_record_cannot_be_changed_or_deleted(collected, partner, partner_user):
    # given
    device = collected()[0]
    medium = medium_add(partner=partner, user=partner_user, device=device, type="hdd")
    record = _record(partner, partner_user, medium)

    # when / then
    record.result = "failed"
    with pytest.raises(ValueError, match="cannot be changed"):
        record.save()
    with pytest.raises(ValueError, match="cannot be deleted"):
        record.delete()
    assert ErasureRecord.objects.get().result == "passed"


def test_another_partner_may_not_record_an_erasure_and_nothing_changes(
    collected, partner, partner_user, other_partner, other_partner_user
):
    # given
    device = collected()[0]
    medium = medium_add(partner=partner, user=partner_user, device=device, type="hdd")

    # when / then
    with pytest.raises(PermissionDenied):
        _record(other_partner, other_partner_user, medium)
    with pytest.raises(PermissionDenied):
        medium_add(partner=other_partner, user=other_partner_user, device=device, type="ssd")
    assert ErasureRecord.objects.count() == 0
    assert StorageMedium.objects.count() == 1


def test_a_device_past_refurbishment_cannot_be_erased_and_nothing_changes(
    collected, partner, partner_user
):
    # given: a held device already ready (set directly: later transitions are not ours)
    device = collected()[0]
    medium = medium_add(partner=partner, user=partner_user, device=device, type="hdd")
    Device.objects.filter(pk=device.pk).update(state=DeviceState.READY)
    device_counts_rebuild()  # as after any change made outside the services
    device.refresh_from_db()
    medium.refresh_from_db()

    # when / then
    with pytest.raises(TransitionNotAllowed):
        medium_add(partner=partner, user=partner_user, device=device, type="hdd")
    with pytest.raises(TransitionNotAllowed):
        _record(partner, partner_user, medium)
    assert StorageMedium.objects.count() == 1
    assert ErasureRecord.objects.count() == 0


def test_a_claimed_device_is_not_held_yet(declare, partner, partner_user):
    device = declare(1)[0]
    devices_claim(devices=[device], partner=partner, user=partner_user)
    device.refresh_from_db()

    with pytest.raises(PermissionDenied):
        medium_add(partner=partner, user=partner_user, device=device, type="hdd")
    assert StorageMedium.objects.count() == 0


def test_an_incomplete_record_is_refused(collected, partner, partner_user):
    device = collected()[0]
    medium = medium_add(partner=partner, user=partner_user, device=device, type="hdd")

    with pytest.raises(ValidationFailed) as refused:
        _record(partner, partner_user, medium, verifier_name=" ", level="wipe")

    assert set(refused.value.fields) == {"verifier_name", "level"}
    assert ErasureRecord.objects.count() == 0


def test_device_erasure_status(collected, partner, partner_user, declare):
    # given
    device = collected()[0]
    assert device.data_bearing
    # then: no medium yet
    assert device_erasure_status(device) is False
    first = medium_add(partner=partner, user=partner_user, device=device, type="hdd")
    second = medium_add(partner=partner, user=partner_user, device=device, type="ssd")
    _record(partner, partner_user, first)
    assert device_erasure_status(device) is False  # the second has no record
    now = timezone.now()
    _record(
        partner,
        partner_user,
        second,
        result="failed",
        finished_at=now - datetime.timedelta(minutes=30),
    )
    assert device_erasure_status(device) is False  # its latest failed
    _record(
        partner,
        partner_user,
        second,
        level="destroy",
        finished_at=now - datetime.timedelta(minutes=10),
    )
    assert device_erasure_status(device) is True
    # a device that holds no data needs no erasure
    monitor = Device(category="monitor", data_bearing=False)
    assert device_erasure_status(monitor) is True


# --- nwipe import ----------------------------------------------------------------------------


def test_the_nwipe_import_matches_by_system_serial_records_passed_and_failed(
    collected, partner, partner_user
):
    # given: the laptop the log was made on, by its serial number
    devices = collected(2)
    laptop = devices[0]
    Device.objects.filter(pk=laptop.pk).update(serial_number="7HXK2Q2")

    # when
    report = nwipe_log_import(partner=partner, user=partner_user, log_file=_log_upload())

    # then
    digest = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    media = list(StorageMedium.objects.order_by("pk"))
    assert [(m.device_id, m.type, m.model, m.serial, m.capacity_gb) for m in media] == [
        (laptop.pk, "ssd", "Samsung SSD 860 EVO 250GB", "S3YJNB0K123456A", 250),
        (laptop.pk, "hdd", "ST500DM002-1BD142", "Z3TABC12", 500),
    ]
    assert [(r.medium.serial, r.result) for r in report.created] == [("S3YJNB0K123456A", "passed")]
    assert [(r.medium.serial, r.result) for r in report.failed] == [("Z3TABC12", "failed")]
    assert report.unmatched == []
    records = list(ErasureRecord.objects.order_by("pk"))
    assert {(r.level, r.tool, r.tool_version, r.method, r.evidence_sha256) for r in records} == {
        ("clear", "nwipe", "0.37", "PRNG Stream", digest)
    }
    with records[0].evidence.open("rb") as file:
        assert hashlib.sha256(file.read()).hexdigest() == digest
    assert records[0].finished_at - records[0].started_at == datetime.timedelta(
        minutes=29, seconds=42
    )
    assert device_erasure_status(Device.objects.get(pk=laptop.pk)) is False


def test_the_nwipe_import_matches_by_drive_serial_and_reports_unmatched_drives(
    collected, partner, partner_user
):
    # given: the SSD recorded on a device; the system serial is unknown
    device = collected()[0]
    medium_add(
        partner=partner, user=partner_user, device=device, type="ssd", serial="s3yjnb0k123456a"
    )

    # when
    report = nwipe_log_import(partner=partner, user=partner_user, log_file=_log_upload())

    # then
    assert [r.medium.device_id for r in report.created] == [device.pk]
    assert report.failed == []
    assert [(d.device, d.serial) for d in report.unmatched] == [("sdb", "Z3TABC12")]
    assert StorageMedium.objects.count() == 1
    assert device_erasure_status(Device.objects.get(pk=device.pk)) is True


def test_the_nwipe_import_ignores_devices_of_another_partner(
    collected, partner, partner_user, other_partner, other_partner_user
):
    device = collected()[0]
    Device.objects.filter(pk=device.pk).update(serial_number="7HXK2Q2")

    report = nwipe_log_import(
        partner=other_partner, user=other_partner_user, log_file=_log_upload()
    )

    assert report.created == report.failed == []
    assert [d.serial for d in report.unmatched] == ["S3YJNB0K123456A", "Z3TABC12"]
    assert StorageMedium.objects.count() == ErasureRecord.objects.count() == 0


def test_an_unreadable_log_is_refused(partner, partner_user):
    with pytest.raises(ValidationFailed):
        nwipe_log_import(
            partner=partner,
            user=partner_user,
            log_file=SimpleUploadedFile("x.log", b"hello"),
        )
    assert ErasureRecord.objects.count() == 0


# --- certificates ----------------------------------------------------------------------------


def test_the_certificate_of_a_device_has_the_nist_fields_and_each_medium(
    collected, partner, partner_user, django_capture_on_commit_callbacks
):
    # given
    device = collected()[0]
    Device.objects.filter(pk=device.pk).update(asset_tag="INV-0042")
    first = medium_add(
        partner=partner,
        user=partner_user,
        device=device,
        type="ssd",
        model="Samsung 860",
        serial="SSD-SERIAL-1",
    )
    second = medium_add(
        partner=partner, user=partner_user, device=device, type="hdd", serial="HDD-SERIAL-2"
    )
    _record(partner, partner_user, first)
    _record(partner, partner_user, second, level="destroy", method="Shredding")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        document = erasure_certificate_issue(partner=partner, user=partner_user, device=device)

    # then
    document.refresh_from_db()
    assert document.kind == DocumentKind.ERASURE_CERTIFICATE
    assert document.state == DocumentState.ISSUED
    text = _pdf_text(document)
    for expected in [
        device.code,
        device.brand,
        "INV-0042",
        "SSD-SERIAL-1",
        "HDD-SERIAL-2",
        "Samsung 860",
        "ATA Secure Erase",
        "Shredding",
        "hdparm 9.65",
        "Read-back sampling",
        "Réemploi",
        "Karim Benali",
        "Technicien",
        "Inès Moreau",
        "Responsable qualité",
        "Atelier de Bagneux",
        document.number,
    ]:
        assert expected in text, expected


def test_no_certificate_for_a_failed_or_missing_record(collected, partner, partner_user):
    # given
    failed, missing = collected(2)
    medium = medium_add(
        partner=partner, user=partner_user, device=failed, type="hdd", serial="BAD-1"
    )
    _record(partner, partner_user, medium, result="failed")

    # when / then
    with pytest.raises(TransitionNotAllowed) as refused:
        erasure_certificate_issue(partner=partner, user=partner_user, device=failed)
    assert "BAD-1" in refused.value.message
    with pytest.raises(TransitionNotAllowed) as refused:
        erasure_batch_certificate_issue(
            partner=partner, user=partner_user, devices=[failed, missing]
        )
    assert missing.code in refused.value.message
    assert Document.objects.filter(kind__startswith="erasure").count() == 0


def test_another_partner_gets_no_certificate(
    collected, partner, partner_user, other_partner, other_partner_user
):
    device = collected()[0]
    medium = medium_add(partner=partner, user=partner_user, device=device, type="hdd")
    _record(partner, partner_user, medium)

    with pytest.raises(PermissionDenied):
        erasure_certificate_issue(partner=other_partner, user=other_partner_user, device=device)
    assert Document.objects.filter(kind__startswith="erasure").count() == 0


def test_the_batch_certificate_has_a_summary_then_one_line_per_medium(
    collected, partner, partner_user, django_capture_on_commit_callbacks
):
    # given
    devices = collected(3)
    serials = []
    for index, device in enumerate(devices):
        for slot in range(2 if index == 0 else 1):
            serial = f"MED-{index}-{slot}"
            serials.append(serial)
            medium = medium_add(
                partner=partner, user=partner_user, device=device, type="ssd", serial=serial
            )
            _record(partner, partner_user, medium)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        document = erasure_batch_certificate_issue(
            partner=partner, user=partner_user, devices=devices
        )

    # then
    document.refresh_from_db()
    assert document.kind == DocumentKind.ERASURE_BATCH_CERTIFICATE
    assert document.context["device_count"] == 3
    assert [line["media_serial"] for line in document.context["lines"]] == [
        line["media_serial"]
        for line in sorted(document.context["lines"], key=lambda line: line["code"])
    ]
    assert sorted(line["media_serial"] for line in document.context["lines"]) == serials
    with document.file.open("rb") as file:
        pages = PdfReader(io.BytesIO(file.read())).pages
    summary = pages[0].extract_text()
    assert re.search(r": 3 · [^:\n]+: 4\n", summary)  # devices, then media (in French)
    assert not any(serial in summary for serial in serials)
    rest = "\n".join(page.extract_text() for page in pages[1:])
    for device in devices:
        assert device.code in rest
    for serial in serials:
        assert serial in rest


def test_an_nwipe_0_34_log_records_each_drive_with_its_capacity_a_usb_stick_included(
    collected, partner, partner_user
):
    # given: the desktop the 0.34 log was made on, with a hard disk and a USB stick
    desktop = collected(1)[0]
    Device.objects.filter(pk=desktop.pk).update(serial_number="CZC8123ABC")
    log = (SAMPLE.parent / "nwipe-0.34.log").read_bytes()

    # when
    report = nwipe_log_import(
        partner=partner,
        user=partner_user,
        log_file=SimpleUploadedFile("nwipe-0.34.log", log, content_type="text/plain"),
    )

    # then
    media = list(StorageMedium.objects.order_by("pk"))
    assert [(m.device_id, m.model, m.serial, m.capacity_gb) for m in media] == [
        (desktop.pk, "ST1000DM003-1SB1", "Z9A1B2C3", 1000),
        (desktop.pk, "DataTraveler 3.0", "", 1),
    ]
    assert len(report.created) == 2
    assert report.failed == []
    assert device_erasure_status(Device.objects.get(pk=desktop.pk)) is True
