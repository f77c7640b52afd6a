"""Donations: free cessions of ``ready`` devices (CG3P art. L3212-2 3°).

The holder of the devices (a partner, typically) gives them to a buyer of one of the
categories the article names (``Organisation.cession_eligibility``), each device valued in
euros, none above the ceiling of the regulatory data in force (:mod:`procurement.regulatory`,
300 € a unit); the beneficiary commits not to resell them, as the donation agreement
(convention de cession, ``CD-…``) states it. Making the donation reserves its devices (the
lifecycle's ``reserve``: they leave any offer's stock) and issues the agreement; the
beneficiary's confirmation of their receipt delivers them (``deliver``, the beneficiary their
holder), as an admission does; the donor may cancel before, saying why: the devices go back
to ``ready`` and into the offer they left when they still match it.

What the donation counts for in the beneficiary's AGEC purchase share is computed when it is
made, from the flat values of the regulatory data (200 € a laptop under five years old), and
counted in the year of the receipt (:func:`procurement.selectors.donation_flat_totals`).

Each write locks the donation's row (or the devices' rows, in primary key order) so that two
receipts, or a receipt and a cancellation, sent at once are one done and the other refused.
Every refusal leaves everything as it was.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from common.errors import (
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from common.handoff import enqueue_on_commit
from documents.choices import DocumentKind
from documents.services import document_request
from inventory.choices import DeviceState
from inventory.models import Device
from inventory.services import devices_transition
from organisations.models import Organisation
from organisations.permissions import is_member
from procurement import donation_documents, permissions, selectors, tasks
from procurement.allocation import to_cent
from procurement.models import (
    DONATION_VALUE_DIGITS,
    Donation,
    DonationDevice,
    Offer,
    OfferDevice,
)
from procurement.regulatory import donation_value_ceiling, flat_value_of
from procurement.services.orders import REASON_MAX_LENGTH

# The most devices one donation gives.
MAX_DONATION_DEVICES = 1000


def _invalid(field: str, message: str, *, code: str = "invalid") -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def _euros(amount: Decimal) -> str:
    """An amount as the French write it in a message: « 300,00 »."""
    return f"{to_cent(amount):.2f}".replace(".", ",")


def _values(values: Mapping[str, Decimal | str | int] | None) -> dict[str, Decimal]:
    """Each device's value by code, checked: euros to the cent, not negative."""
    cleaned: dict[str, Decimal] = {}
    for code, value in (values or {}).items():
        code = str(code).strip()
        if not code:
            continue
        try:
            amount = Decimal(str(value).strip().replace(",", "."))
        except (InvalidOperation, ValueError) as error:
            raise _invalid(
                "devices", _("Give each device's value in euros (%(code)s).") % {"code": code}
            ) from error
        if not amount.is_finite() or amount < 0:
            raise _invalid(
                "devices",
                _("A device's value is zero or more (%(code)s).") % {"code": code},
            )
        if amount.adjusted() >= DONATION_VALUE_DIGITS - 2 or amount != to_cent(amount):
            raise _invalid(
                "devices",
                _("Give each device's value in euros, to the cent (%(code)s).") % {"code": code},
            )
        cleaned[code] = to_cent(amount)
    if not cleaned:
        raise _invalid("devices", _("Name at least one device."), code="no_devices")
    if len(cleaned) > MAX_DONATION_DEVICES:
        raise _invalid("devices", _("At most %(count)d devices.") % {"count": MAX_DONATION_DEVICES})
    return cleaned


def _check_beneficiary(donor: Organisation, beneficiary: Organisation) -> None:
    if beneficiary.pk == donor.pk:
        raise _invalid(
            "beneficiary", _("An organisation does not give to itself."), code="not_eligible"
        )
    if not permissions.may_receive_donations(beneficiary):
        raise _invalid(
            "beneficiary",
            _(
                "%(name)s may not receive free cessions: no category of article L3212-2 3° of "
                "the CG3P is recorded for it."
            )
            % {"name": beneficiary.name},
            code="not_eligible",
        )


def donation_create(
    *,
    donor: Organisation,
    user: AbstractBaseUser,
    beneficiary: Organisation,
    values: Mapping[str, Decimal | str | int],
) -> Donation:
    """``donor`` gives the devices named by the codes of ``values``, each worth its value in
    euros, to ``beneficiary``, dated today: the devices are reserved, the agreement requested,
    the beneficiary told. 403 for anyone but the donor's members, or a donor that may not
    give; 400 for a beneficiary not eligible, a value above the ceiling or a device the donor
    does not hold; 409 for a device not ``ready``. Nothing changes on a refusal."""
    if not is_member(user, donor) or not permissions.may_donate(donor):
        raise PermissionDenied(
            _("Only a partner holding ready devices gives them away."), code="not_the_donor"
        )
    values = _values(values)
    _check_beneficiary(donor, beneficiary)
    today = timezone.localdate()
    ceiling = donation_value_ceiling(today)
    if ceiling is None:
        raise TransitionNotAllowed(
            _("No value ceiling for donations is in force: none is accepted."),
            code="no_ceiling",
        )
    above = sorted(code for code, value in values.items() if value > ceiling.value)
    if above:
        message = _(
            "A device given away is worth at most %(ceiling)s € (%(text)s); these are valued "
            "above: %(codes)s."
        ) % {"ceiling": _euros(ceiling.value), "text": ceiling.text, "codes": ", ".join(above)}
        raise ValidationFailed(message, code="above_ceiling", fields={"devices": [message]})

    with transaction.atomic(durable=True):
        devices = list(
            Device.objects.select_for_update().filter(code__in=list(values)).order_by("pk")
        )
        found = {device.code: device for device in devices}
        not_held = sorted(
            code for code in values if code not in found or found[code].holder_id != donor.pk
        )
        if not_held:
            message = _("Your organisation does not hold these devices: %(codes)s.") % {
                "codes": ", ".join(not_held)
            }
            raise ValidationFailed(message, code="not_held", fields={"devices": [message]})
        not_ready = sorted(device.code for device in devices if device.state != DeviceState.READY)
        if not_ready:
            raise TransitionNotAllowed(
                _("Only ready devices are given away; these are not: %(codes)s.")
                % {"codes": ", ".join(not_ready)},
                code="device_not_ready",
            )
        offers_left = dict(
            OfferDevice.objects.filter(device__in=devices)
            .order_by()
            .values_list("device_id", "offer_id")
        )
        items = [
            DonationDevice(
                device=device,
                value=values[device.code],
                flat_value=flat_value_of(
                    category=device.category, purchase_date=device.purchase_date, day=today
                ),
                offer_id=offers_left.get(device.pk),
            )
            for device in sorted(devices, key=lambda device: device.code)
        ]
        donation = Donation.objects.create(
            donor=donor,
            beneficiary=beneficiary,
            beneficiary_category=beneficiary.cession_eligibility,
            offered_on=today,
            total_value=sum((item.value for item in items), Decimal("0.00")),
            flat_value=sum((item.flat_value for item in items), Decimal("0.00")),
            ceiling=ceiling.value,
            created_by=user,
        )
        for item in items:
            item.donation = donation
        DonationDevice.objects.bulk_create(items)
        # The donor's own devices, checked above: the donation reserves them, as an
        # allocation does, and they leave any offer's stock.
        devices_transition(
            devices=devices,
            transition="reserve",
            user=user,
            organisation=None,
            details={"donation": donation.pk, "beneficiary": beneficiary.pk},
        )
        context = donation_documents.donation_agreement_context(donation, items, ceiling=ceiling)
        donation.agreement = document_request(
            kind=DocumentKind.DONATION_AGREEMENT,
            owner=donor,
            counterpart=beneficiary,
            title=donation_documents.donation_agreement_title(context),
            template=donation_documents.DONATION_AGREEMENT_TEMPLATE,
            context=context,
            created_by=user,
            idempotency_key=f"donation-agreement-{donation.pk}",
            device_codes=[item.device.code for item in items],
        )
        donation.save(update_fields=["agreement"])
        enqueue_on_commit(tasks.notify_donation_offered, donation.pk)
    return donation


def _locked(donation: Donation) -> Donation:
    locked = (
        Donation.objects.select_for_update(of=("self",))
        .select_related("donor", "beneficiary")
        .filter(pk=donation.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("No such donation."), code="donation_not_found")
    return locked


def _state_refusal(donation: Donation) -> TransitionNotAllowed:
    if donation.state == "received":
        message = _("This donation's receipt is confirmed already.")
        return TransitionNotAllowed(message, code="donation_received")
    return TransitionNotAllowed(_("This donation is cancelled."), code="donation_cancelled")


def donation_receive(
    *,
    donation: Donation,
    user: AbstractBaseUser,
    received_on: datetime.date | None = None,
) -> Donation:
    """The beneficiary confirms it received the devices on ``received_on`` (today by
    default): they are delivered to it, the donor told. 403 for anyone but the beneficiary's
    members; 409 for a donation received already or cancelled; 400 for a date in the future
    or before the agreement."""
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise _invalid("received_on", _("A receipt is not dated in the future."))
    with transaction.atomic(durable=True):
        locked = _locked(donation)
        if not is_member(user, locked.beneficiary) or not permissions.may_receive(
            locked.beneficiary, locked
        ):
            raise PermissionDenied(
                _("Only the donation's beneficiary confirms its receipt."),
                code="not_the_beneficiary",
            )
        if not can_proceed(locked.receive):
            raise _state_refusal(locked)
        if received_on < locked.offered_on:
            raise _invalid(
                "received_on", _("A receipt comes on or after the date of the agreement.")
            )
        items = list(selectors.donation_items(locked))
        devices_transition(
            devices=[item.device for item in items],
            transition="deliver",
            user=user,
            organisation=locked.beneficiary,
            details={"donation": locked.pk},
            recipient=locked.beneficiary,
        )
        locked.receive(user=user, on=received_on)
        locked.save(update_fields=["state", "received_on", "received_by"])
        enqueue_on_commit(tasks.notify_donation_received, locked.pk)
    return locked


def donation_cancel(*, donation: Donation, user: AbstractBaseUser, reason: str) -> Donation:
    """The donor cancels a donation not yet received, saying why: its devices go back to
    ``ready`` and into the offers they left (those still active, which they still match).
    403 for anyone but the donor's members; 409 once received or cancelled; 400 without a
    reason."""
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Say why the donation is cancelled."), code="required")
    if len(reason) > REASON_MAX_LENGTH:
        raise _invalid("reason", _("At most %(count)d characters.") % {"count": REASON_MAX_LENGTH})
    with transaction.atomic(durable=True):
        locked = _locked(donation)
        if not is_member(user, locked.donor) or not permissions.may_cancel_donation(
            locked.donor, locked
        ):
            raise PermissionDenied(_("Only the donor cancels its donation."), code="not_the_donor")
        if not can_proceed(locked.cancel):
            raise _state_refusal(locked)
        items = list(selectors.donation_items(locked))
        # Released by the donor, checked above to be their holder; the reason as the note.
        devices_transition(
            devices=[item.device for item in items],
            transition="unreserve",
            user=user,
            organisation=None,
            note=reason,
            details={"donation": locked.pk},
        )
        DonationDevice.objects.filter(donation=locked).update(is_standing=False)
        _restock(items)
        locked.cancel(user=user, at=timezone.now(), reason=reason)
        locked.save(update_fields=["state", "cancelled_by", "cancelled_at", "cancel_reason"])
    return locked


def _restock(items: list[DonationDevice]) -> None:
    """Put the released devices back into the offers they left: those still active, which
    the devices still match."""
    by_offer: dict[int, list[int]] = {}
    for item in items:
        if item.offer_id is not None:
            by_offer.setdefault(item.offer_id, []).append(item.device_id)
    offers = list(Offer.objects.filter(pk__in=list(by_offer), is_active=True))
    if not offers:
        return
    condition = Q(pk__in=[])
    for offer in offers:
        condition |= Q(pk__in=by_offer[offer.pk]) & selectors.matching_q(offer)
    matching = set(
        selectors.with_grade(Device.objects.filter(pk__in=[item.device_id for item in items]))
        .filter(condition)
        .values_list("pk", flat=True)
    )
    OfferDevice.objects.bulk_create(
        OfferDevice(offer_id=offer.pk, device_id=device_pk)
        for offer in offers
        for device_pk in by_offer[offer.pk]
        if device_pk in matching
    )
