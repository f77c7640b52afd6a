"""The imports API: send a file, follow it, cancel it, read its report; who may do what."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.choices import ImportState
from inventory.imports.services import device_import_create
from inventory.models import Declaration, Device, DeviceEvent, DeviceImport
from tests.conftest import SiteFactory, member

IMPORTS = "/api/v1/imports/"
SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
EXCEL_SAMPLE = SAMPLES / "declaration-excel-fr.csv"
GLPI_SAMPLE = SAMPLES / "glpi-export.csv"
EXCEL_SAMPLE_SITES = (
    "Centre technique municipal",
    "École Jean-Jaurès",
    "Médiathèque",
    "Police municipale",
)


@pytest.fixture
def sample_sites(commune, pickup_site):
    return [pickup_site] + [
        SiteFactory(organisation=commune, name=name) for name in EXCEL_SAMPLE_SITES
    ]


def import_url(device_import: DeviceImport, suffix: str = "") -> str:
    return f"{IMPORTS}{device_import.pk}/{suffix}"


def sample(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="text/csv")


def send(client, file, commune="cachan", **fields):
    return client.post(IMPORTS, {"commune": commune, "file": file, **fields}, format="multipart")


def inventory_state() -> tuple:
    return (
        Declaration.objects.count(),
        list(Device.objects.order_by("pk").values_list("pk", "state", "serial_number")),
        DeviceEvent.objects.count(),
    )


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def import_as(user, commune, path: Path, **options) -> DeviceImport:
    with path.open("rb") as stream:
        return device_import_create(
            user=user,
            commune=commune,
            file=stream,
            original_name=path.name,
            size=path.stat().st_size,
            **options,
        )


# --- Sending a file. ---


@pytest.mark.django_db
def test_a_small_file_is_imported_before_the_answer(client_for, commune_user, pickup_site):
    # when
    response = send(client_for(commune_user), sample(GLPI_SAMPLE), pickup_site=pickup_site.pk)

    # then
    assert response.status_code == 201
    device_import = DeviceImport.objects.get()
    declaration = device_import.declaration
    assert response["Location"] == f"http://testserver{import_url(device_import)}"
    body = response.json()
    for moment in ("created_at", "started_at", "finished_at"):
        assert datetime.datetime.fromisoformat(body.pop(moment)) == getattr(device_import, moment)
    assert body == {
        "id": device_import.pk,
        "url": f"http://testserver{import_url(device_import)}",
        "commune": {"slug": "cachan", "name": "Cachan"},
        "original_name": "glpi-export.csv",
        "size": GLPI_SAMPLE.stat().st_size,
        "sha256": hashlib.sha256(GLPI_SAMPLE.read_bytes()).hexdigest(),
        "sheet": "",
        "pickup_site": {"id": pickup_site.pk, "name": "Hôtel de ville"},
        "dry_run": False,
        "surplus_statuses": [
            "rebut",
            "réforme",
            "à réformer",
            "hors service",
            "surplus",
            "déclassé",
        ],
        "state": "imported",
        "rows_read": 3,
        "rows_valid": 2,
        "rows_rejected": 0,
        "rows_duplicate": 0,
        "rows_skipped": 1,
        "error_count": 0,
        "message": "2 devices declared.",
        "message_code": "devices_declared",
        "unknown_columns": ["Nom", "Dernière modification"],
        "file_format": {"format": "csv", "encoding": "utf-8-sig", "delimiter": ";"},
        "errors": [],
        "skipped": [{"line": 4, "status": "En stock"}],
        "report_url": None,
        "declaration": declaration.pk,
        "devices_url": f"http://testserver/api/v1/devices/?declaration={declaration.pk}",
        "from_dry_run": None,
    }
    assert Device.objects.filter(declaration=declaration).count() == 2


@pytest.mark.django_db
def test_the_imported_devices_are_listed_by_their_declaration(client_for, commune_user):
    # given
    api = client_for(commune_user)
    devices_url = send(api, sample(GLPI_SAMPLE)).json()["devices_url"]

    # when
    response = api.get(devices_url)

    # then
    assert sorted(device["serial_number"] for device in response.json()["results"]) == [
        "4JKL9Z2",
        "PC0XYZ12",
    ]


@pytest.mark.django_db
def test_excel_sample_is_rejected_with_exactly_its_bad_lines(
    client_for, commune_user, sample_sites
):
    # given
    before = inventory_state()

    # when
    response = send(client_for(commune_user), sample(EXCEL_SAMPLE))

    # then
    assert response.status_code == 201
    body = response.json()
    device_import = DeviceImport.objects.get()
    assert body["state"] == "rejected"
    assert body["error_count"] == 3
    assert [(error["line"], error["column"], error["value"]) for error in body["errors"]] == [
        (8, "N° de série", "7HXK2Q2"),
        (9, "Date d'achat", "30/02/2021"),
        (10, "Mémoire (Go)", "huit"),
    ]
    assert body["errors"] == device_import.rejections
    assert body["report_url"] == f"http://testserver{import_url(device_import, 'report/')}"
    assert body["declaration"] is None
    assert body["devices_url"] is None
    assert body["file_format"] == {"format": "csv", "encoding": "cp1252", "delimiter": ";"}
    assert inventory_state() == before


@pytest.mark.django_db
def test_the_report_is_a_csv_of_every_rejected_row(client_for, commune_user, sample_sites):
    # given
    api = client_for(commune_user)
    report_url = send(api, sample(EXCEL_SAMPLE)).json()["report_url"]
    device_import = DeviceImport.objects.get()

    # when
    response = api.get(report_url)
    asked_for_csv = api.get(report_url, HTTP_ACCEPT="text/csv")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content)
    assert content == b"".join(asked_for_csv.streaming_content)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Line", "Column", "Value", "Reason"],
        *[
            [str(error["line"]), error["column"], error["value"], error["reason"]]
            for error in device_import.rejections
        ],
    ]


@pytest.mark.django_db
def test_a_report_of_an_import_without_one_is_not_found_in_json(client_for, commune_user):
    # given
    api = client_for(commune_user)
    device_import_url = send(api, sample(GLPI_SAMPLE)).json()["url"]

    # when
    response = api.get(f"{device_import_url}report/", HTTP_ACCEPT="text/csv")

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "no_report"


@pytest.mark.django_db
def test_dry_run_imports_nothing(client_for, commune_user):
    # given
    before = inventory_state()

    # when
    response = send(client_for(commune_user), sample(GLPI_SAMPLE), dry_run="true")

    # then
    assert response.status_code == 201
    assert (response.json()["state"], response.json()["dry_run"]) == ("valid", True)
    assert inventory_state() == before


@pytest.mark.django_db
def test_the_same_file_twice_imports_nothing_the_second_time(client_for, commune_user):
    # given
    api = client_for(commune_user)
    first = send(api, sample(GLPI_SAMPLE)).json()
    after_first = inventory_state()

    # when
    second = send(api, sample(GLPI_SAMPLE, name="copie.csv"))

    # then
    assert second.status_code == 201
    assert second.json()["state"] == "already_imported"
    assert f"declaration no. {first['declaration']}" in second.json()["message"]
    assert second.json()["declaration"] is None
    assert inventory_state() == after_first


@pytest.mark.django_db
def test_a_large_file_is_accepted_and_imported_in_the_background(
    client_for, commune_user, settings, django_capture_on_commit_callbacks
):
    # given
    settings.BOUCLE_IMPORT_ASYNC_BYTES = 1
    api = client_for(commune_user)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        accepted = send(api, sample(GLPI_SAMPLE))

    # then: answered while waiting, imported by the task once committed
    assert accepted.status_code == 202
    assert accepted.json()["state"] == "pending"
    assert (accepted.json()["rows_read"], accepted.json()["file_format"]) == (0, None)
    followed = api.get(accepted["Location"])
    assert followed.json()["state"] == "imported"
    assert followed.json()["rows_valid"] == 2
    assert Device.objects.count() == 2


@pytest.mark.django_db
def test_a_waiting_import_is_cancelled_and_its_task_then_changes_nothing(
    client_for, commune_user, settings, django_capture_on_commit_callbacks
):
    # given
    settings.BOUCLE_IMPORT_ASYNC_BYTES = 1
    api = client_for(commune_user)
    with django_capture_on_commit_callbacks() as queued:
        url = send(api, sample(GLPI_SAMPLE)).json()["url"]

    # when
    cancelled = api.post(f"{url}cancel/")
    queued[0]()

    # then
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["message"] == "Cancelled before it started; nothing was imported."
    assert api.get(url).json()["state"] == "cancelled"
    assert Device.objects.count() == 0
    assert Declaration.objects.count() == 0


@pytest.mark.django_db
def test_cancelling_a_finished_import_is_refused(client_for, commune_user):
    # given
    api = client_for(commune_user)
    url = send(api, sample(GLPI_SAMPLE)).json()["url"]
    before = inventory_state()

    # when
    response = api.post(f"{url}cancel/")

    # then
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "import_finished", "message": "This import is already finished."}
    }
    device_import = DeviceImport.objects.get()
    assert (device_import.state, device_import.cancel_requested) == (ImportState.IMPORTED, False)
    assert inventory_state() == before


# --- Refusals. ---


@pytest.mark.django_db
def test_too_large_a_file_is_refused_and_nothing_is_saved(
    client_for, commune_user, settings, media_root
):
    # given
    settings.BOUCLE_IMPORT_MAX_BYTES = 100
    before = inventory_state()

    # when
    response = send(client_for(commune_user), sample(GLPI_SAMPLE))

    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "file_too_large"
    assert error["fields"] == {"file": ["The file is too large."]}
    assert DeviceImport.objects.count() == 0
    assert stored_files(media_root) == []
    assert inventory_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"commune": "cachan"}, "file"),
        ({"commune": "nowhere", "file": "GLPI"}, "commune"),
        ({"commune": "cachan", "file": "PDF"}, "file"),
    ],
)
def test_invalid_input_is_refused_field_by_field(client_for, commune_user, data, field):
    # given
    files = {
        "GLPI": sample(GLPI_SAMPLE),
        "PDF": SimpleUploadedFile("parc.pdf", b"%PDF-1.7"),
    }
    data = {key: files.get(value, value) for key, value in data.items()}

    # when
    response = client_for(commune_user).post(IMPORTS, data, format="multipart")

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == [field]
    assert DeviceImport.objects.count() == 0


@pytest.mark.django_db
def test_a_pickup_site_of_another_commune_is_refused(client_for, commune_user, other_commune):
    # given
    foreign = SiteFactory(organisation=other_commune, name="Mairie d'Arcueil")

    # when
    response = send(client_for(commune_user), sample(GLPI_SAMPLE), pickup_site=foreign.pk)

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "foreign_site"
    assert DeviceImport.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("commune_slug", "code"),
    [("cachan", "not_a_member"), ("atelier-reemploi", "not_a_commune")],
)
def test_a_partner_cannot_import(client_for, commune, partner_user, commune_slug, code):
    # given
    before = inventory_state()

    # when
    response = send(client_for(partner_user), sample(GLPI_SAMPLE), commune=commune_slug)

    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == code
    assert DeviceImport.objects.count() == 0
    assert inventory_state() == before


@pytest.mark.django_db
def test_a_commune_user_imports_only_into_its_own_commune(
    client_for, commune, other_commune, other_commune_user
):
    # when: Arcueil's user sends a file for Cachan
    response = send(client_for(other_commune_user), sample(GLPI_SAMPLE), commune="cachan")

    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_a_member"
    assert DeviceImport.objects.count() == 0
    assert Device.objects.count() == 0


@pytest.mark.django_db
def test_another_communes_import_does_not_exist_for_you(
    client_for, commune, commune_user, other_commune_user, sample_sites, settings
):
    # given: a rejected import of Cachan, and a waiting one
    rejected = import_as(commune_user, commune, EXCEL_SAMPLE)
    settings.BOUCLE_IMPORT_ASYNC_BYTES = 1
    waiting = import_as(commune_user, commune, GLPI_SAMPLE)
    api = client_for(other_commune_user)

    # when
    detail = api.get(import_url(rejected))
    report = api.get(import_url(rejected, "report/"))
    cancel = api.post(import_url(waiting, "cancel/"))
    listed = api.get(IMPORTS)

    # then
    for response in (detail, report, cancel):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "import_not_found"
    assert listed.json()["results"] == []
    waiting.refresh_from_db()
    assert (waiting.state, waiting.cancel_requested) == (ImportState.PENDING, False)


@pytest.mark.django_db
def test_territory_reads_every_import_but_cancels_none(
    client_for, commune, commune_user, other_commune, territory_user, settings
):
    # given
    finished = import_as(member(other_commune), other_commune, GLPI_SAMPLE)
    settings.BOUCLE_IMPORT_ASYNC_BYTES = 1
    waiting = import_as(commune_user, commune, GLPI_SAMPLE)
    api = client_for(territory_user)

    # when
    listed = api.get(IMPORTS)
    cancel = api.post(import_url(waiting, "cancel/"))

    # then
    assert [item["id"] for item in listed.json()["results"]] == [waiting.pk, finished.pk]
    assert cancel.status_code == 403
    waiting.refresh_from_db()
    assert (waiting.state, waiting.cancel_requested) == (ImportState.PENDING, False)


@pytest.mark.django_db
def test_the_list_holds_the_users_communes_imports_newest_first(
    client_for, commune, commune_user, other_commune
):
    # given
    first = import_as(commune_user, commune, GLPI_SAMPLE)
    second = import_as(commune_user, commune, GLPI_SAMPLE, dry_run=True)
    import_as(member(other_commune), other_commune, GLPI_SAMPLE)

    # when
    response = client_for(commune_user).get(IMPORTS)

    # then
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert [item["id"] for item in response.json()["results"]] == [second.pk, first.pk]


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_many_imports(client_for, commune, commune_user):
    # given
    api = client_for(commune_user)
    import_as(commune_user, commune, GLPI_SAMPLE)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert api.get(IMPORTS).status_code == 200
        return len(context.captured_queries)

    one = queries()

    # when
    for _ in range(5):
        import_as(commune_user, commune, GLPI_SAMPLE, dry_run=True)

    # then
    assert queries() == one


@pytest.mark.django_db
def test_the_api_needs_authentication(api_client):
    response = api_client.get(IMPORTS)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_schema_documents_the_upload_the_files_and_the_errors(api_client):
    # when
    paths = api_client.get("/api/schema/?format=json").json()["paths"]

    # then
    create = paths["/api/v1/imports/"]["post"]
    assert set(create["requestBody"]["content"]) == {"multipart/form-data"}
    assert set(create["responses"]) == {"201", "202", "400", "403", "404"}
    report = paths["/api/v1/imports/{id}/report/"]["get"]
    assert set(report["responses"]["200"]["content"]) == {"text/csv"}
    assert set(report["responses"]["404"]["content"]) == {"application/json"}
    export = paths["/api/v1/devices/export/"]["get"]
    assert set(export["responses"]["200"]["content"]) == {
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert {parameter["name"] for parameter in export["parameters"]} == {
        "category",
        "commune",
        "declaration",
        "declared_from",
        "declared_until",
        "format",
        "pickup_site",
        "q",
        "state",
    }
