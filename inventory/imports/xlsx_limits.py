"""Checking an XLSX file before it is parsed: a few kilobytes of zip can expand to gigabytes.

An XLSX file is a zip of XML parts. openpyxl, even in its streaming mode, reads the shared
strings whole into memory and trusts the sheet's declared dimension, so a small file can keep
a process busy for minutes or exhaust its memory. :func:`check_xlsx` looks first at the zip's
central directory (sizes only, nothing decompressed), then streams the shared strings and the
sheet to be read, counting without keeping, and stops at the first limit passed. Whatever the
file, it answers in well under a second and never holds more than a chunk of it in memory.
"""

from __future__ import annotations

import re
import struct
import xml.parsers.expat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings

from inventory.imports.readers import MAX_CELL_CHARACTERS, UnreadableFile

# XML parts other than the sheets and the shared strings (styles, workbook, relationships…):
# openpyxl parses them whole, and none of them is large in a real workbook.
MAX_METADATA_PART_BYTES = 16 * 1024 * 1024
# The ratio is only meaningful for parts of some size: a small part may compress very well.
RATIO_FROM_BYTES = 1024 * 1024
# Entries a zip's central directory may list; zipfile keeps each of them in memory.
MAX_ZIP_ENTRIES = 10_000
# Bytes the end of a zip may hold after its central directory: the end record and its comment.
END_RECORD_SEARCH = 22 + 65_535
CHUNK_BYTES = 64 * 1024
XML_SUFFIXES = (".xml", ".rels", ".vml")

SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
# A row element, whatever the namespace prefix the writer chose (``<row`` or ``<x:row``).
ROW_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
STRING_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref=\"([^\"]{1,40})\"")
SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData[\s/>]")
DIMENSION_REFERENCE = re.compile(r"^\$?([A-Za-z]{0,3})\$?([0-9]{0,7})$")


class XlsxOverLimit(UnreadableFile):
    """The XLSX file passes one of Boucle's limits: refused before it is parsed."""

    def __init__(self, outcome: str, /, *, code: str, **params: Any) -> None:
        super().__init__(outcome, **params)
        self.code = code


@dataclass(frozen=True)
class XlsxLimits:
    """The limits an XLSX file is held to; read from the settings when not given."""

    max_part_bytes: int
    max_total_bytes: int
    max_ratio: int
    max_rows: int
    max_columns: int
    max_shared_strings: int

    @classmethod
    def from_settings(cls) -> XlsxLimits:
        return cls(
            max_part_bytes=settings.BOUCLE_XLSX_MAX_PART_BYTES,
            max_total_bytes=settings.BOUCLE_XLSX_MAX_TOTAL_BYTES,
            max_ratio=settings.BOUCLE_XLSX_MAX_RATIO,
            max_rows=settings.BOUCLE_IMPORT_MAX_ROWS,
            max_columns=settings.BOUCLE_IMPORT_MAX_COLUMNS,
            max_shared_strings=settings.BOUCLE_XLSX_MAX_SHARED_STRINGS,
        )


def check_xlsx(stream: IO[bytes], *, sheet: str | None = None) -> None:
    """Refuse ``stream`` (an XLSX file, seekable) with :class:`XlsxOverLimit` if it passes a
    limit; :class:`UnreadableFile` if it is no zip. Leaves the stream at its start."""
    limits = XlsxLimits.from_settings()
    try:
        _check_entry_count(stream)
        stream.seek(0)
        try:
            archive = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise UnreadableFile("xlsx_unopenable") from error
        with archive:
            infos = archive.infolist()
            _check_sizes(infos, limits)
            strings_part, sheet_part = _find_parts(stream, sheet=sheet)
            names = {info.filename for info in infos}
            if strings_part in names:
                _check_shared_strings(archive, strings_part, limits)
            if sheet_part in names:
                _check_sheet(archive, sheet_part, limits)
    finally:
        stream.seek(0)


def _check_entry_count(stream: IO[bytes]) -> None:
    """Read the count of entries from the zip's end record, before zipfile lists them all."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(max(0, size - END_RECORD_SEARCH))
    tail = stream.read()
    position = tail.rfind(b"PK\x05\x06")
    if position == -1 or len(tail) - position < 22:
        raise UnreadableFile("xlsx_unopenable")
    entries = struct.unpack("<H", tail[position + 10 : position + 12])[0]
    if entries > MAX_ZIP_ENTRIES:
        # 0xFFFF also means "see the ZIP64 record": no spreadsheet of devices needs one.
        raise XlsxOverLimit(
            "xlsx_too_many_parts",
            count=entries,
            limit=MAX_ZIP_ENTRIES,
            code="xlsx_too_many_parts",
        )


def _check_sizes(infos: list[zipfile.ZipInfo], limits: XlsxLimits) -> None:
    """Sizes and ratios as the central directory states them (zipfile checks them on reading,
    so a part that lies about its size fails when read, never grows beyond)."""
    if len(infos) > MAX_ZIP_ENTRIES:
        raise XlsxOverLimit(
            "xlsx_too_many_parts",
            count=len(infos),
            limit=MAX_ZIP_ENTRIES,
            code="xlsx_too_many_parts",
        )
    total = 0
    for info in infos:
        name = info.filename
        is_data = name.startswith("xl/worksheets/") or "sharedstrings" in name.lower()
        part_limit = (
            MAX_METADATA_PART_BYTES
            if name.lower().endswith(XML_SUFFIXES) and not is_data
            else limits.max_part_bytes
        )
        part_limit = min(part_limit, limits.max_part_bytes)
        if info.file_size > part_limit:
            raise XlsxOverLimit(
                "xlsx_part_too_large",
                part=name[:100],
                size=info.file_size,
                limit=part_limit,
                code="xlsx_part_too_large",
            )
        if info.file_size >= RATIO_FROM_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise XlsxOverLimit(
                    "xlsx_compression_ratio",
                    part=name[:100],
                    ratio=ratio,
                    limit=limits.max_ratio,
                    code="xlsx_compression_ratio",
                )
        total += info.file_size
    if total > limits.max_total_bytes:
        raise XlsxOverLimit(
            "xlsx_too_large",
            size=total,
            limit=limits.max_total_bytes,
            code="xlsx_too_large",
        )


def _find_parts(stream: IO[bytes], *, sheet: str | None) -> tuple[str, str]:
    """The shared strings part and the sheet's part, as openpyxl will find them (the
    manifest, the workbook and its relationships: small parts, bounded above)."""
    from openpyxl.reader.excel import ExcelReader

    try:
        stream.seek(0)
        reader = ExcelReader(stream, read_only=True, data_only=True)
        try:
            reader.read_manifest()
            reader.read_workbook()
            strings = reader.package.find(SHARED_STRINGS_TYPE)
            strings_part = strings.PartName[1:] if strings is not None else ""
            sheets = [
                (found.name, relation.target)
                for found, relation in reader.parser.find_sheets()
                if "chartsheet" not in relation.Type
            ]
        finally:
            reader.archive.close()
    except Exception as error:  # the parser's and the zip's errors have no common base
        raise UnreadableFile("xlsx_unopenable") from error
    targets = {name: target for name, target in sheets}
    if sheet:
        return strings_part, targets.get(sheet, "")
    return strings_part, sheets[0][1] if sheets else ""


class _StringCounter:
    """An expat handler counting the shared strings and the length of each, keeping none."""

    def __init__(self, limits: XlsxLimits) -> None:
        self.limit = limits.max_shared_strings
        self.count = 0
        self.length = 0
        self.depth_in_string = 0

    def start(self, name: str, attributes: dict) -> None:
        if name.rsplit(":", 1)[-1].rsplit("}", 1)[-1] == "si":
            self.count += 1
            self.length = 0
            if self.count > self.limit:
                raise XlsxOverLimit(
                    "xlsx_too_many_strings",
                    limit=self.limit,
                    code="xlsx_too_many_strings",
                )

    def text(self, data: str) -> None:
        self.length += len(data)
        if self.length > MAX_CELL_CHARACTERS:
            raise XlsxOverLimit(
                "xlsx_text_too_long",
                limit=MAX_CELL_CHARACTERS,
                code="cell_too_long",
            )


def _check_shared_strings(archive: zipfile.ZipFile, name: str, limits: XlsxLimits) -> None:
    """First the strings counted in the bytes (fast), then parsed for their lengths."""
    _count_elements(
        archive,
        name,
        STRING_ELEMENT,
        limit=limits.max_shared_strings,
        refusal=lambda: XlsxOverLimit(
            "xlsx_too_many_strings",
            limit=limits.max_shared_strings,
            code="xlsx_too_many_strings",
        ),
    )
    counter = _StringCounter(limits)
    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = counter.start
    parser.CharacterDataHandler = counter.text
    # Entities declared by the file would expand in the parser (the "billion laughs").
    parser.EntityDeclHandler = _refuse_entities
    try:
        with archive.open(name) as part:
            for chunk in iter(lambda: part.read(CHUNK_BYTES), b""):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except XlsxOverLimit:
        raise
    except (xml.parsers.expat.ExpatError, zipfile.BadZipFile, OSError, EOFError) as error:
        raise UnreadableFile("xlsx_unreadable") from error


def _refuse_entities(*arguments) -> None:
    raise XlsxOverLimit(
        "xlsx_entities",
        code="xlsx_entities",
    )


def _check_sheet(archive: zipfile.ZipFile, name: str, limits: XlsxLimits) -> None:
    """The declared dimension, then the rows really there, counted in the bytes as they are
    decompressed (a row starts with ``<row``), without parsing the cells."""
    head = b""
    try:
        with archive.open(name) as part:
            while len(head) < 2 * CHUNK_BYTES:
                chunk = part.read(CHUNK_BYTES)
                if not chunk:
                    break
                head += chunk
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise UnreadableFile("xlsx_unreadable") from error
    data_starts = SHEET_DATA.search(head)
    dimension = DIMENSION.search(head, 0, data_starts.start() if data_starts else len(head))
    if dimension is not None:
        _check_dimension(dimension.group(1).decode("ascii", "replace"), limits)
    _count_elements(
        archive,
        name,
        ROW_ELEMENT,
        # One row for the header, the others devices.
        limit=limits.max_rows + 1,
        refusal=lambda: XlsxOverLimit(
            "sheet_too_many_rows",
            limit=limits.max_rows,
            code="too_many_rows",
        ),
    )


def _count_elements(
    archive: zipfile.ZipFile,
    name: str,
    element: re.Pattern,
    *,
    limit: int,
    refusal: Callable[[], XlsxOverLimit],
) -> None:
    """Count ``element`` in the part's bytes as they are decompressed, chunk by chunk, and
    raise ``refusal()`` past ``limit``: at the speed of zlib, whatever the part holds."""
    count = 0
    carry = b""
    try:
        with archive.open(name) as part:
            for chunk in iter(lambda: part.read(CHUNK_BYTES), b""):
                buffer = carry + chunk
                # Keep a tag cut by the chunk's end for the next one.
                cut = buffer.rfind(b"<")
                if cut == -1 or cut < len(buffer) - 64:
                    cut = len(buffer)
                count += len(element.findall(buffer, 0, cut))
                carry = buffer[cut:]
                if count > limit:
                    raise refusal()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise UnreadableFile("xlsx_unreadable") from error


def _check_dimension(reference: str, limits: XlsxLimits) -> None:
    """``A1:XFD1048576``, ``A1``, or LibreOffice's ``1:49``: the last cell counts."""
    last = reference.split(":")[-1]
    match = DIMENSION_REFERENCE.match(last)
    if match is None:
        return  # not a reference: the rows themselves are counted
    letters, digits = match.groups()
    columns = 0
    for letter in letters.upper():
        columns = columns * 26 + ord(letter) - ord("A") + 1
    rows = int(digits) if digits else 0
    if rows > limits.max_rows + 1:
        raise XlsxOverLimit(
            "sheet_declares_too_many_rows",
            rows=rows,
            dimension=reference,
            limit=limits.max_rows,
            code="too_many_rows",
        )
    if columns > limits.max_columns:
        raise XlsxOverLimit(
            "sheet_declares_too_many_columns",
            columns=columns,
            dimension=reference,
            limit=limits.max_columns,
            code="too_many_columns",
        )
