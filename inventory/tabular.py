"""What Boucle writes into spreadsheets: safe cells, and the columns its own files use."""

from __future__ import annotations

from typing import Any

# A cell starting with one of these is run as a formula by Excel or LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Make a text cell inert: a leading apostrophe keeps ``=HYPERLINK(…)`` a text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
