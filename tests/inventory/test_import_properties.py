"""Property tests: whatever the file, an import ends in a known state and never imports in part.

Each example runs in its own transaction, rolled back afterwards, so that examples do not see
each other's devices (nor each other's files as "already imported").
"""

from __future__ import annotations

import contextlib
import datetime
import re
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.choices import ImportState
from inventory.imports.columns import COLUMN_SYNONYMS, HEADER_TO_COLUMN, normalise_label
from inventory.models import DeviceImport
from tests.fixtures.imports import csv_bytes, import_bytes, inventory_counts, xlsx_bytes

pytestmark = pytest.mark.django_db

# What an import may end in when it runs at once (no cancel, no earlier import survives).
END_STATES = {
    ImportState.IMPORTED,
    ImportState.VALID,
    ImportState.REJECTED,
    ImportState.UNREADABLE,
}
PROPERTY_SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    print_blob=True,
    database=None,  # nothing written into the working tree
)
# Characters openpyxl refuses to write into a sheet.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class _Rollback(Exception):
    pass


def check_import(*, user, commune, content: bytes, name: str, dry_run: bool) -> DeviceImport:
    """Import ``content`` inside a transaction rolled back afterwards; check the invariants."""
    with contextlib.suppress(_Rollback), transaction.atomic():
        before = inventory_counts()
        device_import = import_bytes(
            user=user, commune=commune, content=content, name=name, dry_run=dry_run
        )
        after = inventory_counts()
        stored = DeviceImport.objects.get(pk=device_import.pk)

        assert stored.state in END_STATES, (stored.state, stored.message)
        assert stored.is_finished
        assert stored.message
        # Every row read is valid, or left out as not surplus by its status (a file with a
        # status column declares the rows whose status says surplus).
        if stored.state == ImportState.IMPORTED:
            assert stored.rows_valid + stored.rows_skipped == stored.rows_read
            assert stored.error_count == 0
            assert stored.declaration is not None
            added = stored.rows_valid
            assert after == {
                "devices": before["devices"] + added,
                "events": before["events"] + added,
                "declarations": before["declarations"] + 1,
            }
            assert stored.declaration.devices.count() == added
        else:
            assert after == before
            assert stored.declaration is None
            if stored.state == ImportState.REJECTED:
                assert stored.error_count > 0
                assert len(stored.errors_preview) == min(stored.error_count, 200)
                assert stored.report
            if stored.state == ImportState.VALID:
                assert dry_run
                assert stored.rows_valid > 0
                assert stored.rows_valid + stored.rows_skipped == stored.rows_read
        raise _Rollback
    return device_import


# --- (a) Arbitrary bytes. ---

# Bytes alone, and bytes after a header Boucle reads, so that the rows themselves are random.
arbitrary_files = st.one_of(
    st.binary(min_size=1, max_size=600),
    st.builds(
        lambda head, body: head + body,
        st.sampled_from(
            [
                b"Type;Marque;N\xb0 de s\xe9rie;M\xe9moire\r\n",
                "Type,Marque,Modèle,Date d'achat\n".encode(),
                b"\xef\xbb\xbfType\tMarque\tStockage\r\n",
                b"PK\x03\x04",
            ]
        ),
        st.binary(max_size=400),
    ),
)


def test_arbitrary_bytes_end_in_a_known_state_and_never_import_in_part(commune, commune_user):
    seen: Counter = Counter()

    @settings(PROPERTY_SETTINGS, max_examples=300)
    @given(content=arbitrary_files, dry_run=st.booleans())
    def import_any_bytes(content: bytes, dry_run: bool) -> None:
        device_import = check_import(
            user=commune_user, commune=commune, content=content, name="x.csv", dry_run=dry_run
        )
        seen[device_import.state] += 1

    import_any_bytes()

    # Random bytes are mostly unreadable; after a real header, their rows get rejected.
    assert seen[ImportState.UNREADABLE] > 0
    assert seen[ImportState.REJECTED] > 0


# --- (b) Arbitrary tables. ---

LABELS_OF_COLUMNS = {
    "category": ["Type", "Catégorie", "TYPE DE MATÉRIEL", "Device type"],
    "brand": ["Marque", "Fabricant", "Manufacturer", "constructeur"],
    "model": ["Modèle", "Model"],
    "serial_number": ["N° de série", "Numéro de série", "Serial number", "S/N"],
    "asset_tag": ["N° d'inventaire", "Asset tag"],
    "purchase_date": ["Date d'achat", "Purchase date"],
    "cpu": ["Processeur", "CPU"],
    "ram_gb": ["Mémoire (Go)", "RAM"],
    "ram_mb": ["Composants - Mémoire", "Mémoire (Mo)"],
    "storage_gb": ["Stockage (Go)", "Disque", "Composants - Disque dur"],
    "storage_type": ["Type de stockage", "Disk type"],
    "screen_size_inches": ["Écran (pouces)", "Diagonale"],
    "operating_system": ["Système", "OS"],
    "condition": ["État"],
    "condition_notes": ["Remarques", "Notes"],
    "pickup_site": ["Lieu d'enlèvement", "Site"],
    "entity": ["Entité"],
    "status": ["Statut", "Status"],
    "location": ["Lieu", "Location"],
}
COLUMN_OF_LABEL = {
    label: column for column, labels in LABELS_OF_COLUMNS.items() for label in labels
}

short_text = st.text(max_size=16)
serials = st.from_regex(r"\A[A-Z0-9][A-Z0-9 -]{3,9}\Z")
past_days = st.dates(min_value=datetime.date(1980, 1, 1), max_value=datetime.date(2024, 12, 31))
# Values a real file holds in each column, all valid.
VALID_CELLS = {
    "category": st.sampled_from(
        ["Portable", "Unité centrale", "écran", "Tablette", "Desktop", "Notebook", "laptop"]
    ),
    "brand": st.sampled_from(["Dell", "Dell Inc.", "LENOVO", "HP", "Acer", "Brother"]),
    "model": short_text,
    "serial_number": serials,
    "asset_tag": short_text,
    "purchase_date": st.one_of(
        past_days.map(lambda day: day.strftime("%d/%m/%Y")),
        past_days.map(lambda day: day.isoformat()),
        st.just(""),
    ),
    "cpu": short_text,
    "ram_gb": st.sampled_from(["4", "8", "7,5", "16 Go", "", "N/A"]),
    "ram_mb": st.sampled_from(["4096", "8192", "512", ""]),
    "storage_gb": st.sampled_from(["128", "256 Go", "1 To", "1,5 To", "", "-"]),
    "storage_type": st.sampled_from(["SSD", "HDD", "NVMe", "eMMC", ""]),
    "screen_size_inches": st.sampled_from(["14", "15,6", "23.8", ""]),
    "operating_system": short_text,
    "condition": short_text,
    "condition_notes": short_text,
    "pickup_site": st.sampled_from(["Hôtel de ville", "hotel de ville", ""]),
    "status": st.sampled_from(["Au rebut", "À réformer", "hors service"]),
    "location": st.sampled_from(["", "Mairie > Hôtel de ville", "Cave"]),
    "entity": st.sampled_from(["Entité racine > Mairie de Cachan", "Cachan", "94016", ""]),
}
# Values that look right but are not, and values that look like nothing.
odd_cells = st.one_of(
    st.sampled_from(
        [
            "frigo",
            "disquette",
            "Gymnase",
            "Entité racine > Mairie d'Arcueil",
            "=1+1",
            "@SUM(A1)",
            "30/02/2021",
            "31/12/1979",
            "01/01/2999",
            "huit",
        ]
    ),
    st.from_regex(r"\A-?[0-9]{1,40}([.,][0-9]{1,3})? ?(Go|Mo|To|GB|MB|pouces|cm)?\Z"),
    # Every order of magnitude, up to numbers no column can hold.
    st.integers(min_value=0, max_value=45).map(lambda exponent: str(10**exponent)),
    st.text(max_size=20),
)


@st.composite
def tables(draw) -> list[list[str]]:
    """A header of known and unknown labels, and rows of cells for those columns."""
    header = draw(
        st.lists(
            st.one_of(st.sampled_from(sorted(COLUMN_OF_LABEL)), st.text(max_size=12)),
            max_size=6,
        )
    )
    if draw(st.integers(min_value=0, max_value=3)):  # most real files have the required columns
        header = draw(
            st.permutations(
                [
                    draw(st.sampled_from(LABELS_OF_COLUMNS["category"])),
                    draw(st.sampled_from(LABELS_OF_COLUMNS["brand"])),
                    *header,
                ]
            )
        )
    if not header:
        header = [draw(st.text(min_size=1, max_size=12))]
    clean = draw(st.booleans())  # only valid values, so that some imports succeed
    strategies = []
    for label in header:
        valid = VALID_CELLS.get(COLUMN_OF_LABEL.get(label, ""), short_text)
        strategies.append(valid if clean else st.one_of(odd_cells, valid))
    row_count = draw(st.integers(min_value=0, max_value=8))
    rows = [[draw(strategy) for strategy in strategies] for _ in range(row_count)]
    if not clean and rows and draw(st.booleans()):
        rows[-1] = rows[-1][: draw(st.integers(min_value=0, max_value=len(header) + 1))]
    return [header, *rows]


def xlsx_cell(text: str, *, typed: bool) -> str | int | float:
    text = XLSX_ILLEGAL.sub("", text)
    if typed and re.fullmatch(r"-?[0-9]+", text):
        return int(text) if abs(int(text)) < 2**53 else float(text)
    if typed and re.fullmatch(r"-?[0-9]+[.,][0-9]+", text):
        return float(text.replace(",", "."))
    return text


@st.composite
def table_files(draw) -> tuple[bytes, str]:
    """A table written as CSV (any delimiter and encoding) or, now and then, as XLSX."""
    table = draw(tables())
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        # Excel keeps numbers as numbers: so do some sheets.
        typed = draw(st.booleans())
        sheet = [[xlsx_cell(cell, typed=typed) for cell in row] for row in table]
        return xlsx_bytes({"Parc": sheet}), "table.xlsx"
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    table = [[cell.encode(encoding, "replace").decode(encoding) for cell in row] for row in table]
    return csv_bytes(table, delimiter=delimiter, encoding=encoding), "table.csv"


def test_arbitrary_tables_end_in_a_known_state_and_never_import_in_part(
    commune, commune_user, pickup_site
):
    seen: Counter = Counter()

    @settings(PROPERTY_SETTINGS, max_examples=300)
    @given(file=table_files(), dry_run=st.booleans())
    def import_any_table(file: tuple[bytes, str], dry_run: bool) -> None:
        content, name = file
        device_import = check_import(
            user=commune_user, commune=commune, content=content, name=name, dry_run=dry_run
        )
        seen[device_import.state] += 1

    import_any_table()

    # The property is only worth something if tables both import and get rejected.
    assert seen[ImportState.IMPORTED] + seen[ImportState.VALID] > 0
    assert seen[ImportState.REJECTED] > 0


def test_the_table_strategy_labels_every_column_as_the_import_reads_it():
    """Clean tables are only clean if their labels mean what the strategy thinks they mean."""
    assert set(LABELS_OF_COLUMNS) == set(COLUMN_SYNONYMS)
    assert {
        label: HEADER_TO_COLUMN.get(normalise_label(label)) for label in COLUMN_OF_LABEL
    } == COLUMN_OF_LABEL
