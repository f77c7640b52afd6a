"""Refurbishment: diagnosis, repair and grading, and the move to ``ready``."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import limits
from common.errors import (
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    refuse_field_errors,
)
from inventory import lifecycle
from inventory.models import Device, readiness_refusals
from inventory.services import device_transition
from organisations.models import Organisation
from organisations.permissions import require_member
from reuse import selectors
from reuse.checklists import validate_checklist
from reuse.choices import BATTERY_CATEGORIES, DiagnosisResult, Grade
from reuse.models import Diagnosis, Grading, Repair

# A record of the refurbishment is taken while the device may still take one of these
# transitions of the lifecycle: a diagnosis starts the refurbishment (``diagnose``) or checks a
# device under way again; a repair or a grade is part of the way to ``ready`` (``certify``).
DIAGNOSIS_TRANSITIONS = ("diagnose", "certify")
# A repair's cost fits the model's field: its step (cents) and the first amount beyond it.
COST_STEP = limits.decimal_step(Repair, "cost")
COST_LIMIT = Decimal(10) ** (
    limits.max_digits(Repair, "cost") - limits.decimal_places(Repair, "cost")
)
REFURBISHMENT_TRANSITIONS = ("certify",)


def _require_refurbisher(
    *,
    device: Device,
    organisation: Organisation,
    user: AbstractBaseUser,
    transitions: Iterable[str],
) -> Device:
    """Lock ``device`` and ask the lifecycle whether ``organisation`` may move it on by one of
    ``transitions``: the record is taken only then.

    Call inside a transaction. Refused with 403 (not the holder) or 409 (state).
    """
    require_member(user, organisation)
    locked = Device.objects.select_for_update().filter(pk=device.pk).first()
    if locked is None:
        raise NotFound(_("No such device."), code="device_not_found")
    checks = [
        lifecycle.transition_check([locked], transition, organisation=organisation)
        for transition in transitions
    ]
    if any(check.allowed for check in checks):
        return locked
    refusal = checks[0].refused[0]
    if refusal.forbidden:
        raise PermissionDenied(
            _("Only the organisation holding the device records its refurbishment."),
            code="not_holder",
        )
    raise TransitionNotAllowed(refusal.reason, code=refusal.code)


def refurbishment_steps(*, device: Device, organisation: Organisation | None) -> dict[str, bool]:
    """Which records ``organisation`` may take for ``device`` now, as the services decide:
    ``diagnosis``, and ``refurbishment`` (a repair, a grade, marking it ready). For pages,
    to offer only the forms that will be accepted."""

    def may(transitions: Iterable[str]) -> bool:
        return organisation is not None and any(
            lifecycle.transition_check([device], transition, organisation=organisation).allowed
            for transition in transitions
        )

    return {
        "diagnosis": may(DIAGNOSIS_TRANSITIONS),
        "refurbishment": may(REFURBISHMENT_TRANSITIONS),
    }


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

    The checklist must be the device category's (:mod:`reuse.checklists`); battery health is
    recorded for laptops, tablets and smartphones only. A collected device found working or
    repairable goes on to refurbishment (the lifecycle's ``diagnose``) in the same
    transaction; one found not repairable stays collected. A device already in refurbishment
    may be diagnosed again (after a repair, say): its state does not change.
    """
    with transaction.atomic(durable=True):
        locked = _require_refurbisher(
            device=device,
            organisation=organisation,
            user=user,
            transitions=DIAGNOSIS_TRANSITIONS,
        )
        cleaned, errors = validate_checklist(locked.category, items)
        if result not in DiagnosisResult.values:
            errors["result"] = [_("Choose works, needs_repair or not_repairable.")]
        battery = _percent("battery_health", battery_health, errors)
        if battery is not None and locked.category not in BATTERY_CATEGORIES:
            errors["battery_health"] = [_("Battery health is recorded for portable devices only.")]
        storage = _percent("storage_health", storage_health, errors)
        diagnosed_on = _past_date("diagnosed_on", diagnosed_on, errors)
        refuse_field_errors(errors)
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
        if (
            diagnosis.allows_refurbishment
            and lifecycle.transition_check([locked], "diagnose").allowed
        ):
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
    with transaction.atomic(durable=True):
        locked = _require_refurbisher(
            device=device,
            organisation=organisation,
            user=user,
            transitions=REFURBISHMENT_TRANSITIONS,
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
            or amount != amount.quantize(COST_STEP)
            or amount >= COST_LIMIT
        ):
            errors["cost"] = [_("Enter an amount in euros, at least 0, with 2 decimals at most.")]
        repaired_on = _past_date("repaired_on", repaired_on, errors)
        refuse_field_errors(errors)
        return Repair.objects.create(
            device=locked,
            organisation=organisation,
            parts=parts,
            notes=notes,
            cost=amount.quantize(COST_STEP),
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
    with transaction.atomic(durable=True):
        locked = _require_refurbisher(
            device=device,
            organisation=organisation,
            user=user,
            transitions=REFURBISHMENT_TRANSITIONS,
        )
        errors: dict[str, list[str]] = {}
        if grade not in Grade.values:
            errors["grade"] = [_("Choose grade A, B or C.")]
        battery = _percent("battery_health", battery_health, errors)
        if battery is not None and locked.category not in BATTERY_CATEGORIES:
            errors["battery_health"] = [_("Battery health is recorded for portable devices only.")]
        graded_on = _past_date("graded_on", graded_on, errors)
        refuse_field_errors(errors)
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
    with transaction.atomic(durable=True):
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
