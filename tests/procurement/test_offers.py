"""Offers and their stock: a partner publishes an offer with its price tiers, puts its ready
devices that match into it (by selection or every one), takes them out; the database keeps a
device in one offer and a warranty of twelve months at least."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from inventory.models import Device
from procurement import selectors
from procurement.dashboard import partner_offers
from procurement.models import Offer, OfferDevice, OfferPriceTier
from procurement.services import (
    offer_create,
    offer_deactivate,
    offer_stock_add,
    offer_stock_remove,
    offer_update,
)
from reuse.models import Grading
from tests.procurement.conftest import tiers

pytestmark = pytest.mark.django_db


def stock_of(offer) -> list[int]:
    return sorted(OfferDevice.objects.filter(offer=offer).values_list("device", flat=True))


def test_a_partner_publishes_an_offer_with_its_tiers(make_offer, partner):
    offer = make_offer(price_tiers=tiers((10, "50.00"), (1, "60.00"), (50, "45.50")))

    assert (offer.partner, offer.category, offer.grade, offer.warranty_months) == (
        partner,
        "monitor",
        "B",
        12,
    )
    assert list(offer.tiers.values_list("threshold", "unit_price")) == [
        (1, Decimal("60.00")),
        (10, Decimal("50.00")),
        (50, Decimal("45.50")),
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"warranty_months": 6}, "warranty_months"),
        ({"vat_rate": Decimal("120")}, "vat_rate"),
        ({"minimum_quantity": 0}, "minimum_quantity"),
        ({"category": "spaceship"}, "category"),
        ({"grade": "Z"}, "grade"),
        ({"title": ""}, "title"),
        ({"price_tiers": []}, "price_tiers"),
        ({"price_tiers": tiers((1, "10.00"), (1, "9.00"))}, "price_tiers"),
        ({"price_tiers": tiers((1, "10.00"), (5, "12.00"))}, "price_tiers"),
        ({"price_tiers": tiers((1, "10.001"))}, "price_tiers"),
        ({"price_tiers": tiers((1, "0"))}, "price_tiers"),
        ({"minimum_quantity": 3, "price_tiers": tiers((5, "10.00"))}, "price_tiers"),
    ],
)
def test_a_bad_offer_is_refused_with_its_field(overrides, field, make_offer):
    with pytest.raises(ValidationFailed) as refusal:
        make_offer(**overrides)

    assert field in refusal.value.fields
    assert Offer.objects.count() == 0
    assert OfferPriceTier.objects.count() == 0


def test_the_database_keeps_a_warranty_of_twelve_months(make_offer):
    offer = make_offer()

    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.filter(pk=offer.pk).update(warranty_months=11)

    assert Offer.objects.get(pk=offer.pk).warranty_months == 12


def test_only_a_partner_publishes(buyer, buyer_user):
    with pytest.raises(PermissionDenied):
        offer_create(
            partner=buyer,
            user=buyer_user,
            title="Écrans",
            category="monitor",
            grade="B",
            warranty_months=12,
            vat_rate=Decimal("20"),
            minimum_quantity=1,
            price_tiers=tiers((1, "10.00")),
        )
    assert Offer.objects.count() == 0


def test_a_partner_puts_a_selection_of_its_ready_devices_into_an_offer(
    make_offer, ready_devices, partner_user
):
    offer = make_offer()
    devices = ready_devices(3)

    added = offer_stock_add(offer=offer, user=partner_user, devices=devices[:2])

    assert [device.pk for device in added] == [device.pk for device in devices[:2]]
    assert stock_of(offer) == [device.pk for device in devices[:2]]
    # again: those already in are left as they are
    assert offer_stock_add(offer=offer, user=partner_user, devices=devices[:2]) == []
    assert selectors.stock_counts([offer]) == {offer.pk: 2}


def test_every_ready_device_that_matches_goes_in_and_no_other(
    make_offer, ready_devices, declare, partner_user
):
    # given: 2 matching monitors, a 22-inch one, a grade C one, a declared one
    offer = make_offer()
    matching = ready_devices(2)
    small = ready_devices(1, screen_size_inches=Decimal("22"))
    worn = ready_devices(1, grade="C")
    declare(1, category="monitor", screen_size_inches=Decimal("27"))

    # when
    added = offer_stock_add(offer=offer, user=partner_user, every_match=True)

    # then
    assert sorted(device.pk for device in added) == [device.pk for device in matching]
    assert stock_of(offer) == [device.pk for device in matching]
    assert not OfferDevice.objects.filter(device__in=[*small, *worn]).exists()


def test_a_selected_device_that_does_not_match_is_refused_with_its_reasons(
    make_offer, ready_devices, partner_user
):
    offer = make_offer()
    good = ready_devices(1)
    worn = ready_devices(1, grade="C", screen_size_inches=Decimal("19"))

    with pytest.raises(ValidationFailed) as refusal:
        offer_stock_add(offer=offer, user=partner_user, devices=[*good, *worn])

    assert refusal.value.code == "not_matching"
    assert worn[0].code in refusal.value.message
    assert "its screen is smaller than 24 inches" in refusal.value.message
    assert "its grade is not B or better" in refusal.value.message
    assert stock_of(offer) == []


def test_a_device_in_another_offer_or_not_ready_is_refused(
    make_offer, ready_devices, declare, partner_user
):
    first, second = make_offer(), make_offer(title="Écran 24 pouces (lot 2)")
    devices = ready_devices(1)
    offer_stock_add(offer=first, user=partner_user, devices=devices)

    with pytest.raises(TransitionNotAllowed) as refusal:
        offer_stock_add(offer=second, user=partner_user, devices=devices)
    assert refusal.value.code == "in_another_offer"

    assert stock_of(first) == [devices[0].pk]
    assert stock_of(second) == []


def test_the_database_keeps_a_device_in_one_offer(make_offer, ready_devices, partner_user):
    first, second = make_offer(), make_offer(title="Autre")
    [device] = ready_devices(1)
    offer_stock_add(offer=first, user=partner_user, devices=[device])

    with pytest.raises(IntegrityError), transaction.atomic():
        OfferDevice.objects.create(offer=second, device=device)


def test_another_partners_devices_are_not_found(
    make_offer, ready_devices, other_partner, other_partner_user
):
    # given: the other partner's offer, this partner's devices
    devices = ready_devices(1)
    offer = make_offer(by=other_partner, by_user=other_partner_user)

    with pytest.raises(NotFound):
        offer_stock_add(offer=offer, user=other_partner_user, devices=devices)
    assert stock_of(offer) == []


def test_another_partner_may_not_touch_an_offer(
    make_offer, ready_devices, partner_user, other_partner_user
):
    offer = make_offer()
    devices = ready_devices(1)
    offer_stock_add(offer=offer, user=partner_user, devices=devices)

    for attempt in (
        lambda: offer_stock_remove(offer=offer, user=other_partner_user, devices=devices),
        lambda: offer_stock_add(offer=offer, user=other_partner_user, every_match=True),
        lambda: offer_update(offer=offer, user=other_partner_user, title="Volé"),
        lambda: offer_deactivate(offer=offer, user=other_partner_user),
    ):
        with pytest.raises(PermissionDenied):
            attempt()

    offer.refresh_from_db()
    assert (offer.title, offer.is_active) == ("Écran 24 pouces", True)
    assert stock_of(offer) == [devices[0].pk]


def test_taking_devices_out_leaves_them_ready(make_offer, ready_devices, partner_user):
    offer = make_offer()
    devices = ready_devices(2)
    offer_stock_add(offer=offer, user=partner_user, devices=devices)

    removed = offer_stock_remove(offer=offer, user=partner_user, devices=devices[:1])

    assert removed == [devices[0].pk]
    assert stock_of(offer) == [devices[1].pk]
    assert Device.objects.get(pk=devices[0].pk).state == "ready"


def test_a_change_of_specification_takes_out_the_devices_that_no_longer_match(
    make_offer, ready_devices, partner_user
):
    offer = make_offer()
    big = ready_devices(1, screen_size_inches=Decimal("27"))
    medium = ready_devices(1)
    offer_stock_add(offer=offer, user=partner_user, devices=[*big, *medium])

    offer_update(offer=offer, user=partner_user, min_screen_size_inches=Decimal("27"))

    assert stock_of(offer) == [big[0].pk]


def test_the_tiers_are_replaced_and_checked_against_the_minimum(make_offer, partner_user):
    offer = make_offer()

    offer_update(offer=offer, user=partner_user, price_tiers=tiers((1, "70.00")))
    assert list(offer.tiers.values_list("threshold", "unit_price")) == [(1, Decimal("70.00"))]

    with pytest.raises(ValidationFailed) as refusal:
        offer_update(offer=offer, user=partner_user, minimum_quantity=0)
    assert "minimum_quantity" in refusal.value.fields


def test_an_offer_in_an_open_campaign_keeps_its_terms(make_offer, open_campaign, partner_user):
    offer = make_offer()
    open_campaign(offer)

    with pytest.raises(TransitionNotAllowed) as refusal:
        offer_update(offer=offer, user=partner_user, price_tiers=tiers((1, "99.00")))
    assert refusal.value.code == "offer_in_campaign"
    with pytest.raises(TransitionNotAllowed):
        offer_deactivate(offer=offer, user=partner_user)

    assert list(offer.tiers.values_list("unit_price", flat=True)) == [
        Decimal("60.00"),
        Decimal("50.00"),
    ]


def test_a_deactivated_offer_empties_its_stock_and_takes_no_more(
    make_offer, ready_devices, partner_user
):
    offer = make_offer()
    devices = ready_devices(2)
    offer_stock_add(offer=offer, user=partner_user, devices=devices)

    offer_deactivate(offer=offer, user=partner_user)

    assert stock_of(offer) == []
    with pytest.raises(TransitionNotAllowed):
        offer_stock_add(offer=offer, user=partner_user, devices=devices)
    assert set(
        Device.objects.filter(pk__in=[d.pk for d in devices]).values_list("state", flat=True)
    ) == {"ready"}


def test_the_processor_memory_and_storage_of_a_laptop_offer(
    make_offer, ready_devices, partner_user
):
    # given: an i5 laptop offer with 8 GB and 256 GB at least
    offer = make_offer(
        title="Portable i5",
        category="laptop",
        processor="i5",
        min_ram_gb=Decimal("8"),
        min_storage_gb=256,
        min_screen_size_inches=None,
    )
    fits = ready_devices(1, category="laptop", cpu="Intel Core i5-8350U", ram_gb=8, storage_gb=256)
    slow = ready_devices(1, category="laptop", cpu="Intel Core i3-7100U", ram_gb=4, storage_gb=128)

    # when / then
    assert [d.pk for d in offer_stock_add(offer=offer, user=partner_user, every_match=True)] == [
        fits[0].pk
    ]
    with pytest.raises(ValidationFailed) as refusal:
        offer_stock_add(offer=offer, user=partner_user, devices=slow)
    message = refusal.value.message
    assert "its processor does not match “i5”" in message
    assert "its memory is below 8 GB" in message
    assert "its storage is below 256 GB" in message


def test_the_stock_counts_of_several_offers_are_their_stocks_lengths(
    make_offer, ready_devices, partner, partner_user
):
    # given: offers of grade B and C monitors and of A laptops; a device regraded below its
    # offer's grade stays in it without counting
    best = make_offer(title="Écran A ou B", grade="B")
    any_grade = make_offer(title="Écran C", grade="C", min_screen_size_inches=Decimal("27"))
    laptops = make_offer(
        title="Portable A", category="laptop", grade="A", min_screen_size_inches=None
    )
    offer_stock_add(offer=best, user=partner_user, devices=ready_devices(3, grade="B"))
    offer_stock_add(
        offer=any_grade,
        user=partner_user,
        devices=ready_devices(2, grade="C", screen_size_inches=Decimal("27"))
        + ready_devices(1, grade="A", screen_size_inches=Decimal("27")),
    )
    offer_stock_add(
        offer=laptops, user=partner_user, devices=ready_devices(2, grade="A", category="laptop")
    )
    regraded = Device.objects.filter(offer_items__offer=best).order_by("pk").first()
    Grading.objects.create(
        device=regraded,
        organisation=partner,
        grade="C",
        graded_by=partner_user,
        graded_on=timezone.localdate(),
    )
    offers = [best, any_grade, laptops]

    # when
    counts = selectors.stock_counts(offers)

    # then
    assert counts == {offer.pk: selectors.offer_stock(offer).count() for offer in offers}
    assert counts == {best.pk: 2, any_grade.pk: 3, laptops.pk: 2}


def test_the_stock_of_several_offers_is_read_in_one_query_without_sorting_its_links(
    make_offer, ready_devices, partner_user
):
    # given: two offers and their stocks
    monitors = make_offer(title="Écran B", grade="B")
    laptops = make_offer(
        title="Portable A", category="laptop", grade="A", min_screen_size_inches=None
    )
    offer_stock_add(offer=monitors, user=partner_user, devices=ready_devices(3, grade="B"))
    offer_stock_add(
        offer=laptops, user=partner_user, devices=ready_devices(2, grade="A", category="laptop")
    )

    # when
    with CaptureQueriesContext(connection) as queries:
        stock = selectors.stock_devices([monitors, laptops], lock=False)

    # then: each device in its own offer's list, in primary key order; a device's offer is
    # looked up in the links alone (the links' default ordering would join the device table
    # again to sort a single row, for each device of the stock)
    assert {offer: [device.pk for device in devices] for offer, devices in stock.items()} == {
        offer.pk: list(selectors.offer_stock(offer).order_by("pk").values_list("pk", flat=True))
        for offer in (monitors, laptops)
    }
    assert [len(devices) for devices in stock.values()] == [3, 2]
    (query,) = queries.captured_queries
    link_lookup = query["sql"].split('AS "stock_offer"')[0].rsplit("(SELECT", 1)[1]
    assert "procurement_offerdevice" in link_lookup
    assert "JOIN" not in link_lookup
    assert "ORDER BY" not in link_lookup


def test_the_partners_offers_panel_reads_its_offers_and_their_stock_counts(
    make_offer, ready_devices, partner, partner_user, django_assert_num_queries
):
    # given: an active offer with two devices, another withdrawn
    offer = make_offer()
    offer_stock_add(offer=offer, user=partner_user, devices=ready_devices(2))
    withdrawn = make_offer(title="Écran 22 pouces")
    offer_deactivate(offer=withdrawn, user=partner_user)

    # when: two queries, not their partner nor their price tiers
    with django_assert_num_queries(2):
        context = partner_offers(partner)

    # then
    assert context["offers"] == [{"offer": offer, "stock": 2}]
    assert context["offer_count"] == 1
