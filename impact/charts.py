"""The dashboards' charts, drawn as SVG by pygal, so that the same charts can go into a PDF.

Each chart is an image (a ``data:`` URI): the pages' content security policy allows no inline
style, which pygal's SVG carries, and an image runs none of its scripts. The table beside
each chart gives the same figures to whoever cannot see it.

A chart is drawn from what it shows alone (its kind, title, labels and values, all in the
language of the request), so a process keeps the last charts it drew by that content
(:func:`_drawn`): a dashboard asked for again with the same figures, the most common case,
costs no drawing (pygal took about half of an impact dashboard's time), and any change of a
figure or a label is another chart.
"""

from __future__ import annotations

import base64
import datetime
import functools
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


# Charts a process keeps, by content: each is 20 to 60 kB of base64.
DRAWN_CHARTS = 64

Series = tuple[tuple[str, tuple[float | int | None, ...]], ...]


def as_image(chart: pygal.graph.graph.Graph) -> str:
    """The chart as a ``data:`` URI for an ``<img>``."""
    svg = chart.render(is_unicode=True).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def drawn(
    kind: type[pygal.graph.graph.Graph],
    title: str,
    x_labels: list[str],
    series: list[tuple[str, list[float | int | None]]],
    value_range: tuple[int, int] | None = None,
) -> str:
    """The chart of this content as a ``data:`` URI, drawn once a process."""
    # Text as str: a lazy translation in the key would compare equal in another language.
    return _drawn(
        kind,
        str(title),
        tuple(str(label) for label in x_labels),
        tuple((str(label), tuple(values)) for label, values in series),
        value_range,
    )


@functools.lru_cache(maxsize=DRAWN_CHARTS)
def _drawn(
    kind: type[pygal.graph.graph.Graph],
    title: str,
    x_labels: tuple[str, ...],
    series: Series,
    value_range: tuple[int, int] | None,
) -> str:
    options = dict(OPTIONS, range=value_range) if value_range is not None else OPTIONS
    chart = kind(title=title, **options)
    chart.x_labels = list(x_labels)
    for label, values in series:
        chart.add(label, list(values))
    return as_image(chart)


def month_label(month: str) -> str:
    year, number = month.split("-")
    return formats.date_format(datetime.date(int(year), int(number), 1), "YEAR_MONTH_FORMAT")


def by_month(figures: dict[str, Any]) -> str:
    """Devices declared, delivered, donated and recycled, month by month."""
    months = list(figures["by_month"])
    return drawn(
        pygal.Bar,
        _("Devices by month"),
        [month_label(month) for month in months],
        [
            (str(Step(kind).label), [figures["by_month"][month].get(kind, 0) for month in months])
            for kind in MONTHLY_KINDS
        ],
    )


def by_category(figures: dict[str, Any]) -> str:
    """Devices declared and reused (delivered, donated), by category."""
    categories = [
        category
        for category in DeviceCategory.values
        if any(figures["by_category"][kind].get(category) for kind in figures["by_category"])
    ]
    return drawn(
        pygal.HorizontalBar,
        _("Devices by category"),
        [str(DeviceCategory(category).label) for category in categories],
        [
            (
                str(Step(kind).label),
                [figures["by_category"][kind].get(category, 0) for category in categories],
            )
            for kind in CATEGORY_KINDS
        ],
    )


def progress(rows: list[tuple[str, Decimal | None, Decimal | None]], title: str) -> str:
    """Progress toward a target: each row's rate beside the target (in percent); a rate
    "sans objet" is drawn as nothing."""
    return drawn(
        pygal.HorizontalBar,
        title,
        [label for label, _rate, _target in rows],
        [
            (_("Rate (%)"), [float(rate) if rate is not None else None for _l, rate, _t in rows]),
            (
                _("Target (%)"),
                [float(target) if target is not None else None for _l, _r, target in rows],
            ),
        ],
        value_range=(0, 100),
    )
