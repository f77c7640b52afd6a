"""The documents' lists read an index in their order, on PostgreSQL (see
tests/query_plans.py)."""

import pytest
from django.urls import reverse

from tests.conftest import member
from tests.query_plans import (
    indexes_read,
    listing,
    plan_nodes,
    postgresql_only,
    preferring_indexes,
    queries_of,
    sorts,
)

pytestmark = [pytest.mark.django_db, postgresql_only]


@pytest.fixture
def territory_member(territory):
    return member(territory)


def list_plan(client, url: str) -> list[dict]:
    with preferring_indexes():
        return plan_nodes(listing(queries_of(lambda: client.get(url)), "documents_document"))


def test_the_documents_page_reads_the_newest_first_from_its_index(client, territory_member):
    client.force_login(territory_member)

    nodes = list_plan(client, reverse("documents:document-list"))

    assert sorts(nodes) == []
    assert "documents_created" in indexes_read(nodes)


@pytest.mark.parametrize(
    ("ordering", "index"),
    [
        ("", "documents_created"),
        ("?ordering=-issued_at", "documents_issued"),
        ("?ordering=issued_at", "documents_issued"),
        ("?ordering=number", "documents_document_number_key"),
    ],
)
def test_each_api_ordering_reads_an_index(
    client_for, territory_member, request_collection_note, ordering, index
):
    request_collection_note(1)  # the API's paginator counts first, then lists if any

    nodes = list_plan(client_for(territory_member), f"/api/v1/documents/{ordering}")

    assert sorts(nodes) == []
    assert index in indexes_read(nodes)
