"""The waste register as a CSV file, one line per shipment, with the fields of R.541-43.

The arrêté of 31 May 2021 lists what a producer's register keeps for each waste shipped: the
date, the waste's name and code, the quantity, the destination facility and its treatment
code, the transporter, the tracking-slip number and, when an eco-organism takes the waste, its
name and SIREN. The headers are in the page's language; cells go through
:func:`inventory.tabular.csv_cell` (French dates and decimal commas, no formula).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.tabular import csv_cell
from reuse.models import WasteRecord

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
ROWS_PER_CHUNK = 200


def register_headers() -> list[str]:
    return [
        _("Shipping date"),
        _("Waste name"),
        _("Waste code"),
        _("Quantity (t)"),
        _("Weight (kg)"),
        _("Number of devices"),
        _("Devices"),
        _("Producer"),
        _("Producer's SIRET"),
        _("Transporter"),
        _("Transporter's SIREN"),
        _("Destination facility"),
        _("Destination address"),
        _("Treatment code"),
        _("Tracking-slip number"),
        _("Taken by"),
        _("Eco-organism or recycler"),
        _("SIREN of the eco-organism or recycler"),
        _("Eco-organism"),
        _("Eco-organism's SIREN"),
    ]


def register_row(record: WasteRecord) -> list[Any]:
    """The record's cells in the order of :func:`register_headers`; its devices prefetched."""
    codes = [device.code for device in record.devices.all()]
    return [
        record.shipped_on,
        record.waste_name,
        record.waste_code,
        record.weight_tonnes,
        record.weight_kg,
        len(codes),
        " ".join(codes),
        record.partner.name,
        record.partner.siret,
        record.transporter_name,
        record.transporter_siren,
        record.destination_name,
        record.destination_address,
        record.treatment_code,
        record.tracking_slip,
        str(record.get_taker_kind_display()),
        record.taker_name,
        record.taker_siren,
        record.taker_name if record.eco_organism else "",
        record.taker_siren if record.eco_organism else "",
    ]


def register_filename(*, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    return f"boucle-registre-dechets-{today:%Y-%m-%d}.csv"


def register_response(records: QuerySet[WasteRecord]) -> StreamingHttpResponse:
    """The register as a CSV file to download, written as it streams."""
    response = StreamingHttpResponse(register_csv_chunks(records), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{register_filename()}"'
    return response


def register_csv_chunks(records: QuerySet[WasteRecord]) -> Iterator[str]:
    """The CSV file in pieces: UTF-8 with a byte order mark (Excel needs it), ``;``-separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(register_headers())
    for count, record in enumerate(records, start=1):
        writer.writerow([csv_cell(value) for value in register_row(record)])
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
