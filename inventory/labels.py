"""Label sheets: standard A4 label layouts and the service that requests a sheet as a PDF.

Each label carries the device's code, category, brand, model, what the apps above inventory
add (the cosmetic grade, registered by reuse: see :func:`register_label_details`), and a QR code
opening the device's passport (``/d/<code>/``). The sheet is a document of the documents
module (kind ``label_sheet``), owned by the organisation that prints it; it may print only the
devices it may see.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import qrcode
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from common.errors import NotFound, PermissionDenied, ValidationFailed
from documents.choices import DocumentKind
from documents.models import Document
from documents.services import document_request
from inventory import permissions, selectors
from inventory.models import Device
from organisations.models import Organisation

LABEL_SHEET_TEMPLATE = "inventory/documents/label_sheet.html"

# What an app above inventory adds to labels: given the devices of a sheet, each one's extra
# lines by device pk (``{"grade": "B"}``), read in a constant number of queries.
LabelDetailProvider = Callable[[list[Device]], Mapping[int, Mapping[str, str]]]
_label_detail_providers: list[LabelDetailProvider] = []


def register_label_details(provider: LabelDetailProvider) -> LabelDetailProvider:
    """Let ``provider`` add details to every label (once, however often it registers).

    The hook by which a higher app (reuse and its grade) prints on labels without inventory
    importing it (rule 14); register in the app's ``AppConfig.ready()``.
    """
    if provider not in _label_detail_providers:
        _label_detail_providers.append(provider)
    return provider


def unregister_label_details(provider: LabelDetailProvider) -> None:
    """Remove a provider registered with :func:`register_label_details` (for tests)."""
    if provider in _label_detail_providers:
        _label_detail_providers.remove(provider)


def label_details(devices: Iterable[Device]) -> dict[int, dict[str, str]]:
    """Every registered provider's details for ``devices``, by device pk; empty values left
    out, a later provider's value kept over an earlier one's."""
    devices = list(devices)
    details: dict[int, dict[str, str]] = {}
    for provider in _label_detail_providers:
        for pk, values in provider(devices).items():
            details.setdefault(pk, {}).update(
                {key: value for key, value in values.items() if value}
            )
    return details


# One sheet request prints at most this many labels (the benchmark prints 1,000).
MAX_LABELS = 2000


@dataclass(frozen=True)
class LabelLayout:
    """A sheet of ``columns`` × ``rows`` labels on A4 paper; every length in millimetres."""

    key: str
    name: str
    columns: int
    rows: int
    label_width: Decimal
    label_height: Decimal
    margin_top: Decimal
    margin_left: Decimal
    column_gap: Decimal = Decimal("0")
    row_gap: Decimal = Decimal("0")
    page_width: Decimal = Decimal("210")
    page_height: Decimal = Decimal("297")

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    @property
    def margin_right(self) -> Decimal:
        used = self.columns * self.label_width + (self.columns - 1) * self.column_gap
        return self.page_width - self.margin_left - used

    @property
    def margin_bottom(self) -> Decimal:
        used = self.rows * self.label_height + (self.rows - 1) * self.row_gap
        return self.page_height - self.margin_top - used

    def position(self, index: int) -> tuple[Decimal, Decimal]:
        """The top and left offsets (mm, from the page's margins) of the label ``index``."""
        row, column = divmod(index % self.per_sheet, self.columns)
        return (
            row * (self.label_height + self.row_gap),
            column * (self.label_width + self.column_gap),
        )

    def as_context(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "columns": self.columns,
            "rows": self.rows,
            "label_width": str(self.label_width),
            "label_height": str(self.label_height),
            "margin_top": str(self.margin_top),
            "margin_right": str(self.margin_right),
            "margin_bottom": str(self.margin_bottom),
            "margin_left": str(self.margin_left),
            # One CSS rule a place on the sheet, rather than a style on every label.
            "slots": [
                {"slot": index, "top": str(top), "left": str(left)}
                for index in range(self.per_sheet)
                for top, left in [self.position(index)]
            ],
        }


LAYOUTS: dict[str, LabelLayout] = {
    layout.key: layout
    for layout in (
        # 3 × 8 labels of 70 × 37 mm, edge to edge (Avery 3474 and equivalents).
        LabelLayout(
            key="3x8",
            name=gettext_lazy("3 × 8 labels, 70 × 37 mm (24 a sheet)"),
            columns=3,
            rows=8,
            label_width=Decimal("70"),
            label_height=Decimal("37"),
            margin_top=Decimal("0.5"),
            margin_left=Decimal("0"),
        ),
        # 2 × 7 labels of 99.1 × 38.1 mm (Avery L7163 and equivalents).
        LabelLayout(
            key="2x7",
            name=gettext_lazy("2 × 7 labels, 99.1 × 38.1 mm (14 a sheet)"),
            columns=2,
            rows=7,
            label_width=Decimal("99.1"),
            label_height=Decimal("38.1"),
            margin_top=Decimal("15.15"),
            margin_left=Decimal("4.65"),
            column_gap=Decimal("2.5"),
        ),
    )
}
DEFAULT_LAYOUT = "3x8"


def layout_choices() -> list[tuple[str, str]]:
    return [(layout.key, str(layout.name)) for layout in LAYOUTS.values()]


def qr_code_data_uri(url: str) -> str:
    """A QR code of ``url`` as a PNG ``data:`` URI, for an ``<img>`` of a document.

    One pixel a module: the label sheet scales it up without smoothing (``image-rendering:
    pixelated``), so the modules print as sharp squares at any size, while the PDF embeds a
    tiny image. WeasyPrint draws an SVG QR code, or encodes a large PNG, many times slower
    (bench/documents.py).
    """
    image = qrcode.make(
        url,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=1,
        box_size=1,
    )
    buffer = io.BytesIO()
    # Grey levels rather than one bit a pixel: WeasyPrint reads an 8-bit grey PNG as it comes
    # and embeds it grey, while it converts a one-bit image to colour and encodes it once more.
    image.get_image().convert("L").save(buffer, format="PNG", optimize=True)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:image/png;base64,{encoded}"


def label_for(
    device: Device, *, passport_url: str, details: Mapping[str, str] | None = None
) -> dict[str, str]:
    """What one label shows: the device, its QR code, and the registered providers'
    ``details`` it has (its cosmetic grade, say); a detail never replaces the device's own."""
    label = {
        "code": device.code,
        "category": str(device.get_category_display()),
        "brand": device.brand,
        "model": device.model,
        "qr_code": qr_code_data_uri(passport_url),
    }
    for key, value in (details or {}).items():
        if value and key not in label:
            label[key] = value
    return label


def _requested_codes(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(code.strip().upper() for code in codes if code and code.strip()))


def label_sheet_request(
    *,
    organisation: Organisation,
    codes: Iterable[str],
    layout: str,
    user: AbstractBaseUser | None,
    passport_url: Callable[[str], str],
) -> Document:
    """Request the label sheet of the devices ``codes`` for ``organisation``, in ``layout``.

    ``passport_url(code)`` gives the absolute address of a device's passport, which its QR
    code opens. Refused, with nothing issued, when the organisation may not print labels (the
    territory, read-only), when the layout is unknown, when no device or too many are asked
    for, or when one of them is not visible to the organisation.
    The labels follow the order of ``codes``; a sheet holds ``layout.per_sheet`` of them,
    more devices make more pages.
    """
    if not permissions.may_print_labels(organisation):
        raise PermissionDenied(
            _("Only communes and partners print label sheets."),
            code="labels_not_allowed",
        )
    if layout not in LAYOUTS:
        raise ValidationFailed(
            _("Unknown label layout."), code="invalid", fields={"layout": [layout]}
        )
    requested = _requested_codes(codes)
    if not requested:
        raise ValidationFailed(
            _("Select at least one device."),
            code="invalid",
            fields={"codes": [_("Select at least one device.")]},
        )
    if len(requested) > MAX_LABELS:
        raise ValidationFailed(
            _("At most %(count)d labels can be printed at once.") % {"count": MAX_LABELS},
            code="invalid",
            fields={"codes": [_("Too many devices.")]},
        )
    devices = {
        device.code: device
        for device in selectors.devices_visible_to([organisation]).filter(code__in=requested)
    }
    missing = [code for code in requested if code not in devices]
    if missing:
        raise NotFound(
            _("No such device, or not one your organisation may see: %(codes)s.")
            % {"codes": ", ".join(missing)},
            code="device_not_found",
            fields={"codes": missing},
        )
    sheet = LAYOUTS[layout]
    details = label_details(devices.values())
    labels = [
        label_for(
            devices[code],
            passport_url=passport_url(code),
            details=details.get(devices[code].pk),
        )
        for code in requested
    ]
    return document_request(
        kind=DocumentKind.LABEL_SHEET,
        owner=organisation,
        title=label_sheet_title({"count": len(labels)}),
        template=LABEL_SHEET_TEMPLATE,
        context={
            "layout": sheet.as_context(),
            "sheets": [
                _placed(labels[start : start + sheet.per_sheet])
                for start in range(0, len(labels), sheet.per_sheet)
            ],
        },
        created_by=user,
        device_codes=requested,
    )


def _placed(labels: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The labels of one sheet, each with its place (``layout.slots`` gives the offsets)."""
    return [{**label, "slot": index} for index, label in enumerate(labels)]


def label_sheet_title(context) -> str:
    """A label sheet's title, from its stored context (:mod:`documents.titles`)."""
    count = context["count"] if "count" in context else sum(map(len, context["sheets"]))
    return ngettext("Labels of %(count)d device", "Labels of %(count)d devices", count) % {
        "count": count
    }
