"""Claims and collections: a partner reserves declared devices, releases them, or the system
expires them; the partner then collects them, on a collection note.

Every change runs a transition of the lifecycle through
:func:`inventory.services.device_transition`, which writes the device's event. E-mails leave
once the transaction commits.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.exceptions import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from documents.choices import DocumentKind
from documents.models import Document
from documents.services import document_request
from inventory import permissions
from inventory.choices import DeviceState
from inventory.models import Declaration, Device, readiness_refusals
from inventory.services import device_transition
from organisations.models import Organisation, Site
from organisations.permissions import require_member
from reuse import permissions as reuse_permissions
from reuse import selectors, tasks
from reuse.diagnosis import BATTERY_CATEGORIES, DiagnosisResult, validate_checklist
from reuse.erasure import NwipeDrive, UnreadableLog, parse_nwipe_log
from reuse.grades import Grade
from reuse.models import (
    Collection,
    CollectionDevice,
    Diagnosis,
    ErasureRecord,
    ErasureResult,
    Grading,
    MediumType,
    Repair,
    SanitisationLevel,
    StorageMedium,
)

COLLECTION_NOTE_TEMPLATE = "reuse/documents/collection_note.html"


def _require_claimer(*, partner: Organisation, user: AbstractBaseUser) -> None:
    require_member(user, partner)
    if not permissions.may_claim(partner):
        raise PermissionDenied(_("Only a partner claims devices."), code="transition_forbidden")


def _claim_pks(
    pks: Iterable[int], *, partner: Organisation, user: AbstractBaseUser
) -> list[Device]:
    """Claim, in one transaction, every device of ``pks`` still declared once locked.

    The rows are locked in primary key order (no ``skip_locked``): a concurrent claim of the
    same devices waits for this one, then finds them claimed; two claims never deadlock.
    """
    pks = sorted(set(pks))
    now = timezone.now()
    claimed: list[Device] = []
    with transaction.atomic():
        locked = list(
            Device.objects.select_for_update()
            .filter(pk__in=pks, state=DeviceState.DECLARED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for pk in locked:
            claimed.append(
                device_transition(
                    device=Device(pk=pk),
                    transition="claim",
                    user=user,
                    organisation=partner,
                    claimant=partner,
                    at=now,
                )
            )
        by_commune: dict[int, list[int]] = defaultdict(list)
        for device in claimed:
            by_commune[device.commune_id].append(device.pk)
        for commune_pk, device_pks in by_commune.items():
            transaction.on_commit(
                lambda commune_pk=commune_pk, device_pks=device_pks: (
                    tasks.notify_devices_claimed.delay(partner.pk, commune_pk, device_pks)
                )
            )
    return claimed


def _refuse_nothing_claimable(requested: int) -> None:
    raise TransitionNotAllowed(
        ngettext(
            "This device is no longer available: it is not declared any more.",
            "None of these devices is available any more: none is still declared.",
            requested,
        ),
        code="not_available",
    )


def devices_claim(
    *,
    partner: Organisation,
    user: AbstractBaseUser,
    devices: Iterable[Device] | None = None,
    codes: Iterable[str] | None = None,
) -> list[Device]:
    """Claim one device or a selection (devices or codes) for ``partner``.

    Every device of the selection still declared is claimed, at once; the others are left
    out (compare the codes to tell which were no longer available). When none is, the
    claim is refused (409).
    """
    if (devices is None) == (codes is None):
        raise ValueError("Pass either devices or codes.")
    _require_claimer(partner=partner, user=user)
    if devices is not None:
        pks = [device.pk for device in devices]
        requested = len(pks)
    else:
        codes = list(codes)
        pks = list(selectors.devices_by_codes(codes).values_list("pk", flat=True))
        requested = len(set(codes))
    claimed = _claim_pks(pks, partner=partner, user=user)
    if requested and not claimed:
        _refuse_nothing_claimable(requested)
    return claimed


def declaration_claim(
    *, declaration: Declaration, partner: Organisation, user: AbstractBaseUser
) -> list[Device]:
    """Claim every device of a declaration still declared."""
    _require_claimer(partner=partner, user=user)
    pks = list(declaration.devices.values_list("pk", flat=True))
    claimed = _claim_pks(pks, partner=partner, user=user)
    if not claimed:
        _refuse_nothing_claimable(len(pks) or 2)
    return claimed


def site_claim(*, site: Site, partner: Organisation, user: AbstractBaseUser) -> list[Device]:
    """Claim every device still declared at a pickup site."""
    _require_claimer(partner=partner, user=user)
    pks = list(
        Device.objects.filter(pickup_site=site, state=DeviceState.DECLARED).values_list(
            "pk", flat=True
        )
    )
    claimed = _claim_pks(pks, partner=partner, user=user)
    if not claimed:
        _refuse_nothing_claimable(len(pks) or 2)
    return claimed


def device_release(
    *, device: Device, partner: Organisation, user: AbstractBaseUser, note: str = ""
) -> Device:
    """The claimant gives a claimed device back to the shared inventory."""
    return device_transition(
        device=device, transition="release", user=user, organisation=partner, note=note
    )


def claims_expire_overdue(*, now: datetime.datetime | None = None) -> int:
    """Return to the inventory every claim older than the delay; tell both sides.

    Each device is re-checked once locked, so a claim collected or released meanwhile is
    left alone. Returns how many claims expired.
    """
    now = now or timezone.now()
    cutoff = now - selectors.claim_expiry_delay()
    note = _("The claim expired: the device was not collected within %(days)d days.") % {
        "days": selectors.claim_expiry_delay().days
    }
    expired: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pk in list(selectors.overdue_claims(now=now).values_list("pk", flat=True)):
        with transaction.atomic():
            device = (
                Device.objects.select_for_update()
                .filter(pk=pk, state=DeviceState.CLAIMED, claimed_at__lte=cutoff)
                .first()
            )
            if device is None:
                continue
            partner_pk = device.claimed_by_id
            device_transition(
                device=device,
                transition="expire",
                user=None,
                organisation=None,
                note=note,
                details={"claimed_by": partner_pk, "claimed_at": device.claimed_at.isoformat()},
            )
            expired[(device.commune_id, partner_pk)].append(pk)
    for (commune_pk, partner_pk), device_pks in expired.items():
        transaction.on_commit(
            lambda commune_pk=commune_pk, partner_pk=partner_pk, device_pks=device_pks: (
                tasks.notify_claims_expired.delay(partner_pk, commune_pk, device_pks)
            )
        )
    return sum(len(device_pks) for device_pks in expired.values())


def _collection_note_context(collection: Collection, devices: list[Device]) -> dict:
    """What the collection note shows (templates/reuse/documents/collection_note.html)."""
    commune, partner, site = collection.commune, collection.partner, collection.site
    return {
        "date": collection.collected_on.isoformat(),
        "commune": {
            "name": commune.name,
            "siret": commune.siret,
            "insee_code": commune.insee_code,
            "address": "",
        },
        "partner": {
            "name": partner.name,
            "siret": partner.siret,
            "esus_approval_reference": partner.esus_approval_reference,
            "esus_approval_valid_until": (
                partner.esus_approval_valid_until.isoformat()
                if partner.esus_approval_valid_until
                else None
            ),
        },
        "site": {"name": site.name, "address": site.full_address} if site else None,
        "devices": [
            {
                "code": device.code,
                "category": str(device.get_category_display()),
                "brand": device.brand,
                "model": device.model,
                "serial_number": device.serial_number,
            }
            for device in sorted(devices, key=lambda device: device.code)
        ],
        "signatories": {
            "commune": {
                "name": collection.commune_signatory,
                "role": collection.commune_signatory_title,
            },
            "partner": {
                "name": collection.partner_signatory,
                "role": collection.partner_signatory_title,
            },
        },
    }


def collection_record(
    *,
    partner: Organisation,
    user: AbstractBaseUser,
    devices: Iterable[Device],
    collected_on: datetime.date,
    site: Site | None,
    commune_signatory: str,
    commune_signatory_title: str,
    partner_signatory: str,
    partner_signatory_title: str,
) -> Collection:
    """Record that ``partner`` collected ``devices`` from their commune, and request the note.

    Every device must be claimed by the partner and declared by one commune (else 400, or
    403 for a device another partner claimed); the partner must hold a current ESUS approval
    (else 409 with the legal reason, as the lifecycle's condition says). The devices are
    locked in primary key order and collected in one transaction, which also requests the
    collection note (produced once it commits). Nothing changes when anything is refused.
    """
    require_member(user, partner)
    if not reuse_permissions.may_record_collection(partner):
        raise PermissionDenied(
            _("Only a partner records a collection."), code="transition_forbidden"
        )
    pks = sorted({device.pk for device in devices})
    if not pks:
        raise ValidationFailed(
            _("Select at least one device."), code="invalid", fields={"codes": [_("Required.")]}
        )
    if collected_on > timezone.localdate():
        raise ValidationFailed(
            _("The collection date cannot be in the future."),
            code="invalid",
            fields={"collected_on": [_("The collection date cannot be in the future.")]},
        )
    signatories = {
        "commune_signatory": commune_signatory.strip(),
        "commune_signatory_title": commune_signatory_title.strip(),
        "partner_signatory": partner_signatory.strip(),
        "partner_signatory_title": partner_signatory_title.strip(),
    }
    missing = {name: [_("Required.")] for name, value in signatories.items() if not value}
    if missing:
        raise ValidationFailed(
            _("Name both signatories and their titles."), code="invalid", fields=missing
        )

    with transaction.atomic(durable=True):
        locked = list(Device.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
        if len(locked) != len(pks):
            raise NotFound(_("No such device."), code="device_not_found")
        if not partner.has_esus_approval():
            raise TransitionNotAllowed(
                str(permissions.claimant_has_esus_approval.message), code="partner_not_esus"
            )
        others = sorted(
            device.code
            for device in locked
            if device.claimed_by_id is not None and device.claimed_by_id != partner.pk
        )
        if others:
            raise PermissionDenied(
                _("These devices are claimed by another partner: %(codes)s.")
                % {"codes": ", ".join(others)},
                code="transition_forbidden",
            )
        not_claimed = sorted(
            device.code
            for device in locked
            if device.state != DeviceState.CLAIMED or device.claimed_by_id != partner.pk
        )
        if not_claimed:
            raise ValidationFailed(
                _("These devices are not claimed by your organisation: %(codes)s.")
                % {"codes": ", ".join(not_claimed)},
                code="not_claimed",
                fields={"codes": not_claimed},
            )
        communes = {device.commune_id for device in locked}
        if len(communes) != 1:
            raise ValidationFailed(
                _("A collection takes devices of one commune only: record one per commune."),
                code="several_communes",
            )
        commune = locked[0].commune
        if site is not None and site.organisation_id != commune.pk:
            raise ValidationFailed(
                _("The pickup site must belong to the devices' commune."),
                code="foreign_site",
                fields={"site": [_("The pickup site must belong to the devices' commune.")]},
            )
        collection = Collection.objects.create(
            partner=partner,
            commune=commune,
            site=site,
            collected_on=collected_on,
            created_by=user,
            **signatories,
        )
        collected = [
            device_transition(
                device=device,
                transition="collect",
                user=user,
                organisation=partner,
                details={"collection": collection.pk},
            )
            for device in locked
        ]
        CollectionDevice.objects.bulk_create(
            CollectionDevice(collection=collection, device=device) for device in collected
        )
        collection.document = document_request(
            kind=DocumentKind.COLLECTION_NOTE,
            owner=partner,
            counterpart=commune,
            title=ngettext(
                "Collection of %(count)d device at %(commune)s",
                "Collection of %(count)d devices at %(commune)s",
                len(collected),
            )
            % {"count": len(collected), "commune": commune.name},
            template=COLLECTION_NOTE_TEMPLATE,
            context=_collection_note_context(collection, collected),
            created_by=user,
            idempotency_key=f"collection-{collection.pk}",
        )
        collection.save(update_fields=["document"])
    return collection


# --- Erasure (NIST SP 800-88): media, records, nwipe logs and certificates -------------------

ERASURE_STATES = (DeviceState.COLLECTED, DeviceState.IN_REFURBISHMENT)
ERASURE_CERTIFICATE_TEMPLATE = "reuse/documents/erasure_certificate.html"
ERASURE_BATCH_CERTIFICATE_TEMPLATE = "reuse/documents/erasure_batch_certificate.html"
NWIPE_TOOL = "nwipe"


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
    if device.state not in ERASURE_STATES:
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
    with transaction.atomic():
        if evidence is not None:
            record.evidence_sha256 = _sha256_of(evidence)
            record.evidence.save(getattr(evidence, "name", "evidence"), evidence, save=False)
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
    raw = log_file.read()
    try:
        log = parse_nwipe_log(raw.decode("utf-8", errors="replace"))
    except UnreadableLog as error:
        raise ValidationFailed(
            _("This file is not an nwipe log: it has no Drive Status table."),
            code="unreadable_log",
            fields={"log": [_("No Drive Status table found.")]},
        ) from error
    sha256 = hashlib.sha256(raw).hexdigest()
    operator = user.get_full_name() or user.get_username()
    held = Device.objects.filter(holder=partner, state__in=ERASURE_STATES)
    system_device = (
        held.filter(serial_number__iexact=log.system_serial).order_by("pk").first()
        if log.system_serial
        else None
    )
    report = NwipeImportReport(evidence_sha256=sha256)
    started = timezone.make_aware(log.started_at) if log.started_at else timezone.now()
    finished_log = timezone.make_aware(log.finished_at) if log.finished_at else started
    stored_name = ""
    with transaction.atomic():
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
    if not device.data_bearing:
        return True
    return selectors.erasure_refusal(device) is None


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
        title=str(_("Erasure certificate for %(code)s") % {"code": device.code}),
        template=ERASURE_CERTIFICATE_TEMPLATE,
        context={"issuer": _issuer(partner), "device_code": device.code, "lines": lines},
        created_by=user,
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
        title=str(
            ngettext(
                "Erasure certificate for %(count)d device",
                "Erasure certificate for %(count)d devices",
                len(devices),
            )
            % {"count": len(devices)}
        ),
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
    )


# --- Refurbishment: diagnosis, repair and grading (issue 4, items 3 and 5). ---


def _require_refurbisher(
    *, device: Device, organisation: Organisation, user: AbstractBaseUser, states: Iterable[str]
) -> Device:
    """Lock ``device`` and check the organisation holds it and its state allows the record.

    Call inside a transaction. Refused with 403 (not the holder) or 409 (state).
    """
    require_member(user, organisation)
    locked = Device.objects.select_for_update().filter(pk=device.pk).first()
    if locked is None:
        raise NotFound(_("No such device."), code="device_not_found")
    if not permissions.is_holder(locked, organisation):
        raise PermissionDenied(
            _("Only the organisation holding the device records its refurbishment."),
            code="not_holder",
        )
    if locked.state not in states:
        raise TransitionNotAllowed(
            _("This action is not possible for a device in state “%(state)s”.")
            % {"state": locked.get_state_display()}
        )
    return locked


def _percent(name: str, value: object, errors: dict[str, list[str]]) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or number < 0 or number > 100 or str(number) != str(value).strip():
        errors[name] = [_("Enter a whole percentage between 0 and 100.")]
        return None
    return number


def _past_date(name: str, value: datetime.date | None, errors: dict[str, list[str]]):
    value = value or timezone.localdate()
    if value > timezone.localdate():
        errors[name] = [_("The date cannot be in the future.")]
    return value


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code="invalid", fields=errors)


def diagnosis_record(
    *,
    device: Device,
    organisation: Organisation,
    user: AbstractBaseUser,
    items: list,
    result: str,
    battery_health: int | None = None,
    storage_health: int | None = None,
    notes: str = "",
    diagnosed_on: datetime.date | None = None,
) -> Diagnosis:
    """Record the functional test of a device its organisation holds.

    The checklist must be the device category's (:mod:`reuse.diagnosis`); battery health is
    recorded for laptops, tablets and smartphones only. A collected device found working or
    repairable goes on to refurbishment (the lifecycle's ``diagnose``) in the same
    transaction; one found not repairable stays collected. A device already in refurbishment
    may be diagnosed again (after a repair, say): its state does not change.
    """
    with transaction.atomic():
        locked = _require_refurbisher(
            device=device,
            organisation=organisation,
            user=user,
            states=(DeviceState.COLLECTED, DeviceState.IN_REFURBISHMENT),
        )
        cleaned, errors = validate_checklist(locked.category, items)
        if result not in DiagnosisResult.values:
            errors["result"] = [_("Choose works, needs_repair or not_repairable.")]
        battery = _percent("battery_health", battery_health, errors)
        if battery is not None and locked.category not in BATTERY_CATEGORIES:
            errors["battery_health"] = [_("Battery health is recorded for portable devices only.")]
        storage = _percent("storage_health", storage_health, errors)
        diagnosed_on = _past_date("diagnosed_on", diagnosed_on, errors)
        _refuse(errors)
        diagnosis = Diagnosis.objects.create(
            device=locked,
            organisation=organisation,
            items=cleaned,
            result=result,
            battery_health=battery,
            storage_health=storage,
            notes=notes.strip(),
            operator=user,
            diagnosed_on=diagnosed_on,
        )
        if locked.state == DeviceState.COLLECTED and diagnosis.allows_refurbishment:
            device_transition(
                device=locked,
                transition="diagnose",
                user=user,
                organisation=organisation,
                details={"diagnosis": diagnosis.pk, "result": result},
                diagnosis=diagnosis,
            )
    return diagnosis


def repair_record(
    *,
    device: Device,
    organisation: Organisation,
    user: AbstractBaseUser,
    parts: list,
    notes: str = "",
    cost: Decimal | str | int = Decimal("0"),
    repaired_on: datetime.date | None = None,
) -> Repair:
    """Record a repair (parts replaced, what was done, cost in euros) of a device in
    refurbishment its organisation holds."""
    with transaction.atomic():
        locked = _require_refurbisher(
            device=device,
            organisation=organisation,
            user=user,
            states=(DeviceState.IN_REFURBISHMENT,),
        )
        errors: dict[str, list[str]] = {}
        if not isinstance(parts, list | tuple) or not all(isinstance(p, str) for p in parts):
            errors["parts"] = [_("A list of parts is expected.")]
            parts = []
        parts = [part.strip() for part in parts if part.strip()]
        if any(len(part) > 200 for part in parts):
            errors["parts"] = [_("A part's name has at most 200 characters.")]
        notes = notes.strip()
        if not parts and not notes:
            errors["notes"] = [_("Name the parts replaced or describe the repair.")]
        try:
            amount = Decimal(str(cost))
        except InvalidOperation:
            amount = Decimal("NaN")
        if (
            not amount.is_finite()
            or amount < 0
            or amount != amount.quantize(Decimal("0.01"))
            or amount >= Decimal("10000000")
        ):
            errors["cost"] = [_("Enter an amount in euros, at least 0, with 2 decimals at most.")]
        repaired_on = _past_date("repaired_on", repaired_on, errors)
        _refuse(errors)
        return Repair.objects.create(
            device=locked,
            organisation=organisation,
            parts=parts,
            notes=notes,
            cost=amount.quantize(Decimal("0.01")),
            operator=user,
            repaired_on=repaired_on,
        )


def grading_record(
    *,
    device: Device,
    organisation: Organisation,
    user: AbstractBaseUser,
    grade: str,
    battery_health: int | None = None,
    notes: str = "",
    graded_on: datetime.date | None = None,
) -> Grading:
    """Give a device in refurbishment its organisation holds a cosmetic grade; the latest
    grading is the device's grade."""
    with transaction.atomic():
        locked = _require_refurbisher(
            device=device,
            organisation=organisation,
            user=user,
            states=(DeviceState.IN_REFURBISHMENT,),
        )
        errors: dict[str, list[str]] = {}
        if grade not in Grade.values:
            errors["grade"] = [_("Choose grade A, B or C.")]
        battery = _percent("battery_health", battery_health, errors)
        if battery is not None and locked.category not in BATTERY_CATEGORIES:
            errors["battery_health"] = [_("Battery health is recorded for portable devices only.")]
        graded_on = _past_date("graded_on", graded_on, errors)
        _refuse(errors)
        return Grading.objects.create(
            device=locked,
            organisation=organisation,
            grade=grade,
            battery_health=battery,
            notes=notes.strip(),
            graded_by=user,
            graded_on=graded_on,
        )


def device_readiness_missing(device: Device) -> list[str]:
    """What ``device`` still lacks to be marked ready (the lifecycle's reasons); empty when
    nothing does. For pages, to say so before the holder tries."""
    evidence = selectors.readiness_evidence(device)
    return [str(reason) for _code, reason in readiness_refusals(device, **evidence.as_arguments())]


def device_certify_ready(
    *, device: Device, partner: Organisation, user: AbstractBaseUser
) -> Device:
    """The holder marks a device in refurbishment as ``ready`` (in its stock).

    The device is locked, then the evidence gathered (erasure of every medium of a
    data-bearing device, the latest diagnosis and any repair after it, the grade) and the
    lifecycle's ``certify`` run on it, in one transaction: it refuses (409) naming every
    missing piece, or another organisation than the holder (403).
    """
    require_member(user, partner)
    with transaction.atomic():
        locked = Device.objects.select_for_update().get(pk=device.pk)
        evidence = selectors.readiness_evidence(locked)
        return device_transition(
            device=locked,
            transition="certify",
            user=user,
            organisation=partner,
            details={
                "diagnosis": evidence.diagnosis.pk if evidence.diagnosis else None,
                "grading": evidence.grading.pk if evidence.grading else None,
            },
            **evidence.as_arguments(),
        )
