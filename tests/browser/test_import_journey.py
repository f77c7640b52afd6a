"""A commune user's import journey in headless Chromium: upload a file with errors, read the
report, fix the file, import it again and find the devices; follow a long import; export.

The pages run in the default language; the assertions use the structure of the pages.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from inventory.choices import ImportState
from inventory.imports.services import device_import_run
from inventory.models import Device, DeviceImport
from inventory.tasks import run_device_import
from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "Type;Marque;Modèle;N° de série;Mémoire (Go);Date d'achat;Lieu d'enlèvement\n"
WITH_ERRORS = (
    HEADER
    + "Portable;Dell;Latitude 5490;JRN-0001;8;12/03/2018;Hôtel de ville\n"
    + "Portable;Lenovo;ThinkPad T480;JRN-0002;huit;12/03/2018;Hôtel de ville\n"
    + "Tablette;Apple;iPad 7;JRN-0003;3;31/02/2020;\n"
)
FIXED = WITH_ERRORS.replace(";huit;", ";8;").replace("31/02/2020", "29/02/2020")
IMPORT_PAGE = re.compile(r"/inventory/imports/(\d+)/$")


def choose_file(page, name: str, text: str) -> None:
    page.set_input_files(
        "#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
    )


def test_upload_read_the_report_fix_and_import_again(
    page, live_server, commune, commune_user, pickup_site
):
    # given
    log_in(page, live_server, commune_user)

    # when: from the inventory, a file with two bad rows is uploaded
    page.click(".site-nav a[href='/inventory/']")
    page.click(".page-header__actions a[href='/inventory/imports/new/']")
    choose_file(page, "parc-ecoles.csv", WITH_ERRORS)
    page.click(".import-form button[type=submit]")

    # then: the import's page lists the rejected rows, and nothing is imported
    page.wait_for_url(IMPORT_PAGE)
    expect(page.locator("#import-status")).to_have_attribute("data-import-state", "rejected")
    rows = page.locator(".table--import-errors tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("th")).to_have_text("3")
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("huit")
    expect(rows.nth(1).locator("th")).to_have_text("4")
    expect(rows.nth(1).locator("td").nth(1)).to_have_text("31/02/2020")
    assert Device.objects.count() == 0

    # and the full report downloads
    with page.expect_download() as download_info:
        page.click("[data-import-report]")
    report = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    lines = [row[:3] for row in csv.reader(io.StringIO(report), delimiter=";")][1:]
    assert lines == [["3", "Mémoire (Go)", "huit"], ["4", "Date d'achat", "31/02/2020"]]

    # when: the corrected file is imported
    page.click(".page-header__actions a[href='/inventory/imports/new/']")
    choose_file(page, "parc-ecoles.csv", FIXED)
    page.click(".import-form button[type=submit]")

    # then: imported, and its devices are in the inventory
    page.wait_for_url(IMPORT_PAGE)
    expect(page.locator("#import-status")).to_have_attribute("data-import-state", "imported")
    expect(page.locator(".table--import-errors")).to_have_count(0)
    page.click("[data-import-devices]")
    page.wait_for_url(re.compile(r"/inventory/\?declaration=\d+$"))
    expect(page.locator("table.table--devices tbody tr")).to_have_count(3)
    assert sorted(Device.objects.values_list("serial_number", flat=True)) == [
        "JRN-0001",
        "JRN-0002",
        "JRN-0003",
    ]
    assert list(DeviceImport.objects.order_by("pk").values_list("state", flat=True)) == [
        ImportState.REJECTED,
        ImportState.IMPORTED,
    ]


def test_a_long_import_shows_its_progress_and_its_end_without_a_reload(
    page, live_server, commune_user, pickup_site, settings, monkeypatch
):
    # given: files go to a task, which no worker runs yet
    settings.BOUCLE_IMPORT_ASYNC_BYTES = 1
    queued: list[int] = []
    monkeypatch.setattr(run_device_import, "delay", queued.append)
    log_in(page, live_server, commune_user)

    # when
    page.goto(f"{live_server.url}/inventory/imports/new/")
    choose_file(page, "parc.csv", FIXED)
    page.click(".import-form button[type=submit]")

    # then: the page waits, with a progress bar and a cancel button
    page.wait_for_url(IMPORT_PAGE)
    expect(page.locator("#import-status")).to_have_attribute("data-import-state", "pending")
    expect(page.locator("progress.import-progress")).to_be_visible()
    expect(page.locator("[data-import-cancel]")).to_be_visible()

    # when: the task runs
    [device_import_pk] = queued
    device_import_run(device_import=DeviceImport.objects.get(pk=device_import_pk))

    # then: the page shows the end by itself, and announces it
    expect(page.locator("#import-status")).to_have_attribute("data-import-state", "imported")
    expect(page.locator("progress.import-progress")).to_have_count(0)
    expect(page.locator("[data-import-cancel]")).to_have_count(0)
    expect(page.locator("#import-announcement")).not_to_be_empty()
    expect(page.locator("[data-rows-valid]")).to_have_text("3")
    assert Device.objects.count() == 3


def test_cancel_a_waiting_import(page, live_server, commune_user, settings, monkeypatch):
    # given
    settings.BOUCLE_IMPORT_ASYNC_BYTES = 1
    queued: list[int] = []
    monkeypatch.setattr(run_device_import, "delay", queued.append)
    log_in(page, live_server, commune_user)
    page.goto(f"{live_server.url}/inventory/imports/new/")
    choose_file(page, "parc.csv", FIXED)
    page.click(".import-form button[type=submit]")
    page.wait_for_url(IMPORT_PAGE)

    # when
    page.click("[data-import-cancel]")

    # then
    expect(page.locator("#import-status")).to_have_attribute("data-import-state", "cancelled")
    expect(page.locator(".message--success")).to_be_visible()
    device_import_run(device_import=DeviceImport.objects.get(pk=queued[0]))
    assert DeviceImport.objects.get().state == ImportState.CANCELLED
    assert Device.objects.count() == 0


def test_export_downloads_the_devices_the_filters_show(page, live_server, commune_user, declare):
    # given
    declare(2, brand="Dell")
    [lenovo] = declare(brand="Lenovo", model="ThinkPad T480")
    log_in(page, live_server, commune_user)
    page.goto(f"{live_server.url}/inventory/")
    expect(page.locator("table.table--devices tbody tr")).to_have_count(3)

    # when: filtering in place, then exporting
    page.fill("#id_q", "lenovo")
    expect(page.locator("table.table--devices tbody tr")).to_have_count(1)
    with page.expect_download() as download_info:
        page.click("[data-export='csv']")

    # then: the file holds the filtered devices, and the list is as it was
    download = download_info.value
    assert re.fullmatch(r"boucle-inventaire-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    rows = list(
        csv.reader(
            io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig")), delimiter=";"
        )
    )
    assert [row[0] for row in rows[1:]] == [lenovo.code]
    # (the commune's list opens on its own devices: the scope is part of the filters)
    expect(page).to_have_url(re.compile(r"/inventory/\?q=lenovo&commune=cachan$"))
    expect(page.locator("#device-results")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("table.table--devices tbody tr")).to_have_count(1)


WITH_DUPLICATES = (
    HEADER
    + "Portable;Dell;Latitude 5490;DUP-0001;8;12/03/2018;Hôtel de ville\n"
    + "Portable;Dell;Latitude 5490;DUP-0001;8;12/03/2018;Hôtel de ville\n"
    + "Portable;Lenovo;ThinkPad T480;DUP-0002;huit;31/02/2018;Hôtel de ville\n"
    + "Portable;Lenovo;ThinkPad T480;DUP-0003;8;12/03/2018;Hôtel de ville\n"
)


def test_the_counts_add_up_and_are_explained(page, live_server, commune_user, pickup_site):
    # given
    log_in(page, live_server, commune_user)
    page.goto(f"{live_server.url}/inventory/imports/new/")

    # when: four rows, of which one duplicate and one with two problems
    choose_file(page, "parc.csv", WITH_DUPLICATES)
    page.click(".import-form button[type=submit]")

    # then
    page.wait_for_url(IMPORT_PAGE)
    expect(page.locator("#import-status")).to_have_attribute("data-import-state", "rejected")
    expect(page.locator("[data-rows-read]")).to_have_text("4")
    expect(page.locator("[data-rows-valid]")).to_have_text("2")
    expect(page.locator("[data-rows-rejected]")).to_contain_text("2")
    expect(page.locator("[data-rows-rejected]")).to_contain_text("1")
    expect(page.locator("[data-rows-skipped]")).to_have_text("0")
    expect(page.locator("[data-error-count]")).to_have_text("3")
    expect(page.locator("[data-rows-explained]")).to_be_visible()


def test_a_valid_dry_run_is_imported_without_sending_the_file_again(
    page, live_server, commune_user, pickup_site
):
    # given: a dry run of a valid file
    log_in(page, live_server, commune_user)
    page.goto(f"{live_server.url}/inventory/imports/new/")
    choose_file(page, "parc.csv", FIXED)
    page.check("#id_dry_run")
    page.click(".import-form button[type=submit]")
    page.wait_for_url(IMPORT_PAGE)
    expect(page.locator("#import-status")).to_have_attribute("data-import-state", "valid")
    assert Device.objects.count() == 0
    dry_run_url = page.url

    # when: "Importer", without choosing the file again
    page.click("[data-import-confirm]")

    # then: a new import of the same file, with the same settings, imported
    page.wait_for_url(IMPORT_PAGE)
    assert page.url != dry_run_url
    expect(page.locator("#import-status")).to_have_attribute("data-import-state", "imported")
    expect(page.locator("[data-import-devices]")).to_be_visible()
    assert Device.objects.count() == 3
    imported = DeviceImport.objects.get(dry_run=False)
    assert imported.from_dry_run == DeviceImport.objects.get(dry_run=True)

    # and the dry run no longer offers it
    page.goto(dry_run_url)
    expect(page.locator("#import-status")).to_have_attribute("data-import-state", "valid")
    expect(page.locator("[data-import-confirm]")).to_have_count(0)
