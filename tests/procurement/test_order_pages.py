"""The order pages: a buyer reads its orders, a partner those it supplies, the territory all of
them, with their lines and totals excl. and incl. VAT; the territory cancels one with a reason
(its devices back to ready); nobody else reads or cancels it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from inventory.choices import DeviceState
from inventory.models import Device
from procurement.choices import OrderState
from procurement.models import Order
from procurement.services import campaign_close
from tests.procurement.pages import SECOND_SIRET, commit

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_client(client):
    """A page client in English, logged in as the user given."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def _as(user):
        client.force_login(user)
        return client

    return _as


@pytest.fixture
def orders(
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
    """Two orders of a closed campaign: 3 and 2 monitors at 60 € excl. VAT, 20 % VAT."""
    offer = stocked_offer(5)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, quantities={offer: 3})
    commit(
        campaign, second_buyer, second_buyer_user, second_buyer_site, SECOND_SIRET,
        quantities={offer: 2},
    )  # fmt: skip
    campaign_close(campaign=campaign, user=territory_user)
    return {order.buyer.slug: order for order in Order.objects.select_related("buyer")}


def order_state() -> list:
    return sorted(Order.objects.values_list("pk", "state", "cancel_reason")) + sorted(
        Device.objects.values_list("pk", "state")
    )


def test_each_side_reads_its_orders_with_their_totals(
    page_client, orders, buyer_user, partner_user, territory_user, second_buyer_user
):
    # given
    mine, theirs = orders["fcpe-cachan"], orders["ecole-jean-jaures"]

    # when
    listings = {
        name: page_client(user).get(reverse("procurement:order-list")).content.decode()
        for name, user in (
            ("buyer", buyer_user),
            ("partner", partner_user),
            ("territory", territory_user),
        )
    }
    detail = page_client(buyer_user).get(reverse("procurement:order-detail", args=[mine.pk]))

    # then
    assert f'data-order="{mine.pk}"' in listings["buyer"]
    assert f'data-order="{theirs.pk}"' not in listings["buyer"]
    for name in ("partner", "territory"):
        assert f'data-order="{mine.pk}"' in listings[name]
        assert f'data-order="{theirs.pk}"' in listings[name]
    content = detail.content.decode()
    assert "data-quantity>3<" in content
    assert "data-unit-price>60.00\u00a0€<" in content
    assert 'data-total="excl_vat">180.00\u00a0€<' in content
    assert 'data-total="vat">36.00\u00a0€<' in content
    assert 'data-total="incl_vat">216.00\u00a0€<' in content
    assert "EJ-2026-0042" in content


def test_another_buyer_does_not_see_an_order(page_client, orders, second_buyer_user):
    # given
    mine = orders["fcpe-cachan"]

    # when
    detail = page_client(second_buyer_user).get(reverse("procurement:order-detail", args=[mine.pk]))
    cancel = page_client(second_buyer_user).post(
        reverse("procurement:order-cancel", args=[mine.pk]), {"reason": "Non"}
    )

    # then
    assert (detail.status_code, cancel.status_code) == (404, 404)


def test_only_the_territory_cancels_an_order_and_says_why(
    page_client, orders, buyer_user, partner_user, territory_user
):
    # given
    order = orders["fcpe-cachan"]
    devices = list(Device.objects.filter(order_items__order=order))
    before = order_state()

    # when: its buyer and its partner try
    for user in (buyer_user, partner_user):
        refused = page_client(user).post(
            reverse("procurement:order-cancel", args=[order.pk]), {"reason": "Plus besoin"}
        )
        # then
        assert refused.status_code == 403
    assert order_state() == before

    # when: the territory, without a reason, then with one
    client = page_client(territory_user)
    confirm = client.get(reverse("procurement:order-cancel", args=[order.pk]))
    without = client.post(reverse("procurement:order-cancel", args=[order.pk]), {"reason": ""})
    assert order_state() == before
    cancelled = client.post(
        reverse("procurement:order-cancel", args=[order.pk]),
        {"reason": "L’école a reçu un don entre-temps."},
        follow=True,
    )

    # then
    assert confirm.status_code == 200
    assert "This field is required." in without.content.decode()
    assert "Order cancelled" in cancelled.content.decode()
    order.refresh_from_db()
    assert (order.state, order.cancel_reason) == (
        OrderState.CANCELLED,
        "L’école a reçu un don entre-temps.",
    )
    assert {device.state for device in Device.objects.filter(pk__in=[d.pk for d in devices])} == {
        DeviceState.READY
    }
    # and once cancelled, cancelling again is refused with the reason
    again = client.post(
        reverse("procurement:order-cancel", args=[order.pk]), {"reason": "Encore"}, follow=True
    )
    assert "This order is already cancelled." in again.content.decode()


def test_the_order_pages_cost_a_constant_number_of_queries(
    page_client, orders, territory_user, django_assert_max_num_queries
):
    # given
    client = page_client(territory_user)
    order = orders["fcpe-cachan"]

    # when / then
    with django_assert_max_num_queries(25):
        assert client.get(reverse("procurement:order-list")).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("procurement:order-detail", args=[order.pk])).status_code == 200
