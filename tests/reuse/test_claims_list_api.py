"""The claims list of the API: what each organisation sees of the current claims."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from inventory.models import Device
from reuse.services import device_release, devices_claim
from tests.conftest import member
from tests.reuse.refurbishment import collected_device

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


@pytest.fixture
def other_commune_devices(declare, other_commune, other_commune_user):
    def _declare(count: int = 1) -> list[Device]:
        return declare(count, by=other_commune_user, for_commune=other_commune)

    return _declare


def claim(devices, partner, user) -> list[Device]:
    devices_claim(devices=devices, partner=partner, user=user)
    return list(Device.objects.filter(pk__in=[d.pk for d in devices]).order_by("pk"))


def listed(client: APIClient, url: str = CLAIMS) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.json()
    return [item["code"] for item in response.json()["results"]]


def test_an_item_tells_the_device_its_claimant_and_when_the_claim_lapses(
    client_for, declare, commune, partner, partner_user, settings
):
    # given
    settings.BOUCLE_CLAIM_EXPIRY_DAYS = 10
    [device] = claim(declare(1, brand="Lenovo", model="ThinkPad T480"), partner, partner_user)

    # when
    response = client_for(partner_user).get(CLAIMS)

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["next"], body["previous"]) == (None, None)
    [item] = body["results"]
    assert item == {
        "code": device.code,
        "url": f"http://testserver/api/v1/devices/{device.code}/",
        "category": "laptop",
        "brand": "Lenovo",
        "model": "ThinkPad T480",
        "commune": {"slug": commune.slug, "name": commune.name},
        "claimed_by": {"slug": partner.slug, "name": partner.name},
        "claimed_at": item["claimed_at"],
        "lapses_at": item["lapses_at"],
    }
    assert datetime.datetime.fromisoformat(item["claimed_at"]) == device.claimed_at
    assert datetime.datetime.fromisoformat(item["lapses_at"]) == (
        device.claimed_at + datetime.timedelta(days=10)
    )


def test_a_partner_sees_its_own_claims_only(
    client_for,
    declare,
    partner,
    partner_user,
    other_partner,
    other_partner_user,
):
    # given
    first, second, third = declare(3)
    ours = claim([first], partner, partner_user) + claim([third], partner, partner_user)
    theirs = claim([second], other_partner, other_partner_user)

    # then: oldest claim first
    assert listed(client_for(partner_user)) == [device.code for device in ours]
    assert listed(client_for(other_partner_user)) == [theirs[0].code]


def test_a_commune_sees_the_claims_on_its_devices_only(
    client_for,
    declare,
    other_commune_devices,
    partner,
    partner_user,
    other_partner,
    other_partner_user,
    commune_user,
    other_commune_user,
):
    # given: two claims on the commune's devices, one on the other commune's
    by_partner = claim(declare(1), partner, partner_user)
    by_other_partner = claim(declare(1), other_partner, other_partner_user)
    elsewhere = claim(other_commune_devices(1), partner, partner_user)
    declare(1)  # declared, not claimed

    # then
    assert listed(client_for(commune_user)) == [by_partner[0].code, by_other_partner[0].code]
    assert listed(client_for(other_commune_user)) == [elsewhere[0].code]


def test_the_territory_sees_every_current_claim_and_a_buyer_none(
    client_for,
    declare,
    other_commune_devices,
    partner,
    partner_user,
    other_partner,
    other_partner_user,
    territory_user,
    buyer,
):
    # given
    claimed = claim(declare(1), partner, partner_user)
    claimed += claim(other_commune_devices(1), other_partner, other_partner_user)

    # then
    assert listed(client_for(territory_user)) == [device.code for device in claimed]
    assert listed(client_for(member(buyer))) == []


def test_released_and_collected_devices_are_no_longer_claims(
    client_for, declare, partner, partner_user, commune_user
):
    # given
    [kept, released] = claim(declare(2), partner, partner_user)
    device_release(device=released, partner=partner, user=partner_user, note="")
    collected_device(declare, partner, partner_user)

    # then
    assert listed(client_for(partner_user)) == [kept.code]
    assert listed(client_for(commune_user)) == [kept.code]


def test_the_list_filters_by_partner_and_commune(
    client_for,
    declare,
    other_commune_devices,
    commune,
    partner,
    partner_user,
    other_partner,
    other_partner_user,
    territory_user,
):
    # given
    here_by_partner = claim(declare(1), partner, partner_user)[0]
    here_by_other = claim(declare(1), other_partner, other_partner_user)[0]
    elsewhere_by_partner = claim(other_commune_devices(1), partner, partner_user)[0]
    client = client_for(territory_user)

    # then
    assert listed(client, f"{CLAIMS}?partner={partner.slug}") == [
        here_by_partner.code,
        elsewhere_by_partner.code,
    ]
    assert listed(client, f"{CLAIMS}?commune={commune.slug}") == [
        here_by_partner.code,
        here_by_other.code,
    ]
    assert listed(client, f"{CLAIMS}?commune={commune.slug}&partner={other_partner.slug}") == [
        here_by_other.code
    ]
    # a filter narrows what the organisation sees, never widens it
    assert listed(client_for(partner_user), f"{CLAIMS}?partner={other_partner.slug}") == []


def test_an_unknown_filter_value_answers_400(client_for, partner_user):
    response = client_for(partner_user).get(f"{CLAIMS}?partner=nobody")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert set(response.json()["error"]["fields"]) == {"partner"}


def test_the_list_pages_with_cursors_without_gaps(client_for, declare, partner, partner_user):
    # given: five claims, three of them made at the same instant
    devices = claim(declare(3), partner, partner_user)
    devices += claim(declare(2), partner, partner_user)
    client = client_for(partner_user)

    # when
    first = client.get(f"{CLAIMS}?page_size=2").json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    back = client.get(third["previous"]).json()

    # then
    pages = [[item["code"] for item in page["results"]] for page in (first, second, third)]
    assert pages == [
        [devices[0].code, devices[1].code],
        [devices[2].code, devices[3].code],
        [devices[4].code],
    ]
    assert third["next"] is None
    assert [item["code"] for item in back["results"]] == pages[1]


def test_the_list_costs_the_same_whatever_the_number_of_claims(
    client_for, declare, other_commune_devices, partner, partner_user, commune_user
):
    # given
    claim(declare(1), partner, partner_user)
    client = client_for(partner_user)
    client.get(CLAIMS)
    with CaptureQueriesContext(connection) as one_claim:
        assert len(listed(client)) == 1
    claim(declare(4), partner, partner_user)
    claim(other_commune_devices(3), partner, partner_user)

    # when
    with CaptureQueriesContext(connection) as eight_claims:
        assert len(listed(client)) == 8

    # then
    assert len(eight_claims) == len(one_claim)
