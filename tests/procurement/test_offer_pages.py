"""The offer pages: a partner publishes an offer with its price tiers, changes it, withdraws it,
and puts its ready devices into its stock (ticked, or every one that matches) or takes them
out; another partner, a buyer or the territory changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from inventory.choices import DeviceState
from procurement.models import Offer, OfferDevice, OfferPriceTier
from tests.conftest import member

pytestmark = pytest.mark.django_db

OFFER_FORM = {
    "title": "Écran 24 pouces",
    "description": "Écrans Full HD, câble fourni.",
    "category": "monitor",
    "processor": "",
    "min_ram_gb": "",
    "min_storage_gb": "",
    "min_screen_size_inches": "23.8",
    "grade": "B",
    "warranty_months": "12",
    "vat_rate": "20",
    "minimum_quantity": "5",
    "tiers-TOTAL_FORMS": "3",
    "tiers-INITIAL_FORMS": "0",
    "tiers-MIN_NUM_FORMS": "0",
    "tiers-MAX_NUM_FORMS": "20",
    "tiers-0-threshold": "1",
    "tiers-0-unit_price": "60.00",
    "tiers-1-threshold": "20",
    "tiers-1-unit_price": "49.50",
    "tiers-2-threshold": "",
    "tiers-2-unit_price": "",
}


@pytest.fixture
def page_client(client):
    """A page client in English, logged in as the user given."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def _as(user):
        client.force_login(user)
        return client

    return _as


def offer_snapshot() -> tuple:
    return (
        sorted(Offer.objects.values_list("pk", "title", "is_active", "minimum_quantity")),
        sorted(OfferPriceTier.objects.values_list("offer", "threshold", "unit_price")),
        sorted(OfferDevice.objects.values_list("offer", "device")),
    )


def test_a_partner_publishes_an_offer_with_its_price_tiers(page_client, partner, partner_user):
    # given
    client = page_client(partner_user)

    # when
    form = client.get(reverse("procurement:offer-new"))
    response = client.post(reverse("procurement:offer-new"), OFFER_FORM)

    # then
    assert form.status_code == 200
    offer = Offer.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("procurement:offer-detail", args=[offer.pk])
    assert (offer.partner, offer.title, offer.category, offer.grade) == (
        partner,
        "Écran 24 pouces",
        "monitor",
        "B",
    )
    assert offer.min_screen_size_inches == Decimal("23.8")
    assert offer.minimum_quantity == 5
    assert list(offer.tiers.values_list("threshold", "unit_price")) == [
        (1, Decimal("60.00")),
        (20, Decimal("49.50")),
    ]
    page = client.get(response.url).content.decode()
    assert "from 20 devices: 49.50\u00a0€ excl. VAT each" in page


def test_price_tiers_the_service_refuses_are_shown_on_the_form_and_nothing_is_saved(
    page_client, partner_user
):
    # given: a larger quantity dearer than a smaller one, and a tier without its price
    data = {
        **OFFER_FORM,
        "tiers-1-unit_price": "65.00",
        "tiers-2-threshold": "50",
    }
    client = page_client(partner_user)

    # when
    response = client.post(reverse("procurement:offer-new"), data)

    # then
    assert response.status_code == 400
    content = response.content.decode()
    assert "Give both the quantity and the unit price, or neither." in content
    # when: the row is fixed, the service refuses the dearer tier
    data["tiers-2-threshold"] = ""
    response = client.post(reverse("procurement:offer-new"), data)
    assert response.status_code == 400
    assert "A tier for a larger quantity may not cost more per device." in response.content.decode()
    assert not Offer.objects.exists()


def test_only_a_partner_publishes_offers(page_client, buyer, territory_user):
    # given
    for user in (member(buyer), territory_user):
        client = page_client(user)

        # when
        form = client.get(reverse("procurement:offer-new"))
        response = client.post(reverse("procurement:offer-new"), OFFER_FORM)

        # then
        assert (form.status_code, response.status_code) == (403, 403)
    assert not Offer.objects.exists()


def test_the_partner_changes_its_offer_and_another_partner_may_not(
    page_client, make_offer, partner_user, other_partner_user
):
    # given
    offer = make_offer()
    before = offer_snapshot()

    # when: another partner tries
    other = page_client(other_partner_user)
    refused_form = other.get(reverse("procurement:offer-edit", args=[offer.pk]))
    refused = other.post(
        reverse("procurement:offer-edit", args=[offer.pk]), {**OFFER_FORM, "title": "Pris"}
    )

    # then
    assert (refused_form.status_code, refused.status_code) == (403, 403)
    assert offer_snapshot() == before

    # when: its partner changes it
    client = page_client(partner_user)
    form = client.get(reverse("procurement:offer-edit", args=[offer.pk]))
    response = client.post(
        reverse("procurement:offer-edit", args=[offer.pk]),
        {**OFFER_FORM, "title": "Écran 27 pouces", "tiers-TOTAL_FORMS": "3"},
    )

    # then
    assert form.status_code == 200
    assert 'value="60.00"' in form.content.decode() or 'value="60.00"' in form.content.decode()
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.title == "Écran 27 pouces"
    assert list(offer.tiers.values_list("threshold", flat=True)) == [1, 20]


def test_an_offer_in_an_open_campaign_keeps_its_terms(
    page_client, make_offer, open_campaign, partner_user
):
    # given
    offer = make_offer()
    open_campaign(offer)
    before = offer_snapshot()
    client = page_client(partner_user)

    # when
    form = client.get(reverse("procurement:offer-edit", args=[offer.pk]), follow=True)
    response = client.post(
        reverse("procurement:offer-edit", args=[offer.pk]), {**OFFER_FORM, "title": "Autre"}
    )

    # then
    assert "its terms hold until the campaign is allocated" in form.content.decode()
    assert response.status_code == 302
    assert offer_snapshot() == before


def test_the_partner_puts_ticked_devices_into_the_stock_then_takes_one_out(
    page_client, make_offer, ready_devices, partner_user
):
    # given
    offer = make_offer()
    devices = ready_devices(3)
    client = page_client(partner_user)
    page = client.get(reverse("procurement:offer-detail", args=[offer.pk])).content.decode()

    # when
    added = client.post(
        reverse("procurement:offer-stock-add", args=[offer.pk]),
        {"codes": [devices[0].code, devices[1].code]},
        follow=True,
    )

    # then
    assert "3 of your ready devices match this offer" in page
    assert all(f'value="{device.code}"' in page for device in devices)
    assert "2 devices put into the stock." in added.content.decode()
    assert set(OfferDevice.objects.values_list("device", flat=True)) == {
        devices[0].pk,
        devices[1].pk,
    }

    # when
    removed = client.post(
        reverse("procurement:offer-stock-remove", args=[offer.pk]),
        {"codes": [devices[0].code]},
        follow=True,
    )

    # then
    assert "1 device taken out of the stock; it stays ready." in removed.content.decode()
    assert list(OfferDevice.objects.values_list("device", flat=True)) == [devices[1].pk]
    devices[0].refresh_from_db()
    assert devices[0].state == DeviceState.READY


def test_every_ready_device_that_matches_goes_in_at_once(
    page_client, make_offer, ready_devices, partner_user
):
    # given: three 24-inch monitors and a 19-inch one
    offer = make_offer()
    matching = ready_devices(3)
    ready_devices(1, screen_size_inches=Decimal("19"))
    client = page_client(partner_user)

    # when
    response = client.post(
        reverse("procurement:offer-stock-add", args=[offer.pk]), {"every_match": "yes"}, follow=True
    )

    # then
    assert "3 devices put into the stock." in response.content.decode()
    assert sorted(OfferDevice.objects.values_list("device", flat=True)) == [
        device.pk for device in matching
    ]


def test_another_partners_devices_or_offer_are_refused_and_nothing_changes(
    page_client, make_offer, ready_devices, partner_user, other_partner, other_partner_user
):
    # given: the partner's offer and devices; the other partner's own offer
    offer = make_offer()
    devices = ready_devices(2)
    foreign_offer = make_offer(by=other_partner, by_user=other_partner_user, title="Autre")
    before = offer_snapshot()
    other = page_client(other_partner_user)

    # when: the other partner puts the partner's devices into its own offer, or into the
    # partner's offer
    into_own = other.post(
        reverse("procurement:offer-stock-add", args=[foreign_offer.pk]),
        {"codes": [device.code for device in devices]},
        follow=True,
    )
    into_theirs = other.post(
        reverse("procurement:offer-stock-add", args=[offer.pk]), {"every_match": "yes"}
    )
    out_of_theirs = other.post(
        reverse("procurement:offer-stock-remove", args=[offer.pk]), {"codes": [devices[0].code]}
    )

    # then
    assert "Only the devices your organisation holds go into its offers." in (
        into_own.content.decode()
    )
    assert (into_theirs.status_code, out_of_theirs.status_code) == (403, 403)
    assert offer_snapshot() == before


def test_the_stock_lists_devices_to_its_partner_and_the_territory_only(
    page_client, stocked_offer, buyer, territory_user, other_partner_user
):
    # given
    offer = stocked_offer(2)
    codes = list(offer.items.values_list("device__code", flat=True))

    # when
    pages = {
        name: page_client(user).get(reverse("procurement:offer-detail", args=[offer.pk]))
        for name, user in (
            ("territory", territory_user),
            ("buyer", member(buyer)),
            ("other partner", other_partner_user),
        )
    }

    # then: everyone reads the offer and how many devices it holds
    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert all(code in pages["territory"].content.decode() for code in codes)
    for name in ("buyer", "other partner"):
        content = pages[name].content.decode()
        assert not any(code in content for code in codes)
        assert "data-stock-count>2<" in content


def test_the_partner_withdraws_its_offer_after_confirming(
    page_client, stocked_offer, partner_user, other_partner_user
):
    # given
    offer = stocked_offer(2)
    before = offer_snapshot()

    # when: another partner tries
    refused = page_client(other_partner_user).post(
        reverse("procurement:offer-deactivate", args=[offer.pk])
    )

    # then
    assert refused.status_code == 403
    assert offer_snapshot() == before

    # when
    client = page_client(partner_user)
    confirm = client.get(reverse("procurement:offer-deactivate", args=[offer.pk]))
    response = client.post(reverse("procurement:offer-deactivate", args=[offer.pk]), follow=True)

    # then
    assert confirm.status_code == 200
    assert "Offer withdrawn from the catalogue; its devices stay ready." in (
        response.content.decode()
    )
    offer.refresh_from_db()
    assert not offer.is_active
    assert not offer.items.exists()


def test_an_inactive_offer_is_hidden_from_others(
    page_client, make_offer, partner_user, other_partner_user
):
    # given
    offer = make_offer()
    page_client(partner_user).post(reverse("procurement:offer-deactivate", args=[offer.pk]))

    # when
    own = page_client(partner_user).get(reverse("procurement:offer-detail", args=[offer.pk]))
    other = page_client(other_partner_user).get(
        reverse("procurement:offer-detail", args=[offer.pk])
    )

    # then
    assert (own.status_code, other.status_code) == (200, 404)
