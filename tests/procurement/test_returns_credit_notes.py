"""The partial credit note of a refunded device, read back: its Factur-X XML validated against
the schema and extracted from the PDF, its amounts computed by hand (the device's share of a
réfaction over two VAT rates); then the whole credit note of what is left, the two adding up
to the invoice to the cent."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import facturx
import pytest
from lxml import etree
from pypdf import PdfReader

from procurement.choices import AdmissionDecision, InvoiceState
from procurement.models import CreditNote
from procurement.services import credit_note_issue, invoice_issue, return_report, return_settle
from tests.procurement.test_invoices import (
    NAMESPACES,
    admitted_delivery,
    issued_pdf,
    two_rate_order,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db


def one_line(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def texts(root, path: str) -> list[str]:
    return [element.text for element in root.xpath(path, namespaces=NAMESPACES)]


def test_a_refunded_device_has_its_own_credit_note_and_the_rest_is_cancelled_after(
    two_rate_order,  # noqa: F811
    partner_user,
    buyer,
    buyer_user,
    buyer_site,
):
    # given: 3 monitors at 60.00 (20 %) and 2 at 33.33 (5.5 %) admitted with a réfaction of
    # 10.00: 180.00 and 66.66, 246.66 in all; réfaction 10 × 180 / 246.66 = 7.2975 → 7.30 at
    # 20 %, 2.70 at 5.5 %; bases 172.70 and 63.96, VAT 34.54 and 3.5178 → 3.52
    order, standard, _reduced = two_rate_order
    delivery = admitted_delivery(
        order,
        partner_user,
        buyer_user,
        buyer_site,
        decision=AdmissionDecision.REDUCTION,
        reduction_amount="10.00",
        reason="Rayures",
    )
    invoice = invoice_issue(delivery=delivery, user=partner_user)
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (
        Decimal("236.66"),
        Decimal("38.06"),
        Decimal("274.72"),
    )
    item = delivery.items.filter(line__offer=standard).order_by("device__code").first()
    warranty_return = return_report(
        device=item.device, buyer=buyer, user=buyer_user, fault="Ne s’allume plus"
    )

    # when: the partner refunds it
    settled = return_settle(
        warranty_return=warranty_return, user=partner_user, outcome="refunded", note="Irréparable"
    )

    # then, by hand: 60.00 less its share of the 20 % réfaction, 7.30 × 60 / 180 = 2.4333 →
    # 2.43; basis 57.57, VAT 11.514 → 11.51, 69.08 in all
    note = settled.credit_note
    assert note.is_partial
    pdf = issued_pdf(note.document)
    _filename, xml = facturx.get_xml_from_pdf(pdf, check_xsd=True)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    root = etree.fromstring(xml)
    assert texts(root, "//rsm:ExchangedDocument/ram:ID") == [note.document.number]
    assert texts(root, "//rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert texts(root, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [
        invoice.document.number
    ]
    assert texts(root, "//ram:BilledQuantity") == ["1"]
    assert texts(root, "//ram:LineTotalAmount") == ["60.00", "60.00"]
    assert texts(
        root, "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:AllowanceTotalAmount"
    ) == ["2.43"]
    assert texts(root, "//ram:TaxBasisTotalAmount") == ["57.57"]
    assert texts(root, "//ram:TaxTotalAmount") == ["11.51"]
    assert texts(root, "//ram:GrandTotalAmount") == ["69.08"]
    assert texts(root, "//ram:SpecifiedTradeProduct/ram:Description") == [
        f"Devices: {item.device.code}"
    ]
    text = one_line(pdf)
    assert note.document.number in text
    assert invoice.document.number in text
    assert "Facture créditée en partie" in text
    assert "Irréparable" in text
    assert "69,08" in text
    # the invoice stays issued, and never changed
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.ISSUED

    # when: the rest of the invoice is cancelled
    whole = credit_note_issue(invoice=invoice, user=partner_user, reason="Erreur de prix")

    # then: 2 × 60.00 and 2 × 33.33 less what is left of the réfaction (7.30 − 2.43 = 4.87 at
    # 20 %, 2.70 at 5.5 %): bases 115.13 and 63.96, VAT 23.026 → 23.03 and 3.52; 205.64, and
    # 69.08 + 205.64 = 274.72, the invoice's total
    assert not whole.is_partial
    _filename, xml = facturx.get_xml_from_pdf(issued_pdf(whole.document), check_xsd=True)
    root = etree.fromstring(xml)
    assert texts(root, "//ram:BilledQuantity") == ["2", "2"]
    assert texts(root, "//ram:TaxBasisTotalAmount") == ["179.09"]
    assert texts(root, "//ram:TaxTotalAmount") == ["26.55"]
    assert texts(root, "//ram:GrandTotalAmount") == ["205.64"]
    assert Decimal("69.08") + Decimal("205.64") == invoice.total_incl_vat
    descriptions = " ".join(texts(root, "//ram:SpecifiedTradeProduct/ram:Description"))
    assert item.device.code not in descriptions
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.CANCELLED
    assert invoice.credit_note == whole
    assert CreditNote.objects.filter(invoice=invoice).count() == 2
