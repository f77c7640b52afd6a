"""The dashboards' charts, drawn as SVG by pygal, so that the same charts can go into a PDF.

Each chart is an image (a ``data:`` URI): the pages' content security policy allows no inline
style, which pygal's SVG carries, and an image runs none of its scripts. The table beside
each chart gives the same figures to whoever cannot see it.
"""

from __future__ import annotations

import base64
import datetime
from decimal import Decimal
from typing import Any

import pygal
from django.utils import formats
from django.utils.translation import gettext as _
from pygal.style import Style

from impact.choices import Step
from inventory.choices import DeviceCategory

STYLE = Style(
    background="white",
    plot_background="white",
    font_family="DejaVu Sans, sans-serif",
    colors=("#1f6f5c", "#d08c2b", "#7a4ea3", "#3d6fb6", "#b3413b", "#6b6b6b", "#2f8f3a"),
    title_font_size=18,
    legend_font_size=14,
    label_font_size=13,
    major_label_font_size=13,
)
OPTIONS = {
    "style": STYLE,
    "js": [],
    "disable_xml_declaration": True,
    "width": 800,
    "height": 400,
    "legend_at_bottom": True,
    "print_values": False,
}
# The steps the monthly chart shows.
MONTHLY_KINDS = (Step.DECLARED, Step.DELIVERED, Step.DONATED, Step.RECYCLED)
# The steps the chart by category shows.
CATEGORY_KINDS = (Step.DECLARED, Step.DELIVERED, Step.DONATED)


def as_image(chart: pygal.graph.graph.Graph) -> str:
    """The chart as a ``data:`` URI for an ``<img>``."""
    svg = chart.render(is_unicode=True).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def month_label(month: str) -> str:
    year, number = month.split("-")
    return formats.date_format(datetime.date(int(year), int(number), 1), "YEAR_MONTH_FORMAT")


def by_month(figures: dict[str, Any]) -> str:
    """Devices declared, delivered, donated and recycled, month by month."""
    chart = pygal.Bar(title=_("Devices by month"), **OPTIONS)
    months = list(figures["by_month"])
    chart.x_labels = [month_label(month) for month in months]
    for kind in MONTHLY_KINDS:
        chart.add(
            str(Step(kind).label),
            [figures["by_month"][month].get(kind, 0) for month in months],
        )
    return as_image(chart)


def by_category(figures: dict[str, Any]) -> str:
    """Devices declared and reused (delivered, donated), by category."""
    chart = pygal.HorizontalBar(title=_("Devices by category"), **OPTIONS)
    categories = [
        category
        for category in DeviceCategory.values
        if any(figures["by_category"][kind].get(category) for kind in figures["by_category"])
    ]
    chart.x_labels = [str(DeviceCategory(category).label) for category in categories]
    for kind in CATEGORY_KINDS:
        chart.add(
            str(Step(kind).label),
            [figures["by_category"][kind].get(category, 0) for category in categories],
        )
    return as_image(chart)


def progress(rows: list[tuple[str, Decimal | None, Decimal | None]], title: str) -> str:
    """Progress toward a target: each row's rate beside the target (in percent); a rate
    "sans objet" is drawn as nothing."""
    chart = pygal.HorizontalBar(title=title, range=(0, 100), **OPTIONS)
    chart.x_labels = [label for label, _rate, _target in rows]
    chart.add(_("Rate (%)"), [float(rate) if rate is not None else None for _l, rate, _t in rows])
    chart.add(
        _("Target (%)"), [float(target) if target is not None else None for _l, _r, target in rows]
    )
    return as_image(chart)
