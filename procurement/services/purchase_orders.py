"""Purchase orders (bons de commande, ``BC-…``): one per order, requested when the closing places
the orders, in its transaction (:mod:`procurement.services.closing`), and produced by the
worker once it commits. What they show is in :mod:`procurement.purchase_orders`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch

from documents.choices import DocumentKind
from documents.models import Document
from documents.services import DocumentDraft, documents_request
from procurement.models import Order, OrderDevice, OrderLine
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
    (their pages list it). A
    constant number of queries, whatever the orders and their devices; asking again for an
    order that has its purchase order gives that one (its idempotency key)."""
    loaded = list(
        Order.objects.filter(pk__in=[order.pk for order in orders])
        .select_related(
            "campaign__groupement__coordinator", "buyer", "partner", "commitment__delivery_site"
        )
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("offer")))
        .order_by("pk")
    )
    # The devices' codes only: an order of a large campaign reserves thousands of devices.
    codes: dict[int, list[str]] = defaultdict(list)
    for order_pk, code in OrderDevice.objects.filter(order__in=loaded).values_list(
        "order", "device__code"
    ):
        codes[order_pk].append(code)
    drafts = []
    for order in loaded:
        context = purchase_order_context(order)
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
