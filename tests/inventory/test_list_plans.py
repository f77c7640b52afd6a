"""The inventory's lists read an index in their order, on PostgreSQL: no sort of the devices,
whatever the page, the ordering or the organisation; the search reads its trigram indexes.

The plans are those of the queries the endpoints and pages really ran (see tests/query_plans.py
for why sequential scans are turned off).
"""

import pytest
from django.conf import settings
from django.urls import reverse

from inventory.services import device_withdraw
from tests.query_plans import (
    indexes_read,
    plan_nodes,
    plan_root,
    planner_settings,
    postgresql_only,
    preferring_indexes,
    queries_of,
    reading,
    sorts,
    unbounded_sorts,
)

pytestmark = [pytest.mark.django_db, postgresql_only]

DEVICES = "/api/v1/devices/"


@pytest.fixture
def devices(declare, commune, commune_user, other_commune, other_commune_user):
    declared = declare(6) + declare(3, by=other_commune_user, for_commune=other_commune)
    device_withdraw(device=declared[0], user=commune_user, organisation=commune)
    return declared


@pytest.fixture
def page_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def _page_client(user):
        client.force_login(user)
        return client

    return _page_client


def first_device_query_plan(run) -> list[dict]:
    """The plan of the first query ``run()`` sends that reads the devices."""
    with preferring_indexes():
        sql = reading(queries_of(run), "inventory_device")[0]
        return plan_nodes(sql)


# --- The API ---


@pytest.mark.parametrize("user", ["territory_user", "partner_user", "commune_user"])
def test_the_api_list_reads_the_newest_first_from_its_index(
    request, devices, client_for, territory, user
):
    client = client_for(request.getfixturevalue(user))

    nodes = first_device_query_plan(lambda: client.get(DEVICES))

    assert sorts(nodes) == []
    assert "inventory_device_created" in indexes_read(nodes)


def test_the_api_next_page_starts_at_its_position_in_the_index(devices, client_for, territory_user):
    # given
    client = client_for(territory_user)
    next_page = client.get(f"{DEVICES}?page_size=2").json()["next"]

    # when
    nodes = first_device_query_plan(lambda: client.get(next_page))

    # then
    assert sorts(nodes) == []
    [scan] = [node for node in nodes if node.get("Index Name") == "inventory_device_created"]
    assert scan["Index Cond"].startswith("(ROW(created_at, id) < ROW(")


@pytest.mark.parametrize(
    "ordering", ["created_at", "code", "brand", "category", "state"], ids=lambda name: name
)
@pytest.mark.parametrize("direction", ["", "-"], ids=["ascending", "descending"])
def test_each_api_ordering_reads_an_index_both_ways(
    devices, client_for, territory_user, ordering, direction
):
    client = client_for(territory_user)

    nodes = first_device_query_plan(lambda: client.get(f"{DEVICES}?ordering={direction}{ordering}"))

    assert sorts(nodes) == []


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("state=declared", "inventory_device_by_state"),
        ("commune=cachan", "inventory_device_by_commune"),
    ],
)
def test_a_list_narrowed_to_a_state_or_a_commune_reads_its_own_index(
    devices, client_for, territory_user, query, index
):
    client = client_for(territory_user)

    nodes = first_device_query_plan(lambda: client.get(f"{DEVICES}?{query}"))

    assert sorts(nodes) == []
    assert index in indexes_read(nodes)


def test_a_device_history_reads_its_index_in_order(devices, client_for, commune_user):
    client = client_for(commune_user)
    url = f"{DEVICES}{devices[0].code}/events/"

    with preferring_indexes():
        sql = reading(queries_of(lambda: client.get(url)), "inventory_deviceevent")[0]
        nodes = plan_nodes(sql)

    assert sorts(nodes) == []
    assert "inventory_event_history" in indexes_read(nodes)


# --- The inventory page ---


@pytest.mark.parametrize(
    ("user", "index"),
    [
        # A commune's list opens on its own devices.
        ("commune_user", "inventory_device_by_commune"),
        ("partner_user", "inventory_device_created"),
        ("territory_user", "inventory_device_created"),
    ],
)
def test_the_inventory_page_reads_its_keys_from_an_index(
    request, devices, page_client, territory, user, index
):
    client = page_client(request.getfixturevalue(user))

    nodes = first_device_query_plan(lambda: client.get(reverse("inventory:device-list")))

    assert sorts(nodes) == []
    assert index in indexes_read(nodes)


@pytest.mark.parametrize(
    "sort", ["code", "-code", "device", "-device", "state", "-state", "declared", "-declared"]
)
def test_each_sortable_column_but_the_commune_reads_an_index(
    devices, page_client, territory, territory_user, sort
):
    # The commune column sorts by the commune's name, in another table: no index of the
    # devices holds it, so that one sort is PostgreSQL's (README, "At scale").
    client = page_client(territory_user)
    url = reverse("inventory:device-list")

    nodes = first_device_query_plan(lambda: client.get(url, {"sort": sort}))

    assert sorts(nodes) == []


def test_the_next_page_of_the_inventory_starts_at_its_position(
    devices, page_client, territory, territory_user, settings
):
    # given
    settings.BOUCLE_DEVICE_PAGE_SIZE = 2
    client = page_client(territory_user)
    url = reverse("inventory:device-list")
    next_cursor = client.get(url).context["page"].next_cursor

    # when
    nodes = first_device_query_plan(lambda: client.get(url, {"cursor": next_cursor}))

    # then
    assert sorts(nodes) == []
    assert "inventory_device_created" in indexes_read(nodes)


# --- The search ---


def search_plan(run) -> tuple[list[dict], list[str]]:
    """The plan of the search's query, and the queries that read the devices.

    Only bitmap scans are left to the planner: on a few rows, reading the newest first and
    filtering costs less than any search, while the question here is which indexes the
    search's conditions can read, as the planner picks them when a search matches a few rows
    among many. A condition no index serves leaves a sequential scan.
    """
    device_queries = reading(queries_of(run), "inventory_device")
    with planner_settings(enable_seqscan="off", enable_indexscan="off", enable_indexonlyscan="off"):
        return plan_nodes(device_queries[0]), device_queries


def test_the_api_search_reads_the_trigram_indexes(devices, client_for, territory_user):
    client = client_for(territory_user)

    word = devices[1].serial_number.lower()

    nodes, device_queries = search_plan(lambda: client.get(f"{DEVICES}?search={word}"))

    assert {
        "inventory_device_brand_trgm",
        "inventory_device_model_trgm",
        "inventory_device_serial_trgm",
        "inventory_device_code_trgm",
    } <= indexes_read(nodes)
    assert len(device_queries) == 1


def test_the_page_search_reads_indexes_only_and_runs_once(
    devices, page_client, territory, territory_user
):
    client = page_client(territory_user)
    url = reverse("inventory:device-list")

    word = devices[1].serial_number.lower()

    nodes, device_queries = search_plan(lambda: client.get(url, {"q": word}))

    assert {
        "inventory_device_brand_trgm",
        "inventory_device_model_trgm",
        "inventory_device_serial_trgm",
        "inventory_device_asset_tag",
    } <= indexes_read(nodes)
    assert "Seq Scan" not in {node["Node Type"] for node in nodes}
    # The keys, then the page's rows by key: the search runs in one query only.
    assert [sql.count("LIKE") for sql in device_queries] == [3, 0]


# --- The imports page ---


@pytest.mark.parametrize(
    ("user", "index"),
    [
        ("commune_user", "inventory_import_by_commune"),
        ("territory_user", "inventory_import_created"),
    ],
)
def test_the_imports_page_reads_its_index_in_order(request, page_client, territory, user, index):
    client = page_client(request.getfixturevalue(user))

    with preferring_indexes():
        queries = queries_of(lambda: client.get(reverse("inventory:import-list")))
        nodes = plan_nodes(reading(queries, "inventory_deviceimport")[0])

    assert sorts(nodes) == []
    assert index in indexes_read(nodes)


# --- The lists embedded in the dashboards ---


@pytest.mark.parametrize(
    ("user", "list_count"),
    [
        # its declared devices, the claims on them
        ("commune_user", 2),
        # the claimable devices, those it holds, its claims
        ("partner_user", 3),
        # the declared devices
        ("territory_user", 1),
    ],
)
def test_the_dashboards_lists_read_their_index_in_order(
    request, devices, page_client, territory, user, list_count
):
    # The dashboards' counts are another matter (the counts they read); their lists of the
    # latest devices and claims are pages of five.
    client = page_client(request.getfixturevalue(user))

    with preferring_indexes():
        queries = queries_of(lambda: client.get(reverse("dashboard")))
        lists = [
            sql
            for sql in reading(queries, "inventory_device")
            if "ORDER BY" in sql and "LIMIT 5" in sql
        ]
        plans = [plan_root(sql) for sql in lists]

    # The latest devices are picked by a limited subquery, then sorted: five rows at most.
    assert [unbounded_sorts(root) for root in plans] == [[]] * list_count


def test_a_communes_latest_declared_devices_are_picked_from_its_own_index(
    commune, commune_user, devices, page_client
):
    # Not the index of every device by date, walked until five of the commune's turn up: at a
    # million devices, the commune's being the oldest, that read 800,000 rows (issue 11).
    client = page_client(commune_user)

    with preferring_indexes():
        queries = queries_of(lambda: client.get(reverse("dashboard")))
        declared = next(
            sql
            for sql in reading(queries, "inventory_device")
            if "LIMIT 5" in sql and "'declared'" in sql
        )
        nodes = plan_nodes(declared)

    # Either index of a commune's devices in order (by state, or all of them) is its own.
    assert indexes_read(nodes) & {"inventory_device_commune_state", "inventory_device_by_commune"}
    assert "inventory_device_created" not in indexes_read(nodes)
