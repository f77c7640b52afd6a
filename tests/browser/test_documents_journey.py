"""Certificates within reach, in headless Chromium, in French: a partner requests a device's
erasure certificate and watches it go from « En cours de production » to its download link in
place; the device page lists the documents about it; the batch certificate page is reached from
the erasure page, and its certificate shows its state in the documents list the same way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from documents import services as document_services
from documents.choices import DocumentKind
from documents.models import Document
from documents.services import document_render
from tests.browser.helpers import expect_message, log_in
from tests.reuse.refurbishment import collected_device, erase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_requested_certificate_shows_its_state_then_its_download_in_place(
    french_tab, live_server, monkeypatch, declare, partner, partner_user
):
    url = live_server.url
    # given: two devices the partner collected (their collection note issued) and erased
    devices = [
        collected_device(declare, partner, partner_user, refurbishing=True) for _ in range(2)
    ]
    for index, device in enumerate(devices):
        erase(partner, partner_user, device, serial=f"S3YJNB0K{index}")
    note = Document.objects.filter(kind=DocumentKind.COLLECTION_NOTE).order_by("pk").first()
    assert note.is_issued
    # from now on no worker produces the documents: they stay pending until the test does it
    monkeypatch.setattr(document_services, "enqueue_on_commit", lambda task, *args: None)
    code = devices[0].code
    tab = french_tab()
    log_in(tab, live_server, partner_user)

    # when: the technician opens the device page
    tab.goto(f"{url}/inventory/{code}/")

    # then: its documents are listed, the collection note with its download
    documents = tab.locator("#device-documents")
    expect(documents.locator("h2")).to_have_text("Documents")
    item = documents.locator(f"[data-document='{note.number}']")
    expect(item).to_contain_text("Bon d’enlèvement")
    expect(item.locator(f"a[href='/documents/{note.number}/download/']")).to_be_visible()

    # when: from the erasure page, the certificate is requested
    tab.click(f"a[href='/reuse/devices/{code}/erasure/']")
    tab.click("form:has(input[name=action][value=certificate]) button[type=submit]")

    # then: the message names it, and the certificate is there, being produced
    certificate = Document.objects.get(kind=DocumentKind.ERASURE_CERTIFICATE)
    expect_message(tab, "success", f"Certificat {certificate.number} demandé.")
    state = tab.locator(f"#document-state-{certificate.number}")
    expect(state).to_have_attribute("data-document-state", "pending")
    expect(state).to_contain_text("En cours de production")
    expect(state.locator("a")).to_have_count(0)

    # when: the document is produced
    document_render(document=certificate)

    # then: without reloading, its download appears where its state was
    download_link = state.locator(f"a[href='/documents/{certificate.number}/download/']")
    expect(download_link).to_be_visible(timeout=10_000)
    expect(state).to_have_attribute("data-document-state", "issued")
    with tab.expect_download() as download_info:
        download_link.click()
    assert download_info.value.suggested_filename == f"{certificate.number}.pdf"

    # when: the batch certificate page, linked from the erasure page, certifies both devices
    tab.click("a[href='/reuse/erasure/certificate/']")
    expect(tab.locator("h1")).to_have_text("Certificat d’effacement par lot")
    tab.fill("#id_codes", " ".join(device.code for device in devices))
    tab.click("form:has(#id_codes) button[type=submit]")

    # then: the documents list shows it being produced, then its download, in place
    tab.wait_for_url(re.compile(r"/documents/$"))
    batch = Document.objects.get(kind=DocumentKind.ERASURE_BATCH_CERTIFICATE)
    expect_message(tab, "success", batch.number)
    batch_state = tab.locator(f"#document-state-{batch.number}")
    expect(batch_state).to_have_attribute("data-document-state", "pending")
    document_render(document=batch)
    expect(batch_state.locator(f"a[href='/documents/{batch.number}/download/']")).to_be_visible(
        timeout=10_000
    )
    expect(
        tab.locator(".page-header__actions a[href='/reuse/erasure/certificate/']")
    ).to_be_visible()

    # and the device page lists both certificates with the collection note
    tab.goto(f"{url}/inventory/{code}/")
    for number in (note.number, certificate.number, batch.number):
        expect(documents.locator(f"[data-document='{number}']")).to_have_count(1)
