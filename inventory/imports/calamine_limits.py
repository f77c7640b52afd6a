"""Checking an ODS or XLS file before python-calamine reads it.

calamine reads a sheet whole into memory. An ODS file is a zip like XLSX, with its cells in
``content.xml``, where one element may stand for a million rows
(``table:number-rows-repeated``) or thousands of cells (``table:number-columns-repeated``):
:func:`check_ods` applies the XLSX checks of the zip's directory (entries, sizes, ratio), then
streams ``content.xml`` through expat, keeping nothing, counting the rows and columns that
hold a value, repeats included, and the length of each text. An XLS file (OLE2, not zipped)
is bounded by its size (``BOUCLE_XLS_MAX_BYTES``); its rows, columns and cells are checked
once calamine has read the sheet, before a row is used. Either way the cells calamine keeps
(rows times the widest row) are bounded by ``BOUCLE_CALAMINE_MAX_CELLS``.
"""

from __future__ import annotations

import xml.parsers.expat
import zipfile
from typing import IO

from django.conf import settings

from inventory.imports.readers import MAX_CELL_CHARACTERS, UnreadableFile
from inventory.imports.xlsx_limits import (
    CHUNK_BYTES,
    XlsxLimits,
    XlsxOverLimit,
    _check_entry_count,
    _check_sizes,
    _refuse_entities,
)

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_CONTENT = "content.xml"
# Repeats above this are refused whatever the limits: no real file repeats a cell so often.
MAX_REPEAT = 1 << 31


def is_ods(head: bytes) -> bool:
    """An ODS file's zip starts with its ``mimetype`` entry, stored, as the standard says."""
    return head[30:38] == b"mimetype" and ODS_MIMETYPE in head[38 : 38 + len(ODS_MIMETYPE) + 8]


def is_xls(head: bytes) -> bool:
    return head.startswith(OLE2_MAGIC)


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def _repeat(attributes: dict, name: str) -> int:
    value = attributes.get(name, "1")
    try:
        count = int(value)
    except ValueError:
        return 1
    return min(max(count, 1), MAX_REPEAT)


class _OdsCounter:
    """An expat handler counting, in the first table, the rows and columns holding a value."""

    def __init__(self, limits: XlsxLimits) -> None:
        self.limits = limits
        self.tables = 0
        self.rows = 0  # rows up to the last one holding a value, repeats included
        self.position = 0  # rows seen so far in the table, repeats included
        self.row_repeat = 1
        self.row_has_value = False
        self.column = 0
        self.used_columns = 0
        self.widest = 0
        self.max_cells = settings.BOUCLE_CALAMINE_MAX_CELLS
        self.cell_repeat = 1
        self.cell_has_value = False
        self.text_length = 0
        self.in_first_table = False

    def start(self, name: str, attributes: dict) -> None:
        local = _local(name)
        if local == "table":
            self.tables += 1
            self.in_first_table = self.tables == 1
        if not self.in_first_table:
            return
        if local == "table-row":
            self.row_repeat = _repeat(attributes, "table:number-rows-repeated")
            self.row_has_value = False
            self.column = 0
            self.used_columns = 0
        elif local in {"table-cell", "covered-table-cell"}:
            self.cell_repeat = _repeat(attributes, "table:number-columns-repeated")
            self.cell_has_value = "office:value-type" in attributes
            self.text_length = 0
        elif local == "p":
            self.cell_has_value = True

    def end(self, name: str) -> None:
        if not self.in_first_table:
            return
        local = _local(name)
        if local in {"table-cell", "covered-table-cell"}:
            self.column += self.cell_repeat
            if self.cell_has_value:
                self.used_columns = self.column
                self.widest = max(self.widest, self.column)
                self.row_has_value = True
                if self.used_columns > self.limits.max_columns:
                    raise XlsxOverLimit(
                        "ods_line_too_many_columns",
                        code="too_many_columns",
                        line=self.position + 1,
                        limit=self.limits.max_columns,
                    )
        elif local == "table-row":
            self.position += self.row_repeat
            if self.row_has_value:
                self.rows = self.position
                # One row for the header, the others devices.
                if self.rows > self.limits.max_rows + 1:
                    raise XlsxOverLimit(
                        "sheet_too_many_rows", code="too_many_rows", limit=self.limits.max_rows
                    )
                _check_cells(self.rows, self.widest, self.max_cells)
        elif local == "table":
            self.in_first_table = False

    def text(self, data: str) -> None:
        if not self.in_first_table:
            return
        self.text_length += len(data)
        if self.text_length > MAX_CELL_CHARACTERS:
            raise XlsxOverLimit("text_too_long", code="cell_too_long", limit=MAX_CELL_CHARACTERS)


def _check_cells(height: int, width: int, limit: int) -> None:
    """calamine keeps a sheet as a rectangle of cells: its rows times its widest row."""
    if height * width > limit:
        raise XlsxOverLimit(
            "sheet_too_many_cells",
            code="too_many_cells",
            cells=height * width,
            rows=height,
            columns=width,
            limit=limit,
        )


def check_ods(stream: IO[bytes]) -> None:
    """Refuse ``stream`` (an ODS file, seekable) with :class:`XlsxOverLimit` if it passes a
    limit; :class:`UnreadableFile` if it is no zip. Leaves the stream at its start.

    Only the first sheet is counted: the import reads the first sheet of an ODS file.
    """
    limits = XlsxLimits.from_settings()
    try:
        _check_entry_count(stream)
        stream.seek(0)
        try:
            archive = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise UnreadableFile("ods_unopenable") from error
        with archive:
            infos = archive.infolist()
            _check_sizes(infos, limits)
            if ODS_CONTENT not in {info.filename for info in infos}:
                raise UnreadableFile("ods_unopenable")
            counter = _OdsCounter(limits)
            parser = xml.parsers.expat.ParserCreate()
            parser.StartElementHandler = counter.start
            parser.EndElementHandler = counter.end
            parser.CharacterDataHandler = counter.text
            parser.EntityDeclHandler = _refuse_entities
            try:
                with archive.open(ODS_CONTENT) as part:
                    for chunk in iter(lambda: part.read(CHUNK_BYTES), b""):
                        parser.Parse(chunk, False)
                    parser.Parse(b"", True)
            except XlsxOverLimit:
                raise
            except (xml.parsers.expat.ExpatError, zipfile.BadZipFile, OSError, EOFError) as error:
                raise UnreadableFile("ods_unreadable") from error
    finally:
        stream.seek(0)


def check_xls(stream: IO[bytes]) -> None:
    """Refuse an XLS file larger than ``BOUCLE_XLS_MAX_BYTES``: calamine reads it whole."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    limit = settings.BOUCLE_XLS_MAX_BYTES
    if size > limit:
        raise XlsxOverLimit("xls_too_large", code="xls_too_large", size=size, limit=limit)


def check_sheet_size(*, height: int, width: int) -> None:
    """The rows and columns of a sheet calamine has read, before any row is used."""
    limits = XlsxLimits.from_settings()
    if height > limits.max_rows + 1:
        raise XlsxOverLimit("sheet_too_many_rows", code="too_many_rows", limit=limits.max_rows)
    if width > limits.max_columns:
        raise XlsxOverLimit(
            "sheet_too_many_columns", code="too_many_columns", limit=limits.max_columns
        )
    _check_cells(height, width, settings.BOUCLE_CALAMINE_MAX_CELLS)
