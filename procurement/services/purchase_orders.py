"""Purchase orders (bons de commande, ``BC-…``): one per order, requested when the closing places
the orders, in its transaction (:mod:`procurement.services.closing`), and produced by the
worker once it commits. What they show is in :mod:`procurement.purchase_orders`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser

from common.bulk_sql import pk_set
from documents.choices import DocumentKind
from documents.models import Document
from documents.services import DocumentDraft, documents_request
from organisations.models import Organisation
from procurement.models import Campaign, Offer, Order, OrderDevice, OrderLine
from procurement.purchase_orders import (
    TEMPLATE,
    purchase_order_context,
    purchase_order_key,
    purchase_order_title,
)


def purchase_orders_request(
    *, orders: Sequence[Order], user: AbstractBaseUser | None
) -> list[Document]:
    """Request the purchase order of each of ``orders`` (numbered in their primary key order),
    in the caller's transaction; the documents, in that order. The buyer owns each, the
    partner reads it as the counterpart; each is linked to the devices reserved for the order
    (their pages list it). A constant number of queries, whatever the orders and their
    devices; asking again for an order that has its purchase order gives that one (its
    idempotency key)."""
    pks = [order.pk for order in orders]
    loaded = _orders_loaded(pks)
    # The devices' codes only: an order of a large campaign reserves thousands of devices.
    codes: dict[int, list[str]] = defaultdict(list)
    for order_pk, code in (
        OrderDevice.objects.filter(order__in=pk_set(pks))
        .order_by()  # the links are sorted when written; the model's order joins the orders
        .values_list("order", "device__code")
    ):
        codes[order_pk].append(code)
    drafts = []
    for order, lines in loaded:
        context = purchase_order_context(order, lines=lines)
        drafts.append(
            DocumentDraft(
                owner=order.buyer,
                counterpart=order.partner,
                title=purchase_order_title(context),
                template=TEMPLATE,
                context=context,
                idempotency_key=purchase_order_key(order.pk),
                device_codes=codes[order.pk],
            )
        )
    return documents_request(kind=DocumentKind.PURCHASE_ORDER, drafts=drafts, created_by=user)


def _orders_loaded(pks: list[int]) -> list[tuple[Order, list[OrderLine]]]:
    """The orders with what their purchase orders show, in primary key order, each with its
    lines (their offers set): what a campaign's orders share (its campaign and groupement,
    their partners, the offers) read once rather than once per order."""
    orders = list(
        Order.objects.filter(pk__in=pk_set(pks))
        .select_related("commitment__delivery_site")
        .order_by("pk")
    )
    campaigns = Campaign.objects.select_related("groupement__coordinator").in_bulk(
        {order.campaign_id for order in orders}
    )
    organisations = Organisation.objects.in_bulk(
        {order.buyer_id for order in orders} | {order.partner_id for order in orders}
    )
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in OrderLine.objects.filter(order__in=pk_set(pks)).order_by("order_id", "offer_id"):
        lines[line.order_id].append(line)
    offers = Offer.objects.in_bulk({line.offer_id for each in lines.values() for line in each})
    for each in lines.values():
        for line in each:
            line.offer = offers[line.offer_id]
    for order in orders:
        order.campaign = campaigns[order.campaign_id]
        order.buyer = organisations[order.buyer_id]
        order.partner = organisations[order.partner_id]
    return [(order, lines[order.pk]) for order in orders]
