"""Reading declaration files and checking their rows, unit by unit: the tricky inputs."""

from __future__ import annotations

import codecs
import datetime
import io

import pytest

from inventory.imports.readers import (
    MAX_CELL_CHARACTERS,
    SNIFF_BYTES,
    UnreadableFile,
    open_table,
)
from inventory.imports.reasons import Reason
from inventory.imports.validation import ColumnPlan, RowError, RowValidator, ValidRow
from organisations.choices import OrganisationKind
from organisations.models import Organisation, Site
from tests.fixtures.imports import csv_bytes, xlsx_bytes


def read(content: bytes, **options) -> tuple:
    table = open_table(io.BytesIO(content), **options)
    return table, list(table.rows)


def unreadable(content: bytes, **options) -> str:
    with pytest.raises(UnreadableFile) as refusal:
        read(content, **options)
    return refusal.value.message


# --- Delimiters. ---


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_the_delimiter_is_the_one_the_header_uses(delimiter):
    # when
    table, rows = read(
        csv_bytes([["Type", "Marque", "Modèle"], ["Portable", "Dell", "E5"]], delimiter=delimiter)
    )

    # then
    assert table.delimiter == delimiter
    assert table.headers == ["Type", "Marque", "Modèle"]
    assert rows == [(2, ["Portable", "Dell", "E5"])]


def test_the_most_frequent_delimiter_of_the_header_wins():
    # given: a semicolon file whose labels hold commas
    content = b"Type;Marque, fabricant;Taille, en pouces;Mod\xc3\xa8le\r\nPortable;Dell;14;E5\r\n"

    # when
    table, _ = read(content)

    # then
    assert table.delimiter == ";"
    assert table.headers == ["Type", "Marque, fabricant", "Taille, en pouces", "Modèle"]


def test_a_single_column_file_defaults_to_semicolons():
    # when
    table, rows = read(b"Type\r\nPortable\r\n")

    # then
    assert (table.delimiter, table.headers, rows) == (";", ["Type"], [(2, ["Portable"])])


def test_header_cells_are_stripped():
    # when
    table, _ = read(b"  Type ;\tMarque  \r\nPortable;Dell\r\n")

    # then
    assert table.headers == ["Type", "Marque"]


# --- Encodings. ---


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")],
)
def test_the_encoding_is_detected(encoding, detected):
    # given
    content = csv_bytes([["Catégorie", "Marque"], ["Écran", "Iiyama — œil"]], encoding=encoding)

    # when
    table, rows = read(content)

    # then: the BOM is not part of the first label
    assert table.encoding == detected
    assert table.headers == ["Catégorie", "Marque"]
    assert rows == [(2, ["Écran", "Iiyama — œil"])]


def test_a_utf8_file_with_a_line_pasted_from_windows_1252_is_read():
    # given: a UTF-8 file into which a line was pasted from a Windows-1252 one
    content = (
        "Catégorie;Marque;Modèle;Système\r\nÉcran;Iiyama;ProLite;—\r\n".encode()
        + b"Portable;Dell;Mod\xe8le \x80 9;Windows\r\n"
        + "Unité centrale;HP;EliteDesk;Windows 10 Édition Pro\r\n".encode()
    )

    # when
    table, rows = read(content)

    # then
    assert table.encoding == "utf-8"
    assert table.headers == ["Catégorie", "Marque", "Modèle", "Système"]
    assert rows == [
        (2, ["Écran", "Iiyama", "ProLite", "—"]),
        (3, ["Portable", "Dell", "Modèle € 9", "Windows"]),
        (4, ["Unité centrale", "HP", "EliteDesk", "Windows 10 Édition Pro"]),
    ]


def test_a_windows_1252_byte_beyond_the_sniffed_start_of_a_utf8_file_is_read():
    # given: the first 64 KB are pure UTF-8, the last line is not
    filler = [["Portable", "Dell", f"Modèle {index:05d}"] for index in range(3000)]
    content = (
        csv_bytes([["Type", "Marque", "Modèle"], *filler]) + b"Tablette;Apple;iPad \xe9t\xe9\r\n"
    )
    assert len(content) > SNIFF_BYTES

    # when
    table, rows = read(content)

    # then
    assert table.encoding == "utf-8"
    assert rows[-1] == (3002, ["Tablette", "Apple", "iPad été"])


def test_a_byte_windows_1252_does_not_define_makes_a_1252_file_unreadable():
    # given: cp1252 detected (é as 0xE9), then 0x81, which cp1252 leaves undefined
    content = b"Type;Marque\r\n\xc9cran;Iiyama\r\nPortable;\x81Dell\r\n"

    # when / then
    assert "cannot be read" in unreadable(content)


def test_a_utf16_file_is_refused_with_advice():
    # given: what Excel's "Unicode text" saves
    content = codecs.BOM_UTF16_LE + "Type\tMarque\r\nPortable\tDell\r\n".encode("utf-16-le")

    # when / then
    assert unreadable(content) == (
        "This file is in UTF-16; save it as CSV UTF-8 or as CSV (separator: semicolon)."
    )


# --- Broken and hostile input. ---


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<\x00>>",
        b"Type;Marque\r\nPortable;De\x00ll\r\n",
    ],
)
def test_binary_input_is_unreadable(content):
    # when / then
    assert unreadable(content) == "This file is not a CSV or XLSX table (it holds binary data)."


def test_nul_bytes_beyond_the_sniffed_start_are_unreadable_too():
    # given: 64 KB of good rows, then a cell holding a NUL byte (PostgreSQL text refuses it)
    filler = [["Portable", "Dell", f"SN{index:06d}"] for index in range(4000)]
    content = csv_bytes([["Type", "Marque", "N° de série"], *filler]) + b"Portable;Dell;SN\x00X\r\n"
    assert content.index(b"\x00") > SNIFF_BYTES

    # when / then
    with pytest.raises(UnreadableFile):
        read(content)


def test_a_cell_at_the_limit_is_read_and_one_beyond_is_not():
    # given
    at_limit = "a" * MAX_CELL_CHARACTERS
    header = ["Type", "Marque", "Remarques"]

    # when
    _, rows = read(csv_bytes([header, ["Portable", "Dell", at_limit]]))

    # then
    assert rows == [(2, ["Portable", "Dell", at_limit])]
    assert (
        unreadable(
            csv_bytes([header, ["Portable", "Dell", "x"], ["Portable", "Dell", at_limit + "a"]])
        )
        == "Line 3 holds a cell of more than 10000 characters."
    )


def test_a_cell_beyond_the_csv_field_limit_is_unreadable():
    # given: an unterminated quote swallows the rest of a large file into one field
    content = b'Type;Marque\r\nPortable;"Dell\r\n' + b"Portable;Dell\r\n" * 20_000

    # when / then
    assert unreadable(content).startswith("Line 2 cannot be read:")


@pytest.mark.parametrize("content", [b"", codecs.BOM_UTF8])
def test_an_empty_file_is_unreadable(content):
    # when / then
    assert unreadable(content) == "The file is empty."


def test_rows_keep_their_line_numbers_across_blank_lines():
    # when
    _, rows = read(b"Type;Marque\r\n\r\nPortable;Dell\r\n;\r\nTablette;Apple")

    # then
    assert rows == [(2, []), (3, ["Portable", "Dell"]), (4, ["", ""]), (5, ["Tablette", "Apple"])]


def test_a_sheet_name_is_refused_for_a_csv_file():
    # when / then
    assert unreadable(b"Type;Marque\r\n", sheet="Parc") == (
        "A sheet name only applies to an XLSX, ODS or XLS file."
    )


# --- XLSX. ---


def test_xlsx_cells_are_read_as_values():
    # given
    content = xlsx_bytes(
        {
            "Parc": [
                ["Type", "Marque", "Achat", "RAM", "Écran", "Heure"],
                ["Portable", "Dell", datetime.datetime(2019, 5, 17), 8.0, 15.6, None],
                [None, None, None, None, None, datetime.datetime(2020, 1, 2, 10, 30)],
            ]
        }
    )

    # when
    table, rows = read(content)

    # then
    assert (table.format, table.sheet) == ("xlsx", "Parc")
    assert rows == [
        (2, ["Portable", "Dell", datetime.date(2019, 5, 17), 8, 15.6, ""]),
        (3, ["", "", "", "", "", datetime.datetime(2020, 1, 2, 10, 30)]),
    ]


def test_xlsx_named_sheet_and_unknown_sheet():
    # given
    content = xlsx_bytes({"A": [["Type"], ["Portable"]], "B": [["Marque"], ["Dell"]]})

    # when
    table, rows = read(content, sheet="B")

    # then
    assert (table.sheet, table.headers, rows) == ("B", ["Marque"], [(2, ["Dell"])])
    assert unreadable(content, sheet="C") == "The file has no sheet named “C”; its sheets: A, B."


def test_xlsx_empty_sheet_is_unreadable():
    # when / then
    assert unreadable(xlsx_bytes({"Vide": []})) == "The sheet is empty."


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04" + b"\x00" * 100,
        b"PK\x03\x04not a zip at all",
        xlsx_bytes({"Parc": [["Type"]]})[:500],
    ],
)
def test_a_broken_xlsx_file_is_unreadable(content):
    # when / then
    assert unreadable(content) == "This XLSX file cannot be opened."


# --- Columns. ---


def test_column_plan_maps_synonyms_and_reports_the_rest():
    # when
    plan = ColumnPlan.from_headers(
        ["TYPE", "Fabricant", "Couleur", "", "Numéro de série", "N° de série", "Prix"]
    )

    # then
    assert plan.columns == {"category": 0, "brand": 1, "serial_number": 4}
    assert plan.unknown == ["Couleur", "Prix"]
    assert plan.duplicates == ["N° de série"]
    assert plan.missing == []


def test_memory_in_gb_and_in_mb_cannot_both_be_given():
    # when
    plan = ColumnPlan.from_headers(["Type", "Marque", "Mémoire (Go)", "Composants - Mémoire"])

    # then
    assert plan.duplicates == ["Composants - Mémoire"]
    assert "ram_mb" not in plan.columns


def test_column_plan_names_missing_required_columns():
    # when
    plan = ColumnPlan.from_headers(["Modèle"])

    # then
    assert plan.missing == ["category", "brand"]


# --- Rows. ---


@pytest.fixture
def cachan() -> Organisation:
    return Organisation(pk=1, kind=OrganisationKind.COMMUNE, name="Cachan", insee_code="94016")


def validator_for(headers: list[str], commune: Organisation, sites=()) -> RowValidator:
    return RowValidator(
        headers=headers,
        plan=ColumnPlan.from_headers(headers),
        commune=commune,
        sites=sites,
        default_site=None,
        today=datetime.date(2025, 6, 1),
    )


def described(outcome) -> dict:
    from inventory.imports.validation import ROW_FIELDS

    assert isinstance(outcome, ValidRow), outcome
    return dict(zip(ROW_FIELDS, outcome.values, strict=True))


@pytest.mark.parametrize(
    ("written", "brand"),
    [
        ("Dell Inc.", "Dell"),
        ("LENOVO", "Lenovo"),
        ("Hewlett-Packard", "HP"),
        ("ASUSTeK COMPUTER INC.", "Asus"),
        ("Samsung Electronics Co., Ltd.", "Samsung"),
        ("Fujitsu Siemens", "Fujitsu"),
        ("Framework", "Framework"),
    ],
)
def test_brands_are_normalised(cachan, written, brand):
    # when
    outcome = validator_for(["Type", "Marque"], cachan).validate(2, ["Portable", written])

    # then
    assert described(outcome)["brand"] == brand


def test_a_row_shorter_than_the_header_reads_its_missing_cells_as_empty(cachan):
    # when
    outcome = validator_for(["Type", "Marque", "Mémoire", "Stockage"], cachan).validate(
        7, ["Écran", "Iiyama"]
    )

    # then
    row = described(outcome)
    assert (outcome.line, row["category"], row["ram_gb"], row["storage_gb"]) == (
        7,
        "monitor",
        None,
        None,
    )
    assert row["data_bearing"] is False


def test_a_blank_row_is_skipped(cachan):
    # when / then
    assert validator_for(["Type", "Marque"], cachan).validate(3, ["", "  "]) is None


def test_empty_markers_leave_optional_cells_empty(cachan):
    # when
    outcome = validator_for(
        ["Type", "Marque", "Mémoire", "Stockage", "Date d'achat"], cachan
    ).validate(2, ["Portable", "Dell", "N/A", "-", "nc"])

    # then
    row = described(outcome)
    assert (row["ram_gb"], row["storage_gb"], row["purchase_date"]) == (None, None, None)


def test_pickup_sites_are_matched_loosely(cachan):
    # given
    sites = [Site(pk=5, organisation=cachan, name="École Jean-Jaurès")]
    validator = RowValidator(
        headers=["Type", "Marque", "Site"],
        plan=ColumnPlan.from_headers(["Type", "Marque", "Site"]),
        commune=cachan,
        sites=sites,
        default_site=None,
    )

    # when
    outcome = validator.validate(2, ["Portable", "Dell", "ecole jean jaures"])

    # then
    assert described(outcome)["pickup_site_id"] == 5


def test_a_memory_too_long_for_decimals_is_a_row_error_not_a_crash(cachan):
    # given: 27 digits is beyond what Decimal quantizes in its default context
    value = "9" * 27

    # when
    outcome = validator_for(["Type", "Marque", "Mémoire (Go)"], cachan).validate(
        2, ["Portable", "Dell", value]
    )

    # then
    assert outcome == [
        RowError(2, "Mémoire (Go)", value, Reason("memory_too_large", '{"max": "4096"}'))
    ]
    assert outcome[0].reason.worded() == "The memory cannot exceed 4096 GB; give it in GB."


def test_a_huge_xlsx_number_in_memory_is_a_row_error_not_a_crash(cachan):
    # when
    outcome = validator_for(["Type", "Marque", "RAM"], cachan).validate(
        2, ["Portable", "Dell", 1e300]
    )

    # then
    assert outcome == [RowError(2, "RAM", "1e+300", Reason("memory_too_large", '{"max": "4096"}'))]


@pytest.mark.parametrize("value", [True, datetime.time(10, 30)])
def test_odd_xlsx_cell_types_are_row_errors(cachan, value):
    # when
    outcome = validator_for(["Type", "Marque", "Stockage", "Date d'achat"], cachan).validate(
        2, ["Portable", "Dell", value, value]
    )

    # then
    assert isinstance(outcome, list)
    assert [error.column for error in outcome] == ["Stockage", "Date d'achat"]
