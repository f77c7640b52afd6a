"""An invoice in a document's context: JSON values the template shows and the worker reads
back to build the XML under the document's number."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from documents.facturx.invoice import (
    Allowance,
    Invoice,
    InvoiceLine,
    InvoiceNote,
    Party,
    PaymentMeans,
    PostalAddress,
    PrecedingInvoice,
    amount_text,
    number_text,
    price_text,
)


def invoice_context(invoice: Invoice) -> dict[str, Any]:
    """The invoice as JSON values for a document's context: what its template shows (the
    lines' net amounts and the totals included) and what :func:`invoice_from_context` reads
    back. Amounts are strings (``"1234.50"``), dates ISO strings."""
    totals = invoice.totals
    return {
        "type_code": str(invoice.type_code),
        "currency": invoice.currency,
        "seller": _party_context(invoice.seller),
        "buyer": _party_context(invoice.buyer),
        "lines": [
            {
                "identifier": line.identifier,
                "name": line.name,
                "quantity": number_text(line.quantity),
                "unit_price": price_text(line.unit_price),
                "vat_category": str(line.vat_category),
                "vat_rate": number_text(line.vat_rate),
                "unit_code": line.unit_code,
                "seller_item_id": line.seller_item_id,
                "description": line.description,
                "net_amount": amount_text(line.net_amount),
            }
            for line in invoice.lines
        ],
        "allowances": [
            {
                "amount": amount_text(allowance.amount),
                "reason": allowance.reason,
                "vat_category": str(allowance.vat_category),
                "vat_rate": number_text(allowance.vat_rate),
                "reason_code": allowance.reason_code,
            }
            for allowance in invoice.allowances
        ],
        "buyer_reference": invoice.buyer_reference,
        "purchase_order_reference": invoice.purchase_order_reference,
        "contract_reference": invoice.contract_reference,
        "preceding_invoice": None
        if invoice.preceding_invoice is None
        else {
            "number": invoice.preceding_invoice.number,
            "issue_date": _date_text(invoice.preceding_invoice.issue_date),
        },
        "payment_terms": invoice.payment_terms,
        "due_date": _date_text(invoice.due_date),
        "payment_means": None
        if invoice.payment_means is None
        else {
            "code": str(invoice.payment_means.code),
            "iban": invoice.payment_means.iban,
        },
        "vat_exemption_reason": invoice.vat_exemption_reason,
        "delivery_date": _date_text(invoice.delivery_date),
        "notes": [{"text": note.text, "subject_code": note.subject_code} for note in invoice.notes],
        "totals": {
            "line_total": amount_text(totals.line_total),
            "allowance_total": amount_text(totals.allowance_total),
            "tax_basis_total": amount_text(totals.tax_basis_total),
            "tax_total": amount_text(totals.tax_total),
            "grand_total": amount_text(totals.grand_total),
            "due_payable": amount_text(totals.due_payable),
            "vat_breakdown": [
                {
                    "category": vat.category,
                    "rate": number_text(vat.rate),
                    "basis": amount_text(vat.basis),
                    "amount": amount_text(vat.amount),
                    "exemption_reason": vat.exemption_reason,
                }
                for vat in totals.vat_breakdown
            ],
        },
    }


def invoice_from_context(data: dict[str, Any]) -> Invoice:
    """The invoice :func:`invoice_context` wrote, checked again (its totals are computed
    again, not read)."""
    preceding = data.get("preceding_invoice")
    means = data.get("payment_means")
    return Invoice(
        type_code=data["type_code"],
        currency=data["currency"],
        seller=_party_from_context(data["seller"]),
        buyer=_party_from_context(data["buyer"]),
        lines=tuple(
            InvoiceLine(
                identifier=line["identifier"],
                name=line["name"],
                quantity=Decimal(line["quantity"]),
                unit_price=Decimal(line["unit_price"]),
                vat_category=line["vat_category"],
                vat_rate=Decimal(line["vat_rate"]),
                unit_code=line["unit_code"],
                seller_item_id=line["seller_item_id"],
                description=line["description"],
            )
            for line in data["lines"]
        ),
        allowances=tuple(
            Allowance(
                amount=Decimal(allowance["amount"]),
                reason=allowance["reason"],
                vat_category=allowance["vat_category"],
                vat_rate=Decimal(allowance["vat_rate"]),
                reason_code=allowance["reason_code"],
            )
            for allowance in data["allowances"]
        ),
        buyer_reference=data["buyer_reference"],
        purchase_order_reference=data["purchase_order_reference"],
        contract_reference=data["contract_reference"],
        preceding_invoice=None
        if preceding is None
        else PrecedingInvoice(
            number=preceding["number"], issue_date=_date_from_text(preceding["issue_date"])
        ),
        payment_terms=data["payment_terms"],
        due_date=_date_from_text(data["due_date"]),
        payment_means=None
        if means is None
        else PaymentMeans(code=means["code"], iban=means["iban"]),
        vat_exemption_reason=data["vat_exemption_reason"],
        delivery_date=_date_from_text(data["delivery_date"]),
        notes=tuple(
            InvoiceNote(text=note["text"], subject_code=note["subject_code"])
            for note in data["notes"]
        ),
    )


def _party_context(party: Party) -> dict[str, Any]:
    return {
        "name": party.name,
        "siret": party.siret,
        "vat_number": party.vat_number,
        "address": {
            "line_one": party.address.line_one,
            "line_two": party.address.line_two,
            "postcode": party.address.postcode,
            "city": party.address.city,
            "country_code": party.address.country_code,
        },
    }


def _party_from_context(data: dict[str, Any]) -> Party:
    return Party(
        name=data["name"],
        siret=data["siret"],
        vat_number=data["vat_number"],
        address=PostalAddress(**data["address"]),
    )


def _date_text(value: datetime.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date_from_text(value: str | None) -> datetime.date | None:
    return None if value is None else datetime.date.fromisoformat(value)
