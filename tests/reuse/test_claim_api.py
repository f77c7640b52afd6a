"""The claims API: claim and release a device, claim a selection, a declaration or a site."""

from __future__ import annotations

import datetime

import pytest

from inventory.choices import DeviceState, EventKind
from inventory.models import Device
from reuse.services import devices_claim
from tests.conftest import MembershipFactory, PartnerFactory, SiteFactory, member

CLAIMS = "/api/v1/claims/"


def device_url(device: Device, action: str) -> str:
    return f"/api/v1/devices/{device.code}/{action}/"


def fresh(device: Device) -> Device:
    return Device.objects.get(pk=device.pk)


def events(device: Device) -> list[str]:
    return list(device.events.values_list("kind", flat=True))


@pytest.mark.django_db
def test_partner_claims_a_device(client_for, declare, partner, partner_user):
    [device] = declare(1)

    response = client_for(partner_user).post(device_url(device, "claim"), {}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == DeviceState.CLAIMED
    assert body["allowed_actions"] == ["collect", "release"]
    assert fresh(device).claimed_by == partner
    assert events(device) == [EventKind.DECLARED, EventKind.CLAIMED]


@pytest.mark.django_db
def test_commune_claim_is_403_and_changes_nothing(client_for, declare, commune_user):
    [device] = declare(1)

    response = client_for(commune_user).post(device_url(device, "claim"), {}, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "transition_forbidden"
    assert fresh(device).state == DeviceState.DECLARED
    assert events(device) == [EventKind.DECLARED]


@pytest.mark.django_db
def test_buyer_claim_is_403_not_409_and_changes_nothing(client_for, declare, buyer):
    # given: a declared device, which a buyer does not see in the shared inventory
    [device] = declare(1)
    buyer_user = member(buyer)

    # when
    response = client_for(buyer_user).post(device_url(device, "claim"), {}, format="json")

    # then: refused as a member of no partner, not told the device is taken
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "transition_forbidden"
    assert fresh(device).state == DeviceState.DECLARED
    assert events(device) == [EventKind.DECLARED]


@pytest.mark.django_db
def test_claim_of_a_claimed_device_is_409_for_both_partners(
    client_for, declare, partner, partner_user, other_partner, other_partner_user
):
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)

    for user in (partner_user, other_partner_user):
        response = client_for(user).post(device_url(device, "claim"), {}, format="json")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "not_available"
    assert fresh(device).claimed_by == partner
    assert events(device) == [EventKind.DECLARED, EventKind.CLAIMED]


@pytest.mark.django_db
def test_claim_of_an_unknown_code_is_404(client_for, partner_user):
    response = client_for(partner_user).post("/api/v1/devices/ZZZZZZZZ/claim/", {}, format="json")

    assert response.status_code == 404


@pytest.mark.django_db
def test_a_member_of_two_partners_names_the_one_it_claims_for(
    client_for, declare, partner, partner_user
):
    # given
    second = PartnerFactory()
    MembershipFactory(user=partner_user, organisation=second)
    [first_device] = declare(1)
    client = client_for(partner_user)

    # then
    assert client.post(device_url(first_device, "claim"), {}, format="json").status_code == 403
    response = client.post(
        device_url(first_device, "claim"), {"partner": second.slug}, format="json"
    )
    assert response.status_code == 200
    assert fresh(first_device).claimed_by == second


@pytest.mark.django_db
def test_release_by_the_claimant_and_not_by_another(
    client_for, declare, partner, partner_user, other_partner_user, commune_user
):
    # given
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)

    # when: another partner cannot see it; the commune sees it but may not release it
    assert client_for(other_partner_user).post(device_url(device, "release"), {}).status_code == 404
    response = client_for(commune_user).post(device_url(device, "release"), {}, format="json")
    assert response.status_code == 403
    assert events(device) == [EventKind.DECLARED, EventKind.CLAIMED]

    # when: the claimant releases
    response = client_for(partner_user).post(
        device_url(device, "release"), {"note": "Annulé"}, format="json"
    )

    # then
    assert response.status_code == 200
    assert response.json()["state"] == DeviceState.DECLARED
    assert fresh(device).claimed_by is None
    assert events(device) == [EventKind.DECLARED, EventKind.CLAIMED, EventKind.RELEASED]

    # and releasing again is 409
    response = client_for(partner_user).post(device_url(device, "release"), {}, format="json")
    assert response.status_code == 409


@pytest.mark.django_db
def test_claim_a_selection_reports_claimed_and_unavailable(
    client_for, declare, partner, partner_user, other_partner, other_partner_user
):
    # given
    devices = declare(3)
    devices_claim(devices=devices[:1], partner=other_partner, user=other_partner_user)
    codes = [device.code for device in devices]

    # when
    response = client_for(partner_user).post(CLAIMS, {"codes": [*codes, "ZZZZZZZZ"]}, format="json")

    # then
    assert response.status_code == 200
    assert response.json() == {
        "claimed": sorted(codes[1:]),
        "unavailable": sorted([codes[0], "ZZZZZZZZ"]),
        "partner": partner.slug,
    }


@pytest.mark.django_db
def test_claim_a_selection_none_available_is_409(
    client_for, declare, partner, partner_user, other_partner_user
):
    devices = declare(2)
    devices_claim(devices=devices, partner=partner, user=partner_user)

    response = client_for(other_partner_user).post(
        CLAIMS, {"codes": [d.code for d in devices]}, format="json"
    )

    assert response.status_code == 409
    assert {fresh(d).claimed_by for d in devices} == {partner}


@pytest.mark.django_db
def test_claim_a_declaration_and_a_site(client_for, declare, commune, partner, partner_user):
    # given
    batch = declare(2)
    site = SiteFactory(organisation=commune, name="Médiathèque")
    at_site = declare(1, site=site)
    client = client_for(partner_user)

    # when
    by_declaration = client.post(CLAIMS, {"declaration": batch[0].declaration_id}, format="json")
    by_site = client.post(CLAIMS, {"site": site.pk}, format="json")

    # then
    assert by_declaration.status_code == 200
    assert by_declaration.json()["claimed"] == sorted(d.code for d in batch)
    assert by_declaration.json()["unavailable"] == []
    assert by_site.json()["claimed"] == [at_site[0].code]
    assert client.post(CLAIMS, {"declaration": 999999}, format="json").status_code == 404
    assert client.post(CLAIMS, {"site": site.pk}, format="json").status_code == 409


@pytest.mark.django_db
def test_claims_api_refuses_communes_and_bad_bodies(client_for, declare, commune_user, partner):
    [device] = declare(1)
    partner_client = client_for(member(partner))

    assert (
        client_for(commune_user).post(CLAIMS, {"codes": [device.code]}, format="json").status_code
        == 403
    )
    both = partner_client.post(
        CLAIMS, {"codes": [device.code], "declaration": device.declaration_id}, format="json"
    )
    assert both.status_code == 400
    assert partner_client.post(CLAIMS, {}, format="json").status_code == 400
    assert fresh(device).state == DeviceState.DECLARED


@pytest.mark.django_db
def test_claimed_devices_in_the_api_list_by_role(
    client_for, declare, partner, partner_user, other_partner_user, commune_user
):
    # given
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)

    def codes(user) -> list[str]:
        return [d["code"] for d in client_for(user).get("/api/v1/devices/").json()["results"]]

    # then
    assert codes(partner_user) == [device.code]
    assert codes(commune_user) == [device.code]
    assert codes(other_partner_user) == []


@pytest.mark.django_db
def test_commune_reads_who_claimed_its_device_and_since_when(
    client_for, declare, commune_user, partner, partner_user
):
    # given
    [device] = declare(1)
    devices_claim(partner=partner, user=partner_user, devices=[device])

    # when
    body = client_for(commune_user).get(f"/api/v1/devices/{device.code}/").json()

    # then
    assert body["claimed_by"] == {"slug": partner.slug, "name": partner.name}
    assert datetime.datetime.fromisoformat(body["claimed_at"]) == fresh(device).claimed_at
