"""The device counts: what dashboards and reports read instead of counting the devices.

:class:`~inventory.models.DeviceCount` holds how many devices share one declaring commune,
holder, claimant, state and category. Whatever moves a device from one such key to another
updates the counts in its own transaction, through this module:

- the lifecycle's gateway, :func:`inventory.services.device_transition`, calls
  :func:`device_counts_move` for every transition: the counts change at once, or, inside
  :func:`device_counts_batch`, once for all the transitions of a batch (a claim of a whole
  declaration, a collection, a shipment to recycling);
- a declaration, an edited category and a file import call :func:`device_counts_add` (the
  import with its staged rows counted by category in the database,
  :mod:`inventory.imports.staging`).

Each change adds to, or takes from, what is stored, never sets it: additions are upserts
(``INSERT … ON CONFLICT DO UPDATE SET count = count + EXCLUDED.count``, the same statement on
PostgreSQL and SQLite), subtractions updates (``SET count = count - n``). Concurrent changes
never lose one another, and the rows are written in the key's order, so two transactions lock
the rows they share in the same order. A count that would fall below zero, or a subtraction
from a count that is not there, is refused (``IntegrityError``): the table no longer matches the
devices, and :func:`device_counts_rebuild` (``manage.py recount_devices``) puts it right.
Devices are never deleted (their append-only events protect them), so no deletion is counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction

from inventory.models import Device, DeviceCount
from inventory.step_counts import step_counts_batch

# The device's fields a count is kept for, in the order of the table's unique key.
KEY_FIELDS = ("commune_id", "holder_id", "claimed_by_id", "state", "category")
_COLUMNS = ", ".join(KEY_FIELDS)
_TABLE = DeviceCount._meta.db_table

# Adds the rows of ``{source}`` (VALUES, or a SELECT with a WHERE clause: SQLite needs one
# before ON CONFLICT) to the counts. The conflict target is the table's unique index,
# expression included.
UPSERT = (
    f'INSERT INTO {_TABLE} ({_COLUMNS}, "count") {{source}} '
    "ON CONFLICT (commune_id, holder_id, (COALESCE(claimed_by_id, 0)), state, category) "
    f'DO UPDATE SET "count" = {_TABLE}."count" + EXCLUDED."count"'
)


class CountKey(NamedTuple):
    """What a device is counted under: the ids and values of :data:`KEY_FIELDS`."""

    commune_id: int
    holder_id: int
    claimed_by_id: int | None
    state: str
    category: str

    @property
    def index_order(self) -> tuple:
        """The key as the unique index orders it (no claimant: 0)."""
        return (self.commune_id, self.holder_id, self.claimed_by_id or 0, self.state, self.category)


def count_key(device: Device) -> CountKey:
    """The key ``device`` is counted under, as the object holds it now."""
    return CountKey(*(getattr(device, name) for name in KEY_FIELDS))


def device_counts_add(*, changes: Mapping[CountKey, int]) -> None:
    """Add each change (a number of devices, negative to take away) to its key's count, in the
    key's order; changes of zero are left out.

    Consecutive additions go in one upsert; each subtraction is an update of its row, as the
    row an upsert would insert is checked (``count >= 0``) before its conflict is found. A
    subtraction from a count that is not there, or below zero, raises ``IntegrityError``.
    """
    rows = sorted(
        ((key, change) for key, change in changes.items() if change),
        key=lambda row: row[0].index_order,
    )
    additions: list[tuple[CountKey, int]] = []
    subtractions = [(key, -change) for key, change in rows if change < 0]
    with connection.cursor() as cursor:
        if len(subtractions) > 1:
            # Many keys at once (a group order reserving devices of several communes): their
            # rows locked in the key's order, then one update and one upsert, however many.
            _lock(cursor, [key for key, _change in rows])
            _subtract_many(cursor, subtractions)
            _add(cursor, [(key, change) for key, change in rows if change > 0])
            return
        for key, change in rows:
            if change > 0:
                additions.append((key, change))
                continue
            _add(cursor, additions)
            additions = []
            _subtract(cursor, key, -change)
        _add(cursor, additions)


def _add(cursor, rows: list[tuple[CountKey, int]]) -> None:
    if rows:
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(rows))
        cursor.execute(
            UPSERT.format(source=f"VALUES {values}"),
            [value for key, change in rows for value in (*key, change)],
        )


_KEY_MATCH = (
    "{table}.commune_id = {values}.column1 AND {table}.holder_id = {values}.column2 "
    "AND COALESCE({table}.claimed_by_id, 0) = {values}.column3 "
    "AND {table}.state = {values}.column4 AND {table}.category = {values}.column5"
)


def _values(rows: list[tuple], width: int) -> str:
    # Typed once, in the first row, for PostgreSQL; SQLite reads the same SQL.
    typed = "(CAST(%s AS INTEGER), CAST(%s AS INTEGER), CAST(%s AS INTEGER), %s, %s"
    typed += ", CAST(%s AS INTEGER))" if width == 6 else ")"
    plain = "(" + ", ".join(["%s"] * width) + ")"
    return "VALUES " + ", ".join([typed] + [plain] * (len(rows) - 1))


def _lock(cursor, keys: list[CountKey]) -> None:
    """Lock the existing rows of ``keys`` in the key's order (SQLite locks the database)."""
    if connection.vendor != "postgresql":
        return
    cursor.execute(
        f"SELECT {_TABLE}.id FROM {_TABLE} JOIN ({_values(keys, 5)}) AS keys ON "
        + _KEY_MATCH.format(table=_TABLE, values="keys")
        + f" ORDER BY {_TABLE}.commune_id, {_TABLE}.holder_id, "
        f"COALESCE({_TABLE}.claimed_by_id, 0), {_TABLE}.state, {_TABLE}.category "
        f"FOR UPDATE OF {_TABLE}",
        [value for key in keys for value in key.index_order],
    )


def _subtract_many(cursor, rows: list[tuple[CountKey, int]]) -> None:
    cursor.execute(
        f'UPDATE {_TABLE} SET "count" = {_TABLE}."count" - changes.column6 '
        f"FROM ({_values(rows, 6)}) AS changes WHERE "
        + _KEY_MATCH.format(table=_TABLE, values="changes"),
        [value for key, number in rows for value in (*key.index_order, number)],
    )
    if cursor.rowcount != len(rows):
        raise IntegrityError(
            "Devices are taken from counts that are not there: the counts no longer match "
            "the devices; rebuild them with manage.py recount_devices."
        )


def _subtract(cursor, key: CountKey, number: int) -> None:
    cursor.execute(
        f"""UPDATE {_TABLE} SET "count" = "count" - %s
        WHERE commune_id = %s AND holder_id = %s AND COALESCE(claimed_by_id, 0) = %s
        AND state = %s AND category = %s""",
        [number, *key.index_order],
    )
    if cursor.rowcount != 1:
        raise IntegrityError(
            f"No device is counted under {key}: the counts no longer match the devices; "
            "rebuild them with manage.py recount_devices."
        )


@dataclass
class _Batch:
    # Each device transitioned in the batch, and the key it had before its first transition.
    before: dict[int, CountKey] = field(default_factory=dict)


_batch: ContextVar[_Batch | None] = ContextVar("inventory_counts_batch", default=None)
# Devices read back per query when a batch ends.
_READ_BACK = 2000


@contextmanager
def device_counts_batch() -> Iterator[None]:
    """Count the transitions run inside once, when the block ends.

    For services moving many devices at once: inside, the gateway only notes each device's key
    before its first transition; at the end, the keys the devices have then are read back (a
    transition rolled back to a savepoint counts for nothing) and the differences written at
    once. The rows of the counts are then locked together, in the key's order and for the rest
    of the transaction only, rather than one by one in the devices' order (which could
    deadlock with another batch locking the same rows in another order). The block runs in a
    transaction (the caller's, if any), so the counts commit with the transitions; a batch
    inside another one joins it. The step counts of the events the batch writes are counted
    at its end too (:func:`inventory.step_counts.step_counts_batch`).
    """
    if _batch.get() is not None:
        yield
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        # The step counts of the batch's events (inventory.step_counts) written after the
        # device counts, as the gateway writes them one by one.
        with transaction.atomic(), step_counts_batch():
            yield
            _batch.reset(token)
            token = None
            _flush(batch)
    finally:
        if token is not None:
            _batch.reset(token)


def _flush(batch: _Batch) -> None:
    changes: Counter[CountKey] = Counter()
    pks = list(batch.before)
    for start in range(0, len(pks), _READ_BACK):
        rows = Device.objects.filter(pk__in=pks[start : start + _READ_BACK]).values_list(
            "pk", *KEY_FIELDS
        )
        for pk, *values in rows:
            before, after = batch.before[pk], CountKey(*values)
            if before != after:
                changes[before] -= 1
                changes[after] += 1
    device_counts_add(changes=changes)


def device_counts_move(*, device_pk: int, before: CountKey, after: CountKey) -> None:
    """Count a device moved from ``before`` to ``after`` by the lifecycle's gateway, in its
    transaction: at once, or at the end of the :func:`device_counts_batch` it runs in."""
    device_counts_move_many(moves=[(device_pk, before, after)])


def device_counts_move_many(*, moves: Iterable[tuple[int, CountKey, CountKey]]) -> None:
    """Count devices moved, each ``(device_pk, before, after)``, by the lifecycle's gateways,
    in their transaction: in one write of the counts, or at the end of the
    :func:`device_counts_batch` they run in."""
    batch = _batch.get()
    if batch is not None:
        for device_pk, before, _after in moves:
            batch.before.setdefault(device_pk, before)
        return
    changes: Counter[CountKey] = Counter()
    for _device_pk, before, after in moves:
        if before != after:
            changes[before] -= 1
            changes[after] += 1
    device_counts_add(changes=changes)


# --- Checking and rebuilding the counts from the devices. ---


@dataclass(frozen=True)
class CountDifference:
    """A key whose stored count is not the number of devices counted under it."""

    key: CountKey
    stored: int
    devices: int


# The devices counted per key, as a SELECT usable by UPSERT.
_RECOUNT = (
    f"SELECT {_COLUMNS}, COUNT(*) FROM {Device._meta.db_table} WHERE 1 = 1 GROUP BY {_COLUMNS}"
)


def device_counts_differences() -> list[CountDifference]:
    """Every key whose stored count differs from the devices, in the key's order; changes
    nothing.

    One statement compares both sides, so on PostgreSQL it reads one snapshot of both even
    while devices change.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT {_COLUMNS}, SUM(stored), SUM(devices) FROM (
                SELECT {_COLUMNS}, "count" AS stored, 0 AS devices FROM {_TABLE}
                UNION ALL
                SELECT {_COLUMNS}, 0 AS stored, COUNT(*) AS devices
                FROM {Device._meta.db_table} GROUP BY {_COLUMNS}
            ) AS both_sides
            GROUP BY {_COLUMNS}
            HAVING SUM(stored) <> SUM(devices)"""
        )
        differences = [
            CountDifference(key=CountKey(*row[:5]), stored=int(row[5]), devices=int(row[6]))
            for row in cursor.fetchall()
        ]
    return sorted(differences, key=lambda difference: difference.key.index_order)


def device_counts_rebuild() -> list[CountDifference]:
    """Count the devices again and store that, in one transaction; return what was wrong.

    On PostgreSQL the table is locked first (reads go on): a transition running meanwhile
    updates the counts once the rebuild commits, on top of the rebuilt figures, as its change
    of the device was not yet visible to the recount; nothing is counted twice or lost.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {_TABLE} IN EXCLUSIVE MODE")
        # Deleting first takes SQLite's write lock before anything is read.
        cursor.execute(f'DELETE FROM {_TABLE} RETURNING {_COLUMNS}, "count"')
        stored = {CountKey(*row[:5]): row[5] for row in cursor.fetchall()}
        cursor.execute(UPSERT.format(source=f"{_RECOUNT} ORDER BY {_COLUMNS}"))
        cursor.execute(f'SELECT {_COLUMNS}, "count" FROM {_TABLE}')
        counted = {CountKey(*row[:5]): row[5] for row in cursor.fetchall()}
    differences = [
        CountDifference(key=key, stored=stored.get(key, 0), devices=counted.get(key, 0))
        for key in stored.keys() | counted.keys()
        if stored.get(key, 0) != counted.get(key, 0)
    ]
    return sorted(differences, key=lambda difference: difference.key.index_order)
