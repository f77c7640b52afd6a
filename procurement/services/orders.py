"""Orders: placed by a campaign's closing (:mod:`procurement.services.closing`); cancelled
before delivery by the territory, with a reason, their devices released to ``ready`` by the
lifecycle's ``unreserve`` (one event each) and put back into their offers when they still
match them."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from common.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from common.handoff import enqueue_on_commit
from inventory.models import Device
from inventory.services import devices_transition
from organisations.models import Organisation
from organisations.permissions import is_member
from procurement import selectors, tasks
from procurement.choices import DeliveryState
from procurement.models import Delivery, Offer, OfferDevice, Order, OrderDevice

# The longest reason a person gives for a cancellation.
REASON_MAX_LENGTH = 1000


def cancellation_reason(reason: str) -> str:
    """The reason given for a cancellation, required and bounded (400 otherwise)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why."), code="invalid", fields={"reason": [_("Say why.")]})
    if len(reason) > REASON_MAX_LENGTH:
        message = _("At most %(count)d characters.") % {"count": REASON_MAX_LENGTH}
        raise ValidationFailed(message, code="invalid", fields={"reason": [message]})
    return reason


def order_cancel(*, order: Order, user: AbstractBaseUser, reason: str) -> Order:
    """The territory cancels a placed order before delivery, saying why: its devices go back
    to ``ready`` (each with its ``unreserve`` event, the reason as its note) and into their
    offer's stock; the buyer and the partner are told. 403 for anyone but the coordinator's
    members, 409 for an order already cancelled."""
    reason = cancellation_reason(reason)
    with transaction.atomic(durable=True):
        locked = (
            Order.objects.select_for_update(of=("self",))
            .select_related("campaign__groupement__coordinator")
            .filter(pk=order.pk)
            .first()
        )
        if locked is None:
            raise NotFound(_("No such order."), code="order_not_found")
        coordinator = locked.campaign.groupement.coordinator
        if not is_member(user, coordinator):
            raise PermissionDenied(
                _("Only the groupement's coordinator cancels an order."),
                code="not_the_coordinator",
            )
        orders_cancel(
            orders=[locked], user=user, organisation=coordinator, reason=reason, at=timezone.now()
        )
    return locked


def orders_cancel(
    *,
    orders: Iterable[Order],
    user: AbstractBaseUser | None,
    organisation: Organisation | None,
    reason: str,
    at: datetime.datetime,
) -> list[Order]:
    """Cancel placed orders in the caller's transaction, in a number of queries that does not
    grow with them nor with their devices: the orders locked in primary key order and
    cancelled (409 when one is not placed any more), their devices released at once through
    the lifecycle, then put back into the offers they came from when those are active and
    they still match. The buyers and partners are told once it commits."""
    locked = list(
        Order.objects.select_for_update(of=("self",))
        .select_related("campaign__groupement")
        .filter(pk__in=[order.pk for order in orders])
        .order_by("pk")
    )
    if not locked:
        return []
    delivered = Delivery.objects.filter(order__in=locked).exclude(state=DeliveryState.REJECTED)
    if delivered.exists():
        raise TransitionNotAllowed(
            _("This order has a delivery: it can no longer be cancelled."),
            code="order_delivered",
        )
    for order in locked:
        if not can_proceed(order.cancel):
            raise TransitionNotAllowed(
                _("This order is already cancelled."), code="order_state_forbids"
            )
        if organisation is not None and not has_transition_perm(order.cancel, organisation):
            raise PermissionDenied(
                _("Only the groupement's coordinator cancels an order."),
                code="not_the_coordinator",
            )
        order.cancel(user=user, at=at, reason=reason)
    Order.objects.bulk_update(locked, ["state", "cancelled_by", "cancelled_at", "cancel_reason"])
    items = list(
        OrderDevice.objects.filter(order__in=locked, is_reserved=True)
        .select_related("device", "line")
        .order_by("device_id")
    )
    if items:
        devices_transition(
            devices=[item.device for item in items],
            transition="unreserve",
            user=user,
            organisation=organisation,
            note=reason,
            details={"campaign": locked[0].campaign_id},
            device_details={item.device_id: {"order": item.order_id} for item in items},
        )
        OrderDevice.objects.filter(pk__in=[item.pk for item in items]).update(is_reserved=False)
        restock(items)
    enqueue_on_commit(tasks.notify_orders_cancelled, [order.pk for order in locked])
    return locked


def restock(items: list[OrderDevice]) -> None:
    """Put released devices back into the offers they were ordered from: those still active,
    which the devices still match."""
    by_offer: dict[int, list[int]] = defaultdict(list)
    for item in items:
        by_offer[item.line.offer_id].append(item.device_id)
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
