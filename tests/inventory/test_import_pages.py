"""The import pages: upload, follow (with htmx polling), cancel, report, and their refusals."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from inventory.choices import DeclarationSource, EventKind, ImportState
from inventory.imports.services import device_import_create
from inventory.models import Declaration, Device, DeviceEvent, DeviceImport
from tests.conftest import SiteFactory, member

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"
EXCEL_SAMPLE = SAMPLES / "declaration-excel-fr.csv"
GLPI_SAMPLE = SAMPLES / "glpi-export.csv"
# The other sites the Excel sample names; "Hôtel de ville" is the `pickup_site` fixture.
EXCEL_SAMPLE_SITES = (
    "Centre technique municipal",
    "École Jean-Jaurès",
    "Médiathèque",
    "Police municipale",
)
NEW = "/inventory/imports/new/"


def import_url(device_import: DeviceImport, suffix: str = "") -> str:
    return f"/inventory/imports/{device_import.pk}/{suffix}"


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def as_commune(english, commune_user):
    english.force_login(commune_user)
    return english


@pytest.fixture
def sample_sites(commune, pickup_site):
    return [pickup_site] + [
        SiteFactory(organisation=commune, name=name) for name in EXCEL_SAMPLE_SITES
    ]


def sample(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes(), content_type="text/csv")


def upload(client, file: SimpleUploadedFile, **fields):
    data = {"file": file, "pickup_site": "", "sheet": "", **fields}
    return client.post(NEW, data)


def inventory_state() -> tuple:
    """Everything a refused or idle import must leave as it was."""
    return (
        Declaration.objects.count(),
        list(Device.objects.order_by("pk").values_list("pk", "state", "serial_number")),
        DeviceEvent.objects.count(),
    )


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def error_lines(response) -> list[str]:
    """The line numbers of the errors table, as the page shows them."""
    html = response.content.decode()
    body = html.split('class="table table--import-errors"', 1)[1].split("</tbody>", 1)[0]
    return [
        part.split(">", 1)[1].split("<", 1)[0]
        for part in body.split('<th scope="row" class="numeric"')[1:]
    ]


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


# --- The upload page. ---


@pytest.mark.django_db
def test_upload_page_shows_the_form_with_the_size_limit(as_commune, pickup_site, settings):
    # given
    settings.BOUCLE_IMPORT_MAX_BYTES = 50 * 1024 * 1024

    # when
    response = as_commune.get(NEW)

    # then
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields) == ["file", "pickup_site", "sheet", "dry_run", "surplus_statuses"]
    assert "up to 50.0\xa0MB" in str(form.fields["file"].help_text)
    assert list(form.fields["pickup_site"].queryset) == [pickup_site]
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'accept=".csv,.xlsx,' in html
    assert "up to 50.0\xa0MB" in html


@pytest.mark.django_db
def test_pickup_sites_offered_are_the_communes_pickup_sites_only(
    as_commune, commune, other_commune, pickup_site
):
    # given
    delivery_only = SiteFactory(
        organisation=commune, name="Cuisine centrale", is_pickup=False, is_delivery=True
    )
    SiteFactory(organisation=other_commune, name="Mairie d'Arcueil")

    # when
    response = as_commune.get(NEW)

    # then
    offered = list(response.context["form"].fields["pickup_site"].queryset)
    assert offered == [pickup_site]
    assert delivery_only not in offered


@pytest.mark.django_db
@pytest.mark.parametrize("organisation", ["partner", "territory"])
def test_only_a_commune_may_upload(english, request, organisation):
    # given
    english.force_login(member(request.getfixturevalue(organisation)))
    before = inventory_state()

    # when
    page = english.get(NEW)
    sent = upload(english, sample(GLPI_SAMPLE))

    # then
    assert page.status_code == 403
    assert sent.status_code == 403
    assert DeviceImport.objects.count() == 0
    assert inventory_state() == before


@pytest.mark.django_db
def test_upload_page_asks_anonymous_visitors_to_log_in(client):
    response = client.get(NEW)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={NEW}"


# --- Uploading the samples. ---


@pytest.mark.django_db
def test_excel_sample_is_rejected_with_exactly_its_bad_lines(
    as_commune, commune, commune_user, sample_sites
):
    # given
    before = inventory_state()

    # when
    response = upload(as_commune, sample(EXCEL_SAMPLE))

    # then: the page of the import, nothing imported
    device_import = DeviceImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == import_url(device_import)
    assert device_import.commune == commune
    assert device_import.created_by == commune_user
    assert device_import.original_name == "declaration-excel-fr.csv"
    assert device_import.state == ImportState.REJECTED
    assert device_import.error_count == 3
    assert [error["line"] for error in device_import.errors_preview] == [8, 9, 10]
    assert inventory_state() == before

    # and the page shows the report, with a link to the full one
    page = as_commune.get(import_url(device_import))
    assert page.status_code == 200
    assert error_lines(page) == ["8", "9", "10"]
    html = page.content.decode()
    assert "3 problems to correct" in html
    assert "CSV, Windows-1252, separated by semicolons" in html
    assert f'href="{import_url(device_import, "report.csv")}"' in html
    assert "Download the full report (CSV)" in html
    assert 'hx-trigger="every' not in html
    assert "data-import-cancel" not in html
    assert "data-import-devices" not in html


@pytest.mark.django_db
def test_full_report_downloads_as_csv_with_every_rejected_row(as_commune, sample_sites):
    # given
    upload(as_commune, sample(EXCEL_SAMPLE))
    device_import = DeviceImport.objects.get()

    # when
    response = as_commune.get(import_url(device_import, "report.csv"))

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="import-{device_import.pk}-report.csv"'
    )
    content = b"".join(response.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Line", "Column", "Value", "Reason"],
        *[
            [str(error["line"]), error["column"], error["value"], error["reason"]]
            for error in device_import.rejections
        ],
    ]
    assert [row[:3] for row in rows[1:]] == [
        ["8", "N° de série", "7HXK2Q2"],
        ["9", "Date d'achat", "30/02/2021"],
        ["10", "Mémoire (Go)", "huit"],
    ]


@pytest.mark.django_db
def test_glpi_sample_is_imported_and_the_page_links_to_the_devices(
    as_commune, commune, commune_user
):
    # when
    response = upload(as_commune, sample(GLPI_SAMPLE))

    # then
    device_import = DeviceImport.objects.get()
    assert response["Location"] == import_url(device_import)
    assert device_import.state == ImportState.IMPORTED
    assert (device_import.rows_read, device_import.rows_valid) == (3, 2)
    declaration = device_import.declaration
    assert declaration.source == DeclarationSource.FILE
    devices = Device.objects.filter(declaration=declaration).order_by("pk")
    assert [(device.brand, device.serial_number) for device in devices] == [
        ("Dell", "4JKL9Z2"),
        ("Lenovo", "PC0XYZ12"),
    ]
    assert {device.commune for device in devices} == {commune}
    assert list(DeviceEvent.objects.values_list("kind", flat=True)) == [EventKind.DECLARED] * 2

    page = as_commune.get(import_url(device_import))
    html = page.content.decode()
    assert f'href="/inventory/?declaration={declaration.pk}"' in html
    assert "2 devices declared." in html
    assert "Ignored columns" in html
    for column in ("Nom", "Dernière modification"):
        assert f"<code>{column}</code>" in html
    assert "data-import-report" not in html

    listed = as_commune.get(f"/inventory/?declaration={declaration.pk}")
    assert sorted(device.code for device in listed.context["devices"]) == sorted(
        device.code for device in devices
    )


@pytest.mark.django_db
def test_default_pickup_site_goes_to_rows_that_name_none(as_commune, pickup_site):
    # when: the GLPI export names no pickup site
    upload(as_commune, sample(GLPI_SAMPLE), pickup_site=str(pickup_site.pk))

    # then
    device_import = DeviceImport.objects.get()
    assert device_import.state == ImportState.IMPORTED
    assert device_import.pickup_site == pickup_site
    assert set(Device.objects.values_list("pickup_site", flat=True)) == {pickup_site.pk}


@pytest.mark.django_db
def test_a_named_sheet_of_an_xlsx_file_is_read(as_commune, commune):
    # given: a workbook whose devices are on its second sheet
    workbook = Workbook()
    workbook.active.title = "Notes"
    workbook.active.append(["Rien à importer ici"])
    sheet = workbook.create_sheet("Parc")
    sheet.append(["Type", "Marque", "Modèle", "N° de série"])
    sheet.append(["Portable", "Dell", "Latitude 7490", "XLSX-0001"])
    sheet.append(["Écran", "Iiyama", "ProLite", "XLSX-0002"])
    content = io.BytesIO()
    workbook.save(content)
    file = SimpleUploadedFile("parc.xlsx", content.getvalue())

    # when
    upload(as_commune, file, sheet="Parc")

    # then
    device_import = DeviceImport.objects.get()
    assert device_import.state == ImportState.IMPORTED
    assert device_import.file_format == {"format": "xlsx", "sheet": "Parc"}
    assert sorted(Device.objects.values_list("serial_number", "category")) == [
        ("XLSX-0001", "laptop"),
        ("XLSX-0002", "monitor"),
    ]
    page = as_commune.get(import_url(device_import))
    assert "XLSX, sheet “Parc”" in page.content.decode()


@pytest.mark.django_db
def test_dry_run_checks_the_file_and_imports_nothing(as_commune):
    # given
    before = inventory_state()

    # when
    upload(as_commune, sample(GLPI_SAMPLE), dry_run="on")

    # then
    device_import = DeviceImport.objects.get()
    assert device_import.dry_run is True
    assert device_import.state == ImportState.VALID
    assert device_import.message == "All 2 rows are valid; nothing was imported (dry run)."
    assert device_import.declaration is None
    assert inventory_state() == before


@pytest.mark.django_db
def test_the_same_file_twice_imports_nothing_the_second_time(as_commune):
    # given
    upload(as_commune, sample(GLPI_SAMPLE))
    after_first = inventory_state()

    # when
    response = upload(as_commune, sample(GLPI_SAMPLE, name="glpi-again.csv"))

    # then
    first, second = DeviceImport.objects.order_by("pk")
    assert response["Location"] == import_url(second)
    assert second.state == ImportState.ALREADY_IMPORTED
    assert second.declaration is None
    assert f"declaration no. {first.declaration_id}" in second.message
    assert inventory_state() == after_first
    page = as_commune.get(import_url(second))
    assert second.message in page.content.decode()


# --- Refusals. ---


@pytest.mark.django_db
def test_too_large_a_file_is_refused_and_nothing_is_saved(as_commune, settings, media_root):
    # given
    settings.BOUCLE_IMPORT_MAX_BYTES = 100
    before = inventory_state()

    # when
    response = upload(as_commune, sample(GLPI_SAMPLE))

    # then
    assert response.status_code == 200
    size = GLPI_SAMPLE.stat().st_size
    assert response.context["form"].errors == {
        "file": [
            f"The file is {round(size / 1_048_576, 1)} MB; the largest file accepted is "
            f"{round(100 / 1_048_576, 1)} MB."
        ]
    }
    assert response.context["errors"][0]["href"] == "#id_file"
    assert DeviceImport.objects.count() == 0
    assert stored_files(media_root) == []
    assert inventory_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("parc.pdf", b"%PDF-1.7", "File extension “pdf” is not allowed."),
        ("vide.csv", b"", "The submitted file is empty."),
    ],
)
def test_a_file_of_another_type_or_empty_is_refused(as_commune, media_root, name, content, error):
    # when
    response = upload(as_commune, SimpleUploadedFile(name, content))

    # then
    assert response.status_code == 200
    assert response.context["form"].errors["file"][0].startswith(error)
    assert DeviceImport.objects.count() == 0
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_pickup_site_of_another_commune_is_refused(as_commune, other_commune):
    # given
    foreign = SiteFactory(organisation=other_commune, name="Mairie d'Arcueil")

    # when
    response = upload(as_commune, sample(GLPI_SAMPLE), pickup_site=str(foreign.pk))

    # then
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["pickup_site"]
    assert DeviceImport.objects.count() == 0
    assert Device.objects.count() == 0


@pytest.mark.django_db
def test_another_communes_import_does_not_exist_for_you(
    english, commune, commune_user, other_commune_user, sample_sites
):
    # given: a rejected import of Cachan
    device_import = import_as(commune_user, commune, EXCEL_SAMPLE)
    english.force_login(other_commune_user)

    # when
    page = english.get(import_url(device_import))
    report = english.get(import_url(device_import, "report.csv"))
    cancel = english.post(import_url(device_import, "cancel/"))
    listed = english.get("/inventory/imports/")

    # then
    assert (page.status_code, report.status_code, cancel.status_code) == (404, 404, 404)
    assert list(listed.context["imports"]) == []
    device_import.refresh_from_db()
    assert (device_import.state, device_import.cancel_requested) == (ImportState.REJECTED, False)


@pytest.mark.django_db
def test_territory_reads_every_import_but_cancels_none(
    english, commune, commune_user, territory_user, other_commune, settings
):
    # given: a pending import of Cachan, and a finished one of Arcueil
    settings.BOUCLE_IMPORT_ASYNC_BYTES = 1
    pending = import_as(commune_user, commune, GLPI_SAMPLE)
    finished = import_as(member(other_commune), other_commune, GLPI_SAMPLE, run_now=True)
    english.force_login(territory_user)

    # when
    listed = english.get("/inventory/imports/")
    page = english.get(import_url(pending))
    cancel = english.post(import_url(pending, "cancel/"))

    # then
    assert list(listed.context["imports"]) == [finished, pending]
    assert '<th scope="col">Commune</th>' in listed.content.decode()
    assert page.status_code == 200
    assert "data-import-cancel" not in page.content.decode()
    assert cancel.status_code == 403
    pending.refresh_from_db()
    assert (pending.state, pending.cancel_requested) == (ImportState.PENDING, False)


@pytest.mark.django_db
def test_import_list_is_refused_to_a_partner(english, partner_user):
    english.force_login(partner_user)

    response = english.get("/inventory/imports/")

    assert response.status_code == 403


@pytest.mark.django_db
def test_import_list_shows_the_communes_imports_newest_first(
    as_commune, commune, commune_user, other_commune
):
    # given
    glpi = import_as(commune_user, commune, GLPI_SAMPLE)
    dry = import_as(commune_user, commune, GLPI_SAMPLE, dry_run=True)
    import_as(member(other_commune), other_commune, GLPI_SAMPLE)

    # when
    response = as_commune.get("/inventory/imports/")

    # then
    assert list(response.context["imports"]) == [dry, glpi]
    html = response.content.decode()
    assert f'href="{import_url(glpi)}"' in html
    assert 'href="/inventory/imports/new/"' in html


@pytest.mark.django_db
def test_a_report_is_not_found_for_an_import_without_one(as_commune):
    # given
    upload(as_commune, sample(GLPI_SAMPLE))
    device_import = DeviceImport.objects.get()

    # when
    response = as_commune.get(import_url(device_import, "report.csv"))

    # then
    assert response.status_code == 404


# --- Progress and cancelling. ---


@pytest.mark.django_db
def test_a_waiting_import_is_polled_and_can_be_cancelled(
    as_commune, settings, django_capture_on_commit_callbacks
):
    # given: a file large enough to be imported by a task, which waits for the commit
    settings.BOUCLE_IMPORT_ASYNC_BYTES = 1
    with django_capture_on_commit_callbacks() as queued:
        upload(as_commune, sample(GLPI_SAMPLE))
    device_import = DeviceImport.objects.get()
    assert device_import.state == ImportState.PENDING
    assert len(queued) == 1

    # when: the page of the waiting import
    page = as_commune.get(import_url(device_import))

    # then: it polls its status and offers to cancel
    html = page.content.decode()
    assert f'hx-get="{import_url(device_import)}" hx-trigger="every 1.5s"' in html
    assert "<progress" in html
    assert "Waiting for its turn…" in html
    assert "data-import-cancel" in html

    # when: cancelling, then the task runs
    response = as_commune.post(import_url(device_import, "cancel/"))
    queued[0]()

    # then: cancelled, and the task changed nothing
    assert response.status_code == 302
    assert response["Location"] == import_url(device_import)
    device_import.refresh_from_db()
    assert device_import.state == ImportState.CANCELLED
    assert device_import.message == "Cancelled before it started; nothing was imported."
    assert Device.objects.count() == 0
    assert Declaration.objects.count() == 0
    page = as_commune.get(import_url(device_import))
    html = page.content.decode()
    assert "The import is cancelled; nothing of it is imported." in html
    assert 'hx-trigger="every' not in html
    assert "data-import-cancel" not in html


@pytest.mark.django_db
def test_cancelling_a_finished_import_is_refused(as_commune):
    # given
    upload(as_commune, sample(GLPI_SAMPLE))
    device_import = DeviceImport.objects.get()
    before = inventory_state()

    # when
    response = as_commune.post(import_url(device_import, "cancel/"), follow=True)

    # then
    assert response.redirect_chain == [(import_url(device_import), 302)]
    assert "This import is already finished." in response.content.decode()
    device_import.refresh_from_db()
    assert (device_import.state, device_import.cancel_requested) == (ImportState.IMPORTED, False)
    assert inventory_state() == before


@pytest.mark.django_db
def test_cancel_is_a_post(as_commune, settings, django_capture_on_commit_callbacks):
    # given
    settings.BOUCLE_IMPORT_ASYNC_BYTES = 1
    with django_capture_on_commit_callbacks():
        upload(as_commune, sample(GLPI_SAMPLE))
    device_import = DeviceImport.objects.get()

    # when
    response = as_commune.get(import_url(device_import, "cancel/"))

    # then
    assert response.status_code == 405
    device_import.refresh_from_db()
    assert device_import.state == ImportState.PENDING


@pytest.mark.django_db
def test_htmx_polling_gets_the_status_with_the_progress_until_the_end(
    as_commune, settings, django_capture_on_commit_callbacks
):
    # given: an import the task has started, 5000 rows into the file
    settings.BOUCLE_IMPORT_ASYNC_BYTES = 1
    with django_capture_on_commit_callbacks() as queued:
        upload(as_commune, sample(GLPI_SAMPLE))
    device_import = DeviceImport.objects.get()
    DeviceImport.objects.filter(pk=device_import.pk).update(
        state=ImportState.RUNNING, rows_read=5000, rows_valid=4990
    )

    # when
    running = as_commune.get(import_url(device_import), headers={"HX-Request": "true"})

    # then: only the status part, which keeps polling
    html = running.content.decode()
    assert running.templates[0].name == "inventory/partials/import_status.html"
    assert "HX-Request" in running["Vary"].split(", ")
    assert html.lstrip().startswith('<div id="import-status"')
    assert 'hx-trigger="every 1.5s"' in html
    assert "5000 rows read, 4990 valid so far." in html
    assert 'id="import-announcement"' not in html

    # when: the task finishes
    DeviceImport.objects.filter(pk=device_import.pk).update(state=ImportState.PENDING)
    queued[0]()
    finished = as_commune.get(import_url(device_import), headers={"HX-Request": "true"})

    # then: the last status stops the polling and is announced
    html = finished.content.decode()
    assert 'hx-trigger="every' not in html
    assert "<progress" not in html
    assert 'hx-swap-oob="true">The import is finished: Imported.</p>' in html
    assert "2 devices declared." in html


@pytest.mark.django_db
def test_the_pages_speak_french_by_default(client, commune_user, sample_sites):
    # given: no language chosen, so the default one, French
    client.force_login(commune_user)
    client.post(NEW, {"file": sample(EXCEL_SAMPLE), "pickup_site": "", "sheet": ""})
    client.post(NEW, {"file": sample(GLPI_SAMPLE), "pickup_site": "", "sheet": ""})
    rejected, imported = DeviceImport.objects.order_by("pk")

    # when
    inventory = client.get("/inventory/").content.decode()
    rejected_page = client.get(import_url(rejected)).content.decode()
    imported_page = client.get(import_url(imported)).content.decode()

    # then
    assert "Importer un fichier" in inventory
    assert "Exporter CSV" in inventory
    assert "Télécharger le rapport complet (CSV)" in rejected_page
    assert "3 problèmes à corriger" in rejected_page
    assert "CSV, Windows-1252, séparé par des points-virgules" in rejected_page
    assert "Colonnes ignorées" in imported_page
    assert "2 appareils déclarés." in imported_page


@pytest.mark.django_db
def test_import_list_pages_by_keys_at_a_constant_cost(
    as_commune, commune, commune_user, monkeypatch
):
    # given: one page holds two imports
    monkeypatch.setattr("inventory.views_imports.IMPORTS_PER_PAGE", 2)
    imports = [import_as(commune_user, commune, GLPI_SAMPLE, dry_run=True) for _ in range(3)]
    newest_first = list(reversed(imports))
    with CaptureQueriesContext(connection) as first_page:
        first = as_commune.get("/inventory/imports/")

    # when
    with CaptureQueriesContext(connection) as next_page:
        following = as_commune.get(
            "/inventory/imports/", {"cursor": first.context["page"].next_cursor}
        )

    # then
    assert list(first.context["imports"]) == newest_first[:2]
    assert list(following.context["imports"]) == newest_first[2:]
    assert following.context["page"].next_cursor is None
    assert (
        list(as_commune.get("/inventory/imports/", {"page": 2}).context["imports"])
        == (newest_first[2:])
    )
    assert len(next_page) == len(first_page)
