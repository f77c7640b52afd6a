"""The one family of errors that services raise, and how the API answers them.

A service raises an :class:`ApplicationError`; a page shows its message, the API answers
``{"error": {"code": ..., "message": ..., "fields": {...}}}`` with the error's status.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    """A refusal a person can understand, with a machine code and an HTTP status."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_message = gettext_lazy("The request is invalid.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        self.message = str(message or self.default_message)
        self.code = code or self.default_code
        self.fields = fields or {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}


class ValidationFailed(ApplicationError):
    """Input that breaks a rule: a wrong value, a duplicate, a date in the future."""


def refuse_field_errors(errors: dict[str, list[str]]) -> None:
    """Refuse input whose fields broke rules (``{field: [messages]}``): 400 with every field's
    messages, the first one as the answer's message; nothing when ``errors`` is empty."""
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], code="invalid", fields=errors)


class PermissionDenied(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"
    default_message = gettext_lazy("You may not do this for this organisation.")


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    default_message = gettext_lazy("Not found.")


class TransitionNotAllowed(ApplicationError):
    """The lifecycle forbids this transition from the device's current state."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "transition_not_allowed"
    default_message = gettext_lazy("This action is not possible in the device's current state.")


class ServiceUnavailable(ApplicationError):
    """A part Boucle needs for this request (Redis, say) does not answer for now."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_message = gettext_lazy("This service is unavailable for a moment; try again shortly.")


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=gettext_lazy("A machine code, stable across languages."))
    message = serializers.CharField(
        help_text=gettext_lazy("What went wrong, for a person to read.")
    )
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=gettext_lazy("Messages by field, when the input was at fault."),
    )


class ErrorSerializer(serializers.Serializer):
    """The shape of every error the API answers (:func:`api_exception_handler`)."""

    error = ErrorBodySerializer()


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Serializer errors as ``{"devices[3].ram_gb": [...]}``, the keys the services use."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            # A list serializer reports its items' errors by index.
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, name))
        return flat
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        flat = {}
        for index, item in enumerate(detail):
            flat.update(flatten_errors(item, f"{prefix}[{index}]"))
        return flat
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(message) for message in messages]}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer every error of the API in the same shape, as JSON even where the success is
    CSV or a file (``?format=csv``)."""
    request = context.get("request")
    if request is not None:
        renderer = JSONRenderer()
        request.accepted_renderer = renderer
        request.accepted_media_type = renderer.media_type
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        payload = ApplicationError(
            _("The data sent is invalid."),
            code="invalid",
            fields=flatten_errors(exc.detail),
        ).as_dict()
    else:
        codes = exc.get_codes() if isinstance(exc, drf_exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        detail = getattr(exc, "detail", str(exc))
        payload = {"error": {"code": code, "message": str(detail)}}
    response.data = payload
    return response
