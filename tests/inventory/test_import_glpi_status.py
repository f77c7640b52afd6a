"""GLPI's status and location: rows not in surplus are left out, locations name pickup sites."""

from __future__ import annotations

import pytest

from inventory.choices import ImportState
from inventory.imports.columns import DEFAULT_SURPLUS_STATUSES, is_surplus_status
from inventory.models import Device, DeviceImport
from tests.conftest import SiteFactory
from tests.fixtures.imports import GLPI_SAMPLE, csv_bytes, errors_of, import_bytes

pytestmark = pytest.mark.django_db

GLPI_HEADER = ["Entité", "Statut", "Fabricant", "Numéro de série", "Type", "Lieu"]


def glpi_rows(*rows: tuple[str, str, str]) -> bytes:
    """GLPI rows of (status, serial number, location)."""
    body = [
        ["Entité racine > Mairie de Cachan", status, "Dell", serial, "Desktop", location]
        for status, serial, location in rows
    ]
    return csv_bytes([GLPI_HEADER, *body])


@pytest.mark.parametrize(
    ("status", "surplus"),
    [
        ("Au rebut", True),
        ("À RÉFORMER", True),
        ("Réformé", True),
        ("Hors-service", True),
        ("Déclassé (2025)", True),
        ("surplus", True),
        ("En stock", False),
        ("En service", False),
        ("", False),
    ],
)
def test_the_default_surplus_statuses_ignore_case_accents_and_punctuation(status, surplus):
    assert is_surplus_status(status, DEFAULT_SURPLUS_STATUSES) is surplus


def test_the_glpi_sample_declares_its_scrapped_computers_and_leaves_out_the_one_in_stock(
    commune, commune_user
):
    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=GLPI_SAMPLE.read_bytes(), name="glpi.csv"
    )

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert sorted(Device.objects.values_list("serial_number", flat=True)) == [
        "4JKL9Z2",
        "PC0XYZ12",
    ]
    assert (device_import.rows_read, device_import.rows_valid, device_import.rows_skipped) == (
        3,
        2,
        1,
    )
    assert device_import.skipped_preview == [{"line": 4, "status": "En stock"}]
    assert "Statut" not in device_import.unknown_columns
    assert "Lieu" not in device_import.unknown_columns


def test_the_commune_chooses_its_surplus_statuses(commune, commune_user):
    # given
    content = glpi_rows(("Au rebut", "A1", ""), ("En stock", "A2", ""), ("Vendu", "A3", ""))

    # when
    device_import = import_bytes(
        user=commune_user,
        commune=commune,
        content=content,
        surplus_statuses=["en stock", "VENDU"],
    )

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert device_import.surplus_statuses == ["en stock", "VENDU"]
    assert sorted(Device.objects.values_list("serial_number", flat=True)) == ["A2", "A3"]
    assert device_import.skipped_preview == [{"line": 2, "status": "Au rebut"}]


def test_a_file_with_no_surplus_row_is_rejected_and_nothing_declared(commune, commune_user):
    # when
    device_import = import_bytes(
        user=commune_user,
        commune=commune,
        content=glpi_rows(("En service", "B1", ""), ("En stock", "B2", "")),
    )

    # then
    assert device_import.state == ImportState.REJECTED
    assert errors_of(device_import) == [
        (
            1,
            "Statut",
            "",
            "No row has a surplus status (rebut, réforme, à réformer, hors service, surplus, "
            "déclassé): there is nothing to declare.",
        )
    ]
    assert device_import.rows_skipped == 2
    assert Device.objects.count() == 0


def test_too_many_surplus_statuses_are_refused_and_nothing_stored(commune, commune_user):
    from common.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refusal:
        import_bytes(
            user=commune_user,
            commune=commune,
            content=glpi_rows(("Au rebut", "C1", "")),
            surplus_statuses=[f"status {index}" for index in range(21)],
        )
    assert refusal.value.code == "invalid_surplus_statuses"
    assert DeviceImport.objects.count() == 0


def test_a_glpi_location_names_a_pickup_site_by_its_whole_path_or_its_last_part(
    commune, commune_user
):
    # given
    building = SiteFactory(organisation=commune, name="Bâtiment B", is_pickup=True)
    workshop = SiteFactory(organisation=commune, name="Mairie > Atelier", is_pickup=True)
    default = SiteFactory(organisation=commune, name="Hôtel de ville", is_pickup=True)
    content = glpi_rows(
        ("Au rebut", "D1", "Mairie > BATIMENT b"),
        ("Au rebut", "D2", "mairie > atelier"),
        ("Au rebut", "D3", "Mairie > Cave"),
        ("Au rebut", "D4", ""),
    )

    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=content, pickup_site=default
    )

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert dict(Device.objects.values_list("serial_number", "pickup_site")) == {
        "D1": building.pk,
        "D2": workshop.pk,
        "D3": default.pk,
        "D4": default.pk,
    }


def test_a_named_pickup_site_wins_over_the_glpi_location(commune, commune_user):
    # given
    named = SiteFactory(organisation=commune, name="Médiathèque", is_pickup=True)
    SiteFactory(organisation=commune, name="Accueil", is_pickup=True)
    content = csv_bytes(
        [
            ["Type", "Marque", "Numéro de série", "Lieu", "Lieu d'enlèvement"],
            ["Desktop", "Dell", "E1", "Mairie > Accueil", "Médiathèque"],
        ]
    )

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=content)

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert Device.objects.get().pickup_site == named
