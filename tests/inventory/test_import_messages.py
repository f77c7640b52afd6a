"""An import's status message is stored as what it says (a code and its values) and worded in
each reader's language: on the import's page, in the API (``Accept-Language``) and by the
command; every message code, whatever the language the import ran in. Imports that ended
before the codes were stored show their message as written."""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from inventory.choices import ImportState
from inventory.imports.outcomes import OUTCOMES, Outcome, word_outcome
from inventory.imports.readers import UnreadableFile
from inventory.models import DeviceImport
from tests.conftest import member
from tests.fixtures.imports import csv_bytes, import_bytes

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@dataclass(frozen=True)
class Sample:
    """A message's values, and the message as an English and a French reader read it."""

    params: dict[str, Any]
    english: str
    french: str


SAMPLES = {
    "devices_declared": Sample(
        {"count": 2},
        "2 devices declared.",
        "2 appareils déclarés.",
    ),
    "dry_run_valid": Sample(
        {"count": 3},
        "All 3 rows are valid; nothing was imported (dry run).",
        f"Les 3 lignes sont toutes valides{NBSP}; rien n’a été importé (essai à blanc).",
    ),
    "problems_found": Sample(
        {"errors": 2},
        "2 problems found; nothing was imported. Correct the file and import it again.",
        f"2 problèmes trouvés{NBSP}; rien n’a été importé. Corrigez le fichier et importez-le de "
        "nouveau.",
    ),
    "already_imported": Sample(
        {"date": "2026-03-12T09:30:00+00:00", "declaration": 41},
        "This file was already imported on 03/12/2026 10:30 a.m. (declaration no. 41); nothing "
        "was imported again.",
        f"Ce fichier a déjà été importé le 12/03/2026 10:30 (déclaration n° 41){NBSP}; rien n’a "
        "été importé de nouveau.",
    ),
    "cancelled_before_start": Sample(
        {},
        "Cancelled before it started; nothing was imported.",
        f"Annulé avant d’avoir commencé{NBSP}; rien n’a été importé.",
    ),
    "cancelled_worker_stopped": Sample(
        {},
        "Cancelled; the worker running it had stopped. Nothing was imported.",
        f"Annulé{NBSP}; le processus qui l’exécutait s’était arrêté. Rien n’a été importé.",
    ),
    "cancelled_at_row": Sample(
        {"rows": 5000},
        "Cancelled at row 5000; nothing was imported.",
        f"Annulé à la ligne 5000{NBSP}; rien n’a été importé.",
    ),
    "requeued_worker_stopped": Sample(
        {},
        "The worker running this import stopped; the import was queued again.",
        f"Le processus qui exécutait cet import s’est arrêté{NBSP}; l’import a été relancé.",
    ),
    "failed_worker_stopped": Sample(
        {},
        "The worker running this import stopped, twice; nothing was imported. Import the file "
        "again.",
        f"Le processus qui exécutait cet import s’est arrêté, deux fois{NBSP}; rien n’a été "
        "importé. Importez à nouveau le fichier.",
    ),
    "failed_unexpectedly": Sample(
        {},
        "The import failed unexpectedly; nothing was imported. Try again later.",
        f"L’import a échoué de manière inattendue{NBSP}; rien n’a été importé. Réessayez plus "
        "tard.",
    ),
    "file_empty": Sample(
        {},
        "The file is empty.",
        "Le fichier est vide.",
    ),
    "sheet_without_workbook": Sample(
        {},
        "A sheet name only applies to an XLSX, ODS or XLS file.",
        "Un nom de feuille ne s’applique qu’à un fichier XLSX, ODS ou XLS.",
    ),
    "utf16": Sample(
        {},
        "This file is in UTF-16; save it as CSV UTF-8 or as CSV (separator: semicolon).",
        f"Ce fichier est en UTF-16{NBSP}; enregistrez-le en CSV UTF-8 ou en CSV "
        f"(séparateur{NBSP}: point-virgule).",
    ),
    "binary_data": Sample(
        {},
        "This file is not a CSV or XLSX table (it holds binary data).",
        "Ce fichier n’est pas un tableau CSV ou XLSX (il contient des données binaires).",
    ),
    "characters_unreadable": Sample(
        {},
        "The file's characters cannot be read.",
        "Les caractères du fichier ne peuvent pas être lus.",
    ),
    "first_line_unreadable": Sample(
        {},
        "The first line of the file cannot be read.",
        "La première ligne du fichier ne peut pas être lue.",
    ),
    "line_unreadable": Sample(
        {"line": 7, "error": "unexpected end of data"},
        "Line 7 cannot be read: unexpected end of data",
        f"La ligne 7 ne peut pas être lue{NBSP}: unexpected end of data",
    ),
    "line_characters_unreadable": Sample(
        {"line": 7},
        "Line 7 holds characters that cannot be read.",
        "La ligne 7 contient des caractères illisibles.",
    ),
    "sheet_line_unreadable": Sample(
        {"line": 7},
        "Line 7 of the sheet cannot be read.",
        "La ligne 7 de la feuille ne peut pas être lue.",
    ),
    "sheet_missing": Sample(
        {"sheet": "Parc", "sheets": ["Feuil1", "Feuil2"]},
        "The file has no sheet named “Parc”; its sheets: Feuil1, Feuil2.",
        f"Le fichier n’a pas de feuille nommée «{NBSP}Parc{NBSP}»{NBSP}; ses feuilles{NBSP}: "
        "Feuil1, Feuil2.",
    ),
    "sheet_empty": Sample(
        {},
        "The sheet is empty.",
        "La feuille est vide.",
    ),
    "ods_first_sheet_only": Sample(
        {},
        "Only the first sheet of an ODS file is read.",
        "Seule la première feuille d’un fichier ODS est lue.",
    ),
    "xlsx_unopenable": Sample(
        {},
        "This XLSX file cannot be opened.",
        "Ce fichier XLSX ne peut pas être ouvert.",
    ),
    "xlsx_unreadable": Sample(
        {},
        "This XLSX file cannot be read.",
        "Ce fichier XLSX ne peut pas être lu.",
    ),
    "ods_unopenable": Sample(
        {},
        "This ODS file cannot be opened.",
        "Ce fichier ODS ne peut pas être ouvert.",
    ),
    "ods_unreadable": Sample(
        {},
        "This ODS file cannot be read.",
        "Ce fichier ODS ne peut pas être lu.",
    ),
    "workbook_unopenable": Sample(
        {"format": "XLS"},
        "This XLS file cannot be opened.",
        "Ce fichier XLS ne peut pas être ouvert.",
    ),
    "workbook_unreadable": Sample(
        {"format": "ODS"},
        "This ODS file cannot be read.",
        "Ce fichier ODS ne peut pas être lu.",
    ),
    "line_cell_too_long": Sample(
        {"line": 7, "limit": 10000},
        "Line 7 holds a cell of more than 10000 characters.",
        "La ligne 7 contient une cellule de plus de 10000 caractères.",
    ),
    "line_too_many_columns": Sample(
        {"line": 7, "limit": 200},
        "Line 7 holds more than 200 columns.",
        "La ligne 7 contient plus de 200 colonnes.",
    ),
    "ods_line_too_many_columns": Sample(
        {"line": 12000, "limit": 200},
        "Line 12,000 holds more than 200 columns.",
        f"La ligne 12{NBSP}000 compte plus de 200 colonnes.",
    ),
    "sheet_too_many_rows": Sample(
        {"limit": 1000000},
        "The sheet holds more than 1,000,000 rows of devices.",
        f"La feuille contient plus de 1{NBSP}000{NBSP}000 lignes d’équipements.",
    ),
    "sheet_too_many_columns": Sample(
        {"limit": 200},
        "The sheet holds more than 200 columns.",
        "La feuille compte plus de 200 colonnes.",
    ),
    "sheet_too_many_cells": Sample(
        {"cells": 2000000, "rows": 10000, "columns": 200, "limit": 1000000},
        "The sheet spans 2,000,000 cells (10,000 rows by 200 columns); at most 1,000,000 are read "
        "from an ODS or XLS file.",
        f"La feuille s’étend sur 2{NBSP}000{NBSP}000 cellules (10{NBSP}000 lignes sur 200 "
        f"colonnes){NBSP}; un fichier ODS ou XLS en compte 1{NBSP}000{NBSP}000 au plus.",
    ),
    "sheet_declares_too_many_rows": Sample(
        {"rows": 1048576, "dimension": "A1:XFD1048576", "limit": 1000000},
        "The sheet declares 1,048,576 rows (A1:XFD1048576); at most 1,000,000 rows of devices are "
        "accepted.",
        f"La feuille déclare 1{NBSP}048{NBSP}576 lignes (A1:XFD1048576){NBSP}; "
        f"1{NBSP}000{NBSP}000 lignes d’équipements au plus sont acceptées.",
    ),
    "sheet_declares_too_many_columns": Sample(
        {"columns": 16384, "dimension": "A1:XFD2", "limit": 200},
        "The sheet declares 16,384 columns (A1:XFD2); at most 200 are accepted.",
        f"La feuille déclare 16{NBSP}384 colonnes (A1:XFD2){NBSP}; 200 au plus sont acceptées.",
    ),
    "text_too_long": Sample(
        {"limit": 10000},
        "A text of the file is longer than 10000 characters.",
        "Un texte du fichier dépasse 10000 caractères.",
    ),
    "xlsx_text_too_long": Sample(
        {"limit": 10000},
        "A text of the XLSX file is longer than 10000 characters.",
        "Un texte du fichier XLSX dépasse 10000 caractères.",
    ),
    "xlsx_too_many_parts": Sample(
        {"count": 20000, "limit": 10000},
        "The XLSX file holds 20,000 parts; at most 10,000 are accepted.",
        f"Le fichier XLSX contient 20{NBSP}000 parties{NBSP}; 10{NBSP}000 au plus sont acceptées.",
    ),
    "xlsx_part_too_large": Sample(
        {"part": "xl/worksheets/sheet1.xml", "size": 314572800, "limit": 268435456},
        "The part xl/worksheets/sheet1.xml of the XLSX file is 300 MB once uncompressed; the "
        "largest accepted is 256 MB.",
        f"La partie xl/worksheets/sheet1.xml du fichier XLSX fait 300{NBSP}Mo une fois "
        f"décompressée{NBSP}; la plus grande acceptée fait 256{NBSP}Mo.",
    ),
    "xlsx_compression_ratio": Sample(
        {"part": "xl/sharedStrings.xml", "ratio": 1000, "limit": 100},
        "The part xl/sharedStrings.xml of the XLSX file expands 1000 times once uncompressed; "
        "more than 100 times is refused.",
        "La partie xl/sharedStrings.xml du fichier XLSX grossit 1000 fois une fois "
        f"décompressée{NBSP}; au-delà de 100 fois, elle est refusée.",
    ),
    "xlsx_too_large": Sample(
        {"size": 1610612736, "limit": 1073741824},
        "The XLSX file is 1536 MB once uncompressed; the largest accepted is 1024 MB.",
        f"Le fichier XLSX fait 1536{NBSP}Mo une fois décompressé{NBSP}; le plus gros accepté fait "
        f"1024{NBSP}Mo.",
    ),
    "xlsx_too_many_strings": Sample(
        {"limit": 1000000},
        "The XLSX file holds more than 1,000,000 different texts (shared strings); at most "
        "1,000,000 are accepted.",
        f"Le fichier XLSX contient plus de 1{NBSP}000{NBSP}000 textes différents (chaînes "
        f"partagées){NBSP}; 1{NBSP}000{NBSP}000 au plus sont acceptés.",
    ),
    "xlsx_entities": Sample(
        {},
        "This XLSX file declares XML entities, which Boucle does not read.",
        "Ce fichier XLSX déclare des entités XML, que Boucle ne lit pas.",
    ),
    "xls_too_large": Sample(
        {"size": 31457280, "limit": 20971520},
        "The XLS file is 30 MB; the largest XLS file accepted is 20 MB.",
        f"Le fichier XLS fait 30 Mo{NBSP}; le plus grand fichier XLS accepté fait 20 Mo.",
    ),
}


def test_every_message_code_has_its_sample():
    assert set(SAMPLES) == set(OUTCOMES)


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_every_message_reads_in_english_and_in_french(code):
    # given
    sample = SAMPLES[code]

    # when
    worded = {}
    for language in ("en", "fr"):
        with translation.override(language):
            worded[language] = Outcome.of(code, **sample.params).worded()

    # then
    assert worded == {"en": sample.english, "fr": sample.french}


def test_an_unknown_code_is_refused_when_stored_and_shown_as_its_code_when_read():
    with pytest.raises(ValueError, match="no_such_message"):
        Outcome.of("no_such_message")
    assert word_outcome("a_code_of_a_later_version", {"count": 1}) == "a_code_of_a_later_version"


def test_a_refused_file_is_worded_when_read_not_when_raised():
    # given
    with translation.override("fr"):
        refusal = UnreadableFile("sheet_missing", sheet="Parc", sheets=["Feuil1"])

    # when
    with translation.override("en"):
        english = refusal.message

    # then
    assert english == "The file has no sheet named “Parc”; its sheets: Feuil1."


def page_message(client, device_import: DeviceImport, language: str) -> tuple[str, str]:
    """The (code, message) the import's page shows, in ``language``."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"/inventory/imports/{device_import.pk}/")
    assert response.status_code == 200
    found = re.findall(
        r'<p class="import-message[^"]*" data-message-code="(\w*)">(.*?)</p>',
        response.content.decode(),
    )
    assert len(found) == 1
    code, message = found[0]
    return code, html.unescape(message)


VALID_ROWS = [
    ["Type", "Marque", "N° de série"],
    ["Portable", "Dell", "SN-1"],
    ["Écran", "Iiyama", "SN-2"],
]


def _imported(**fixtures) -> DeviceImport:
    return import_bytes(content=csv_bytes(VALID_ROWS), **fixtures)


def _dry_run(**fixtures) -> DeviceImport:
    return import_bytes(content=csv_bytes(VALID_ROWS), dry_run=True, **fixtures)


def _rejected(**fixtures) -> DeviceImport:
    return import_bytes(
        content=csv_bytes([["Type", "Modèle"], ["Portable", "Latitude"]]), **fixtures
    )


def _unreadable(**fixtures) -> DeviceImport:
    return import_bytes(content=b"\xff\xfeT\x00y\x00p\x00e\x00", **fixtures)


def _already_imported(**fixtures) -> DeviceImport:
    with translation.override("en"):
        _imported(**fixtures)
    return _imported(**fixtures)


RUNS = {
    "devices_declared": (_imported, "2 devices declared.", "2 appareils déclarés."),
    "dry_run_valid": (
        _dry_run,
        "All 2 rows are valid; nothing was imported (dry run).",
        f"Les 2 lignes sont toutes valides{NBSP}; rien n’a été importé (essai à blanc).",
    ),
    "problems_found": (
        _rejected,
        "1 problem found; nothing was imported. Correct the file and import it again.",
        f"1 problème trouvé{NBSP}; rien n’a été importé. Corrigez le fichier et importez-le "
        "de nouveau.",
    ),
    "utf16": (
        _unreadable,
        "This file is in UTF-16; save it as CSV UTF-8 or as CSV (separator: semicolon).",
        f"Ce fichier est en UTF-16{NBSP}; enregistrez-le en CSV UTF-8 ou en CSV "
        f"(séparateur{NBSP}: point-virgule).",
    ),
    "already_imported": (_already_imported, "This file was already imported on ", "Ce fichier"),
}


@pytest.mark.parametrize("import_language", ["fr", "en"])
@pytest.mark.parametrize("code", sorted(RUNS))
def test_an_imports_message_reads_in_each_readers_language(
    code, import_language, client, client_for, commune, commune_user
):
    # given: the file imported by someone reading one language
    run, english, french = RUNS[code]
    with translation.override(import_language):
        device_import = run(user=commune_user, commune=commune)
    device_import.refresh_from_db()
    assert device_import.message_code == code
    assert device_import.message_text == ""
    api = client_for(commune_user)
    client.force_login(commune_user)

    for language, expected in (("en", english), ("fr", french)):
        # when: a reader of that language reads it
        answer = api.get(f"/api/v1/imports/{device_import.pk}/", HTTP_ACCEPT_LANGUAGE=language)
        shown_code, shown = page_message(client, device_import, language)

        # then
        assert answer.status_code == 200
        assert answer.json()["message_code"] == code
        assert shown_code == code
        if code == "already_imported":
            assert answer.json()["message"].startswith(expected)
            assert shown.startswith(expected)
        else:
            assert answer.json()["message"] == expected
            assert shown == expected


def test_an_already_imported_message_writes_its_date_as_the_reader_writes_it(
    client_for, commune, commune_user
):
    # given: a file imported, then imported again by a French reader
    with translation.override("fr"):
        device_import = _already_imported(user=commune_user, commune=commune)
    first = DeviceImport.objects.get(state=ImportState.IMPORTED)
    api = client_for(commune_user)

    # when
    answers = {
        language: api.get(
            f"/api/v1/imports/{device_import.pk}/", HTTP_ACCEPT_LANGUAGE=language
        ).json()["message"]
        for language in ("en", "fr")
    }

    # then
    with translation.override("en"):
        english_date = word_outcome("already_imported", device_import.message_params)
    assert device_import.message_params == {
        "date": first.finished_at.isoformat(),
        "declaration": first.declaration_id,
    }
    assert answers["en"] == english_date
    assert re.fullmatch(
        # Django's English time ("P") drops zero minutes and says noon and midnight.
        r"This file was already imported on \d\d/\d\d/\d{4} "
        r"(\d{1,2}(:\d\d)? [ap]\.m\.|noon|midnight) "
        rf"\(declaration no\. {first.declaration_id}\); nothing was imported again\.",
        answers["en"],
    )
    assert re.fullmatch(
        rf"Ce fichier a déjà été importé le \d\d/\d\d/\d{{4}} \d\d:\d\d \(déclaration n° "
        rf"{first.declaration_id}\){NBSP}; rien n’a été importé de nouveau\.",
        answers["fr"],
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "Unreadable file: parc.csv: This file is in UTF-16; save it as CSV UTF-8 or as CSV "
            "(separator: semicolon).\n",
        ),
        (
            "fr",
            f"Fichier illisible{NBSP}: parc.csv{NBSP}: Ce fichier est en UTF-16{NBSP}; "
            f"enregistrez-le en CSV UTF-8 ou en CSV (séparateur{NBSP}: point-virgule).\n",
        ),
    ],
)
def test_the_command_words_the_message_in_its_language(tmp_path, commune, language, expected):
    # given
    member(commune)
    path = tmp_path / "parc.csv"
    path.write_bytes(b"\xff\xfeT\x00y\x00p\x00e\x00")
    out = io.StringIO()

    # when
    with translation.override(language), pytest.raises(SystemExit):
        call_command("import_devices", str(path), "--organisation", "94016", stdout=out)

    # then
    assert out.getvalue() == expected
    assert DeviceImport.objects.get().message_code == "utf16"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Already imported: This file was already imported on "),
        ("fr", f"Déjà importé{NBSP}: Ce fichier a déjà été importé le "),
    ],
)
def test_the_command_words_an_already_imported_file_in_its_language(
    tmp_path, commune, language, expected
):
    # given: the file imported once, in the other language
    member(commune)
    path = tmp_path / "parc.csv"
    path.write_bytes(csv_bytes(VALID_ROWS))
    with translation.override("fr" if language == "en" else "en"):
        call_command("import_devices", str(path), "--organisation", "94016", stdout=io.StringIO())
    out = io.StringIO()

    # when
    with translation.override(language), pytest.raises(SystemExit):
        call_command("import_devices", str(path), "--organisation", "94016", stdout=out)

    # then
    assert out.getvalue().startswith(expected)


def test_an_import_that_ended_before_messages_had_codes_shows_its_message_as_written(
    client, client_for, commune, commune_user
):
    # given: an import that ended in French, its message stored as text, as imports were
    written = f"2 problèmes trouvés{NBSP}; rien n’a été importé."
    device_import = DeviceImport.objects.create(
        commune=commune,
        created_by=commune_user,
        original_name="ancien.csv",
        size=120,
        sha256="0" * 64,
        language="fr",
        state=ImportState.REJECTED,
        error_count=2,
        message_text=written,
    )
    client.force_login(commune_user)

    # when
    answer = client_for(commune_user).get(
        f"/api/v1/imports/{device_import.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    shown = page_message(client, device_import, "en")

    # then
    assert (answer.json()["message"], answer.json()["message_code"]) == (written, "")
    assert shown == ("", written)
