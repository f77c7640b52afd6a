"""XLSX files built to exhaust the server (issue 9, item 1): refused before they are parsed,
at once, with their reason, through the API, the page, the command and a queued import."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from common.errors import ValidationFailed
from inventory.choices import ImportState
from inventory.imports.readers import MAX_CELL_CHARACTERS, UnreadableFile, open_table
from inventory.imports.services import device_import_create, device_import_run
from inventory.imports.xlsx_limits import check_xlsx
from inventory.models import Declaration, Device, DeviceEvent, DeviceImport
from tests.fixtures.imports import xlsx_bytes
from tests.fixtures.xlsx_bombs import (
    SHEET_PART,
    declared_dimension_bomb,
    replace_sheet,
    rows_bomb,
    shared_strings_bomb,
    shared_strings_workbook,
)

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["Type", "Marque", "N° de série"]


def laptops(count: int) -> list[list]:
    return [["Portable", "Dell", f"SN{index:06d}"] for index in range(1, count + 1)]


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def nothing_changed() -> tuple:
    return (
        DeviceImport.objects.count(),
        Declaration.objects.count(),
        Device.objects.count(),
        DeviceEvent.objects.count(),
    )


def refusal(content: bytes) -> UnreadableFile:
    with pytest.raises(UnreadableFile) as refused:
        check_xlsx(io.BytesIO(content))
    return refused.value


def import_file(*, user, commune, path: Path, **options) -> DeviceImport:
    with path.open("rb") as stream:
        return device_import_create(
            user=user,
            commune=commune,
            file=stream,
            original_name=path.name,
            size=path.stat().st_size,
            **options,
        )


# --- The three files of the issue, refused before anything is stored. ---


@pytest.mark.django_db
def test_a_sheet_declaring_every_cell_is_refused_by_the_api_at_once(
    client_for, commune_user, media_root, tmp_path
):
    # given: 4.7 KB declaring A1:XFD1048576
    bomb = declared_dimension_bomb(tmp_path / "dimension.xlsx")
    before = nothing_changed()

    # when
    started = time.perf_counter()
    response = client_for(commune_user).post(
        "/api/v1/imports/",
        {"commune": "cachan", "file": SimpleUploadedFile("parc.xlsx", bomb.read_bytes())},
        format="multipart",
    )
    elapsed = time.perf_counter() - started

    # then
    assert response.status_code == 400
    message = (
        "The sheet declares 1,048,576 rows (A1:XFD1048576); at most 1,000,000 rows of devices "
        "are accepted."
    )
    assert response.json() == {
        "error": {"code": "too_many_rows", "message": message, "fields": {"file": [message]}}
    }
    assert elapsed < 1
    assert nothing_changed() == before
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_shared_strings_expanding_to_300_mb_are_refused_on_the_page_at_once(
    client, commune_user, media_root, tmp_path
):
    # given: 0.9 MB expanding to 300 MB
    bomb = shared_strings_bomb(tmp_path / "strings.xlsx", megabytes=300)
    client.cookies["django_language"] = "fr"
    client.force_login(commune_user)
    before = nothing_changed()

    # when
    started = time.perf_counter()
    with bomb.open("rb") as file:
        response = client.post(
            "/inventory/imports/new/", {"file": file, "pickup_site": "", "sheet": ""}
        )
    elapsed = time.perf_counter() - started

    # then: the form says why, in French
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "file": [
            "La partie xl/sharedStrings.xml du fichier XLSX fait 300\N{NO-BREAK SPACE}Mo une "
            "fois décompressée\N{NO-BREAK SPACE}; la plus grande acceptée fait "
            "128\N{NO-BREAK SPACE}Mo."
        ]
    }
    assert elapsed < 2  # the upload of 0.9 MB through the test client included
    assert nothing_changed() == before
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_sheet_of_a_million_repeated_rows_is_refused_by_the_command(
    commune, commune_user, media_root, tmp_path
):
    # given: 1.9 MB expanding to 323 MB
    bomb = rows_bomb(tmp_path / "rows.xlsx")

    # when
    started = time.perf_counter()
    with pytest.raises(CommandError) as refused:
        call_command("import_devices", str(bomb), organisation="cachan")
    elapsed = time.perf_counter() - started

    # then
    assert refused.value.returncode == 2
    assert str(refused.value) == (
        "The part xl/worksheets/sheet1.xml of the XLSX file is 323.3 MB once uncompressed; "
        "the largest accepted is 128 MB."
    )
    assert elapsed < 1
    assert nothing_changed() == (0, 0, 0, 0)
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_queued_import_of_a_bomb_ends_failed_with_the_reason(
    commune, commune_user, settings, tmp_path
):
    # given: queued while the limits let it through
    bomb = declared_dimension_bomb(tmp_path / "dimension.xlsx")
    settings.BOUCLE_IMPORT_MAX_ROWS = 2_000_000
    settings.BOUCLE_IMPORT_MAX_COLUMNS = 20_000
    device_import = import_file(user=commune_user, commune=commune, path=bomb, run_now=False)
    assert device_import.state == ImportState.PENDING
    settings.BOUCLE_IMPORT_MAX_ROWS = 1_000_000
    settings.BOUCLE_IMPORT_MAX_COLUMNS = 256

    # when
    started = time.perf_counter()
    device_import_run(device_import=device_import)
    elapsed = time.perf_counter() - started

    # then
    device_import.refresh_from_db()
    assert device_import.state == ImportState.FAILED
    assert device_import.message == (
        "The sheet declares 1,048,576 rows (A1:XFD1048576); at most 1,000,000 rows of devices "
        "are accepted."
    )
    assert device_import.finished_at is not None
    assert elapsed < 1
    assert (Declaration.objects.count(), Device.objects.count()) == (0, 0)


def test_the_reason_is_written_as_the_french_write_it(tmp_path):
    # given
    bomb = declared_dimension_bomb(tmp_path / "dimension.xlsx")

    # when
    refused = refusal(bomb.read_bytes())

    # then: worded when read, in the reader's language
    space = "\N{NO-BREAK SPACE}"
    with translation.override("fr"):
        assert refused.message == (
            f"La feuille déclare 1{space}048{space}576 lignes (A1:XFD1048576){space}; "
            f"1{space}000{space}000 lignes d’équipements au plus sont acceptées."
        )
    with translation.override("en"):
        assert refused.message == (
            "The sheet declares 1,048,576 rows (A1:XFD1048576); "
            "at most 1,000,000 rows of devices are accepted."
        )


# --- Each limit on its own. ---


def test_a_part_compressed_more_than_the_ratio_allows_is_refused(tmp_path):
    # given: 100 MB (under the part limit) from 0.3 MB
    bomb = shared_strings_bomb(tmp_path / "ratio.xlsx", megabytes=100)

    # when
    refused = refusal(bomb.read_bytes())

    # then
    assert refused.code == "xlsx_compression_ratio"
    assert refused.message.startswith("The part xl/sharedStrings.xml of the XLSX file expands ")
    assert refused.message.endswith(" times once uncompressed; more than 100 times is refused.")


def test_all_parts_together_are_bounded(settings):
    # given
    settings.BOUCLE_XLSX_MAX_TOTAL_BYTES = 1000

    # when
    refused = refusal(xlsx_bytes({"Parc": [HEADER, *laptops(3)]}))

    # then
    assert refused.code == "xlsx_too_large"


@pytest.mark.django_db
def test_the_row_limit_counts_the_rows_really_there_whatever_the_sheet_declares(
    commune, commune_user, settings, tmp_path
):
    # given: a sheet declaring A1:C2 that holds 4 devices, the limit 3
    settings.BOUCLE_IMPORT_MAX_ROWS = 3
    rows = "".join(
        f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>{text}</t></is></c></row>'
        for number, text in enumerate(["Type", "Portable", "Portable", "Portable", "Portable"], 1)
    )
    lying = replace_sheet(tmp_path / "lying.xlsx", rows, dimension="A1:C2")

    # when
    with pytest.raises(ValidationFailed) as refused:
        import_file(user=commune_user, commune=commune, path=lying)

    # then
    assert refused.value.code == "too_many_rows"
    assert refused.value.message == "The sheet holds more than 3 rows of devices."
    assert nothing_changed() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_a_file_of_exactly_the_row_limit_is_imported(commune, commune_user, settings, tmp_path):
    # given
    settings.BOUCLE_IMPORT_MAX_ROWS = 3
    path = tmp_path / "three.xlsx"
    path.write_bytes(xlsx_bytes({"Parc": [HEADER, *laptops(3)]}))

    # when
    device_import = import_file(user=commune_user, commune=commune, path=path)

    # then
    assert (device_import.state, device_import.rows_valid) == (ImportState.IMPORTED, 3)


def test_rows_numbered_beyond_the_limit_are_refused_while_reading(settings, tmp_path):
    # given: two rows, the second numbered 1,000,000 (the rows between would be padded)
    settings.BOUCLE_IMPORT_MAX_ROWS = 1000
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Type</t></is></c></row>'
        '<row r="1000000"><c r="A1000000" t="inlineStr"><is><t>Portable</t></is></c></row>'
    )
    sparse = replace_sheet(tmp_path / "sparse.xlsx", rows)

    # when
    with sparse.open("rb") as stream, pytest.raises(UnreadableFile) as refused:
        list(open_table(stream).rows)

    # then
    assert refused.value.code == "too_many_rows"


def test_declared_columns_over_the_limit_are_refused(settings):
    # given: openpyxl declares A1:F2
    settings.BOUCLE_IMPORT_MAX_COLUMNS = 5

    # when
    refused = refusal(xlsx_bytes({"Parc": [[*HEADER, "A", "B", "C"], ["Portable"]]}))

    # then
    assert (refused.code, refused.message) == (
        "too_many_columns",
        "The sheet declares 6 columns (A1:F2); at most 5 are accepted.",
    )


def test_columns_really_used_over_the_limit_are_refused_while_reading(settings, tmp_path):
    # given: no dimension declared; empty cells beyond the limit do not count
    settings.BOUCLE_IMPORT_MAX_COLUMNS = 3
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Type</t></is></c><c r="J1"/></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Portable</t></is></c>'
        '<c r="D2" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    wide = replace_sheet(tmp_path / "wide.xlsx", rows)

    # when
    with wide.open("rb") as stream, pytest.raises(UnreadableFile) as refused:
        list(open_table(stream).rows)

    # then
    assert (refused.value.code, refused.value.message) == (
        "too_many_columns",
        "Line 2 holds more than 3 columns.",
    )


def test_shared_strings_are_counted_up_to_their_limit(settings, tmp_path):
    # given: seven texts, the limit six
    settings.BOUCLE_XLSX_MAX_SHARED_STRINGS = 6
    texts = ["Type", "Marque", "Portable", "Dell", "HP", "Lenovo", "Asus"]
    path = shared_strings_workbook(tmp_path / "texts.xlsx", texts, [[0, 1], [2, 3]])

    # when
    refused = refusal(path.read_bytes())

    # then
    assert (refused.code, refused.message) == (
        "xlsx_too_many_strings",
        "The XLSX file holds more than 6 different texts (shared strings); at most 6 are accepted.",
    )


def test_a_shared_string_longer_than_a_cell_may_be_is_refused(tmp_path):
    # given
    texts = ["Type", "x" * (MAX_CELL_CHARACTERS + 1)]
    path = shared_strings_workbook(tmp_path / "long.xlsx", texts, [[0], [1]])

    # when
    refused = refusal(path.read_bytes())

    # then
    assert (refused.code, refused.message) == (
        "cell_too_long",
        f"A text of the XLSX file is longer than {MAX_CELL_CHARACTERS} characters.",
    )


def test_shared_strings_within_the_limits_are_read(settings, tmp_path):
    # given: six texts, the longest of the longest length a cell may have
    settings.BOUCLE_XLSX_MAX_SHARED_STRINGS = 6
    longest = "x" * MAX_CELL_CHARACTERS
    texts = ["Type", "Marque", "Portable", "Dell", longest, "Asus"]
    path = shared_strings_workbook(tmp_path / "texts.xlsx", texts, [[0, 1], [2, 3], [4, 5]])

    # when
    with path.open("rb") as stream:
        table = open_table(stream)
        rows = list(table.rows)

    # then
    assert table.headers == ["Type", "Marque"]
    assert rows == [(2, ["Portable", "Dell"]), (3, [longest, "Asus"])]


def test_an_inline_text_longer_than_a_cell_may_be_is_refused_while_reading(tmp_path):
    # given
    long = "x" * (MAX_CELL_CHARACTERS + 1)
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Type</t></is></c></row>'
        f'<row r="2"><c r="A2" t="inlineStr"><is><t>{long}</t></is></c></row>'
    )
    path = replace_sheet(tmp_path / "long.xlsx", rows)

    # when
    with path.open("rb") as stream, pytest.raises(UnreadableFile) as refused:
        list(open_table(stream).rows)

    # then
    assert refused.value.code == "cell_too_long"


def test_entities_declared_in_the_shared_strings_are_refused(tmp_path):
    # given: the "billion laughs"
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "hahahahahaha">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<si><t>&b;</t></si></sst>"
    )
    path = shared_strings_workbook(tmp_path / "laughs.xlsx", ["Type"], [[0]])
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            is_strings = info.filename.endswith("Strings.xml")
            target.writestr(info.filename, laughs if is_strings else source.read(info.filename))

    # when
    refused = refusal(out.getvalue())

    # then
    assert refused.code == "xlsx_entities"


def test_a_legitimate_workbook_of_1000_devices_is_read_whole():
    # given
    content = xlsx_bytes({"Parc": [HEADER, *laptops(1000)]})

    # when
    table = open_table(io.BytesIO(content))
    rows = list(table.rows)

    # then
    assert len(rows) == 1000
    assert rows[-1] == (1001, ["Portable", "Dell", "SN001000"])


# --- Memory: each bomb read under a memory limit ends with the refusal. ---

READ_UNDER_LIMIT = textwrap.dedent(
    """
    import json, os, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (600 * 1024 * 1024, 600 * 1024 * 1024))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    django.setup()
    from inventory.imports.readers import UnreadableFile, open_table
    started = time.perf_counter()
    try:
        with open(sys.argv[1], "rb") as stream:
            rows = sum(1 for _ in open_table(stream).rows)
        outcome = {"rows": rows}
    except UnreadableFile as error:
        outcome = {"code": error.code}
    outcome["seconds"] = time.perf_counter() - started
    print(json.dumps(outcome))
    """
)


@pytest.mark.parametrize(
    ("build", "code"),
    [
        (declared_dimension_bomb, "too_many_rows"),
        (lambda path: shared_strings_bomb(path, megabytes=300), "xlsx_part_too_large"),
        (rows_bomb, "xlsx_part_too_large"),
    ],
    ids=["declared-dimension", "shared-strings", "rows"],
)
def test_reading_a_bomb_under_600_mb_of_memory_ends_with_the_refusal(build, code, tmp_path):
    # given
    bomb = build(tmp_path / "bomb.xlsx")

    # when: a process that may not use more than 600 MB of address space
    finished = subprocess.run(
        [sys.executable, "-c", READ_UNDER_LIMIT, str(bomb)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then: neither a MemoryError nor a kill, the refusal
    assert finished.returncode == 0, finished.stderr[-2000:]
    outcome = json.loads(finished.stdout.strip().splitlines()[-1])
    assert outcome["code"] == code
    assert outcome["seconds"] < 1


def test_the_parts_the_bombs_replace_are_the_ones_openpyxl_reads(tmp_path):
    # given
    bomb = declared_dimension_bomb(tmp_path / "dimension.xlsx")

    # when
    with zipfile.ZipFile(bomb) as archive:
        sheet = archive.read(SHEET_PART)

    # then
    assert b'<dimension ref="A1:XFD1048576"/>' in sheet


def test_a_worker_child_is_replaced_once_a_task_left_it_over_400_mb():
    # given
    from config.celery import app

    # then: Celery's setting, in kilobytes, read from Django's settings
    assert app.conf.worker_max_memory_per_child == 400 * 1024
