"""What Boucle writes into spreadsheets: safe cells, and the columns its own files use."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

# A cell starting with one of these is run as a formula by Excel or LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Make a text cell inert: a leading apostrophe keeps ``=HYPERLINK(…)`` a text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_cell(value: Any) -> str:
    """A cell as a French spreadsheet reads it: dd/mm/yyyy dates, decimal commas, no formula."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return neutralise_cell(value)
