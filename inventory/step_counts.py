"""The step counts: what the impact indicators read instead of scanning the events.

:class:`~inventory.models.DeviceStepCount` holds how many devices reached a step of the loop
(:class:`~inventory.choices.FlowStep`) for the first time in a month, by category, declaring
commune, acting organisation (the event's), and for a reuse the partner that collected the
device (its claimant, which holds it until it is delivered or given) and the days from
its declaration (the device's creation) to its reuse, from which a median is read.

A device counts at a step on its **first event of that kind**, in time then in the order
written (:func:`counted_events`): a claim again after a release, a delivery again after a
return under warranty count for nothing, so that over any run of months a device counts once
per step, and its reuse once (its first ``delivered`` event, a donation's receipt being
``donated``). The counts are derived from the events and the devices by one query, the same
for every writer and for the recount, and kept in the transaction that writes the events:

- the lifecycle's gateways (:func:`inventory.services.device_transition` and
  ``devices_transition``) call :func:`step_counts_record` with the events they wrote: at
  once, or inside :func:`inventory.counts.device_counts_batch` once for the whole batch;
- a declaration and a file import count their ``declared`` events the same way;
- an edited category moves the device's counted steps (:func:`step_counts_recategorise`).

As with the device counts, additions are upserts written in the key's order, subtractions
updates; a count that would fall below zero, or a subtraction from a count not there, is
refused (``IntegrityError``), and :func:`step_counts_rebuild` (``manage.py recount_steps``)
puts the table right. Events are append-only and devices never deleted: nothing else changes
a count. Whatever writes events of these kinds outside these services (a bulk load, a test's
synthetic history) rebuilds the counts after.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth

from inventory.choices import FLOW_KINDS, EventKind, FlowStep
from inventory.models import DeviceEvent, DeviceStepCount

_TABLE = DeviceStepCount._meta.db_table
# The key of a count, as the table's columns, in the order of its unique index.
KEY_COLUMNS = (
    "month",
    "step",
    "category",
    "commune_id",
    "organisation_id",
    "partner_id",
    "days_to_reuse",
)
_COLUMNS = ", ".join(KEY_COLUMNS)
# The same, as counted_events() names them.
_COUNTED = ("month", "step", "category", "commune", "organisation", "partner", "days_to_reuse")
_CONFLICT = (
    "(month, step, category, commune_id, (COALESCE(organisation_id, 0)), "
    "(COALESCE(partner_id, 0)), (COALESCE(days_to_reuse, -1)))"
)
_KEY_MATCH = (
    "month = %s AND step = %s AND category = %s AND commune_id = %s "
    "AND COALESCE(organisation_id, 0) = COALESCE(%s, 0) "
    "AND COALESCE(partner_id, 0) = COALESCE(%s, 0) "
    "AND COALESCE(days_to_reuse, -1) = COALESCE(%s, -1)"
)


class StepKey(NamedTuple):
    """What a device's step is counted under: the values of :data:`KEY_COLUMNS`."""

    month: Any
    step: str
    category: str
    commune_id: int
    organisation_id: int | None
    partner_id: int | None
    days_to_reuse: int | None

    @property
    def index_order(self) -> tuple:
        """The key as the unique index orders it."""
        return (
            str(self.month),
            self.step,
            self.category,
            self.commune_id,
            self.organisation_id or 0,
            self.partner_id or 0,
            -1 if self.days_to_reuse is None else self.days_to_reuse,
        )


class WholeDays(Func):
    """The days from ``start`` to ``end`` (two moments), to the nearest whole day (so that a
    change of summer time between them counts for nothing)."""

    output_field = IntegerField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        end, end_params = compiler.compile(self.source_expressions[0])
        start, start_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "postgresql":
            sql = f"CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start})) / 86400) AS INTEGER)"
        else:  # SQLite keeps moments as text julianday() reads; a reuse comes after
            sql = f"CAST(julianday({end}) - julianday({start}) + 0.5 AS INTEGER)"
        return sql, [*end_params, *start_params]


def counted_events(events: QuerySet[DeviceEvent]) -> QuerySet[DeviceEvent]:
    """The events of ``events`` that count: each device's first event of each kind of the
    loop, annotated with the key it counts under (``month``, ``step``, ``category``,
    ``commune``, ``organisation``, ``partner``, ``days_to_reuse``)."""
    earlier = DeviceEvent.objects.filter(device=OuterRef("device"), kind=OuterRef("kind")).filter(
        Q(created_at__lt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    reuse = Q(kind=EventKind.DELIVERED)
    return (
        events.filter(kind__in=FLOW_KINDS)
        .exclude(Exists(earlier))
        .annotate(
            month=TruncMonth("created_at", output_field=DateField()),
            step=Case(
                When(reuse & Q(details__has_key="donation"), then=Value(FlowStep.DONATED.value)),
                default=F("kind"),
                output_field=CharField(),
            ),
            category=F("device__category"),
            commune=F("device__commune"),
            partner=Case(When(reuse, then=F("device__claimed_by")), default=None),
            days_to_reuse=Case(
                When(reuse, then=WholeDays("created_at", "device__created_at")),
                default=None,
                output_field=IntegerField(),
            ),
        )
    )


def _counted_sql(events: QuerySet[DeviceEvent]) -> tuple[str, list]:
    """The counts of ``events``' counted steps, as a SELECT of the key's columns and the
    count, in the key's order (a WHERE clause included: SQLite needs one before ON CONFLICT)."""
    grouped = counted_events(events).values(*_COUNTED).annotate(devices=Count("pk")).order_by()
    sql, params = grouped.query.sql_with_params()
    # Selected by name from the grouping, whatever order Django gives its columns.
    columns = ", ".join(f"counted.{name}" for name in _COUNTED)
    return (
        f"SELECT {columns}, counted.devices FROM ({sql}) AS counted WHERE 1 = 1 "
        f"ORDER BY counted.month, counted.step, counted.category, counted.commune, "
        f"COALESCE(counted.organisation, 0), COALESCE(counted.partner, 0), "
        f"COALESCE(counted.days_to_reuse, -1)",
        list(params),
    )


def _upsert(events: QuerySet[DeviceEvent]) -> None:
    sql, params = _counted_sql(events)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {_TABLE} ({_COLUMNS}, "count") {sql} ON CONFLICT {_CONFLICT} '
            f'DO UPDATE SET "count" = {_TABLE}."count" + EXCLUDED."count"',
            params,
        )


# The events a batch wrote (their filters), counted when it ends; None outside a batch.
_pending: ContextVar[list[Q] | None] = ContextVar("inventory_step_counts_pending", default=None)


@contextmanager
def step_counts_batch() -> Iterator[None]:
    """Count the events recorded inside once, at the end (see
    :func:`inventory.counts.device_counts_batch`, which opens this one): their rows locked
    together, in the key's order. A batch inside another one joins it."""
    if _pending.get() is not None:
        yield
        return
    pending: list[Q] = []
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    if pending:
        _upsert(DeviceEvent.objects.filter(_any(pending)))


def _any(filters: list[Q]) -> Q:
    combined = Q(pk__in=[])
    for events in filters:
        combined |= events
    return combined


def step_counts_record(*, events: Q) -> None:
    """Count the events just written that ``events`` selects (those of the loop's kinds that
    are their device's first of their kind), in the caller's transaction: at once, or at the
    end of the batch it runs in."""
    pending = _pending.get()
    if pending is not None:
        pending.append(events)
        return
    _upsert(DeviceEvent.objects.filter(events))


def step_counts_record_new_devices(
    *, month: datetime.date, commune_id: int, organisation_id: int, categories: Counter[str]
) -> None:
    """Count the ``declared`` events of devices just created, ``categories`` giving how many
    of each category, written in ``month`` by ``organisation_id`` for ``commune_id``: what
    :func:`step_counts_record` counts for them, without looking for an earlier event of
    theirs (a device just created has none), which a file import of 200,000 devices paid
    for with an anti-join over the whole event table."""
    _add(
        Counter(
            {
                StepKey(
                    month=month,
                    step=FlowStep.DECLARED.value,
                    category=category,
                    commune_id=commune_id,
                    organisation_id=organisation_id,
                    partner_id=None,
                    days_to_reuse=None,
                ): devices
                for category, devices in categories.items()
            }
        )
    )


def step_counts_recategorise(*, device_pk: int, before: str) -> None:
    """Move the counted steps of a device whose category was ``before`` to its category now,
    in the caller's transaction (after the device is saved)."""
    rows = list(
        counted_events(DeviceEvent.objects.filter(device_id=device_pk))
        .values_list(*_COUNTED)
        .order_by()
    )
    changes: Counter[StepKey] = Counter()
    for row in rows:
        key = StepKey(*row)
        changes[key._replace(category=before)] -= 1
        changes[key] += 1
    _add(changes)


def _add(changes: Counter[StepKey]) -> None:
    """Add each change to its key's count, in the key's order; a subtraction from a count
    not there, or below zero, raises ``IntegrityError``."""
    rows = sorted(
        ((key, change) for key, change in changes.items() if change),
        key=lambda row: row[0].index_order,
    )
    with connection.cursor() as cursor:
        for key, change in rows:
            if change > 0:
                cursor.execute(
                    f'INSERT INTO {_TABLE} ({_COLUMNS}, "count") '
                    f"VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT {_CONFLICT} "
                    f'DO UPDATE SET "count" = {_TABLE}."count" + EXCLUDED."count"',
                    [*key, change],
                )
                continue
            cursor.execute(
                f'UPDATE {_TABLE} SET "count" = "count" - %s WHERE {_KEY_MATCH}', [-change, *key]
            )
            if cursor.rowcount != 1:
                raise IntegrityError(
                    f"No step is counted under {key}: the step counts no longer match the "
                    "events; rebuild them with manage.py recount_steps."
                )


# --- Checking and rebuilding the counts from the events. ---


@dataclass(frozen=True)
class StepCountDifference:
    """A key whose stored count is not the number of devices the events count under it."""

    key: StepKey
    stored: int
    devices: int


def _stored() -> dict[StepKey, int]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT {_COLUMNS}, "count" FROM {_TABLE}')
        return {
            StepKey(*_month(row[:7])): row[7] for row in cursor.fetchall() if row[7] is not None
        }


def _month(values: tuple) -> tuple:
    # SQLite hands dates back as text in a raw cursor.
    month = values[0]
    return (str(month)[:10], *values[1:])


def _recounted() -> dict[StepKey, int]:
    sql, params = _counted_sql(DeviceEvent.objects.all())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {StepKey(*_month(row[:7])): row[7] for row in cursor.fetchall()}


def _differences(stored: dict, counted: dict) -> list[StepCountDifference]:
    differences = [
        StepCountDifference(key=key, stored=stored.get(key, 0), devices=counted.get(key, 0))
        for key in stored.keys() | counted.keys()
        if stored.get(key, 0) != counted.get(key, 0)
    ]
    return sorted(differences, key=lambda difference: difference.key.index_order)


def step_counts_differences() -> list[StepCountDifference]:
    """Every key whose stored count differs from a recount of the events, in the key's
    order; changes nothing. Read while no event is written (the counts are read first, then
    the events): a step counted meanwhile shows as a difference."""
    return _differences(_stored(), _recounted())


def step_counts_rebuild() -> list[StepCountDifference]:
    """Count the events again and store that, in one transaction; return what was wrong.

    On PostgreSQL the table is locked first (reads go on): an event written meanwhile is
    counted once the rebuild commits, on top of the rebuilt figures, as it was not yet
    visible to the recount; nothing is counted twice or lost.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {_TABLE} IN EXCLUSIVE MODE")
        stored = _stored()
        cursor.execute(f"DELETE FROM {_TABLE}")
        sql, params = _counted_sql(DeviceEvent.objects.all())
        cursor.execute(f'INSERT INTO {_TABLE} ({_COLUMNS}, "count") {sql}', params)
        counted = _stored()
    return _differences(stored, counted)
