"""Warranty returns of delivered devices.

During its warranty (up to the end recorded at the admission, its last day included) the
buyer a device was delivered to, and that still holds it, reports it faulty, describing the
fault (:func:`return_report`); the device's history gets a ``fault_reported`` event and its
partner an e-mail. One return per device is open at a time (a database constraint; the device
row is locked, so two reports at once are serialised and the second refused).

The partner that delivered it records the outcome once (:func:`return_settle`):

- **repaired**: saying what was done; the device stays the buyer's (``warranty_repaired``).
- **replaced** by another ``ready`` device of the same offer in its stock: the replacement is
  delivered to the buyer (the lifecycle's ``deliver_replacement``, ready → delivered) with a
  fresh warranty of the offer's length from the day of the replacement, never shorter than
  what was left of the faulty one's; the faulty device is taken back (``take_back``,
  delivered → collected, held by the partner again, to diagnose anew, repair or recycle).
- **refunded**: a partial credit note of the device's invoice (``AV-…``, type 381, the
  device's line at its invoiced price less its share of any réfaction); the device is taken
  back. A device not invoiced yet (or whose invoice was cancelled) is refused: invoice first.

Refused with a reason, nothing changed: a device not the acting buyer's, out of warranty, or
with a return open already; an outcome recorded twice, or by anyone but the partner; a
replacement of another offer, not ``ready``, or not the partner's.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from common.errors import (
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
    refuse_field_errors,
)
from common.handoff import enqueue_on_commit
from common.limits import clean_text
from inventory.choices import DeviceState, EventKind
from inventory.models import Device
from inventory.services import device_event_record, device_transition
from organisations.models import Organisation
from organisations.permissions import is_member
from procurement import permissions, selectors, tasks
from procurement.choices import RETURN_OUTCOMES, InvoiceState, ReturnState
from procurement.models import Invoice, OfferDevice, WarrantyReturn
from procurement.services.deliveries import add_months
from procurement.services.invoices import partial_credit_note_issue
from procurement.services.orders import REASON_MAX_LENGTH


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def return_report(
    *, device: Device, buyer: Organisation, user: AbstractBaseUser, fault: str
) -> WarrantyReturn:
    """``buyer`` reports ``device`` faulty under its warranty, describing the fault (module
    docstring). 403 for anyone but a member of the buyer the device was delivered to and
    that holds it; 409 for a device out of warranty or with a return open; 400 for a fault
    not described."""
    if not is_member(user, buyer) or not permissions.may_report_returns(buyer):
        raise PermissionDenied(
            _("Only the buyer a device was delivered to reports its fault."), code="not_the_buyer"
        )
    errors: dict[str, list[str]] = {}
    fault = clean_text(WarrantyReturn, "fault", fault, errors, required=True)
    refuse_field_errors(errors)
    with transaction.atomic(durable=True):
        locked = Device.objects.select_for_update().filter(pk=device.pk).first()
        if locked is None:
            raise NotFound(_("No such device."), code="device_not_found")
        coverage = selectors.warranty_coverage(locked)
        if coverage is None or coverage.buyer_id != buyer.pk:
            raise PermissionDenied(
                _("Device %(code)s was not delivered to your organisation, or is no longer yours.")
                % {"code": locked.code},
                code="not_the_buyer",
            )
        if not coverage.is_running():
            raise TransitionNotAllowed(
                _(
                    "The warranty of device %(code)s ended on %(day)s: a fault reported after "
                    "it is not covered."
                )
                % {"code": locked.code, "day": _day(coverage.warranty_ends_on)},
                code="warranty_ended",
            )
        if WarrantyReturn.objects.filter(device=locked, state=ReturnState.OPEN).exists():
            raise TransitionNotAllowed(
                _("A return of device %(code)s is open already: its partner settles it first.")
                % {"code": locked.code},
                code="return_open",
            )
        try:
            with transaction.atomic():
                warranty_return = WarrantyReturn.objects.create(
                    device=locked,
                    delivery_item=coverage.delivery_item,
                    buyer=buyer,
                    partner_id=coverage.partner_id,
                    fault=fault,
                    warranty_ends_on=coverage.warranty_ends_on,
                    reported_by=user,
                )
        except IntegrityError as error:  # a report of the same device won the race
            raise TransitionNotAllowed(
                _("A return of device %(code)s is open already: its partner settles it first.")
                % {"code": locked.code},
                code="return_open",
            ) from error
        device_event_record(
            device=locked,
            kind=EventKind.FAULT_REPORTED,
            user=user,
            organisation=buyer,
            details={"return": warranty_return.pk},
        )
        enqueue_on_commit(tasks.notify_return_reported, warranty_return.pk)
    return warranty_return


def _locked_return(warranty_return: WarrantyReturn) -> WarrantyReturn:
    locked = (
        WarrantyReturn.objects.select_for_update(of=("self",))
        .select_related("device", "buyer", "partner", "delivery_item__line__offer")
        .filter(pk=warranty_return.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("No such return."), code="return_not_found")
    return locked


def return_settle(
    *,
    warranty_return: WarrantyReturn,
    user: AbstractBaseUser,
    outcome: str,
    note: str = "",
    replacement: Device | None = None,
) -> WarrantyReturn:
    """The partner records the outcome of an open return (module docstring): ``repaired``
    with ``note`` saying what was done, ``replaced`` by ``replacement``, or ``refunded``
    (``note``, when given, is the credit note's reason; the fault otherwise). 403 for anyone
    but the partner's members; 409 for an outcome recorded already, a replacement not
    ``ready`` or of another offer, a refund of a device not invoiced; 400 for bad input."""
    errors: dict[str, list[str]] = {}
    if outcome not in RETURN_OUTCOMES:
        errors["outcome"] = [_("Choose repaired, replaced or refunded.")]
    note = clean_text(
        WarrantyReturn, "outcome_note", note, errors, required=outcome == ReturnState.REPAIRED
    )
    if outcome == ReturnState.REPLACED and replacement is None:
        errors["replacement"] = [_("Name the device that replaces it.")]
    refuse_field_errors(errors)
    with transaction.atomic(durable=True):
        locked = _locked_return(warranty_return)
        partner = locked.partner
        if not is_member(user, partner) or not permissions.may_settle_return(partner, locked):
            raise PermissionDenied(
                _("Only the partner that delivered the device records the outcome of its return."),
                code="not_the_partner",
            )
        if locked.state != ReturnState.OPEN:
            raise TransitionNotAllowed(
                _("The outcome of this return is recorded already: %(state)s.")
                % {"state": locked.get_state_display().lower()},
                code="return_settled",
            )
        device = Device.objects.select_for_update().get(pk=locked.device_id)
        details = {"return": locked.pk, "outcome": outcome}
        if outcome == ReturnState.REPAIRED:
            device_event_record(
                device=device,
                kind=EventKind.WARRANTY_REPAIRED,
                user=user,
                organisation=partner,
                note=note,
                details=details,
            )
            locked.repair()
        elif outcome == ReturnState.REPLACED:
            _replace(locked, device, replacement, user=user, details=details)
        else:
            _refund(locked, device, user=user, reason=note or locked.fault, details=details)
        locked.outcome_note = note
        locked.settled_by = user
        locked.settled_at = timezone.now()
        locked.save(
            update_fields=[
                "state",
                "outcome_note",
                "replacement",
                "replacement_warranty_ends_on",
                "credit_note",
                "settled_by",
                "settled_at",
            ]
        )
        enqueue_on_commit(tasks.notify_return_settled, locked.pk)
    return locked


def _replace(
    warranty_return: WarrantyReturn,
    device: Device,
    replacement: Device | None,
    *,
    user: AbstractBaseUser,
    details: dict,
) -> None:
    """Deliver ``replacement`` to the buyer in place of ``device``, which the partner takes
    back; the replacement's warranty recorded on the return."""
    assert replacement is not None
    locked = Device.objects.select_for_update().filter(pk=replacement.pk).first()
    if locked is None or locked.pk == device.pk:
        raise ValidationFailed(
            _("No such device to replace it."),
            code="invalid",
            fields={"replacement": [_("No such device to replace it.")]},
        )
    offer = warranty_return.delivery_item.line.offer
    if locked.state != DeviceState.READY:
        raise TransitionNotAllowed(
            _("Device %(code)s is not ready (it is %(state)s): only a ready device replaces one.")
            % {"code": locked.code, "state": locked.get_state_display().lower()},
            code="replacement_not_ready",
        )
    if not OfferDevice.objects.filter(offer=offer, device=locked).exists():
        raise TransitionNotAllowed(
            _(
                "Device %(code)s is not in the stock of the offer “%(offer)s”: a device is "
                "replaced by another of the same offer."
            )
            % {"code": locked.code, "offer": offer.title},
            code="replacement_not_in_offer",
        )
    today = timezone.localdate()
    warranty_ends_on = max(
        add_months(today, offer.warranty_months), warranty_return.warranty_ends_on
    )
    device_transition(
        device=locked,
        transition="deliver_replacement",
        user=user,
        organisation=warranty_return.partner,
        details={**details, "replaces": device.code},
        recipient=warranty_return.buyer,
    )
    device_transition(
        device=device,
        transition="take_back",
        user=user,
        organisation=warranty_return.partner,
        details={**details, "replacement": locked.code},
    )
    warranty_return.replacement = locked
    warranty_return.replacement_warranty_ends_on = warranty_ends_on
    warranty_return.replace()


def _refund(
    warranty_return: WarrantyReturn,
    device: Device,
    *,
    user: AbstractBaseUser,
    reason: str,
    details: dict,
) -> None:
    """Refund the device by a partial credit note of its invoice; the partner takes it back."""
    item = warranty_return.delivery_item
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("document", "partner", "buyer")
        .filter(delivery_id=item.delivery_id, state=InvoiceState.ISSUED)
        .first()
    )
    if invoice is None:
        raise TransitionNotAllowed(
            _(
                "Device %(code)s is not invoiced (or its invoice is cancelled): invoice it before "
                "refunding it."
            )
            % {"code": device.code},
            code="not_invoiced",
        )
    credit_note = partial_credit_note_issue(
        invoice=invoice, items=[item], user=user, reason=reason[:REASON_MAX_LENGTH]
    )
    device_transition(
        device=device,
        transition="take_back",
        user=user,
        organisation=warranty_return.partner,
        details={**details, "credit_note": credit_note.document.number},
    )
    warranty_return.credit_note = credit_note
    warranty_return.refund()
