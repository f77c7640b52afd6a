"""``manage.py import_devices``: its summary line and its exit status, for every outcome.

Most cases run through ``call_command``; one case of each exit status also runs as a real
process, against the test database (on SQLite, a copy of it in a file, copied back afterwards).
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection

from inventory.choices import DeclarationSource, ImportState
from inventory.models import Declaration, Device, DeviceImport
from organisations.choices import MembershipRole
from tests.conftest import MembershipFactory, SiteFactory, member
from tests.fixtures.imports import (
    EXCEL_SAMPLE,
    GLPI_SAMPLE,
    create_sample_sites,
    csv_bytes,
    inventory_counts,
    report_lines,
    xlsx_bytes,
)

MANAGE = Path(django_settings.BASE_DIR) / "manage.py"


@pytest.fixture
def importer(commune):
    """The commune's administrator, whom the command acts as by default."""
    return member(commune, role=MembershipRole.ADMIN)


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def run(*args, **options) -> str:
    """Run the command; return what it printed."""
    out = io.StringIO()
    call_command("import_devices", *[str(arg) for arg in args], stdout=out, **options)
    return out.getvalue()


def run_failing(*args, **options) -> tuple[int, str]:
    """Run a command expected to exit non-zero; return the status and what it printed."""
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_devices", *[str(arg) for arg in args], stdout=out, **options)
    return exit_info.value.code, out.getvalue()


def refused(*args) -> CommandError:
    with pytest.raises(CommandError) as refusal:
        run(*args)
    return refusal.value


# --- Exit 0. ---


@pytest.mark.django_db
def test_imports_a_file_and_prints_one_summary_line(tmp_path, commune, importer):
    # given
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    output = run(path, "--organisation", "94016")

    # then
    declaration = Declaration.objects.get()
    assert re.fullmatch(
        rf"Imported 2 devices into Cachan from glpi\.csv \(declaration {declaration.pk}\) "
        r"in \d+\.\d s\.\n",
        output,
    )
    assert (declaration.source, declaration.created_by, declaration.reference) == (
        DeclarationSource.FILE,
        importer,
        "glpi.csv",
    )
    assert Device.objects.filter(commune=commune).count() == 2


@pytest.mark.django_db
def test_the_organisation_may_be_given_by_its_slug(tmp_path, commune, importer):
    # given
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    run(path, "--organisation", "cachan")

    # then
    assert Device.objects.filter(commune=commune).count() == 2


@pytest.mark.django_db
def test_dry_run_of_a_valid_file_imports_nothing(tmp_path, commune, importer):
    # given
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    output = run(path, "--organisation", "94016", "--dry-run")

    # then
    assert output == "Dry run: all 2 rows of glpi.csv are valid; nothing imported.\n"
    assert DeviceImport.objects.get().state == ImportState.VALID
    assert inventory_counts() == {"devices": 0, "events": 0, "declarations": 0}


@pytest.mark.django_db
def test_the_site_is_the_default_pickup_site(tmp_path, commune, importer):
    # given
    site = SiteFactory(organisation=commune, name="Centre technique municipal")
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    run(path, "--organisation", "94016", "--site", "centre technique MUNICIPAL")

    # then
    assert set(Device.objects.values_list("pickup_site", flat=True)) == {site.pk}
    assert Declaration.objects.get().pickup_site == site


@pytest.mark.django_db
def test_the_sheet_of_a_workbook_is_chosen(tmp_path, commune, importer):
    # given
    content = xlsx_bytes(
        {
            "Lisez-moi": [["Rien à importer ici"]],
            "Parc": [["Type", "Marque"], ["Portable", "Dell"], ["Écran", "Iiyama"]],
        }
    )
    path = write(tmp_path, "parc.xlsx", content)

    # when
    output = run(path, "--organisation", "94016", "--sheet", "Parc")

    # then
    assert output.startswith("Imported 2 devices into Cachan from parc.xlsx")


@pytest.mark.django_db
def test_the_user_option_names_who_declares(tmp_path, commune, importer):
    # given
    staff = member(commune)
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    run(path, "--organisation", "94016", "--user", staff.username)

    # then
    assert Declaration.objects.get().created_by == staff


@pytest.mark.django_db
def test_the_default_user_is_the_first_administrator_else_the_first_member(tmp_path, commune):
    # given: a staff member joined first, then two administrators
    member(commune)
    first_admin = member(commune, role=MembershipRole.ADMIN)
    member(commune, role=MembershipRole.ADMIN)
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    run(path, "--organisation", "94016")

    # then
    assert Declaration.objects.get().created_by == first_admin

    # given: a commune with staff only
    other = MembershipFactory(organisation__name="Gentilly", organisation__insee_code="94037")
    MembershipFactory(organisation=other.organisation)
    path = write(tmp_path, "other.csv", csv_bytes([["Type", "Marque"], ["Portable", "Acer"]]))

    # when
    run(path, "--organisation", "94037")

    # then
    assert Declaration.objects.get(commune=other.organisation).created_by == other.user


# --- Exit 1. ---


@pytest.mark.django_db
def test_rejected_rows_exit_1_and_write_the_report(tmp_path, commune, importer):
    # given
    create_sample_sites(commune)
    path = write(tmp_path, "decl.csv", EXCEL_SAMPLE.read_bytes())
    report = tmp_path / "out.csv"

    # when
    status, output = run_failing(path, "--organisation", "94016", "--report", report)

    # then
    assert status == 1
    assert output == (
        f"Rejected decl.csv: 3 problems on 3 of 10 rows; nothing imported; report: {report}\n"
    )
    device_import = DeviceImport.objects.get()
    lines = report.read_bytes().decode("utf-8-sig").splitlines()
    assert lines == report_lines(device_import)
    assert [line.split(";")[0] for line in lines] == ["Line", "8", "9", "10"]
    assert inventory_counts() == {"devices": 0, "events": 0, "declarations": 0}


@pytest.mark.django_db
def test_rejected_rows_without_report_say_how_to_get_it(tmp_path, commune, importer):
    # given
    create_sample_sites(commune)
    path = write(tmp_path, "decl.csv", EXCEL_SAMPLE.read_bytes())

    # when
    status, output = run_failing(path, "--organisation", "94016", "--dry-run")

    # then
    assert status == 1
    assert output == (
        "Rejected decl.csv: 3 problems on 3 of 10 rows; nothing imported; "
        "give --report OUT.csv for the list\n"
    )
    assert list(tmp_path.glob("*.csv")) == [path]


@pytest.mark.django_db
def test_a_missing_column_is_named_in_the_summary(tmp_path, commune, importer):
    # given
    path = write(tmp_path, "x.csv", csv_bytes([["Type", "Modèle"], ["Portable", "E5"]]))

    # when
    status, output = run_failing(path, "--organisation", "94016")

    # then
    assert status == 1
    assert output == (
        "Rejected x.csv: 1 problem (first: Brand — This column is required and was not found); "
        "nothing imported; give --report OUT.csv for the list\n"
    )


@pytest.mark.django_db
def test_a_file_without_devices_is_rejected(tmp_path, commune, importer):
    # given
    path = write(tmp_path, "x.csv", csv_bytes([["Type", "Marque"]]))

    # when
    status, output = run_failing(path, "--organisation", "94016")

    # then
    assert status == 1
    assert output.startswith(
        "Rejected x.csv: 1 problem (first: The file has a header line but no device); "
    )


@pytest.mark.django_db
def test_a_file_already_imported_exits_1_and_says_so(tmp_path, commune, importer):
    # given
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())
    run(path, "--organisation", "94016")
    declaration = Declaration.objects.get()
    before = inventory_counts()

    # when
    status, output = run_failing(path, "--organisation", "94016")

    # then
    assert status == 1
    assert output.startswith("Already imported: This file was already imported on ")
    assert output.endswith(f"(declaration no. {declaration.pk}); nothing was imported again.\n")
    assert inventory_counts() == before


# --- Exit 2. ---


@pytest.mark.django_db
def test_an_unreadable_file_exits_2(tmp_path, commune, importer):
    # given
    path = write(tmp_path, "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    # when
    status, output = run_failing(path, "--organisation", "94016")

    # then
    assert status == 2
    assert output == (
        "Unreadable file: photo.csv: This file is not a CSV or XLSX table (it holds binary data).\n"
    )
    assert DeviceImport.objects.get().state == ImportState.UNREADABLE


@pytest.mark.django_db
def test_a_sheet_name_for_a_csv_file_exits_2(tmp_path, commune, importer):
    # given
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    status, output = run_failing(path, "--organisation", "94016", "--sheet", "Parc")

    # then
    assert status == 2
    assert output == (
        "Unreadable file: glpi.csv: A sheet name only applies to an XLSX, ODS or XLS file.\n"
    )


@pytest.mark.django_db
def test_an_empty_file_exits_2(tmp_path, commune, importer):
    # given
    path = write(tmp_path, "empty.csv", b"")

    # when
    refusal = refused(path, "--organisation", "94016")

    # then
    assert (refusal.returncode, str(refusal)) == (2, "The file is empty.")
    assert DeviceImport.objects.count() == 0


@pytest.mark.django_db
def test_a_file_above_the_size_limit_exits_2(tmp_path, commune, importer, settings):
    # given
    settings.BOUCLE_IMPORT_MAX_BYTES = 1_048_576
    path = write(tmp_path, "big.csv", b"Type;Marque\r\n" + b"Portable;Dell\r\n" * 80_000)

    # when
    refusal = refused(path, "--organisation", "94016")

    # then
    assert (refusal.returncode, str(refusal)) == (
        2,
        "The file is 1.1 MB; the largest file accepted is 1.0 MB.",
    )
    assert DeviceImport.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_file_exits_2(tmp_path, commune, importer):
    # when
    refusal = refused(tmp_path / "nowhere.csv", "--organisation", "94016")

    # then
    assert (refusal.returncode, str(refusal)) == (2, f"No such file: {tmp_path / 'nowhere.csv'}")


@pytest.mark.django_db
def test_a_folder_is_not_a_file(tmp_path, commune, importer):
    # when
    refusal = refused(tmp_path, "--organisation", "94016")

    # then
    assert (refusal.returncode, str(refusal)) == (2, f"No such file: {tmp_path}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("75056", "No organisation has the INSEE code or short name “75056”."),
        (
            "atelier-reemploi",
            "Atelier du Réemploi is not a commune; only a commune declares devices.",
        ),
    ],
)
def test_an_organisation_that_is_not_a_known_commune_exits_2(
    tmp_path, commune, partner, importer, code, message
):
    # given
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    refusal = refused(path, "--organisation", code)

    # then
    assert (refusal.returncode, str(refusal)) == (2, message)
    assert DeviceImport.objects.count() == 0


@pytest.mark.django_db
def test_an_inactive_commune_exits_2(tmp_path, commune, importer):
    # given
    commune.is_active = False
    commune.save(update_fields=["is_active"])
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    refusal = refused(path, "--organisation", "94016")

    # then
    assert (refusal.returncode, str(refusal)) == (2, "Cachan is not active.")


@pytest.mark.django_db
def test_an_unknown_site_exits_2(tmp_path, commune, importer, pickup_site, other_commune):
    # given: a site of another commune, and a delivery-only site, are not pickup sites of Cachan
    SiteFactory(organisation=other_commune, name="Gymnase")
    SiteFactory(organisation=commune, name="Entrepôt", is_pickup=False, is_delivery=True)
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    refusals = [
        refused(path, "--organisation", "94016", "--site", name) for name in ("Gymnase", "Entrepôt")
    ]

    # then
    assert [(refusal.returncode, str(refusal)) for refusal in refusals] == [
        (2, f"Cachan has no pickup site named “{name}”; its pickup sites: Hôtel de ville.")
        for name in ("Gymnase", "Entrepôt")
    ]
    assert DeviceImport.objects.count() == 0


@pytest.mark.django_db
def test_a_user_who_is_not_a_member_exits_2(tmp_path, commune, importer, partner_user):
    # given
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    refusals = [
        refused(path, "--organisation", "94016", "--user", username)
        for username in (partner_user.username, "nobody")
    ]

    # then
    assert [(refusal.returncode, str(refusal)) for refusal in refusals] == [
        (2, f"“{username}” is not a member of Cachan.")
        for username in (partner_user.username, "nobody")
    ]
    assert DeviceImport.objects.count() == 0


@pytest.mark.django_db
def test_a_commune_without_members_exits_2(tmp_path, commune):
    # given
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    refusal = refused(path, "--organisation", "94016")

    # then
    assert (refusal.returncode, str(refusal)) == (
        2,
        "Cachan has no member to declare the devices; give --user.",
    )


@pytest.mark.django_db
def test_a_report_in_a_missing_folder_exits_2_before_importing(tmp_path, commune, importer):
    # given
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())
    report = tmp_path / "missing" / "out.csv"

    # when
    refusal = refused(path, "--organisation", "94016", "--report", report)

    # then
    assert (refusal.returncode, str(refusal)) == (
        2,
        f"The folder of the report, {report.parent}, does not exist.",
    )
    assert DeviceImport.objects.count() == 0


# --- As a real process: one case of each exit status. ---


@pytest.fixture
def manage(transactional_db, tmp_path):
    """Run ``manage.py import_devices`` in a new process on the test database."""
    media = tmp_path / "media"
    environment = {**os.environ, "MEDIA_ROOT": str(media)}
    vendor = connection.vendor
    if vendor == "postgresql":
        database = connection.settings_dict
        credentials = quote(database["USER"] or "")
        if database["PASSWORD"]:
            credentials += ":" + quote(database["PASSWORD"])
        environment["DATABASE_URL"] = (
            f"postgres://{credentials}@{database['HOST'] or 'localhost'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    elif vendor == "sqlite":
        copy = tmp_path / "db.sqlite3"
        environment["DATABASE_URL"] = f"sqlite:///{copy}"
    else:
        pytest.skip(f"no way to share a {vendor} test database with another process")

    def _manage(*args) -> subprocess.CompletedProcess:
        if vendor == "sqlite":
            connection.ensure_connection()
            with sqlite3.connect(copy) as target:
                connection.connection.backup(target)
        try:
            return subprocess.run(
                [sys.executable, str(MANAGE), "import_devices", *[str(arg) for arg in args]],
                env=environment,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        finally:
            if vendor == "sqlite":
                with sqlite3.connect(copy) as source:
                    source.backup(connection.connection)

    return _manage


def test_process_exits_0_when_imported(manage, tmp_path, commune, importer):
    # given
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    process = manage(path, "--organisation", "94016")

    # then
    assert process.returncode == 0, process.stderr
    declaration = Declaration.objects.get()
    summary = process.stdout.splitlines()
    assert len(summary) == 1
    assert "glpi.csv" in summary[0]
    assert f" {declaration.pk}" in summary[0]
    assert Device.objects.filter(declaration=declaration).count() == 2


def test_process_exits_1_when_rows_are_rejected(manage, tmp_path, commune, importer):
    # given
    create_sample_sites(commune)
    path = write(tmp_path, "decl.csv", EXCEL_SAMPLE.read_bytes())
    report = tmp_path / "out.csv"

    # when
    process = manage(path, "--organisation", "cachan", "--report", report)

    # then
    assert process.returncode == 1, process.stderr
    assert len(process.stdout.splitlines()) == 1
    assert str(report) in process.stdout
    lines = report.read_bytes().decode("utf-8-sig").splitlines()
    assert [line.split(";")[0] for line in lines[1:]] == ["8", "9", "10"]
    assert DeviceImport.objects.get().state == ImportState.REJECTED
    assert inventory_counts() == {"devices": 0, "events": 0, "declarations": 0}


def test_process_exits_2_for_an_unreadable_file(manage, tmp_path, commune, importer):
    # given
    path = write(tmp_path, "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    # when
    process = manage(path, "--organisation", "94016")

    # then
    assert process.returncode == 2, process.stderr
    assert len(process.stdout.splitlines()) == 1
    assert "photo.csv" in process.stdout
    assert DeviceImport.objects.get().state == ImportState.UNREADABLE


def test_process_exits_2_for_a_bad_argument(manage, tmp_path, commune, importer):
    # given
    path = write(tmp_path, "glpi.csv", GLPI_SAMPLE.read_bytes())

    # when
    unknown = manage(path, "--organisation", "00000")
    missing = manage(tmp_path / "nowhere.csv", "--organisation", "94016")

    # then
    assert (unknown.returncode, missing.returncode) == (2, 2)
    assert "00000" in unknown.stderr
    assert "nowhere.csv" in missing.stderr
    assert DeviceImport.objects.count() == 0
