"""A model field's limits, read from the field itself: forms, serializers and importers ask
here rather than repeat a number the model already states."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext as _


def _validator_limit(model: type[models.Model], name: str, kind: type) -> Any:
    field = model._meta.get_field(name)
    for validator in field.validators:
        if isinstance(validator, kind):
            return validator.limit_value
    raise LookupError(f"{model.__name__}.{name} has no {kind.__name__}.")


def max_value(model: type[models.Model], name: str) -> Any:
    """The largest value the field's validators accept."""
    return _validator_limit(model, name, MaxValueValidator)


def min_value(model: type[models.Model], name: str) -> Any:
    """The smallest value the field's validators accept."""
    return _validator_limit(model, name, MinValueValidator)


def max_length(model: type[models.Model], name: str) -> int:
    """The field's maximum length in characters."""
    return model._meta.get_field(name).max_length


def decimal_places(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).decimal_places


def max_digits(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_digits


def decimal_step(model: type[models.Model], name: str) -> Decimal:
    """The smallest step of a decimal field (``Decimal("0.01")`` for 2 places), to quantize to."""
    return Decimal(1).scaleb(-decimal_places(model, name))


def clean_text(
    model: type[models.Model],
    name: str,
    value: str | None,
    errors: dict[str, list[str]],
    *,
    required: bool = False,
) -> str:
    """``value`` stripped, for the model's text field ``name``; a missing required value or one
    longer than the field allows adds its message to ``errors`` under ``name``."""
    value = (value or "").strip()
    if required and not value:
        errors[name] = [_("Required.")]
    elif len(value) > max_length(model, name):
        errors[name] = [_("At most %(count)d characters.") % {"count": max_length(model, name)}]
    return value
