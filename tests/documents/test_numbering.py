"""Numbers per kind and year, without gaps, given when a document is requested."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from django.template import TemplateDoesNotExist
from django.utils import timezone

from documents.choices import DocumentKind, DocumentState
from documents.models import Document, DocumentSequence
from documents.services import document_request
from tests.conftest import PartnerFactory, member

BARE = "documents/base_document.html"


def _request(owner, *, kind=DocumentKind.DELIVERY_NOTE, **overrides):
    arguments = {
        "kind": kind,
        "owner": owner,
        "title": "Livraison",
        "template": BARE,
        "context": {},
        "created_by": None,
    }
    arguments.update(overrides)
    return document_request(**arguments)


def test_numbers_follow_each_other_per_kind_and_year(partner):
    # given
    year = timezone.localdate().year

    # when
    first = _request(partner)
    second = _request(partner)
    other_kind = _request(partner, kind=DocumentKind.PURCHASE_ORDER)

    # then
    assert [first.number, second.number] == [f"BL-{year}-000001", f"BL-{year}-000002"]
    assert (first.sequence, second.sequence, first.year) == (1, 2, year)
    assert other_kind.number == f"BC-{year}-000001"
    assert first.state == DocumentState.PENDING
    assert DocumentSequence.objects.get(kind=DocumentKind.DELIVERY_NOTE, year=year).last_number == 2


def test_each_kind_has_its_prefix(partner):
    # given
    year = timezone.localdate().year
    expected = {
        DocumentKind.COLLECTION_NOTE: "BE",
        DocumentKind.ERASURE_CERTIFICATE: "CE",
        DocumentKind.ERASURE_BATCH_CERTIFICATE: "CEL",
        DocumentKind.WASTE_REGISTER: "RD",
        DocumentKind.PURCHASE_ORDER: "BC",
        DocumentKind.DELIVERY_NOTE: "BL",
        DocumentKind.ADMISSION_RECORD: "PV",
        DocumentKind.INVOICE: "FA",
        DocumentKind.CREDIT_NOTE: "AV",
        DocumentKind.DONATION_AGREEMENT: "CD",
        DocumentKind.LABEL_SHEET: "ET",
        DocumentKind.IMPACT_REPORT: "RI",
    }

    # when
    numbers = {kind: _request(partner, kind=kind).number for kind in DocumentKind.values}

    # then
    assert numbers == {kind: f"{prefix}-{year}-000001" for kind, prefix in expected.items()}


def test_a_new_year_starts_again_at_one(partner):
    # given
    DocumentSequence.objects.create(kind=DocumentKind.DELIVERY_NOTE, year=2000, last_number=41)

    # when
    document = _request(partner)

    # then
    assert document.sequence == 1
    old_year = DocumentSequence.objects.get(kind=DocumentKind.DELIVERY_NOTE, year=2000)
    assert old_year.last_number == 41


def test_numbers_are_shared_by_every_organisation(partner):
    # given
    other_partner = PartnerFactory()
    _request(partner)

    # when
    document = _request(other_partner)

    # then
    assert document.sequence == 2


def test_an_unknown_template_is_refused_without_using_a_number(partner):
    # when
    with pytest.raises(TemplateDoesNotExist):
        _request(partner, template="documents/does_not_exist.html")

    # then
    assert Document.objects.count() == 0
    assert not DocumentSequence.objects.filter(last_number__gt=0).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises every write: no race to test"
)
def test_concurrent_requests_get_consecutive_numbers_without_gaps():
    # given
    owner = PartnerFactory()
    requester = member(owner)
    count = 24
    barrier = threading.Barrier(count)
    numbers: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def request_one() -> None:
        try:
            barrier.wait()
            document = _request(owner, created_by=requester)
            with lock:
                numbers.append(document.sequence)
        except BaseException as error:  # the assertion below reports it
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    # when
    threads = [threading.Thread(target=request_one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert errors == []
    assert sorted(numbers) == list(range(1, count + 1))
    stored = Document.objects.filter(kind=DocumentKind.DELIVERY_NOTE).order_by("sequence")
    assert list(stored.values_list("sequence", flat=True)) == list(range(1, count + 1))
    assert stored.filter(state=DocumentState.ISSUED).count() == count
