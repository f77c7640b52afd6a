"""An import's rejections are stored as what they say (a code and its values) and worded in
each reader's language: on the import's page, in the API (``Accept-Language``), in the CSV
report from the page and the API, and by the command; every reason code, whatever the
language the import ran in. Imports rejected before the codes were stored show as written."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import translation

from inventory.choices import ImportState
from inventory.imports import validation
from inventory.imports.reasons import REASONS
from inventory.models import Device, DeviceImport
from tests.conftest import member
from tests.fixtures.imports import csv_bytes, import_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
HEADERS = {
    "en": ["Line", "Column", "Value", "Reason"],
    "fr": ["Ligne", "Colonne", "Valeur", "Motif"],
}
DEFAULT_STATUSES = "rebut, réforme, à réformer, hors service, surplus, déclassé"


@dataclass(frozen=True)
class Case:
    """A file rejected for one reason, where, and the reason as each reader reads it."""

    rows: list[list]
    line: int
    column: dict[str, str]  # by language: a column of the file reads the same in both
    value: str
    english: str
    french: str
    xlsx: bool = False
    # The value as the CSV report writes it, when a spreadsheet would run it as a formula.
    report_value: str | None = None
    # Run before the import: returns the values the expected reasons name ({code}).
    given: Callable[..., dict[str, str]] | None = field(default=None)

    def content(self) -> bytes:
        return xlsx_bytes({"Parc": self.rows}) if self.xlsx else csv_bytes(self.rows)


def same(column: str) -> dict[str, str]:
    return {"en": column, "fr": column}


def cell(header: str, value, *, line_value: str | None = None, **reason) -> dict:
    """A row of Type, Marque and ``header`` whose ``header`` cell holds ``value``."""
    return {
        "rows": [["Type", "Marque", header], ["Portable", "Dell", value]],
        "line": 2,
        "column": same(header),
        "value": line_value if line_value is not None else str(value),
        **reason,
    }


def _unreadable_brand(monkeypatch, **_fixtures) -> dict[str, str]:
    def convert(value):
        raise TypeError("a cell of a type no reader gives today")

    monkeypatch.setattr(validation, "_brand", convert)
    return {}


def _declared_by_arcueil(other_commune, **_fixtures) -> dict[str, str]:
    rows = [["Type", "Marque", "N° de série"], ["Portable", "Dell", "SN-42"]]
    declared = import_bytes(
        user=member(other_commune), commune=other_commune, content=csv_bytes(rows)
    )
    assert declared.state == ImportState.IMPORTED
    return {"code": Device.objects.get().code}


CASES: dict[str, Case] = {
    "category_required": Case(
        rows=[["Type", "Marque"], ["", "Dell"]],
        line=2,
        column=same("Type"),
        value="",
        english="The category is required.",
        french="La catégorie est obligatoire.",
    ),
    "category_unknown": Case(
        rows=[["Type", "Marque"], ["Grille-pain", "Dell"]],
        line=2,
        column=same("Type"),
        value="Grille-pain",
        english="Unknown category. Use one of: laptop (portable), desktop (unité centrale), "
        "monitor (écran), tablet, smartphone, printer, projector, accessory, other.",
        french=f"Catégorie inconnue. Utilisez l’une de celles-ci{NBSP}: portable, unité centrale, "
        "écran, tablette, smartphone, imprimante, vidéoprojecteur, accessoire, autre.",
    ),
    "brand_required": Case(
        rows=[["Type", "Marque"], ["Portable", ""]],
        line=2,
        column=same("Marque"),
        value="",
        english="The brand is required.",
        french="La marque est obligatoire.",
    ),
    "brand_too_long": Case(
        rows=[["Type", "Marque"], ["Portable", "D" * 101]],
        line=2,
        column=same("Marque"),
        value="D" * 101,
        english="At most 100 characters.",
        french="100 caractères au plus.",
    ),
    "too_long": Case(
        **cell(
            "Modèle",
            "M" * 151,
            english="At most 150 characters (here 151).",
            french="150 caractères au plus (ici 151).",
        )
    ),
    "storage_type_unknown": Case(
        **cell(
            "Type de stockage",
            "disquette",
            english="Unknown storage type. Use HDD, SSD, NVMe, eMMC or flash.",
            french="Type de stockage inconnu. Utilisez HDD, SSD, NVMe, eMMC ou flash.",
        )
    ),
    "not_a_number": Case(
        **cell(
            "Mémoire (Go)",
            True,
            english="The memory must be a number.",
            french="La mémoire doit être un nombre.",
        ),
        xlsx=True,
    ),
    "number_unreadable": Case(
        **cell(
            "Mémoire (Go)",
            "huit",
            english="The memory must be a number, such as 8 or 23,8.",
            french="La mémoire doit être un nombre, par exemple 8 ou 23,8.",
        )
    ),
    "negative": Case(
        **cell(
            "Stockage (Go)",
            "-256",
            english="The storage cannot be negative.",
            french="Le stockage ne peut pas être un nombre négatif.",
        ),
        report_value="'-256",
    ),
    "unit_unknown": Case(
        **cell(
            "Mémoire (Go)",
            "8 Xo",
            english="The memory: unknown unit “xo”.",
            french=f"La mémoire{NBSP}: unité «{NBSP}xo{NBSP}» inconnue.",
        )
    ),
    "memory_too_large": Case(
        **cell(
            "Mémoire (Go)",
            "5000",
            english="The memory cannot exceed 4096 GB; give it in GB.",
            french=f"La mémoire ne peut pas dépasser 4096 Go{NBSP}; indiquez-la en Go.",
        )
    ),
    "storage_too_large": Case(
        **cell(
            "Stockage (Go)",
            "300000",
            english="The storage cannot exceed 200000 GB; give it in GB.",
            french=f"Le stockage ne peut pas dépasser 200000 Go{NBSP}; indiquez-le en Go.",
        )
    ),
    "screen_not_inches": Case(
        **cell(
            "Écran (pouces)",
            "38 cm",
            english="The screen size is in inches, such as 15,6.",
            french="La taille d’écran s’indique en pouces, par exemple 15,6.",
        )
    ),
    "screen_out_of_range": Case(
        **cell(
            "Écran (pouces)",
            "150",
            english="The screen size must be between 1 and 120 inches.",
            french="La taille d’écran doit être comprise entre 1 et 120 pouces.",
        )
    ),
    "date_unreadable": Case(
        **cell(
            "Date d'achat",
            "30/02/2021",
            english="Not a real date; write it as dd/mm/yyyy, such as 12/03/2018.",
            french=f"Ce n’est pas une date réelle{NBSP}; écrivez-la jj/mm/aaaa, par exemple "
            "12/03/2018.",
        )
    ),
    "date_in_future": Case(
        **cell(
            "Date d'achat",
            "01/01/2999",
            english="The purchase date cannot be in the future.",
            french="La date d’achat ne peut pas être dans le futur.",
        )
    ),
    "date_too_old": Case(
        **cell(
            "Date d'achat",
            "01/01/1975",
            english="The purchase date cannot be before 1980.",
            french="La date d’achat ne peut pas être antérieure à 1980.",
        )
    ),
    "entity_foreign": Case(
        **cell(
            "Entité",
            "Entité racine > Mairie d'Arcueil",
            english="This row belongs to “Entité racine > Mairie d'Arcueil”, not to Cachan, for "
            "whom you import.",
            french=f"Cette ligne appartient à «{NBSP}Entité racine > Mairie d'Arcueil{NBSP}», pas "
            "à Cachan, pour qui vous importez.",
        )
    ),
    "site_unknown": Case(
        **cell(
            "Lieu d'enlèvement",
            "Gymnase",
            english="Unknown pickup site for this commune; its sites: none.",
            french=f"Lieu d’enlèvement inconnu pour cette commune{NBSP}; ses lieux{NBSP}: aucun.",
        )
    ),
    "value_unreadable": Case(
        rows=[["Type", "Marque"], ["Portable", "Dell"]],
        line=2,
        column=same("Marque"),
        value="Dell",
        english="Unreadable value.",
        french="Valeur illisible.",
        given=_unreadable_brand,
    ),
    "column_missing": Case(
        rows=[["Type", "Modèle"], ["Portable", "Latitude"]],
        line=1,
        column={"en": "Brand", "fr": "Marque"},
        value="",
        english="This column is required and was not found.",
        french="Cette colonne est obligatoire et n’a pas été trouvée.",
    ),
    "column_repeated": Case(
        rows=[["Type", "Marque", "Brand"], ["Portable", "Dell", "Dell"]],
        line=1,
        column=same("Brand"),
        value="Brand",
        english="Another column already gives this information.",
        french="Une autre colonne donne déjà cette information.",
    ),
    "no_device": Case(
        rows=[["Type", "Marque"]],
        line=2,
        column=same(""),
        value="",
        english="The file has a header line but no device.",
        french="Le fichier a une ligne d’en-tête mais aucun appareil.",
    ),
    "no_surplus_row": Case(
        rows=[["Type", "Marque", "Statut"], ["Portable", "Dell", "En service"]],
        line=1,
        column=same("Statut"),
        value="",
        english=f"No row has a surplus status ({DEFAULT_STATUSES}): there is nothing to declare.",
        french=f"Aucune ligne n’a un statut de surplus ({DEFAULT_STATUSES}){NBSP}: il n’y a rien "
        "à déclarer.",
    ),
    "duplicate_in_file": Case(
        rows=[
            ["Type", "Marque", "N° de série"],
            ["Portable", "Dell", "SN-7"],
            ["Portable", "Dell", "sn 7"],
        ],
        line=3,
        column=same("N° de série"),
        value="sn 7",
        english="The same device (brand and serial number) is on line 2 of this file.",
        french="Le même appareil (même marque et même numéro de série) figure à la ligne 2 de "
        "ce fichier.",
    ),
    "duplicate_in_inventory": Case(
        rows=[["Type", "Marque", "N° de série", "Modèle"], ["Portable", "Dell", "SN-42", "E5"]],
        line=2,
        column=same("N° de série"),
        value="SN-42",
        english="This device (same brand and serial number) is already declared as {code} by "
        "Arcueil.",
        french="Cet appareil (même marque et même numéro de série) est déjà déclaré sous le "
        "code {code} par Arcueil.",
        given=_declared_by_arcueil,
    ),
}


def test_every_reason_code_has_its_case():
    assert set(CASES) == set(REASONS)


def page_reasons(client, device_import: DeviceImport, language: str) -> list[tuple[str, str]]:
    """The (code, reason) of each rejected row as the import's page shows it."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"/inventory/imports/{device_import.pk}/")
    assert response.status_code == 200
    cells = re.findall(r'<td data-reason-code="(\w+)">(.*?)</td>', response.content.decode())
    return [(code, html.unescape(reason)) for code, reason in cells]


def report_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("import_language", ["fr", "en"])
@pytest.mark.parametrize("code", sorted(CASES))
def test_a_rejection_reads_in_each_readers_language(
    code, import_language, monkeypatch, client, client_for, commune, commune_user, other_commune
):
    # given: the file imported by someone reading one language
    case = CASES[code]
    named = case.given(monkeypatch=monkeypatch, other_commune=other_commune) if case.given else {}
    with translation.override(import_language):
        device_import = import_bytes(
            user=commune_user,
            commune=commune,
            content=case.content(),
            name="parc.xlsx" if case.xlsx else "parc.csv",
        )
    assert device_import.state == ImportState.REJECTED
    api = client_for(commune_user)
    client.force_login(commune_user)

    for language, reason in (("en", case.english), ("fr", case.french)):
        expected = reason.format(**named)
        column = case.column[language]
        row = [str(case.line), column, case.report_value or case.value, expected]

        # when: a reader of that language reads it
        answer = api.get(f"/api/v1/imports/{device_import.pk}/", HTTP_ACCEPT_LANGUAGE=language)
        api_report = api.get(
            f"/api/v1/imports/{device_import.pk}/report/", HTTP_ACCEPT_LANGUAGE=language
        )
        shown = page_reasons(client, device_import, language)
        page_report = client.get(f"/inventory/imports/{device_import.pk}/report.csv")

        # then
        assert answer.status_code == 200
        assert answer.json()["errors"] == [
            {
                "line": case.line,
                "column": column,
                "value": case.value,
                "reason": expected,
                "code": code,
            }
        ]
        assert shown == [(code, expected)]
        assert report_rows(api_report) == [HEADERS[language], row]
        assert report_rows(page_report) == [HEADERS[language], row]


def test_the_command_words_the_report_and_its_summary_in_its_language(tmp_path, commune):
    # given
    member(commune)
    path = tmp_path / "parc.csv"
    path.write_bytes(csv_bytes([["Type", "Modèle"], ["Portable", "Latitude"]]))
    outputs, reports = {}, {}

    # when
    for language in ("fr", "en"):
        report = tmp_path / f"rapport-{language}.csv"
        out = io.StringIO()
        with translation.override(language), pytest.raises(SystemExit):
            call_command(
                "import_devices",
                str(path),
                "--organisation",
                "94016",
                "--report",
                str(report),
                stdout=out,
            )
        outputs[language] = out.getvalue()
        reports[language] = list(
            csv.reader(io.StringIO(report.read_bytes().decode("utf-8-sig")), delimiter=";")
        )

    # then
    assert outputs == {
        "en": "Rejected parc.csv: 1 problem (first: Brand — This column is required and was not "
        f"found); nothing imported; report: {tmp_path / 'rapport-en.csv'}\n",
        "fr": f"parc.csv refusé{NBSP}: 1 problème (premier{NBSP}: Marque — Cette colonne est "
        f"obligatoire et n’a pas été trouvée){NBSP}; rien d’importé{NBSP}; rapport{NBSP}: "
        f"{tmp_path / 'rapport-fr.csv'}\n",
    }
    assert reports == {
        "en": [HEADERS["en"], ["1", "Brand", "", "This column is required and was not found."]],
        "fr": [
            HEADERS["fr"],
            ["1", "Marque", "", "Cette colonne est obligatoire et n’a pas été trouvée."],
        ],
    }


def test_an_import_rejected_before_reasons_had_codes_shows_them_as_written(
    client, client_for, commune, commune_user
):
    # given: an import rejected in French and stored as text, as imports were
    reason = f"Ce n’est pas une date réelle{NBSP}; écrivez-la jj/mm/aaaa, par exemple 12/03/2018."
    stored_report = (
        f"\ufeffLigne;Colonne;Valeur;Motif\r\n9;Date d'achat;30/02/2021;{reason}\r\n"
    ).encode()
    device_import = DeviceImport.objects.create(
        commune=commune,
        created_by=commune_user,
        original_name="ancien.csv",
        size=120,
        sha256="0" * 64,
        language="fr",
        state=ImportState.REJECTED,
        rows_read=10,
        rows_valid=9,
        rows_rejected=1,
        error_count=1,
        errors_preview=[
            {"line": 9, "column": "Date d'achat", "value": "30/02/2021", "reason": reason}
        ],
    )
    device_import.report.save("ancien-rapport.csv", ContentFile(stored_report))
    client.force_login(commune_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    # when
    answer = client_for(commune_user).get(f"/api/v1/imports/{device_import.pk}/")
    page = client.get(f"/inventory/imports/{device_import.pk}/").content.decode()
    report = client.get(f"/inventory/imports/{device_import.pk}/report.csv")

    # then
    assert answer.json()["errors"] == [
        {"line": 9, "column": "Date d'achat", "value": "30/02/2021", "reason": reason, "code": None}
    ]
    assert f"<td>{reason}</td>" in page
    assert b"".join(report.streaming_content) == stored_report
