"""Recycling: a partner sends devices it cannot reuse to an eco-organism or a recycler, on a
waste record (a line of the R.541-43 waste register); each device becomes ``recycled``."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common import limits
from common.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from documents.choices import DocumentKind
from documents.models import Document
from documents.services import document_request
from inventory import lifecycle
from inventory.counts import device_counts_batch
from inventory.models import Device, recycling_refusals, unerased_data
from inventory.services import device_transition
from organisations.models import Organisation
from organisations.permissions import require_member
from organisations.validators import validate_siren
from reuse import permissions as reuse_permissions
from reuse import selectors
from reuse.choices import TakerKind, TreatmentCode, WasteCode
from reuse.document_titles import waste_register_title
from reuse.models import WasteRecord, WasteRecordDevice

# A shipment of a few devices weighs kilograms, a lorry of them tonnes: beyond this a typing
# slip is more likely than a shipment.
MAX_WEIGHT_KG = Decimal("100000")
WASTE_REGISTER_TEMPLATE = "reuse/documents/waste_register.html"


def _weight(value: object, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        weight = Decimal(str(value).replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        errors["weight_kg"] = [_("Enter the weight in kilograms.")]
        return None
    if not weight.is_finite() or weight <= 0:
        errors["weight_kg"] = [_("The weight must be more than 0 kg.")]
        return None
    if weight > MAX_WEIGHT_KG:
        errors["weight_kg"] = [
            _("The weight cannot exceed %(max)s kg.") % {"max": f"{MAX_WEIGHT_KG:,.0f}"}
        ]
        return None
    return weight.quantize(limits.decimal_step(WasteRecord, "weight_kg"))


def _siren(name: str, value: str, errors: dict[str, list[str]], *, required: bool) -> str:
    value = "".join(value.split())
    if not value:
        if required:
            errors[name] = [_("Required.")]
        return value
    try:
        validate_siren(value)
    except ValidationError as error:
        errors[name] = [str(message) for message in error.messages]
    return value


def _device_list(codes: Iterable[str]) -> str:
    return ", ".join(sorted(codes))


# The register's fields checked one by one below; the other ones are free text, required
# unless the model lets them blank.
_CHECKED_FIELDS = frozenset(
    {
        "shipped_on",
        "waste_code",
        "weight_kg",
        "taker_kind",
        "taker_siren",
        "treatment_code",
        "transporter_siren",
    }
)


def waste_record_create(
    *,
    partner: Organisation,
    user: AbstractBaseUser,
    devices: Iterable[Device],
    **register: Any,
) -> WasteRecord:
    """Record that ``partner`` shipped ``devices`` to a DEEE channel, and recycle each of them.

    ``register`` holds the waste register's fields, :attr:`WasteRecord.REGISTER_FIELDS`
    (``shipped_on``, ``waste_code``, ``weight_kg`` in kilograms, ``taker_kind``,
    ``taker_name``, ``taker_siren``, ``destination_name``, ``destination_address``,
    ``treatment_code``, ``transporter_name``, and optionally ``transporter_siren``,
    ``tracking_slip`` and ``notes``). Refused with every invalid field named (400); when a
    device is not held by the partner (403); when one is neither collected nor in
    refurbishment, or bears data whose media are not all erased or destroyed (409, naming the
    devices and why). The devices are locked in primary key order and recycled in one
    transaction with the record, each with its event: nothing changes when anything is
    refused.
    """
    unknown = set(register) - set(WasteRecord.REGISTER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown waste record fields: {sorted(unknown)}")
    require_member(user, partner)
    if not reuse_permissions.may_recycle(partner):
        raise PermissionDenied(_("Only a partner recycles devices."), code="transition_forbidden")
    pks = sorted({device.pk for device in devices})
    errors: dict[str, list[str]] = {}
    if not pks:
        errors["codes"] = [_("Select at least one device.")]
    shipped_on = register.get("shipped_on")
    if shipped_on is None:
        errors["shipped_on"] = [_("Required.")]
    elif shipped_on > timezone.localdate():
        errors["shipped_on"] = [_("The shipping date cannot be in the future.")]
    if register.get("waste_code") not in WasteCode.values:
        errors["waste_code"] = [_("Choose a waste code.")]
    if register.get("treatment_code") not in TreatmentCode.values:
        errors["treatment_code"] = [_("Choose a treatment code.")]
    if register.get("taker_kind") not in TakerKind.values:
        errors["taker_kind"] = [_("Say whether an eco-organism or a recycler takes the waste.")]
    values = {
        name: str(register.get(name) or "").strip()
        for name in WasteRecord.REGISTER_FIELDS
        if name not in _CHECKED_FIELDS
    }
    weight = _weight(register.get("weight_kg"), errors)
    for name, value in values.items():
        if not value and not WasteRecord._meta.get_field(name).blank:
            errors[name] = [_("Required.")]
    taker_siren = _siren("taker_siren", register.get("taker_siren") or "", errors, required=True)
    transporter_siren = _siren(
        "transporter_siren", register.get("transporter_siren") or "", errors, required=False
    )
    if errors:
        raise ValidationFailed(_("The waste record is incomplete."), code="invalid", fields=errors)
    values.update(
        shipped_on=shipped_on,
        waste_code=register["waste_code"],
        weight_kg=weight,
        taker_kind=register["taker_kind"],
        taker_siren=taker_siren,
        treatment_code=register["treatment_code"],
        transporter_siren=transporter_siren,
    )

    with transaction.atomic(durable=True):
        locked = list(Device.objects.select_for_update().filter(pk__in=pks).order_by("pk"))
        if len(locked) != len(pks):
            raise NotFound(_("No such device."), code="device_not_found")
        check = lifecycle.transition_check(locked, "recycle", organisation=partner)
        not_held = [refusal.device.code for refusal in check.forbidden]
        if not_held:
            raise PermissionDenied(
                _("Your organisation does not hold these devices: %(codes)s.")
                % {"codes": _device_list(not_held)},
                code="not_holder",
            )
        wrong_state = [refusal.device.code for refusal in check.not_allowed]
        if wrong_state:
            raise TransitionNotAllowed(
                _(
                    "Only a collected device or one in refurbishment is recycled; these are "
                    "not: %(codes)s."
                )
                % {"codes": _device_list(wrong_state)},
                code="not_recyclable",
            )
        refusals = {
            device.pk: selectors.erasure_refusal(device)
            for device in selectors.devices_for_erasure(pks)
        }
        not_erased = [
            f"{device.code} ({reason})"
            for device in locked
            if (reason := unerased_data(device, erasure_refusal=refusals[device.pk])) is not None
        ]
        if not_erased:
            raise TransitionNotAllowed(
                _(
                    "A data-bearing device is recycled only once its media are erased or "
                    "destroyed: %(devices)s."
                )
                % {"devices": "; ".join(sorted(not_erased))},
                code="not_erased",
            )
        record = WasteRecord.objects.create(partner=partner, created_by=user, **values)
        WasteRecordDevice.objects.bulk_create(
            WasteRecordDevice(waste_record=record, device=device) for device in locked
        )
        with device_counts_batch():
            for device in locked:
                device_transition(
                    device=device,
                    transition="recycle",
                    user=user,
                    organisation=partner,
                    details={
                        "waste_record": record.pk,
                        "waste_code": record.waste_code,
                        "treatment_code": record.treatment_code,
                    },
                    waste_record=record,
                    erasure_refusal=refusals[device.pk],
                )
    return record


def device_recycling_missing(device: Device) -> list[str]:
    """What keeps ``device`` from being recycled, waste record aside (a data-bearing device
    whose media are not erased or destroyed); empty when nothing. For pages, to say so before
    the holder tries; prefetch the device's media and records to list many devices
    (:func:`reuse.selectors.recyclable_devices` does)."""
    refusal = selectors.erasure_refusal(device)
    return [
        str(reason)
        for code, reason in recycling_refusals(device, waste_record=None, erasure_refusal=refusal)
        if code != "no_waste_record"
    ]


def _register_line(record: WasteRecord) -> dict:
    return {
        "shipped_on": record.shipped_on.isoformat(),
        "waste_name": record.waste_name,
        "waste_code": record.waste_code,
        "weight_kg": str(record.weight_kg),
        "weight_tonnes": str(record.weight_tonnes),
        "devices": [device.code for device in record.devices.all()],
        "transporter": {"name": record.transporter_name, "siren": record.transporter_siren},
        "destination": {"name": record.destination_name, "address": record.destination_address},
        "treatment_code": record.treatment_code,
        "treatment": str(record.get_treatment_code_display()),
        "tracking_slip": record.tracking_slip,
        "taker": {
            "kind": str(record.get_taker_kind_display()),
            "name": record.taker_name,
            "siren": record.taker_siren,
            "eco_organism": record.eco_organism,
        },
    }


def waste_register_issue(*, partner: Organisation, user: AbstractBaseUser, year: int) -> Document:
    """Request the PDF of ``partner``'s waste register for ``year``: every shipment it recorded
    that year, with the fields of R.541-43 and the year's totals.

    Refused (403) for another organisation than a partner or a user outside it, (400) for a
    year to come or one without any shipment. Each request issues a new numbered document:
    the register of a year still running grows.
    """
    require_member(user, partner)
    if not reuse_permissions.may_recycle(partner):
        raise PermissionDenied(
            _("Only a partner keeps a waste register."), code="transition_forbidden"
        )
    if not 2000 <= year <= timezone.localdate().year:
        raise ValidationFailed(
            _("Choose a past or the current year."),
            code="invalid",
            fields={"year": [_("Choose a past or the current year.")]},
        )
    records = list(selectors.waste_register([partner], year=year).filter(partner=partner))
    if not records:
        raise ValidationFailed(
            _("Your organisation recorded no shipment in %(year)d.") % {"year": year},
            code="empty_register",
            fields={"year": [_("No shipment this year.")]},
        )
    total_kg = sum((record.weight_kg for record in records), Decimal(0))
    with translation.override(settings.LANGUAGE_CODE):  # the labels in the document's language
        lines = [_register_line(record) for record in records]
    return document_request(
        kind=DocumentKind.WASTE_REGISTER,
        owner=partner,
        title=waste_register_title({"year": year}),
        template=WASTE_REGISTER_TEMPLATE,
        context={
            "year": year,
            "producer": {"name": partner.name, "siret": partner.siret},
            "lines": lines,
            "totals": {
                "shipments": len(records),
                "devices": sum(len(record.devices.all()) for record in records),
                "weight_kg": str(total_kg),
                "weight_tonnes": str((total_kg / 1000).quantize(Decimal("0.001"))),
            },
        },
        created_by=user,
        device_codes=[device.code for record in records for device in record.devices.all()],
    )
