"""Who may list and download documents, by page and by API: owner, counterpart, territory."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.choices import DocumentKind
from documents.models import Document
from documents.services import document_render, document_request


def _snapshot() -> list[tuple]:
    return list(Document.objects.order_by("pk").values_list("number", "state", "sha256", "file"))


def _download(response) -> bytes:
    return b"".join(response.streaming_content)


# --- Pages. ---


def test_the_owner_counterpart_and_territory_list_the_document(
    client, request_collection_note, partner_user, commune_user, territory_user
):
    # given
    document, _ = request_collection_note(1)

    for user in (partner_user, commune_user, territory_user):
        # when
        client.force_login(user)
        response = client.get("/documents/")

        # then
        assert response.status_code == 200
        assert [shown.number for shown in response.context["documents"]] == [document.number]


def test_another_organisation_lists_nothing(client, request_collection_note, other_commune_user):
    # given
    request_collection_note(1)
    client.force_login(other_commune_user)

    # when
    response = client.get("/documents/")

    # then
    assert response.status_code == 200
    assert list(response.context["documents"]) == []
    assert "No document yet." in response.content.decode()


def test_the_list_filters_by_kind_and_year(client, partner, partner_user, request_collection_note):
    # given
    note, _ = request_collection_note(1)
    document_request(
        kind=DocumentKind.DELIVERY_NOTE,
        owner=partner,
        title="Livraison",
        template="documents/base_document.html",
        context={},
        created_by=partner_user,
    )
    client.force_login(partner_user)
    year = timezone.localdate().year

    # when
    by_kind = client.get("/documents/", {"kind": DocumentKind.COLLECTION_NOTE})
    by_year = client.get("/documents/", {"year": year})
    other_year = client.get("/documents/", {"year": year - 1})

    # then
    assert [document.number for document in by_kind.context["documents"]] == [note.number]
    assert len(by_year.context["documents"]) == 2
    assert list(other_year.context["documents"]) == []
    assert "No document matches these filters." in other_year.content.decode()


def test_the_list_is_paginated(client, partner, partner_user):
    # given
    for index in range(27):
        document_request(
            kind=DocumentKind.DELIVERY_NOTE,
            owner=partner,
            title=f"Livraison {index}",
            template="documents/base_document.html",
            context={},
            created_by=partner_user,
        )
    client.force_login(partner_user)

    # when
    first = client.get("/documents/")
    second = client.get("/documents/", {"page": 2})  # an old link
    following = client.get("/documents/", {"cursor": first.context["page"].next_cursor})
    back = client.get("/documents/", {"cursor": following.context["page"].previous_cursor})

    # then
    assert len(first.context["documents"]) == 25
    assert len(second.context["documents"]) == 2
    assert first.context["documents"][0].sequence == 27
    assert following.context["documents"] == second.context["documents"]
    assert following.context["page"].next_cursor is None
    assert back.context["documents"] == first.context["documents"]
    assert 'rel="next"' in first.content.decode()


def test_an_issued_document_downloads_as_a_pdf_attachment(
    client, request_collection_note, commune_user, territory_user
):
    # given
    document, _ = request_collection_note(1)
    issued = document_render(document=document)
    stored = issued.file.read()

    for user in (commune_user, territory_user):
        # when
        client.force_login(user)
        response = client.get(f"/documents/{document.number}/download/")

        # then
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (f'attachment; filename="{document.number}.pdf"')
        assert _download(response) == stored


def test_another_organisation_cannot_download_the_document(
    client, request_collection_note, other_commune_user
):
    # given
    document, _ = request_collection_note(1)
    document_render(document=document)
    before = _snapshot()
    client.force_login(other_commune_user)

    # when
    response = client.get(f"/documents/{document.number}/download/")

    # then
    assert response.status_code == 404
    assert _snapshot() == before


def test_a_document_not_yet_issued_answers_a_page_saying_so(
    client, request_collection_note, partner_user
):
    # given
    document, _ = request_collection_note(1)
    client.force_login(partner_user)

    # when
    response = client.get(f"/documents/{document.number}/download/")

    # then
    assert response.status_code == 409
    assert "is being produced" in response.content.decode()


def test_the_pages_need_a_login(client, request_collection_note):
    # given
    document, _ = request_collection_note(1)

    # when
    responses = [client.get("/documents/"), client.get(f"/documents/{document.number}/download/")]

    # then
    assert [response.status_code for response in responses] == [302, 302]


# --- API. ---


def test_the_api_lists_the_documents_with_their_fields(
    client_for, request_collection_note, commune, partner, commune_user
):
    # given
    document, _ = request_collection_note(1)
    issued = document_render(document=document)

    # when
    response = client_for(commune_user).get("/api/v1/documents/")

    # then
    assert response.status_code == 200
    assert response.json()["count"] == 1
    row = response.json()["results"][0]
    assert row == {
        "number": issued.number,
        "kind": "collection_note",
        "kind_label": "Collection note",
        "year": issued.year,
        "sequence": 1,
        # worded in the reader's language (the title was asked for in French)
        "title": "Collection of 1 device at Cachan",
        "state": "issued",
        "state_label": "Issued",
        "owner": {"slug": partner.slug, "name": partner.name, "kind": "partner"},
        "counterpart": {"slug": commune.slug, "name": commune.name, "kind": "commune"},
        "language": "fr",
        "sha256": issued.sha256,
        "size": issued.size,
        "issued_at": row["issued_at"],
        "created_at": row["created_at"],
        "replaces": None,
        "download_url": f"http://testserver/api/v1/documents/{issued.number}/download/",
    }
    assert row["issued_at"] is not None


def test_the_api_filters_by_kind_and_year(
    client_for, partner, partner_user, request_collection_note
):
    # given
    note, _ = request_collection_note(1)
    document_request(
        kind=DocumentKind.DELIVERY_NOTE,
        owner=partner,
        title="Livraison",
        template="documents/base_document.html",
        context={},
        created_by=partner_user,
    )
    api = client_for(partner_user)
    year = timezone.localdate().year

    # when
    by_kind = api.get("/api/v1/documents/", {"kind": "collection_note"})
    by_year = api.get("/api/v1/documents/", {"year": year})
    other_year = api.get("/api/v1/documents/", {"year": year + 1})
    wrong_kind = api.get("/api/v1/documents/", {"kind": "novel"})

    # then
    assert [row["number"] for row in by_kind.json()["results"]] == [note.number]
    assert by_year.json()["count"] == 2
    assert other_year.json()["count"] == 0
    assert wrong_kind.status_code == 400
    assert wrong_kind.json()["error"]["code"] == "invalid"


def test_the_api_hides_another_organisations_document(
    client_for, request_collection_note, other_commune_user
):
    # given
    document, _ = request_collection_note(1)
    document_render(document=document)
    before = _snapshot()
    api = client_for(other_commune_user)

    # when
    listed = api.get("/api/v1/documents/")
    detail = api.get(f"/api/v1/documents/{document.number}/")
    download = api.get(f"/api/v1/documents/{document.number}/download/")

    # then
    assert listed.json()["count"] == 0
    assert detail.status_code == 404
    assert download.status_code == 404
    assert download["Content-Type"] == "application/json"
    assert download.json()["error"]["code"] == "not_found"
    assert _snapshot() == before


def test_the_territory_reads_and_downloads_but_changes_nothing(
    client_for, request_collection_note, territory_user
):
    # given
    document, _ = request_collection_note(1)
    issued = document_render(document=document)
    before = _snapshot()
    api = client_for(territory_user)

    # when
    detail = api.get(f"/api/v1/documents/{document.number}/")
    download = api.get(f"/api/v1/documents/{document.number}/download/")
    change = api.patch(f"/api/v1/documents/{document.number}/", {"title": "Autre"}, format="json")
    delete = api.delete(f"/api/v1/documents/{document.number}/")

    # then
    assert detail.json()["sha256"] == issued.sha256
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="{document.number}.pdf"'
    assert _download(download) == issued.file.read()
    assert (change.status_code, delete.status_code) == (405, 405)
    assert _snapshot() == before


def test_the_api_answers_409_for_a_document_not_yet_issued(
    client_for, request_collection_note, partner_user
):
    # given
    document, _ = request_collection_note(1)

    # when
    response = client_for(partner_user).get(f"/api/v1/documents/{document.number}/download/")

    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "document_not_issued"
    assert document.number in response.json()["error"]["message"]


def test_the_api_list_costs_the_same_queries_for_one_or_many_documents(
    client_for, partner, partner_user, commune
):
    # given
    def request(count):
        for index in range(count):
            document_request(
                kind=DocumentKind.DELIVERY_NOTE,
                owner=partner,
                counterpart=commune,
                title=f"Livraison {index}",
                template="documents/base_document.html",
                context={},
                created_by=partner_user,
            )

    api = client_for(partner_user)
    request(1)
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/documents/")
    request(9)

    # when
    with CaptureQueriesContext(connection) as many:
        response = api.get("/api/v1/documents/")

    # then
    assert response.json()["count"] == 10
    assert len(many) == len(one)


def test_the_list_reads_in_french(client, request_collection_note, partner_user):
    # given
    document, _ = request_collection_note(1)
    document_render(document=document)
    client.force_login(partner_user)

    # when
    response = client.get("/documents/", HTTP_ACCEPT_LANGUAGE="fr")

    # then
    page = response.content.decode()
    assert "Bon d’enlèvement" in page
    assert "Télécharger le PDF" in page
    assert f'href="/documents/{document.number}/download/"' in page


def test_the_api_answers_409_with_a_reason_for_a_failed_document(
    client_for, request_collection_note, partner_user
):
    # given
    document, _ = request_collection_note(1)
    Document.objects.filter(pk=document.pk).update(state="failed", failure_reason="OSError")

    # when
    response = client_for(partner_user).get(f"/api/v1/documents/{document.number}/download/")

    # then
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "document_not_issued",
        "message": f"Document {document.number} could not be produced; it keeps its number "
        "and the platform's operators can produce it again.",
    }


def test_the_list_page_costs_the_same_queries_for_one_or_many_documents(
    client, partner, partner_user, commune
):
    # given
    def request(count):
        for index in range(count):
            document_request(
                kind=DocumentKind.DELIVERY_NOTE,
                owner=partner,
                counterpart=commune,
                title=f"Livraison {index}",
                template="documents/base_document.html",
                context={},
                created_by=partner_user,
            )

    client.force_login(partner_user)
    request(1)
    with CaptureQueriesContext(connection) as one:
        client.get("/documents/")
    request(9)

    # when
    with CaptureQueriesContext(connection) as many:
        response = client.get("/documents/")

    # then
    assert len(response.context["documents"]) == 10
    assert len(many) == len(one)


def test_the_kind_filter_lists_only_kinds_the_organisation_has(
    client, partner, partner_user, request_collection_note
):
    # given: a collection note, and no document of the steps still to come
    request_collection_note(1)
    client.force_login(partner_user)

    # when
    response = client.get("/documents/")

    # then
    assert response.context["kinds"] == [
        (DocumentKind.COLLECTION_NOTE, DocumentKind.COLLECTION_NOTE.label)
    ]
    assert f'value="{DocumentKind.DELIVERY_NOTE}"' not in response.content.decode()
