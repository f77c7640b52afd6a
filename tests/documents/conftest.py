"""Fixtures of the documents tests: a collection note and its PDF's text (files go to the
test's own media folder: see ``media_root`` in tests/conftest.py), and Factur-X invoices whose
totals are computed by hand."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from documents.choices import DocumentKind
from documents.facturx import (
    Allowance,
    Invoice,
    InvoiceLine,
    InvoiceNote,
    InvoiceTypeCode,
    Party,
    PaymentMeans,
    PaymentMeansCode,
    PostalAddress,
    PrecedingInvoice,
    VatCategory,
)
from documents.services import document_request
from inventory.models import Device
from organisations.models import Organisation

COLLECTION_NOTE = "reuse/documents/collection_note.html"


def pdf_text(content: bytes) -> str:
    """Every page's text, joined."""
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def collection_context(
    *, commune: Organisation, partner: Organisation, devices: list[Device]
) -> dict:
    """What a collection records, as the reuse workflow will capture it."""
    return {
        "date": "2026-03-12",
        "commune": {
            "name": commune.name,
            "siret": commune.siret,
            "insee_code": commune.insee_code,
            "address": "Hôtel de ville, square de la Libération, 94230 Cachan",
        },
        "partner": {
            "name": partner.name,
            "siret": partner.siret,
            "esus_approval_reference": partner.esus_approval_reference,
            "esus_approval_valid_until": partner.esus_approval_valid_until,
        },
        "site": {"name": "Centre technique municipal", "address": "12 rue Gallieni, Cachan"},
        "devices": [
            {
                "code": device.code,
                "category": str(device.get_category_display()),
                "brand": device.brand,
                "model": device.model,
                "serial_number": device.serial_number,
            }
            for device in devices
        ],
        "signatories": {
            "commune": {"name": "Claire Dubois", "role": "Directrice des services informatiques"},
            "partner": {"name": "Karim Benali", "role": "Responsable d'atelier"},
        },
    }


@pytest.fixture
def request_collection_note(commune, partner, partner_user, declare):
    """Request a collection note of the commune's devices for the partner: (document, devices)."""

    def _request(count: int = 2, **overrides):
        devices = declare(count)
        arguments = {
            "kind": DocumentKind.COLLECTION_NOTE,
            "owner": partner,
            "counterpart": commune,
            "title": f"Collecte de {count} appareils à {commune.name}",
            "template": COLLECTION_NOTE,
            "context": collection_context(commune=commune, partner=partner, devices=devices),
            "created_by": partner_user,
        }
        arguments.update(overrides)
        return document_request(**arguments), devices

    return _request


@pytest.fixture
def client(client):
    """The pages' client, reading the pages in English (the messages asserted are)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# Factur-X invoices -----------------------------------------------------------------------------
# Valid identifiers: the SIRETs' and SIRENs' check digits hold, and the VAT numbers' keys are
# (12 + 3 × (SIREN mod 97)) mod 97.
SELLER_SIRET = "81234567600017"
SELLER_VAT_NUMBER = "FR19812345676"
BUYER_SIRET = "21940016500011"
BUYER_VAT_NUMBER = "FR23219400165"
SELLER_IBAN = "FR7630006000011234567890189"


def seller_party(**overrides) -> Party:
    """The refurbisher that invoices."""
    arguments = {
        "name": "Atelier du Réemploi",
        "siret": SELLER_SIRET,
        "vat_number": SELLER_VAT_NUMBER,
        "address": PostalAddress(
            line_one="12 rue Gallieni", postcode="94200", city="Ivry-sur-Seine"
        ),
    }
    arguments.update(overrides)
    return Party(**arguments)


def buyer_party(**overrides) -> Party:
    """The commune that pays, through Chorus Pro."""
    arguments = {
        "name": "Commune de Cachan",
        "siret": BUYER_SIRET,
        "vat_number": BUYER_VAT_NUMBER,
        "address": PostalAddress(
            line_one="Hôtel de ville",
            line_two="Square de la Libération",
            postcode="94230",
            city="Cachan",
        ),
    }
    arguments.update(overrides)
    return Party(**arguments)


def laptops_invoice(**overrides) -> Invoice:
    """Laptops and screens at 20 %, adapted keyboards at 5.5 %, and a réfaction at 20 %.

    By hand: 4 × 289.90 = 1159.60 and 3 × 79.99 = 239.97 at 20 %, 2 × 149.50 = 299.00 at
    5.5 %: lines 1698.57. The réfaction of 45.00 leaves 1354.57 at 20 %, whose VAT is
    270.914 → 270.91, and 299.00 at 5.5 %, whose VAT is 16.445 → 16.45 (half-up, where a
    banker's rounding would give 16.44): basis 1653.57, VAT 287.36, total 1940.93.
    """
    arguments = {
        "type_code": InvoiceTypeCode.INVOICE,
        "seller": seller_party(),
        "buyer": buyer_party(),
        "lines": (
            InvoiceLine(
                identifier="1",
                name="Ordinateur portable Dell Latitude 5490, grade A",
                quantity=4,
                unit_price=Decimal("289.90"),
                vat_category=VatCategory.STANDARD,
                vat_rate=Decimal("20"),
                seller_item_id="OFF-LAPTOP-A",
            ),
            InvoiceLine(
                identifier="2",
                name="Écran 24 pouces, grade B",
                quantity=3,
                unit_price=Decimal("79.99"),
                vat_category=VatCategory.STANDARD,
                vat_rate=Decimal("20"),
            ),
            InvoiceLine(
                identifier="3",
                name="Clavier adapté à gros caractères",
                quantity=2,
                unit_price=Decimal("149.50"),
                vat_category=VatCategory.STANDARD,
                vat_rate=Decimal("5.5"),
                description="Équipement pour personnes handicapées",
            ),
        ),
        "allowances": (
            Allowance(
                amount=Decimal("45.00"),
                reason="Réfaction\u00a0: rayures sur deux écrans",
                vat_category=VatCategory.STANDARD,
                vat_rate=Decimal("20"),
                reason_code="95",
            ),
        ),
        "buyer_reference": "SERV-INFORMATIQUE",
        "purchase_order_reference": "ENG-2026-0042",
        "contract_reference": "GC-2026-01",
        "payment_terms": "Paiement à 30 jours par virement (délai global de paiement).",
        "due_date": datetime.date(2026, 4, 11),
        "payment_means": PaymentMeans(
            code=PaymentMeansCode.CREDIT_TRANSFER, iban="FR76 3000 6000 0112 3456 7890 189"
        ),
        "delivery_date": datetime.date(2026, 3, 10),
        "notes": (
            InvoiceNote(
                text="Indemnité forfaitaire pour frais de recouvrement\u00a0: 40\u00a0€.",
                subject_code="PMT",
            ),
        ),
    }
    arguments.update(overrides)
    return Invoice(**arguments)


def odd_prices_invoice(**overrides) -> Invoice:
    """A unit price with four decimals and a réfaction on each rate.

    By hand: 7 × 33.3333 = 233.3331 → 233.33 at 20 %, 3 × 10.05 = 30.15 at 5.5 %: lines
    263.48. Réfactions of 10.00 at 20 % and 1.15 at 5.5 % (11.15) leave 223.33, whose VAT is
    44.666 → 44.67, and 29.00, whose VAT is 1.595 → 1.60: basis 252.33, VAT 46.27, total
    298.60.
    """
    arguments = {
        "type_code": InvoiceTypeCode.INVOICE,
        "seller": seller_party(),
        "buyer": buyer_party(vat_number=""),
        "lines": (
            InvoiceLine(
                identifier="A",
                name="Câble d’alimentation",
                quantity=7,
                unit_price=Decimal("33.3333"),
                vat_category=VatCategory.STANDARD,
                vat_rate=Decimal("20"),
            ),
            InvoiceLine(
                identifier="B",
                name="Livret de prise en main",
                quantity=Decimal("3"),
                unit_price=Decimal("10.05"),
                vat_category=VatCategory.STANDARD,
                vat_rate=Decimal("5.50"),
            ),
        ),
        "allowances": (
            Allowance(
                amount=Decimal("10.00"),
                reason="Réfaction\u00a0: livraison incomplète",
                vat_category=VatCategory.STANDARD,
                vat_rate=Decimal("20"),
            ),
            Allowance(
                amount=Decimal("1.15"),
                reason="Réfaction\u00a0: livraison incomplète",
                vat_category=VatCategory.STANDARD,
                vat_rate=Decimal("5.5"),
            ),
        ),
        "buyer_reference": "ECOLES",
        "payment_terms": "À 30 jours",
    }
    arguments.update(overrides)
    return Invoice(**arguments)


def exempt_invoice(**overrides) -> Invoice:
    """An association under the VAT franchise: 5 × 120.00 = 600.00 exempt, no VAT."""
    arguments = {
        "type_code": InvoiceTypeCode.INVOICE,
        "seller": seller_party(),
        "buyer": buyer_party(),
        "lines": (
            InvoiceLine(
                identifier="1",
                name="Tablette reconditionnée",
                quantity=5,
                unit_price=Decimal("120.00"),
                vat_category=VatCategory.EXEMPT,
                vat_rate=Decimal("0"),
            ),
        ),
        "vat_exemption_reason": "TVA non applicable, art. 293 B du CGI",
        "due_date": datetime.date(2026, 4, 30),
    }
    arguments.update(overrides)
    return Invoice(**arguments)


def credit_note(**overrides) -> Invoice:
    """The credit note that cancels the whole laptops invoice: the same amounts, positive."""
    arguments = {
        "type_code": InvoiceTypeCode.CREDIT_NOTE,
        "preceding_invoice": PrecedingInvoice(
            number="FA-2026-000001", issue_date=datetime.date(2026, 3, 12)
        ),
        "payment_terms": "Remboursement par virement sous 30 jours.",
    }
    arguments.update(overrides)
    return laptops_invoice(**arguments)
