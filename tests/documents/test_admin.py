"""Documents in the admin: readable, never edited, and failed ones produced again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from documents.choices import DocumentState
from documents.models import Document
from documents.services import document_render, document_request
from tests.conftest import UserFactory


@pytest.fixture
def operator_client(client, db):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    return client


def test_an_issued_document_is_shown_read_only(operator_client, request_collection_note):
    # given
    document, _ = request_collection_note(1)
    issued = document_render(document=document)
    url = reverse("admin:documents_document_change", args=[issued.pk])

    # when
    page = operator_client.get(url)
    post = operator_client.post(url, {"title": "Autre"})
    listing = operator_client.get(reverse("admin:documents_document_changelist"))

    # then
    assert page.status_code == 200
    assert issued.number in page.content.decode()
    assert 'name="title"' not in page.content.decode()
    assert post.status_code == 403
    assert listing.status_code == 200
    assert Document.objects.get(pk=issued.pk).title == issued.title
    assert operator_client.get(reverse("admin:documents_document_add")).status_code == 403
    delete_url = reverse("admin:documents_document_delete", args=[issued.pk])
    assert operator_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Document.objects.filter(pk=issued.pk).exists()


def test_the_admin_action_produces_failed_documents_again(operator_client, request_collection_note):
    # given
    document, _ = request_collection_note(1)
    Document.objects.filter(pk=document.pk).update(
        state=DocumentState.FAILED, failure_reason="OSError: disk full"
    )

    # when
    response = operator_client.post(
        reverse("admin:documents_document_changelist"),
        {"action": "render_again", "_selected_action": [document.pk]},
        follow=True,
    )

    # then
    document.refresh_from_db()
    assert response.status_code == 200
    assert "1 document issued." in response.content.decode()
    assert document.state == DocumentState.ISSUED
    assert document.failure_reason == ""


def test_the_admin_finds_a_document_by_the_code_of_a_device_it_is_about(
    operator_client, partner, partner_user, declare
):
    # given: a document about two devices
    devices = declare(2)
    document = document_request(
        kind="label_sheet",
        owner=partner,
        title="Étiquettes",
        template="documents/base_document.html",
        context={},
        created_by=partner_user,
        device_codes=[device.code for device in devices],
    )

    # when
    found = operator_client.get(
        reverse("admin:documents_document_changelist"), {"q": devices[1].code}
    )
    page = operator_client.get(reverse("admin:documents_document_change", args=[document.pk]))

    # then: listed by a device's code, and its page names both devices, read-only
    assert found.status_code == page.status_code == 200
    assert document.number in found.content.decode()
    for device in devices:
        assert device.code in page.content.decode()
