"""The years of the waste register: which one a page, an export or the API may ask for."""

from __future__ import annotations

# The years a register may be asked for.
REGISTER_YEARS = range(2000, 2101)


def register_year(value: str) -> int | None:
    """The year of the register asked for (``?year=``), ``None`` for every year.

    :class:`ValueError` for anything but a year of :data:`REGISTER_YEARS`.
    """
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or int(value) not in REGISTER_YEARS:
        raise ValueError(f"Not a year of the register: {value!r}")
    return int(value)
