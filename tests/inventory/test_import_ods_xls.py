"""ODS (LibreOffice, GLPI) and XLS (Excel 97-2003) files import as XLSX files do, with limits."""

from __future__ import annotations

import datetime
import io
import time
import zipfile
from decimal import Decimal

import pytest

from common.errors import ValidationFailed
from inventory.choices import ImportState
from inventory.imports.calamine_limits import check_ods
from inventory.imports.readers import open_table
from inventory.imports.xlsx_limits import XlsxOverLimit
from inventory.models import Device, DeviceImport
from tests.conftest import SiteFactory
from tests.fixtures.imports import XLS_SAMPLE, errors_of, import_bytes, ods_bytes

pytestmark = pytest.mark.django_db

HEADER = ["Type", "Marque", "N° de série", "Mémoire (Go)", "Date d'achat", "Statut"]


def test_an_ods_file_is_imported_with_the_same_columns(commune, commune_user):
    # given
    content = ods_bytes(
        [
            HEADER,
            ["Portable", "Dell", "ODS-1", 8, "12/03/2018", "Au rebut"],
            ["Tablette", "Apple", "ODS-2", "4", "", "Hors service"],
            ["Écran", "Iiyama", "ODS-3", "", "", "En stock"],
        ]
    )

    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=content, name="parc.ods"
    )

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert device_import.file_format == {"format": "ods", "sheet": "Parc"}
    assert (device_import.rows_read, device_import.rows_valid, device_import.rows_skipped) == (
        3,
        2,
        1,
    )
    assert dict(Device.objects.values_list("serial_number", "ram_gb")) == {
        "ODS-1": Decimal("8.00"),
        "ODS-2": Decimal("4.00"),
    }


def test_an_ods_file_gets_the_same_per_line_report(commune, commune_user):
    # given
    content = ods_bytes([HEADER[:4], ["Portable", "Dell", "R1", "huit"]])

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=content)

    # then
    assert device_import.state == ImportState.REJECTED
    assert errors_of(device_import) == [
        (2, "Mémoire (Go)", "huit", "The memory must be a number, such as 8 or 23,8.")
    ]


def test_an_xls_file_is_imported_with_its_dates_statuses_and_locations(commune, commune_user):
    # given
    library = SiteFactory(organisation=commune, name="Médiathèque", is_pickup=True)

    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=XLS_SAMPLE.read_bytes(), name="parc.xls"
    )

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert device_import.file_format == {"format": "xls", "sheet": "Parc"}
    assert device_import.skipped_preview == [{"line": 4, "status": "En service"}]
    devices = {device.serial_number: device for device in Device.objects.all()}
    assert set(devices) == {"XLS-0001", "XLS-0002"}
    assert devices["XLS-0001"].purchase_date == datetime.date(2018, 3, 12)
    assert devices["XLS-0001"].pickup_site == library
    assert devices["XLS-0002"].ram_gb == Decimal("16.00")


def repeated_rows_ods(rows: int, columns: int = 3) -> bytes:
    """One row of values standing for ``rows`` rows of ``columns`` cells: a few hundred bytes."""
    header = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{name}</text:p></table:table-cell>'
        for name in ("Type", "Marque", "Modèle")[:columns]
    )
    cells = (
        f'<table:table-cell office:value-type="string" table:number-columns-repeated="{columns}">'
        "<text:p>Dell</text:p></table:table-cell>"
    )
    return ods_bytes(
        table_xml=f"<table:table-row>{header}</table:table-row>"
        f'<table:table-row table:number-rows-repeated="{rows}">{cells}</table:table-row>'
    )


def test_an_ods_row_repeated_a_million_times_is_refused_before_it_is_read(commune, commune_user):
    # given: 700 bytes standing for a million rows
    content = repeated_rows_ods(1_048_575)
    assert len(content) < 2000

    # when
    started = time.perf_counter()
    with pytest.raises(ValidationFailed) as refusal:
        import_bytes(user=commune_user, commune=commune, content=content, name="bomb.ods")

    # then
    assert time.perf_counter() - started < 2
    assert refusal.value.code == "too_many_rows"
    assert DeviceImport.objects.count() == 0


def test_an_ods_cell_repeated_beyond_the_column_limit_is_refused(settings):
    # given
    content = repeated_rows_ods(2, columns=257)

    # when
    with pytest.raises(XlsxOverLimit) as refusal:
        check_ods(io.BytesIO(content))

    # then
    assert refusal.value.code == "too_many_columns"


def test_an_ods_sheet_over_the_cell_limit_is_refused(settings):
    # given
    settings.BOUCLE_CALAMINE_MAX_CELLS = 100
    content = repeated_rows_ods(40, columns=3)

    # when
    with pytest.raises(XlsxOverLimit) as refusal:
        check_ods(io.BytesIO(content))

    # then
    assert refusal.value.code == "too_many_cells"


def test_libreoffice_s_empty_repeated_rows_do_not_count():
    # given: the million empty rows LibreOffice writes after the data
    content = ods_bytes([["Type", "Marque"], ["Portable", "Dell"]])

    # when
    table = open_table(io.BytesIO(content))

    # then
    assert table.headers == ["Type", "Marque"]
    assert list(table.rows) == [(2, ["Portable", "Dell"])]


def test_an_ods_zip_part_over_the_size_limit_is_refused(settings):
    # given
    settings.BOUCLE_XLSX_MAX_PART_BYTES = 1024
    content = ods_bytes([["Type", "Marque"], *[["Portable", "Dell"]] * 100])

    # when
    with pytest.raises(XlsxOverLimit) as refusal:
        check_ods(io.BytesIO(content))

    # then
    assert refusal.value.code == "xlsx_part_too_large"


def test_ods_entities_are_refused():
    # given: the "billion laughs" start with an entity declared in content.xml
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(ods_bytes(table_xml=""))) as source,
        zipfile.ZipFile(out, "w") as archive,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "content.xml":
                data = data.replace(
                    b"?><office",
                    b'?><!DOCTYPE office:document-content [<!ENTITY a "aaaa">]><office',
                    1,
                )
            archive.writestr(info, data)

    # when
    with pytest.raises(XlsxOverLimit) as refusal:
        check_ods(io.BytesIO(out.getvalue()))

    # then
    assert refusal.value.code == "xlsx_entities"


def test_an_xls_file_over_its_size_limit_is_refused_and_nothing_stored(
    commune, commune_user, settings
):
    # given
    settings.BOUCLE_XLS_MAX_BYTES = 4096

    # when
    with pytest.raises(ValidationFailed) as refusal:
        import_bytes(
            user=commune_user, commune=commune, content=XLS_SAMPLE.read_bytes(), name="a.xls"
        )

    # then
    assert refusal.value.code == "xls_too_large"
    assert DeviceImport.objects.count() == 0


def test_an_xls_sheet_over_the_row_limit_is_refused_while_reading(commune, commune_user, settings):
    # given
    settings.BOUCLE_IMPORT_MAX_ROWS = 2

    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=XLS_SAMPLE.read_bytes(), name="a.xls"
    )

    # then
    assert device_import.state == ImportState.FAILED
    assert device_import.message == "The sheet holds more than 2 rows of devices."
    assert Device.objects.count() == 0
