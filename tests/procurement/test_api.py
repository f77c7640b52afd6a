"""The group purchasing API: each role does what it may, other organisations' data answer 404
or 403 and bad input 400, nothing changing; lists cost a constant number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.choices import DeviceState
from inventory.models import Device
from procurement.choices import CampaignState, OrderState
from procurement.models import Campaign, Commitment, Offer, OfferDevice, Order
from procurement.services import campaign_close, commitment_submit, offer_stock_add

pytestmark = pytest.mark.django_db

SIRET = "44306184100013"
OFFER = {
    "title": "Portable 14 pouces",
    "category": "laptop",
    "processor": "i5",
    "min_ram_gb": "8.00",
    "min_storage_gb": 256,
    "grade": "B",
    "warranty_months": 24,
    "vat_rate": "20.00",
    "minimum_quantity": 5,
    "price_tiers": [
        {"threshold": 1, "unit_price": "240.00"},
        {"threshold": 20, "unit_price": "210.00"},
    ],
}


def commitment_body(offer, site, quantity=3, **overrides):
    return {
        "lines": [{"offer": offer.pk, "quantity": quantity}],
        "delivery_site": site.pk,
        "contact_name": "Nadia Benali",
        "contact_email": "nadia@example.org",
        "siret": SIRET,
        "service_code": "SERV-42",
        "engagement_number": "EJ-2026-0042",
        **overrides,
    }


def commit(campaign, buyer, user, site, quantities):
    return commitment_submit(
        campaign=campaign,
        buyer=buyer,
        user=user,
        quantities=quantities,
        delivery_site=site,
        contact_name="Nadia Benali",
        contact_email="nadia@example.org",
        siret=SIRET,
    )[0]


# --- Offers. ---


def test_a_partner_publishes_an_offer_others_read_it(client_for, partner, partner_user, buyer_user):
    # when
    response = client_for(partner_user).post("/api/v1/offers/", OFFER, format="json")

    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["partner"] == {"slug": partner.slug, "name": partner.name}
    assert body["price_tiers"] == OFFER["price_tiers"]
    assert (body["warranty_months"], body["stock_count"], body["is_active"]) == (24, 0, True)
    listed = client_for(buyer_user).get("/api/v1/offers/").json()["results"]
    assert [offer["id"] for offer in listed] == [body["id"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"warranty_months": 6}, "warranty_months"),
        ({"price_tiers": []}, "price_tiers"),
        ({"price_tiers": [{"threshold": 0, "unit_price": "1.00"}]}, "price_tiers[0].threshold"),
        ({"vat_rate": "abc"}, "vat_rate"),
        ({"category": "spaceship"}, "category"),
        ({"price_tiers": [{"threshold": 10, "unit_price": "5.00"}]}, "price_tiers"),
    ],
)
def test_a_bad_offer_answers_400_and_nothing_is_created(change, field, client_for, partner_user):
    response = client_for(partner_user).post("/api/v1/offers/", {**OFFER, **change}, format="json")

    assert response.status_code == 400
    assert any(name.startswith(field) for name in response.json()["error"]["fields"])
    assert Offer.objects.count() == 0


def test_only_a_partner_publishes(client_for, buyer_user, territory_user):
    for user in (buyer_user, territory_user):
        response = client_for(user).post("/api/v1/offers/", OFFER, format="json")
        assert response.status_code == 403
    assert Offer.objects.count() == 0


def test_another_partner_may_not_change_an_offer_nor_its_stock(
    client_for, make_offer, ready_devices, partner_user, other_partner_user
):
    # given
    offer = make_offer()
    devices = ready_devices(1)
    offer_stock_add(offer=offer, user=partner_user, devices=devices)
    client = client_for(other_partner_user)

    # when / then
    assert (
        client.patch(f"/api/v1/offers/{offer.pk}/", {"title": "X"}, format="json").status_code
        == 403
    )
    assert client.post(f"/api/v1/offers/{offer.pk}/deactivate/").status_code == 403
    assert client.get(f"/api/v1/offers/{offer.pk}/stock/").status_code == 403
    response = client.post(
        f"/api/v1/offers/{offer.pk}/stock/remove/", {"codes": [devices[0].code]}, format="json"
    )
    assert response.status_code == 403  # refused before the codes are looked up: no probing
    offer.refresh_from_db()
    assert (offer.title, offer.is_active) == ("Écran 24 pouces", True)
    assert OfferDevice.objects.filter(offer=offer).count() == 1


def test_the_partner_manages_its_stock(client_for, make_offer, ready_devices, partner_user):
    offer = make_offer()
    devices = ready_devices(3)
    client = client_for(partner_user)

    added = client.post(
        f"/api/v1/offers/{offer.pk}/stock/", {"codes": [devices[0].code]}, format="json"
    )
    assert added.status_code == 200, added.json()
    assert added.json() == {"codes": [devices[0].code]}
    every = client.post(f"/api/v1/offers/{offer.pk}/stock/", {"every_match": True}, format="json")
    assert sorted(every.json()["codes"]) == sorted(device.code for device in devices[1:])
    removed = client.post(
        f"/api/v1/offers/{offer.pk}/stock/remove/", {"codes": [devices[1].code]}, format="json"
    )
    assert removed.json() == {"codes": [devices[1].code]}

    listed = client.get(f"/api/v1/offers/{offer.pk}/stock/").json()
    assert sorted(item["code"] for item in listed) == sorted([devices[0].code, devices[2].code])
    assert {item["counts"] for item in listed} == {True}
    assert {item["grade"] for item in listed} == {"B"}
    assert client.get(f"/api/v1/offers/{offer.pk}/").json()["stock_count"] == 2


def test_stock_input_is_checked(client_for, make_offer, ready_devices, declare, partner_user):
    offer = make_offer()
    client = client_for(partner_user)
    [declared] = declare(1, category="monitor")

    assert client.post(f"/api/v1/offers/{offer.pk}/stock/", {}, format="json").status_code == 400
    assert (
        client.post(
            f"/api/v1/offers/{offer.pk}/stock/",
            {"codes": ["X"], "every_match": True},
            format="json",
        ).status_code
        == 400
    )
    # a device the partner does not hold answers 404, as an unknown code does
    for code in (declared.code, "ZZZZZZZZ"):
        response = client.post(
            f"/api/v1/offers/{offer.pk}/stock/", {"codes": [code]}, format="json"
        )
        assert response.status_code == 404
    assert OfferDevice.objects.count() == 0


# --- Campaigns. ---


def test_the_territory_drafts_opens_and_closes_a_campaign(
    client_for, groupement, stocked_offer, territory_user, buyer, buyer_user, buyer_site
):
    # given
    offer = stocked_offer(4)
    client = client_for(territory_user)
    now = timezone.now()

    # when: drafted
    created = client.post(
        "/api/v1/campaigns/",
        {
            "groupement": groupement.pk,
            "title": "Écrans 2026",
            "opens_at": (now - datetime.timedelta(hours=1)).isoformat(),
            "closes_at": (now + datetime.timedelta(days=2)).isoformat(),
            "offers": [offer.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    # a draft is the territory's only
    assert client_for(buyer_user).get(f"/api/v1/campaigns/{pk}/").status_code == 404

    # when: opened
    opened = client.post(f"/api/v1/campaigns/{pk}/open/")
    assert opened.status_code == 200
    assert opened.json()["state"] == CampaignState.OPEN
    assert client_for(buyer_user).get(f"/api/v1/campaigns/{pk}/").status_code == 200

    # a member commits through the API
    response = client_for(buyer_user).post(
        f"/api/v1/campaigns/{pk}/commitments/", commitment_body(offer, buyer_site), format="json"
    )
    assert response.status_code == 201, response.json()

    # the preview, then the closing
    preview = client.get(f"/api/v1/campaigns/{pk}/allocation/").json()
    assert preview["is_preview"] is True
    assert preview["offers"][0]["demand"] == 3
    closed = client.post(f"/api/v1/campaigns/{pk}/close/")
    assert closed.json()["state"] == CampaignState.ALLOCATED
    result = client.get(f"/api/v1/campaigns/{pk}/allocation/").json()
    assert result["is_preview"] is False
    assert [(line["asked"], line["allocated"], line["reason"]) for line in result["lines"]] == [
        (3, 3, "full")
    ]
    assert result["lines"][0]["amount_incl_vat"] == "216.00"
    # closing again answers the same
    assert client.post(f"/api/v1/campaigns/{pk}/close/").json() == closed.json()


def test_only_the_territory_runs_campaigns(
    client_for, groupement, make_offer, open_campaign, buyer_user, partner_user, commune_user
):
    campaign = open_campaign(make_offer())
    now = timezone.now()
    body = {
        "groupement": groupement.pk,
        "title": "Pirate",
        "opens_at": now.isoformat(),
        "closes_at": (now + datetime.timedelta(days=1)).isoformat(),
    }

    for user in (buyer_user, partner_user, commune_user):
        client = client_for(user)
        assert client.post("/api/v1/campaigns/", body, format="json").status_code == 403
        for command in ("close", "open"):
            assert client.post(f"/api/v1/campaigns/{campaign.pk}/{command}/").status_code in (
                403,
                404,
            )
        response = client.post(
            f"/api/v1/campaigns/{campaign.pk}/cancel/", {"reason": "Non"}, format="json"
        )
        assert response.status_code in (403, 404)

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.OPEN
    assert Campaign.objects.count() == 1


def test_a_campaign_command_with_bad_input_answers_400(
    client_for, make_offer, open_campaign, territory_user
):
    campaign = open_campaign(make_offer())
    client = client_for(territory_user)

    assert (
        client.post(f"/api/v1/campaigns/{campaign.pk}/cancel/", {}, format="json").status_code
        == 400
    )
    assert client.get("/api/v1/campaigns/abc/").status_code == 404
    assert client.get("/api/v1/campaigns/99999999999/").status_code == 404
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.OPEN


# --- Commitments. ---


def test_a_member_creates_replaces_and_withdraws_its_commitment(
    client_for, make_offer, open_campaign, buyer_user, buyer_site
):
    offer = make_offer()
    campaign = open_campaign(offer)
    client = client_for(buyer_user)
    url = f"/api/v1/campaigns/{campaign.pk}/commitments/"

    created = client.post(url, commitment_body(offer, buyer_site, 3), format="json")
    replaced = client.post(url, commitment_body(offer, buyer_site, 5), format="json")

    assert (created.status_code, replaced.status_code) == (201, 200)
    assert replaced.json()["id"] == created.json()["id"]
    assert replaced.json()["lines"] == [{"offer": offer.pk, "quantity": 5}]
    assert client.get(url).json() == [replaced.json()]
    withdrawn = client.delete(f"{url}{created.json()['id']}/")
    assert withdrawn.status_code == 204
    assert Commitment.objects.count() == 0


def test_members_read_their_own_commitments_the_territory_all(
    client_for,
    make_offer,
    open_campaign,
    buyer,
    buyer_user,
    buyer_site,
    second_buyer,
    second_buyer_user,
    second_buyer_site,
    territory_user,
):
    # given
    offer = make_offer()
    campaign = open_campaign(offer)
    mine = commit(campaign, buyer, buyer_user, buyer_site, {offer: 2})
    theirs = commit(campaign, second_buyer, second_buyer_user, second_buyer_site, {offer: 4})
    url = f"/api/v1/campaigns/{campaign.pk}/commitments/"

    # then
    assert [item["id"] for item in client_for(buyer_user).get(url).json()] == [mine.pk]
    assert [item["id"] for item in client_for(territory_user).get(url).json()] == [
        mine.pk,
        theirs.pk,
    ]
    # another member's commitment is not found, and cannot be withdrawn
    assert client_for(buyer_user).get(f"{url}{theirs.pk}/").status_code == 404
    assert client_for(buyer_user).delete(f"{url}{theirs.pk}/").status_code == 404
    # the territory reads it but may not withdraw it
    assert client_for(territory_user).delete(f"{url}{theirs.pk}/").status_code == 403
    assert Commitment.objects.count() == 2
    # the allocation preview: a member reads its own lines, the territory all
    allocation = f"/api/v1/campaigns/{campaign.pk}/allocation/"
    assert [
        line["commitment"] for line in client_for(buyer_user).get(allocation).json()["lines"]
    ] == [mine.pk]
    assert len(client_for(territory_user).get(allocation).json()["lines"]) == 2


def test_commitment_refusals_answer_with_their_reason_and_change_nothing(
    client_for, make_offer, open_campaign, buyer_user, buyer_site, second_buyer_site, partner_user
):
    offer = make_offer()
    other = make_offer(title="Hors campagne")
    campaign = open_campaign(offer)
    url = f"/api/v1/campaigns/{campaign.pk}/commitments/"
    client = client_for(buyer_user)

    # another member's delivery site
    response = client.post(url, commitment_body(offer, second_buyer_site), format="json")
    assert response.status_code == 404
    # an offer not in the campaign
    response = client.post(url, commitment_body(other, buyer_site), format="json")
    assert response.status_code == 400
    # the same offer twice, a bad e-mail, a bad SIRET
    for overrides in (
        {"lines": [{"offer": offer.pk, "quantity": 1}, {"offer": offer.pk, "quantity": 2}]},
        {"contact_email": "nope"},
        {"siret": "12345678901234"},
        {"lines": [{"offer": offer.pk, "quantity": 0}]},
    ):
        response = client.post(url, commitment_body(offer, buyer_site, **overrides), format="json")
        assert response.status_code == 400, overrides
    # a partner commits to nothing
    response = client_for(partner_user).post(url, commitment_body(offer, buyer_site), format="json")
    assert response.status_code in (403, 404)
    assert Commitment.objects.count() == 0


def test_a_commitment_after_the_closing_answers_409(
    client_for, make_offer, open_campaign, buyer_user, buyer_site, territory_user
):
    offer = make_offer()
    campaign = open_campaign(offer)
    campaign_close(campaign=campaign, user=territory_user)

    response = client_for(buyer_user).post(
        f"/api/v1/campaigns/{campaign.pk}/commitments/",
        commitment_body(offer, buyer_site),
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "campaign_closed"
    assert Commitment.objects.count() == 0


# --- Orders. ---


@pytest.fixture
def allocated(
    stocked_offer,
    open_campaign,
    buyer,
    buyer_user,
    buyer_site,
    second_buyer,
    second_buyer_user,
    second_buyer_site,
    territory_user,
):
    offer = stocked_offer(5)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, {offer: 2})
    commit(campaign, second_buyer, second_buyer_user, second_buyer_site, {offer: 3})
    return campaign_close(campaign=campaign, user=territory_user)


def test_buyers_and_partners_read_their_own_orders(
    client_for, allocated, buyer, buyer_user, second_buyer_user, partner_user, territory_user
):
    mine = Order.objects.get(buyer=buyer)
    theirs = Order.objects.exclude(pk=mine.pk).get()

    listed = client_for(buyer_user).get("/api/v1/orders/").json()["results"]
    assert [order["id"] for order in listed] == [mine.pk]
    body = listed[0]
    assert (body["state"], body["total_excl_vat"], body["total_incl_vat"]) == (
        OrderState.PLACED,
        "120.00",
        "144.00",
    )
    assert len(body["devices"]) == 2
    assert body["engagement_number"] == ""
    assert client_for(buyer_user).get(f"/api/v1/orders/{theirs.pk}/").status_code == 404
    assert {o["id"] for o in client_for(partner_user).get("/api/v1/orders/").json()["results"]} == {
        mine.pk,
        theirs.pk,
    }
    assert len(client_for(territory_user).get("/api/v1/orders/").json()["results"]) == 2


def test_only_the_territory_cancels_an_order(
    client_for, allocated, buyer, buyer_user, partner_user, territory_user
):
    order = Order.objects.get(buyer=buyer)
    url = f"/api/v1/orders/{order.pk}/cancel/"

    for user in (buyer_user, partner_user):
        assert client_for(user).post(url, {"reason": "Non"}, format="json").status_code == 403
    assert client_for(territory_user).post(url, {}, format="json").status_code == 400
    order.refresh_from_db()
    assert order.state == OrderState.PLACED

    response = client_for(territory_user).post(url, {"reason": "Doublon"}, format="json")

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["cancel_reason"]) == ("cancelled", "Doublon")
    assert response.json()["devices"] == []
    assert set(Device.objects.filter(order_items__order=order).values_list("state", flat=True)) == {
        DeviceState.READY
    }
    again = client_for(territory_user).post(url, {"reason": "Encore"}, format="json")
    assert again.status_code == 409


def test_the_orders_list_costs_the_same_queries_whatever_its_length(
    client_for, allocated, territory_user, django_assert_max_num_queries
):
    client = client_for(territory_user)
    client.get("/api/v1/orders/")  # the session and the user's memberships, once

    with django_assert_max_num_queries(9):
        response = client.get("/api/v1/orders/")

    assert len(response.json()["results"]) == 2


def test_the_offers_list_costs_the_same_queries_whatever_its_length(
    client_for, make_offer, buyer_user, django_assert_max_num_queries
):
    for index in range(6):
        make_offer(title=f"Écran {index}", min_screen_size_inches=Decimal(20 + index))
    client = client_for(buyer_user)

    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/offers/")

    assert len(response.json()["results"]) == 6
