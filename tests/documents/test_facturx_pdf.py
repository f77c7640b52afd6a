"""The Factur-X PDF: the readable invoice rendered by WeasyPrint as PDF/A-3, its EN 16931 XML
read back from the attachment, its XMP metadata, and the documents pipeline that issues it."""

from __future__ import annotations

import datetime
import hashlib
import io

import facturx
import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from lxml import etree
from pypdf import PdfReader

from common.errors import ValidationFailed
from documents.choices import DocumentKind, DocumentState
from documents.facturx import (
    PDF_VARIANT,
    InvalidInvoice,
    facturx_pdf,
    invoice_context,
    invoice_xml,
)
from documents.models import Document, DocumentSequence
from documents.rendering import html_to_pdf
from documents.services import document_render, document_request
from tests.documents.conftest import (
    BUYER_SIRET,
    SELLER_SIRET,
    credit_note,
    laptops_invoice,
    pdf_text,
)
from tests.french_typography import french_faults

XMP_NAMESPACES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
}
ISSUED_ON = datetime.date(2026, 3, 12)


def readable_invoice(invoice, *, number: str, language: str = "fr") -> bytes:
    """The invoice's page, as the documents pipeline renders it, in PDF/A-3b."""
    with translation.override(language):
        html = render_to_string(
            "documents/facturx_invoice.html",
            {
                "facturx": invoice_context(invoice),
                "document": {"number": number, "requested_on": ISSUED_ON},
            },
        )
    return html_to_pdf(html, pdf_variant=PDF_VARIANT)


def xmp(content: bytes) -> etree._Element:
    catalog = PdfReader(io.BytesIO(content)).trailer["/Root"]
    return etree.fromstring(catalog["/Metadata"].get_object().get_data())


def xmp_value(content: bytes, path: str) -> list[str]:
    return [element.text for element in xmp(content).xpath(path, namespaces=XMP_NAMESPACES)]


def test_the_factur_x_pdf_carries_its_xml_and_declares_pdf_a_3_and_en16931():
    # given
    invoice = laptops_invoice()
    xml = invoice_xml(invoice, number="FA-2026-000001", issue_date=ISSUED_ON)
    pdf = readable_invoice(invoice, number="FA-2026-000001")

    # when
    content = facturx_pdf(
        pdf,
        xml,
        title="Facture FA-2026-000001",
        author="Atelier du Réemploi",
        subject="Facture FA-2026-000001",
        language="fr",
    )

    # then: the XML comes back whole from the attachment
    assert facturx.get_xml_from_pdf(content, check_xsd=True) == ("factur-x.xml", xml)
    # the XMP metadata declares PDF/A-3 (level B) and Factur-X EN 16931
    assert xmp_value(content, "//pdfaid:part") == ["3"]
    assert xmp_value(content, "//pdfaid:conformance") == ["B"]
    assert xmp_value(content, "//fx:DocumentType") == ["INVOICE"]
    assert xmp_value(content, "//fx:DocumentFileName") == ["factur-x.xml"]
    assert xmp_value(content, "//fx:ConformanceLevel") == ["EN 16931"]
    assert xmp_value(content, "//fx:Version") == ["1.0"]
    # the XML is an associated file of the document, as data; the PDF/A output intent stays
    catalog = PdfReader(io.BytesIO(content)).trailer["/Root"]
    (filespec,) = [reference.get_object() for reference in catalog["/AF"]]
    assert filespec["/AFRelationship"] == "/Data"
    assert filespec["/F"] == "factur-x.xml"
    assert filespec["/EF"]["/F"].get_object()["/Subtype"] == "/text/xml"
    assert [intent.get_object()["/S"] for intent in catalog["/OutputIntents"]] == ["/GTS_PDFA1"]
    assert catalog["/Lang"] == "fr"
    info = PdfReader(io.BytesIO(content)).metadata
    assert (info.title, info.author) == ("Facture FA-2026-000001", "Atelier du Réemploi")


def test_the_readable_invoice_shows_the_amounts_of_the_xml_in_french():
    # given
    invoice = laptops_invoice()

    # when
    text = pdf_text(readable_invoice(invoice, number="FA-2026-000001"))

    # then
    flat = " ".join(text.split())
    assert "Facture" in flat
    assert "FA-2026-000001" in flat
    assert SELLER_SIRET in flat
    assert BUYER_SIRET in flat
    assert "Code service SERV-INFORMATIQUE" in flat
    assert "Numéro d’engagement ENG-2026-0042" in flat
    assert "Réfaction : rayures sur deux écrans" in flat
    assert "5,5 % 299,00 16,45" in flat
    assert "20 % 1 354,57 270,91" in flat
    assert "Total HT 1 653,57 €" in flat
    assert "Total TVA 287,36 €" in flat
    assert "Net à payer 1 940,93 €" in flat
    assert "Date d’échéance 11 avril 2026" in flat
    assert "FR76 3000 6000 0112 3456 7890 189" in flat
    assert french_faults(text) == []


def test_the_readable_credit_note_names_the_invoice_it_cancels():
    # when
    text = pdf_text(readable_invoice(credit_note(), number="AV-2026-000001"))

    # then
    flat = " ".join(text.split())
    assert "Avoir" in flat
    assert "Facture annulée FA-2026-000001 du 12 mars 2026" in flat
    assert "Montant de l’avoir 1 940,93 €" in flat


def test_an_xml_the_schema_refuses_is_not_embedded():
    # given: an XML without its type code (BT-3)
    xml = invoice_xml(laptops_invoice(), number="FA-2026-000001", issue_date=ISSUED_ON)
    broken = xml.replace(b"<ram:TypeCode>380</ram:TypeCode>", b"")
    pdf = readable_invoice(laptops_invoice(), number="FA-2026-000001")

    # when / then
    with pytest.raises(Exception, match="not valid against the official XML Schema"):
        facturx_pdf(pdf, broken, title="T", author="A", subject="S", language="fr")


# The documents pipeline --------------------------------------------------------------------
# No kind of document is an invoice yet (procurement adds them): a delivery note carries one.


def test_a_requested_invoice_is_issued_as_a_factur_x_under_the_documents_number(
    partner, commune, partner_user, django_capture_on_commit_callbacks
):
    # given
    today = timezone.localdate()
    invoice = laptops_invoice(due_date=today + datetime.timedelta(days=30))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(
            kind=DocumentKind.DELIVERY_NOTE,
            owner=partner,
            counterpart=commune,
            title="Facture de la livraison à Cachan",
            template="documents/facturx_invoice.html",
            context={},
            created_by=partner_user,
            facturx_invoice=invoice,
        )

    # then
    document.refresh_from_db()
    content = document.file.read()
    assert document.state == DocumentState.ISSUED
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.context["facturx"] == invoice_context(invoice)
    name, xml = facturx.get_xml_from_pdf(content, check_xsd=True)
    assert name == "factur-x.xml"
    assert xml == invoice_xml(invoice, number=document.number, issue_date=today)
    assert xmp_value(content, "//pdfaid:part") == ["3"]
    assert xmp_value(content, "//fx:ConformanceLevel") == ["EN 16931"]
    flat = " ".join(pdf_text(content).split())
    assert document.number in flat
    assert "Net à payer 1 940,93 €" in flat


def test_other_documents_stay_plain_pdfs(request_collection_note):
    # given
    document, _ = request_collection_note(1)

    # when
    content = document_render(document=document).file.read()

    # then: no PDF/A metadata, no attachment
    catalog = PdfReader(io.BytesIO(content)).trailer["/Root"]
    assert "/AF" not in catalog
    assert "/OutputIntents" not in catalog
    assert facturx.get_xml_from_pdf(content, check_xsd=False) == (False, False)


def test_an_invoice_due_before_today_is_refused_before_it_takes_a_number(
    partner, partner_user, django_capture_on_commit_callbacks
):
    # given
    invoice = laptops_invoice(due_date=timezone.localdate() - datetime.timedelta(days=1))

    # when
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(InvalidInvoice) as refusal,
    ):
        document_request(
            kind=DocumentKind.DELIVERY_NOTE,
            owner=partner,
            title="Facture",
            template="documents/facturx_invoice.html",
            context={},
            created_by=partner_user,
            facturx_invoice=invoice,
        )

    # then
    assert refusal.value.fields == {"due_date": ["The due date is before the date of the invoice."]}
    assert callbacks == []
    assert Document.objects.count() == 0
    assert DocumentSequence.objects.count() == 0


def test_the_facturx_key_of_a_context_is_kept_for_the_invoice(partner, partner_user):
    # when
    with pytest.raises(ValidationFailed) as refusal:
        document_request(
            kind=DocumentKind.DELIVERY_NOTE,
            owner=partner,
            title="Livraison",
            template="documents/base_document.html",
            context={"facturx": {"type_code": "380"}},
            created_by=partner_user,
        )

    # then
    assert refusal.value.code == "facturx_context_reserved"
    assert Document.objects.count() == 0
