"""The delivery journey in headless Chromium, in French: from an order to its invoice.

A campaign's closing placed an order of four 24-inch monitors (60 € excl. VAT each, 20 % VAT)
for the FCPE Cachan from the Atelier du Réemploi. The partner's agent opens the orders to
deliver from its deliveries page and prepares a delivery of three of them; the delivery note
is read back from its PDF (the three devices, not the fourth; the totals). The buyer's agent
finds the delivery on its dashboard and admits it, one monitor refused at the door with its
reason; the signed delivery note and the admission record are read back. The partner then
issues the invoice: its PDF is read back (the two admitted monitors, the totals, the refused
one absent), and its embedded Factur-X XML is extracted and validated against the EN 16931
schema.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import facturx
import pytest
from lxml import etree
from playwright.sync_api import expect
from pypdf import PdfReader

from procurement.choices import DeliveryItemOutcome, DeliveryState
from procurement.models import Delivery, Invoice
from tests.browser.helpers import expect_message, log_in
from tests.conftest import SiteFactory
from tests.procurement.conftest import (  # noqa: F401 - the fixtures
    buyer_site,
    buyer_user,
    groupement,
    make_offer,
    open_campaign,
    placed_order,
    ready_devices,
    second_buyer,
    stocked_offer,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NBSP = "\u00a0"
NAMESPACES = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
}


def one_line(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def download(tab, link) -> tuple[str, bytes]:
    """Waits for the document ``link`` (its PDF issued), downloads it: its name and bytes."""
    expect(link).to_be_visible(timeout=20_000)
    with tab.expect_download() as download_info:
        link.click()
    done = download_info.value
    return done.suggested_filename, Path(done.path()).read_bytes()


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return one_line("\n".join(page.extract_text() for page in reader.pages))


def document_link(tab, role: str):
    return tab.locator(f"[data-document-role='{role}'] a[href$='/download/']")


def test_an_order_is_delivered_admitted_with_a_refusal_and_invoiced_in_factur_x(
    french_tab,
    live_server,
    placed_order,  # noqa: F811
    partner,
    partner_user,
    buyer_user,  # noqa: F811
    buyer_site,  # noqa: F811
):
    # given: an order of four monitors, the partner with an address to invoice from
    order = placed_order(4)
    SiteFactory(
        organisation=partner, name="Atelier", address="12 rue Gallieni", postal_code="94200"
    )
    codes = sorted(order.items.values_list("device__code", flat=True))
    delivered, kept_back = codes[:3], codes[3]

    # when: the partner prepares a delivery of three of them from its deliveries page
    partner_tab = french_tab()
    log_in(partner_tab, live_server, partner_user)
    partner_tab.click(".site-nav a[href='/procurement/campaigns/']")
    partner_tab.get_by_role("link", name="Livraisons", exact=True).click()
    partner_tab.wait_for_url(re.compile(r"/procurement/deliveries/$"))
    to_prepare = partner_tab.locator(f"[data-order-to-deliver='{order.pk}']")
    expect(to_prepare).to_contain_text("4 appareils à livrer")
    to_prepare.get_by_role("link", name="Préparer une livraison").click()
    partner_tab.wait_for_url(re.compile(r"/procurement/orders/\d+/deliveries/new/$"))
    expect(partner_tab.locator("h1")).to_have_text("Préparer une livraison à FCPE Cachan")
    partner_tab.uncheck(f"input[name=codes][value='{kept_back}']")
    partner_tab.get_by_role("button", name="Préparer la livraison").click()
    partner_tab.wait_for_url(re.compile(r"/procurement/deliveries/\d+/$"))
    expect_message(
        partner_tab,
        "success",
        f"Livraison de 3 appareils préparée{NBSP}: son bon de livraison est en cours d’émission",
    )

    # then: the delivery note lists the three monitors and their totals
    delivery = Delivery.objects.get()
    name, note = download(partner_tab, document_link(partner_tab, "note"))
    assert re.fullmatch(r"BL-\d{4}-\d{6}\.pdf", name)
    note_text = pdf_text(note)
    for expected in (
        "Bon de livraison",
        "FCPE Cachan",
        "Atelier du Réemploi",
        *delivered,
        "60,00 €",  # each monitor excl. VAT
        "72,00 €",  # and incl. VAT
        "180,00 €",  # the three excl. VAT
        "36,00 €",  # their VAT
        "216,00 €",  # incl. VAT
    ):
        assert expected in note_text, expected
    assert kept_back not in note_text

    # when: the buyer finds it on its dashboard and admits it, one monitor refused at the door
    buyer_tab = french_tab()
    log_in(buyer_tab, live_server, buyer_user)
    buyer_tab.locator(f"[data-delivery-to-admit='{delivery.pk}'] a").click()
    buyer_tab.wait_for_url(re.compile(rf"/procurement/deliveries/{delivery.pk}/$"))
    buyer_tab.get_by_role("link", name="Enregistrer la décision").click()
    buyer_tab.get_by_label("Admission", exact=True).check()
    refused_row = buyer_tab.locator(f"[data-refusal-device='{delivered[0]}']")
    refused_row.locator("input[type=checkbox]").check()
    refused_row.locator("input[type=text]").fill("Écran fissuré")
    buyer_tab.fill("#id_signatory_name", "Claire Dubois")
    buyer_tab.fill("#id_signatory_title", "Présidente")
    buyer_tab.get_by_role("button", name="Enregistrer la décision").click()
    buyer_tab.wait_for_url(re.compile(rf"/procurement/deliveries/{delivery.pk}/$"))
    expect_message(buyer_tab, "success", f"Décision enregistrée{NBSP}:")
    expect(buyer_tab.locator("#delivery-state")).to_have_text("Admise")

    # then: the signed delivery note and the admission record say so
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.ADMITTED
    _name, signed = download(buyer_tab, document_link(buyer_tab, "signed-note"))
    signed_text = pdf_text(signed)
    for expected in (
        "Bon de livraison signé",
        "2 appareils admis.",
        f"{delivered[0]} — Écran fissuré",
        "Claire Dubois",
    ):
        assert expected in signed_text, expected
    name, record = download(buyer_tab, document_link(buyer_tab, "record"))
    assert re.fullmatch(r"PV-\d{4}-\d{6}\.pdf", name)
    record_text = pdf_text(record)
    for expected in ("Procès-verbal d’admission", "Claire Dubois", "Présidente", "Écran fissuré"):
        assert expected in record_text, expected

    # when: the partner issues the invoice from the delivery's page
    partner_tab.reload()
    expect(partner_tab.locator("#delivery-state")).to_have_text("Admise")
    partner_tab.get_by_role("link", name="Émettre la facture").click()
    partner_tab.wait_for_url(re.compile(rf"/procurement/deliveries/{delivery.pk}/invoice/$"))
    partner_tab.fill("#id_iban", "FR76 3000 6000 0112 3456 7890 189")
    partner_tab.get_by_role("button", name="Émettre la facture").click()
    partner_tab.wait_for_url(re.compile(r"/procurement/invoices/$"))
    invoice = Invoice.objects.get()
    expect_message(partner_tab, "success", f"Facture {invoice.document.number} émise{NBSP}:")

    # then: the invoice's PDF: the two admitted monitors, 120 € excl. VAT, 24 € VAT, 144 €
    row = partner_tab.locator(f"tr[data-invoice='{invoice.pk}']")
    name, content = download(partner_tab, row.locator("a[href$='/download/']"))
    assert name == f"{invoice.document.number}.pdf"
    invoice_text = pdf_text(content)
    admitted = sorted(
        delivery.items.filter(outcome=DeliveryItemOutcome.ADMITTED).values_list(
            "device__code", flat=True
        )
    )
    assert admitted == delivered[1:]
    for expected in (
        "Facture",
        invoice.document.number,
        "FCPE Cachan",
        "44306184100013",
        "SERV-INFO",
        "EJ-2026-0042",
        *admitted,
        "Total HT 120,00 €",
        "Total TVA 24,00 €",
        "Total TTC 144,00 €",
        "FR76 3000 6000 0112 3456 7890 189".replace(" ", ""),
    ):
        assert expected in invoice_text, expected
    assert delivered[0] not in invoice_text  # refused at the door: not invoiced
    assert kept_back not in invoice_text

    # and its Factur-X XML, extracted from the PDF, is valid EN 16931 and states the same
    _filename, xml = facturx.get_xml_from_pdf(content, check_xsd=True)
    assert facturx.xml_check_xsd(xml, flavor="factur-x", level="en16931")
    root = etree.fromstring(xml)

    def texts(path):
        return [element.text for element in root.xpath(path, namespaces=NAMESPACES)]

    assert texts("//rsm:ExchangedDocument/ram:ID") == [invoice.document.number]
    assert texts("//ram:BilledQuantity") == ["2"]
    assert texts("//ram:TaxBasisTotalAmount") == ["120.00"]
    assert texts("//ram:TaxTotalAmount") == ["24.00"]
    assert texts("//ram:GrandTotalAmount") == ["144.00"]
    descriptions = " ".join(texts("//ram:SpecifiedTradeProduct/ram:Description"))
    assert all(code in descriptions for code in admitted)
    assert delivered[0] not in descriptions

    # and the buyer finds it in its invoices, to download
    buyer_tab.get_by_role("link", name="Factures", exact=True).click()
    buyer_tab.wait_for_url(re.compile(r"/procurement/invoices/$"))
    expect(
        buyer_tab.locator(f"tr[data-invoice='{invoice.pk}'] a[href$='/download/']")
    ).to_be_visible(timeout=20_000)
