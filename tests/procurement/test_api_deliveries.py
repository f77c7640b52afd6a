"""The API of deliveries and invoices: the partner prepares and invoices, the buyer decides,
the territory reads; other organisations' objects answer 404 or 403 and bad input 400, nothing
changing; a list costs a constant number of queries."""

from __future__ import annotations

import datetime

import facturx
import pytest
from django.utils import timezone

from documents.models import Document
from documents.services import document_render
from inventory.choices import DeviceState
from inventory.models import Device
from procurement.models import Admission, CreditNote, Delivery, DeliveryDevice, Invoice
from tests.conftest import SiteFactory

pytestmark = pytest.mark.django_db


def today() -> str:
    return timezone.localdate().isoformat()


def snapshot() -> tuple:
    return (
        sorted(Delivery.objects.values_list("pk", "state")),
        sorted(DeliveryDevice.objects.values_list("pk", "outcome")),
        Admission.objects.count(),
        sorted(Invoice.objects.values_list("pk", "state")),
        CreditNote.objects.count(),
        Document.objects.count(),
        sorted(Device.objects.values_list("pk", "state")),
    )


@pytest.fixture
def order(placed_order, partner):
    SiteFactory(organisation=partner, name="Atelier", postal_code="94200")
    return placed_order(3)


def prepare(client, order, site, **overrides):
    body = {"order": order.pk, "site": site.pk, "delivery_date": today()}
    body.update(overrides)
    return client.post("/api/v1/deliveries/", body, format="json")


ADMISSION = {"decision": "admission", "decided_on": None, "signatory_name": "Claire Dubois"}


def admit(client, delivery_id, **overrides):
    body = {**ADMISSION, "decided_on": today(), **overrides}
    return client.post(f"/api/v1/deliveries/{delivery_id}/admission/", body, format="json")


def test_the_chain_from_delivery_to_invoice_and_credit_note(
    client_for, order, partner_user, buyer_user, territory_user, buyer_site
):
    partner_client, buyer_client = client_for(partner_user), client_for(buyer_user)
    codes = sorted(order.items.values_list("device__code", flat=True))

    # the partner prepares a delivery of the whole order
    response = prepare(partner_client, order, buyer_site)
    assert response.status_code == 201, response.json()
    delivery = response.json()
    assert delivery["state"] == "prepared"
    assert delivery["note"].startswith("BL-")
    assert sorted(device["code"] for device in delivery["devices"]) == codes

    # the buyer admits it, one device refused at the door
    response = admit(
        buyer_client, delivery["id"], refusals=[{"code": codes[0], "reason": "Écran fissuré"}]
    )
    assert response.status_code == 200, response.json()
    decided = response.json()
    assert decided["state"] == "admitted"
    assert decided["signed_note"].startswith("BL-")
    assert decided["admissions"][0]["record"].startswith("PV-")
    outcomes = {device["code"]: device["outcome"] for device in decided["devices"]}
    assert outcomes == {codes[0]: "refused", codes[1]: "admitted", codes[2]: "admitted"}
    assert admit(buyer_client, delivery["id"]).status_code == 409

    # the partner invoices it; everyone concerned reads it
    response = partner_client.post("/api/v1/invoices/", {"delivery": delivery["id"]}, format="json")
    assert response.status_code == 201, response.json()
    invoice = response.json()
    assert invoice["number"].startswith("FA-")
    assert (invoice["total_excl_vat"], invoice["total_vat"], invoice["total_incl_vat"]) == (
        "120.00",
        "24.00",
        "144.00",
    )
    for client in (buyer_client, client_for(territory_user)):
        listed = client.get("/api/v1/invoices/").json()["results"]
        assert [item["id"] for item in listed] == [invoice["id"]]
        assert [item["id"] for item in client.get("/api/v1/deliveries/").json()["results"]] == [
            delivery["id"]
        ]
    # its PDF, once produced, is the Factur-X
    url = f"/api/v1/invoices/{invoice['id']}/download/"
    assert buyer_client.get(url).status_code == 409
    document_render(document=Document.objects.get(number=invoice["number"]))
    download = buyer_client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    _filename, xml = facturx.get_xml_from_pdf(b"".join(download.streaming_content))
    assert invoice["number"].encode() in xml

    # a credit note cancels it
    response = partner_client.post(
        f"/api/v1/invoices/{invoice['id']}/credit-note/", {"reason": "Erreur"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "cancelled"
    assert response.json()["credit_note"]["number"].startswith("AV-")


def test_other_organisations_are_refused_with_nothing_changed(
    client_for,
    order,
    partner_user,
    buyer_user,
    second_buyer_user,
    other_partner_user,
    territory_user,
    buyer_site,
):
    partner_client = client_for(partner_user)
    # another partner does not see the order; the buyer and the territory may not prepare
    before = snapshot()
    assert prepare(client_for(other_partner_user), order, buyer_site).status_code == 404
    assert prepare(client_for(second_buyer_user), order, buyer_site).status_code == 404
    assert prepare(client_for(buyer_user), order, buyer_site).status_code == 403
    assert prepare(client_for(territory_user), order, buyer_site).status_code == 403
    assert snapshot() == before
    delivery = prepare(partner_client, order, buyer_site).json()
    before = snapshot()
    # another buyer does not see the delivery; the partner and the territory may not decide
    assert admit(client_for(second_buyer_user), delivery["id"]).status_code == 404
    assert admit(client_for(other_partner_user), delivery["id"]).status_code == 404
    assert admit(partner_client, delivery["id"]).status_code == 403
    assert admit(client_for(territory_user), delivery["id"]).status_code == 403
    assert (
        client_for(second_buyer_user).get(f"/api/v1/deliveries/{delivery['id']}/").status_code
        == 404
    )
    # not admitted: not invoiced
    response = partner_client.post("/api/v1/invoices/", {"delivery": delivery["id"]}, format="json")
    assert response.status_code == 409
    assert snapshot() == before
    admit(client_for(buyer_user), delivery["id"])
    before = snapshot()
    for client, expected in (
        (client_for(buyer_user), 403),
        (client_for(other_partner_user), 404),
        (client_for(second_buyer_user), 404),
    ):
        response = client.post("/api/v1/invoices/", {"delivery": delivery["id"]}, format="json")
        assert response.status_code == expected
    assert snapshot() == before
    invoice = partner_client.post(
        "/api/v1/invoices/", {"delivery": delivery["id"]}, format="json"
    ).json()
    before = snapshot()
    for client, expected in ((client_for(buyer_user), 403), (client_for(other_partner_user), 404)):
        url = f"/api/v1/invoices/{invoice['id']}/credit-note/"
        assert client.post(url, {"reason": "x"}, format="json").status_code == expected
        assert client_for(second_buyer_user).get(url.replace("credit-note/", "")).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"site": "x"},
        {"delivery_date": "31/12/2026"},
        {"codes": []},
        {"codes": ["NOT-A-CODE"]},
        {"codes": "ABC"},
        {"order": 2**40},
        {"site": 2**31 + 5},
    ],
)
def test_a_bad_delivery_is_refused_with_nothing_changed(
    client_for, order, partner_user, buyer_site, body
):
    before = snapshot()
    response = client_for(partner_user).post(
        "/api/v1/deliveries/",
        {"order": order.pk, "site": buyer_site.pk, "delivery_date": today(), **body},
        format="json",
    )
    assert response.status_code in (400, 404), response.json()
    assert response.json()["error"]["code"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "accepted"},
        {"decided_on": "demain"},
        {"decided_on": (datetime.date.today() + datetime.timedelta(days=3)).isoformat()},
        {"signatory_name": ""},
        {"decision": "reduction", "reduction_amount": "-5", "reason": "x"},
        {"decision": "reduction", "reduction_amount": "1e9", "reason": "x"},
        {"decision": "reduction", "reduction_amount": "5"},
        {"decision": "rejection"},
        {"refusals": [{"code": "A"}, {"code": "A", "reason": "x"}]},
        {"refusals": "all"},
    ],
)
def test_a_bad_admission_is_refused_with_nothing_changed(
    client_for, order, partner_user, buyer_user, buyer_site, body
):
    delivery = prepare(client_for(partner_user), order, buyer_site).json()
    before = snapshot()
    response = admit(client_for(buyer_user), delivery["id"], **body)
    assert response.status_code == 400, response.json()
    assert snapshot() == before
    assert Device.objects.filter(state=DeviceState.RESERVED).count() == 3


def test_the_deliveries_list_costs_the_same_queries_whatever_its_length(
    client_for, placed_order, partner_user, buyer_site, django_assert_max_num_queries
):
    client = client_for(partner_user)
    for _index in range(3):
        order = placed_order(2)
        assert prepare(client, order, buyer_site).status_code == 201
    client.get("/api/v1/deliveries/")

    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/deliveries/")

    results = response.json()["results"]
    assert len(results) == 3
    assert all(len(delivery["devices"]) == 2 for delivery in results)


def test_the_invoices_list_costs_the_same_queries_whatever_its_length(
    client_for,
    placed_order,
    partner,
    partner_user,
    buyer_user,
    buyer_site,
    django_assert_max_num_queries,
):
    SiteFactory(organisation=partner, name="Atelier", postal_code="94200")
    partner_client, buyer_client = client_for(partner_user), client_for(buyer_user)
    for _index in range(3):
        delivery = prepare(partner_client, placed_order(1), buyer_site).json()
        assert admit(buyer_client, delivery["id"]).status_code == 200
        body = {"delivery": delivery["id"]}
        assert partner_client.post("/api/v1/invoices/", body, format="json").status_code == 201
    buyer_client.get("/api/v1/invoices/")

    with django_assert_max_num_queries(7):
        response = buyer_client.get("/api/v1/invoices/")

    assert len(response.json()["results"]) == 3
