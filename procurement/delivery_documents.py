"""The documents of a delivery: the delivery note (bon de livraison, ``BL-…``), issued when the
partner prepares the delivery and again, signed, when the buyer decides on it; the admission
record (procès-verbal d'admission, ``PV-…``); the invoice (``FA-…``) and the credit note
(``AV-…``), whose content :mod:`procurement.services.invoices` writes. What each shows,
captured from the rows when it is requested, and its title in each reader's language
(:mod:`documents.titles`).

Money is kept as text to the cent ("1234.50"): a line per order line, its amount excl. VAT
and its VAT rounded half-up to the cent, the totals adding the lines, as the order did.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from documents.choices import DocumentKind
from documents.facturx import InvoiceTypeCode
from documents.rendering import FACTURX_CONTEXT_KEY
from documents.titles import register_title
from procurement.allocation import ZERO, line_amounts, to_cent
from procurement.models import Admission, Delivery, DeliveryDevice

DELIVERY_NOTE_TEMPLATE = "procurement/documents/delivery_note.html"
ADMISSION_RECORD_TEMPLATE = "procurement/documents/admission_record.html"


def delivery_note_title(context: Mapping[str, Any]) -> str:
    count = int(context["device_count"])
    if context.get("signed"):
        return ngettext(
            "Signed delivery note — %(count)d device for %(buyer)s",
            "Signed delivery note — %(count)d devices for %(buyer)s",
            count,
        ) % {"count": count, "buyer": context["buyer"]["name"]}
    return ngettext(
        "Delivery note — %(count)d device for %(buyer)s",
        "Delivery note — %(count)d devices for %(buyer)s",
        count,
    ) % {"count": count, "buyer": context["buyer"]["name"]}


def admission_record_title(context: Mapping[str, Any]) -> str:
    day = datetime.date.fromisoformat(context["delivery"]["date"])
    return _("Admission record — delivery of %(date)s to %(buyer)s") % {
        "date": formats.date_format(day, "SHORT_DATE_FORMAT"),
        "buyer": context["buyer"]["name"],
    }


def invoice_title(context: Mapping[str, Any]) -> str:
    """An invoice's or a credit note's title, from the Factur-X content it stores."""
    facturx = context[FACTURX_CONTEXT_KEY]
    if facturx["type_code"] == InvoiceTypeCode.CREDIT_NOTE:
        return _("Credit note to %(buyer)s") % {"buyer": facturx["buyer"]["name"]}
    return _("Invoice to %(buyer)s") % {"buyer": facturx["buyer"]["name"]}


def register() -> None:
    """Register the builders of the titles (from ``ProcurementConfig.ready``)."""
    register_title(DocumentKind.DELIVERY_NOTE, delivery_note_title)
    register_title(DocumentKind.ADMISSION_RECORD, admission_record_title)
    register_title(DocumentKind.INVOICE, invoice_title)
    register_title(DocumentKind.CREDIT_NOTE, invoice_title)


def _money(amount) -> str:
    return f"{to_cent(amount):.2f}"


def _party(organisation) -> dict[str, str]:
    return {"name": organisation.name, "siret": organisation.siret}


def _delivery_head(delivery: Delivery) -> dict[str, Any]:
    """The parties, the order, the campaign and the site: what every document of a delivery
    states. ``delivery`` is loaded with its order's campaign and groupement, its parties and
    its site (:func:`procurement.selectors.deliveries_visible_to`)."""
    order, site = delivery.order, delivery.site
    commitment = order.commitment
    return {
        "partner": _party(delivery.partner),
        "buyer": {**_party(delivery.buyer), "siret": commitment.siret or delivery.buyer.siret},
        "order": {
            "number": order.pk,
            "placed_on": timezone.localdate(order.created_at).isoformat(),
            "service_code": commitment.service_code,
            "engagement_number": commitment.engagement_number,
        },
        "campaign": {"title": order.campaign.title, "groupement": order.campaign.groupement.name},
        "delivery": {
            "number": delivery.pk,
            "date": delivery.delivery_date.isoformat(),
            "site": {
                "name": site.name,
                "address": f"{site.address}, {site.postal_code} {site.city}",
                "contact": site.contact_name,
            },
        },
    }


def delivery_note_context(
    delivery: Delivery, items: Iterable[DeliveryDevice], *, grades: Mapping[int, str]
) -> dict[str, Any]:
    """What the delivery note shows: the head, each device (code, category, brand, model,
    serial, grade, warranty, unit prices excl. and incl. VAT, and in its signed version what
    became of it), the amounts per order line and the totals. ``items`` come with their
    device and their line's offer; ``grades`` by device."""
    items = list(items)
    devices = []
    by_line: dict[int, list[DeliveryDevice]] = {}
    for item in items:
        device, line = item.device, item.line
        excluding, _vat, including = line_amounts(1, line.unit_price, line.vat_rate)
        devices.append(
            {
                "code": device.code,
                "category": str(device.get_category_display()),
                "brand": device.brand,
                "model": device.model,
                "serial_number": device.serial_number,
                "grade": grades.get(device.pk) or "",
                "warranty_months": line.offer.warranty_months,
                "unit_price": _money(excluding),
                "unit_price_incl_vat": _money(including),
                "outcome": item.outcome,
                "refusal_reason": item.refusal_reason,
            }
        )
        by_line.setdefault(line.pk, []).append(item)
    lines = []
    totals = [ZERO] * 3
    for line_items in by_line.values():
        line = line_items[0].line
        amounts = line_amounts(len(line_items), line.unit_price, line.vat_rate)
        totals = [total + amount for total, amount in zip(totals, amounts, strict=True)]
        lines.append(
            {
                "offer": line.offer.title,
                "quantity": len(line_items),
                "unit_price": _money(line.unit_price),
                "vat_rate": f"{line.vat_rate.normalize():f}",
                "amount_excl_vat": _money(amounts[0]),
                "vat_amount": _money(amounts[1]),
                "amount_incl_vat": _money(amounts[2]),
            }
        )
    return {
        **_delivery_head(delivery),
        "device_count": len(devices),
        "devices": devices,
        "lines": lines,
        "totals": {
            "excl_vat": _money(totals[0]),
            "vat": _money(totals[1]),
            "incl_vat": _money(totals[2]),
        },
        "signed": None,
    }


def admission_summary(admission: Admission, items: Iterable[DeliveryDevice]) -> dict[str, Any]:
    """The decision as the signed note and the record state it."""
    items = list(items)
    return {
        "decision": admission.decision,
        "decision_label": str(admission.get_decision_display()),
        "date": admission.decided_on.isoformat(),
        "signatory": {"name": admission.signatory_name, "title": admission.signatory_title},
        "reason": admission.reason,
        "reduction_amount": _money(admission.reduction_amount),
        "admitted_count": sum(1 for item in items if item.outcome == "admitted"),
        "refused": [
            {"code": item.device.code, "reason": item.refusal_reason}
            for item in items
            if item.outcome == "refused"
        ],
        "warranty_ends_on": sorted(
            {item.warranty_ends_on.isoformat() for item in items if item.warranty_ends_on}
        ),
    }


def admission_record_context(
    delivery: Delivery, admission: Admission, items: Iterable[DeliveryDevice], *, note_number: str
) -> dict[str, Any]:
    """What the admission record shows: the head, the delivery note it decides on, and the
    decision (with its réfaction, its refusals at the door and the warranty's start)."""
    return {
        **_delivery_head(delivery),
        "note_number": note_number,
        "admission": admission_summary(admission, items),
    }
