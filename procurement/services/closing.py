"""The closing of a campaign: at its closing time (Celery beat, every minute, or
``manage.py close_campaigns``), or earlier by the territory.

It runs in two transactions, each on the campaign's locked row. The first closes the campaign:
from then on every commitment is refused as too late, and every commitment committed before it
is in the allocation (the commitment services lock the same row). The second allocates
(:func:`procurement.allocation.allocate`, on the stock still ``ready`` and matching), records
the allocation, places one order per buyer and partner, reserves their devices through the
lifecycle in one set-based step (an event each), requests each order's purchase order
(:mod:`procurement.services.purchase_orders`) and queues the e-mails, Python's cyclic garbage
collector paused meanwhile (:mod:`common.collector`). Running it again changes nothing: a
closed campaign is allocated, an allocated one is left as it is; a closing stopped between
the two transactions is finished by the next run. The queries do not grow with the devices
nor with the commitments.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from common.bulk_sql import insert_instances, insert_rows
from common.collector import collector_paused
from common.errors import TransitionNotAllowed
from common.handoff import enqueue_on_commit
from inventory.models import Device
from inventory.services import devices_transition
from organisations.models import Organisation
from procurement import selectors, tasks
from procurement.allocation import AllocatedLine, Allocation, Totals, allocate
from procurement.choices import CampaignState
from procurement.models import (
    AllocationLine,
    Campaign,
    CampaignOffer,
    Order,
    OrderDevice,
    OrderLine,
)
from procurement.services.campaigns import (
    locked_campaign,
    refuse_state,
    require_coordinator_of,
    run,
)
from procurement.services.purchase_orders import purchase_orders_request

logger = logging.getLogger(__name__)


def campaign_close(
    *,
    campaign: Campaign,
    user: AbstractBaseUser | None = None,
    now: datetime.datetime | None = None,
) -> Campaign:
    """Close ``campaign`` and allocate it; the campaign as it then is.

    ``user`` is a member of the coordinator closing it, before its closing time if it wants
    (403 for anyone else); without, the system closes it, once its closing time has come
    (409 before). Idempotent: an allocated or completed campaign is returned as it is; a
    draft or a cancelled one is refused (409).
    """
    now = now or timezone.now()
    coordinator: Organisation | None = None
    with transaction.atomic(durable=True):
        locked = locked_campaign(campaign)
        if user is not None:
            coordinator = require_coordinator_of(locked, user)
        if locked.state in (CampaignState.ALLOCATED, CampaignState.COMPLETED):
            return locked
        if locked.state == CampaignState.OPEN:
            if user is None and locked.closes_at > now:
                raise TransitionNotAllowed(
                    _("This campaign's closing time has not come yet."), code="not_due"
                )
            run(locked, "close", organisation=coordinator, user=user, at=now)
        elif locked.state != CampaignState.CLOSED:
            refuse_state(locked)
    # The allocation builds the closing's model instances all at once: the garbage collector
    # would walk them, and the whole process, again and again (common.collector).
    with collector_paused(), transaction.atomic(durable=True):
        locked = locked_campaign(campaign)
        if locked.state == CampaignState.CLOSED:
            _allocate(locked, user=user, organisation=coordinator, now=now)
    return locked


def campaigns_close_due(*, now: datetime.datetime | None = None) -> list[Campaign]:
    """Close and allocate every open campaign whose closing time has come, and finish the
    allocation of any closed one (a closing stopped halfway); the campaigns allocated. A
    campaign that fails is logged and left for the next run, without holding up the others."""
    now = now or timezone.now()
    due = list(
        Campaign.objects.filter(
            Q(state=CampaignState.OPEN, closes_at__lte=now) | Q(state=CampaignState.CLOSED)
        ).order_by("closes_at", "pk")
    )
    allocated = []
    for campaign in due:
        try:
            closed = campaign_close(campaign=campaign, now=now)
        except Exception:
            logger.exception("Closing campaign %s failed; it will be tried again.", campaign.pk)
            continue
        if closed.state == CampaignState.ALLOCATED:
            allocated.append(closed)
    return allocated


def _allocate(
    campaign: Campaign,
    *,
    user: AbstractBaseUser | None,
    organisation: Organisation | None,
    now: datetime.datetime,
) -> Allocation:
    """Allocate the closed, locked ``campaign``, in its transaction: record the outcome of
    each offer and every allocation line, place the orders with their lines and devices, and
    reserve the devices."""
    entries = selectors.campaign_offers(campaign)
    offers = [entry.offer for entry in entries]
    stock = selectors.stock_devices(offers, lock=True)
    commitments = list(selectors.commitments_of(campaign))
    allocation = allocate(*selectors.allocation_inputs(offers, stock, commitments))

    for entry in entries:
        outcome = allocation.outcome_of(entry.offer_id)
        entry.stock, entry.demand, entry.allocated = (
            outcome.stock,
            outcome.demand,
            outcome.allocated,
        )
        entry.tier_threshold = outcome.tier.threshold if outcome.tier else None
        entry.unit_price = outcome.unit_price
        entry.reason = outcome.reason or ""
    CampaignOffer.objects.bulk_update(
        entries, ["stock", "demand", "allocated", "tier_threshold", "unit_price", "reason"]
    )
    recorded = [
        AllocationLine(
            campaign=campaign,
            commitment_id=line.commitment,
            offer_id=line.offer,
            asked=line.asked,
            allocated=line.allocated,
            reason=line.reason,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            amount_excl_vat=line.amount_excl_vat,
            vat_amount=line.vat_amount,
            amount_incl_vat=line.amount_incl_vat,
        )
        for line in allocation.lines
    ]
    insert_instances(recorded)
    recorded_pk = {(line.commitment_id, line.offer_id): line.pk for line in recorded}

    orders = _place_orders(
        campaign,
        allocation=allocation,
        commitments={commitment.pk: commitment for commitment in commitments},
        partner_of={offer.pk: offer.partner_id for offer in offers},
        recorded_pk=recorded_pk,
        devices={device.pk: device for items in stock.values() for device in items},
        user=user,
        organisation=organisation,
        now=now,
    )
    purchase_orders_request(orders=orders, user=user)
    run(campaign, "allocate", organisation=organisation, at=now)
    enqueue_on_commit(tasks.notify_campaign_allocated, campaign.pk)
    return allocation


def _place_orders(
    campaign: Campaign,
    *,
    allocation: Allocation,
    commitments: dict,
    partner_of: dict[int, int],
    recorded_pk: dict[tuple[int, int], int],
    devices: dict[int, Device],
    user: AbstractBaseUser | None,
    organisation: Organisation | None,
    now: datetime.datetime,
) -> list[Order]:
    """One order per buyer and partner with what they were allocated, its lines and devices;
    the devices reserved through the lifecycle, in one step; the orders' devices and the
    devices' events written from their values, without a model instance each."""
    grouped: dict[tuple[int, int], list[AllocatedLine]] = defaultdict(list)
    for line in allocation.lines:
        if line.allocated:
            grouped[(line.commitment, partner_of[line.offer])].append(line)
    keys = sorted(grouped)
    orders = [
        _order(campaign, commitments[commitment], partner, grouped[(commitment, partner)], now)
        for commitment, partner in keys
    ]
    insert_instances(orders)
    order_of = dict(zip(keys, orders, strict=True))
    order_lines = [
        OrderLine(
            order=order_of[key],
            allocation_line_id=recorded_pk[(line.commitment, line.offer)],
            offer_id=line.offer,
            quantity=line.allocated,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
            amount_excl_vat=line.amount_excl_vat,
            vat_amount=line.vat_amount,
            amount_incl_vat=line.amount_incl_vat,
        )
        for key in keys
        for line in grouped[key]
    ]
    insert_instances(order_lines)
    sources = [(key, line) for key in keys for line in grouped[key]]
    items = [
        (order_of[key].pk, order_line.pk, device_pk)
        for (key, line), order_line in zip(sources, order_lines, strict=True)
        for device_pk in line.devices
    ]
    insert_rows(
        OrderDevice,
        columns=("order_id", "line_id", "device_id"),
        rows=items,
        constants={"is_reserved": True},
    )
    if items:
        # The stock was locked and read by this transaction: the gateway moves those rows
        # as they are, without locking and reading them again.
        devices_transition(
            devices=[devices[device_pk] for _order, _line, device_pk in items],
            transition="reserve",
            user=user,
            organisation=organisation,
            details={"campaign": campaign.pk},
            device_details={device_pk: {"order": order} for order, _line, device_pk in items},
            locked=True,
        )
    return orders


def _order(campaign: Campaign, commitment, partner: int, lines, now) -> Order:
    totals = Totals.of(lines)
    return Order(
        campaign=campaign,
        commitment=commitment,
        buyer_id=commitment.buyer_id,
        partner_id=partner,
        total_excl_vat=totals.excl_vat,
        total_vat=totals.vat,
        total_incl_vat=totals.incl_vat,
        created_at=now,
    )
