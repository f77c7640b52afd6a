"""Template filters for documents, whose context keeps dates and amounts as strings."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def isodate(value: str | datetime.date | None, format_name: str = "DATE_FORMAT") -> str:
    """An ISO date (or date-time) from a document's context, in the document's language."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = (
                datetime.datetime.fromisoformat(value)
                if "T" in value
                else datetime.date.fromisoformat(value)
            )
        except ValueError:
            return value
    return formats.date_format(value, format_name)


@register.filter
def amount(value: str | Decimal | None) -> str:
    """An amount from a document's context (``"1234.5"``), with its cents, in the document's
    language: 1 234,50."""
    if value in (None, ""):
        return ""
    return formats.number_format(Decimal(value), decimal_pos=2, force_grouping=True)


@register.filter
def decimal_number(value: str | Decimal | None) -> str:
    """A quantity or a rate from a document's context, without trailing zeros: 3, 5,5."""
    if value in (None, ""):
        return ""
    plain = Decimal(format(Decimal(value).normalize(), "f"))
    return formats.number_format(plain, force_grouping=True)
