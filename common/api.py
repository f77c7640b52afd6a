"""API plumbing every app's API shares: the documented error answers and keyset pagination."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import Cursor, CursorPagination

from common import keyset
from common.errors import ErrorSerializer, ValidationFailed
from common.errors import NotFound as ApplicationNotFound

API_PREFIX = "/api/"

_ERROR_DESCRIPTIONS = {
    400: "The data sent is invalid; `fields` tells which field and why.",
    403: "Your organisation may not do this.",
    404: "No such object, or not one your organisations may see.",
    409: "The object's current state does not allow this action.",
}


def error_responses(*statuses: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """The schema of the error answers an endpoint gives, in the one error shape.

    ``descriptions`` overrides a status's text, keyed ``s404="No such device…"``.
    """
    return {
        code: OpenApiResponse(
            ErrorSerializer, description=descriptions.get(f"s{code}", _ERROR_DESCRIPTIONS[code])
        )
        for code in statuses
    }


def document_every_error_answer(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: every operation of the API may answer 400 (a bad
    query parameter, cursor or filter) and 404 (no such object, or a page past the end), in
    the one error shape; an operation that documents its own keeps its description."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in (
                (400, _ERROR_DESCRIPTIONS[400]),
                (404, _ERROR_DESCRIPTIONS[404]),
            ):
                responses.setdefault(str(status), {"description": description, "content": error})
    return result


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 answer: the API's error shape under /api/, the 404 page elsewhere."""
    if request.path.startswith(API_PREFIX):
        error = ApplicationNotFound()
        return JsonResponse(error.as_dict(), status=error.status_code)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 answer to a request Django refuses before any view (too many fields, a
    suspicious header): the API's error shape under /api/, the 400 page elsewhere."""
    if request.path.startswith(API_PREFIX):
        error = ValidationFailed(_("The request is malformed or too large."), code="invalid")
        return JsonResponse(error.as_dict(), status=error.status_code)
    return defaults.bad_request(request, exception)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which leaves the rows as they are without building a filter
    set when the request names none of its filters (a list's first page, its next pages).

    Building one deep-copies each of its filters, builds and validates its form: about 2 ms of
    the device list's 12, for the same rows. A request that names a filter, even empty or
    invalid, is filtered (or refused) by django-filter as before.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not _names_a_filter(
            request.query_params, filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _names_a_filter(parameters, filters) -> bool:
    """Whether a parameter is a filter's, or one of its parts (``name_min``, ``name_after``:
    the suffixes of django-filter's range widgets)."""
    return any(parameter.startswith(name) for parameter in parameters for name in filters)


class StableOrderingFilter(OrderingFilter):
    """DRF's ordering, made total: the chosen fields, then the primary key in the direction of
    the first (:func:`common.keyset.with_tie_breaker`), so that equal values do not shuffle
    between pages and one index on (field, id) reads the list in either direction."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        return keyset.with_tie_breaker(queryset.model, ordering) if ordering else ordering


class KeysetCursorPagination(CursorPagination):
    """Cursor pagination whose position is the whole ordering key, the primary key last.

    DRF's cursor keeps the first ordering field only, plus an offset among equal values;
    devices declared together share their creation time (a file import can bring thousands),
    and paging back over such ties skips devices. Here the position holds every ordering
    value and the primary key (unless a unique field already orders the rows apart), so a page
    starts exactly after the last one shown, whatever the ties, in both directions; with one
    direction throughout, the database starts reading at that position in the ordering's
    index (:mod:`common.keyset`). Nothing counts the rows.
    """

    def get_page_size(self, request) -> int:
        """The page size asked for, refused with 400 unless a whole number from 1 (DRF would
        fall back to the default for ``page_size=null``); above the maximum, the maximum."""
        name = self.page_size_query_param
        if not name or name not in request.query_params:
            return self.page_size
        value = request.query_params[name]
        if not value.isascii() or not value.isdigit() or int(value) < 1:
            message = _("Give a whole number from 1.")
            raise ValidationFailed(
                _("The data sent is invalid."), code="invalid", fields={name: [message]}
            )
        return min(int(value), self.max_page_size or int(value))

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        return keyset.with_tie_breaker(
            queryset.model, super().get_ordering(request, queryset, view)
        )

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        backwards = self.cursor is not None and self.cursor.reverse
        position = self._decode_position(queryset.model) if self.cursor else None

        ordering = keyset.reversed_ordering(self.ordering) if backwards else self.ordering
        queryset = queryset.order_by(*ordering)
        if position is not None:
            queryset = queryset.filter(keyset.rows_after(queryset.model, ordering, position))
        results = list(queryset[: self.page_size + 1])
        self.page = results[: self.page_size]
        has_more = len(results) > self.page_size
        if backwards:
            self.page.reverse()
            self.has_previous, self.has_next = has_more, True
        else:
            self.has_previous, self.has_next = position is not None, has_more
        self.display_page_controls = self.has_previous or self.has_next
        return self.page

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        # After an empty backward page, nothing precedes: the next page is the first one.
        position = self._position_of(self.page[-1]) if self.page else None
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=position))

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        # After an empty forward page, the previous page is the last one.
        position = self._position_of(self.page[0]) if self.page else None
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=position))

    def _position_of(self, instance) -> str:
        return json.dumps(keyset.position_of(instance, self.ordering))

    def _decode_position(self, model) -> list[Any] | None:
        if self.cursor.position is None:
            return None
        try:
            values = json.loads(self.cursor.position)
        except ValueError as error:
            raise NotFound(self.invalid_cursor_message) from error
        position = keyset.position_from_json(model, self.ordering, values)
        if position is None:
            raise NotFound(self.invalid_cursor_message)
        return position
