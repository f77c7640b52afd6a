"""Exporting the device list as CSV and XLSX: columns, filters, visibility, safe cells, and a
file that the import reads back."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from inventory.choices import DeviceCategory, ImportState, StorageType
from inventory.exports import CATEGORY_LABELS, HEADERS, STORAGE_TYPE_LABELS
from inventory.imports.columns import (
    CATEGORY_SYNONYMS,
    HEADER_TO_COLUMN,
    STORAGE_TYPE_SYNONYMS,
    normalise_label,
)
from inventory.imports.services import device_import_create
from inventory.models import Device
from inventory.services import DESCRIPTION_FIELDS, device_withdraw
from tests.conftest import SiteFactory, member

CSV_URL = "/inventory/export.csv"
XLSX_URL = "/inventory/export.xlsx"
API_URL = "/api/v1/devices/export/"
HYPERLINK = '=HYPERLINK("http://evil.example/x","Cliquez")'


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def as_commune(english, commune_user):
    english.force_login(commune_user)
    return english


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook["Inventaire"].iter_rows(values_only=True))


def full_description(**overrides) -> dict:
    description = {
        "category": DeviceCategory.LAPTOP,
        "brand": "Lenovo",
        "model": "ThinkPad T480",
        "serial_number": "PF1AB2CD",
        "asset_tag": "INV-2018-0413",
        "purchase_date": datetime.date(2018, 3, 12),
        "cpu": "Intel Core i5-8250U",
        "ram_gb": Decimal("7.5"),
        "storage_gb": 512,
        "storage_type": StorageType.NVME,
        "screen_size_inches": Decimal("14.0"),
        "operating_system": "Windows 10 Pro",
        "condition_notes": "Chargeur fourni",
    }
    description.update(overrides)
    return description


# --- The columns: what the import reads back. ---


def test_every_header_is_read_back_by_the_import_as_its_column():
    # when
    columns = [HEADER_TO_COLUMN.get(normalise_label(header)) for header in HEADERS]

    # then: the code is ignored on the way back; the lifecycle state is read as a status,
    # whose values (Boucle's own states) leave every row in
    assert columns == [
        None,
        "category",
        "brand",
        "model",
        "serial_number",
        "asset_tag",
        "purchase_date",
        "cpu",
        "ram_gb",
        "storage_gb",
        "storage_type",
        "screen_size_inches",
        "operating_system",
        "condition_notes",
        "pickup_site",
        "entity",
        "status",
    ]


def test_every_category_and_storage_label_is_read_back_as_itself():
    assert set(CATEGORY_LABELS) == set(DeviceCategory)
    assert set(STORAGE_TYPE_LABELS) == set(StorageType)
    for category, label in CATEGORY_LABELS.items():
        assert CATEGORY_SYNONYMS[normalise_label(label)] == category
    for storage_type, label in STORAGE_TYPE_LABELS.items():
        assert STORAGE_TYPE_SYNONYMS[normalise_label(label)] == storage_type


# --- CSV. ---


@pytest.mark.django_db
def test_csv_has_the_import_columns_french_numbers_and_dates(
    as_commune, declare, commune, pickup_site
):
    # given
    [laptop] = declare(**full_description())
    [monitor] = declare(
        category=DeviceCategory.MONITOR,
        brand="Iiyama",
        model="ProLite XU2492HSU",
        serial_number="11234567890",
        ram_gb=None,
        storage_gb=None,
        storage_type="",
        screen_size_inches=Decimal("23.8"),
        operating_system="",
    )

    # when
    response = as_commune.get(CSV_URL)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="boucle-inventaire-{today:%Y-%m-%d}.csv"'
    )
    assert csv_rows(response) == [
        list(HEADERS),
        [
            laptop.code,
            "Portable",
            "Lenovo",
            "ThinkPad T480",
            "PF1AB2CD",
            "INV-2018-0413",
            "12/03/2018",
            "Intel Core i5-8250U",
            "7,5",
            "512",
            "NVMe",
            "14",
            "Windows 10 Pro",
            "Chargeur fourni",
            "Hôtel de ville",
            "Cachan",
            "Declared",
        ],
        [
            monitor.code,
            "Écran",
            "Iiyama",
            "ProLite XU2492HSU",
            "11234567890",
            "",
            "",
            "",
            "",
            "",
            "",
            "23,8",
            "",
            "",
            "Hôtel de ville",
            "Cachan",
            "Declared",
        ],
    ]


@pytest.mark.django_db
def test_csv_headers_are_those_of_a_french_file_whatever_the_language(client, commune_user):
    # given: the pages in French (the default language)
    client.force_login(commune_user)

    # when
    response = client.get(CSV_URL)

    # then
    assert csv_rows(response) == [list(HEADERS)]
    assert HEADERS[:4] == ("Code", "Type", "Marque", "Modèle")


@pytest.mark.django_db
def test_csv_applies_the_filters_of_the_list(as_commune, declare):
    # given
    laptops = declare(2, brand="Dell")
    [desktop] = declare(category=DeviceCategory.DESKTOP, brand="Dell")
    [other_brand] = declare(category=DeviceCategory.DESKTOP, brand="HP")
    device_withdraw(
        device=laptops[0], user=laptops[0].declaration.created_by, organisation=laptops[0].commune
    )

    # when
    by_category = as_commune.get(CSV_URL, {"category": "desktop"})
    by_text = as_commune.get(CSV_URL, {"q": "dell", "state": "declared"})

    # then
    assert [row[0] for row in csv_rows(by_category)[1:]] == [desktop.code, other_brand.code]
    assert [row[0] for row in csv_rows(by_text)[1:]] == [laptops[1].code, desktop.code]


@pytest.mark.django_db
def test_export_shows_what_the_list_shows_to_the_active_organisation(
    english, declare, commune, commune_user, other_commune, partner_user
):
    # given: a declared device of Cachan, one it withdrew, and one of Arcueil
    [shared, withdrawn] = declare(2)
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)
    arcueil_user = member(other_commune)
    [arcueil] = declare(by=arcueil_user, for_commune=other_commune)
    device_withdraw(device=arcueil, user=arcueil_user, organisation=other_commune)

    # when
    english.force_login(commune_user)
    as_cachan = english.get(CSV_URL)
    english.force_login(partner_user)
    as_partner = english.get(CSV_URL)
    listed = english.get("/inventory/")

    # then: the partner sees the shared inventory only, as on the list
    assert [row[0] for row in csv_rows(as_cachan)[1:]] == [shared.code, withdrawn.code]
    assert [row[0] for row in csv_rows(as_partner)[1:]] == [shared.code]
    assert [device.code for device in listed.context["devices"]] == [shared.code]


@pytest.mark.django_db
def test_cells_a_spreadsheet_would_run_are_neutralised(as_commune, declare):
    # given
    [device] = declare(
        model=HYPERLINK,
        cpu="+cmd|' /C calc'!A0",
        operating_system="@SUM(1+1)",
        condition_notes="-2+3",
    )

    # when
    csv_row = csv_rows(as_commune.get(CSV_URL))[1]
    workbook = load_workbook(io.BytesIO(b"".join(as_commune.get(XLSX_URL).streaming_content)))

    # then: the CSV cell starts with an apostrophe, the only way a CSV cell says "text"
    assert csv_row[0] == device.code
    assert csv_row[3] == "'" + HYPERLINK
    assert csv_row[7] == "'+cmd|' /C calc'!A0"
    assert csv_row[12] == "'@SUM(1+1)"
    assert csv_row[13] == "'-2+3"
    # and the XLSX cell shows what was typed, stored as text with the quote prefix
    row = workbook["Inventaire"][2]
    assert row[0].value == device.code
    for index, typed in (
        (3, HYPERLINK),
        (7, "+cmd|' /C calc'!A0"),
        (12, "@SUM(1+1)"),
        (13, "-2+3"),
    ):
        assert (row[index].value, row[index].data_type, row[index].quotePrefix) == (
            typed,
            "s",
            True,
        )
    assert row[0].quotePrefix is False


@pytest.mark.django_db
def test_a_formula_in_the_xlsx_export_reads_as_typed_and_never_runs(as_commune, declare):
    # given
    declare(condition_notes="=1+1")

    # when
    response = as_commune.get(XLSX_URL)
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))

    # then
    cell = workbook["Inventaire"]["N2"]
    assert cell.value == "=1+1"
    assert cell.data_type == "s"
    assert cell.quotePrefix is True


@pytest.mark.django_db
def test_export_needs_a_login(client):
    response = client.get(CSV_URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={CSV_URL}"


@pytest.mark.django_db
def test_export_costs_the_same_queries_for_many_devices(as_commune, declare):
    # given
    declare(2)

    def queries(url: str) -> list[str]:
        with CaptureQueriesContext(connection) as context:
            response = as_commune.get(url, {"category": "laptop"})
            b"".join(response.streaming_content)
        return [query["sql"] for query in context.captured_queries]

    few_csv, few_xlsx = queries(CSV_URL), queries(XLSX_URL)

    # when
    declare(25)
    many_csv, many_xlsx = queries(CSV_URL), queries(XLSX_URL)

    # then: session, user with memberships, then the devices in one query
    assert len(many_csv) == len(few_csv) == 3
    assert len(many_xlsx) == len(few_xlsx) == 3
    assert sum('FROM "inventory_device"' in sql for sql in many_csv) == 1


@pytest.mark.django_db
def test_export_through_htmx_redirects_the_browser_to_the_file(as_commune):
    # when: the inventory's filter form sends the export through htmx
    response = as_commune.get(
        CSV_URL, {"category": "laptop", "q": "dell"}, headers={"HX-Request": "true"}
    )

    # then
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{CSV_URL}?category=laptop&q=dell"
    assert response.content == b""


# --- XLSX. ---


@pytest.mark.django_db
def test_xlsx_has_the_same_columns_with_typed_cells(as_commune, declare, commune, pickup_site):
    # given
    [laptop] = declare(**full_description())

    # when
    response = as_commune.get(XLSX_URL)

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f'attachment; filename="boucle-inventaire-{today:%Y-%m-%d}.xlsx"'
    )
    assert xlsx_rows(response) == [
        HEADERS,
        (
            laptop.code,
            "Portable",
            "Lenovo",
            "ThinkPad T480",
            "PF1AB2CD",
            "INV-2018-0413",
            datetime.datetime(2018, 3, 12),
            "Intel Core i5-8250U",
            7.5,
            512,
            "NVMe",
            14,
            "Windows 10 Pro",
            "Chargeur fourni",
            "Hôtel de ville",
            "Cachan",
            "Declared",
        ),
    ]
    workbook = load_workbook(io.BytesIO(b"".join(as_commune.get(XLSX_URL).streaming_content)))
    assert workbook["Inventaire"]["G2"].number_format == "DD/MM/YYYY"


# --- Round trip. ---


def _descriptions(devices) -> list[dict]:
    return [
        {
            **{field: getattr(device, field) for field in DESCRIPTION_FIELDS},
            "pickup_site": device.pickup_site_id,
            "data_bearing": device.data_bearing,
        }
        for device in devices
    ]


def _without_serials(descriptions: list[dict]) -> list[dict]:
    return [{**description, "serial_number": ""} for description in descriptions]


@pytest.mark.django_db
@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_an_export_with_new_serials_imports_back_as_the_same_devices(
    as_commune, declare, commune, commune_user, pickup_site, extension
):
    # given: varied devices of Cachan, exported
    depot = SiteFactory(organisation=commune, name="Centre technique municipal")
    originals = [
        *declare(**full_description()),
        *declare(
            category=DeviceCategory.MONITOR,
            brand="Iiyama",
            model="ProLite",
            ram_gb=None,
            storage_gb=None,
            storage_type="",
            screen_size_inches=Decimal("23.8"),
            operating_system="",
            site=depot,
        ),
        *declare(
            category=DeviceCategory.TABLET,
            brand="Apple",
            model="iPad 7e génération",
            purchase_date=datetime.date(2020, 10, 1),
            ram_gb=Decimal("3"),
            storage_gb=32,
            storage_type=StorageType.FLASH,
            screen_size_inches=Decimal("10.2"),
            operating_system="iPadOS",
            condition_notes="Écran fissuré; coque incluse",
        ),
        *declare(
            category=DeviceCategory.PROJECTOR,
            brand="Epson",
            model="EB-X41",
            ram_gb=None,
            storage_gb=None,
            storage_type="",
            operating_system="",
        ),
    ]
    exported = as_commune.get(f"/inventory/export.{extension}")
    content = b"".join(exported.streaming_content)

    # when: the serials are changed (they are new devices), and the file imported back
    if extension == "csv":
        text = content.decode("utf-8-sig")
        for device in originals:
            text = text.replace(f";{device.serial_number};", f";NEW-{device.serial_number};")
        content = text.encode("utf-8-sig")
    else:
        workbook = load_workbook(io.BytesIO(content))
        for (cell,) in workbook["Inventaire"].iter_rows(min_row=2, min_col=5, max_col=5):
            cell.value = f"NEW-{cell.value}"
        output = io.BytesIO()
        workbook.save(output)
        content = output.getvalue()
    device_import = device_import_create(
        user=commune_user,
        commune=commune,
        file=io.BytesIO(content),
        original_name=f"inventaire.{extension}",
        size=len(content),
    )

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert device_import.unknown_columns == ["Code"]
    imported = list(Device.objects.filter(declaration=device_import.declaration).order_by("pk"))
    assert [device.serial_number for device in imported] == [
        f"NEW-{device.serial_number}" for device in originals
    ]
    assert _without_serials(_descriptions(imported)) == _without_serials(_descriptions(originals))


# --- The inventory page's links. ---


@pytest.mark.django_db
def test_inventory_page_offers_exports_of_its_filters_and_imports_to_communes(
    as_commune, english, partner_user
):
    # when
    response = as_commune.get("/inventory/", {"category": "laptop", "q": "dell"})

    # then: the export buttons submit the filter form, whose fields hold the current filters
    html = response.content.decode()
    assert '<form id="device-filters"' in html
    assert 'form="device-filters" formaction="/inventory/export.csv"' in html
    assert 'form="device-filters" formaction="/inventory/export.xlsx"' in html
    form = response.context["filter_form"]
    assert (form["q"].value(), form["category"].value()) == ("dell", ["laptop"])
    assert 'href="/inventory/imports/new/"' in html

    # and a partner exports, but does not import
    english.force_login(partner_user)
    html = english.get("/inventory/").content.decode()
    assert 'formaction="/inventory/export.csv"' in html
    assert 'href="/inventory/imports/new/"' not in html


# --- The API. ---


@pytest.mark.django_db
def test_api_export_answers_csv_or_xlsx_with_the_list_filters(client_for, declare, commune_user):
    # given
    [laptop] = declare()
    [desktop] = declare(category=DeviceCategory.DESKTOP)
    api = client_for(commune_user)

    # when
    default = api.get(API_URL)
    filtered = api.get(API_URL, {"format": "csv", "category": "desktop"})
    workbook = api.get(API_URL, {"format": "xlsx"})
    by_accept = api.get(
        API_URL, HTTP_ACCEPT=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )

    # then
    assert default["Content-Type"] == "text/csv; charset=utf-8"
    assert [row[0] for row in csv_rows(default)[1:]] == [laptop.code, desktop.code]
    assert [row[0] for row in csv_rows(filtered)[1:]] == [desktop.code]
    assert workbook["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert [row[0] for row in xlsx_rows(workbook)[1:]] == [laptop.code, desktop.code]
    assert [row[0] for row in xlsx_rows(by_accept)[1:]] == [laptop.code, desktop.code]


@pytest.mark.django_db
def test_api_export_shows_what_the_device_list_shows(
    client_for, declare, commune, commune_user, partner_user
):
    # given
    [shared, withdrawn] = declare(2)
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)

    # when
    as_partner = client_for(partner_user).get(API_URL)
    listed = client_for(partner_user).get("/api/v1/devices/")

    # then
    assert [row[0] for row in csv_rows(as_partner)[1:]] == [shared.code]
    assert [device["code"] for device in listed.json()["results"]] == [shared.code]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "headers", "status", "code"),
    [
        ({"category": "spaceship"}, {}, 400, "invalid"),
        ({"format": "pdf"}, {}, 404, "not_found"),
        ({}, {"HTTP_ACCEPT": "application/pdf"}, 406, "not_acceptable"),
    ],
)
def test_api_export_errors_are_json(client_for, commune_user, query, headers, status, code):
    # when
    response = client_for(commune_user).get(API_URL, query, **headers)

    # then
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == code


@pytest.mark.django_db
def test_api_export_needs_authentication(api_client):
    response = api_client.get(API_URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
