"""The donations API: a partner gives ready devices to an association, which confirms their
receipt; the agreement's download; other organisations read nothing (404), act on nothing
(403), and every refusal changes nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents.models import Document
from documents.services import document_render
from inventory.choices import DeviceState
from inventory.models import Device
from organisations.choices import CessionEligibility
from tests.conftest import BuyerFactory
from tests.documents.conftest import pdf_text
from tests.procurement.donations import snapshot, today

pytestmark = pytest.mark.django_db

URL = "/api/v1/donations/"


def give(client, beneficiary, values: dict, **extra):
    body = {
        "beneficiary": beneficiary.slug,
        "devices": [{"code": code, "value": value} for code, value in values.items()],
        **extra,
    }
    return client.post(URL, body, format="json")


def test_a_partner_gives_the_association_confirms_and_both_read_it(
    parties, partner_user, buyer_user, client_for, ready_devices
):
    _partner, buyer = parties
    devices = ready_devices(2)
    partner_client, buyer_client = client_for(partner_user), client_for(buyer_user)

    response = give(partner_client, buyer, {devices[0].code: "120.00", devices[1].code: "35.5"})

    assert response.status_code == 201, response.json()
    donation = response.json()
    assert (donation["state"], donation["total_value"], donation["flat_value"]) == (
        "offered",
        "155.50",
        "0.00",
    )
    assert donation["agreement"].startswith("CD-")
    assert donation["beneficiary"] == {"slug": buyer.slug, "name": buyer.name}
    assert donation["beneficiary_category"] == CessionEligibility.PARENTS_ASSOCIATION
    assert sorted((item["code"], item["value"]) for item in donation["devices"]) == sorted(
        [(devices[0].code, "120.00"), (devices[1].code, "35.50")]
    )
    for client in (partner_client, buyer_client):
        listed = client.get(URL).json()["results"]
        assert [item["id"] for item in listed] == [donation["id"]]

    # the agreement's PDF, once produced
    url = f"{URL}{donation['id']}/download/"
    assert buyer_client.get(url).status_code == 409
    document_render(document=Document.objects.get(number=donation["agreement"]))
    download = buyer_client.get(url)
    assert (download.status_code, download["Content-Type"]) == (200, "application/pdf")
    text = pdf_text(b"".join(download.streaming_content))
    assert donation["agreement"] in text
    assert devices[0].code in text

    # the association confirms the receipt, once
    receipt = buyer_client.post(f"{URL}{donation['id']}/receipt/", {}, format="json")
    assert receipt.status_code == 200, receipt.json()
    assert (receipt.json()["state"], receipt.json()["received_on"]) == (
        "received",
        today().isoformat(),
    )
    assert set(
        Device.objects.filter(pk__in=[d.pk for d in devices]).values_list("state", "holder")
    ) == {(DeviceState.DELIVERED, buyer.pk)}
    before = snapshot()
    again = buyer_client.post(f"{URL}{donation['id']}/receipt/", {}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "donation_received")
    assert snapshot() == before


def test_other_organisations_read_nothing_and_act_on_nothing(
    parties,
    partner_user,
    buyer_user,
    second_buyer_user,
    other_partner_user,
    territory_user,
    client_for,
    ready_devices,
):
    _partner, buyer = parties
    devices = ready_devices(1)
    donation = give(client_for(partner_user), buyer, {devices[0].code: "50"}).json()
    before = snapshot()

    for user in (second_buyer_user, other_partner_user, territory_user):
        client = client_for(user)
        assert client.get(URL).json()["results"] == []
        assert client.get(f"{URL}{donation['id']}/").status_code == 404
        assert client.get(f"{URL}{donation['id']}/download/").status_code == 404
        for action, body in (("receipt", {}), ("cancel", {"reason": "Non"})):
            response = client.post(f"{URL}{donation['id']}/{action}/", body, format="json")
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "donation_not_found"
    # the donor does not confirm the receipt, the beneficiary does not cancel
    response = client_for(partner_user).post(f"{URL}{donation['id']}/receipt/", {}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_the_beneficiary")
    response = client_for(buyer_user).post(
        f"{URL}{donation['id']}/cancel/", {"reason": "Non"}, format="json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_the_donor")
    # a buyer does not give, another partner does not give the partner's devices
    assert give(client_for(buyer_user), buyer, {devices[0].code: "1"}).status_code == 403
    response = give(client_for(other_partner_user), buyer, {devices[0].code: "1"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "not_held")
    assert client_for(partner_user).get(f"{URL}abc/").status_code == 404
    assert snapshot() == before


def test_refusals_answer_400_or_409_with_their_reason_and_change_nothing(
    parties, partner_user, client_for, ready_devices
):
    _partner, buyer = parties
    devices = ready_devices(2)
    client = client_for(partner_user)
    not_eligible = BuyerFactory(cession_eligibility=CessionEligibility.NOT_ELIGIBLE)
    before = snapshot()

    response = give(client, buyer, {devices[0].code: "300.01"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "above_ceiling")
    assert "devices" in response.json()["error"]["fields"]
    response = give(client, not_eligible, {devices[0].code: "10"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "not_eligible")
    response = give(client, buyer, {"NOPE": "10"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "not_held")
    response = client.post(
        URL, {"beneficiary": "nobody", "devices": [{"code": "X", "value": "1"}]}, format="json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (
        400,
        "beneficiary_not_found",
    )
    for body in (
        {"beneficiary": buyer.slug, "devices": []},
        {"beneficiary": buyer.slug, "devices": [{"code": devices[0].code, "value": "-1"}]},
        {"beneficiary": buyer.slug, "devices": [{"code": devices[0].code}]},
        {
            "beneficiary": buyer.slug,
            "devices": [{"code": devices[0].code, "value": "1"}] * 2,
        },
        {"beneficiary": buyer.slug, "devices": "everything"},
    ):
        response = client.post(URL, body, format="json")
        assert response.status_code == 400, body
    assert snapshot() == before

    # French for a French reader
    client.credentials(HTTP_ACCEPT_LANGUAGE="fr")
    response = give(client, buyer, {devices[1].code: "400"})
    assert "Un appareil donné vaut au plus 300,00\u00a0€" in response.json()["error"]["message"]


def test_the_donor_cancels_through_the_api(parties, partner_user, client_for, ready_devices):
    _partner, buyer = parties
    devices = ready_devices(1)
    client = client_for(partner_user)
    donation = give(client, buyer, {devices[0].code: "50"}).json()

    assert client.post(f"{URL}{donation['id']}/cancel/", {}, format="json").status_code == 400
    response = client.post(
        f"{URL}{donation['id']}/cancel/", {"reason": "Association dissoute"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["cancel_reason"]) == (
        "cancelled",
        "Association dissoute",
    )
    assert Device.objects.get(pk=devices[0].pk).state == DeviceState.READY


def test_the_list_and_the_pages_cost_a_constant_number_of_queries(
    parties, partner_user, client_for, client, ready_devices
):
    _partner, buyer = parties
    devices = ready_devices(4)
    api = client_for(partner_user)
    client.force_login(partner_user)

    def costs() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as listed:
            assert api.get(URL).status_code == 200
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("procurement:donation-list")).status_code == 200
        return len(listed), len(page)

    give(api, buyer, {devices[0].code: "10"})
    one = costs()
    give(api, buyer, {devices[1].code: "10", devices[2].code: "10"})
    give(api, buyer, {devices[3].code: "10"})

    assert costs() == one
