"""The XML of an invoice: UN/CEFACT Cross Industry Invoice (CII D16B), the syntax Factur-X
embeds, in the EN 16931 profile that Chorus Pro accepts.

Elements come in the order the schema sets; what the invoice does not have is left out rather
than written empty. The XML is checked against the schema the ``factur-x`` library ships when
the PDF is made (:func:`documents.facturx.pdf.facturx_pdf`), and the tests check it too.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from lxml import etree

from documents.facturx.invoice import (
    InvalidInvoice,
    Invoice,
    InvoiceLine,
    Party,
    VatCategory,
    amount_text,
    compact,
    number_text,
    price_text,
)

# BT-24: the specification the invoice follows, here EN 16931 itself (Factur-X's EN 16931
# profile; BASIC and EXTENDED name other specifications).
PROFILE_EN16931 = "urn:cen.eu:en16931:2017"
NAMESPACES = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
# ISO 6523 ICD 0002, the French SIRENE register: the scheme of a SIRET in BT-30 and BT-47.
SIRENE_SCHEME = "0002"
VAT_SCHEME = "VA"  # a VAT identification number in BT-31 and BT-48
DATE_FORMAT = "102"  # UNTDID 2379: CCYYMMDD


def invoice_xml(invoice: Invoice, *, number: str, issue_date: datetime.date) -> bytes:
    """The EN 16931 CII XML of the invoice numbered ``number`` (BT-1), issued on
    ``issue_date`` (BT-2), as UTF-8 bytes."""
    if not number.strip():
        message = _("An invoice has a number.")
        raise InvalidInvoice(message, fields={"number": [message]})
    check_issue_date(invoice, issue_date)

    root = etree.Element(_tag("rsm:CrossIndustryInvoice"), nsmap=NAMESPACES)
    context = _element(root, "rsm:ExchangedDocumentContext")
    guideline = _element(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    _element(guideline, "ram:ID", PROFILE_EN16931)

    header = _element(root, "rsm:ExchangedDocument")
    _element(header, "ram:ID", number)
    _element(header, "ram:TypeCode", str(invoice.type_code))
    _date(header, "ram:IssueDateTime", issue_date)
    for note in invoice.notes:
        included = _element(header, "ram:IncludedNote")
        _element(included, "ram:Content", note.text)
        if note.subject_code:
            _element(included, "ram:SubjectCode", note.subject_code)

    transaction = _element(root, "rsm:SupplyChainTradeTransaction")
    for line in invoice.lines:
        _line(transaction, line)
    _agreement(transaction, invoice)
    delivery = _element(transaction, "ram:ApplicableHeaderTradeDelivery")
    if invoice.delivery_date is not None:
        event = _element(delivery, "ram:ActualDeliverySupplyChainEvent")
        _date(event, "ram:OccurrenceDateTime", invoice.delivery_date)
    _settlement(transaction, invoice)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def check_issue_date(invoice: Invoice, issue_date: datetime.date) -> None:
    """Refuse to issue the invoice on ``issue_date`` when its due date is earlier."""
    if invoice.due_date is not None and invoice.due_date < issue_date:
        message = _("The due date is before the date of the invoice.")
        raise InvalidInvoice(message, fields={"due_date": [message]})


def _line(transaction: etree._Element, line: InvoiceLine) -> None:
    item = _element(transaction, "ram:IncludedSupplyChainTradeLineItem")
    _element(_element(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line.identifier)
    product = _element(item, "ram:SpecifiedTradeProduct")
    if line.seller_item_id:
        _element(product, "ram:SellerAssignedID", line.seller_item_id)
    _element(product, "ram:Name", line.name)
    if line.description:
        _element(product, "ram:Description", line.description)
    agreement = _element(item, "ram:SpecifiedLineTradeAgreement")
    net_price = _element(agreement, "ram:NetPriceProductTradePrice")
    _element(net_price, "ram:ChargeAmount", price_text(line.unit_price))
    delivery = _element(item, "ram:SpecifiedLineTradeDelivery")
    _element(delivery, "ram:BilledQuantity", number_text(line.quantity), unitCode=line.unit_code)
    settlement = _element(item, "ram:SpecifiedLineTradeSettlement")
    tax = _element(settlement, "ram:ApplicableTradeTax")
    _element(tax, "ram:TypeCode", "VAT")
    _element(tax, "ram:CategoryCode", str(line.vat_category))
    _element(tax, "ram:RateApplicablePercent", number_text(line.vat_rate))
    summation = _element(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
    _element(summation, "ram:LineTotalAmount", amount_text(line.net_amount))


def _agreement(transaction: etree._Element, invoice: Invoice) -> None:
    agreement = _element(transaction, "ram:ApplicableHeaderTradeAgreement")
    if invoice.buyer_reference:
        _element(agreement, "ram:BuyerReference", invoice.buyer_reference)
    _party(agreement, "ram:SellerTradeParty", invoice.seller)
    _party(agreement, "ram:BuyerTradeParty", invoice.buyer)
    if invoice.purchase_order_reference:
        order = _element(agreement, "ram:BuyerOrderReferencedDocument")
        _element(order, "ram:IssuerAssignedID", invoice.purchase_order_reference)
    if invoice.contract_reference:
        contract = _element(agreement, "ram:ContractReferencedDocument")
        _element(contract, "ram:IssuerAssignedID", invoice.contract_reference)


def _party(agreement: etree._Element, tag: str, party: Party) -> None:
    element = _element(agreement, tag)
    _element(element, "ram:Name", party.name)
    legal = _element(element, "ram:SpecifiedLegalOrganization")
    _element(legal, "ram:ID", party.siret, schemeID=SIRENE_SCHEME)
    address = _element(element, "ram:PostalTradeAddress")
    _element(address, "ram:PostcodeCode", party.address.postcode)
    _element(address, "ram:LineOne", party.address.line_one)
    if party.address.line_two:
        _element(address, "ram:LineTwo", party.address.line_two)
    _element(address, "ram:CityName", party.address.city)
    _element(address, "ram:CountryID", party.address.country_code)
    if party.vat_number:
        registration = _element(element, "ram:SpecifiedTaxRegistration")
        _element(registration, "ram:ID", compact(party.vat_number), schemeID=VAT_SCHEME)


def _settlement(transaction: etree._Element, invoice: Invoice) -> None:
    settlement = _element(transaction, "ram:ApplicableHeaderTradeSettlement")
    _element(settlement, "ram:InvoiceCurrencyCode", invoice.currency)
    if invoice.payment_means is not None:
        means = _element(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
        _element(means, "ram:TypeCode", str(invoice.payment_means.code))
        if invoice.payment_means.iban:
            account = _element(means, "ram:PayeePartyCreditorFinancialAccount")
            _element(account, "ram:IBANID", compact(invoice.payment_means.iban))
    totals = invoice.totals
    for vat in totals.vat_breakdown:
        tax = _element(settlement, "ram:ApplicableTradeTax")
        _element(tax, "ram:CalculatedAmount", amount_text(vat.amount))
        _element(tax, "ram:TypeCode", "VAT")
        if vat.category == VatCategory.EXEMPT:
            _element(tax, "ram:ExemptionReason", vat.exemption_reason)
        _element(tax, "ram:BasisAmount", amount_text(vat.basis))
        _element(tax, "ram:CategoryCode", vat.category)
        _element(tax, "ram:RateApplicablePercent", number_text(vat.rate))
    for allowance in invoice.allowances:
        charge = _element(settlement, "ram:SpecifiedTradeAllowanceCharge")
        _element(_element(charge, "ram:ChargeIndicator"), "udt:Indicator", "false")
        _element(charge, "ram:ActualAmount", amount_text(allowance.amount))
        if allowance.reason_code:
            _element(charge, "ram:ReasonCode", allowance.reason_code)
        _element(charge, "ram:Reason", allowance.reason)
        tax = _element(charge, "ram:CategoryTradeTax")
        _element(tax, "ram:TypeCode", "VAT")
        _element(tax, "ram:CategoryCode", str(allowance.vat_category))
        _element(tax, "ram:RateApplicablePercent", number_text(allowance.vat_rate))
    if invoice.payment_terms or invoice.due_date is not None:
        terms = _element(settlement, "ram:SpecifiedTradePaymentTerms")
        if invoice.payment_terms:
            _element(terms, "ram:Description", invoice.payment_terms)
        if invoice.due_date is not None:
            _date(terms, "ram:DueDateDateTime", invoice.due_date)
    summation = _element(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _element(summation, "ram:LineTotalAmount", amount_text(totals.line_total))
    _element(summation, "ram:AllowanceTotalAmount", amount_text(totals.allowance_total))
    _element(summation, "ram:TaxBasisTotalAmount", amount_text(totals.tax_basis_total))
    _element(
        summation, "ram:TaxTotalAmount", amount_text(totals.tax_total), currencyID=invoice.currency
    )
    _element(summation, "ram:GrandTotalAmount", amount_text(totals.grand_total))
    _element(summation, "ram:DuePayableAmount", amount_text(totals.due_payable))
    preceding = invoice.preceding_invoice
    if preceding is not None:
        reference = _element(settlement, "ram:InvoiceReferencedDocument")
        _element(reference, "ram:IssuerAssignedID", preceding.number)
        if preceding.issue_date is not None:
            issued = _element(reference, "ram:FormattedIssueDateTime")
            _element(
                issued,
                "qdt:DateTimeString",
                preceding.issue_date.strftime("%Y%m%d"),
                format=DATE_FORMAT,
            )


def _tag(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NAMESPACES[prefix]}}}{local}"


def _element(
    parent: etree._Element, name: str, text: str | None = None, **attributes: str
) -> etree._Element:
    element = etree.SubElement(parent, _tag(name), attributes)
    if text is not None:
        element.text = text
    return element


def _date(parent: etree._Element, name: str, value: datetime.date) -> None:
    wrapper = _element(parent, name)
    _element(wrapper, "udt:DateTimeString", value.strftime("%Y%m%d"), format=DATE_FORMAT)
