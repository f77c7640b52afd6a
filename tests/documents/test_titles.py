"""A document's title is worded in the reader's language, not frozen in the requester's."""

import pytest
from django.conf import settings
from django.utils import translation

from documents.choices import DocumentKind
from documents.services import document_request
from documents.titles import document_title

pytestmark = pytest.mark.django_db


def test_a_collection_note_asked_in_french_reads_in_each_readers_language(
    client_for, partner_user, request_collection_note
):
    # given: a collection note whose title was written in French
    note, _devices = request_collection_note(2)
    assert note.title.startswith("Collecte de 2 appareils")

    # when
    with translation.override("en"):
        english = document_title(note)
    with translation.override("fr"):
        french = document_title(note)
    answer = client_for(partner_user).get(f"/api/v1/documents/{note.number}/")

    # then
    assert english == "Collection of 2 devices at Cachan"
    assert french == "Enlèvement de 2 appareils à Cachan"
    assert answer.json()["title"] == english


def test_the_list_page_shows_titles_in_the_pages_language(
    client, partner_user, request_collection_note
):
    # given
    request_collection_note(1)
    client.force_login(partner_user)

    # when
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/documents/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.get("/documents/").content.decode()

    # then
    assert "Collection of 1 device at Cachan" in english
    assert "Enlèvement de 1 appareil à Cachan" in french


def test_a_document_whose_context_cannot_word_its_title_shows_the_stored_one(partner, partner_user):
    # given: a kind no app words, and a collection note of an older context shape
    delivery = document_request(
        kind=DocumentKind.DELIVERY_NOTE,
        owner=partner,
        title="Livraison du 3 mars",
        template="documents/base_document.html",
        context={},
        created_by=partner_user,
    )
    older = document_request(
        kind=DocumentKind.COLLECTION_NOTE,
        owner=partner,
        title="Collecte ancienne",
        template="documents/base_document.html",
        context={"date": "2026-03-03"},
        created_by=partner_user,
    )

    # then
    with translation.override("en"):
        assert document_title(delivery) == "Livraison du 3 mars"
        assert document_title(older) == "Collecte ancienne"
