"""Importing a file of devices through the service: samples, all or nothing, rights, formats."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from common.errors import PermissionDenied, ValidationFailed
from inventory.choices import (
    DeclarationSource,
    DeviceCategory,
    DeviceState,
    EventKind,
    ImportState,
    StorageType,
)
from inventory.models import Declaration, Device, DeviceEvent, DeviceImport
from inventory.services import device_withdraw
from organisations.choices import MembershipRole
from organisations.services import site_add, site_close
from tests.conftest import SiteFactory, member
from tests.fixtures.imports import (
    EXCEL_SAMPLE,
    GLPI_SAMPLE,
    create_sample_sites,
    csv_bytes,
    errors_of,
    import_bytes,
    inventory_counts,
    report_lines,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

HEADER = ["Type", "Marque", "Modèle", "N° de série", "Date d'achat", "Mémoire (Go)"]


@pytest.fixture
def sample_sites(commune):
    return create_sample_sites(commune)


def laptops(count: int, *, prefix: str = "SN") -> list[list]:
    return [
        ["Portable", "Dell", "Latitude 5490", f"{prefix}{index:05d}", "12/03/2018", "8"]
        for index in range(1, count + 1)
    ]


# --- The samples. ---


def test_excel_sample_is_rejected_with_exactly_its_bad_rows(commune, commune_user, sample_sites):
    # given
    before = inventory_counts()

    # when
    device_import = import_bytes(
        user=commune_user,
        commune=commune,
        content=EXCEL_SAMPLE.read_bytes(),
        name=EXCEL_SAMPLE.name,
    )

    # then
    assert device_import.state == ImportState.REJECTED
    assert errors_of(device_import) == [
        (
            8,
            "N° de série",
            "7HXK2Q2",
            "The same device (brand and serial number) is on line 2 of this file.",
        ),
        (
            9,
            "Date d'achat",
            "30/02/2021",
            "Not a real date; write it as dd/mm/yyyy, such as 12/03/2018.",
        ),
        (10, "Mémoire (Go)", "huit", "The memory must be a number, such as 8 or 23,8."),
    ]
    # three rows rejected (one a duplicate of line 2), seven valid: they add up to ten
    assert (
        device_import.rows_read,
        device_import.rows_valid,
        device_import.rows_rejected,
        device_import.rows_duplicate,
        device_import.error_count,
    ) == (10, 7, 3, 1, 3)
    assert device_import.file_format == {"format": "csv", "encoding": "cp1252", "delimiter": ";"}
    assert device_import.unknown_columns == []
    assert device_import.declaration is None
    assert inventory_counts() == before


def test_excel_sample_report_lists_every_rejected_row(commune, commune_user, sample_sites):
    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=EXCEL_SAMPLE.read_bytes()
    )

    # then
    lines = report_lines(device_import)
    assert lines[0] == "Line;Column;Value;Reason"
    assert [line.split(";")[:3] for line in lines[1:]] == [
        ["8", "N° de série", "7HXK2Q2"],
        ["9", "Date d'achat", "30/02/2021"],
        ["10", "Mémoire (Go)", "huit"],
    ]


def test_excel_sample_without_its_bad_rows_imports_every_device(
    commune, commune_user, sample_sites
):
    # given: lines 8, 9 and 10 removed; the blank line stays and is skipped
    lines = EXCEL_SAMPLE.read_bytes().split(b"\r\n")
    content = b"\r\n".join(lines[:7] + lines[10:])

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=content)

    # then
    assert device_import.state == ImportState.IMPORTED
    assert (device_import.rows_read, device_import.rows_valid, device_import.error_count) == (
        7,
        7,
        0,
    )
    devices = {device.serial_number: device for device in Device.objects.all()}
    assert sorted(devices) == [
        "11234567890",
        "5CG8123ABC",
        "7HXK2Q2",
        "CZC81234XY",
        "DMPZ1234ABCD",
        "E78901A2B345",
        "PF1AB2CD",
    ]
    laptop = devices["7HXK2Q2"]
    assert (
        laptop.category,
        laptop.brand,
        laptop.model,
        laptop.asset_tag,
        laptop.purchase_date,
        laptop.cpu,
        laptop.ram_gb,
        laptop.storage_gb,
        laptop.storage_type,
        laptop.screen_size_inches,
        laptop.operating_system,
        laptop.condition_notes,
        laptop.pickup_site,
        laptop.data_bearing,
    ) == (
        DeviceCategory.LAPTOP,
        "Dell",
        "Latitude 5490",
        "INV-2018-0412",
        datetime.date(2018, 3, 12),
        "Intel Core i5-8350U",
        Decimal("8.00"),
        256,
        StorageType.SSD,
        Decimal("14.0"),
        "Windows 10 Pro",
        "Fonctionne — Chargeur fourni",
        sample_sites["Hôtel de ville"],
        True,
    )
    monitor = devices["11234567890"]
    assert (monitor.category, monitor.screen_size_inches, monitor.ram_gb, monitor.data_bearing) == (
        DeviceCategory.MONITOR,
        Decimal("23.8"),
        None,
        False,
    )
    tablet = devices["DMPZ1234ABCD"]
    assert (tablet.category, tablet.storage_gb, tablet.storage_type, tablet.pickup_site) == (
        DeviceCategory.TABLET,
        32,
        StorageType.FLASH,
        sample_sites["École Jean-Jaurès"],
    )
    assert devices["E78901A2B345"].category == DeviceCategory.PRINTER
    assert devices["CZC81234XY"].category == DeviceCategory.DESKTOP
    last = devices["5CG8123ABC"]
    assert (last.purchase_date, last.storage_type) == (None, StorageType.NVME)


def test_glpi_export_imports_its_three_devices_normalised(commune, commune_user):
    # when: the device in stock counts as surplus too
    device_import = import_bytes(
        user=commune_user,
        commune=commune,
        content=GLPI_SAMPLE.read_bytes(),
        name=GLPI_SAMPLE.name,
        surplus_statuses=["rebut", "en stock"],
    )

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert device_import.unknown_columns == ["Nom", "Dernière modification"]
    assert device_import.file_format == {
        "format": "csv",
        "encoding": "utf-8-sig",
        "delimiter": ";",
    }
    described = list(
        Device.objects.order_by("serial_number").values_list(
            "serial_number",
            "category",
            "brand",
            "model",
            "asset_tag",
            "ram_gb",
            "storage_gb",
            "operating_system",
            "cpu",
        )
    )
    assert described == [
        (
            "4JKL9Z2",
            DeviceCategory.DESKTOP,
            "Dell",
            "OptiPlex 7060",
            "MC-2018-114",
            Decimal("8.00"),
            256,
            "Microsoft Windows 10 Professionnel",
            "Intel(R) Core(TM) i5-8500 CPU @ 3.00GHz",
        ),
        (
            "CZC7441ABC",
            DeviceCategory.DESKTOP,
            "HP",
            "EliteDesk 800 G3 SFF",  # GLPI repeats the brand in the model
            "MC-2017-033",
            Decimal("8.00"),
            500,
            "Microsoft Windows 10 Professionnel",
            "Intel(R) Core(TM) i5-6500 CPU @ 3.20GHz",
        ),
        (
            "PC0XYZ12",
            DeviceCategory.LAPTOP,
            "Lenovo",
            "20L5CTO1WW",
            "MC-2018-201",
            Decimal("16.00"),
            512,
            "Microsoft Windows 10 Professionnel",
            "Intel(R) Core(TM) i7-8550U CPU @ 1.80GHz",
        ),
    ]


def test_an_import_writes_one_file_declaration_and_one_declared_event_per_device(
    commune, commune_user
):
    # when
    device_import = import_bytes(
        user=commune_user,
        commune=commune,
        content=GLPI_SAMPLE.read_bytes(),
        name="glpi.csv",
        surplus_statuses=["rebut", "en stock"],
    )

    # then
    declaration = Declaration.objects.get()
    assert device_import.declaration == declaration
    assert (
        declaration.commune,
        declaration.source,
        declaration.reference,
        declaration.created_by,
    ) == (commune, DeclarationSource.FILE, "glpi.csv", commune_user)
    devices = list(Device.objects.order_by("pk"))
    assert {device.declaration_id for device in devices} == {declaration.pk}
    assert {(device.state, device.commune_id, device.holder_id) for device in devices} == {
        (DeviceState.DECLARED, commune.pk, commune.pk)
    }
    events = list(DeviceEvent.objects.order_by("device_id"))
    assert [
        (
            event.device_id,
            event.kind,
            event.from_state,
            event.to_state,
            event.actor,
            event.organisation,
            event.details,
        )
        for event in events
    ] == [
        (
            device.pk,
            EventKind.DECLARED,
            "",
            DeviceState.DECLARED,
            commune_user,
            commune,
            {"declaration": declaration.pk, "import": device_import.pk, "line": line},
        )
        for device, line in zip(devices, (2, 3, 4), strict=True)
    ]
    assert len({device.code for device in devices}) == 3


# --- All or nothing; dry run; the same file twice. ---


def test_one_bad_row_imports_nothing(commune, commune_user):
    # given
    rows = [HEADER, *laptops(5), ["Portable", "Dell", "X", "SN99999", "12/03/2018", "beaucoup"]]
    before = inventory_counts()

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    assert device_import.state == ImportState.REJECTED
    assert errors_of(device_import) == [
        (7, "Mémoire (Go)", "beaucoup", "The memory must be a number, such as 8 or 23,8.")
    ]
    assert (device_import.rows_read, device_import.rows_valid) == (6, 5)
    assert inventory_counts() == before


def test_dry_run_checks_every_row_and_imports_nothing(commune, commune_user):
    # given
    content = csv_bytes([HEADER, *laptops(4)])
    before = inventory_counts()

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=content, dry_run=True)

    # then
    assert device_import.state == ImportState.VALID
    assert (device_import.rows_read, device_import.rows_valid) == (4, 4)
    assert device_import.declaration is None
    assert inventory_counts() == before


def test_dry_run_reports_the_bad_rows(commune, commune_user):
    # given
    content = csv_bytes([HEADER, *laptops(2), ["Frigo", "Dell", "", "", "", ""]])

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=content, dry_run=True)

    # then
    assert device_import.state == ImportState.REJECTED
    assert [(line, column, value) for line, column, value, _ in errors_of(device_import)] == [
        (4, "Type", "Frigo")
    ]


def test_a_file_checked_in_a_dry_run_then_imports(commune, commune_user):
    # given
    content = csv_bytes([HEADER, *laptops(3)])
    import_bytes(user=commune_user, commune=commune, content=content, dry_run=True)

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=content)

    # then
    assert device_import.state == ImportState.IMPORTED
    assert Device.objects.count() == 3


def test_the_same_file_twice_imports_nothing_the_second_time(commune, commune_user):
    # given
    content = csv_bytes([HEADER, *laptops(3)])
    first = import_bytes(user=commune_user, commune=commune, content=content)
    before = inventory_counts()

    # when
    second = import_bytes(user=commune_user, commune=commune, content=content, name="again.csv")

    # then
    assert second.state == ImportState.ALREADY_IMPORTED
    assert f"declaration no. {first.declaration_id}" in second.message
    assert second.declaration is None
    assert inventory_counts() == before


def test_the_same_file_for_another_commune_is_checked_against_the_inventory(
    commune, commune_user, other_commune, other_commune_user
):
    # given
    content = csv_bytes([HEADER, *laptops(1)])
    first = import_bytes(user=commune_user, commune=commune, content=content)
    code = Device.objects.get().code

    # when
    second = import_bytes(user=other_commune_user, commune=other_commune, content=content)

    # then: not "already imported" (that is per commune), but the device is a duplicate
    assert first.state == ImportState.IMPORTED
    assert second.state == ImportState.REJECTED
    assert errors_of(second) == [
        (
            2,
            "N° de série",
            "SN00001",
            f"This device (same brand and serial number) is already declared as {code} by Cachan.",
        )
    ]


# --- Who may import. ---


def test_a_commune_user_cannot_import_for_another_commune(
    commune, other_commune, other_commune_user
):
    # given
    content = csv_bytes([HEADER, *laptops(2)])
    before = inventory_counts()

    # when / then
    with pytest.raises(PermissionDenied) as refusal:
        import_bytes(user=other_commune_user, commune=commune, content=content)
    assert refusal.value.code == "not_a_member"
    assert inventory_counts() == before
    assert DeviceImport.objects.count() == 0


def test_a_partner_cannot_import_for_a_commune(commune, partner_user):
    # given
    before = inventory_counts()

    # when / then
    with pytest.raises(PermissionDenied):
        import_bytes(user=partner_user, commune=commune, content=csv_bytes([HEADER, *laptops(1)]))
    assert inventory_counts() == before
    assert DeviceImport.objects.count() == 0


def test_a_partner_cannot_import_for_itself(partner, partner_user):
    # when / then
    with pytest.raises(PermissionDenied) as refusal:
        import_bytes(user=partner_user, commune=partner, content=csv_bytes([HEADER, *laptops(1)]))
    assert refusal.value.code == "not_a_commune"
    assert DeviceImport.objects.count() == 0
    assert inventory_counts() == {"devices": 0, "events": 0, "declarations": 0}


def test_any_member_of_the_commune_may_import(commune):
    # given
    admin = member(commune, role=MembershipRole.ADMIN)

    # when
    device_import = import_bytes(
        user=admin, commune=commune, content=csv_bytes([HEADER, *laptops(1)])
    )

    # then
    assert device_import.state == ImportState.IMPORTED


def test_a_default_pickup_site_of_another_commune_is_refused(commune, commune_user, other_commune):
    # given
    foreign_site = SiteFactory(organisation=other_commune, name="Mairie d'Arcueil")

    # when / then
    with pytest.raises(ValidationFailed) as refusal:
        import_bytes(
            user=commune_user,
            commune=commune,
            content=csv_bytes([HEADER, *laptops(1)]),
            pickup_site=foreign_site,
        )
    assert refusal.value.code == "foreign_site"
    assert DeviceImport.objects.count() == 0


# --- GLPI entities and duplicates. ---


def glpi_with_entity(line: int, entity: str) -> bytes:
    lines = GLPI_SAMPLE.read_bytes().decode("utf-8-sig").split("\r\n")
    lines[line - 1] = lines[line - 1].replace("Entité racine > Mairie de Cachan", entity)
    return "\r\n".join(lines).encode("utf-8-sig")


def test_glpi_rows_of_another_entity_are_rejected(commune, commune_user):
    # given
    content = glpi_with_entity(3, "Entité racine > Mairie d'Arcueil")

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=content)

    # then
    assert device_import.state == ImportState.REJECTED
    assert errors_of(device_import) == [
        (
            3,
            "Entité",
            "Entité racine > Mairie d'Arcueil",
            "This row belongs to “Entité racine > Mairie d'Arcueil”, not to Cachan, for whom "
            "you import.",
        )
    ]
    assert Device.objects.count() == 0


@pytest.mark.parametrize("entity", ["Cachan", "Ville de Cachan", "94016", "Racine > CACHAN"])
def test_glpi_entity_may_name_the_commune_several_ways(commune, commune_user, entity):
    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=glpi_with_entity(2, entity)
    )

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview


def test_duplicates_against_active_devices_name_the_existing_code(
    commune, commune_user, other_commune, other_commune_user, declare
):
    # given: the GLPI sample's Dell (4JKL9Z2) is already declared, by Arcueil
    site = SiteFactory(organisation=other_commune)
    [existing] = declare(
        by=other_commune_user,
        for_commune=other_commune,
        site=site,
        brand="DELL",
        serial_number="4jkl-9z2",
    )
    before = inventory_counts()

    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=GLPI_SAMPLE.read_bytes()
    )

    # then
    assert device_import.state == ImportState.REJECTED
    assert errors_of(device_import) == [
        (
            2,
            "Numéro de série",
            "4JKL9Z2",
            "This device (same brand and serial number) is already declared as "
            f"{existing.code} by Arcueil.",
        )
    ]
    assert inventory_counts() == before


def test_a_withdrawn_device_does_not_block_its_new_declaration(commune, commune_user, declare):
    # given
    [withdrawn] = declare(brand="Dell", serial_number="4JKL9Z2")
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)

    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=GLPI_SAMPLE.read_bytes()
    )

    # then
    assert device_import.state == ImportState.IMPORTED
    assert Device.objects.filter(serial_number="4JKL9Z2").count() == 2


def test_duplicates_inside_the_file_name_the_first_line(commune, commune_user):
    # given: the same device written two ways, and a third time
    rows = [
        HEADER,
        ["Portable", "Dell", "", "AB-12 34", "", ""],
        ["Portable", "Lenovo", "", "AB-12 34", "", ""],
        ["Portable", "DELL", "", "ab1234", "", ""],
        ["Portable", "Dell Inc.", "", "AB 1234", "", ""],
    ]

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    reason = "The same device (brand and serial number) is on line 2 of this file."
    assert errors_of(device_import) == [
        (4, "N° de série", "ab1234", reason),
        (5, "N° de série", "AB 1234", reason),
    ]


# --- Headers. ---


@pytest.mark.parametrize(
    "labels",
    [
        ["TYPE", "MARQUE", "MODELE", "NUMERO DE SERIE", "DATE D'ACHAT", "MEMOIRE (GO)"],
        ["catégorie", "fabricant", "modèle", "n° de série", "date achat", "mémoire vive"],
        ["Category", "Brand", "Model", "Serial Number", "Purchase date", "Memory (GB)"],
        ["  Type de matériel ", "Constructeur", "Désignation", "S/N", "Purchased on", "RAM"],
        ["type_de_materiel", "manufacturer", "reference", "serial-no.", "achat", "ram-go"],
    ],
)
def test_headers_are_recognised_whatever_their_case_accents_and_punctuation(
    commune, commune_user, labels
):
    # given
    rows = [labels, ["Portable", "Dell", "Latitude 5490", "SN1", "12/03/2018", "8"]]

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert device_import.unknown_columns == []
    device = Device.objects.get()
    assert (
        device.category,
        device.brand,
        device.model,
        device.serial_number,
        device.purchase_date,
        device.ram_gb,
    ) == (
        DeviceCategory.LAPTOP,
        "Dell",
        "Latitude 5490",
        "SN1",
        datetime.date(2018, 3, 12),
        Decimal("8.00"),
    )


def test_unknown_columns_are_reported_and_ignored(commune, commune_user):
    # given
    rows = [
        ["Type", "Couleur", "Marque", "Prix (€)", ""],
        ["Portable", "Noir", "Dell", "120", ""],
    ]

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    assert device_import.state == ImportState.IMPORTED
    assert device_import.unknown_columns == ["Couleur", "Prix (€)"]
    assert Device.objects.get().brand == "Dell"


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (["Marque", "Modèle"], ["Category (type)"]),
        (["Type", "Modèle"], ["Brand"]),
        (["Modèle", "Numéro de série"], ["Brand", "Category (type)"]),
    ],
)
def test_missing_required_columns_reject_the_file(commune, commune_user, header, missing):
    # given
    rows = [header, ["Portable", "X"]]

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    assert device_import.state == ImportState.REJECTED
    assert errors_of(device_import) == [
        (1, column, "", "This column is required and was not found.") for column in missing
    ]
    assert Device.objects.count() == 0


def test_two_columns_for_one_field_reject_the_file(commune, commune_user):
    # given
    rows = [["Type", "Marque", "Fabricant"], ["Portable", "Dell", "Dell"]]

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    assert device_import.state == ImportState.REJECTED
    assert errors_of(device_import) == [
        (1, "Fabricant", "Fabricant", "Another column already gives this information.")
    ]


def test_a_file_with_no_data_rows_is_rejected(commune, commune_user):
    # given: a header, then only blank lines
    content = csv_bytes([HEADER, ["", "", "", "", "", ""], []])

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=content)

    # then
    assert device_import.state == ImportState.REJECTED
    assert errors_of(device_import) == [(2, "", "", "The file has a header line but no device.")]
    assert (device_import.rows_read, device_import.rows_valid) == (0, 0)
    assert inventory_counts() == {"devices": 0, "events": 0, "declarations": 0}


def test_an_empty_file_is_refused_before_it_is_stored(commune, commune_user):
    # when / then
    with pytest.raises(ValidationFailed) as refusal:
        import_bytes(user=commune_user, commune=commune, content=b"")
    assert refusal.value.code == "empty_file"
    assert DeviceImport.objects.count() == 0


def test_a_file_above_the_size_limit_is_refused(commune, commune_user, settings):
    # given
    settings.BOUCLE_IMPORT_MAX_BYTES = 100
    content = csv_bytes([HEADER, *laptops(10)])

    # when / then
    with pytest.raises(ValidationFailed) as refusal:
        import_bytes(user=commune_user, commune=commune, content=content)
    assert refusal.value.code == "file_too_large"
    assert DeviceImport.objects.count() == 0


# --- Delimiters, encodings, XLSX. ---


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_delimiters_are_detected(commune, commune_user, delimiter):
    # given: a cell holding the other delimiters, quoted by the writer when needed
    rows = [HEADER, ["Portable", "Dell", "Latitude 5490, rev; A", "SN1", "12/03/2018", "8"]]

    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=csv_bytes(rows, delimiter=delimiter)
    )

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert device_import.file_format["delimiter"] == delimiter
    assert Device.objects.get().model == "Latitude 5490, rev; A"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings_are_detected(commune, commune_user, encoding):
    # given
    rows = [
        ["Catégorie", "Marque", "Modèle", "Remarques"],
        ["Écran", "Iiyama", "ProLite", "Rayure légère, œuvre d'art — à voir"],
    ]

    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=csv_bytes(rows, encoding=encoding)
    )

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert device_import.file_format["encoding"] == encoding
    device = Device.objects.get()
    assert (device.category, device.condition_notes) == (
        DeviceCategory.MONITOR,
        "Rayure légère, œuvre d'art — à voir",
    )


def test_xlsx_first_sheet_is_read(commune, commune_user):
    # given: typed cells, as Excel keeps them
    content = xlsx_bytes(
        {
            "Parc": [
                ["Type", "Marque", "N° de série", "Date d'achat", "Mémoire (Go)", "Écran"],
                ["Portable", "HP", "5CG1", datetime.datetime(2019, 5, 17), 16, 15.6],
                ["Écran", "Iiyama", 123456789, datetime.date(2020, 1, 2), None, 24],
            ],
            "Notes": [["Type", "Marque"], ["Frigo", ""]],
        }
    )

    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=content, name="parc.xlsx"
    )

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert device_import.file_format == {"format": "xlsx", "sheet": "Parc"}
    assert list(
        Device.objects.order_by("brand").values_list(
            "brand", "serial_number", "purchase_date", "ram_gb", "screen_size_inches"
        )
    ) == [
        ("HP", "5CG1", datetime.date(2019, 5, 17), Decimal("16.00"), Decimal("15.6")),
        ("Iiyama", "123456789", datetime.date(2020, 1, 2), None, Decimal("24.0")),
    ]


def test_xlsx_named_sheet_is_read(commune, commune_user):
    # given
    content = xlsx_bytes(
        {
            "Sommaire": [["Ce classeur liste le parc réformé"]],
            "Réforme 2025": [["Type", "Marque"], ["Tablette", "Apple"], ["Portable", "Acer"]],
        }
    )

    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=content, sheet="Réforme 2025"
    )

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert device_import.file_format == {"format": "xlsx", "sheet": "Réforme 2025"}
    assert sorted(Device.objects.values_list("brand", flat=True)) == ["Acer", "Apple"]


def test_xlsx_unknown_sheet_makes_the_file_unreadable(commune, commune_user):
    # given
    content = xlsx_bytes({"Parc": [["Type", "Marque"], ["Portable", "Dell"]]})

    # when
    device_import = import_bytes(
        user=commune_user, commune=commune, content=content, sheet="Parc 2024"
    )

    # then
    assert device_import.state == ImportState.UNREADABLE
    assert device_import.message == "The file has no sheet named “Parc 2024”; its sheets: Parc."
    assert Device.objects.count() == 0


def test_xlsx_bad_rows_are_reported_with_their_sheet_lines(commune, commune_user):
    # given
    content = xlsx_bytes(
        {"Parc": [["Type", "Marque", "Mémoire (Go)"], ["Portable", "Dell", 8], ["Portable", "", 8]]}
    )

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=content)

    # then
    assert device_import.state == ImportState.REJECTED
    assert errors_of(device_import) == [(3, "Marque", "", "The brand is required.")]


# --- Values: French numbers and dates, ranges. ---


def test_french_decimal_commas_units_and_dates(commune, commune_user):
    # given
    rows = [
        ["Type", "Marque", "Date d'achat", "Mémoire", "Stockage", "Écran (pouces)"],
        ["Portable", "Dell", "05/09/2019", "7,5", "1,5 To", "15,6"],
        ["Portable", "HP", "2019-09-06", "16 Go", "256 Go", "13,3"],
    ]

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    assert device_import.state == ImportState.IMPORTED, device_import.errors_preview
    assert list(
        Device.objects.order_by("brand").values_list(
            "purchase_date", "ram_gb", "storage_gb", "screen_size_inches"
        )
    ) == [
        (datetime.date(2019, 9, 5), Decimal("7.50"), 1500, Decimal("15.6")),
        (datetime.date(2019, 9, 6), Decimal("16.00"), 256, Decimal("13.3")),
    ]


def test_memory_given_in_megabytes_is_converted_like_glpi_memory(commune, commune_user):
    # given: 8192 MB of memory is 8 GB, whether the column or the cell says "MB"
    rows = [
        ["Type", "Marque", "N° de série", "Mémoire"],
        ["Portable", "Dell", "A1", "8192 Mo"],
        ["Portable", "Dell", "A2", "512 MB"],
        ["Portable", "Dell", "A3", "8 Go"],
    ]
    glpi = [["Type", "Fabricant", "Numéro de série", "Composants - Mémoire"]]
    glpi += [["Notebook", "Dell", "B1", "8192"]]

    # when
    import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))
    import_bytes(user=commune_user, commune=commune, content=csv_bytes(glpi))

    # then
    assert dict(Device.objects.values_list("serial_number", "ram_gb")) == {
        "A1": Decimal("8.00"),
        "A2": Decimal("0.50"),
        "A3": Decimal("8.00"),
        "B1": Decimal("8.00"),
    }


def test_dates_in_the_future_and_before_1980_are_rejected(commune, commune_user):
    # given
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rows = [
        ["Type", "Marque", "Date d'achat"],
        ["Portable", "Dell", f"{tomorrow:%d/%m/%Y}"],
        ["Portable", "Dell", "31/12/1979"],
        ["Portable", "Dell", "01/01/1980"],
        ["Portable", "Dell", f"{timezone.localdate():%d/%m/%Y}"],
        ["Portable", "Dell", "31/04/2020"],
    ]

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    assert device_import.state == ImportState.REJECTED
    assert errors_of(device_import) == [
        (2, "Date d'achat", f"{tomorrow:%d/%m/%Y}", "The purchase date cannot be in the future."),
        (3, "Date d'achat", "31/12/1979", "The purchase date cannot be before 1980."),
        (
            6,
            "Date d'achat",
            "31/04/2020",
            "Not a real date; write it as dd/mm/yyyy, such as 12/03/2018.",
        ),
    ]
    assert Device.objects.count() == 0


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("Mémoire (Go)", "5000", "The memory cannot exceed 4096 GB; give it in GB."),
        ("Mémoire (Go)", "-4", "The memory cannot be negative."),
        ("Stockage (Go)", "300000", "The storage cannot exceed 200000 GB; give it in GB."),
        ("Stockage (Go)", "500 To", "The storage cannot exceed 200000 GB; give it in GB."),
        ("Stockage (Go)", "256 Pouces", "The storage: unknown unit “pouces”."),
        ("Écran (pouces)", "0,5", "The screen size must be between 1 and 120 inches."),
        ("Écran (pouces)", "150", "The screen size must be between 1 and 120 inches."),
        ("Écran (pouces)", "15 cm", "The screen size is in inches, such as 15,6."),
        (
            "Type de stockage",
            "disquette",
            "Unknown storage type. Use HDD, SSD, NVMe, eMMC or flash.",
        ),
    ],
)
def test_sizes_out_of_range_are_rejected(commune, commune_user, column, value, reason):
    # given
    rows = [["Type", "Marque", column], ["Portable", "Dell", ""], ["Portable", "HP", value]]

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    assert device_import.state == ImportState.REJECTED
    assert errors_of(device_import) == [(3, column, value, reason)]
    assert Device.objects.count() == 0


def test_every_bad_cell_of_a_row_is_reported(commune, commune_user):
    # given
    rows = [HEADER, ["Grille-pain", "", "", "", "32/13/2020", "huit"]]

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    assert [(line, column) for line, column, _, _ in errors_of(device_import)] == [
        (2, "Date d'achat"),
        (2, "Marque"),
        (2, "Mémoire (Go)"),
        (2, "Type"),
    ]


def test_unknown_pickup_site_is_rejected_and_the_default_site_fills_blanks(
    commune, commune_user, pickup_site
):
    # given
    rows = [["Type", "Marque", "Lieu d'enlèvement"], ["Portable", "Dell", ""]]
    bad = [*rows, ["Portable", "HP", "Gymnase"]]

    # when
    rejected = import_bytes(user=commune_user, commune=commune, content=csv_bytes(bad))
    imported = import_bytes(
        user=commune_user, commune=commune, content=csv_bytes(rows), pickup_site=pickup_site
    )

    # then
    assert errors_of(rejected) == [
        (
            3,
            "Lieu d'enlèvement",
            "Gymnase",
            "Unknown pickup site for this commune; its sites: Hôtel de ville.",
        )
    ]
    assert imported.state == ImportState.IMPORTED
    device = Device.objects.get()
    assert device.pickup_site == pickup_site
    assert Declaration.objects.get().pickup_site == pickup_site


def test_formula_cells_are_neutralised_in_the_report(commune, commune_user):
    # given
    rows = [["Type", "Marque"], ['=HYPERLINK("http://x")', "Dell"]]

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    lines = report_lines(device_import)
    assert lines[1].startswith('2;Type;"\'=HYPERLINK(""http://x"")";')


def test_a_row_naming_a_site_the_admin_added_imports_and_a_closed_site_is_refused(
    commune, commune_user, pickup_site
):
    # given: the file names a place the commune had no site for
    admin = member(commune, MembershipRole.ADMIN)
    rows = [["Type", "Marque", "Lieu d'enlèvement"], ["Portable", "HP", "Gymnase"]]
    rejected = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # when: an administrator adds it, and closes the town hall
    gymnasium = site_add(
        organisation=commune,
        actor=admin,
        name="Gymnase",
        address="2 avenue Carnot",
        postal_code="94230",
        city="Cachan",
    )
    site_close(site=pickup_site, actor=admin)
    imported = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))
    town_hall = [["Type", "Marque", "Lieu d'enlèvement"], ["Portable", "HP", "Hôtel de ville"]]
    closed = import_bytes(user=commune_user, commune=commune, content=csv_bytes(town_hall))

    # then
    assert rejected.state == ImportState.REJECTED
    assert imported.state == ImportState.IMPORTED
    assert Device.objects.get().pickup_site == gymnasium
    assert errors_of(closed) == [
        (
            2,
            "Lieu d'enlèvement",
            "Hôtel de ville",
            "Unknown pickup site for this commune; its sites: Gymnase.",
        )
    ]
    with pytest.raises(ValidationFailed) as refusal:
        import_bytes(
            user=commune_user,
            commune=commune,
            content=csv_bytes(rows),
            pickup_site=pickup_site,
        )
    assert refusal.value.code == "closed_site"
