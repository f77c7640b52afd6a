"""Deliveries and admissions.

The partner of a placed order prepares a delivery: all or part of the devices still to
deliver, to one of the buyer's delivery sites, on a date; its delivery note (``BL-…``) is
requested with it. The buyer then records its decision (CCAG-FCS 2021, articles 27 to 29):

- **admission**, or **admission with a réfaction** (an amount excl. VAT off the price, with
  its reason): the admitted devices become ``delivered`` (the lifecycle's ``deliver``, one
  event each, the buyer their holder) and their warranty runs from the admission date for the
  offer's months; the devices refused at the door, each with its reason, go back to ``ready``
  (``unreserve``) and into their offer when they still match it;
- **postponement** (ajournement): the partner corrects the delivery, its devices stay
  reserved, and the buyer decides again;
- **rejection**: every device goes back to ``ready`` and into its offer.

Each decision has its record (procès-verbal, ``PV-…``); a final one issues the delivery note
again, signed. The delivery's row is locked by the decision, so that two decisions sent at once
are one recorded and the other refused (409); the database keeps one final decision per
delivery.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from common.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from common.handoff import enqueue_on_commit
from documents.choices import DocumentKind
from documents.services import document_request
from inventory.services import devices_transition
from organisations.models import Site
from organisations.permissions import is_member
from procurement import delivery_documents, permissions, selectors, tasks
from procurement.allocation import line_amounts, to_cent
from procurement.choices import (
    FINAL_DECISIONS,
    AdmissionDecision,
    DeliveryItemOutcome,
    OrderState,
)
from procurement.models import (
    AMOUNT_DIGITS,
    Admission,
    Delivery,
    DeliveryDevice,
    Order,
    OrderDevice,
)
from procurement.services.orders import REASON_MAX_LENGTH, restock

# The longest name or title of a signatory, as the admission's columns keep them.
SIGNATORY_MAX_LENGTH = 150
# The furthest a delivery is planned ahead.
MAX_DAYS_AHEAD = 366
# The most devices one delivery or one admission names.
MAX_DEVICES = 20_000


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved ``months`` calendar months on, kept within the month reached (31 January
    plus one month is the last day of February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _invalid(field: str, message: str, *, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def _text(value: str | None, *, field: str, required: bool, max_length: int) -> str:
    value = (value or "").strip()
    if required and not value:
        raise _invalid(field, _("This field is required."), code="required")
    if len(value) > max_length:
        raise _invalid(field, _("At most %(count)d characters.") % {"count": max_length})
    return value


def _codes(codes: Iterable[str] | None) -> list[str] | None:
    if codes is None:
        return None
    codes = sorted({str(code).strip() for code in codes if str(code).strip()})
    if not codes:
        raise _invalid("codes", _("Name at least one device."), code="no_devices")
    if len(codes) > MAX_DEVICES:
        raise _invalid("codes", _("At most %(count)d devices.") % {"count": MAX_DEVICES})
    return codes


def delivery_prepare(
    *,
    order: Order,
    user: AbstractBaseUser,
    site: Site,
    delivery_date: datetime.date,
    codes: Iterable[str] | None = None,
) -> Delivery:
    """The order's partner prepares a delivery of the devices named by ``codes`` (by default
    every device still to deliver) to the buyer's delivery ``site`` on ``delivery_date``, and
    its delivery note is requested. 403 for anyone but the partner's members, 409 for an order
    cancelled or with nothing left to deliver, 400 for a site that is not the buyer's open
    delivery site, a date out of bounds, or a device not to deliver in this order."""
    codes = _codes(codes)
    today = timezone.localdate()
    if delivery_date > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise _invalid("delivery_date", _("A delivery is planned within a year."))
    with transaction.atomic(durable=True):
        locked = (
            Order.objects.select_for_update(of=("self",))
            .select_related("campaign__groupement", "commitment", "buyer", "partner")
            .filter(pk=order.pk)
            .first()
        )
        if locked is None:
            raise NotFound(_("No such order."), code="order_not_found")
        partner = locked.partner
        if not is_member(user, partner) or not permissions.may_deliver(partner, locked):
            raise PermissionDenied(
                _("Only the order's partner prepares its deliveries."), code="not_the_partner"
            )
        if locked.state != OrderState.PLACED:
            raise TransitionNotAllowed(
                _("This order is cancelled: it is not delivered."), code="order_state_forbids"
            )
        if site.organisation_id != locked.buyer_id or not site.is_delivery or not site.is_active:
            message = _("Choose one of the buyer's open delivery sites.")
            raise _invalid("site", message, code="foreign_site")
        if delivery_date < timezone.localdate(locked.created_at):
            raise _invalid("delivery_date", _("A delivery comes after its order."))
        candidates = list(selectors.deliverable_items(locked))
        if codes is not None:
            by_code = {item.device.code: item for item in candidates}
            unknown = [code for code in codes if code not in by_code]
            if unknown:
                message = _("These devices are not to deliver in this order: %(codes)s.") % {
                    "codes": ", ".join(unknown)
                }
                raise ValidationFailed(message, code="not_to_deliver", fields={"codes": [message]})
            candidates = [by_code[code] for code in codes]
        if not candidates:
            raise TransitionNotAllowed(
                _("Every device of this order is delivered or being delivered."),
                code="nothing_to_deliver",
            )
        delivery = Delivery.objects.create(
            order=locked,
            partner=partner,
            buyer=locked.buyer,
            site=site,
            delivery_date=delivery_date,
            created_by=user,
        )
        items = DeliveryDevice.objects.bulk_create(
            DeliveryDevice(
                delivery=delivery,
                order_item=item,
                line=item.line,
                device=item.device,
            )
            for item in candidates
        )
        for item, candidate in zip(items, candidates, strict=True):
            item.device, item.line = candidate.device, candidate.line
        delivery.order, delivery.site = locked, site
        context = delivery_documents.delivery_note_context(
            delivery, items, grades=selectors.device_grades(item.device_id for item in items)
        )
        delivery.note = document_request(
            kind=DocumentKind.DELIVERY_NOTE,
            owner=partner,
            counterpart=locked.buyer,
            title=delivery_documents.delivery_note_title(context),
            template=delivery_documents.DELIVERY_NOTE_TEMPLATE,
            context=context,
            created_by=user,
            idempotency_key=f"delivery-note-{delivery.pk}",
            device_codes=[item.device.code for item in items],
        )
        delivery.save(update_fields=["note"])
        enqueue_on_commit(tasks.notify_delivery_prepared, delivery.pk)
    return delivery


def _reduction(decision: str, amount, reason: str) -> Decimal:
    if decision != AdmissionDecision.REDUCTION:
        if amount not in (None, "", 0, Decimal(0)):
            raise _invalid(
                "reduction_amount",
                _("A réfaction comes only with an admission with a price reduction."),
            )
        return Decimal("0.00")
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError) as error:
        raise _invalid("reduction_amount", _("Give the réfaction in euros.")) from error
    if not value.is_finite() or value <= 0:
        raise _invalid("reduction_amount", _("A réfaction is more than zero."))
    if value.adjusted() >= AMOUNT_DIGITS - 2 or value != to_cent(value):
        raise _invalid("reduction_amount", _("Give the réfaction in euros, to the cent."))
    if not reason:
        raise _invalid("reason", _("Say why the price is reduced."), code="required")
    return value


def delivery_decide(
    *,
    delivery: Delivery,
    user: AbstractBaseUser,
    decision: str,
    decided_on: datetime.date,
    signatory_name: str,
    signatory_title: str = "",
    reason: str = "",
    reduction_amount: Decimal | str | None = None,
    refusals: Mapping[str, str] | None = None,
) -> Admission:
    """The buyer records its ``decision`` on ``delivery`` (module docstring), signed by
    ``signatory_name`` on ``decided_on``; ``refusals`` names the devices refused at the door
    with their reasons (admissions only). 403 for anyone but the buyer's members; 409 for a
    delivery already decided on (admitted or rejected); 400 for a bad input, nothing
    changed."""
    if decision not in AdmissionDecision.values:
        raise _invalid("decision", _("Choose a decision."))
    signatory_name = _text(
        signatory_name, field="signatory_name", required=True, max_length=SIGNATORY_MAX_LENGTH
    )
    signatory_title = _text(
        signatory_title, field="signatory_title", required=False, max_length=SIGNATORY_MAX_LENGTH
    )
    reason = _text(
        reason,
        field="reason",
        required=decision in (AdmissionDecision.POSTPONEMENT, AdmissionDecision.REJECTION),
        max_length=REASON_MAX_LENGTH,
    )
    amount = _reduction(decision, reduction_amount, reason)
    refusals = {
        str(code).strip(): _text(
            text, field="refusals", required=True, max_length=REASON_MAX_LENGTH
        )
        for code, text in (refusals or {}).items()
    }
    if len(refusals) > MAX_DEVICES:
        raise _invalid("refusals", _("At most %(count)d devices.") % {"count": MAX_DEVICES})
    if refusals and decision not in (AdmissionDecision.ADMISSION, AdmissionDecision.REDUCTION):
        raise _invalid(
            "refusals", _("Devices are refused at the door only when the delivery is admitted.")
        )
    if decided_on > timezone.localdate():
        raise _invalid("decided_on", _("A decision is not dated in the future."))

    with transaction.atomic(durable=True):
        locked = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related(
                "order__campaign__groupement", "order__commitment", "partner", "buyer", "site"
            )
            .select_related("note")
            .filter(pk=delivery.pk)
            .first()
        )
        if locked is None:
            raise NotFound(_("No such delivery."), code="delivery_not_found")
        if not is_member(user, locked.buyer) or not permissions.may_decide_on(locked.buyer, locked):
            raise PermissionDenied(
                _("Only the order's buyer decides on its deliveries."), code="not_the_buyer"
            )
        transition = {
            AdmissionDecision.ADMISSION: locked.admit,
            AdmissionDecision.REDUCTION: locked.admit,
            AdmissionDecision.POSTPONEMENT: locked.postpone,
            AdmissionDecision.REJECTION: locked.reject,
        }[decision]
        if not can_proceed(transition):
            raise TransitionNotAllowed(
                _("A decision on this delivery is recorded already: it is %(state)s.")
                % {"state": locked.get_state_display().lower()},
                code="delivery_decided",
            )
        if decided_on < locked.delivery_date:
            raise _invalid("decided_on", _("A decision comes on or after the delivery date."))
        items = list(selectors.delivery_items(locked))
        by_code = {item.device.code: item for item in items}
        unknown = sorted(code for code in refusals if code not in by_code)
        if unknown:
            message = _("These devices are not in this delivery: %(codes)s.") % {
                "codes": ", ".join(unknown)
            }
            raise ValidationFailed(message, code="not_in_delivery", fields={"refusals": [message]})
        if refusals and len(refusals) == len(items):
            raise _invalid("refusals", _("Every device is refused: reject the delivery instead."))
        if decision == AdmissionDecision.REJECTION:
            refusals = {code: reason for code in by_code}
        admitted = (
            [item for item in items if item.device.code not in refusals]
            if decision in FINAL_DECISIONS
            else []
        )
        if amount:
            admitted_total = sum(
                (line_amounts(1, item.line.unit_price, item.line.vat_rate)[0] for item in admitted),
                Decimal("0.00"),
            )
            if amount > admitted_total:
                raise _invalid(
                    "reduction_amount",
                    _("The réfaction exceeds the admitted devices' price excl. VAT (%(total)s €).")
                    % {"total": admitted_total},
                )

        transition()
        locked.save(update_fields=["state"])
        now = timezone.now()
        refused = [by_code[code] for code in sorted(refusals)]
        for item in refused:
            item.outcome = DeliveryItemOutcome.REFUSED
            item.refusal_reason = refusals[item.device.code]
        for item in admitted:
            item.outcome = DeliveryItemOutcome.ADMITTED
            item.warranty_ends_on = add_months(decided_on, item.line.offer.warranty_months)
        DeliveryDevice.objects.bulk_update(
            [*refused, *admitted], ["outcome", "refusal_reason", "warranty_ends_on"]
        )
        if refused:
            # Back to the partner's stock: the buyer's decision releases them (it was checked
            # above to be the buyer's), the reason as the event's note.
            devices_transition(
                devices=[item.device for item in refused],
                transition="unreserve",
                user=user,
                organisation=None,
                note=reason if decision == AdmissionDecision.REJECTION else "",
                details={"delivery": locked.pk},
                device_details={
                    item.device_id: {"order": locked.order_id, "refusal": item.refusal_reason}
                    for item in refused
                },
            )
            order_items = [item.order_item for item in refused]
            OrderDevice.objects.filter(pk__in=[item.pk for item in order_items]).update(
                is_reserved=False
            )
            for order_item, item in zip(order_items, refused, strict=True):
                order_item.device, order_item.line = item.device, item.line
            restock(order_items)
        if admitted:
            devices_transition(
                devices=[item.device for item in admitted],
                transition="deliver",
                user=user,
                organisation=locked.buyer,
                details={"delivery": locked.pk, "order": locked.order_id},
                recipient=locked.buyer,
            )
        admission = Admission.objects.create(
            delivery=locked,
            decision=decision,
            decided_on=decided_on,
            reason=reason,
            reduction_amount=amount,
            signatory_name=signatory_name,
            signatory_title=signatory_title,
            decided_by=user,
            created_at=now,
        )
        _issue_documents(locked, admission, items, user=user)
        enqueue_on_commit(tasks.notify_delivery_decided, admission.pk)
    return admission


def _issue_documents(
    delivery: Delivery, admission: Admission, items: list[DeliveryDevice], *, user
) -> None:
    """The admission record, owned by the buyer; for a final decision, the delivery note
    again, signed, replacing the partner's first one."""
    note_number = delivery.note.number if delivery.note else ""
    record_context = delivery_documents.admission_record_context(
        delivery, admission, items, note_number=note_number
    )
    admission.record = document_request(
        kind=DocumentKind.ADMISSION_RECORD,
        owner=delivery.buyer,
        counterpart=delivery.partner,
        title=delivery_documents.admission_record_title(record_context),
        template=delivery_documents.ADMISSION_RECORD_TEMPLATE,
        context=record_context,
        created_by=user,
        idempotency_key=f"admission-record-{admission.pk}",
        device_codes=[item.device.code for item in items],
    )
    admission.save(update_fields=["record"])
    if admission.decision not in FINAL_DECISIONS:
        return
    note_context = delivery_documents.delivery_note_context(
        delivery, items, grades=selectors.device_grades(item.device_id for item in items)
    )
    note_context["signed"] = delivery_documents.admission_summary(admission, items)
    note_context["signed"]["note_number"] = note_number
    delivery.signed_note = document_request(
        kind=DocumentKind.DELIVERY_NOTE,
        owner=delivery.partner,
        counterpart=delivery.buyer,
        title=delivery_documents.delivery_note_title(note_context),
        template=delivery_documents.DELIVERY_NOTE_TEMPLATE,
        context=note_context,
        created_by=user,
        idempotency_key=f"delivery-note-signed-{delivery.pk}",
        replaces=delivery.note,
        device_codes=[item.device.code for item in items],
    )
    delivery.save(update_fields=["signed_note"])
