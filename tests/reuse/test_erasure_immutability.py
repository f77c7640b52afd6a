"""An erasure record never changes: the model refuses, and so does the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from reuse.models import ErasureRecord
from tests.reuse.refurbishment import collected_device, erase


@pytest.fixture
def record(declare, partner, partner_user) -> ErasureRecord:
    device = collected_device(declare, partner, partner_user)
    medium = erase(partner, partner_user, device)
    return ErasureRecord.objects.get(medium=medium)


def _stored(record: ErasureRecord) -> tuple:
    return tuple(
        ErasureRecord.objects.filter(pk=record.pk).values_list(
            "result", "level", "verifier_name", "finished_at", "evidence_sha256"
        )[0]
    )


def test_the_model_refuses_to_change_or_delete_a_record(record):
    # given
    before = _stored(record)
    record.result = "failed"

    # when
    with pytest.raises(ValueError, match="cannot be changed"):
        record.save()
    with pytest.raises(ValueError, match="cannot be deleted"):
        record.delete()

    # then
    assert _stored(record) == before


@pytest.mark.parametrize(
    ("column", "value"),
    [("result", "'failed'"), ("verifier_name", "'Someone else'"), ("evidence_sha256", "'0'")],
)
def test_the_database_refuses_a_raw_update_of_a_record(record, column, value):
    # given
    before = _stored(record)

    # when
    with (
        pytest.raises((DatabaseError, IntegrityError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"UPDATE reuse_erasurerecord SET {column} = {value} WHERE id = %s", [record.pk]
        )

    # then
    assert _stored(record) == before


def test_the_database_refuses_a_queryset_update_of_a_record(record):
    # given
    before = _stored(record)

    # when
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        ErasureRecord.objects.filter(pk=record.pk).update(result="failed")

    # then
    assert _stored(record) == before


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's flush deletes row by row, so its trigger refuses updates only",
)
def test_the_database_refuses_a_queryset_delete_of_a_record(record):
    # when
    with pytest.raises(DatabaseError), transaction.atomic():
        ErasureRecord.objects.filter(pk=record.pk).delete()

    # then
    assert ErasureRecord.objects.filter(pk=record.pk).exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's flush deletes row by row, so its trigger refuses updates only",
)
def test_the_database_refuses_a_raw_delete_of_a_record(record):
    # when
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM reuse_erasurerecord WHERE id = %s", [record.pk])

    # then
    assert ErasureRecord.objects.filter(pk=record.pk).exists()
