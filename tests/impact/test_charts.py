"""The dashboards' charts: drawn once a process for the same content, drawn again when a
figure, a label or the language changes."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest
from django.utils import translation

from impact import charts


@pytest.fixture(autouse=True)
def no_chart_kept():
    charts._drawn.cache_clear()
    yield
    charts._drawn.cache_clear()


def _svg(image: str) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert image.startswith(prefix)
    return base64.b64decode(image.removeprefix(prefix)).decode()


def _rows(rate: str) -> list[tuple[str, Decimal | None, Decimal | None]]:
    return [("Cachan", Decimal(rate), Decimal("20")), ("Arcueil", None, Decimal("20"))]


def test_the_same_chart_asked_again_is_not_drawn_again():
    # given
    first = charts.progress(_rows("12.5"), "REEN reuse rate")

    # when
    again = charts.progress(_rows("12.5"), "REEN reuse rate")

    # then
    assert again == first
    assert charts._drawn.cache_info().hits == 1
    assert charts._drawn.cache_info().misses == 1


def test_a_changed_figure_draws_another_chart():
    # given
    first = charts.progress(_rows("12.5"), "REEN reuse rate")

    # when
    changed = charts.progress(_rows("37.5"), "REEN reuse rate")

    # then
    assert changed != first
    assert "37.5" in _svg(changed)
    assert "37.5" not in _svg(first)
    assert charts._drawn.cache_info().misses == 2


def test_a_chart_drawn_in_french_is_not_given_in_english():
    # given
    figures = {"by_month": {"2025-03": {"declared": 4, "delivered": 1}}}
    with translation.override("fr"):
        french = charts.by_month(figures)

    # when
    with translation.override("en"):
        english = charts.by_month(figures)

    # then
    assert "Appareils par mois" in _svg(french)
    assert "Devices by month" in _svg(english)
    assert charts._drawn.cache_info().hits == 0
