"""No NUL character reaches a query: PostgreSQL refuses them in text, and a NUL in a path or
a value would answer 500. One rule for every entry point: a path holding a NUL answers 404
(no page or object has such a name), a field or query parameter holding one answers 400
``invalid`` naming it, in the usual error shape under ``/api/`` and as a page elsewhere.

:class:`RefuseNullCharacters` checks the path, the query parameters and form bodies of every
request; the API's parsers (:mod:`common.api`) check the bodies the API reads itself (JSON).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.translation import gettext as _

from common.errors import NotFound, ValidationFailed

NULL_CHARACTER = "\x00"
API_PREFIX = "/api/"
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_null(value: Any) -> bool:
    return isinstance(value, str) and NULL_CHARACTER in value


def field_with_null_character(data: Any, prefix: str = "") -> str | None:
    """The name of the first field of ``data`` whose name or value holds a NUL character
    (``devices[2].brand`` in nested data), or ``None`` when there is none."""
    if isinstance(data, QueryDict):
        items: list[tuple[Any, Any]] = list(data.lists())
    elif isinstance(data, Mapping):
        items = list(data.items())
    elif isinstance(data, list | tuple):
        if isinstance(data, list) and prefix and all(not isinstance(i, dict) for i in data):
            # The values of one field (a QueryDict's list, a list of codes): the field's name.
            return prefix if any(_has_null(item) for item in data) else None
        items = [(f"[{index}]", item) for index, item in enumerate(data)]
    else:
        return (prefix or "non_field_errors") if _has_null(data) else None
    for key, value in items:
        if isinstance(key, str) and key.startswith("["):
            name = f"{prefix}{key}"
        else:
            name = f"{prefix}.{key}" if prefix else str(key)
        if _has_null(key):
            return name.replace(NULL_CHARACTER, "")
        found = field_with_null_character(value, name)
        if found is not None:
            return found
    return None


def null_character_error(field: str) -> ValidationFailed:
    """The 400 answer to a field holding a NUL character."""
    return ValidationFailed(
        _("The data sent is invalid."),
        code="invalid",
        fields={field: [_("Null characters are not allowed.")]},
    )


def _is_form(request: HttpRequest) -> bool:
    return request.method == "POST" and request.content_type in FORM_CONTENT_TYPES


class RefuseNullCharacters:
    """Middleware: a request whose path holds a NUL answers 404, one whose query parameters
    or form fields hold one answers 400, before any view or query runs.

    It comes after the authentication and messages middleware, so that the error pages
    render as any other.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path.startswith(API_PREFIX)
        if NULL_CHARACTER in request.path:
            if api:
                return JsonResponse(NotFound().as_dict(), status=NotFound.status_code)
            raise Http404(_("No such page."))
        field = field_with_null_character(request.GET)
        if field is None and _is_form(request):
            field = field_with_null_character(request.POST)
        if field is not None:
            error = null_character_error(field)
            if api:
                return JsonResponse(error.as_dict(), status=error.status_code)
            raise BadRequest(error.message)
        return self.get_response(request)
