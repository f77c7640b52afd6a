"""Benchmark of document rendering (issue 4), on PostgreSQL, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle .venv/bin/python bench/documents.py

For 1,000 devices it renders, each in a child process whose time and peak resident memory are
read: the label sheet (3 × 8 A4 layout, a QR code per label) through the documents module,
and the limit: WeasyPrint rendering a bare, unstyled HTML list of the same rows. The target
is at most 2 × the limit's time and under 300 MB. The batch erasure certificate joins this
benchmark when the erasure step exists. Results go to docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import create_database, destroy_database, setup_django, write_section

DEVICES = 1000


def child(mode: str, number: str) -> None:
    """Render one thing in this process; print its seconds and the process's peak memory."""
    setup_django()
    from weasyprint import HTML

    from documents.models import Document
    from documents.rendering import render_pdf
    from inventory.models import Device

    started = time.perf_counter()
    if mode == "document":
        pdf = render_pdf(Document.objects.get(number=number))
        size, pages = pdf.size, None
    else:
        rows = "".join(
            f"<li>{html.escape(code)} {html.escape(brand)} {html.escape(model)} "
            f"{html.escape(serial)}</li>"
            for code, brand, model, serial in Device.objects.order_by("pk").values_list(
                "code", "brand", "model", "serial_number"
            )
        )
        document = HTML(string=f"<html><body><ul>{rows}</ul></body></html>").render()
        pages = len(document.pages)
        size = len(document.write_pdf())
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "size": size, "pages": pages}))


def run_child(mode: str, number: str, database_url: str) -> dict:
    environment = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"}
    output = subprocess.run(
        [sys.executable, __file__, "--child", mode, number],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def prepare() -> str:
    """1,000 declared devices of a commune, and their label sheet requested (not rendered)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from inventory.labels import label_sheet_request
    from inventory.services import declaration_create
    from organisations.choices import OrganisationKind
    from organisations.services import membership_create, organisation_create, site_create

    commune = organisation_create(
        kind=OrganisationKind.COMMUNE, name="Cachan", slug="cachan", insee_code="94016"
    )
    site = site_create(
        organisation=commune,
        name="Hôtel de ville",
        address="Square de la Libération",
        postal_code="94230",
        city="Cachan",
    )
    user = get_user_model().objects.create(username="bench")
    membership_create(organisation=commune, user=user)
    catalogue = [
        ("laptop", "Dell", "Latitude 5490"),
        ("desktop", "HP", "ProDesk 600 G4"),
        ("monitor", "Iiyama", "ProLite XU2492HSU"),
        ("laptop", "Lenovo", "ThinkPad T480"),
    ]
    declaration = declaration_create(
        user=user,
        commune=commune,
        pickup_site=site,
        descriptions=[
            {
                "category": category,
                "brand": brand,
                "model": model,
                "serial_number": f"BN{number:08d}",
                "purchase_date": datetime.date(2018, 3, 12),
            }
            for number, (category, brand, model) in enumerate(
                catalogue[index % len(catalogue)] for index in range(DEVICES)
            )
        ],
    )
    codes = list(declaration.devices.order_by("pk").values_list("code", flat=True))
    # Requested without running the on-commit render: the child renders it, timed.
    with transaction.atomic():
        document = label_sheet_request(
            organisation=commune,
            codes=codes,
            layout="3x8",
            user=user,
            passport_url=lambda code: f"https://boucle.example.org/d/{code}/",
        )
        transaction.set_rollback(False)
    return document.number


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("MODE", "NUMBER"))
    options = parser.parse_args()
    if options.child:
        child(*options.child)
        return

    setup_django()
    from django.db import connection

    from bench.import_devices import _database_url

    database = create_database()
    try:
        from config.celery import app

        app.conf.task_always_eager = False  # keep the render for the timed child
        from unittest import mock

        with mock.patch("documents.services._queue_render"):
            number = prepare()
        url = _database_url(database)
        labels = run_child("document", number, url)
        limit = run_child("bare", number, url)
    finally:
        connection.close()
        destroy_database(database)

    ratio = labels["seconds"] / limit["seconds"]
    report = "\n".join(
        [
            "## Documents (issue 4)",
            "",
            "Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle "
            ".venv/bin/python bench/documents.py`",
            "",
            f"Measured {datetime.date.today():%Y-%m-%d} on this project's machine (2 cores), "
            f"{DEVICES:,} devices, each rendering in its own process.",
            "",
            "| render | seconds | peak memory | PDF size |",
            "| --- | ---: | ---: | ---: |",
            f"| label sheet, 3 × 8 A4 layout, one QR code per label ({DEVICES:,} labels, "
            f"{-(-DEVICES // 24)} pages) | {labels['seconds']:.2f} | "
            f"{labels['peak_mb']:.0f} MB | "
            f"{labels['size'] / 1024:.0f} KiB |",
            f"| limit: WeasyPrint, bare unstyled HTML list of the same rows "
            f"({limit['pages']} pages) "
            f"| {limit['seconds']:.2f} | {limit['peak_mb']:.0f} MB | "
            f"{limit['size'] / 1024:.0f} KiB |",
            "",
            "| target | measured | verdict |",
            "| --- | --- | --- |",
            f"| label sheet ≤ 2 × the limit | {ratio:.2f} × | "
            f"{'met' if ratio <= 2 else 'NOT met'} |",
            f"| label sheet peak memory < 300 MB | {labels['peak_mb']:.0f} MB (whole process) | "
            f"{'met' if labels['peak_mb'] < 300 else 'NOT met'} |",
            "",
            "The batch erasure certificate is not measured yet: the erasure step is still to come.",
        ]
    )
    write_section("documents", report)
    print(report)


if __name__ == "__main__":
    main()
