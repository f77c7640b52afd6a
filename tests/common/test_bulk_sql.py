"""Set-based writes (common.bulk_sql): new instances stored exactly as bulk_create stores them,
their keys read back in order; the rows of insert_rows in their order."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from common.bulk_sql import insert_instances, insert_rows, pk_set
from documents.choices import DocumentKind
from documents.models import Document
from inventory.models import DeviceEvent
from procurement.models import Offer, OfferPriceTier

pytestmark = pytest.mark.django_db

QUEUED_AT = datetime.datetime(2026, 3, 9, 14, 5, 7, 123456, tzinfo=datetime.UTC)


def _documents(owner, counterpart, user, prefix: str, first: int = 1) -> list[Document]:
    """Three documents of every kind of value: text with quotes and accents, a nested JSON
    context with a null, foreign keys set and empty, a time with its microseconds, no size;
    numbered from ``first``."""
    return [
        Document(
            kind=DocumentKind.PURCHASE_ORDER,
            number=f"{prefix}-2026-{index:06d}",
            year=2026,
            sequence=first + index,
            owner=owner,
            counterpart=counterpart if index % 2 else None,
            title=f'Bon de commande « {index} » — "École" n°\\{index}',
            template_name="procurement/documents/purchase_order.html",
            context={
                "order": index,
                "buyer": {"name": "École Jean-Jaurès", "notes": None},
                "lines": [{"unit_price": "189.00", "quantity": 3}],
                "quote": 'il a dit "oui"',
            },
            created_by=user if index != 2 else None,
            idempotency_key=f"{prefix}-{index}",
            queued_at=QUEUED_AT,
        )
        for index in (1, 2, 3)
    ]


def _stored_rows(pks: list[int]) -> list[tuple]:
    """The rows as the database holds them, read without Django's conversions (SQLite's text
    as it is), the columns that differ by construction left out."""
    columns = [
        field.column
        for field in Document._meta.concrete_fields
        if field.name not in {"id", "number", "sequence", "idempotency_key", "created_at"}
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM documents_document "
            f"WHERE id IN ({', '.join(str(pk) for pk in pks)}) ORDER BY sequence"
        )
        return cursor.fetchall()


def test_instances_are_stored_as_bulk_create_stores_them(commune, partner, commune_user):
    # given
    by_django = Document.objects.bulk_create(_documents(commune, partner, commune_user, "AA"))
    ours = _documents(commune, partner, commune_user, "BB", first=10)

    # when
    insert_instances(ours)

    # then: the same values, byte for byte, and keys that are the rows'
    assert _stored_rows([document.pk for document in ours]) == _stored_rows(
        [document.pk for document in by_django]
    )
    for document in ours:
        stored = Document.objects.get(pk=document.pk)
        assert stored.number == document.number
        assert stored.queued_at == QUEUED_AT
        assert stored.context == document.context
        assert stored.size is None


def test_keys_follow_the_order_given_and_the_instances_are_saved(commune, partner, commune_user):
    # given
    documents = _documents(commune, partner, commune_user, "CC")[::-1]

    # when
    insert_instances(documents)

    # then: the rows were written in the order given, their keys increasing along it
    assert [document.pk for document in documents] == sorted(document.pk for document in documents)
    numbers = dict(Document.objects.values_list("pk", "number"))
    assert all(numbers[document.pk] == document.number for document in documents)
    assert all(not document._state.adding for document in documents)
    documents[0].title = "Titre revu"
    documents[0].save(update_fields=["title"])
    assert Document.objects.get(pk=documents[0].pk).title == "Titre revu"


def test_a_field_computed_on_saving_is_computed(commune, partner, commune_user):
    # given
    before = timezone.now()
    documents = _documents(commune, partner, commune_user, "DD")

    # when
    insert_instances(documents)

    # then: created_at is auto_now_add, set as save() sets it
    for document in documents:
        assert document.created_at >= before
        assert Document.objects.get(pk=document.pk).created_at == document.created_at


def _offer(partner, user) -> Offer:
    """An offer of the partner, not saved."""
    return Offer(
        partner=partner,
        title="Écran 24 pouces",
        category="monitor",
        grade="B",
        warranty_months=12,
        minimum_quantity=1,
        vat_rate=Decimal("20.00"),
        created_by=user,
    )


def test_decimals_and_integers_keep_their_values(partner, partner_user):
    # given
    offer = _offer(partner, partner_user)
    offer.save()
    tiers = [
        OfferPriceTier(offer=offer, threshold=1, unit_price=Decimal("189.99")),
        OfferPriceTier(offer=offer, threshold=50, unit_price=Decimal("0.01")),
    ]

    # when
    insert_instances(tiers)

    # then
    assert list(
        OfferPriceTier.objects.filter(pk__in=[tier.pk for tier in tiers])
        .order_by("threshold")
        .values_list("threshold", "unit_price")
    ) == [(1, Decimal("189.99")), (50, Decimal("0.01"))]


def test_a_related_object_saved_after_it_was_given_lends_its_key(partner, partner_user):
    # given: the tiers are given their offer before the offer is saved
    offer = _offer(partner, partner_user)
    tiers = [OfferPriceTier(offer=offer, threshold=1, unit_price=Decimal("49.90"))]
    offer.save()

    # when
    insert_instances(tiers)

    # then
    assert OfferPriceTier.objects.get(pk=tiers[0].pk).offer_id == offer.pk


def test_a_related_object_never_saved_is_refused_and_nothing_is_written(partner, partner_user):
    # given
    offer = _offer(partner, partner_user)
    tiers = [OfferPriceTier(offer=offer, threshold=1, unit_price=Decimal("49.90"))]

    # when / then
    with pytest.raises(ValueError, match="not saved yet"):
        insert_instances(tiers)
    assert not OfferPriceTier.objects.exists()


def test_nothing_to_insert_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        insert_instances([])


def test_instances_of_two_models_are_refused_and_nothing_is_written(commune, partner, commune_user):
    # given
    document = _documents(commune, partner, commune_user, "EE")[0]
    tier = OfferPriceTier(threshold=1, unit_price=Decimal("1.00"))

    # when / then
    with pytest.raises(TypeError):
        insert_instances([document, tier])
    assert not Document.objects.filter(number=document.number).exists()


def test_an_expression_is_refused_and_nothing_is_written(commune, partner, commune_user):
    # given
    documents = _documents(commune, partner, commune_user, "FF")
    documents[1].sequence = F("year")

    # when / then
    with pytest.raises(TypeError):
        insert_instances(documents)
    assert not Document.objects.filter(number__startswith="FF").exists()


def test_rows_are_inserted_in_their_order_with_their_constants(declare):
    # given: an event that changes neither the state nor the counts
    devices = declare(3)
    now = timezone.now()

    # when
    count = insert_rows(
        DeviceEvent,
        columns=("device_id", "kind", "from_state", "to_state", "details"),
        rows=[
            (device.pk, "edited", "declared", "declared", {"n": index, "none": None})
            for index, device in enumerate(devices)
        ],
        constants={"actor_id": None, "organisation_id": None, "created_at": now, "note": ""},
    )

    # then
    written = list(
        DeviceEvent.objects.filter(kind="edited", created_at=now)
        .order_by("pk")
        .values_list("device_id", "details")
    )
    assert count == 3
    assert written == [
        (device.pk, {"n": index, "none": None}) for index, device in enumerate(devices)
    ]
    assert set(
        DeviceEvent.objects.filter(device__in=pk_set(device.pk for device in devices))
        .filter(kind="edited")
        .values_list("device_id", flat=True)
    ) == {device.pk for device in devices}
