"""The device list as a file: CSV or XLSX, with the columns the import reads back.

The headers and the category and storage labels are those of a French declaration file
(``Type``, ``Marque``, ``Portable``, ``Unité centrale``…), so that an exported file, once
corrected, can be imported again. Rows are read with ``iterator()`` and written as they come:
a whole territory's inventory is never held in memory. A spreadsheet never runs a cell as a
formula: a CSV text cell goes through :func:`inventory.tabular.neutralise_cell` (a leading
apostrophe), an XLSX one is stored as text with Excel's quote prefix
(:func:`inventory.tabular.xlsx_text_cell`), so that it shows exactly what was typed.
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from inventory.choices import DeviceCategory, StorageType
from inventory.models import Device
from inventory.tabular import csv_cell, runs_as_formula, xlsx_text_cell

# Devices fetched from the database per round trip, and CSV rows sent per chunk.
FETCH_CHUNK = 2000
ROWS_PER_CHUNK = 500

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The headers of a French declaration file; the import recognises each of them but the code,
# which it ignores; the lifecycle state it reads as a status that keeps every row in (see
# inventory.imports.validation). The state is "Statut", not "État": in a
# declaration file "État" is the device's condition ("Fonctionne", "Écran fissuré"), which the
# import adds to the notes.
HEADERS = (
    "Code",
    "Type",
    "Marque",
    "Modèle",
    "N° de série",
    "N° d'inventaire",
    "Date d'achat",
    "Processeur",
    "Mémoire (Go)",
    "Stockage (Go)",
    "Type de stockage",
    "Écran (pouces)",
    "Système",
    "Remarques",
    "Lieu d'enlèvement",
    "Commune",
    "Statut",
)
# Widths of the XLSX columns, in characters, in the order of HEADERS.
XLSX_WIDTHS = (11, 16, 14, 24, 20, 18, 13, 26, 13, 13, 15, 14, 20, 36, 26, 20, 16)

# The labels a French file uses, each read back to the same value by the import.
CATEGORY_LABELS = {
    DeviceCategory.LAPTOP: "Portable",
    DeviceCategory.DESKTOP: "Unité centrale",
    DeviceCategory.MONITOR: "Écran",
    DeviceCategory.TABLET: "Tablette",
    DeviceCategory.SMARTPHONE: "Smartphone",
    DeviceCategory.PRINTER: "Imprimante",
    DeviceCategory.PROJECTOR: "Vidéoprojecteur",
    DeviceCategory.ACCESSORY: "Accessoire",
    DeviceCategory.OTHER: "Autre",
}
STORAGE_TYPE_LABELS = {
    StorageType.HDD: "HDD",
    StorageType.SSD: "SSD",
    StorageType.NVME: "NVMe",
    StorageType.EMMC: "eMMC",
    StorageType.FLASH: "Flash",
}


def export_filename(extension: str, *, today: datetime.date | None = None) -> str:
    day = today or timezone.localdate()
    return f"boucle-inventaire-{day:%Y-%m-%d}.{extension}"


def _devices(devices: QuerySet[Device]) -> Iterator[Device]:
    """The devices with their commune and site, fetched in chunks, oldest declared first."""
    queryset = devices.select_related("commune", "pickup_site").order_by("created_at", "pk")
    return queryset.iterator(chunk_size=FETCH_CHUNK)


def _plain_number(value: Decimal | None) -> Decimal | None:
    """16.00 as 16 and 14.50 as 14.5: what a person writes in a spreadsheet."""
    if value is None:
        return None
    return value.to_integral() if value == value.to_integral() else value.normalize()


def device_row(device: Device) -> list[Any]:
    """The device's cells in the order of :data:`HEADERS`, as typed values (XLSX keeps them)."""
    return [
        device.code,
        CATEGORY_LABELS.get(device.category, device.category),
        device.brand,
        device.model,
        device.serial_number,
        device.asset_tag,
        device.purchase_date,
        device.cpu,
        _plain_number(device.ram_gb),
        device.storage_gb,
        STORAGE_TYPE_LABELS.get(device.storage_type, device.storage_type),
        _plain_number(device.screen_size_inches),
        device.operating_system,
        device.condition_notes,
        device.pickup_site.name if device.pickup_site else "",
        device.commune.name,
        str(device.get_state_display()),
    ]


def csv_chunks(devices: QuerySet[Device]) -> Iterator[str]:
    """The CSV file in pieces: UTF-8 with a byte order mark (Excel needs it), ``;``-separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(HEADERS)
    for count, device in enumerate(_devices(devices), start=1):
        writer.writerow([csv_cell(value) for value in device_row(device)])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(devices: QuerySet[Device], output: IO[bytes]) -> None:
    """Write the XLSX file to ``output``; openpyxl's write-only mode keeps rows on disk."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Inventaire")
    sheet.freeze_panes = "A2"
    for index, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header_cells = []
    for header in HEADERS:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for device in _devices(devices):
        sheet.append([_xlsx_cell(sheet, value) for value in device_row(device)])
    workbook.save(output)


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD/MM/YYYY"
        return cell
    if value == "":
        return None
    if runs_as_formula(value):
        return xlsx_text_cell(sheet, value)
    return value


def xlsx_file(devices: QuerySet[Device]) -> IO[bytes]:
    """The XLSX file in a temporary file, rewound; closing it deletes it."""
    # Not a context manager: the response that sends the file closes it.
    output = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        write_xlsx(devices, output)
    except BaseException:
        output.close()
        raise
    output.seek(0)
    return output
