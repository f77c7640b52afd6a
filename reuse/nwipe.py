"""Reading an nwipe log: the drives it found, its "Drive Status" table and the system serial.

nwipe (also inside ShredOS) has no JSON export; its text log is the evidence. The parts read:

- ``nwipe 0.37`` (the tool's version), ``Invoking method 'PRNG Stream' on /dev/sda``;
- ``Found /dev/sda, ATA , <model>, 250 GB, S/N=<serial>`` (the capacity of each drive, in
  whichever unit nwipe chose: MB, GB, TB; the serial may be empty, as for USB sticks);
- ``system-serial-number = 7HXK2Q2`` (the computer's serial, when nwipe could read it);
- ``Verifying pass …`` (a verification ran), and the dated lines (start and end times);
- the "Drive Status" table: device, status (``Erased`` or ``-FAILED-``), throughput, duration,
  ``model/serial``.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

_TIMESTAMP = re.compile(r"^\[(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2})\]")
_VERSION = re.compile(r"info: nwipe (\S+)")
_FOUND = re.compile(
    r"Found /dev/(?P<device>\S+?),\s*[^,]*,\s*(?P<model>[^,]*?)\s*,"
    r"\s*(?P<size>\d+(?:[.,]\d+)?)\s*(?P<unit>[kKMGTP]i?B)\s*,\s*S/N=(?P<serial>\S*)"
)
# nwipe prints a drive's size in the unit that fits it (976 MB, 250 GB, 1 TB); Boucle keeps
# gigabytes. Decimal units as drive makers count them, and the binary ones some builds print.
_GIGABYTES_PER_UNIT = {
    "kB": 1e-6,
    "KB": 1e-6,
    "MB": 1e-3,
    "GB": 1,
    "TB": 1e3,
    "PB": 1e6,
    "KiB": 2**10 / 1e9,
    "MiB": 2**20 / 1e9,
    "GiB": 2**30 / 1e9,
    "TiB": 2**40 / 1e9,
    "PiB": 2**50 / 1e9,
}
_SYSTEM_SERIAL = re.compile(r"system-serial-number = (.+?)\s*$")
_METHOD = re.compile(r"Invoking method '(?P<method>[^']+)' on /dev/(?P<device>\S+)")
_VERIFYING = re.compile(r"Verif(?:y|ied)\w* pass .* on '?/dev/(?P<device>[^\s']+?)'?\.?$")
_STATUS_ROW = re.compile(
    r"^\s*!?(?P<device>[\w-]+)\s*\|\s*(?P<status>Erased|-FAILED-|[^|]+?)\s*\|"
    r"\s*(?P<throughput>[^|]*?)\s*\|\s*(?P<duration>\d+:\d{2}:\d{2})\s*\|\s*(?P<identity>.*?)\s*$"
)
_DURATION = re.compile(r"(\d+):(\d{2}):(\d{2})")
# Dates outside these years, and longer wipes, are not a real nwipe run: refused, so that no
# later arithmetic on them overflows.
_YEARS = range(1970, 3000)
_MAX_HOURS = 10_000

STATUS_ERASED = "Erased"


class UnreadableLog(ValueError):
    """The text is not an nwipe log with a "Drive Status" table."""


class ImpossibleTimestamp(UnreadableLog):
    """A line gives a date, a time or a duration that cannot be (month 13, 25:61, the year
    1024, a wipe of a million hours…)."""

    def __init__(self, *, line_number: int, stamp: str) -> None:
        super().__init__(f"Line {line_number}: impossible date or time {stamp}.")
        self.line_number = line_number
        self.stamp = stamp


class TooManyDrives(UnreadableLog):
    """The "Drive Status" table lists more drives than a log may hold."""

    def __init__(self, *, limit: int) -> None:
        super().__init__(f"More than {limit} drives.")
        self.limit = limit


@dataclass(frozen=True)
class NwipeDrive:
    device: str
    status: str
    throughput: str
    duration: datetime.timedelta
    model: str
    serial: str
    capacity_gb: int | None = None
    method: str = ""
    verified: bool = False

    @property
    def erased(self) -> bool:
        return self.status == STATUS_ERASED


@dataclass
class NwipeLog:
    version: str = ""
    system_serial: str = ""
    started_at: datetime.datetime | None = None
    finished_at: datetime.datetime | None = None
    drives: list[NwipeDrive] = field(default_factory=list)


def _timestamp(text: str, line_number: int) -> datetime.datetime:
    try:
        at = datetime.datetime.strptime(text, "%Y/%m/%d %H:%M:%S")
    except ValueError as error:
        raise ImpossibleTimestamp(line_number=line_number, stamp=text) from error
    if at.year not in _YEARS:
        raise ImpossibleTimestamp(line_number=line_number, stamp=text)
    return at


def _duration(text: str, line_number: int) -> datetime.timedelta:
    hours, minutes, seconds = (int(part) for part in _DURATION.fullmatch(text).groups())
    if hours >= _MAX_HOURS or minutes > 59 or seconds > 59:
        raise ImpossibleTimestamp(line_number=line_number, stamp=text)
    return datetime.timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _capacity_gb(size: str, unit: str) -> int:
    """A drive's size as nwipe prints it, in whole gigabytes; at least 1 for a drive that
    holds anything (a 512 MB stick is not an empty one)."""
    gigabytes = float(size.replace(",", ".")) * _GIGABYTES_PER_UNIT[unit]
    return max(1, round(gigabytes)) if gigabytes > 0 else 0


def _split_identity(identity: str) -> tuple[str, str]:
    """``Samsung SSD 860 EVO 250GB/S3YJNB0K123456A`` → model, serial (split on the last /)."""
    model, _slash, serial = identity.rpartition("/")
    return model.strip(), serial.strip()


def parse_nwipe_log(text: str, *, max_drives: int | None = None) -> NwipeLog:
    """Parse an nwipe log; raise :class:`UnreadableLog` when it has no drive status row,
    :class:`ImpossibleTimestamp` for a date that does not exist, and :class:`TooManyDrives` as
    soon as the status table lists more than ``max_drives`` drives."""
    log = NwipeLog()
    found: dict[str, tuple[str, str, int]] = {}
    methods: dict[str, str] = {}
    verified: set[str] = set()
    rows: list[dict] = []
    in_status_table = False
    for line_number, line in enumerate(text.splitlines(), start=1):
        stamp = _TIMESTAMP.match(line)
        if stamp:
            at = _timestamp(stamp.group(1), line_number)
            log.started_at = log.started_at or at
            log.finished_at = at
        if "Drive Status" in line:
            in_status_table = True
            continue
        if in_status_table:
            if line.startswith("*"):
                in_status_table = False
                continue
            row = _STATUS_ROW.match(line)
            if row and row.group("device") != "Device":
                rows.append(
                    {**row.groupdict(), "duration": _duration(row.group("duration"), line_number)}
                )
                if max_drives is not None and len(rows) > max_drives:
                    raise TooManyDrives(limit=max_drives)
            continue
        if match := _VERSION.search(line):
            log.version = match.group(1)
        elif match := _FOUND.search(line):
            found[match.group("device")] = (
                match.group("model").strip(),
                match.group("serial"),
                _capacity_gb(match.group("size"), match.group("unit")),
            )
        elif match := _SYSTEM_SERIAL.search(line):
            log.system_serial = match.group(1).strip()
        elif match := _METHOD.search(line):
            methods[match.group("device")] = match.group("method")
        elif match := _VERIFYING.search(line):
            verified.add(match.group("device"))
    if not rows:
        raise UnreadableLog("No drive status table.")
    for row in rows:
        device = row["device"]
        model, serial = _split_identity(row["identity"])
        found_model, found_serial, capacity = found.get(device, ("", "", None))
        log.drives.append(
            NwipeDrive(
                device=device,
                status=row["status"].strip(),
                throughput=row["throughput"],
                duration=row["duration"],
                model=model or found_model,
                serial=serial or found_serial,
                capacity_gb=capacity,
                method=methods.get(device, ""),
                verified=device in verified,
            )
        )
    return log
