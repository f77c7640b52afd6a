"""What an import says of how it ended: a stable code and its values, worded in the reader's
language.

As for its rejections (:mod:`inventory.imports.reasons`), an import's status message is read
later, by anyone, on the import's page, through the API or from the command line, each in their
own language. So it is stored as a code and its values (``DeviceImport.message_code`` and
``message_params``) and worded when shown, through the one registry below; numbers, sizes and
dates are stored raw and written as the reader's language writes them. Imports that ended
before the codes were stored kept their message as text (``message_text``): those show it as
it was written.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy, ngettext_lazy


def grouped(number: int) -> str:
    """A count with its thousands grouped as the language groups them (1,000,000; 1 000 000)."""
    return number_format(number, force_grouping=True)


def megabytes(size: int) -> str:
    """Bytes as megabytes to a tenth, without a trailing zero, written as the language writes
    them."""
    return number_format(Decimal(f"{size / 1_048_576:.1f}".rstrip("0").rstrip(".")))


def moment(stored: str) -> str:
    """A moment stored in ISO 8601, as a short local date and time."""
    return date_format(
        timezone.localtime(datetime.datetime.fromisoformat(stored)), "SHORT_DATETIME_FORMAT"
    )


def listed(names: list[str]) -> str:
    return ", ".join(names)


@dataclass(frozen=True, slots=True)
class _Message:
    """A message and how its values are written (the others show as stored)."""

    text: Promise
    values: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)


# Every status message an import gives, by code. A code is stored in imports and read by
# programs through the API: never rename one, and keep each message's placeholders.
OUTCOMES: dict[str, _Message] = {
    # How the run ended.
    "devices_declared": _Message(gettext_lazy("%(count)d devices declared.")),
    "dry_run_valid": _Message(
        gettext_lazy("All %(count)d rows are valid; nothing was imported (dry run).")
    ),
    "problems_found": _Message(
        ngettext_lazy(
            "%(errors)d problem found; nothing was imported. Correct the file and import it again.",
            "%(errors)d problems found; nothing was imported. Correct the file and import it "
            "again.",
            "errors",
        )
    ),
    "already_imported": _Message(
        gettext_lazy(
            "This file was already imported on %(date)s (declaration no. %(declaration)s); "
            "nothing was imported again."
        ),
        {"date": moment},
    ),
    "cancelled_before_start": _Message(
        gettext_lazy("Cancelled before it started; nothing was imported.")
    ),
    "cancelled_worker_stopped": _Message(
        gettext_lazy("Cancelled; the worker running it had stopped. Nothing was imported.")
    ),
    "cancelled_at_row": _Message(gettext_lazy("Cancelled at row %(rows)d; nothing was imported.")),
    "requeued_worker_stopped": _Message(
        gettext_lazy("The worker running this import stopped; the import was queued again.")
    ),
    "failed_worker_stopped": _Message(
        gettext_lazy(
            "The worker running this import stopped, twice; nothing was imported. "
            "Import the file again."
        )
    ),
    "failed_unexpectedly": _Message(
        gettext_lazy("The import failed unexpectedly; nothing was imported. Try again later.")
    ),
    # The file cannot be read (state ``unreadable``).
    "file_empty": _Message(gettext_lazy("The file is empty.")),
    "sheet_without_workbook": _Message(
        gettext_lazy("A sheet name only applies to an XLSX, ODS or XLS file.")
    ),
    "utf16": _Message(
        gettext_lazy(
            "This file is in UTF-16; save it as CSV UTF-8 or as CSV (separator: semicolon)."
        )
    ),
    "binary_data": _Message(
        gettext_lazy("This file is not a CSV or XLSX table (it holds binary data).")
    ),
    "characters_unreadable": _Message(gettext_lazy("The file's characters cannot be read.")),
    "first_line_unreadable": _Message(gettext_lazy("The first line of the file cannot be read.")),
    "line_unreadable": _Message(gettext_lazy("Line %(line)d cannot be read: %(error)s")),
    "line_characters_unreadable": _Message(
        gettext_lazy("Line %(line)d holds characters that cannot be read.")
    ),
    "sheet_line_unreadable": _Message(gettext_lazy("Line %(line)d of the sheet cannot be read.")),
    "sheet_missing": _Message(
        gettext_lazy("The file has no sheet named “%(sheet)s”; its sheets: %(sheets)s."),
        {"sheets": listed},
    ),
    "sheet_empty": _Message(gettext_lazy("The sheet is empty.")),
    "ods_first_sheet_only": _Message(gettext_lazy("Only the first sheet of an ODS file is read.")),
    "xlsx_unopenable": _Message(gettext_lazy("This XLSX file cannot be opened.")),
    "xlsx_unreadable": _Message(gettext_lazy("This XLSX file cannot be read.")),
    "ods_unopenable": _Message(gettext_lazy("This ODS file cannot be opened.")),
    "ods_unreadable": _Message(gettext_lazy("This ODS file cannot be read.")),
    "workbook_unopenable": _Message(gettext_lazy("This %(format)s file cannot be opened.")),
    "workbook_unreadable": _Message(gettext_lazy("This %(format)s file cannot be read.")),
    # The file passes one of Boucle's limits (state ``failed``, or refused on upload).
    "line_cell_too_long": _Message(
        gettext_lazy("Line %(line)d holds a cell of more than %(limit)d characters.")
    ),
    "line_too_many_columns": _Message(
        gettext_lazy("Line %(line)d holds more than %(limit)d columns.")
    ),
    "ods_line_too_many_columns": _Message(
        gettext_lazy("Line %(line)s holds more than %(limit)d columns."), {"line": grouped}
    ),
    "sheet_too_many_rows": _Message(
        gettext_lazy("The sheet holds more than %(limit)s rows of devices."), {"limit": grouped}
    ),
    "sheet_too_many_columns": _Message(
        gettext_lazy("The sheet holds more than %(limit)d columns.")
    ),
    "sheet_too_many_cells": _Message(
        gettext_lazy(
            "The sheet spans %(cells)s cells (%(rows)s rows by %(columns)s columns); at "
            "most %(limit)s are read from an ODS or XLS file."
        ),
        {"cells": grouped, "rows": grouped, "columns": grouped, "limit": grouped},
    ),
    "sheet_declares_too_many_rows": _Message(
        gettext_lazy(
            "The sheet declares %(rows)s rows (%(dimension)s); at most %(limit)s rows of "
            "devices are accepted."
        ),
        {"rows": grouped, "limit": grouped},
    ),
    "sheet_declares_too_many_columns": _Message(
        gettext_lazy(
            "The sheet declares %(columns)s columns (%(dimension)s); at most %(limit)s "
            "are accepted."
        ),
        {"columns": grouped, "limit": grouped},
    ),
    "text_too_long": _Message(
        gettext_lazy("A text of the file is longer than %(limit)d characters.")
    ),
    "xlsx_text_too_long": _Message(
        gettext_lazy("A text of the XLSX file is longer than %(limit)d characters.")
    ),
    "xlsx_too_many_parts": _Message(
        gettext_lazy("The XLSX file holds %(count)s parts; at most %(limit)s are accepted."),
        {"count": grouped, "limit": grouped},
    ),
    "xlsx_part_too_large": _Message(
        gettext_lazy(
            "The part %(part)s of the XLSX file is %(size)s MB once uncompressed; "
            "the largest accepted is %(limit)s MB."
        ),
        {"size": megabytes, "limit": megabytes},
    ),
    "xlsx_compression_ratio": _Message(
        gettext_lazy(
            "The part %(part)s of the XLSX file expands %(ratio)d times once "
            "uncompressed; more than %(limit)d times is refused."
        )
    ),
    "xlsx_too_large": _Message(
        gettext_lazy(
            "The XLSX file is %(size)s MB once uncompressed; the largest accepted is %(limit)s MB."
        ),
        {"size": megabytes, "limit": megabytes},
    ),
    "xlsx_too_many_strings": _Message(
        gettext_lazy(
            "The XLSX file holds more than %(limit)s different texts (shared "
            "strings); at most %(limit)s are accepted."
        ),
        {"limit": grouped},
    ),
    "xlsx_entities": _Message(
        gettext_lazy("This XLSX file declares XML entities, which Boucle does not read.")
    ),
    "xls_too_large": _Message(
        gettext_lazy("The XLS file is %(size)s MB; the largest XLS file accepted is %(limit)s MB."),
        {"size": megabytes, "limit": megabytes},
    ),
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """A status message as it is stored: its code and its values (a JSON object)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, code: str, **params: Any) -> Outcome:
        """The message ``code`` with these values (numbers, text, lists of text)."""
        if code not in OUTCOMES:
            raise ValueError(f"No import status message has the code {code!r}.")
        return cls(code, params)

    def worded(self) -> str:
        """The message in the active language."""
        return word_outcome(self.code, self.params)


def word_outcome(code: str, params: Mapping[str, Any]) -> str:
    """The message ``code`` with its values, in the active language; a code this version does
    not word shows as the code rather than fail."""
    try:
        message = OUTCOMES[code]
        if not params:
            return str(message.text)
        return message.text % {
            name: message.values[name](value) if name in message.values else value
            for name, value in params.items()
        }
    except (KeyError, TypeError, ValueError):
        return code
