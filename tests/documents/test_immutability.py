"""An issued document never changes: the model refuses, and so does the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from documents.choices import DocumentState
from documents.models import Document, DocumentIssued
from documents.services import document_render


@pytest.fixture
def issued(request_collection_note) -> Document:
    document, _ = request_collection_note(2)
    return document_render(document=document)


def _stored(document: Document) -> tuple:
    return tuple(
        Document.objects.filter(pk=document.pk).values_list(
            "number", "file", "sha256", "context", "state", "size", "issued_at"
        )[0]
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number", "BE-2026-999999"),
        ("sha256", "0" * 64),
        ("title", "Autre titre"),
        ("state", DocumentState.FAILED),
    ],
)
def test_the_model_refuses_to_change_an_issued_document(issued, field, value):
    # given
    before = _stored(issued)
    setattr(issued, field, value)

    # when
    with pytest.raises(DocumentIssued):
        issued.save()

    # then
    assert _stored(issued) == before


def test_the_model_sees_a_context_changed_in_place(issued):
    # given
    before = _stored(issued)
    issued.context["devices"][0]["code"] = "FORGED"

    # when
    with pytest.raises(DocumentIssued):
        issued.save()

    # then
    assert _stored(issued) == before


def test_the_model_sees_a_file_renamed_in_place(issued):
    # given
    before = _stored(issued)
    issued.file.name = "documents/elsewhere.pdf"

    # when
    with pytest.raises(DocumentIssued):
        issued.save()

    # then
    assert _stored(issued) == before


def test_saving_an_issued_document_unchanged_is_harmless(issued):
    # given
    before = _stored(issued)

    # when
    issued.save()

    # then
    assert _stored(issued) == before


def test_the_model_refuses_to_delete_an_issued_document(issued):
    # when
    with pytest.raises(DocumentIssued):
        issued.delete()

    # then
    assert Document.objects.filter(pk=issued.pk).exists()


def test_a_pending_document_may_still_be_deleted(request_collection_note):
    # given
    document, _ = request_collection_note(1)

    # when
    document.delete()

    # then
    assert not Document.objects.filter(pk=document.pk).exists()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("number", "'BE-2026-999999'"),
        ("sha256", "'forged'"),
        ("file", "'documents/forged.pdf'"),
        ("state", "'pending'"),
    ],
)
def test_the_database_refuses_to_change_an_issued_document(issued, column, value):
    # given
    before = _stored(issued)

    # when
    with (
        pytest.raises((DatabaseError, IntegrityError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"UPDATE documents_document SET {column} = {value} WHERE id = %s", [issued.pk]
        )

    # then
    assert _stored(issued) == before


def test_the_database_refuses_to_change_an_issued_documents_context(issued):
    # given
    before = _stored(issued)

    # when
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        Document.objects.filter(pk=issued.pk).update(context={"devices": []})

    # then
    assert _stored(issued) == before


def test_the_database_lets_a_pending_document_be_produced(request_collection_note):
    # given
    document, _ = request_collection_note(1)

    # when
    issued = document_render(document=document)

    # then
    assert _stored(issued)[4] == DocumentState.ISSUED


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's flush deletes row by row, so its trigger refuses updates only",
)
def test_the_database_refuses_to_delete_an_issued_document(issued):
    # when
    with pytest.raises(DatabaseError), transaction.atomic():
        Document.objects.filter(pk=issued.pk).delete()

    # then
    assert Document.objects.filter(pk=issued.pk).exists()
