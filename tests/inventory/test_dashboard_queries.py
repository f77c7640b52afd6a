"""The dashboards read their figures from the device counts: their queries do not grow with the
inventory, and none of them counts devices."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.choices import DeviceCategory
from inventory.services import device_withdraw
from reuse.services import devices_claim
from tests.conftest import CommuneFactory, member
from tests.reuse.refurbishment import collected_device

pytestmark = pytest.mark.django_db


def dashboard_queries(client, user) -> list[str]:
    """The SQL of one dashboard page, after a first request has warmed the caches up."""
    client.force_login(user)
    assert client.get(reverse("dashboard")).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return [query["sql"] for query in queries]


def device_aggregates(queries: list[str]) -> list[str]:
    """The queries that count or add up rows of the devices table."""
    return [
        sql
        for sql in queries
        if 'FROM "inventory_device"' in sql and any(f in sql for f in ("COUNT(", "SUM("))
    ]


def grow_the_inventory(declare, commune, commune_user, partner, partner_user) -> None:
    """More devices, in more communes, categories and states, a partner holding some."""
    for other in CommuneFactory.create_batch(3):
        declare(4, by=member(other), for_commune=other, category=DeviceCategory.MONITOR)
    devices = declare(6) + declare(3, category=DeviceCategory.TABLET)
    device_withdraw(device=devices[0], user=commune_user, organisation=commune)
    devices_claim(devices=devices[1:4], partner=partner, user=partner_user)
    collected_device(declare, partner, partner_user, refurbishing=True)
    collected_device(declare, partner, partner_user, category=DeviceCategory.DESKTOP)


@pytest.mark.parametrize("kind", ["commune", "partner", "territory"])
def test_a_dashboard_costs_the_same_queries_whatever_the_inventory(
    kind, client, declare, commune, commune_user, partner, partner_user, territory_user
):
    # given: a device in each list a dashboard shows (a list's devices read their
    # organisations and sites, for them all, once it has any)
    user = {"commune": commune_user, "partner": partner_user, "territory": territory_user}[kind]
    devices = declare(1)
    devices_claim(devices=devices, partner=partner, user=partner_user)
    declare(1)
    collected_device(declare, partner, partner_user)
    small = dashboard_queries(client, user)

    # when
    grow_the_inventory(declare, commune, commune_user, partner, partner_user)
    grown = dashboard_queries(client, user)

    # then
    assert len(grown) == len(small)


@pytest.mark.parametrize("kind", ["partner", "territory"])
def test_a_dashboard_counts_no_device(
    kind, client, declare, commune, commune_user, partner, partner_user, territory_user
):
    # given
    user = {"partner": partner_user, "territory": territory_user}[kind]
    grow_the_inventory(declare, commune, commune_user, partner, partner_user)

    # when
    queries = dashboard_queries(client, user)

    # then
    assert device_aggregates(queries) == []
    assert any('FROM "inventory_devicecount"' in sql for sql in queries)


def test_the_commune_dashboard_counts_devices_only_for_the_dates_of_its_claims(
    client, declare, commune, commune_user, partner, partner_user
):
    # given
    grow_the_inventory(declare, commune, commune_user, partner, partner_user)

    # when
    queries = dashboard_queries(client, commune_user)

    # then: the claims by partner, with when the first and last were made, read the commune's
    # claimed devices (held a few days at most); every other figure comes from the counts
    aggregates = device_aggregates(queries)
    assert len(aggregates) == 1
    assert 'MIN("inventory_device"."claimed_at")' in aggregates[0]
