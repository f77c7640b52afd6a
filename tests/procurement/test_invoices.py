"""Invoices of admitted deliveries and their credit notes: totals with a réfaction over two
VAT rates computed by hand, the Factur-X XML validated against the schema and read back from
the PDF, the refusals with nothing changed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import facturx
import pytest
from django.utils import timezone
from lxml import etree

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from documents.choices import DocumentKind, DocumentState
from documents.models import Document
from documents.services import document_render
from procurement.choices import AdmissionDecision, InvoiceState
from procurement.models import CreditNote, Invoice
from procurement.services import (
    campaign_close,
    commitment_submit,
    credit_note_issue,
    delivery_decide,
    delivery_prepare,
    invoice_issue,
)
from procurement.services.invoices import french_vat_number, reduction_allowances
from tests.conftest import SiteFactory
from tests.procurement.conftest import BUYER_SIRET, PARTNER_SIRET, tiers

pytestmark = pytest.mark.django_db

NAMESPACES = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


def today() -> datetime.date:
    return timezone.localdate()


@pytest.fixture
def two_rate_order(
    stocked_offer, open_campaign, partner, buyer, buyer_user, buyer_site, territory_user
):
    """An order of 3 monitors at 60.00 € (20 % VAT) and 2 at 33.33 € (5.5 % VAT), the
    partner with its SIRET and an address."""
    partner.siret = PARTNER_SIRET
    partner.save(update_fields=["siret"])
    SiteFactory(
        organisation=partner, name="Atelier", address="12 rue Gallieni", postal_code="94200"
    )
    standard = stocked_offer(3)
    reduced = stocked_offer(
        2, title="Écran 27 pouces", vat_rate=Decimal("5.5"), price_tiers=tiers((1, "33.33"))
    )
    campaign = open_campaign(standard, reduced)
    commitment_submit(
        campaign=campaign,
        buyer=buyer,
        user=buyer_user,
        quantities={standard: 3, reduced: 2},
        delivery_site=buyer_site,
        contact_name="Nadia Benali",
        contact_email="nadia@example.org",
        siret=BUYER_SIRET,
        service_code="SERV-INFO",
        engagement_number="EJ-2026-0042",
    )
    campaign_close(campaign=campaign, user=territory_user)
    return campaign.orders.get(buyer=buyer), standard, reduced


def admitted_delivery(order, partner_user, buyer_user, buyer_site, **decision):
    delivery = delivery_prepare(
        order=order, user=partner_user, site=buyer_site, delivery_date=today()
    )
    delivery_decide(
        delivery=delivery,
        user=buyer_user,
        decision=decision.pop("decision", AdmissionDecision.ADMISSION),
        decided_on=today(),
        signatory_name="Claire Dubois",
        **decision,
    )
    delivery.refresh_from_db()
    return delivery


def snapshot() -> tuple:
    return (
        sorted(Invoice.objects.values_list("pk", "state")),
        CreditNote.objects.count(),
        Document.objects.filter(kind__in=[DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE]).count(),
    )


def issued_pdf(document: Document) -> bytes:
    document = document_render(document=Document.objects.get(pk=document.pk))
    assert document.state == DocumentState.ISSUED
    return document.file.read()


def test_the_vat_number_is_derived_from_the_siren():
    assert french_vat_number("812345676") == "FR19812345676"
    assert french_vat_number("219400165") == "FR23219400165"


def test_a_reduction_is_shared_between_the_vat_rates_to_the_cent():
    # 10.00 over 120.00 at 20 % and 66.66 at 5.5 %: 10 × 120 / 186.66 = 6.4288 → 6.43, rest 3.57
    allowances = reduction_allowances(
        Decimal("10.00"),
        {Decimal("20"): Decimal("120.00"), Decimal("5.5"): Decimal("66.66")},
        reason="Rayures",
    )
    assert [(a.vat_rate, a.amount) for a in allowances] == [
        (Decimal("20"), Decimal("6.43")),
        (Decimal("5.5"), Decimal("3.57")),
    ]


def test_the_invoice_of_an_admission_with_a_reduction_and_two_vat_rates(
    two_rate_order, partner_user, buyer_user, buyer_site, partner, buyer
):
    # given: one 60 € monitor refused at the door, a réfaction of 10.00 € excl. VAT
    order, standard, _reduced = two_rate_order
    refused = order.items.filter(line__offer=standard).order_by("device__code").first()
    delivery = admitted_delivery(
        order,
        partner_user,
        buyer_user,
        buyer_site,
        decision=AdmissionDecision.REDUCTION,
        reduction_amount="10.00",
        reason="Rayures",
        refusals={refused.device.code: "Écran fissuré"},
    )

    # when
    invoice = invoice_issue(
        delivery=delivery, user=partner_user, iban="FR76 3000 6000 0112 3456 7890 189"
    )

    # then, by hand: 2 × 60.00 = 120.00 at 20 %, 2 × 33.33 = 66.66 at 5.5 %, 186.66 in all;
    # the réfaction 6.43 at 20 % and 3.57 at 5.5 %; bases 113.57 and 63.09;
    # VAT 113.57 × 20 % = 22.714 → 22.71 and 63.09 × 5.5 % = 3.46995 → 3.47
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (
        Decimal("176.66"),
        Decimal("26.18"),
        Decimal("202.84"),
    )
    assert (invoice.partner, invoice.buyer, invoice.state) == (partner, buyer, InvoiceState.ISSUED)
    assert invoice.due_on == today() + datetime.timedelta(days=30)
    document = invoice.document
    assert document.kind == DocumentKind.INVOICE
    assert document.number.startswith(f"FA-{today().year}-")
    # the XML, read back from the PDF, valid against the Factur-X EN 16931 schema
    _filename, xml = facturx.get_xml_from_pdf(issued_pdf(document), check_xsd=True)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    root = etree.fromstring(xml)

    def texts(path):
        return [element.text for element in root.xpath(path, namespaces=NAMESPACES)]

    assert texts("//rsm:ExchangedDocument/ram:ID") == [document.number]
    assert texts("//rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert texts("//ram:BuyerReference") == ["SERV-INFO"]
    assert texts("//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == ["EJ-2026-0042"]
    assert PARTNER_SIRET in texts("//ram:SellerTradeParty//ram:ID") + texts(
        "//ram:SellerTradeParty//ram:GlobalID"
    )
    assert BUYER_SIRET in texts("//ram:BuyerTradeParty//ram:ID") + texts(
        "//ram:BuyerTradeParty//ram:GlobalID"
    )
    assert texts("//ram:BilledQuantity") == ["2", "2"]
    assert texts("//ram:LineTotalAmount") == ["120.00", "66.66", "186.66"]
    assert texts(
        "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:AllowanceTotalAmount"
    ) == ["10.00"]
    assert texts("//ram:TaxBasisTotalAmount") == ["176.66"]
    assert texts("//ram:TaxTotalAmount") == ["26.18"]
    assert texts("//ram:GrandTotalAmount") == ["202.84"]
    assert texts("//ram:DuePayableAmount") == ["202.84"]
    # the admitted devices' codes listed on their line, not the refused one
    descriptions = " ".join(texts("//ram:SpecifiedTradeProduct/ram:Description"))
    for item in delivery.items.filter(outcome="admitted"):
        assert item.device.code in descriptions
    assert refused.device.code not in descriptions


def test_a_delivery_not_admitted_is_not_invoiced(
    two_rate_order, partner_user, buyer_user, buyer_site
):
    order, _standard, _reduced = two_rate_order
    delivery = delivery_prepare(
        order=order, user=partner_user, site=buyer_site, delivery_date=today()
    )
    before = snapshot()
    with pytest.raises(TransitionNotAllowed) as refusal:
        invoice_issue(delivery=delivery, user=partner_user)
    assert refusal.value.code == "delivery_not_admitted"
    delivery_decide(
        delivery=delivery,
        user=buyer_user,
        decision=AdmissionDecision.REJECTION,
        decided_on=today(),
        signatory_name="Claire Dubois",
        reason="Mauvais modèle",
    )
    with pytest.raises(TransitionNotAllowed) as refusal:
        invoice_issue(delivery=delivery, user=partner_user)
    assert refusal.value.code == "delivery_not_admitted"
    assert snapshot() == before


def test_only_the_partner_invoices_and_a_bad_iban_is_refused(
    two_rate_order, partner_user, buyer_user, other_partner_user, territory_user, buyer_site
):
    order, _standard, _reduced = two_rate_order
    delivery = admitted_delivery(order, partner_user, buyer_user, buyer_site)
    before = snapshot()
    for user in (buyer_user, other_partner_user, territory_user):
        with pytest.raises(PermissionDenied):
            invoice_issue(delivery=delivery, user=user)
    with pytest.raises(ValidationFailed) as refusal:
        invoice_issue(delivery=delivery, user=partner_user, iban="FR00 1234")
    assert "payment_means.iban" in refusal.value.fields
    assert snapshot() == before


def test_a_credit_note_cancels_an_invoice_which_is_then_issued_again(
    two_rate_order, partner_user, buyer_user, buyer_site
):
    # given: an issued invoice, its PDF produced
    order, _standard, _reduced = two_rate_order
    delivery = admitted_delivery(order, partner_user, buyer_user, buyer_site)
    invoice = invoice_issue(delivery=delivery, user=partner_user)
    issued_pdf(invoice.document)
    invoice.document.refresh_from_db()
    sha256 = invoice.document.sha256
    before = snapshot()
    with pytest.raises(TransitionNotAllowed) as refusal:
        invoice_issue(delivery=delivery, user=partner_user)
    assert refusal.value.code == "delivery_invoiced"
    with pytest.raises(PermissionDenied):
        credit_note_issue(invoice=invoice, user=buyer_user, reason="Erreur")
    with pytest.raises(ValidationFailed):
        credit_note_issue(invoice=invoice, user=partner_user, reason=" ")
    assert snapshot() == before

    # when
    credit_note = credit_note_issue(invoice=invoice, user=partner_user, reason="Erreur de prix")

    # then: the invoice cancelled, unchanged; the credit note names it, same amounts
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.CANCELLED
    assert Document.objects.get(pk=invoice.document_id).sha256 == sha256
    assert credit_note.document.kind == DocumentKind.CREDIT_NOTE
    assert credit_note.document.number.startswith(f"AV-{today().year}-")
    _filename, xml = facturx.get_xml_from_pdf(issued_pdf(credit_note.document), check_xsd=True)
    root = etree.fromstring(xml)
    assert root.xpath("//rsm:ExchangedDocument/ram:TypeCode/text()", namespaces=NAMESPACES) == [
        "381"
    ]
    assert root.xpath(
        "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()", namespaces=NAMESPACES
    ) == [invoice.document.number]
    assert root.xpath("//ram:GrandTotalAmount/text()", namespaces=NAMESPACES) == [
        str(invoice.total_incl_vat)
    ]
    with pytest.raises(TransitionNotAllowed) as refusal:
        credit_note_issue(invoice=invoice, user=partner_user, reason="Encore")
    assert refusal.value.code == "invoice_cancelled"
    # the delivery invoiced again, under the next number of the series
    again = invoice_issue(delivery=delivery, user=partner_user)
    assert again.document.sequence == invoice.document.sequence + 1
    assert again.total_incl_vat == invoice.total_incl_vat
