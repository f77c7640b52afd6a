"""nwipe logs as several versions write them: 0.34, 0.37 (the sample) and 0.38 (ShredOS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reuse.nwipe import parse_nwipe_log

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"


def drives(name: str) -> list[tuple]:
    log = parse_nwipe_log((SAMPLES / name).read_text())
    return [
        (drive.device, drive.model, drive.serial, drive.capacity_gb, drive.erased, drive.verified)
        for drive in log.drives
    ]


def test_nwipe_0_34_sizes_in_terabytes_and_megabytes_a_usb_stick_without_serial():
    # when
    log = parse_nwipe_log((SAMPLES / "nwipe-0.34.log").read_text())

    # then: the wrapped kernel lines are passed over, every capacity is read
    assert log.version == "0.34"
    assert log.system_serial == "CZC8123ABC"
    assert drives("nwipe-0.34.log") == [
        ("sda", "ST1000DM003-1SB1", "Z9A1B2C3", 1000, True, True),
        ("sdb", "DataTraveler 3.0", "", 1, True, True),
    ]


def test_nwipe_0_37_sample():
    assert drives("nwipe.log") == [
        ("sda", "Samsung SSD 860 EVO 250GB", "S3YJNB0K123456A", 250, True, True),
        ("sdb", "ST500DM002-1BD142", "Z3TABC12", 500, False, False),
    ]


def test_nwipe_0_38_with_shredos_and_report_lines():
    # when
    log = parse_nwipe_log((SAMPLES / "nwipe-0.38.log").read_text())

    # then
    assert log.version == "0.38"
    assert log.system_serial == "PF3ABCD9"
    assert drives("nwipe-0.38.log") == [
        ("nvme0n1", "Samsung SSD 980 PRO 2TB", "S69ENF0R812345X", 2000, True, True),
    ]


@pytest.mark.parametrize(
    ("size", "expected_gb"),
    [
        ("250 GB", 250),
        ("1 TB", 1000),
        ("1.5 TB", 1500),
        ("976 MB", 1),
        ("120 MB", 1),
        ("3500 MB", 4),
        ("931 GiB", 1000),
        ("64 GB", 64),
    ],
)
def test_every_unit_nwipe_prints_is_read_in_gigabytes(size, expected_gb):
    # given
    text = (
        f"[2026/01/05 10:00:00]  notice: Found /dev/sda,  ATA, Some Drive, {size}, S/N=X1\n"
        "********************************* Drive Status *********************************\n"
        "!   Device | Status | Thru-put | HH:MM:SS | Model/Serial Number\n"
        "       sda | Erased | 100 MB/s | 00:10:00 | Some Drive/X1\n"
        "********************************************************************************\n"
    )

    # when
    [drive] = parse_nwipe_log(text).drives

    # then
    assert drive.capacity_gb == expected_gb
