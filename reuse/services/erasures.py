"""Erasure (NIST SP 800-88): storage media, erasure records, nwipe logs and certificates."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from common.typography import filesize
from documents.choices import DocumentKind
from documents.models import Document
from documents.services import document_request
from inventory import lifecycle
from inventory.models import Device, unerased_data
from organisations.models import Organisation
from organisations.permissions import require_member
from reuse import permissions as reuse_permissions
from reuse import selectors
from reuse.choices import ErasureResult, MediumType, SanitisationLevel
from reuse.document_titles import (
    erasure_batch_certificate_title,
    erasure_certificate_title,
)
from reuse.models import ErasureRecord, StorageMedium
from reuse.nwipe import (
    ImpossibleTimestamp,
    NwipeDrive,
    NwipeLog,
    TooManyDrives,
    UnreadableLog,
    parse_nwipe_log,
)

# Media are erased while the device may still leave, for reuse or recycling: while the holder
# may still ``recycle`` it (the lifecycle's transition that starts from every such state).
ERASURE_TRANSITION = "recycle"
ERASURE_CERTIFICATE_TEMPLATE = "reuse/documents/erasure_certificate.html"
ERASURE_BATCH_CERTIFICATE_TEMPLATE = "reuse/documents/erasure_batch_certificate.html"
NWIPE_TOOL = "nwipe"
# The largest capacity a medium may have, as the API accepts it.
MAX_CAPACITY_GB = 200_000
_SERIAL_LENGTH = StorageMedium._meta.get_field("serial").max_length
_MODEL_LENGTH = StorageMedium._meta.get_field("model").max_length
_METHOD_LENGTH = ErasureRecord._meta.get_field("method").max_length
_VERSION_LENGTH = ErasureRecord._meta.get_field("tool_version").max_length


def _require_erasing_holder(
    *, partner: Organisation, user: AbstractBaseUser, device: Device
) -> None:
    """Only a member of the partner holding ``device`` (403), while it is collected or in
    refurbishment (409), records its media and erasures."""
    require_member(user, partner)
    if device.holder_id != partner.pk:
        raise PermissionDenied(
            _("Only the partner holding this device records its erasure."),
            code="not_holder",
        )
    if not lifecycle.transition_check([device], ERASURE_TRANSITION).allowed:
        raise TransitionNotAllowed(
            _("A device is erased while collected or in refurbishment, not while %(state)s.")
            % {"state": device.get_state_display()},
            code="erasure_not_allowed",
        )


def _sha256_of(file) -> str:
    """The SHA-256 of an uploaded or stored file, read in chunks."""
    digest = hashlib.sha256()
    if hasattr(file, "seek"):
        file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b""):
        digest.update(chunk)
    if hasattr(file, "seek"):
        file.seek(0)
    return digest.hexdigest()


def medium_add(
    *,
    partner: Organisation,
    user: AbstractBaseUser,
    device: Device,
    type: str,
    model: str = "",
    serial: str = "",
    capacity_gb: int | None = None,
) -> StorageMedium:
    """Record a storage medium of ``device`` (held by ``partner``)."""
    _require_erasing_holder(partner=partner, user=user, device=device)
    if type not in MediumType.values:
        raise ValidationFailed(
            _("Choose a media type."), code="invalid", fields={"type": [_("Invalid choice.")]}
        )
    if capacity_gb is not None and capacity_gb < 0:
        raise ValidationFailed(
            _("The capacity cannot be negative."),
            code="invalid",
            fields={"capacity_gb": [_("The capacity cannot be negative.")]},
        )
    return StorageMedium.objects.create(
        device=device,
        type=type,
        model=model.strip(),
        serial=serial.strip(),
        capacity_gb=capacity_gb,
    )


ERASURE_REQUIRED_FIELDS = (
    "method",
    "tool",
    "verification_method",
    "operator_name",
    "operator_title",
    "verifier_name",
    "verifier_title",
    "location",
    "destination",
)


def erasure_record_create(
    *,
    partner: Organisation,
    user: AbstractBaseUser,
    medium: StorageMedium,
    level: str,
    method: str,
    tool: str,
    tool_version: str = "",
    verification_method: str,
    result: str,
    operator_name: str,
    operator_title: str,
    verifier_name: str,
    verifier_title: str,
    started_at: datetime.datetime,
    finished_at: datetime.datetime,
    location: str,
    destination: str,
    notes: str = "",
    evidence=None,
) -> ErasureRecord:
    """Record one sanitisation of ``medium``; the evidence file is kept with its SHA-256.

    Refused (403) unless ``partner`` holds the device, (409) unless the device is collected
    or in refurbishment, (400) when a field is missing or the times are reversed.
    """
    device = medium.device
    _require_erasing_holder(partner=partner, user=user, device=device)
    values = {
        "method": method.strip(),
        "tool": tool.strip(),
        "verification_method": verification_method.strip(),
        "operator_name": operator_name.strip(),
        "operator_title": operator_title.strip(),
        "verifier_name": verifier_name.strip(),
        "verifier_title": verifier_title.strip(),
        "location": location.strip(),
        "destination": destination.strip(),
    }
    errors = {name: [_("Required.")] for name in ERASURE_REQUIRED_FIELDS if not values[name]}
    if level not in SanitisationLevel.values:
        errors["level"] = [_("Invalid choice.")]
    if result not in ErasureResult.values:
        errors["result"] = [_("Invalid choice.")]
    if finished_at < started_at:
        errors["finished_at"] = [_("The erasure cannot finish before it started.")]
    if finished_at > timezone.now():
        errors["finished_at"] = [_("The erasure cannot finish in the future.")]
    if errors:
        raise ValidationFailed(
            _("The erasure record is incomplete."), code="invalid", fields=errors
        )
    record = ErasureRecord(
        medium=medium,
        level=level,
        tool_version=tool_version.strip(),
        result=result,
        started_at=started_at,
        finished_at=finished_at,
        notes=notes.strip(),
        created_by=user,
        **values,
    )
    with _stored_files_removed_on_rollback() as stored, transaction.atomic(durable=True):
        if evidence is not None:
            record.evidence_sha256 = _sha256_of(evidence)
            record.evidence.save(getattr(evidence, "name", "evidence"), evidence, save=False)
            stored.append(record.evidence.name)
        record.save()
    return record


@dataclass
class NwipeImportReport:
    """What an nwipe log import did: records created (passed), failed, drives not matched."""

    created: list[ErasureRecord] = field(default_factory=list)
    failed: list[ErasureRecord] = field(default_factory=list)
    unmatched: list[NwipeDrive] = field(default_factory=list)
    evidence_sha256: str = ""


def _medium_type_of(model: str) -> str:
    name = model.casefold()
    if "nvme" in name:
        return MediumType.NVME
    if "ssd" in name:
        return MediumType.SSD
    if "emmc" in name or "mmc" in name:
        return MediumType.EMMC
    return MediumType.HDD


@contextmanager
def _stored_files_removed_on_rollback() -> Iterator[list[str]]:
    """The names of the files stored inside the transaction this wraps; they are deleted when
    it does not commit, so that no evidence file stays on disk without its record. Wrap the
    transaction (outside it), so that a failed commit removes them too."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def _nwipe_log_bytes(log_file) -> bytes:
    """The log's bytes, its size checked before they are read (400 above
    ``BOUCLE_NWIPE_MAX_BYTES``)."""
    limit = settings.BOUCLE_NWIPE_MAX_BYTES
    size = getattr(log_file, "size", None)
    too_large = size is not None and size > limit
    raw = b"" if too_large else log_file.read(limit + 1)
    if too_large or len(raw) > limit:
        message = _("This nwipe log is larger than %(limit)s: send the log of one run.") % {
            "limit": filesize(limit)
        }
        raise ValidationFailed(message, code="log_too_large", fields={"log": [message]})
    return raw


def _parsed_nwipe_log(raw: bytes) -> NwipeLog:
    """The parsed log, its drives at most ``BOUCLE_NWIPE_MAX_DRIVES``; 400 with the reason
    (and the line) for a file that is not an nwipe log or says what cannot be."""
    limit = settings.BOUCLE_NWIPE_MAX_DRIVES
    try:
        log = parse_nwipe_log(raw.decode("utf-8", errors="replace"), max_drives=limit)
    except ImpossibleTimestamp as error:
        message = _(
            "Line %(line)d of the nwipe log gives an impossible date or time: %(value)s."
        ) % {
            "line": error.line_number,
            "value": error.stamp,
        }
        raise ValidationFailed(
            message, code="impossible_timestamp", fields={"log": [message]}
        ) from error
    except TooManyDrives as error:
        message = ngettext(
            "This nwipe log lists more than %(limit)d drive: import one run at a time.",
            "This nwipe log lists more than %(limit)d drives: import one run at a time.",
            limit,
        ) % {"limit": limit}
        raise ValidationFailed(
            message, code="too_many_drives", fields={"log": [message]}
        ) from error
    except UnreadableLog as error:
        raise ValidationFailed(
            _("This file is not an nwipe log: it has no Drive Status table."),
            code="unreadable_log",
            fields={"log": [_("No Drive Status table found.")]},
        ) from error
    for drive in log.drives:
        too_long = (
            len(drive.serial) > _SERIAL_LENGTH
            or len(drive.model) > _MODEL_LENGTH
            or len(drive.method) > _METHOD_LENGTH
            or (drive.capacity_gb or 0) > MAX_CAPACITY_GB
        )
        if too_long:
            message = _(
                "The drive %(drive)s of the nwipe log has an impossible value: a name or serial "
                "too long, or a capacity too large."
            ) % {"drive": drive.device[:20]}
            raise ValidationFailed(message, code="unreadable_log", fields={"log": [message]})
    if len(log.version) > _VERSION_LENGTH:
        message = _("The nwipe version of this log is too long to be true.")
        raise ValidationFailed(message, code="unreadable_log", fields={"log": [message]})
    return log


def nwipe_log_import(
    *,
    partner: Organisation,
    user: AbstractBaseUser,
    log_file,
    operator_title: str = "",
    verifier_name: str = "",
    verifier_title: str = "",
    location: str = "",
    destination: str = "",
) -> NwipeImportReport:
    """Record the erasures an nwipe log lists, for devices ``partner`` holds.

    Each drive of the "Drive Status" table is matched to a device held by the partner (and
    collected or in refurbishment) by its own serial (an existing medium) or by the log's
    system serial (the device's serial number); a medium is created when missing. ``Erased``
    drives are recorded as passed (NIST Clear: nwipe overwrites), ``-FAILED-`` ones as failed;
    unmatched drives are reported. The log is kept as every record's evidence, with its
    SHA-256; everything happens in one transaction.
    """
    require_member(user, partner)
    if not reuse_permissions.may_record_collection(partner):
        raise PermissionDenied(_("Only a partner records erasures."), code="transition_forbidden")
    raw = _nwipe_log_bytes(log_file)
    log = _parsed_nwipe_log(raw)
    sha256 = hashlib.sha256(raw).hexdigest()
    operator = user.get_full_name() or user.get_username()
    held = Device.objects.filter(
        holder=partner, state__in=lifecycle.transition_sources(ERASURE_TRANSITION)
    )
    system_device = (
        held.filter(serial_number__iexact=log.system_serial).order_by("pk").first()
        if log.system_serial
        else None
    )
    report = NwipeImportReport(evidence_sha256=sha256)
    started = timezone.make_aware(log.started_at) if log.started_at else timezone.now()
    finished_log = timezone.make_aware(log.finished_at) if log.finished_at else started
    stored_name = ""
    with _stored_files_removed_on_rollback() as stored, transaction.atomic(durable=True):
        for drive in log.drives:
            medium = (
                StorageMedium.objects.filter(device__in=held, serial__iexact=drive.serial)
                .select_related("device")
                .order_by("pk")
                .first()
                if drive.serial
                else None
            )
            if medium is None and system_device is not None:
                medium = StorageMedium.objects.create(
                    device=system_device,
                    type=_medium_type_of(drive.model),
                    model=drive.model,
                    serial=drive.serial,
                    capacity_gb=drive.capacity_gb,
                )
            if medium is None:
                report.unmatched.append(drive)
                continue
            if not stored_name:
                stored_name = default_storage.save(
                    f"erasure/{timezone.now():%Y/%m}/nwipe-{sha256[:12]}.log",
                    ContentFile(raw),
                )
                stored.append(stored_name)
            record = ErasureRecord(
                medium=medium,
                level=SanitisationLevel.CLEAR,
                method=drive.method or _("Overwrite"),
                tool=NWIPE_TOOL,
                tool_version=log.version,
                verification_method=(
                    _("nwipe verification pass") if drive.verified else _("nwipe status")
                ),
                result=ErasureResult.PASSED if drive.erased else ErasureResult.FAILED,
                operator_name=operator,
                operator_title=operator_title.strip(),
                verifier_name=verifier_name.strip() or operator,
                verifier_title=verifier_title.strip(),
                started_at=started,
                finished_at=min(started + drive.duration, finished_log)
                if drive.duration
                else finished_log,
                location=location.strip() or partner.name,
                destination=destination.strip() or str(_("Reuse")),
                notes=_("nwipe drive %(drive)s: %(status)s, %(throughput)s, %(duration)s")
                % {
                    "drive": drive.device,
                    "status": drive.status,
                    "throughput": drive.throughput,
                    "duration": drive.duration,
                },
                evidence_sha256=sha256,
                created_by=user,
            )
            record.evidence.name = stored_name
            record.save()
            (report.created if record.passed else report.failed).append(record)
    return report


def device_erasure_status(device: Device) -> bool:
    """Whether ``device`` may leave as erased: not data-bearing, or it has at least one medium
    and each medium's latest record passed (at any level: clear, purge or destroy)."""
    return unerased_data(device, erasure_refusal=selectors.erasure_refusal) is None


def _erasure_line(device: Device, medium: StorageMedium, record: ErasureRecord) -> dict:
    def person(name: str, title: str) -> dict:
        return {
            "name": name,
            "title": title,
            "date": timezone.localtime(record.finished_at).isoformat(),
            "location": record.location,
            "contact": device.holder.email or device.holder.phone if device.holder else "",
        }

    return {
        "code": device.code,
        "manufacturer": device.brand,
        "device_model": device.model,
        "device_serial": device.serial_number,
        "property_number": device.asset_tag,
        "media_type": str(medium.get_type_display()),
        "media_model": medium.model,
        "media_serial": medium.serial,
        "capacity_gb": medium.capacity_gb,
        "media_source": device.commune.name,
        "level": str(record.get_level_display()),
        "method": record.method,
        "tool": f"{record.tool} {record.tool_version}".strip(),
        "verification_method": record.verification_method,
        "destination": record.destination,
        "evidence_sha256": record.evidence_sha256,
        "sanitised_by": person(record.operator_name, record.operator_title),
        "verified_by": person(record.verifier_name, record.verifier_title),
    }


def _certificate_lines(
    *, partner: Organisation, user: AbstractBaseUser, devices: list[Device]
) -> list[dict]:
    require_member(user, partner)
    if not devices:
        raise ValidationFailed(
            _("Select at least one device."), code="invalid", fields={"codes": [_("Required.")]}
        )
    foreign = sorted(device.code for device in devices if device.holder_id != partner.pk)
    if foreign:
        raise PermissionDenied(
            _("Your organisation does not hold these devices: %(codes)s.")
            % {"codes": ", ".join(foreign)},
            code="not_holder",
        )
    refusals = []
    for device in devices:
        reason = selectors.erasure_refusal(device)
        if reason:
            refusals.append(f"{device.code}: {reason}")
    if refusals:
        raise TransitionNotAllowed(
            _("No certificate: %(reasons)s") % {"reasons": "; ".join(refusals)},
            code="erasure_incomplete",
        )
    lines = []
    for device in sorted(devices, key=lambda device: device.code):
        for medium in device.media.all():
            lines.append(_erasure_line(device, medium, selectors.latest_erasure(medium)))
    return lines


def _issuer(partner: Organisation) -> dict:
    return {
        "name": partner.name,
        "siret": partner.siret,
        "email": partner.email,
        "phone": partner.phone,
    }


def erasure_certificate_issue(
    *, partner: Organisation, user: AbstractBaseUser, device: Device
) -> Document:
    """Request the erasure certificate of one device whose every medium's erasure passed.

    403 unless ``partner`` holds it; 409 with the reason when a medium is missing, has no
    record or its latest record failed.
    """
    device = selectors.device_for_erasure(device.pk)
    lines = _certificate_lines(partner=partner, user=user, devices=[device])
    return document_request(
        kind=DocumentKind.ERASURE_CERTIFICATE,
        owner=partner,
        counterpart=device.commune,
        title=erasure_certificate_title({"device_code": device.code}),
        template=ERASURE_CERTIFICATE_TEMPLATE,
        context={"issuer": _issuer(partner), "device_code": device.code, "lines": lines},
        created_by=user,
        device_codes=[device.code],
    )


def erasure_batch_certificate_issue(
    *, partner: Organisation, user: AbstractBaseUser, devices: Iterable[Device]
) -> Document:
    """Request one certificate for a selection: a summary page, then one line per medium."""
    devices = list(selectors.devices_for_erasure([device.pk for device in devices]))
    lines = _certificate_lines(partner=partner, user=user, devices=devices)
    levels: dict[str, int] = defaultdict(int)
    for line in lines:
        levels[line["level"]] += 1
    return document_request(
        kind=DocumentKind.ERASURE_BATCH_CERTIFICATE,
        owner=partner,
        title=erasure_batch_certificate_title({"device_count": len(devices)}),
        template=ERASURE_BATCH_CERTIFICATE_TEMPLATE,
        context={
            "issuer": _issuer(partner),
            "device_count": len(devices),
            "medium_count": len(lines),
            "levels": sorted(levels.items()),
            "communes": sorted({line["media_source"] for line in lines}),
            "lines": lines,
        },
        created_by=user,
        device_codes=[device.code for device in devices],
    )
