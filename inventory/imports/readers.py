"""Reading a declaration file as a stream of rows, whatever Excel, LibreOffice or GLPI wrote.

A file is never loaded whole: CSV is decoded and split as it is read, XLSX is read with
openpyxl's streaming reader. Every row comes with its line number in the file, as a
spreadsheet shows it.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from inventory.imports.outcomes import Outcome

XLSX_MAGIC = b"PK\x03\x04"
SNIFF_BYTES = 64 * 1024
DELIMITERS = (";", ",", "\t")
# The longest cell a CSV may hold: a description, not a payload.
MAX_CELL_CHARACTERS = 10_000


class UnreadableFile(Exception):
    """The file is not a table Boucle can read: not CSV or XLSX, empty, broken."""

    code = "unreadable_file"

    def __init__(self, outcome: str, /, **params: Any) -> None:
        self.outcome = Outcome.of(outcome, **params)
        super().__init__(outcome)

    @property
    def message(self) -> str:
        """Why, in the active language."""
        return self.outcome.worded()


def _utf8_with_cp1252_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    """Decode a byte UTF-8 refuses as Windows-1252: files pasted together mix the two."""
    byte = error.object[error.start : error.start + 1]
    try:
        return byte.decode("cp1252"), error.start + 1
    except UnicodeDecodeError:
        return "\N{REPLACEMENT CHARACTER}", error.start + 1


codecs.register_error("boucle_cp1252_fallback", _utf8_with_cp1252_fallback)


@dataclass
class Table:
    """A file opened as a table: its header row, then its data rows with their line numbers."""

    format: str  # "csv" or "xlsx"
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def open_table(stream: IO[bytes], *, sheet: str | None = None) -> Table:
    """Open ``stream`` (a binary file, seekable) as a table, or raise :class:`UnreadableFile`."""
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if not head:
        raise UnreadableFile("file_empty")
    from inventory.imports.calamine_limits import is_ods, is_xls

    if is_ods(head):
        return _open_calamine(stream, file_format="ods", sheet=sheet)
    if is_xls(head):
        return _open_calamine(stream, file_format="xls", sheet=sheet)
    if head.startswith(XLSX_MAGIC):
        return _open_xlsx(stream, sheet=sheet)
    if sheet:
        raise UnreadableFile("sheet_without_workbook")
    return _open_csv(stream, head)


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile("utf16")
    try:
        # The sample may end in the middle of a character: decode incrementally.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        # UTF-8 into which lines were pasted from Windows-1252 still has mostly valid UTF-8
        # beyond ASCII; Windows-1252 text almost never has any.
        text = codecs.getincrementaldecoder("utf-8")("replace").decode(head, final=False)
        refused = text.count("\N{REPLACEMENT CHARACTER}")
        beyond_ascii = sum(1 for char in text if char > "\x7f") - refused
        return "utf-8" if beyond_ascii > refused else "cp1252"
    return "utf-8"


def _detect_delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ";"


def _open_csv(stream: IO[bytes], head: bytes) -> Table:
    encoding = _detect_encoding(head)
    if b"\x00" in head:
        raise UnreadableFile("binary_data")
    errors = "boucle_cp1252_fallback" if encoding.startswith("utf-8") else "strict"
    text = io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline="")
    try:
        first_line = text.readline()
        text.seek(0)
    except UnicodeDecodeError as error:
        raise UnreadableFile("characters_unreadable") from error
    delimiter = _detect_delimiter(first_line)
    reader = csv.reader(text, delimiter=delimiter, strict=False)
    try:
        headers = next(reader)
    except (csv.Error, UnicodeDecodeError) as error:
        raise UnreadableFile("first_line_unreadable") from error
    except StopIteration as error:
        raise UnreadableFile("file_empty") from error
    headers = [header.strip() for header in headers]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        line = reader.line_num + 1
        try:
            for row in reader:
                # One pass in C over the whole row; the cells are looked at only when needed.
                joined = "".join(row)
                if "\x00" in joined:
                    raise UnreadableFile("binary_data")
                if len(joined) > MAX_CELL_CHARACTERS and any(
                    len(cell) > MAX_CELL_CHARACTERS for cell in row
                ):
                    raise UnreadableFile("line_cell_too_long", line=line, limit=MAX_CELL_CHARACTERS)
                yield line, row
                line = reader.line_num + 1
        except csv.Error as error:
            raise UnreadableFile("line_unreadable", line=line, error=str(error)) from error
        except UnicodeDecodeError as error:
            raise UnreadableFile("line_characters_unreadable", line=line) from error

    return Table(format="csv", headers=headers, rows=rows(), encoding=encoding, delimiter=delimiter)


def _open_xlsx(stream: IO[bytes], *, sheet: str | None) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from inventory.imports.xlsx_limits import XlsxLimits, XlsxOverLimit, check_xlsx

    # Before openpyxl reads a byte: it would trust the declared dimension and load the
    # shared strings whole.
    check_xlsx(stream, sheet=sheet)
    limits = XlsxLimits.from_settings()
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError, TypeError) as error:
        raise UnreadableFile("xlsx_unopenable") from error
    except Exception as error:  # zipfile.BadZipFile and the parser's errors have no common base
        raise UnreadableFile("xlsx_unopenable") from error
    if sheet:
        if sheet not in workbook.sheetnames:
            raise UnreadableFile("sheet_missing", sheet=sheet, sheets=list(workbook.sheetnames))
        worksheet = workbook[sheet]
    else:
        worksheet = workbook.worksheets[0]
    # Rows as they are in the file, not padded to a declared dimension that may be a lie.
    worksheet.reset_dimensions()
    row_iterator = worksheet.iter_rows(values_only=True)
    try:
        header_row = next(row_iterator)
    except StopIteration as error:
        raise UnreadableFile("sheet_empty") from error
    except Exception as error:
        raise UnreadableFile("xlsx_unreadable") from error
    _check_xlsx_row(1, header_row, limits)
    headers = ["" if cell is None else str(cell).strip() for cell in header_row]
    width = len(headers)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        line = 2
        try:
            for row in row_iterator:
                if line > limits.max_rows + 1:
                    # Rows numbered far apart are padded with empty ones: count them too.
                    raise XlsxOverLimit(
                        "sheet_too_many_rows", code="too_many_rows", limit=limits.max_rows
                    )
                _check_xlsx_row(line, row, limits)
                cells = [_xlsx_cell(cell) for cell in row]
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                yield line, cells
                line += 1
        except UnreadableFile:
            raise
        except Exception as error:
            raise UnreadableFile("sheet_line_unreadable", line=line) from error
        finally:
            workbook.close()

    return Table(format="xlsx", headers=headers, rows=rows(), sheet=worksheet.title)


def _open_calamine(stream: IO[bytes], *, file_format: str, sheet: str | None) -> Table:
    """An ODS or XLS file, read by python-calamine once its limits are checked."""
    from python_calamine import CalamineWorkbook

    from inventory.imports.calamine_limits import check_ods, check_sheet_size, check_xls
    from inventory.imports.xlsx_limits import XlsxLimits

    # Before calamine reads a byte: it keeps the whole sheet in memory.
    if file_format == "ods":
        check_ods(stream)
    else:
        check_xls(stream)
    limits = XlsxLimits.from_settings()
    name = file_format.upper()
    try:
        workbook = CalamineWorkbook.from_filelike(stream)
        names = workbook.sheet_names
    except Exception as error:  # calamine's errors have no common base
        raise UnreadableFile("workbook_unopenable", format=name) from error
    if sheet and sheet not in names:
        raise UnreadableFile("sheet_missing", sheet=sheet, sheets=list(names))
    if not names:
        raise UnreadableFile("sheet_empty")
    if file_format == "ods" and sheet and sheet != names[0]:
        # The ODS checks counted the first sheet only.
        raise UnreadableFile("ods_first_sheet_only")
    try:
        worksheet = workbook.get_sheet_by_name(sheet or names[0])
    except Exception as error:
        raise UnreadableFile("workbook_unreadable", format=name) from error
    check_sheet_size(height=worksheet.height, width=worksheet.width)
    row_iterator = iter(worksheet.to_python(skip_empty_area=False))
    try:
        header_row = next(row_iterator)
    except StopIteration as error:
        raise UnreadableFile("sheet_empty") from error
    _check_xlsx_row(1, header_row, limits)
    headers = ["" if cell is None else str(cell).strip() for cell in header_row]
    width = len(headers)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for line, row in enumerate(row_iterator, start=2):
            _check_xlsx_row(line, row, limits)
            cells = [_xlsx_cell(cell) for cell in row]
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            yield line, cells

    return Table(format=file_format, headers=headers, rows=rows(), sheet=worksheet.name)


def _check_xlsx_row(line: int, row: tuple, limits: Any) -> None:
    """The columns really used (up to the last non-empty cell) and each text's length."""
    from inventory.imports.xlsx_limits import XlsxOverLimit

    if len(row) > limits.max_columns:
        used = len(row)
        while used and (row[used - 1] is None or row[used - 1] == ""):
            used -= 1
        if used > limits.max_columns:
            raise XlsxOverLimit(
                "line_too_many_columns",
                code="too_many_columns",
                line=line,
                limit=limits.max_columns,
            )
    for cell in row:
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARACTERS:
            raise XlsxOverLimit(
                "line_cell_too_long", code="cell_too_long", line=line, limit=MAX_CELL_CHARACTERS
            )


def _xlsx_cell(cell: Any) -> Any:
    if cell is None:
        return ""
    if isinstance(cell, datetime.datetime):
        return cell.date() if cell.time() == datetime.time() else cell
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return cell
