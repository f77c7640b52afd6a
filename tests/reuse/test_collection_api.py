"""The collections API: record a collection of claimed devices, list and read collections."""

from __future__ import annotations

import pytest

from documents.models import Document
from inventory.choices import DeviceState
from inventory.models import Device, DeviceEvent
from reuse.models import Collection
from reuse.services import devices_claim
from tests.conftest import PartnerFactory, SiteFactory, member

COLLECTIONS = "/api/v1/collections/"
LEGAL_REASON = (
    "Only an ESUS-approved organisation may receive a free cession (CG3P art. L3212-2 3°)."
)


@pytest.fixture
def claimed(declare, partner, partner_user):
    def _claimed(count=2, *, by=None, user=None):
        devices = declare(count)
        devices_claim(devices=devices, partner=by or partner, user=user or partner_user)
        return devices

    return _claimed


def payload(devices, **overrides) -> dict:
    body = {
        "codes": [device.code for device in devices],
        "collected_on": "2026-03-12",
        "commune_signatory": "Claire Dubois",
        "commune_signatory_title": "DSI",
        "partner_signatory": "Karim Benali",
        "partner_signatory_title": "Responsable d'atelier",
    }
    body.update(overrides)
    return body


def snapshot() -> tuple:
    return (
        sorted(Device.objects.values_list("pk", "state", "holder_id")),
        DeviceEvent.objects.count(),
        Collection.objects.count(),
        Document.objects.count(),
    )


def test_a_partner_records_a_collection_and_reads_it_back(
    client_for, claimed, partner, partner_user, commune, pickup_site
):
    # given
    devices = claimed(2)
    api = client_for(partner_user)

    # when
    response = api.post(COLLECTIONS, payload(devices, site=pickup_site.pk), format="json")

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    collection = Collection.objects.get()
    assert body["id"] == collection.pk
    assert body["partner"] == partner.slug
    assert body["commune"] == commune.slug
    assert body["site"] == pickup_site.pk
    assert body["collected_on"] == "2026-03-12"
    assert body["device_count"] == 2
    assert sorted(d["code"] for d in body["devices"]) == sorted(d.code for d in devices)
    assert {d["state"] for d in body["devices"]} == {DeviceState.COLLECTED}
    assert body["document"] == collection.document.number
    assert body["document_url"].endswith(
        f"/api/v1/documents/{collection.document.number}/download/"
    )
    assert set(Device.objects.values_list("holder_id", flat=True)) == {partner.pk}

    listed = api.get(COLLECTIONS).json()
    assert [item["id"] for item in listed["results"]] == [collection.pk]
    assert listed["results"][0]["device_count"] == 2
    detail = api.get(f"{COLLECTIONS}{collection.pk}/")
    assert detail.status_code == 200
    assert detail.json()["document"] == collection.document.number


def test_a_partner_without_esus_approval_gets_409_with_the_legal_reason(client_for, declare):
    # given
    uncertified = PartnerFactory(esus_approval_reference="")
    user = member(uncertified)
    devices = declare(2)
    devices_claim(devices=devices, partner=uncertified, user=user)
    before = snapshot()

    # when
    response = client_for(user).post(COLLECTIONS, payload(devices), format="json")

    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "partner_not_esus"
    assert response.json()["error"]["message"] == LEGAL_REASON
    assert snapshot() == before


def test_another_partner_gets_403(client_for, claimed, other_partner_user):
    devices = claimed(1)
    before = snapshot()

    response = client_for(other_partner_user).post(COLLECTIONS, payload(devices), format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "transition_forbidden"
    assert snapshot() == before


def test_devices_of_two_communes_get_400(
    client_for, claimed, declare, other_commune, other_commune_user, partner, partner_user
):
    here = claimed(1)
    there = declare(
        1,
        by=other_commune_user,
        for_commune=other_commune,
        site=SiteFactory(organisation=other_commune),
    )
    devices_claim(devices=there, partner=partner, user=partner_user)
    before = snapshot()

    response = client_for(partner_user).post(COLLECTIONS, payload(here + there), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "several_communes"
    assert snapshot() == before


def test_invalid_data_and_unknown_codes_are_refused(client_for, claimed, partner_user):
    devices = claimed(1)
    api = client_for(partner_user)

    missing = api.post(COLLECTIONS, {"codes": [devices[0].code]}, format="json")
    unknown = api.post(COLLECTIONS, payload([], codes=["ZZZZZZZZ"]), format="json")

    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "invalid"
    assert set(missing.json()["error"]["fields"]) == {
        "collected_on",
        "commune_signatory",
        "commune_signatory_title",
        "partner_signatory",
        "partner_signatory_title",
    }
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "device_not_found"
    assert Collection.objects.count() == 0


def test_a_commune_may_not_record_a_collection(client_for, claimed, commune_user):
    devices = claimed(1)

    response = client_for(commune_user).post(COLLECTIONS, payload(devices), format="json")

    assert response.status_code == 403
    assert Collection.objects.count() == 0


def test_the_commune_and_territory_read_the_collection_another_commune_does_not(
    client_for, claimed, partner, partner_user, commune_user, territory_user, other_commune_user
):
    # given
    devices = claimed(1)
    client_for(partner_user).post(COLLECTIONS, payload(devices), format="json")
    collection = Collection.objects.get()
    url = f"{COLLECTIONS}{collection.pk}/"

    # then
    assert client_for(commune_user).get(url).status_code == 200
    assert client_for(territory_user).get(url).status_code == 200
    assert [c["id"] for c in client_for(commune_user).get(COLLECTIONS).json()["results"]] == [
        collection.pk
    ]
    other = client_for(other_commune_user)
    assert other.get(url).status_code == 404
    assert other.get(url).json()["error"]["code"] == "collection_not_found"
    assert other.get(COLLECTIONS).json()["results"] == []
