"""Purchase orders (bons de commande, ``BC-…``): one per order, requested when the closing places
the orders, in its transaction (:mod:`procurement.services.closing`), and produced by the
worker once it commits. What they show is in :mod:`procurement.purchase_orders`."""

from __future__ import annotations

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
    partner reads it as the counterpart; each lists the devices reserved for the order. A
    constant number of queries, whatever the orders and their devices; asking again for an
    order that has its purchase order gives that one (its idempotency key)."""
    loaded = list(
        Order.objects.filter(pk__in=[order.pk for order in orders])
        .select_related(
            "campaign__groupement__coordinator", "buyer", "partner", "commitment__delivery_site"
        )
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("offer")),
            Prefetch(
                "items",
                queryset=OrderDevice.objects.select_related("device").only(
                    "order", "line", "device__code"
                ),
            ),
        )
        .order_by("pk")
    )
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
                device_codes=[code for line in context["lines"] for code in line["devices"]],
            )
        )
    return documents_request(kind=DocumentKind.PURCHASE_ORDER, drafts=drafts, created_by=user)
