"""A batch of documents numbered at once (a campaign's purchase orders): consecutive numbers in
the order given, each with its owner, counterpart and devices, a few queries whatever the
batch's size, and the documents of keys already used given back as they are."""

from __future__ import annotations

import pytest
from django.utils import timezone

from documents.choices import DocumentKind, DocumentState
from documents.models import Document, DocumentDevice, DocumentSequence
from documents.services import DocumentDraft, document_request, documents_request
from tests.conftest import BuyerFactory

pytestmark = pytest.mark.django_db

BARE = "documents/base_document.html"


def drafts(partner, buyers, *, prefix="order") -> list[DocumentDraft]:
    return [
        DocumentDraft(
            owner=buyer,
            counterpart=partner,
            title=f"Commande {index}",
            template=BARE,
            context={"index": index},
            idempotency_key=f"{prefix}-{index}",
            device_codes=[f"CODE{index:04d}", f"CODF{index:04d}"],
        )
        for index, buyer in enumerate(buyers)
    ]


def test_a_batch_is_numbered_in_the_order_given(partner):
    # given: a document of the kind already issued this year
    year = timezone.localdate().year
    document_request(
        kind=DocumentKind.PURCHASE_ORDER,
        owner=partner,
        title="Avant",
        template=BARE,
        context={},
        created_by=None,
    )
    buyers = [BuyerFactory() for _ in range(3)]

    # when
    documents = documents_request(
        kind=DocumentKind.PURCHASE_ORDER, drafts=drafts(partner, buyers), created_by=None
    )

    # then
    assert [document.number for document in documents] == [
        f"BC-{year}-000002",
        f"BC-{year}-000003",
        f"BC-{year}-000004",
    ]
    assert [(document.owner, document.counterpart) for document in documents] == [
        (buyer, partner) for buyer in buyers
    ]
    assert {document.state for document in documents} == {DocumentState.PENDING}
    assert list(
        DocumentDevice.objects.filter(document=documents[1]).values_list("device_code", flat=True)
    ) == ["CODE0001", "CODF0001"]
    sequence = DocumentSequence.objects.get(kind=DocumentKind.PURCHASE_ORDER, year=year)
    assert sequence.last_number == 4


def test_keys_already_used_give_their_documents_back_and_take_no_number(partner):
    # given
    buyers = [BuyerFactory() for _ in range(3)]
    first = documents_request(
        kind=DocumentKind.PURCHASE_ORDER, drafts=drafts(partner, buyers[:2]), created_by=None
    )

    # when: the same two and a third
    again = documents_request(
        kind=DocumentKind.PURCHASE_ORDER, drafts=drafts(partner, buyers), created_by=None
    )

    # then
    assert [document.pk for document in again[:2]] == [document.pk for document in first]
    assert again[2].sequence == 3
    assert Document.objects.count() == 3


@pytest.mark.parametrize("size", [2, 20])
def test_a_batch_costs_the_same_queries_whatever_its_size(partner, size, django_assert_num_queries):
    # given
    buyers = [BuyerFactory() for _ in range(size)]
    documents_request(
        kind=DocumentKind.PURCHASE_ORDER, drafts=drafts(partner, buyers[:1], prefix="warm"),
        created_by=None,
    )  # fmt: skip

    # when / then: in a savepoint, the sequence found and locked, the keys read, the sequence
    # saved, the documents and their devices written
    with django_assert_num_queries(8):
        documents_request(
            kind=DocumentKind.PURCHASE_ORDER, drafts=drafts(partner, buyers), created_by=None
        )
    assert Document.objects.count() == size + 1
