"""Requested documents show their state in place and their download once issued; a device's
page and its erasure page list the documents about it that the organisation may read; the
batch certificate page is reachable from the pages that need it."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.choices import DocumentKind
from documents.models import Document, DocumentDevice
from documents.selectors import documents_about_device
from documents.services import document_render
from inventory.labels import label_sheet_request
from reuse.services import erasure_certificate_issue
from tests.reuse.refurbishment import collected_device, erase


def passport_url(code: str) -> str:
    return f"https://boucle.example/d/{code}/"


def certified_device(declare, partner, partner_user):
    """A device collected (with its collection note) and erased, its certificate requested."""
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    erase(partner, partner_user, device)
    certificate = erasure_certificate_issue(partner=partner, user=partner_user, device=device)
    return device, certificate


@pytest.mark.django_db
def test_documents_record_the_devices_they_are_about(declare, partner, partner_user, commune):
    # given
    device, certificate = certified_device(declare, partner, partner_user)
    other = collected_device(declare, partner, partner_user)

    # when
    sheet = label_sheet_request(
        organisation=partner,
        codes=[device.code, other.code],
        layout="3x8",
        user=partner_user,
        passport_url=passport_url,
    )

    # then: each document knows its devices by code
    note = Document.objects.filter(kind=DocumentKind.COLLECTION_NOTE).order_by("pk").first()
    assert list(note.device_links.values_list("device_code", flat=True)) == [device.code]
    assert list(certificate.device_links.values_list("device_code", flat=True)) == [device.code]
    assert sorted(sheet.device_links.values_list("device_code", flat=True)) == sorted(
        [device.code, other.code]
    )
    about = documents_about_device(device_code=device.code, organisations=[partner])
    assert {document.number for document in about} == {
        note.number,
        certificate.number,
        sheet.number,
    }
    # the commune, counterpart of the note and the certificate, never reads the partner's sheet
    about_commune = documents_about_device(device_code=device.code, organisations=[commune])
    assert {document.number for document in about_commune} == {note.number, certificate.number}


@pytest.mark.django_db
def test_the_erasure_page_shows_the_requested_certificate_in_place(
    declare, partner, partner_user, page_client
):
    # given: the holder requests the certificate of an erased device
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    erase(partner, partner_user, device)
    client = page_client(partner_user)
    requested = client.post(f"/reuse/devices/{device.code}/erasure/", {"action": "certificate"})
    certificate = Document.objects.get(kind=DocumentKind.ERASURE_CERTIFICATE)

    # when
    pending = client.get(requested["Location"]).content.decode()

    # then: the certificate is listed, being produced, and asks again for its state
    assert f'data-document="{certificate.number}"' in pending
    assert 'data-document-state="pending"' in pending
    assert f'hx-get="/documents/{certificate.number}/state/"' in pending
    assert f'href="/documents/{certificate.number}/download/"' not in pending

    # when: it is issued, and htmx asks for its state
    document_render(document=certificate)
    state = client.get(f"/documents/{certificate.number}/state/", HTTP_HX_REQUEST="true")

    # then: its download is offered where it is, and it stops asking
    html = state.content.decode()
    assert state.status_code == 200
    assert 'data-document-state="issued"' in html
    assert f'href="/documents/{certificate.number}/download/"' in html
    assert "hx-get" not in html


@pytest.mark.django_db
def test_the_state_of_a_document_is_hidden_from_other_organisations(
    declare, partner, partner_user, other_partner_user, page_client
):
    # given
    _device, certificate = certified_device(declare, partner, partner_user)

    # when
    response = page_client(other_partner_user).get(f"/documents/{certificate.number}/state/")

    # then
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_device_page_lists_the_documents_about_it_the_organisation_may_read(
    declare, partner, partner_user, commune_user, page_client
):
    # given: a collection note and a certificate (the commune is party to both) and a label
    # sheet printed by the partner (its own)
    device, certificate = certified_device(declare, partner, partner_user)
    sheet = label_sheet_request(
        organisation=partner,
        codes=[device.code],
        layout="3x8",
        user=partner_user,
        passport_url=passport_url,
    )
    note = Document.objects.get(kind=DocumentKind.COLLECTION_NOTE)

    # when
    as_partner = page_client(partner_user).get(f"/inventory/{device.code}/").content.decode()
    as_commune = page_client(commune_user).get(f"/inventory/{device.code}/").content.decode()

    # then
    for document in (note, certificate, sheet):
        assert f'data-document="{document.number}"' in as_partner
    assert f'data-document="{note.number}"' in as_commune
    assert f'data-document="{certificate.number}"' in as_commune
    assert f'data-document="{sheet.number}"' not in as_commune


@pytest.mark.django_db
def test_the_device_page_costs_the_same_queries_for_one_or_many_documents(
    declare, partner, partner_user, page_client, django_assert_num_queries
):
    # given
    device, _certificate = certified_device(declare, partner, partner_user)
    client = page_client(partner_user)
    with CaptureQueriesContext(connection) as one:
        client.get(f"/inventory/{device.code}/")
    for _ in range(4):
        label_sheet_request(
            organisation=partner,
            codes=[device.code],
            layout="3x8",
            user=partner_user,
            passport_url=passport_url,
        )

    # when / then
    with django_assert_num_queries(len(one)):
        response = client.get(f"/inventory/{device.code}/")
    assert len(response.context["documents"]) == 6


@pytest.mark.django_db
def test_the_batch_certificate_page_is_linked_from_the_pages_that_need_it(
    declare, partner, partner_user, page_client
):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    client = page_client(partner_user)
    link = 'href="/reuse/erasure/certificate/"'

    # when
    pages = {
        path: client.get(path).content.decode()
        for path in (
            f"/reuse/devices/{device.code}/erasure/",
            f"/reuse/devices/{device.code}/refurbishment/",
            "/documents/",
        )
    }

    # then
    assert {path: link in html for path, html in pages.items()} == dict.fromkeys(pages, True)
    batch = client.get("/reuse/erasure/certificate/").content.decode()
    assert 'href="/documents/?kind=erasure_batch_certificate"' in batch


@pytest.mark.django_db
def test_the_documents_list_shows_a_pending_document_polling_for_its_state(
    declare, partner, partner_user, page_client
):
    # given
    _device, certificate = certified_device(declare, partner, partner_user)

    # when
    html = page_client(partner_user).get("/documents/").content.decode()

    # then
    assert f'hx-get="/documents/{certificate.number}/state/"' in html


@pytest.mark.django_db
def test_the_migration_reads_the_devices_back_from_issued_documents(declare, partner, partner_user):
    # given: documents requested before documents kept their devices
    device, certificate = certified_device(declare, partner, partner_user)
    DocumentDevice.objects.all().delete()
    migration = importlib.import_module("documents.migrations.0004_documentdevice")

    # when
    from django.apps import apps

    migration.link_devices(apps, None)

    # then
    about = documents_about_device(device_code=device.code, organisations=[partner])
    assert {document.kind for document in about} == {
        DocumentKind.COLLECTION_NOTE,
        DocumentKind.ERASURE_CERTIFICATE,
    }
    assert certificate in about


@pytest.mark.django_db
def test_a_pending_collection_note_and_its_download_page_show_its_state_in_place(
    declare, partner, partner_user, page_client
):
    # given: a collection whose note is still being produced
    device = collected_device(declare, partner, partner_user)
    note = Document.objects.get(kind=DocumentKind.COLLECTION_NOTE)
    assert note.state == "pending"
    client = page_client(partner_user)
    collection = device.collection_item.collection

    # when
    detail = client.get(f"/reuse/collections/{collection.pk}/").content.decode()
    download = client.get(f"/documents/{note.number}/download/")

    # then: both ask for its state until it is issued, when its download appears there
    poll = f'hx-get="/documents/{note.number}/state/"'
    assert poll in detail
    assert download.status_code == 409
    assert poll in download.content.decode()


@pytest.mark.django_db
def test_the_erasure_page_costs_the_same_queries_for_one_or_many_documents(
    declare, partner, partner_user, page_client, django_assert_num_queries
):
    # given
    device, _certificate = certified_device(declare, partner, partner_user)
    client = page_client(partner_user)
    with CaptureQueriesContext(connection) as one:
        client.get(f"/reuse/devices/{device.code}/erasure/")
    for _ in range(3):
        erasure_certificate_issue(partner=partner, user=partner_user, device=device)

    # when / then
    with django_assert_num_queries(len(one)):
        response = client.get(f"/reuse/devices/{device.code}/erasure/")
    assert len(response.context["documents"]) == 5


@pytest.mark.django_db
def test_the_api_lists_the_documents_about_a_device(
    declare, partner, partner_user, commune_user, client_for
):
    # given
    device, certificate = certified_device(declare, partner, partner_user)
    other = collected_device(declare, partner, partner_user)
    note = Document.objects.get(
        kind=DocumentKind.COLLECTION_NOTE, device_links__device_code=device.code
    )
    label_sheet_request(
        organisation=partner,
        codes=[device.code],
        layout="3x8",
        user=partner_user,
        passport_url=passport_url,
    )

    # when
    as_commune = client_for(commune_user).get(f"/api/v1/documents/?device={device.code.lower()}")
    as_partner = client_for(partner_user).get(f"/api/v1/documents/?device={other.code}")

    # then: the commune reads what it is party to about the device; the sheet is the partner's
    assert as_commune.status_code == as_partner.status_code == 200
    assert sorted(row["number"] for row in as_commune.json()["results"]) == sorted(
        [note.number, certificate.number]
    )
    assert [row["kind"] for row in as_partner.json()["results"]] == ["collection_note"]
