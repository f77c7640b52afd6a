"""The purchase order (bon de commande) of an order: what it shows, its title, and how an order
finds it again.

One purchase order is issued per order when the campaign's closing places it
(:func:`procurement.services.purchase_orders.purchase_orders_request`): the buyer owns it, the
partner reads it as its counterpart, the territory reads it as every document. It is found
again by its idempotency key, ``purchase-order-<order>``, which the documents module keeps
unique: requesting it twice gives the same document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Order, OrderLine

TEMPLATE = "procurement/documents/purchase_order.html"
_KEY_PREFIX = "purchase-order-"


def purchase_order_key(order_pk: int) -> str:
    """The idempotency key of an order's purchase order."""
    return f"{_KEY_PREFIX}{order_pk}"


def order_pk_of_key(key: str) -> int:
    """The order a purchase order's idempotency key names."""
    return int(key.removeprefix(_KEY_PREFIX))


def purchase_order_title(context: Mapping[str, Any]) -> str:
    """« Bon de commande — École Jean Jaurès, fournisseur Atelier du Réemploi », in the
    reader's language, from the document's stored context (:mod:`documents.titles`)."""
    return _("Purchase order — %(buyer)s, supplier %(partner)s") % {
        "buyer": context["buyer"]["name"],
        "partner": context["partner"]["name"],
    }


def purchase_order_context(order: Order, *, lines: Sequence[OrderLine]) -> dict[str, Any]:
    """What the purchase order shows (``templates/procurement/documents/purchase_order.html``),
    from ``order`` loaded with its campaign, groupement and coordinator, buyer, partner,
    commitment and delivery site, and its ``lines`` with their offers: no query of its own. The
    devices reserved are not printed (thousands, for a large order) but linked to the
    document, so that each device's page lists it.

    Money is kept as text to the cent ("1234.50"), as the order recorded it."""
    campaign, commitment = order.campaign, order.commitment
    groupement = campaign.groupement
    site = commitment.delivery_site
    return {
        "placed_on": timezone.localdate(order.created_at).isoformat(),
        "order": order.pk,
        "groupement": {
            "name": groupement.name,
            "reference": groupement.reference,
            "convention_date": groupement.convention_date.isoformat(),
            "coordinator": groupement.coordinator.name,
            "coordinator_siret": groupement.coordinator.siret,
        },
        "campaign": {
            "title": campaign.title,
            "closed_at": (campaign.closed_at or campaign.closes_at).isoformat(),
        },
        "buyer": {
            "name": order.buyer.name,
            "siret": commitment.siret,
            "service_code": commitment.service_code,
            "engagement_number": commitment.engagement_number,
            "contact_name": commitment.contact_name,
            "contact_email": commitment.contact_email,
            "contact_phone": commitment.contact_phone,
            "delivery_site": {"name": site.name, "address": site.full_address},
        },
        "partner": {
            "name": order.partner.name,
            "siret": order.partner.siret,
            "email": order.partner.email,
            "phone": order.partner.phone,
        },
        "lines": [
            {
                "offer": line.offer.title,
                "category": str(line.offer.get_category_display()),
                "grade": line.offer.grade,
                "warranty_months": line.offer.warranty_months,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "vat_rate": line.vat_rate,
                "amount_excl_vat": line.amount_excl_vat,
                "vat_amount": line.vat_amount,
                "amount_incl_vat": line.amount_incl_vat,
            }
            for line in sorted(lines, key=lambda line: line.offer_id)
        ],
        "totals": {
            "excl_vat": order.total_excl_vat,
            "vat": order.total_vat,
            "incl_vat": order.total_incl_vat,
        },
    }
