"""Benchmark of document rendering (issue 4), on PostgreSQL, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle .venv/bin/python bench/documents.py

For 1,000 devices, declared by a commune, collected by a partner, each with one erased
storage medium and, one in two, a grade, it renders, each in a child process whose time and
peak resident memory are read, three times in turn (the best time counts, as timeit's
documentation advises: the other runs measure the machine's other work more than this one):

- the label sheet (3 × 8 A4 layout, a QR code per label, the grade when there is one)
  through the documents module, and its limit: WeasyPrint rendering a bare, unstyled HTML
  list of the same labels' text;
- the batch erasure certificate (a summary page, then one line per medium with the NIST SP
  800-88 fields) through the documents module, and its limit: WeasyPrint rendering a bare,
  unstyled HTML list of the same lines' fields.

The bare lists are built from the documents' own stored context, so they hold the same rows.
The target is at most 2 × the limit's time and under 300 MB, for each document. Results go
to docs/PERFORMANCE.md.

Then, unless ``--without-delivery``, it runs ``bench/delivery_documents.py`` (issue 13): the
delivery note and the Factur-X invoice of a delivery of 1,000 devices, measured the same way
against the same kind of limit, at most 1.5 × and under 300 MB; that script also runs alone.
"""

from __future__ import annotations

import argparse
import datetime
import html
import io
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
MAX_RATIO = 2
MAX_PEAK_MB = 300


def _label_rows(context: dict) -> list[list[str]]:
    """The text of each label of a sheet: code, category, brand and model, grade if any."""
    return [
        [
            label["code"],
            label["category"],
            label["brand"],
            label["model"],
            f"Grade {label['grade']}" if label.get("grade") else "",
        ]
        for sheet in context["sheets"]
        for label in sheet
    ]


def _person(person: dict) -> str:
    return f"{person['name']}, {person['title']}, {person['date']}, {person['location']}"


def _certificate_rows(context: dict) -> list[list[str]]:
    """The fields of each line of a batch certificate, as its template prints them."""
    return [
        [
            line["code"],
            line["manufacturer"],
            line["device_model"],
            line["device_serial"],
            line["property_number"],
            line["media_type"],
            line["media_serial"],
            line["media_source"],
            line["level"],
            line["method"],
            line["tool"],
            line["verification_method"],
            line["destination"],
            _person(line["sanitised_by"]),
            _person(line["verified_by"]),
        ]
        for line in context["lines"]
    ]


BARE_ROWS = {"labels": _label_rows, "certificate": _certificate_rows}


def child(mode: str, number: str) -> None:
    """Render one thing in this process; print its seconds and the process's peak memory."""
    setup_django()
    from weasyprint import HTML

    from documents.models import Document
    from documents.rendering import render_pdf

    started, cpu_started = time.perf_counter(), time.process_time()
    document = Document.objects.get(number=number)
    if mode == "document":
        pdf = render_pdf(document)
        size, pages = pdf.size, None
    else:
        rows = "".join(
            "<li>" + " ".join(html.escape(str(value)) for value in row if value) + "</li>"
            for row in BARE_ROWS[mode](document.context)
        )
        rendered = HTML(string=f"<html><body><ul>{rows}</ul></body></html>").render()
        pages = len(rendered.pages)
        size = len(rendered.write_pdf())
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if pages is None:  # counted once timed and measured
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf.content)).pages)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "peak_mb": peak_mb,
                "size": size,
                "pages": pages,
            }
        )
    )


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


def prepare() -> dict[str, str]:
    """1,000 devices declared by a commune and collected by a partner, each with an erased
    medium, one in two graded; their label sheet and batch certificate requested (not
    rendered). The numbers of both documents."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from inventory.labels import label_sheet_request
    from inventory.models import Device
    from inventory.services import declaration_create
    from organisations.choices import OrganisationKind
    from organisations.services import membership_create, organisation_create, site_create
    from reuse.checklists import checklist_for
    from reuse.choices import MediumType, SanitisationLevel
    from reuse.services import (
        collection_record,
        devices_claim,
        diagnosis_record,
        erasure_batch_certificate_issue,
        erasure_record_create,
        grading_record,
        medium_add,
    )

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
    partner = organisation_create(
        kind=OrganisationKind.PARTNER,
        name="Atelier du Réemploi",
        slug="atelier-reemploi",
        siret="73282932000074",
        email="atelier@example.org",
        esus_approval_reference="ESUS-94-0001",
    )
    user = get_user_model().objects.create(username="bench")
    workshop = get_user_model().objects.create(username="bench-workshop")
    membership_create(organisation=commune, user=user)
    membership_create(organisation=partner, user=workshop)
    catalogue = [
        ("laptop", "Dell", "Latitude 5490", MediumType.SSD),
        ("desktop", "HP", "ProDesk 600 G4", MediumType.HDD),
        ("laptop", "Lenovo", "ThinkPad T480", MediumType.NVME),
        ("desktop", "Dell", "OptiPlex 7060", MediumType.SSD),
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
                "asset_tag": f"CACHAN-{number:05d}",
                "purchase_date": datetime.date(2018, 3, 12),
            }
            for number, (category, brand, model, _medium) in enumerate(
                catalogue[index % len(catalogue)] for index in range(DEVICES)
            )
        ],
    )
    devices = list(declaration.devices.order_by("pk"))
    finished = timezone.now() - datetime.timedelta(days=1)
    devices_claim(partner=partner, user=workshop, devices=devices)
    collection_record(
        partner=partner,
        user=workshop,
        devices=devices,
        collected_on=timezone.localdate() - datetime.timedelta(days=2),
        site=None,
        commune_signatory="Claire Dubois",
        commune_signatory_title="DSI",
        partner_signatory="Karim Benali",
        partner_signatory_title="Responsable d'atelier",
    )
    # Each record in its own transaction: the services are the outermost (durable) ones.
    for index, device in enumerate(
        Device.objects.filter(pk__in=[d.pk for d in devices]).order_by("pk")
    ):
        medium = medium_add(
            partner=partner,
            user=workshop,
            device=device,
            type=catalogue[index % len(catalogue)][3],
            model="Samsung PM981",
            serial=f"S4EWNX0M{index:06d}",
            capacity_gb=256,
        )
        erasure_record_create(
            partner=partner,
            user=workshop,
            medium=medium,
            level=SanitisationLevel.PURGE,
            method="ATA Secure Erase",
            tool="hdparm",
            tool_version="9.65",
            verification_method="Read-back sampling",
            result="passed",
            operator_name="Karim Benali",
            operator_title="Technicien",
            verifier_name="Inès Moreau",
            verifier_title="Responsable qualité",
            started_at=finished - datetime.timedelta(hours=1),
            finished_at=finished,
            location="Atelier de Bagneux",
            destination="Réemploi",
        )
        if index % 2 == 0:
            diagnosis_record(
                device=device,
                organisation=partner,
                user=workshop,
                items=[
                    {"check": check, "result": "ok", "note": ""}
                    for check in checklist_for(device.category)
                ],
                result="works",
            )
            grading_record(
                device=device,
                organisation=partner,
                user=workshop,
                grade="ABC"[index % 3],
            )
    codes = [device.code for device in devices]
    # Requested without running the on-commit render: the child renders it, timed.
    with transaction.atomic():
        labels = label_sheet_request(
            organisation=partner,
            codes=codes,
            layout="3x8",
            user=workshop,
            passport_url=lambda code: f"https://boucle.example.org/d/{code}/",
        )
        certificate = erasure_batch_certificate_issue(
            partner=partner, user=workshop, devices=devices
        )
    return {"labels": labels.number, "certificate": certificate.number}


RUNS = 3
# What is rendered: a document, or the bare list of its rows (the limit), of which document.
RENDERS = {
    "labels": ("document", "labels"),
    "labels_limit": ("labels", "labels"),
    "certificate": ("document", "certificate"),
    "certificate_limit": ("certificate", "certificate"),
}


def _summary(runs: list[dict]) -> dict:
    """The best times of the runs, their highest peak memory, the size and pages of one."""
    return {
        **runs[0],
        "seconds": min(run["seconds"] for run in runs),
        "cpu_seconds": min(run["cpu_seconds"] for run in runs),
        "peak_mb": max(run["peak_mb"] for run in runs),
    }


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("MODE", "NUMBER"))
    parser.add_argument(
        "--without-delivery",
        action="store_true",
        help="leave out the delivery note and the invoice (bench/delivery_documents.py)",
    )
    options = parser.parse_args()
    if options.child:
        child(*options.child)
        return

    setup_django()
    from django.db import connection

    from bench.import_devices import _database_url

    database = create_database()
    try:
        from unittest import mock

        from config.celery import app

        app.conf.task_always_eager = False  # keep the renders for the timed children
        with mock.patch("documents.services.enqueue_on_commit"):
            numbers = prepare()
        url = _database_url(database)
        # Each render RUNS times, a document and its limit in turn, so that a busy machine
        # slows both alike; the best time (the least disturbed run) and the highest peak count.
        runs: dict[str, list[dict]] = {key: [] for key in RENDERS}
        for _ in range(RUNS):
            for key, (mode, document) in RENDERS.items():
                runs[key].append(run_child(mode, numbers[document], url))
    finally:
        connection.close()
        destroy_database(database)

    labels, labels_limit, certificate, certificate_limit = (_summary(runs[key]) for key in RENDERS)
    measured = [
        (
            "label sheet",
            f"label sheet, 3 × 8 A4 layout, one QR code per label, the grade of the graded half "
            f"({DEVICES:,} labels, {labels['pages']} pages)",
            labels,
            labels_limit,
        ),
        (
            "batch erasure certificate",
            f"batch erasure certificate, a summary page then one line per medium, NIST SP 800-88 "
            f"fields ({DEVICES:,} devices, {DEVICES:,} media, {certificate['pages']} pages)",
            certificate,
            certificate_limit,
        ),
    ]
    rows = []
    targets = []
    for name, description, document, limit in measured:
        ratio = document["seconds"] / limit["seconds"]
        cpu_ratio = document["cpu_seconds"] / limit["cpu_seconds"]
        rows += [
            f"| {description} | {document['seconds']:.2f} | {document['cpu_seconds']:.2f} | "
            f"{document['peak_mb']:.0f} MB | {document['size'] / 1024:.0f} KiB |",
            f"| limit: WeasyPrint, bare unstyled HTML list of the same rows "
            f"({limit['pages']} pages) | {limit['seconds']:.2f} | {limit['cpu_seconds']:.2f} | "
            f"{limit['peak_mb']:.0f} MB | {limit['size'] / 1024:.0f} KiB |",
        ]
        targets += [
            f"| {name} ≤ {MAX_RATIO} × its limit | {ratio:.2f} × (CPU time: {cpu_ratio:.2f} ×) | "
            f"{_verdict(ratio <= MAX_RATIO)} |",
            f"| {name} peak memory < {MAX_PEAK_MB} MB | {document['peak_mb']:.0f} MB "
            f"(whole process) | {_verdict(document['peak_mb'] < MAX_PEAK_MB)} |",
        ]
    report = "\n".join(
        [
            "## Documents (issue 4)",
            "",
            "Reproduce: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/boucle "
            ".venv/bin/python bench/documents.py`",
            "",
            f"Measured {datetime.date.today():%Y-%m-%d} on this project's machine (2 cores), "
            f"{DEVICES:,} devices collected by a partner, each with one erased medium, one in "
            f"two graded; each render in its own process, {RUNS} times, a document and its "
            "limit in turn: the best time and the highest peak memory.",
            "",
            "| render | seconds | CPU seconds | peak memory | PDF size |",
            "| --- | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            "| target | measured | verdict |",
            "| --- | --- | --- |",
            *targets,
            "",
            "Each limit lists the text of the same rows, read from the document's stored context "
            "(a label: code, category, brand and model, grade; a certificate line: every field "
            "it prints). Times include reading the document from the database, the "
            "template and the PDF written to memory. The verdict is on the elapsed time; the "
            "rendering process's CPU time, less disturbed by the machine's other work, is shown "
            "for comparison. The peak memory is the rendering process's maximum resident set, "
            "Django included.",
        ]
    )
    write_section("documents", report)
    print(report)
    if not options.without_delivery:
        # Issue 13's documents, in their own run: their own database and report section.
        subprocess.run(
            [sys.executable, str(Path(__file__).with_name("delivery_documents.py"))], check=True
        )


if __name__ == "__main__":
    main()
