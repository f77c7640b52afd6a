"""Benchmark of the device import (issue 3), on PostgreSQL, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle .venv/bin/python bench/import_devices.py
    (add --million to also import a 1,000,000-row file and record its peak memory)

It creates a throw-away ``test_…`` database, generates realistic rows as a French Excel CSV
(Windows-1252, semicolons, dd/mm/yyyy, decimal commas) and measures:

(a) Boucle's import end to end: read, validate, stage, check duplicates, insert the devices and
    their events, commit; in a child process, whose peak resident memory is read too;
(b) the physical limit: a raw COPY of the same rows, already clean, into a table of the same
    shape as ``inventory_device`` (its columns, indexes, constraints and foreign keys), committed;
    the same COPY into a bare table (no index, no key) is shown for reference;
(c) django-import-export's ``ModelResource`` importing a slice of the same rows, given already
    in the model's shape (kinder to it than a French file): what a Django developer would pick.

Results go to docs/PERFORMANCE.md, between this benchmark's markers.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import create_database, destroy_database, setup_django, write_section

HEADER = (
    "Type;Marque;Modèle;N° de série;N° d'inventaire;Date d'achat;Processeur;Mémoire (Go);"
    "Stockage (Go);Type de stockage;Écran (pouces);Système;État;Lieu d'enlèvement;Remarques"
)
CATALOGUE = [
    ("Portable", "Dell", "Latitude 5490", "Intel Core i5-8350U", "14", 2018),
    ("Portable", "Lenovo", "ThinkPad T480", "Intel Core i5-8250U", "14", 2018),
    ("Portable", "HP", "EliteBook 840 G5", "Intel Core i7-8650U", "14", 2018),
    ("Portable", "Dell", "Latitude 7400", "Intel Core i5-8365U", "14", 2019),
    ("Unité centrale", "HP", "ProDesk 600 G4", "Intel Core i5-8500", "", 2018),
    ("Unité centrale", "Dell", "OptiPlex 7060", "Intel Core i5-8500", "", 2018),
    ("Unité centrale", "Lenovo", "ThinkCentre M720q", "Intel Core i3-8100T", "", 2019),
    ("Écran", "Iiyama", "ProLite XU2492HSU", "", "23,8", 2019),
    ("Écran", "Dell", "P2419H", "", "23,8", 2019),
    ("Tablette", "Apple", "iPad 7e génération", "", "10,2", 2020),
    ("Téléphone", "Samsung", "Galaxy A52", "", "6,5", 2021),
    ("Imprimante", "Brother", "HL-L2350DW", "", "", 2017),
]
SITES = ["Hôtel de ville", "Centre technique municipal", "Médiathèque", "École Jean-Jaurès"]
STATES = ["Fonctionne", "Fonctionne", "Lent", "Rayure légère", "Batterie faible"]
NOTES = ["", "", "", "Chargeur fourni", "Écran livré à part", "Sans disque"]
COPY_COLUMNS = (
    "code, category, brand, model, serial_number, identity_key, asset_tag, purchase_date, cpu, "
    "ram_gb, storage_gb, storage_type, screen_size_inches, operating_system, data_bearing, "
    "data_bearing_overridden, condition_notes, commune_id, holder_id, declaration_id, "
    "pickup_site_id, state, created_at, updated_at"
)


def generate(path: Path, rows: int, *, seed: int = 2026, first: int = 0) -> None:
    """A declaration file as a commune's Excel would save it; its serial numbers and asset
    tags count from ``first``, so that files generated one after the other hold different
    devices."""
    rng = random.Random(seed)
    with path.open("w", encoding="cp1252", newline="") as file:
        file.write(HEADER + "\r\n")
        for number in range(first, first + rows):
            kind, brand, model, cpu, screen, year = rng.choice(CATALOGUE)
            computer = kind in {"Portable", "Unité centrale"}
            purchase = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
            file.write(
                ";".join(
                    (
                        kind,
                        brand,
                        model,
                        f"{brand[:2].upper()}{number:09d}",
                        f"INV-{year}-{number:07d}",
                        purchase.strftime("%d/%m/%Y"),
                        cpu,
                        rng.choice(["4", "8", "16"]) if computer else "",
                        rng.choice(["128", "256", "500", "512"]) if computer else "",
                        rng.choice(["SSD", "HDD", "NVMe"]) if computer else "",
                        screen,
                        "Windows 10 Pro" if computer else "",
                        rng.choice(STATES),
                        rng.choice(SITES),
                        rng.choice(NOTES),
                    )
                )
                + "\r\n"
            )


def prepare_territory():
    from django.contrib.auth import get_user_model

    from organisations.choices import OrganisationKind
    from organisations.services import membership_create, organisation_create, site_create

    commune = organisation_create(
        kind=OrganisationKind.COMMUNE, name="Cachan", slug="cachan", insee_code="94016"
    )
    for name in SITES:
        site_create(
            organisation=commune,
            name=name,
            address="1 place de la République",
            postal_code="94230",
            city="Cachan",
        )
    user = get_user_model().objects.create(username="bench")
    membership_create(organisation=commune, user=user)
    return commune, user


def child_import(path: str) -> None:
    """(a), in its own process: import the file as Cachan's agent; print figures as JSON."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from inventory.imports.services import device_import_create
    from inventory.models import DeviceCount, DeviceStepCount
    from organisations.models import Organisation

    commune = Organisation.objects.get(slug="cachan")
    user = get_user_model().objects.get(username="bench")
    counting = {"seconds": 0.0}

    def time_the_counts(execute, sql, params, many, context):
        """Time the statements writing the device counts (issue 11) and the step counts (issue
        14), part of the import: the upserts, and the staged rows counted by category."""
        tables = (DeviceCount._meta.db_table, DeviceStepCount._meta.db_table)
        if not any(table in sql for table in tables) and "GROUP BY category" not in sql:
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            counting["seconds"] += time.perf_counter() - started

    started = time.perf_counter()
    with connection.execute_wrapper(time_the_counts), open(path, "rb") as file:
        device_import = device_import_create(
            user=user,
            commune=commune,
            file=file,
            original_name=Path(path).name,
            size=os.path.getsize(path),
            run_now=True,
        )
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "counts_seconds": counting["seconds"],
                "state": device_import.state,
                "rows": device_import.rows_valid,
                "message": device_import.message,
                "peak_mb": peak_mb,
            }
        )
    )


def run_child(path: Path, database: str) -> dict:
    environment = dict(os.environ)
    environment["DATABASE_URL"] = _database_url(database)
    environment["BOUCLE_IMPORT_MAX_BYTES"] = str(10 * 1024**3)
    environment["LOG_LEVEL"] = "WARNING"
    output = subprocess.run(
        [sys.executable, __file__, "--child-import", str(path)],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _database_url(database: str) -> str:
    from django.db import connection

    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{database}"
    )


def clean_rows(commune, declaration, count: int, *, prefix: str):
    """The benchmark's rows as inventory_device holds them, for COPY and import-export."""
    from inventory.imports.staging import new_codes
    from inventory.models import identity_key

    rng = random.Random(7)
    site = commune.sites.first()
    now = datetime.datetime.now(datetime.UTC)
    codes = new_codes(count)
    categories = {
        "Portable": "laptop",
        "Unité centrale": "desktop",
        "Écran": "monitor",
        "Tablette": "tablet",
        "Téléphone": "smartphone",
        "Imprimante": "printer",
    }
    for number in range(count):
        kind, brand, model, cpu, screen, year = rng.choice(CATALOGUE)
        serial = f"{prefix}{number:09d}"
        yield (
            codes[number],
            categories[kind],
            brand,
            model,
            serial,
            identity_key(brand, serial),
            f"INV-{year}-{number:07d}",
            datetime.date(year, 3, 12),
            cpu,
            Decimal("8.00"),
            256,
            "ssd",
            Decimal(screen.replace(",", ".")) if screen else None,
            "Windows 10 Pro",
            True,
            False,
            "Fonctionne",
            commune.pk,
            commune.pk,
            declaration.pk,
            site.pk,
            "declared",
            now,
            now,
        )


def copy_limit(commune, user, count: int) -> tuple[float, float]:
    """(b): COPY into a copy of inventory_device with its keys, then into a bare table."""
    from django.db import connection, transaction

    from inventory.models import Declaration

    declaration = Declaration.objects.create(commune=commune, created_by=user, source="file")
    rows = list(clean_rows(commune, declaration, count, prefix="CP"))
    timings = []
    for shape in ("full", "bare"):
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_device_copy")
            if shape == "full":
                cursor.execute(
                    "CREATE TABLE bench_device_copy (LIKE inventory_device INCLUDING ALL)"
                )
                for column, table in (
                    ("commune_id", "organisations_organisation"),
                    ("holder_id", "organisations_organisation"),
                    ("declaration_id", "inventory_declaration"),
                    ("pickup_site_id", "organisations_site"),
                ):
                    cursor.execute(
                        f"ALTER TABLE bench_device_copy ADD FOREIGN KEY ({column}) "
                        f"REFERENCES {table} (id) DEFERRABLE INITIALLY DEFERRED"
                    )
            else:
                cursor.execute(
                    "CREATE TABLE bench_device_copy "
                    "(LIKE inventory_device INCLUDING DEFAULTS INCLUDING IDENTITY)"
                )
        started = time.perf_counter()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.copy(f"COPY bench_device_copy ({COPY_COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        timings.append(time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_device_copy")
    return timings[0], timings[1]


def import_export_slice(commune, user, count: int) -> float:
    """(c): django-import-export's ModelResource, default settings, natural key ``code``."""
    import tablib
    from import_export import resources

    from inventory.models import Declaration, Device

    class DeviceResource(resources.ModelResource):
        class Meta:
            model = Device
            import_id_fields = ("code",)
            fields = tuple(
                name.strip().removesuffix("_id")
                for name in COPY_COLUMNS.split(",")
                if name.strip() not in {"state", "created_at", "updated_at", "identity_key"}
            )

    declaration = Declaration.objects.create(commune=commune, created_by=user, source="file")
    headers = [name.strip().removesuffix("_id") for name in COPY_COLUMNS.split(",")]
    keep = [headers.index(name) for name in DeviceResource.Meta.fields]
    dataset = tablib.Dataset(headers=list(DeviceResource.Meta.fields))
    for row in clean_rows(commune, declaration, count, prefix="IE"):
        dataset.append([row[index] for index in keep])
    started = time.perf_counter()
    result = DeviceResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    assert result.totals["new"] == count, result.totals
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--slice", type=int, default=10_000)
    parser.add_argument("--million", action="store_true")
    parser.add_argument("--child-import")
    options = parser.parse_args()
    if options.child_import:
        child_import(options.child_import)
        return

    setup_django()
    from django.db import connection

    database = create_database()
    try:
        commune, user = prepare_territory()
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "declaration.csv"
            generate(path, options.rows)
            size_mb = path.stat().st_size / 1_048_576
            boucle = run_child(path, database)
            assert boucle["state"] == "imported", boucle
            full_copy, bare_copy = copy_limit(commune, user, options.rows)
            import_export = import_export_slice(commune, user, options.slice)
            million = None
            if options.million:
                big = Path(folder) / "million.csv"
                generate(big, 1_000_000, seed=1_000_000)
                with connection.cursor() as cursor:
                    cursor.execute(
                        "TRUNCATE inventory_devicecount, inventory_devicestepcount, "
                        "inventory_deviceevent, inventory_device CASCADE"
                    )
                million = run_child(big, database)
                million["size_mb"] = big.stat().st_size / 1_048_576
    finally:
        connection.close()
        destroy_database(database)

    rows = options.rows
    boucle_rate = rows / boucle["seconds"]
    import_export_rate = options.slice / import_export
    ratio_copy = boucle["seconds"] / full_copy
    speedup = boucle_rate / import_export_rate
    counts_share = 100 * boucle["counts_seconds"] / boucle["seconds"]
    lines = [
        "## Device import (issue 3)",
        "",
        "Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle "
        ".venv/bin/python bench/import_devices.py" + (" --million" if million else "") + "`",
        "",
        f"Measured {datetime.date.today():%Y-%m-%d} on this project's machine (2 cores, "
        f"PostgreSQL {connection.pg_version // 10000}), {rows:,} rows "
        f"({size_mb:.1f} MB, French Excel CSV).",
        "",
        "| run | rows | seconds | rows/s |",
        "| --- | ---: | ---: | ---: |",
        f"| (a) Boucle import, end to end (file → devices + events, committed) | {rows:,} | "
        f"{boucle['seconds']:.2f} | {boucle_rate:,.0f} |",
        f"| (b) raw COPY into a table shaped like `inventory_device` (indexes, constraints, "
        f"foreign keys), committed | {rows:,} | {full_copy:.2f} | {rows / full_copy:,.0f} |",
        f"| (b′) raw COPY into a bare table (no index, no key), for reference | {rows:,} | "
        f"{bare_copy:.2f} | {rows / bare_copy:,.0f} |",
        f"| (c) django-import-export `ModelResource`, rows already in model shape | "
        f"{options.slice:,} | {import_export:.2f} | {import_export_rate:,.0f} |",
        "",
        "| target | measured | verdict |",
        "| --- | --- | --- |",
        f"| (a) ≤ 3 × (b) | {ratio_copy:.2f} × | {'met' if ratio_copy <= 3 else 'NOT met'} |",
        f"| (a) ≥ 20 × faster per row than (c) | {speedup:.1f} × | "
        f"{'met' if speedup >= 20 else 'NOT met'} |",
        f"| peak memory of (a) < 300 MB | {boucle['peak_mb']:.0f} MB (whole process) | "
        f"{'met' if boucle['peak_mb'] < 300 else 'NOT met'} |",
        f"| the device and step counts cost (a) at most 10 % (issues 11, 14) | "
        f"{boucle['counts_seconds'] * 1000:,.0f} ms, {counts_share:.2f} % of (a) | "
        f"{'met' if counts_share <= 10 else 'NOT met'} |",
    ]
    if million:
        lines.append(
            f"| 1,000,000 rows import without running out of memory | {million['state']}, "
            f"{million['seconds']:.1f} s, {million['size_mb']:.0f} MB file, peak "
            f"{million['peak_mb']:.0f} MB | "
            f"{'met' if million['state'] == 'imported' else 'NOT met'} |"
        )
    lines += [
        "",
        "(a) writes one `declared` event per device besides the device, which (b) does not, "
        "and adds the devices to the device counts (one `INSERT … SELECT … GROUP BY "
        "category`) and their `declared` step to the step counts (the staged rows counted by "
        "category, then an upsert a category), statements timed inside (a) on their own; (b) "
        "includes the deferred foreign-key checks "
        "run at commit, as (a) does. The peak memory is the importing process's maximum "
        "resident set, Django included.",
    ]
    report = "\n".join(lines)
    write_section("import_devices", report)
    print(report)


if __name__ == "__main__":
    main()
