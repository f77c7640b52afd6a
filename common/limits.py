"""A model field's limits, read from the field itself: forms, serializers and importers ask
here rather than repeat a number the model already states."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


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
