"""What Boucle writes into spreadsheets: safe cells, and the columns its own files use."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell

# A cell starting with one of these is run as a formula by Excel or LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def runs_as_formula(value: Any) -> bool:
    """Whether a spreadsheet would run ``value``, typed into a cell, as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralise_cell(value: Any) -> Any:
    """Make a text cell of a CSV file inert: a leading apostrophe keeps ``=HYPERLINK(…)`` a
    text (a CSV cell has no type, so the apostrophe is the only way)."""
    if runs_as_formula(value):
        return "'" + value
    return value


def xlsx_text_cell(sheet: Any, value: str) -> WriteOnlyCell:
    """An XLSX cell that holds ``value`` exactly, stored as text and marked with Excel's quote
    prefix: shown as typed (``=1+1``, no apostrophe), never run, even once edited."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # openpyxl takes a value starting with "=" for a formula
    cell.quotePrefix = True
    return cell


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
