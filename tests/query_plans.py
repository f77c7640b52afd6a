"""PostgreSQL's plans of the queries a page or an endpoint ran: which indexes they read, and
whether they sort.

The test databases hold a few rows, where reading a whole table and sorting it beats any
index: the tests that ask for the plan turn sequential scans and sorts off
(:func:`preferring_indexes`). PostgreSQL then still scans or sorts when nothing else can
answer the query (it only makes them cost more), so a plan without a sort shows that an index
reads the list in its order. Whether the planner picks it at scale is the benchmark's to show
(bench/), not a test's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Query plans are PostgreSQL's; the suite runs on it in CI (DATABASE_URL).",
)


@contextmanager
def planner_settings(**settings: str) -> Iterator[None]:
    """PostgreSQL's planner settings (``enable_seqscan="off"``) for the block."""
    with connection.cursor() as cursor:
        for name, value in settings.items():
            cursor.execute(f"SET {name} = {value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name in settings:
                cursor.execute(f"RESET {name}")


def preferring_indexes():
    """Sequential scans and sorts only when nothing else answers (see above)."""
    return planner_settings(enable_seqscan="off", enable_sort="off", enable_incremental_sort="off")


def plan_root(sql: str, params=None) -> dict:
    """The plan of ``sql``: its top node, each node's children under ``Plans``."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (document,) = cursor.fetchone()
    return document[0]["Plan"]


def plan_nodes(sql: str, params=None) -> list[dict]:
    """Every node of the plan of ``sql``, depth first."""
    return _depth_first(plan_root(sql, params))


def _depth_first(root: dict) -> list[dict]:
    nodes, pending = [], [root]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(reversed(node.get("Plans", [])))
    return nodes


def queryset_plan_nodes(queryset) -> list[dict]:
    """Every node of the plan of ``queryset``."""
    return plan_nodes(*queryset.query.sql_with_params())


def queries_of(run) -> list[str]:
    """The SQL of the queries ``run()`` sends, with its parameters."""
    with CaptureQueriesContext(connection) as queries:
        run()
    return [query["sql"] for query in queries.captured_queries]


def reading(queries: list[str], table: str) -> list[str]:
    """The queries that read ``table`` first (``FROM "table"``)."""
    return [sql for sql in queries if f'FROM "{table}"' in sql]


def listing(queries: list[str], table: str) -> str:
    """The first query that lists ``table`` in an order (a paginator's count comes before)."""
    return next(sql for sql in reading(queries, table) if "ORDER BY" in sql)


def sorts(nodes: list[dict]) -> list[str]:
    """The sort nodes of a plan (a Sort, an Incremental Sort)."""
    return [node["Node Type"] for node in nodes if "Sort" in node["Node Type"]]


def unbounded_sorts(root: dict) -> list[str]:
    """The sort nodes of a plan that sort rows no limit below them bounds: a sort of the few
    rows a limited subquery picked (``DeviceQuerySet.first_rows``) is not one."""
    return [
        node["Node Type"]
        for node in _depth_first(root)
        if "Sort" in node["Node Type"]
        and not any(below["Node Type"] == "Limit" for below in _depth_first(node)[1:])
    ]


def indexes_read(nodes: list[dict]) -> set[str]:
    """The indexes the plan reads (by index scans and bitmap index scans)."""
    return {node["Index Name"] for node in nodes if "Index Name" in node}
