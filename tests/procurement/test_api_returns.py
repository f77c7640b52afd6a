"""The warranty returns API: the buyer reports, the partner records the outcome, both read;
another organisation's return or device answers 404 (403 for the wrong side), bad input
400, a state that forbids it 409, nothing changing; the list costs a constant number of
queries."""

from __future__ import annotations

import pytest

from procurement.choices import ReturnState
from tests.procurement.returns import deliver, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(placed_order, partner, partner_user, buyer_user, buyer_site):
    return deliver(placed_order, partner, partner_user, buyer_user, buyer_site)


def report(client, code, fault="L’écran reste noir"):
    return client.post("/api/v1/returns/", {"device": code, "fault": fault}, format="json")


def settle(client, pk, **body):
    return client.post(f"/api/v1/returns/{pk}/outcome/", body, format="json")


def test_the_buyer_reports_and_the_partner_replaces(
    client_for, delivered, buyer_user, partner_user, territory_user
):
    buyer_client, partner_client = client_for(buyer_user), client_for(partner_user)
    device, spare = delivered.devices[0], delivered.spares[0]

    response = report(buyer_client, device.code.lower())

    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["device"], created["state"], created["fault"]) == (
        device.code,
        ReturnState.OPEN,
        "L’écran reste noir",
    )
    assert created["offer"] == delivered.offer.pk
    for client in (buyer_client, partner_client, client_for(territory_user)):
        listed = client.get("/api/v1/returns/").json()["results"]
        assert [row["id"] for row in listed] == [created["id"]]
        assert client.get(f"/api/v1/returns/{created['id']}/").status_code == 200

    response = settle(partner_client, created["id"], outcome="replaced", replacement=spare.code)

    assert response.status_code == 200, response.json()
    settled = response.json()
    assert (settled["state"], settled["replacement"]) == (ReturnState.REPLACED, spare.code)
    assert settled["replacement_warranty_ends_on"] is not None
    response = settle(partner_client, created["id"], outcome="repaired", note="Encore")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "return_settled"


def test_other_organisations_are_refused_with_nothing_changed(
    client_for,
    delivered,
    buyer_user,
    second_buyer_user,
    partner_user,
    other_partner_user,
    territory_user,
):
    device = delivered.devices[0]
    before = snapshot()
    # another buyer, a partner, the territory: not their device
    for user in (second_buyer_user, other_partner_user, partner_user, territory_user):
        response = report(client_for(user), device.code)
        assert response.status_code == 404, user
        assert response.json()["error"]["code"] == "device_not_found"
    # a device in stock, a code that does not exist
    assert report(client_for(buyer_user), delivered.spares[0].code).status_code == 404
    assert report(client_for(buyer_user), "NOPE").status_code == 404
    assert snapshot() == before

    created = report(client_for(buyer_user), device.code).json()
    before = snapshot()
    # another buyer or partner does not see the return; the buyer may not settle it
    for user in (second_buyer_user, other_partner_user):
        client = client_for(user)
        assert client.get(f"/api/v1/returns/{created['id']}/").status_code == 404
        assert client.get("/api/v1/returns/").json()["results"] == []
        assert settle(client, created["id"], outcome="repaired", note="Fait").status_code == 404
    response = settle(client_for(buyer_user), created["id"], outcome="repaired", note="Fait")
    assert response.status_code == 403
    assert (
        settle(client_for(territory_user), created["id"], outcome="repaired", note="x").status_code
        == 403
    )
    # reported twice
    response = report(client_for(buyer_user), device.code)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "return_open"
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "thrown"},
        {"outcome": "repaired"},
        {"outcome": "repaired", "note": "   "},
        {"outcome": "replaced"},
        {"outcome": "replaced", "replacement": "NOPE"},
        {"outcome": "repaired", "note": "x" * 1001},
        {},
    ],
)
def test_a_bad_outcome_is_refused_with_nothing_changed(
    client_for, delivered, buyer_user, partner_user, body
):
    created = report(client_for(buyer_user), delivered.devices[0].code).json()
    before = snapshot()
    response = client_for(partner_user).post(
        f"/api/v1/returns/{created['id']}/outcome/", body, format="json"
    )
    assert response.status_code == 400, response.json()
    assert snapshot() == before


@pytest.mark.parametrize("pk", ["x", "0", str(2**40)])
def test_a_bad_identifier_answers_404(client_for, buyer_user, pk):
    assert client_for(buyer_user).get(f"/api/v1/returns/{pk}/").status_code == 404


def test_a_bad_report_is_refused(client_for, delivered, buyer_user):
    before = snapshot()
    client = client_for(buyer_user)
    for body in ({}, {"device": delivered.devices[0].code}, {"device": "x" * 100, "fault": "y"}):
        assert client.post("/api/v1/returns/", body, format="json").status_code == 400
    assert report(client, delivered.devices[0].code, fault="x" * 1001).status_code == 400
    assert snapshot() == before


def test_the_list_costs_the_same_queries_whatever_its_length(
    client_for, delivered, buyer_user, partner_user, django_assert_max_num_queries
):
    buyer_client = client_for(buyer_user)
    for device in delivered.devices:
        assert report(buyer_client, device.code).status_code == 201
    settle(
        client_for(partner_user),
        buyer_client.get("/api/v1/returns/").json()["results"][0]["id"],
        outcome="refunded",
    )
    buyer_client.get("/api/v1/returns/")

    with django_assert_max_num_queries(6):
        response = buyer_client.get("/api/v1/returns/")

    assert len(response.json()["results"]) == 2
