"""Template filters of the group purchasing pages."""

from __future__ import annotations

from django import template

from inventory.choices import DeviceCategory

register = template.Library()


@register.filter
def category_label(value: str) -> str:
    """A device category's label, in the reader's language, from its stored value."""
    try:
        return str(DeviceCategory(value).label)
    except ValueError:
        return value
