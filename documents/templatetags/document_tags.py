"""Template filters for documents, whose context keeps dates as ISO strings."""

from __future__ import annotations

import datetime

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
