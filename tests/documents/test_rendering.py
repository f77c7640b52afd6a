"""Producing documents: the PDF, its SHA-256, idempotency, and failures that keep the number."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from documents import rendering
from documents.choices import DocumentKind, DocumentState
from documents.models import Document, DocumentSequence
from documents.rendering import render_pdf, storage_name
from documents.services import document_render, document_request
from documents.tasks import render_document
from organisations.models import Organisation
from tests.documents.conftest import pdf_text


def test_a_requested_document_is_produced_when_the_transaction_commits(
    request_collection_note, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        document, _ = request_collection_note(2)

    # when
    document.refresh_from_db()

    # then
    assert len(callbacks) == 1
    content = document.file.read()
    assert document.state == DocumentState.ISSUED
    assert content.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert document.issued_at is not None
    year = timezone.localdate().year
    assert document.file.name == f"documents/{year}/collection_note/BE-{year}-000001.pdf"


def test_the_collection_note_reads_back_with_its_number_parties_and_devices(
    commune, partner, request_collection_note
):
    # given
    Organisation.objects.filter(pk=commune.pk).update(siret="21940016800014")
    Organisation.objects.filter(pk=partner.pk).update(siret="81234567800019")
    commune.refresh_from_db()
    partner.refresh_from_db()
    document, devices = request_collection_note(3)

    # when
    issued = document_render(document=document)
    text = pdf_text(issued.file.read())

    # then
    flat = " ".join(text.split())
    assert issued.number in flat
    assert "Cachan" in flat
    assert "Atelier du Réemploi" in flat
    assert "21940016800014" in flat
    assert "81234567800019" in flat
    assert partner.esus_approval_reference in flat
    for device in devices:
        assert device.code in flat
        assert device.serial_number in flat
    assert "Latitude 5490" in flat
    assert "L3212-2 3°" in flat
    assert "ESUS" in flat
    assert "Claire Dubois" in flat
    assert "Karim Benali" in flat
    assert "12/03/2026" in flat or "12 mars 2026" in flat


def test_the_collection_note_is_in_french_by_default(request_collection_note):
    # given
    document, _ = request_collection_note(1)

    # when
    text = " ".join(pdf_text(document_render(document=document).file.read()).split())

    # then
    assert document.language == "fr"
    assert "Bon d’enlèvement et procès-verbal de cession gratuite" in text
    assert "Code général de la propriété des personnes publiques" in text


def test_the_same_idempotency_key_twice_gives_one_document(
    request_collection_note, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = request_collection_note(1, idempotency_key="collection-42")

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second, _ = request_collection_note(1, idempotency_key="collection-42")

    # then
    assert second.pk == first.pk
    assert callbacks == []
    assert Document.objects.count() == 1
    assert DocumentSequence.objects.get(kind=DocumentKind.COLLECTION_NOTE).last_number == 1


def test_rendering_twice_keeps_the_same_file_hash_and_number(request_collection_note):
    # given
    document, _ = request_collection_note(2)
    issued = document_render(document=document)
    first_file, first_hash, first_issued_at = issued.file.name, issued.sha256, issued.issued_at

    # when
    render_document(issued.pk)  # a redelivered task
    again = document_render(document=Document.objects.get(pk=document.pk))

    # then
    again.refresh_from_db()
    assert (again.file.name, again.sha256, again.issued_at) == (
        first_file,
        first_hash,
        first_issued_at,
    )
    assert hashlib.sha256(again.file.read()).hexdigest() == first_hash
    assert Document.objects.count() == 1
    assert DocumentSequence.objects.get(kind=DocumentKind.COLLECTION_NOTE).last_number == 1


def test_the_same_context_gives_the_same_pdf(request_collection_note):
    # given
    document, _ = request_collection_note(2)

    # when
    first, second = render_pdf(document), render_pdf(document)

    # then
    assert first.sha256 == second.sha256


def test_a_rerun_after_a_crash_overwrites_the_partial_file(request_collection_note):
    # given: a worker died after writing part of the file, before issuing the document
    document, _ = request_collection_note(1)
    name = storage_name(document)
    default_storage.save(name, ContentFile(b"%PDF-1.7 truncated"))

    # when
    issued = document_render(document=document)

    # then
    content = issued.file.read()
    assert issued.file.name == name
    assert issued.state == DocumentState.ISSUED
    assert issued.sha256 == hashlib.sha256(content).hexdigest()
    assert content != b"%PDF-1.7 truncated"
    assert default_storage.listdir(name.rsplit("/", 1)[0])[1] == [document.filename]
    assert Document.objects.count() == 1


def test_a_failed_production_keeps_its_number_and_can_be_run_again(request_collection_note):
    # given: the template disappeared when the worker rendered it
    document, _ = request_collection_note(1)
    Document.objects.filter(pk=document.pk).update(template_name="documents/missing.html")
    document.refresh_from_db()

    # when
    failed = document_render(document=document)

    # then
    assert failed.state == DocumentState.FAILED
    assert "TemplateDoesNotExist" in failed.failure_reason
    assert failed.file.name == ""
    assert failed.number == document.number

    # and when the template is back
    Document.objects.filter(pk=document.pk).update(
        template_name="reuse/documents/collection_note.html"
    )
    issued = document_render(document=Document.objects.get(pk=document.pk))

    # then
    assert issued.state == DocumentState.ISSUED
    assert issued.failure_reason == ""
    assert issued.number == document.number
    assert Document.objects.count() == 1


def test_the_context_is_stored_as_json_when_requested(partner, partner_user):
    # given
    context = {"date": timezone.localdate(), "amount": Decimal("12.50")}

    # when
    document = document_request(
        kind=DocumentKind.DELIVERY_NOTE,
        owner=partner,
        title="Livraison",
        template="documents/base_document.html",
        context=context,
        created_by=partner_user,
    )

    # then
    document.refresh_from_db()
    assert document.context == {"date": timezone.localdate().isoformat(), "amount": "12.50"}


def test_a_document_may_only_load_static_files(request_collection_note, settings, tmp_path):
    # given: a template that tries to read a file of the server
    template_dir = tmp_path / "templates"
    (template_dir / "documents").mkdir(parents=True)
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    (template_dir / "documents" / "probe.html").write_text(
        f'<html><head><link rel="stylesheet" href="file://{secret}"></head>'
        "<body>{{ document.number }}</body></html>"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [template_dir, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    fetched = []
    original = rendering._static_file

    def spy(path):
        fetched.append(path)
        return original(path)

    document, _ = request_collection_note(1, template="documents/probe.html")

    # when
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rendering, "_static_file", spy)
        issued = document_render(document=document)

    # then: rendered without the stylesheet, which was refused
    assert issued.state == DocumentState.ISSUED
    assert fetched == [str(secret)]
    assert rendering._static_file(str(secret)) is None
