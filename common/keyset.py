"""Keyset pagination, shared by the API's cursor pages and the pages' lists.

A page starts strictly after the last row shown, compared on the whole ordering key (the
primary key last, so that no two rows tie). The database reads one page from an index on
that key, however deep the page, and nothing counts the rows: a list of a million devices
costs what a list of a hundred does. ``OFFSET`` and ``COUNT(*)``, which Django's paginator
runs, read every row before the page.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Expression, F, Field, Func, Model, Q, QuerySet, Value
from django.db.models.constants import LOOKUP_SEP
from django.db.models.lookups import GreaterThan, LessThan


def field_of(model: type[Model], name: str) -> Field:
    """The model field an ordering name reads: ``pk``, a field, or one across relations
    (``commune__name``)."""
    *relations, last = name.lstrip("-").split(LOOKUP_SEP)
    for relation in relations:
        model = model._meta.get_field(relation).related_model
        if model is None:
            raise FieldDoesNotExist(name)
    return model._meta.pk if last == "pk" else model._meta.get_field(last)


def with_tie_breaker(model: type[Model], ordering: Sequence[str]) -> tuple[str, ...]:
    """``ordering`` made total: followed by the primary key, in the direction of its first
    field, unless it already orders every row apart (by the primary key or another unique
    field). Keeping one direction lets a single index read the whole ordering, both ways."""
    ordering = tuple(ordering)
    if any(_is_unique(model, name) for name in ordering):
        return ordering
    return (*ordering, "-pk" if ordering and ordering[0].startswith("-") else "pk")


def _is_unique(model: type[Model], name: str) -> bool:
    try:
        return field_of(model, name).unique
    except FieldDoesNotExist:  # an annotation
        return False


def reversed_ordering(ordering: Sequence[str]) -> tuple[str, ...]:
    return tuple(name[1:] if name.startswith("-") else f"-{name}" for name in ordering)


class Row(Func):
    """A row value, ``(a, b, …)``: PostgreSQL and SQLite compare rows lexicographically."""

    function = ""
    output_field = Field()


def rows_after(model: type[Model], ordering: Sequence[str], position: Sequence[Any]) -> Expression:
    """A filter keeping the rows strictly after ``position`` (the ordering's values of a row)
    in ``ordering``.

    When every field goes one way, a row comparison, ``(created_at, id) < (%s, %s)``: an index
    on those columns starts its scan right at the position. Mixed directions spell the
    lexicographic comparison out.
    """
    directions = {name.startswith("-") for name in ordering}
    if len(directions) == 1:
        lookup = LessThan if directions.pop() else GreaterThan
        names = [name.lstrip("-") for name in ordering]
        return lookup(
            Row(*(F(name) for name in names)),
            Row(
                *(
                    Value(value, output_field=field_of(model, name))
                    for name, value in zip(names, position, strict=True)
                )
            ),
        )
    after = Q(pk__in=[])
    equal = Q()
    for name, value in zip(ordering, position, strict=True):
        field = name.lstrip("-")
        after |= equal & Q(**{f"{field}__{'lt' if name.startswith('-') else 'gt'}": value})
        equal &= Q(**{field: value})
    return after


def position_of(instance: Model, ordering: Sequence[str]) -> list[Any]:
    """The values of ``ordering`` for ``instance``, across relations, as JSON can hold them."""
    values = []
    for name in ordering:
        value: Any = instance
        for part in name.lstrip("-").split(LOOKUP_SEP):
            value = getattr(value, part)
        if isinstance(value, datetime.date | datetime.time):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        values.append(value)
    return values


def position_from_json(
    model: type[Model], ordering: Sequence[str], values: Any
) -> list[Any] | None:
    """``values`` read back as the ordering's fields' values; ``None`` when they are not."""
    if not isinstance(values, list) or len(values) != len(ordering):
        return None
    try:
        return [
            field_of(model, name).to_python(value)
            for name, value in zip(ordering, values, strict=True)
        ]
    except (ValidationError, TypeError, ValueError):
        return None


# --- Pages: keyset pages with a bounded count. ---

# The rows an old link's ``?page=N`` reaches when the list counts nothing.
PAGE_NUMBER_WINDOW = 1000


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list, read by its keys.

    ``start`` is the position of the first row (from 1). ``count`` is the list's length when
    it is at most the count limit, else ``None``, when ``count_exceeds`` is that limit (the
    page says "more than 1,000"). The links carry the count forward, as read on the first page.
    """

    rows: list[Any]
    start: int
    count: int | None
    count_exceeds: int | None
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def end(self) -> int:
        return self.start + len(self.rows) - 1

    @property
    def has_other_pages(self) -> bool:
        return self.next_cursor is not None or self.previous_cursor is not None


def keyset_page(
    queryset: QuerySet,
    params: Mapping[str, str],
    *,
    ordering: Sequence[str],
    size: int,
    count_limit: int | None = 1000,
    rows: QuerySet | None = None,
    then: Callable[[list[Any]], Any] | None = None,
    cursor_param: str = "cursor",
    page_param: str = "page",
) -> KeysetPage:
    """The page of ``queryset`` that ``params`` (the query string) asks for.

    Without a cursor, one query reads the keys of the list's first ``count_limit`` + 1 rows,
    in order: the search and filters run once, over an index, and tell how many rows there
    are up to the limit; a second query reads the page's rows by primary key. An old link's
    ``?page=N`` is served from those keys (the last page within them when N is beyond). With
    a cursor (the links' ``?cursor=``), one query reads the page after (or before) the row
    it names, from the index, and the count is the one the link carries. A cursor that does
    not decode shows the first page. ``count_limit=None`` counts nothing: the first page is
    one query.

    ``rows`` is where the page's rows are read by key: by default ``queryset`` itself, whose
    filters then run again on those keys; a list whose filters cost (a text search) passes
    its bare queryset (its joins), the keys having been read from the list.

    ``then`` is given the page's rows once read, before the links are written from them: a
    list reads its rows' relations there, for them all (the links may sort on them).
    """
    model = queryset.model
    ordering = with_tie_breaker(model, ordering)
    cursor = _decode_cursor(params.get(cursor_param), model, ordering)
    if cursor is not None:
        return _page_at_cursor(queryset, cursor, ordering=ordering, size=size, then=then)

    number = _page_number(params.get(page_param))
    if count_limit is None and number == 1:
        first = list(queryset.order_by(*ordering)[: size + 1])
        if then is not None:
            then(first[:size])
        return _page(
            first[:size], ordering, start=1, count=None, exceeds=None, has_next=len(first) > size
        )

    # The keys an old link's page number reaches: those the count reads, or at most
    # PAGE_NUMBER_WINDOW; a page beyond them shows the last page within them.
    window = max(size, count_limit if count_limit is not None else PAGE_NUMBER_WINDOW)
    keys = list(queryset.order_by(*ordering).values_list("pk", flat=True)[: window + 1])
    count = exceeds = None
    if count_limit is not None:
        count, exceeds = (None, count_limit) if len(keys) > count_limit else (len(keys), None)
    number = min(number, max(1, math.ceil(min(len(keys), window) / size)))
    offset = (number - 1) * size
    page_keys = keys[offset : offset + size]
    found = (rows if rows is not None else queryset).filter(pk__in=page_keys)
    page_rows = list(found.order_by(*ordering)) if page_keys else []
    if then is not None:
        then(page_rows)
    return _page(
        page_rows,
        ordering,
        start=offset + 1,
        count=count,
        exceeds=exceeds,
        has_next=len(keys) > offset + size,
        has_previous=number > 1,
    )


@dataclass(frozen=True)
class _Cursor:
    position: list[Any]
    backwards: bool
    start: int
    count: int | None
    count_exceeds: int | None


def _page_number(value: str | None) -> int:
    if value is None or not value.isascii() or not value.isdigit():
        return 1
    return max(1, min(int(value), 1_000_000))


def _page_at_cursor(
    queryset: QuerySet,
    cursor: _Cursor,
    *,
    ordering,
    size: int,
    then: Callable[[list[Any]], Any] | None,
) -> KeysetPage:
    model = queryset.model
    walk = reversed_ordering(ordering) if cursor.backwards else ordering
    rows = list(
        queryset.filter(rows_after(model, walk, cursor.position)).order_by(*walk)[: size + 1]
    )
    more = len(rows) > size
    rows = rows[:size]
    if then is not None:
        then(rows)
    if cursor.backwards:
        rows.reverse()
        # Nothing before: this is the first page, whatever the link said.
        start = max(1, cursor.start - len(rows)) if more else 1
        has_next, has_previous = True, more
    else:
        start, has_next, has_previous = cursor.start, more, True
    return _page(
        rows,
        ordering,
        start=start,
        count=cursor.count,
        exceeds=cursor.count_exceeds,
        has_next=has_next,
        has_previous=has_previous,
    )


def _page(
    rows: list[Any],
    ordering: Sequence[str],
    *,
    start: int,
    count: int | None,
    exceeds: int | None,
    has_next: bool,
    has_previous: bool = False,
) -> KeysetPage:
    def link(row, *, backwards: bool, at: int) -> str:
        data = {
            "p": position_of(row, ordering),
            "b": backwards,
            "s": at,
            "n": count,
            "x": exceeds,
        }
        encoded = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
        return encoded.decode().rstrip("=")

    end = start + len(rows)
    return KeysetPage(
        rows=rows,
        start=start,
        count=count,
        count_exceeds=exceeds,
        next_cursor=link(rows[-1], backwards=False, at=end) if has_next and rows else None,
        previous_cursor=link(rows[0], backwards=True, at=start) if has_previous and rows else None,
    )


def _decode_cursor(value: str | None, model, ordering) -> _Cursor | None:
    if not value:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    position = position_from_json(model, ordering, data.get("p"))
    start, count, exceeds = data.get("s"), data.get("n"), data.get("x")
    if (
        position is None
        or not _whole(start)
        or not (count is None or _whole(count))
        or not (exceeds is None or _whole(exceeds))
    ):
        return None
    return _Cursor(position, bool(data.get("b")), max(1, start), count, exceeds)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
