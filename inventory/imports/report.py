"""The report of a rejected import: every rejected row, worded in the reader's language.

The import stores its report as a CSV file of what each rejection says: line, column, value,
the reason's code and its values as JSON (:mod:`inventory.imports.reasons`). Whoever reads it,
on the page, through the API or with the command, gets it in their own language as the CSV
file of the contract: UTF-8 with a byte order mark, separated by semicolons, with the columns
line, column, value and reason, and the cells a spreadsheet would run as formulas neutralised.
A report stored before the codes were, in its import's language, is given as it was written.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator

from django.utils import translation
from django.utils.translation import gettext as _

from inventory.imports.reasons import Wording
from inventory.models import DeviceImport
from inventory.tabular import neutralise_cell

# The first line of a report as it is stored; a report without it holds worded reasons.
STORED_HEADER = ("line", "column", "value", "code", "params")
# Rows worded into each piece of the answer.
ROWS_PER_CHUNK = 2000
# Distinct reasons worded once per report: a file repeats the same few, thousands of times.
WORDING_CACHE_SIZE = 20_000


def report_chunks(device_import: DeviceImport) -> Iterator[bytes]:
    """The import's report as CSV bytes, in pieces, in the language active now (the request's,
    the command's), which a streamed answer no longer has when it is read."""
    return _chunks(device_import, translation.get_language())


def _chunks(device_import: DeviceImport, language: str | None) -> Iterator[bytes]:
    with device_import.report.open("rb") as stored:
        text = io.TextIOWrapper(stored, encoding="utf-8-sig", newline="")
        rows = csv.reader(text, delimiter=";")
        if tuple(next(rows, ())) != STORED_HEADER:
            text.detach()
            stored.seek(0)
            while chunk := stored.read(1024 * 1024):
                yield chunk
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        wording = Wording()
        worded: dict[tuple[str, str], tuple[str, str]] = {}
        with translation.override(language):
            buffer.write("\ufeff")
            writer.writerow([_("Line"), _("Column"), _("Value"), _("Reason")])
        while batch := list(itertools.islice(rows, ROWS_PER_CHUNK)):
            # Worded piece by piece, in the reader's language: between two pieces, the
            # thread serves others.
            with translation.override(language):
                for line, column, value, code, params in batch:
                    reason_and_column = worded.get((code, params))
                    if reason_and_column is None:
                        if len(worded) >= WORDING_CACHE_SIZE:
                            worded.clear()
                        reason_and_column = wording.rejection(code, json.loads(params), "")
                        worded[code, params] = reason_and_column
                    reason, named_column = reason_and_column
                    writer.writerow(
                        [
                            line,
                            neutralise_cell(column or named_column),
                            neutralise_cell(value),
                            reason,
                        ]
                    )
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        if buffer.tell():
            yield buffer.getvalue().encode("utf-8")
