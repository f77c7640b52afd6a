"""The counts of an import add up and are explained; a dry run's file is imported again."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from common.errors import PermissionDenied, ValidationFailed
from inventory.choices import ImportState
from inventory.imports.services import (
    device_import_from_dry_run,
    device_imports_forget_dry_runs,
)
from inventory.models import Device, DeviceImport
from tests.fixtures.imports import csv_bytes, import_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_commune(client, commune_user):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(commune_user)
    return client


HEADER = ["Type", "Marque", "N° de série", "Mémoire (Go)", "Date d'achat"]
TEN_ROWS = [
    HEADER,
    ["Portable", "Dell", "S1", "8", "12/03/2018"],
    ["Portable", "Dell", "S2", "8", "12/03/2018"],
    ["Portable", "Dell", "S3", "8", "12/03/2018"],
    ["Portable", "Dell", "S1", "8", "12/03/2018"],  # twice in the file
    ["Portable", "Dell", "S2", "8", "12/03/2018"],  # twice in the file
    ["Portable", "Dell", "S4", "huit", "31/02/2018"],  # two problems
    ["Portable", "", "S5", "8", "12/03/2018"],
    ["Soucoupe", "Dell", "S6", "8", "12/03/2018"],
    ["Portable", "Dell", "S7", "-1", "12/03/2018"],
    ["Portable", "Dell", "S8", "8", "12/03/2099"],
]


def test_ten_rows_of_which_seven_are_rejected_count_three_valid(commune, commune_user):
    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(TEN_ROWS))

    # then
    assert device_import.state == ImportState.REJECTED
    assert (
        device_import.rows_read,
        device_import.rows_valid,
        device_import.rows_rejected,
        device_import.rows_duplicate,
        device_import.rows_skipped,
        device_import.error_count,
    ) == (10, 3, 7, 2, 0, 8)
    assert Device.objects.count() == 0


def test_the_page_explains_the_counts(as_commune, commune, commune_user):
    # given
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(TEN_ROWS))

    # when
    html = as_commune.get(f"/inventory/imports/{device_import.pk}/").content.decode()

    # then
    assert "Of the 10 rows read: 3 valid, 7 rejected, 0 left out as not surplus." in html
    assert "(of which 2 duplicates)" in html


def dry_run(commune, commune_user, **options) -> DeviceImport:
    content = csv_bytes([HEADER, ["Portable", "Dell", "V1", "8", "12/03/2018"]])
    return import_bytes(
        user=commune_user, commune=commune, content=content, dry_run=True, **options
    )


def test_a_valid_dry_run_is_imported_from_its_stored_file_with_its_settings(commune, commune_user):
    # given
    checked = dry_run(commune, commune_user, surplus_statuses=["vendu"])
    assert Device.objects.count() == 0

    # when
    imported = device_import_from_dry_run(dry_run=checked, user=commune_user, run_now=True)

    # then
    assert imported.state == ImportState.IMPORTED, imported.errors_preview
    assert (imported.from_dry_run, imported.sha256, imported.surplus_statuses) == (
        checked,
        checked.sha256,
        ["vendu"],
    )
    assert list(Device.objects.values_list("serial_number", flat=True)) == ["V1"]


def test_a_dry_run_is_imported_once(commune, commune_user):
    # given
    checked = dry_run(commune, commune_user)
    device_import_from_dry_run(dry_run=checked, user=commune_user, run_now=True)

    # when
    with pytest.raises(ValidationFailed) as refusal:
        device_import_from_dry_run(dry_run=checked, user=commune_user, run_now=True)

    # then
    assert refusal.value.code == "dry_run_already_imported"
    assert (Device.objects.count(), DeviceImport.objects.count()) == (1, 2)


def test_an_old_dry_run_is_refused(commune, commune_user):
    # given
    checked = dry_run(commune, commune_user)
    DeviceImport.objects.filter(pk=checked.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=settings.BOUCLE_IMPORT_DRY_RUN_HOURS)
    )
    checked.refresh_from_db()

    # when
    with pytest.raises(ValidationFailed) as refusal:
        device_import_from_dry_run(dry_run=checked, user=commune_user, run_now=True)

    # then
    assert refusal.value.code == "dry_run_expired"
    assert (Device.objects.count(), DeviceImport.objects.count()) == (0, 1)


def test_another_commune_may_not_import_a_dry_run(commune, commune_user, other_commune_user):
    # given
    checked = dry_run(commune, commune_user)

    # when
    with pytest.raises(PermissionDenied):
        device_import_from_dry_run(dry_run=checked, user=other_commune_user, run_now=True)

    # then
    assert (Device.objects.count(), DeviceImport.objects.count()) == (0, 1)


def test_the_page_offers_import_after_a_valid_dry_run_and_imports(
    as_commune, commune, commune_user
):
    # given
    checked = dry_run(commune, commune_user)
    page = as_commune.get(f"/inventory/imports/{checked.pk}/").content.decode()
    assert "data-import-confirm" in page

    # when
    response = as_commune.post(f"/inventory/imports/{checked.pk}/import/")

    # then
    imported = DeviceImport.objects.get(from_dry_run=checked)
    assert response["Location"] == f"/inventory/imports/{imported.pk}/"
    assert imported.state == ImportState.IMPORTED
    after = as_commune.get(f"/inventory/imports/{checked.pk}/").content.decode()
    assert "data-import-confirm" not in after


def test_the_files_of_expired_dry_runs_are_deleted_unless_an_import_uses_them(
    commune, commune_user
):
    # given: an expired dry run, and one whose file was imported
    expired = dry_run(commune, commune_user)
    imported_from = dry_run(commune, commune_user, surplus_statuses=["rebut", "vendu"])
    follow_up = device_import_from_dry_run(dry_run=imported_from, user=commune_user, run_now=True)
    fresh = dry_run(commune, commune_user, surplus_statuses=["autre"])
    past = timezone.now() - datetime.timedelta(hours=settings.BOUCLE_IMPORT_DRY_RUN_HOURS + 1)
    DeviceImport.objects.filter(pk__in=[expired.pk, imported_from.pk]).update(created_at=past)
    expired_name = expired.file.name
    storage = expired.file.storage

    # when: run twice, as a repeated task would
    forgotten = [device_imports_forget_dry_runs(), device_imports_forget_dry_runs()]

    # then
    assert forgotten == [1, 0]
    assert not storage.exists(expired_name)
    assert DeviceImport.objects.get(pk=expired.pk).file.name == ""
    follow_up.refresh_from_db()
    assert storage.exists(follow_up.file.name)
    assert DeviceImport.objects.get(pk=fresh.pk).file.name == fresh.file.name
