"""The reuse lists read an index in their order, on PostgreSQL: claims, collections, waste
records and planned pickups, for each kind of reader (see tests/query_plans.py). Their pages
and API lists read these selectors, a page at a time."""

import pytest

from reuse import selectors
from tests.query_plans import (
    indexes_read,
    postgresql_only,
    preferring_indexes,
    queryset_plan_nodes,
    sorts,
)

pytestmark = [pytest.mark.django_db, postgresql_only]

LISTS = {
    "claims": (selectors.claims_visible_to, "inventory_device_claimed_at"),
    "collections": (selectors.collections_visible_to, "reuse_collection_collected"),
    "waste records": (selectors.waste_records_visible_to, "reuse_waste_record_shipped"),
    "pickups": (selectors.pickups_visible_to, "reuse_pickup_plan_day"),
}


def first_page_plan(name: str, organisation) -> list[dict]:
    visible_to, _index = LISTS[name]
    with preferring_indexes():
        return queryset_plan_nodes(visible_to([organisation])[:50])


@pytest.mark.parametrize("name", list(LISTS))
def test_the_territory_reads_every_list_from_its_index(territory, name):
    nodes = first_page_plan(name, territory)

    assert sorts(nodes) == []
    assert LISTS[name][1] in indexes_read(nodes)


@pytest.mark.parametrize("name", list(LISTS))
@pytest.mark.parametrize("reader", ["partner", "commune"])
def test_a_party_reads_its_lists_in_order(request, name, reader):
    nodes = first_page_plan(name, request.getfixturevalue(reader))

    assert sorts(nodes) == []


def test_the_claims_list_reads_the_claims_of_one_partner_from_the_claims_index(partner):
    nodes = first_page_plan("claims", partner)

    assert "inventory_device_claimed_at" in indexes_read(nodes)
