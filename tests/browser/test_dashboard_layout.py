"""The dashboard in headless Chromium: the panels apps register sit side by side, top-aligned."""

from __future__ import annotations

import pytest

from tests.browser.helpers import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_territory_dashboard_cards_start_at_the_same_height(
    new_tab, live_server, declare, territory_user
):
    # given: devices of a commune, so that the "awaiting a claim" card is taller than its
    # neighbour
    declare(5)
    tab = new_tab(viewport={"width": 1280, "height": 1000}, locale="en")
    log_in(tab, live_server, territory_user)

    # when
    cards = tab.locator(".dashboard-grid > .card")
    boxes = [cards.nth(index).bounding_box() for index in range(cards.count())]

    # then: five cards (the inventory's two, then group purchasing's three: campaigns, orders
    # and deliveries), two a row, the cards of a row starting at its top whatever their heights
    assert len(boxes) == 5
    rows: dict[float, list[dict]] = {}
    for box in boxes:
        rows.setdefault(box["y"], []).append(box)
    assert [len(row) for row in rows.values()] == [2, 2, 1]
    first = boxes[:2]
    assert first[0]["x"] < first[1]["x"]
    assert first[0]["y"] == first[1]["y"]
    assert first[0]["height"] != first[1]["height"]
    assert tab.locator("#communes-title").is_visible()
