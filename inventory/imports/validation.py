"""Checking each row of a declaration file and turning it into a device, or into reasons.

Each column gets one converter, chosen once per file from its header. Converters remember
the values they have seen: a file repeats its categories, brands, dates and sites thousands
of times, and each distinct value is worked out once.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone, translation

from common import limits
from inventory.choices import DeviceState
from inventory.imports.columns import (
    CATEGORY_SYNONYMS,
    DEFAULT_SURPLUS_STATUSES,
    EMPTY_MARKERS,
    HEADER_TO_COLUMN,
    MEMORY_UNITS_IN_GB,
    REQUIRED_COLUMNS,
    SIZE_UNITS_IN_GB,
    STORAGE_TYPE_SYNONYMS,
    is_surplus_status,
    normalise_label,
)
from inventory.imports.reasons import Reason
from inventory.models import CONDITION_NOTES_MAX_LENGTH, Device, derive_data_bearing, identity_key
from organisations.models import Organisation, Site

# Oldest purchase date taken as real: before it, a typing error is more likely than a device.
OLDEST_PURCHASE_DATE = datetime.date(1980, 1, 1)
# The model's limits, read from its fields.
MAX_RAM_GB = limits.max_value(Device, "ram_gb")
RAM_STEP = limits.decimal_step(Device, "ram_gb")
MAX_STORAGE_GB = limits.max_value(Device, "storage_gb")
MIN_SCREEN, MAX_SCREEN = (
    limits.min_value(Device, "screen_size_inches"),
    limits.max_value(Device, "screen_size_inches"),
)
SCREEN_STEP = limits.decimal_step(Device, "screen_size_inches")
TEXT_LIMITS = {
    **{
        name: limits.max_length(Device, name)
        for name in ("brand", "model", "serial_number", "asset_tag", "cpu", "operating_system")
    },
    "condition_notes": CONDITION_NOTES_MAX_LENGTH,
}
# Where GLPI writes a manufacturer's legal name, keep the brand people know.
BRAND_SUFFIXES = re.compile(
    r"[\s,]+(inc\.?|corp\.?|corporation|co\.?,? ltd\.?|ltd\.?|gmbh|s\.?a\.?s?\.?|llc)$",
    re.IGNORECASE,
)
KNOWN_BRANDS = {
    "hewlett packard": "HP",
    "hewlett packard enterprise": "HPE",
    "hp": "HP",
    "lenovo": "Lenovo",
    "dell": "Dell",
    "acer": "Acer",
    "asus": "Asus",
    "asustek computer": "Asus",
    "apple": "Apple",
    "samsung": "Samsung",
    "samsung electronics": "Samsung",
    "fujitsu": "Fujitsu",
    "fujitsu siemens": "Fujitsu",
    "toshiba": "Toshiba",
    "microsoft": "Microsoft",
    "iiyama": "Iiyama",
    "brother": "Brother",
    "epson": "Epson",
    "canon": "Canon",
}
_NUMBER = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([a-zA-Zo]*)\s*$")
_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d")


class Invalid(Exception):
    """A cell's value is refused; the reason says why (:mod:`inventory.imports.reasons`)."""

    def __init__(self, reason: str | Reason, **params: Any) -> None:
        """Refused for the reason of this code with these values, or for ``reason``."""
        self.reason = reason if isinstance(reason, Reason) else Reason.of(reason, **params)
        super().__init__(self.reason.code)


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    value: str
    reason: Reason


@dataclass(frozen=True)
class SkippedRow:
    """A row left out on purpose: its status says the device is not surplus (in use, in stock)."""

    line: int
    status: str


@dataclass(frozen=True)
class ValidRow:
    """A row turned into a device's description, in the order the staging table keeps it."""

    line: int
    values: tuple


# The description columns a valid row carries, in order (after ``line``).
ROW_FIELDS = (
    "category",
    "brand",
    "model",
    "serial_number",
    "identity_key",
    "asset_tag",
    "purchase_date",
    "cpu",
    "ram_gb",
    "storage_gb",
    "storage_type",
    "screen_size_inches",
    "operating_system",
    "data_bearing",
    "condition_notes",
    "pickup_site_id",
)


# Distinct values remembered per column before the memory is emptied and started again.
CACHE_SIZE = 20_000


def _cached(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    seen: dict[Any, tuple[bool, Any]] = {}

    def converter(value: Any) -> Any:
        try:
            ok, result = seen[value]
        except KeyError:
            try:
                ok, result = True, convert(value)
            except Invalid as error:
                ok, result = False, error.reason
            if len(seen) >= CACHE_SIZE:
                seen.clear()
            seen[value] = (ok, result)
        if not ok:
            raise Invalid(result)
        return result

    return converter


# A cell whose type no converter reads.
UNREADABLE_VALUE = Reason.of("value_unreadable")

# Columns whose values differ on every row: remembering them would only cost memory.
UNCACHED_FIELDS = frozenset({"serial_number", "asset_tag", "condition_notes", "condition"})


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value).strip()


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    text = _text(value)
    return not text or text.lower() in EMPTY_MARKERS


def _category(value: Any) -> str:
    label = normalise_label(_text(value))
    if not label:
        raise Invalid("category_required")
    category = CATEGORY_SYNONYMS.get(label)
    if category is None:
        raise Invalid("category_unknown")
    return str(category)


def _brand(value: Any) -> str:
    text = _text(value)
    if not text:
        raise Invalid("brand_required")
    text = BRAND_SUFFIXES.sub("", text).strip() or text
    text = KNOWN_BRANDS.get(normalise_label(text), text)
    if len(text) > TEXT_LIMITS["brand"]:
        raise Invalid("brand_too_long", limit=TEXT_LIMITS["brand"])
    return text


def _storage_type(value: Any) -> str:
    label = normalise_label(_text(value))
    if not label or label in EMPTY_MARKERS:
        return ""
    storage_type = STORAGE_TYPE_SYNONYMS.get(label)
    if storage_type is None:
        raise Invalid("storage_type_unknown")
    return str(storage_type)


def _number(value: Any, *, what: str) -> tuple[Decimal, str]:
    """The number and its unit; ``what`` is the key of what it measures in the reasons'
    ``SUBJECTS``."""
    if isinstance(value, bool):
        raise Invalid("not_a_number", what=what)
    if isinstance(value, int | float | Decimal):
        number, unit = Decimal(str(value)), ""
    else:
        text = _text(value).replace("\u00a0", " ").replace(" ", "")
        if text.startswith("-"):
            raise Invalid("negative", what=what)
        match = _NUMBER.match(text)
        if match is None:
            raise Invalid("number_unreadable", what=what)
        number, unit = Decimal(match.group(1).replace(",", ".")), match.group(2).lower()
    if number < 0:
        raise Invalid("negative", what=what)
    if not number.is_finite():
        raise Invalid("number_unreadable", what=what)
    return number, unit


def _size_in_gb(
    value: Any, *, what: str, default_unit_gb: Decimal, units: dict[str, float] = SIZE_UNITS_IN_GB
) -> Decimal:
    number, unit = _number(value, what=what)
    if unit:
        factor = units.get(unit)
        if factor is None:
            raise Invalid("unit_unknown", what=what, unit=unit)
        return number * Decimal(str(factor))
    return number * default_unit_gb


def _ram_converter(unit_gb: Decimal) -> Callable[[Any], Decimal | None]:
    def convert(value: Any) -> Decimal | None:
        if _is_empty(value):
            return None
        gigabytes = _size_in_gb(
            value, what="memory", default_unit_gb=unit_gb, units=MEMORY_UNITS_IN_GB
        )
        if gigabytes > MAX_RAM_GB:
            raise Invalid("memory_too_large", max=MAX_RAM_GB)
        return gigabytes.quantize(RAM_STEP)

    return convert


def _storage(value: Any) -> int | None:
    if _is_empty(value):
        return None
    gigabytes = _size_in_gb(value, what="storage", default_unit_gb=Decimal(1))
    if gigabytes > MAX_STORAGE_GB:
        raise Invalid("storage_too_large", max=MAX_STORAGE_GB)
    return int(gigabytes.to_integral_value())


def _screen(value: Any) -> Decimal | None:
    if _is_empty(value):
        return None
    number, unit = _number(value, what="screen_size")
    if unit not in {"", "pouces", "pouce", "in", "inch", "inches"}:
        raise Invalid("screen_not_inches")
    try:
        number = number.quantize(SCREEN_STEP)
    except InvalidOperation as error:
        raise Invalid("screen_not_inches") from error
    if not MIN_SCREEN <= number <= MAX_SCREEN:
        raise Invalid("screen_out_of_range", min=MIN_SCREEN, max=MAX_SCREEN)
    return number


def _date_converter(today: datetime.date) -> Callable[[Any], datetime.date | None]:
    def convert(value: Any) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            day = value
        else:
            text = _text(value)
            if not text or text.lower() in EMPTY_MARKERS:
                return None
            text = text.split(" ")[0].split("T")[0]
            for date_format in _DATE_FORMATS:
                try:
                    day = datetime.datetime.strptime(text, date_format).date()
                    break
                except ValueError:
                    continue
            else:
                raise Invalid("date_unreadable")
        if day > today:
            raise Invalid("date_in_future")
        if day < OLDEST_PURCHASE_DATE:
            raise Invalid("date_too_old")
        return day

    return convert


def _text_converter(field: str) -> Callable[[Any], str]:
    limit = TEXT_LIMITS[field]

    def convert(value: Any) -> str:
        text = _text(value)
        if len(text) > limit:
            raise Invalid("too_long", limit=limit, length=len(text))
        return text

    return convert


def _entity_converter(commune: Organisation) -> Callable[[Any], None]:
    """GLPI's "Entité" (``Entité racine > Mairie de Cachan``) must be the importing commune."""
    names = {normalise_label(commune.name), commune.insee_code}

    def convert(value: Any) -> None:
        text = _text(value)
        if not text:
            return None
        last = normalise_label(text.split(">")[-1])
        for prefix in (
            "mairie de ",
            "mairie d ",
            "ville de ",
            "ville d ",
            "commune de ",
            "commune d ",
        ):
            if last.startswith(prefix):
                last = last[len(prefix) :]
                break
        if last not in names:
            raise Invalid("entity_foreign", entity=text, commune=commune.name)
        return None

    return convert


def _site_converter(sites: Iterable[Site], default: Site | None) -> Callable[[Any], int | None]:
    by_name = {normalise_label(site.name): site.pk for site in sites}
    known = sorted(site.name for site in sites)

    def convert(value: Any) -> int | None:
        label = normalise_label(_text(value))
        if not label:
            return default.pk if default else None
        if label not in by_name:
            raise Invalid("site_unknown", sites=known)
        return by_name[label]

    return convert


def _location_matcher(sites: Iterable[Site]) -> Callable[[Any], int | None]:
    """GLPI's "Lieu" as one of the commune's pickup sites, or ``None`` when none is named so.

    A location is a path ("Mairie > Bâtiment B"): the whole path or its last part may be the
    site's name, case and accents aside.
    """
    by_name = {normalise_label(site.name): site.pk for site in sites}
    seen: dict[str, int | None] = {}

    def match(value: Any) -> int | None:
        text = _text(value)[:MAX_LOCATION_CHARACTERS]
        if text not in seen:
            if len(seen) >= CACHE_SIZE:
                seen.clear()
            whole = normalise_label(text)
            last = normalise_label(text.split(">")[-1])
            seen[text] = by_name.get(whole) or by_name.get(last)
        return seen[text]

    return match


# A location longer than this names no site: it is not compared.
MAX_LOCATION_CHARACTERS = 500


def _lifecycle_labels() -> frozenset[str]:
    """Boucle's own lifecycle states, as its export writes them in its "Statut" column: a file
    exported from Boucle and imported back is not a park's inventory, its rows all count."""
    labels = set()
    for language in ("fr", "en"):
        with translation.override(language):
            labels.update(normalise_label(str(label)) for label in DeviceState.labels)
    labels.update(normalise_label(value) for value in DeviceState.values)
    return frozenset(labels)


@dataclass
class ColumnPlan:
    """Which file column feeds which field, and the file's columns Boucle does not use."""

    columns: dict[str, int]
    unknown: list[str]
    duplicates: list[str]
    missing: list[str]

    @classmethod
    def from_headers(cls, headers: list[str]) -> ColumnPlan:
        columns: dict[str, int] = {}
        unknown, duplicates = [], []
        for index, header in enumerate(headers):
            column = HEADER_TO_COLUMN.get(normalise_label(header))
            if column is None:
                if header:
                    unknown.append(header)
                continue
            if (column == "ram_mb" and "ram_gb" in columns) or (
                column == "ram_gb" and "ram_mb" in columns
            ):
                duplicates.append(header)
                continue
            if column in columns:
                duplicates.append(header)
                continue
            columns[column] = index
        missing = [column for column in REQUIRED_COLUMNS if column not in columns]
        return cls(columns=columns, unknown=unknown, duplicates=duplicates, missing=missing)


class RowValidator:
    """Turns the rows of one file into :class:`ValidRow` or a list of :class:`RowError`."""

    def __init__(
        self,
        *,
        headers: list[str],
        plan: ColumnPlan,
        commune: Organisation,
        sites: Iterable[Site],
        default_site: Site | None,
        surplus_statuses: list[str] | tuple[str, ...] = DEFAULT_SURPLUS_STATUSES,
        today: datetime.date | None = None,
    ) -> None:
        self.headers = headers
        sites = list(sites)
        today = today or timezone.localdate()
        converters: dict[str, Callable[[Any], Any]] = {
            **{field: _text_converter(field) for field in TEXT_LIMITS},
            "category": _category,
            "brand": _brand,
            "storage_type": _storage_type,
            "ram_gb": _ram_converter(Decimal(1)),
            "ram_mb": _ram_converter(Decimal(1) / Decimal(1024)),
            "storage_gb": _storage,
            "screen_size_inches": _screen,
            "purchase_date": _date_converter(today),
            "pickup_site": _site_converter(sites, default_site),
            "entity": _entity_converter(commune),
            "condition": _text_converter("condition_notes"),
        }
        self.steps = [
            (
                field,
                index,
                converters[field] if field in UNCACHED_FIELDS else _cached(converters[field]),
            )
            for field, index in plan.columns.items()
            if field not in {"status", "location"}
        ]
        self.status_index = plan.columns.get("status")
        self.lifecycle_states = _lifecycle_labels()
        self.surplus_statuses = tuple(surplus_statuses)
        self.location_index = plan.columns.get("location")
        self.location_site = _location_matcher(sites)
        self.default_site_pk = default_site.pk if default_site else None
        self.site_index = plan.columns.get("pickup_site")

    def validate(
        self, line: int, cells: list[Any]
    ) -> ValidRow | SkippedRow | list[RowError] | None:
        """The row as a device, its errors, or :class:`SkippedRow` when its status is not a
        surplus status; ``None`` for a blank row, which is left out."""
        for cell in cells:
            if cell is not None and cell != "" and (not isinstance(cell, str) or cell.strip()):
                break
        else:
            return None
        width = len(cells)
        if self.status_index is not None:
            status = _text(cells[self.status_index]) if self.status_index < width else ""
            if not is_surplus_status(status, self.surplus_statuses) and (
                normalise_label(status) not in self.lifecycle_states
            ):
                # A device in use or in stock is no surplus: left out, and said so, rather
                # than refused, since a park's export lists every device.
                return SkippedRow(line, status[:200])
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        for field, index, convert in self.steps:
            raw = cells[index] if index < width else ""
            try:
                values[field] = convert(raw)
            except Invalid as error:
                errors.append(RowError(line, self.headers[index], _text(raw), error.reason))
            except TypeError:
                errors.append(RowError(line, self.headers[index], _text(raw), UNREADABLE_VALUE))
        if errors:
            return errors
        ram = values.get("ram_gb", values.get("ram_mb"))
        storage_gb = values.get("storage_gb")
        storage_type = values.get("storage_type", "")
        serial = values.get("serial_number", "")
        condition = values.get("condition", "")
        notes = values.get("condition_notes", "")
        brand = values["brand"]
        category = values["category"]
        model = values.get("model", "")
        # GLPI writes "HP EliteDesk 800 G3" as the model of an HP: the brand is said once.
        first_word, _space, rest = model.partition(" ")
        if rest and normalise_label(first_word) == normalise_label(brand):
            model = rest.strip()
        return ValidRow(
            line,
            (
                category,
                brand,
                model,
                serial,
                identity_key(brand, serial),
                values.get("asset_tag", ""),
                values.get("purchase_date"),
                values.get("cpu", ""),
                ram,
                storage_gb,
                storage_type,
                values.get("screen_size_inches"),
                values.get("operating_system", ""),
                derive_data_bearing(category, storage_gb, storage_type),
                " — ".join(part for part in (condition, notes) if part),
                self._site(values, cells),
            ),
        )

    def _site(self, values: dict[str, Any], cells: list[Any]) -> int | None:
        """The site the row names, else the one its GLPI location names, else the default."""
        if self.site_index is not None and not _is_empty(
            cells[self.site_index] if self.site_index < len(cells) else ""
        ):
            return values["pickup_site"]
        if self.location_index is not None and self.location_index < len(cells):
            matched = self.location_site(cells[self.location_index])
            if matched is not None:
                return matched
        return self.default_site_pk
