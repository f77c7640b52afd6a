"""An nwipe log is bounded before it is read: its size, its drives, its dates; a refused or
failed import leaves no record and no evidence file."""

from __future__ import annotations

import datetime
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inventory.models import Device
from reuse.models import ErasureRecord, StorageMedium
from reuse.nwipe import ImpossibleTimestamp, TooManyDrives, parse_nwipe_log
from reuse.services import collection_record, devices_claim, erasure_record_create, medium_add
from reuse.services import erasures as erasure_services

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "nwipe.log"
NWIPE = "/api/v1/erasures/nwipe/"
SAMPLE_STATUS_ROWS = (
    "       sda | Erased | 335 MB/s | 00:29:42 | Samsung SSD 860 EVO 250GB/S3YJNB0K123456A\n"
    "      !sdb |-FAILED-| 127 MB/s | 01:03:00 | ST500DM002-1BD142/Z3TABC12\n"
)


def _log_with_drives(count: int) -> bytes:
    """The sample log whose Drive Status table lists ``count`` erased drives."""
    rows = "".join(
        f"   sd{number:06d} | Erased | 335 MB/s | 00:29:42 | Samsung SSD/S{number:09d}\n"
        for number in range(count)
    )
    return SAMPLE.read_text().replace(SAMPLE_STATUS_ROWS, rows).encode()


def _log_with_line(old: str, new: str) -> bytes:
    text = SAMPLE.read_text()
    assert old in text
    return text.replace(old, new, 1).encode()


BAD_TIMESTAMP_LOG = _log_with_line(
    "[2026/10/14 09:02:12]  notice: Found", "[2026/13/45 25:61:61]  notice: Found"
)


def _files_in(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.fixture
def held_laptop(declare, partner, partner_user) -> Device:
    """A laptop the partner collected, whose serial is the sample log's system serial: an
    import that is not refused records its two drives."""
    devices = declare(1)
    devices_claim(devices=devices, partner=partner, user=partner_user)
    collection_record(
        partner=partner,
        user=partner_user,
        devices=list(Device.objects.filter(pk__in=[device.pk for device in devices])),
        collected_on=datetime.date(2026, 3, 12),
        site=None,
        commune_signatory="Claire Dubois",
        commune_signatory_title="DSI",
        partner_signatory="Karim Benali",
        partner_signatory_title="Responsable d'atelier",
    )
    Device.objects.filter(pk=devices[0].pk).update(serial_number="7HXK2Q2")
    return Device.objects.get(pk=devices[0].pk)


# --- the parser -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("[2026/10/14 09:02:12]  notice: Found", "[2026/13/45 25:61:61]  notice: Found", 3),
        ("[2026/10/14 09:02:11]    info: nwipe", "[1024/10/14 09:02:11]    info: nwipe", 1),
        ("| 00:29:42 |", "| 99999999999999999999:00:00 |", 38),
        ("| 00:29:42 |", "| 00:75:00 |", 38),
    ],
)
def test_the_parser_refuses_an_impossible_date_or_duration_naming_its_line(old, new, line):
    # when
    with pytest.raises(ImpossibleTimestamp) as refusal:
        parse_nwipe_log(_log_with_line(old, new).decode())

    # then
    assert refusal.value.line_number == line


def test_the_parser_stops_at_the_first_drive_over_the_limit():
    # given
    text = _log_with_drives(200_000).decode()

    # when
    started = time.monotonic()
    with pytest.raises(TooManyDrives):
        parse_nwipe_log(text, max_drives=64)

    # then
    assert time.monotonic() - started < 2


# --- the API -----------------------------------------------------------------------------


def test_an_impossible_timestamp_answers_400_naming_the_line(
    client_for, held_laptop, partner_user, media_root
):
    # given
    upload = SimpleUploadedFile("nwipe.log", BAD_TIMESTAMP_LOG)

    # when
    response = client_for(partner_user).post(NWIPE, {"log": upload}, format="multipart")

    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "impossible_timestamp"
    assert error["message"] == (
        "Line 3 of the nwipe log gives an impossible date or time: 2026/13/45 25:61:61."
    )
    assert error["fields"] == {"log": [error["message"]]}
    assert ErasureRecord.objects.count() == 0
    assert StorageMedium.objects.count() == 0
    assert _files_in(media_root) == []


def test_a_log_over_the_size_limit_is_refused_before_it_is_read(
    client_for, held_laptop, partner_user, media_root, settings, monkeypatch
):
    # given
    settings.BOUCLE_NWIPE_MAX_BYTES = 1024
    upload = SimpleUploadedFile("nwipe.log", SAMPLE.read_bytes())

    def _parse_nwipe_log(*arguments, **keywords):
        raise AssertionError("a log over the limit is not parsed")

    monkeypatch.setattr(erasure_services, "parse_nwipe_log", _parse_nwipe_log)

    # when
    response = client_for(partner_user).post(NWIPE, {"log": upload}, format="multipart")

    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "log_too_large"
    assert error["message"] == ("This nwipe log is larger than 1.0\xa0KB: send the log of one run.")
    assert ErasureRecord.objects.count() == 0
    assert _files_in(media_root) == []


def test_a_log_of_200000_drives_is_refused_at_once_by_its_size(
    client_for, held_laptop, partner_user, media_root
):
    # given: the 12.8 MB log that ran past the web timeout, with the default limits
    log = _log_with_drives(200_000)
    assert len(log) > 12_000_000

    # when
    started = time.monotonic()
    response = client_for(partner_user).post(
        NWIPE, {"log": SimpleUploadedFile("nwipe.log", log)}, format="multipart"
    )

    # then
    assert time.monotonic() - started < 5
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "log_too_large"
    assert ErasureRecord.objects.count() == 0
    assert _files_in(media_root) == []


def test_a_log_of_more_drives_than_allowed_is_refused(
    client_for, held_laptop, partner_user, media_root
):
    # given: 65 drives, under the size limit, over the default of 64
    upload = SimpleUploadedFile("nwipe.log", _log_with_drives(65))

    # when
    response = client_for(partner_user).post(NWIPE, {"log": upload}, format="multipart")

    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "too_many_drives"
    assert error["message"] == (
        "This nwipe log lists more than 64 drives: import one run at a time."
    )
    assert ErasureRecord.objects.count() == 0
    assert StorageMedium.objects.count() == 0
    assert _files_in(media_root) == []


def test_a_log_of_64_drives_is_accepted(client_for, held_laptop, partner_user, media_root):
    # given
    upload = SimpleUploadedFile("nwipe.log", _log_with_drives(64))

    # when
    response = client_for(partner_user).post(NWIPE, {"log": upload}, format="multipart")

    # then
    assert response.status_code == 201, response.json()
    assert len(response.json()["created"]) == 64
    assert ErasureRecord.objects.count() == 64
    assert len(_files_in(media_root)) == 1


def test_a_drive_with_a_serial_longer_than_a_medium_holds_is_refused(
    client_for, held_laptop, partner_user, media_root
):
    # given
    upload = SimpleUploadedFile("nwipe.log", _log_with_line("/S3YJNB0K123456A", "/" + "S" * 101))

    # when
    response = client_for(partner_user).post(NWIPE, {"log": upload}, format="multipart")

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unreadable_log"
    assert ErasureRecord.objects.count() == 0
    assert StorageMedium.objects.count() == 0
    assert _files_in(media_root) == []


# --- the page ----------------------------------------------------------------------------


def test_the_page_refuses_an_impossible_timestamp_with_400_naming_the_line(
    page_client, held_laptop, partner_user, media_root
):
    # given
    upload = SimpleUploadedFile("nwipe.log", BAD_TIMESTAMP_LOG)

    # when
    response = page_client(partner_user).post(
        f"/reuse/devices/{held_laptop.code}/erasure/", {"action": "nwipe", "nwipe-log": upload}
    )

    # then
    assert response.status_code == 400
    assert "Line 3 of the nwipe log gives an impossible date or time" in (response.content.decode())
    assert ErasureRecord.objects.count() == 0
    assert _files_in(media_root) == []


def test_the_page_refuses_a_log_over_the_size_limit(
    page_client, held_laptop, partner_user, media_root, settings
):
    # given
    settings.BOUCLE_NWIPE_MAX_BYTES = 1024
    upload = SimpleUploadedFile("nwipe.log", SAMPLE.read_bytes())

    # when
    response = page_client(partner_user).post(
        f"/reuse/devices/{held_laptop.code}/erasure/", {"action": "nwipe", "nwipe-log": upload}
    )

    # then
    assert response.status_code == 400
    assert "This nwipe log is larger than" in response.content.decode()
    assert ErasureRecord.objects.count() == 0
    assert _files_in(media_root) == []


# --- no orphan file ----------------------------------------------------------------------


def test_an_import_that_fails_after_storing_the_log_leaves_no_file(
    held_laptop, partner, partner_user, media_root, monkeypatch
):
    # given: the second record cannot be written (the database refuses, the process stops…)
    original_save = ErasureRecord.save
    saved = []

    def _save(record, *arguments, **keywords):
        if saved:
            raise RuntimeError("the database went away")
        saved.append(record)
        original_save(record, *arguments, **keywords)

    monkeypatch.setattr(ErasureRecord, "save", _save)

    # when
    with pytest.raises(RuntimeError):
        erasure_services.nwipe_log_import(
            partner=partner,
            user=partner_user,
            log_file=SimpleUploadedFile("nwipe.log", SAMPLE.read_bytes()),
        )

    # then
    assert len(saved) == 1
    assert ErasureRecord.objects.count() == 0
    assert StorageMedium.objects.count() == 0
    assert _files_in(media_root) == []


def test_an_erasure_record_that_fails_leaves_no_evidence_file(
    held_laptop, partner, partner_user, media_root, monkeypatch
):
    # given
    medium = medium_add(
        partner=partner, user=partner_user, device=held_laptop, type="ssd", serial="SN-1"
    )

    def _save(record, *arguments, **keywords):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ErasureRecord, "save", _save)
    now = datetime.datetime.now(tz=datetime.UTC)

    # when
    with pytest.raises(RuntimeError):
        erasure_record_create(
            partner=partner,
            user=partner_user,
            medium=medium,
            level="purge",
            method="Cryptographic erase",
            tool="hdparm",
            verification_method="Read back",
            result="passed",
            operator_name="Karim Benali",
            operator_title="Technicien",
            verifier_name="Inès Moreau",
            verifier_title="Responsable",
            started_at=now - datetime.timedelta(hours=1),
            finished_at=now,
            location="Atelier",
            destination="Reuse",
            evidence=SimpleUploadedFile("report.txt", b"erased ok\n"),
        )

    # then
    assert ErasureRecord.objects.count() == 0
    assert _files_in(media_root) == []
