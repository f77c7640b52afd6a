"""Keyset pagination (common.keyset): total orderings, rows after a position, pages by keys."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.keyset import keyset_page, rows_after, with_tie_breaker
from inventory.models import Device


def test_an_ordering_ends_on_the_primary_key_in_the_direction_of_its_first_field():
    assert with_tie_breaker(Device, ["-created_at"]) == ("-created_at", "-pk")
    assert with_tie_breaker(Device, ["brand"]) == ("brand", "pk")
    assert with_tie_breaker(Device, ["commune__name"]) == ("commune__name", "pk")
    assert with_tie_breaker(Device, ["-created_at", "-pk"]) == ("-created_at", "-pk")


def test_a_unique_field_needs_no_tie_breaker():
    assert with_tie_breaker(Device, ["-code"]) == ("-code",)
    assert with_tie_breaker(Device, ["state", "code"]) == ("state", "code")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ordering",
    [
        ("-created_at", "-pk"),
        ("brand", "pk"),
        ("-brand", "-pk"),
        ("state", "-brand", "pk"),
        ("commune__name", "pk"),
        ("-code",),
    ],
)
def test_rows_after_a_position_are_those_that_follow_it(
    declare, other_commune, other_commune_user, ordering
):
    # given: ties on the creation time and the brand, and a second commune
    devices = (
        declare(4)
        + declare(2, brand="Acer")
        + declare(2, brand="HP", by=other_commune_user, for_commune=other_commune)
    )
    listed = list(Device.objects.select_related("commune").order_by(*ordering))
    fields = [name.lstrip("-") for name in ordering]

    for index, row in enumerate(listed):
        position = []
        for name in fields:
            value = row
            for part in name.split("__"):
                value = getattr(value, part)
            position.append(value)

        # when
        after = Device.objects.filter(rows_after(Device, ordering, position)).order_by(*ordering)

        # then
        assert list(after) == listed[index + 1 :]
    assert len(listed) == len(devices)


@pytest.mark.django_db
def test_one_direction_compares_rows_and_mixed_directions_spell_it_out():
    one_way = Device.objects.filter(rows_after(Device, ("-brand", "-pk"), ["Dell", 1]))
    mixed = Device.objects.filter(rows_after(Device, ("state", "-brand", "pk"), ["a", "b", 1]))

    assert '("inventory_device"."brand", "inventory_device"."id") < (' in str(one_way.query)
    assert '"inventory_device"."state" > a OR' in str(mixed.query)


@pytest.mark.django_db
def test_a_page_reads_keys_once_then_its_rows(declare):
    # given
    devices = declare(7)
    newest_first = list(reversed(devices))

    # when
    with CaptureQueriesContext(connection) as queries:
        page = keyset_page(
            Device.objects.all(), {}, ordering=["-created_at"], size=3, count_limit=5
        )

    # then
    assert page.rows == newest_first[:3]
    assert (page.start, page.end, page.count, page.count_exceeds) == (1, 3, None, 5)
    assert page.previous_cursor is None
    assert len(queries) == 2


@pytest.mark.django_db
def test_cursors_walk_the_pages_both_ways_carrying_the_count(declare):
    # given
    devices = declare(7)
    newest_first = list(reversed(devices))
    devices_list = Device.objects.all()

    def page_at(cursor):
        return keyset_page(
            devices_list, {"cursor": cursor}, ordering=["-created_at"], size=3, count_limit=100
        )

    # when
    first = keyset_page(devices_list, {}, ordering=["-created_at"], size=3, count_limit=100)
    second = page_at(first.next_cursor)
    third = page_at(second.next_cursor)
    back = page_at(third.previous_cursor)
    front = page_at(back.previous_cursor)

    # then
    assert [first.rows, second.rows, third.rows] == [
        newest_first[:3],
        newest_first[3:6],
        newest_first[6:],
    ]
    assert [(page.start, page.count) for page in (first, second, third)] == [
        (1, 7),
        (4, 7),
        (7, 7),
    ]
    assert third.next_cursor is None
    assert (back.rows, back.start) == (newest_first[3:6], 4)
    assert (front.rows, front.start, front.previous_cursor) == (newest_first[:3], 1, None)


@pytest.mark.django_db
def test_a_page_at_a_cursor_is_one_query(declare):
    # given
    declare(5)
    devices = Device.objects.all()
    first = keyset_page(devices, {}, ordering=["brand"], size=2, count_limit=None)

    # when
    with CaptureQueriesContext(connection) as queries:
        second = keyset_page(
            devices, {"cursor": first.next_cursor}, ordering=["brand"], size=2, count_limit=None
        )

    # then
    assert len(queries) == 1
    assert len(second.rows) == 2
    assert (second.count, second.count_exceeds) == (None, None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "e30",  # {}
        "W10",  # []
        "eyJwIjpbIngiXSwicyI6MX0",  # {"p": ["x"], "s": 1}: not the ordering's length
        "eyJwIjpbIm5vdCBhIGRhdGUiLDFdLCJzIjoxfQ",  # {"p": ["not a date", 1], "s": 1}
        "eyJwIjpbIjIwMjYtMDEtMDFUMDA6MDA6MDArMDA6MDAiLDFdLCJzIjotMX0",  # "s": -1
    ],
)
def test_a_cursor_that_does_not_decode_shows_the_first_page(declare, cursor):
    devices = declare(3)

    page = keyset_page(Device.objects.all(), {"cursor": cursor}, ordering=["-created_at"], size=2)

    assert page.rows == list(reversed(devices))[:2]
    assert page.start == 1


@pytest.mark.django_db
def test_then_is_given_each_page_rows_before_its_links_are_written(declare):
    # given: a page's rows whose commune, which the ordering reads, is not loaded
    devices = Device.objects.all()
    declare(5)
    given = []

    def read_communes(rows):
        given.append([row.pk for row in rows])
        # Loaded here, for the page, before the links read them.
        given.append([row.commune.name for row in rows])

    def page(params, **options):
        return keyset_page(
            devices, params, ordering=["commune__name"], size=2, then=read_communes, **options
        )

    # when: a first page, with and without its count, then the page at its cursor
    first = page({}, count_limit=100)
    uncounted = page({}, count_limit=None)
    with CaptureQueriesContext(connection) as queries:
        second = page({"cursor": first.next_cursor}, count_limit=100)

    # then: each page's rows, once, in their order; the links written from them
    assert given[::2] == [
        [row.pk for row in first.rows],
        [row.pk for row in uncounted.rows],
        [row.pk for row in second.rows],
    ]
    assert len(queries) == 1 + len(second.rows)  # the page, then each row's commune in `then`
    assert first.next_cursor is not None
    assert second.previous_cursor is not None
