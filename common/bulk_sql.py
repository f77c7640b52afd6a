"""Set-based writes of many rows without building a model instance for each.

Django's ``bulk_create`` and ``filter(pk__in=[…])`` build an object, or a query parameter,
per row: for the tens of thousands of rows a campaign's closing writes (the devices' events,
the orders' devices, the purchase orders' device links), that Python work costs more than the
database's. Here the rows travel as one JSON parameter that the database unfolds itself
(``jsonb_array_elements`` on PostgreSQL, ``json_each`` on SQLite): one statement, one
parameter, whatever the number of rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import Field, JSONField, Model
from django.db.models.expressions import RawSQL


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def pk_set(pks: Iterable[int]) -> RawSQL:
    """A subquery of the primary keys ``pks``, for ``filter(pk__in=pk_set(pks))``: one
    parameter, however many keys."""
    data = json.dumps([int(pk) for pk in pks])
    if _postgres():
        return RawSQL("SELECT CAST(jsonb_array_elements_text(CAST(%s AS jsonb)) AS bigint)", [data])
    return RawSQL("SELECT value FROM json_each(%s)", [data])


def _column_value(field: Field, index: int) -> str:
    """The SQL reading the ``index``-th value of a row ``e.value`` (a JSON array)."""
    is_json = isinstance(field, JSONField)
    if _postgres():
        if is_json:
            return f"e.value -> {index}"
        return f"CAST(e.value ->> {index} AS {field.db_type(connection)})"
    return f"e.value {'->' if is_json else '->>'} '$[{index}]'"


def insert_rows(
    model: type[Model],
    *,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    constants: Mapping[str, Any] | None = None,
) -> int:
    """Insert ``rows`` into ``model``'s table in one statement; the number of rows.

    Each row gives the values of ``columns`` (field names or attribute names such as
    ``device_id``), in that order, as JSON values (a JSON field's value as its object);
    ``constants`` gives the fields that every row shares, as the model would store them (a
    time, a foreign key's primary key). Defaults are not applied: name every column without
    a database default. No signal is sent, no instance made; the rows keep their order.
    """
    rows = list(rows)
    if not rows:
        return 0
    constants = dict(constants or {})
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    constant_fields = [meta.get_field(name) for name in constants]
    quote = connection.ops.quote_name
    targets = ", ".join(quote(field.column) for field in [*fields, *constant_fields])
    selected = [_column_value(field, index) for index, field in enumerate(fields)]
    params: list[Any] = []
    for field, value in zip(constant_fields, constants.values(), strict=True):
        selected.append(f"CAST(%s AS {field.db_type(connection)})" if _postgres() else "%s")
        params.append(field.get_db_prep_save(value, connection))
    params.append(json.dumps(rows, cls=DjangoJSONEncoder))
    if _postgres():
        source = (
            "jsonb_array_elements(CAST(%s AS jsonb)) WITH ORDINALITY AS e(value, position) "
            "ORDER BY e.position"
        )
    else:
        source = "json_each(%s) AS e ORDER BY e.key"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({targets}) "
            f"SELECT {', '.join(selected)} FROM {source}",
            params,
        )
    return len(rows)
