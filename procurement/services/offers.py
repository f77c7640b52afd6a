"""Offers: a partner publishes catalogue lines, changes or deactivates them, and puts its
``ready`` devices into their stock (by selection, or every one that matches) or takes them
out. A device is in one offer at most; it leaves it when it leaves ``ready``
(:func:`stock_follow_transitions`, which the lifecycle's gateway calls).

While a campaign holding an offer is open or closing, the offer's terms hold: its price tiers,
minimum, specification and VAT are what the members commit to.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.bulk_sql import pk_set
from common.errors import (
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
    refuse_field_errors,
)
from inventory.choices import DeviceState
from inventory.lifecycle import TransitionRun
from inventory.models import Device
from organisations.models import Organisation
from organisations.permissions import require_member
from procurement import permissions, selectors
from procurement.allocation import PriceTier
from procurement.models import (
    MAX_QUANTITY,
    MINIMUM_WARRANTY_MONTHS,
    Offer,
    OfferDevice,
    OfferPriceTier,
)

# What a partner describes of an offer (the price tiers aside).
OFFER_FIELDS = (
    "title",
    "description",
    "category",
    "processor",
    "min_ram_gb",
    "min_storage_gb",
    "min_screen_size_inches",
    "grade",
    "warranty_months",
    "vat_rate",
    "minimum_quantity",
)
# An offer holds this many price tiers at most.
MAX_TIERS = 20


def _require_partner(*, partner: Organisation, user: AbstractBaseUser) -> None:
    require_member(user, partner)
    if not permissions.may_offer(partner):
        raise PermissionDenied(_("Only a partner publishes offers."), code="not_a_partner")


def _locked_own_offer(*, offer: Offer, user: AbstractBaseUser) -> Offer:
    """``offer`` locked, once ``user`` is shown to be one of its partner's members (else 403);
    call inside a transaction."""
    locked = Offer.objects.select_for_update().select_related("partner").filter(pk=offer.pk).first()
    if locked is None:
        raise NotFound(_("No such offer."), code="offer_not_found")
    require_member(user, locked.partner)
    return locked


def _refuse_while_running(offer: Offer) -> None:
    running = list(selectors.running_campaigns_of(offer).values_list("title", flat=True))
    if running:
        raise TransitionNotAllowed(
            _(
                "This offer is in a campaign under way (%(campaigns)s): its terms hold until "
                "the campaign is allocated."
            )
            % {"campaigns": ", ".join(f"« {title} »" for title in running)},
            code="offer_in_campaign",
        )


def _clean(offer: Offer, errors: dict[str, list[str]]) -> None:
    """The model's own checks of the fields (lengths, choices, ranges)."""
    try:
        offer.full_clean(
            exclude=["partner", "created_by"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(str(message) for message in messages)
    if offer.warranty_months is not None and offer.warranty_months < MINIMUM_WARRANTY_MONTHS:
        errors["warranty_months"] = [
            _("The warranty lasts at least %(months)d months.")
            % {"months": MINIMUM_WARRANTY_MONTHS}
        ]


def _describe(offer: Offer, fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(OFFER_FIELDS)
    if unknown:
        raise ValueError(f"Unknown offer fields: {sorted(unknown)}")
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(offer, name, value)


def _validated_tiers(
    tiers: Sequence[PriceTier], *, minimum_quantity: int | None, errors: dict[str, list[str]]
) -> list[PriceTier]:
    """The tiers, lowest threshold first, once each is a whole quantity from 1 and a price in
    cents above zero, no two from the same quantity, a larger quantity never dearer, and the
    first one from the minimum quantity or below (every total reaching the minimum has a
    price)."""
    problems: list[str] = []
    if not tiers:
        problems.append(_("Give at least one price tier."))
    elif len(tiers) > MAX_TIERS:
        problems.append(_("Give at most %(count)d price tiers.") % {"count": MAX_TIERS})
    cleaned: list[PriceTier] = []
    for tier in tiers:
        threshold, price = tier.threshold, tier.unit_price
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            problems.append(_("Each tier starts from a whole quantity."))
            continue
        if not 1 <= threshold <= MAX_QUANTITY:
            problems.append(
                _("Each tier starts from a quantity between 1 and %(maximum)d.")
                % {"maximum": MAX_QUANTITY}
            )
            continue
        try:
            price = Decimal(price)
        except (InvalidOperation, TypeError, ValueError):
            problems.append(_("Each tier has a unit price in euros."))
            continue
        if not price.is_finite() or price <= 0 or price >= Decimal("1e8"):
            problems.append(_("Each unit price is above zero and below 100,000,000 €."))
            continue
        if price != price.quantize(Decimal("0.01")):
            problems.append(_("Unit prices are in euros and cents."))
            continue
        cleaned.append(PriceTier(threshold=threshold, unit_price=price.quantize(Decimal("0.01"))))
    cleaned.sort(key=lambda tier: tier.threshold)
    thresholds = [tier.threshold for tier in cleaned]
    if len(set(thresholds)) != len(thresholds):
        problems.append(_("Two tiers start from the same quantity."))
    if any(later.unit_price > earlier.unit_price for earlier, later in itertools.pairwise(cleaned)):
        problems.append(_("A tier for a larger quantity may not cost more per device."))
    if cleaned and minimum_quantity is not None and cleaned[0].threshold > minimum_quantity:
        problems.append(
            _("The first tier must start from the minimum quantity (%(minimum)d) or below.")
            % {"minimum": minimum_quantity}
        )
    if problems:
        errors["price_tiers"] = list(dict.fromkeys(problems))
    return cleaned


def offer_create(
    *,
    partner: Organisation,
    user: AbstractBaseUser,
    title: str,
    category: str,
    grade: str,
    warranty_months: int,
    vat_rate: Decimal,
    minimum_quantity: int,
    price_tiers: Sequence[PriceTier],
    description: str = "",
    processor: str = "",
    min_ram_gb: Decimal | None = None,
    min_storage_gb: int | None = None,
    min_screen_size_inches: Decimal | None = None,
) -> Offer:
    """``partner`` publishes an offer: what it sells (a category; a processor its devices
    name, memory, storage and screen at least, each optional; a grade or better), on what
    terms (a warranty of at least 12 months, a VAT rate in percent, a minimum quantity) and
    its unit price tiers by pooled quantity, excl. VAT. Its stock starts empty
    (:func:`offer_stock_add`). 400 with each field's errors, 403 for anyone but a partner's
    member."""
    _require_partner(partner=partner, user=user)
    offer = Offer(partner=partner, created_by=user)
    _describe(
        offer,
        {
            "title": title,
            "description": description,
            "category": category,
            "processor": processor,
            "min_ram_gb": min_ram_gb,
            "min_storage_gb": min_storage_gb,
            "min_screen_size_inches": min_screen_size_inches,
            "grade": grade,
            "warranty_months": warranty_months,
            "vat_rate": vat_rate,
            "minimum_quantity": minimum_quantity,
        },
    )
    errors: dict[str, list[str]] = {}
    _clean(offer, errors)
    tiers = _validated_tiers(
        price_tiers,
        minimum_quantity=offer.minimum_quantity if "minimum_quantity" not in errors else None,
        errors=errors,
    )
    refuse_field_errors(errors)
    with transaction.atomic(durable=True):
        offer.save()
        OfferPriceTier.objects.bulk_create(
            OfferPriceTier(offer=offer, threshold=tier.threshold, unit_price=tier.unit_price)
            for tier in tiers
        )
    return offer


def offer_update(
    *,
    offer: Offer,
    user: AbstractBaseUser,
    price_tiers: Sequence[PriceTier] | None = None,
    **fields: Any,
) -> Offer:
    """Its partner changes an offer: ``fields`` among :data:`OFFER_FIELDS` (the arguments of
    :func:`offer_create`), the price tiers replaced when given. Refused (409) while a campaign
    holding it is open or closing; the devices that no longer match leave its stock."""
    with transaction.atomic(durable=True):
        locked = _locked_own_offer(offer=offer, user=user)
        _refuse_while_running(locked)
        _describe(locked, fields)
        errors: dict[str, list[str]] = {}
        _clean(locked, errors)
        tiers = None
        if price_tiers is not None:
            tiers = _validated_tiers(
                price_tiers, minimum_quantity=locked.minimum_quantity, errors=errors
            )
        elif "minimum_quantity" in fields and "minimum_quantity" not in errors:
            _validated_tiers(
                selectors.price_tiers(locked),
                minimum_quantity=locked.minimum_quantity,
                errors=errors,
            )
        refuse_field_errors(errors)
        locked.save()
        if tiers is not None:
            locked.tiers.all().delete()
            OfferPriceTier.objects.bulk_create(
                OfferPriceTier(offer=locked, threshold=tier.threshold, unit_price=tier.unit_price)
                for tier in tiers
            )
        _prune_stock(locked)
    return locked


def _prune_stock(offer: Offer) -> int:
    """Take out of ``offer``'s stock the devices that no longer count (no longer ``ready``,
    or no longer matching); how many."""
    counting = selectors.offer_stock(offer).values("pk")
    deleted, _per_model = offer.items.exclude(device__in=counting).delete()
    return deleted


def offer_deactivate(*, offer: Offer, user: AbstractBaseUser) -> Offer:
    """Its partner withdraws an offer from the catalogue: it joins no new campaign and its
    stock is emptied (the devices stay ``ready``). Refused (409) while a campaign holding it
    is open or closing."""
    with transaction.atomic(durable=True):
        locked = _locked_own_offer(offer=offer, user=user)
        _refuse_while_running(locked)
        locked.is_active = False
        locked.save(update_fields=["is_active", "updated_at"])
        locked.items.all().delete()
    return locked


def offer_stock_add(
    *,
    offer: Offer,
    user: AbstractBaseUser,
    devices: Iterable[Device] | None = None,
    every_match: bool = False,
) -> list[Device]:
    """Put devices into ``offer``'s stock; the devices added, by primary key.

    Either a selection (``devices``), all or none: each must be held by the offer's partner
    (else 404 naming them, as for a device that does not exist), ``ready`` and in no other
    offer (409), and match the offer (400, with each device's reasons); devices already in
    this offer are left as they are. Or ``every_match``: every ready device of the partner
    that matches and is in no offer yet. The offer is locked, then the devices in primary
    key order; an inactive offer takes none (409).
    """
    if (devices is None) == (not every_match):
        raise ValueError("Pass either devices or every_match.")
    with transaction.atomic(durable=True):
        locked = _locked_own_offer(offer=offer, user=user)
        if not locked.is_active:
            raise TransitionNotAllowed(
                _("This offer is no longer active: it takes no devices."), code="offer_inactive"
            )
        if every_match:
            candidates = list(selectors.stock_candidates(locked).select_for_update(of=("self",)))
        else:
            candidates = _selected_candidates(locked, devices)
        try:
            OfferDevice.objects.bulk_create(
                OfferDevice(offer=locked, device=device) for device in candidates
            )
        except IntegrityError as error:
            # Another offer took one of them between the check and the insert.
            raise TransitionNotAllowed(
                _("One of these devices was put into another offer a moment ago; try again."),
                code="in_another_offer",
            ) from error
    return candidates


def _selected_candidates(offer: Offer, devices: Iterable[Device]) -> list[Device]:
    pks = sorted({device.pk for device in devices})
    if not pks:
        raise ValidationFailed(
            _("Select at least one device."), code="invalid", fields={"codes": [_("Required.")]}
        )
    locked = list(
        selectors.with_grade(
            Device.objects.select_for_update(of=("self",)).filter(
                pk__in=pks, holder=offer.partner_id
            )
        ).order_by("pk")
    )
    if len(locked) != len(pks):
        raise NotFound(
            _("Only the devices your organisation holds go into its offers."),
            code="device_not_found",
        )
    in_offers = dict(
        OfferDevice.objects.filter(device__in=pks).order_by().values_list("device_id", "offer_id")
    )
    not_ready = sorted(device.code for device in locked if device.state != DeviceState.READY)
    if not_ready:
        raise TransitionNotAllowed(
            ngettext(
                "This device is not ready: %(codes)s.",
                "These devices are not ready: %(codes)s.",
                len(not_ready),
            )
            % {"codes": ", ".join(not_ready)},
            code="not_ready",
        )
    elsewhere = sorted(
        device.code for device in locked if in_offers.get(device.pk, offer.pk) != offer.pk
    )
    if elsewhere:
        raise TransitionNotAllowed(
            ngettext(
                "This device is already in another offer: %(codes)s.",
                "These devices are already in another offer: %(codes)s.",
                len(elsewhere),
            )
            % {"codes": ", ".join(elsewhere)},
            code="in_another_offer",
        )
    mismatched = {
        device.code: selectors.offer_mismatches(offer, device, device.current_grade)
        for device in locked
    }
    mismatched = {code: reasons for code, reasons in mismatched.items() if reasons}
    if mismatched:
        fields = {
            f"codes.{code}": ["; ".join(reasons)] for code, reasons in sorted(mismatched.items())
        }
        raise ValidationFailed(
            ngettext(
                "This device does not match the offer: %(details)s.",
                "These devices do not match the offer: %(details)s.",
                len(mismatched),
            )
            % {
                "details": "; ".join(
                    f"{code} ({', '.join(reasons)})" for code, reasons in sorted(mismatched.items())
                )
            },
            code="not_matching",
            fields=fields,
        )
    return [device for device in locked if device.pk not in in_offers]


def offer_stock_remove(
    *, offer: Offer, user: AbstractBaseUser, devices: Iterable[Device]
) -> list[int]:
    """Its partner takes devices out of ``offer``'s stock (they stay ``ready``); the primary
    keys of those that were in it. Allowed while a campaign runs: the closing takes the
    stock as it then stands."""
    pks = sorted({device.pk for device in devices})
    with transaction.atomic(durable=True):
        locked = _locked_own_offer(offer=offer, user=user)
        removed = sorted(
            locked.items.filter(device__in=pks).order_by().values_list("device_id", flat=True)
        )
        locked.items.filter(device__in=removed).delete()
    return removed


def stock_follow_transitions(run: TransitionRun) -> None:
    """A device that leaves ``ready`` leaves its offer: registered with the lifecycle's
    gateway (:func:`inventory.lifecycle.register_transition_observer`), in its transaction;
    one query for a run of any size, none when no device left ``ready``."""
    leaving = run.pks_leaving(DeviceState.READY)
    if leaving:
        # One parameter for the keys: a campaign's closing reserves thousands of devices.
        OfferDevice.objects.filter(device__in=pk_set(leaving)).delete()
