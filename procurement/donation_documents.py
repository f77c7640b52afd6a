"""The donation agreement (convention de cession, ``CD-…``): what it shows, captured from the
rows when the donation is made, and its title in each reader's language
(:mod:`documents.titles`). Values are kept as text to the cent ("150.00")."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import ngettext

from documents.choices import DocumentKind
from documents.titles import register_title
from procurement.allocation import to_cent
from procurement.models import Donation, DonationDevice
from procurement.regulatory import RegulatoryFigure

DONATION_AGREEMENT_TEMPLATE = "procurement/documents/donation_agreement.html"


def donation_agreement_title(context: Mapping[str, Any]) -> str:
    count = int(context["device_count"])
    day = datetime.date.fromisoformat(context["donation"]["date"])
    return ngettext(
        "Donation agreement — %(count)d device to %(beneficiary)s on %(date)s",
        "Donation agreement — %(count)d devices to %(beneficiary)s on %(date)s",
        count,
    ) % {
        "count": count,
        "beneficiary": context["beneficiary"]["name"],
        "date": formats.date_format(day, "SHORT_DATE_FORMAT"),
    }


def register() -> None:
    """Register the builder of the agreement's title (from ``ProcurementConfig.ready``)."""
    register_title(DocumentKind.DONATION_AGREEMENT, donation_agreement_title)


def _money(amount) -> str:
    return f"{to_cent(amount):.2f}"


def donation_agreement_context(
    donation: Donation, items: Iterable[DonationDevice], *, ceiling: RegulatoryFigure
) -> dict[str, Any]:
    """What the agreement shows: both parties with their SIRET, the beneficiary's category,
    each device (code, category, brand, model, serial number, value), the total value, the
    ceiling and the text that sets it. ``items`` come with their device. The names of the
    categories are written in the document's language (the site's)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _agreement_context(donation, list(items), ceiling=ceiling)


def _agreement_context(
    donation: Donation, items: list[DonationDevice], *, ceiling: RegulatoryFigure
) -> dict[str, Any]:
    devices = [
        {
            "code": item.device.code,
            "category": str(item.device.get_category_display()),
            "brand": item.device.brand,
            "model": item.device.model,
            "serial_number": item.device.serial_number,
            "value": _money(item.value),
        }
        for item in items
    ]
    return {
        "donor": {"name": donation.donor.name, "siret": donation.donor.siret},
        "beneficiary": {
            "name": donation.beneficiary.name,
            "siret": donation.beneficiary.siret,
            "category": str(donation.get_beneficiary_category_display()),
        },
        "donation": {
            "number": donation.pk,
            "date": donation.offered_on.isoformat(),
            "total_value": _money(donation.total_value),
            "ceiling": _money(ceiling.value),
            "ceiling_text": ceiling.text,
        },
        "device_count": len(devices),
        "devices": devices,
    }
