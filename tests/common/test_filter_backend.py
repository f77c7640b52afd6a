"""The API's filter backend builds no filter set for a request that names none of its filters,
and filters (or refuses) as django-filter does otherwise (common.api.FilterBackend)."""

from unittest import mock

import pytest
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from common.api import FilterBackend
from inventory.choices import DeviceState
from inventory.filters import DeviceFilter
from inventory.models import Device

pytestmark = pytest.mark.django_db


class View:
    filterset_class = DeviceFilter


def _filtered(query: dict) -> QuerySet:
    request = Request(APIRequestFactory().get("/api/v1/devices/", query))
    return FilterBackend().filter_queryset(request, Device.objects.order_by("pk"), View())


def _built() -> mock.MagicMock:
    return mock.patch.object(
        DeviceFilter, "__init__", side_effect=DeviceFilter.__init__, autospec=True
    )


def test_a_request_naming_no_filter_gets_the_rows_as_they_are(declare):
    # given
    devices = declare(2)
    rows = Device.objects.order_by("pk")

    # when
    with _built() as filter_set:
        filtered = _filtered({"cursor": "abc", "search": "Dell", "ordering": "-code"})

    # then: no filter set was built, the other backends' parameters left to them
    filter_set.assert_not_called()
    assert list(filtered) == list(rows) == devices


@pytest.mark.parametrize(
    ("query", "expected"),
    [({"state": DeviceState.WITHDRAWN}, 0), ({"q": ""}, 2), ({"declared_from": ""}, 2)],
)
def test_a_request_naming_a_filter_is_filtered_by_django_filter(declare, query, expected):
    # given
    declare(2)

    # when
    with _built() as filter_set:
        filtered = _filtered(query)

    # then
    filter_set.assert_called_once()
    assert filtered.count() == expected


def test_an_invalid_filter_is_refused_as_django_filter_refuses_it(declare):
    # given
    declare(1)
    request = Request(APIRequestFactory().get("/api/v1/devices/", {"state": "melted"}))

    # when / then: the same refusal, word for word
    with pytest.raises(ValidationError) as ours:
        FilterBackend().filter_queryset(request, Device.objects.all(), View())
    with pytest.raises(ValidationError) as theirs:
        DjangoFilterBackend().filter_queryset(request, Device.objects.all(), View())
    assert ours.value.detail == theirs.value.detail
