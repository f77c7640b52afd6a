"""Closing a campaign: the allocation recorded, one order per buyer and partner, the devices
reserved through the lifecycle (an event each), idempotent, the preview equal to the result,
a number of queries that does not grow with the devices nor the commitments."""

from __future__ import annotations

import datetime
import gc
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from common.errors import PermissionDenied, TransitionNotAllowed
from inventory.choices import DeviceState, EventKind
from inventory.models import Device, DeviceEvent
from procurement import selectors
from procurement.choices import AllocationReason, CampaignState, OrderState
from procurement.models import AllocationLine, CampaignOffer, OfferDevice, Order, OrderDevice
from procurement.services import (
    campaign_close,
    campaigns_close_due,
    closing,
    commitment_submit,
    groupement_member_add,
)
from tests.conftest import BuyerFactory, SiteFactory, member
from tests.procurement.conftest import APPROVED_ON, tiers

pytestmark = pytest.mark.django_db

BUYER_SIRET = "44306184100013"
SECOND_SIRET = "77567227200017"


def commit(campaign, organisation, user, site, siret, **quantities_by_offer):
    commitment, _created = commitment_submit(
        campaign=campaign,
        buyer=organisation,
        user=user,
        quantities=quantities_by_offer["quantities"],
        delivery_site=site,
        contact_name="Nadia Benali",
        contact_email="nadia@example.org",
        siret=siret,
        service_code="SERV-42",
        engagement_number="EJ-2026-0042",
    )
    return commitment


def snapshot() -> tuple:
    return (
        sorted(Device.objects.values_list("pk", "state")),
        DeviceEvent.objects.count(),
        AllocationLine.objects.count(),
        Order.objects.count(),
        OrderDevice.objects.count(),
    )


def test_closing_allocates_places_orders_and_reserves_their_devices(
    stocked_offer,
    open_campaign,
    buyer,
    buyer_user,
    buyer_site,
    second_buyer,
    second_buyer_user,
    second_buyer_site,
    territory_user,
    partner,
    django_capture_on_commit_callbacks,
):
    # given: 10 monitors, 7 + 5 asked (short), tiers 60 € from 1, 50 € from 10
    offer = stocked_offer(10)
    campaign = open_campaign(offer)
    first = commit(campaign, buyer, buyer_user, buyer_site, BUYER_SIRET, quantities={offer: 7})
    second = commit(
        campaign,
        second_buyer,
        second_buyer_user,
        second_buyer_site,
        SECOND_SIRET,
        quantities={offer: 5},
    )
    preview = selectors.campaign_allocation(campaign)
    assert preview.is_preview
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        closed = campaign_close(campaign=campaign, user=territory_user)

    # then: 7 × 10/12 = 5.83 → 5 (+1), 5 × 10/12 = 4.17 → 4: 6 and 4
    assert closed.state == CampaignState.ALLOCATED
    lines = {line.commitment_id: line for line in AllocationLine.objects.filter(campaign=campaign)}
    assert (lines[first.pk].asked, lines[first.pk].allocated) == (7, 6)
    assert (lines[second.pk].asked, lines[second.pk].allocated) == (5, 4)
    assert {line.reason for line in lines.values()} == {AllocationReason.PRO_RATA}
    # 10 pooled reach the 50 € tier, for both
    assert {line.unit_price for line in lines.values()} == {Decimal("50.00")}
    entry = CampaignOffer.objects.get(campaign=campaign, offer=offer)
    assert (entry.stock, entry.demand, entry.allocated, entry.tier_threshold) == (10, 12, 10, 10)
    # one order per buyer and partner, priced by the allocation, with VAT
    order = Order.objects.get(campaign=campaign, buyer=buyer)
    assert (order.partner, order.state) == (partner, OrderState.PLACED)
    assert (order.total_excl_vat, order.total_vat, order.total_incl_vat) == (
        Decimal("300.00"),
        Decimal("60.00"),
        Decimal("360.00"),
    )
    [line] = order.lines.all()
    assert (line.quantity, line.unit_price, line.amount_incl_vat) == (
        6,
        Decimal("50.00"),
        Decimal("360.00"),
    )
    # its devices reserved, each with its event naming the order, and out of the offer
    reserved = Device.objects.filter(order_items__order=order)
    assert reserved.count() == 6
    assert set(reserved.values_list("state", flat=True)) == {DeviceState.RESERVED}
    for device in reserved:
        event = device.events.order_by("-pk").first()
        assert (event.kind, event.from_state, event.to_state) == (
            EventKind.RESERVED,
            DeviceState.READY,
            DeviceState.RESERVED,
        )
        assert event.details == {"campaign": campaign.pk, "order": order.pk}
        assert event.actor == territory_user
    assert not OfferDevice.objects.filter(offer=offer).exists()
    assert OrderDevice.objects.values("device").distinct().count() == 10
    # the result is what the preview said
    result = selectors.campaign_allocation(closed)
    assert not result.is_preview
    assert [(line.commitment, line.allocated, line.unit_price) for line in result.lines] == [
        (line.commitment, line.allocated, line.unit_price) for line in preview.lines
    ]
    # each buyer and the partner told of each order
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == ["[Boucle] Commande passée\u00a0: Écrans 2026"] * 4
    to_buyer = next(message for message in mail.outbox if message.to == [buyer_user.email])
    assert "6 × Écran 24 pouces" in to_buyer.body
    assert "EJ-2026-0042" in to_buyer.body


def test_closing_twice_gives_the_same_result(
    stocked_offer, open_campaign, buyer, buyer_user, buyer_site, territory_user
):
    # given
    offer = stocked_offer(3)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, BUYER_SIRET, quantities={offer: 2})
    campaign_close(campaign=campaign, user=territory_user)
    before = snapshot()

    # when
    again = campaign_close(campaign=campaign, user=territory_user)
    due = campaigns_close_due(now=timezone.now() + datetime.timedelta(days=3))

    # then
    assert again.state == CampaignState.ALLOCATED
    assert due == []
    assert snapshot() == before


def test_the_allocation_runs_with_the_garbage_collector_paused_and_resumes_it(
    stocked_offer, open_campaign, buyer, buyer_user, buyer_site, territory_user, monkeypatch
):
    # given
    offer = stocked_offer(3)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, BUYER_SIRET, quantities={offer: 2})
    allocate = closing._allocate
    collector_during = []

    def observed(*args, **kwargs):
        collector_during.append(gc.isenabled())
        return allocate(*args, **kwargs)

    monkeypatch.setattr(closing, "_allocate", observed)
    gc.enable()

    # when
    closed = campaign_close(campaign=campaign, user=territory_user)

    # then
    assert closed.state == CampaignState.ALLOCATED
    assert collector_during == [False]
    assert gc.isenabled() is True


def test_a_closing_stopped_after_closing_is_finished_by_the_next_run(
    stocked_offer, open_campaign, buyer, buyer_user, buyer_site, territory_user, monkeypatch
):
    # given: the allocation fails once the campaign is closed
    offer = stocked_offer(2)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, BUYER_SIRET, quantities={offer: 2})
    from procurement.services import closing

    def broken(*args, **kwargs):
        raise RuntimeError("The worker died.")

    monkeypatch.setattr(closing, "_allocate", broken)
    with pytest.raises(RuntimeError):
        campaign_close(campaign=campaign, user=territory_user)
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.CLOSED
    assert Order.objects.count() == 0
    monkeypatch.undo()

    # when: beat's next run
    allocated = campaigns_close_due()

    # then
    assert [item.pk for item in allocated] == [campaign.pk]
    assert Order.objects.get().lines.get().quantity == 2


def test_an_offer_below_its_minimum_is_dropped_and_its_buyers_told(
    stocked_offer,
    open_campaign,
    buyer,
    buyer_user,
    buyer_site,
    territory_user,
    django_capture_on_commit_callbacks,
):
    # given: a minimum of 5, 3 asked
    offer = stocked_offer(6, minimum_quantity=5, price_tiers=tiers((5, "55.00")))
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, BUYER_SIRET, quantities={offer: 3})
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        campaign_close(campaign=campaign, user=territory_user)

    # then: nothing ordered, nothing reserved, the stock kept, the buyer told
    line = AllocationLine.objects.get(campaign=campaign)
    assert (line.allocated, line.reason, line.unit_price) == (0, AllocationReason.DROPPED, None)
    assert Order.objects.count() == 0
    assert OfferDevice.objects.filter(offer=offer).count() == 6
    assert [message.subject for message in mail.outbox] == [
        "[Boucle] Offres abandonnées\u00a0: Écrans 2026"
    ]
    assert "sous le minimum de 5" in mail.outbox[0].body


def test_the_stock_at_closing_is_the_devices_still_ready_and_matching(
    make_offer,
    ready_devices,
    open_campaign,
    buyer,
    buyer_user,
    buyer_site,
    territory_user,
    partner_user,
):
    # given: 4 devices in the offer; one is taken out before the closing
    from procurement.services import offer_stock_add, offer_stock_remove

    offer = make_offer()
    devices = ready_devices(4)
    offer_stock_add(offer=offer, user=partner_user, devices=devices)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, BUYER_SIRET, quantities={offer: 10})
    offer_stock_remove(offer=offer, user=partner_user, devices=devices[:1])

    # when
    campaign_close(campaign=campaign, user=territory_user)

    # then
    line = AllocationLine.objects.get()
    assert (line.asked, line.allocated, line.reason) == (10, 3, AllocationReason.PRO_RATA)
    assert Device.objects.get(pk=devices[0].pk).state == DeviceState.READY


def test_only_the_coordinator_closes_a_campaign_early(
    stocked_offer, open_campaign, buyer_user, partner_user
):
    offer = stocked_offer(1)
    campaign = open_campaign(offer)

    for user in (buyer_user, partner_user):
        with pytest.raises(PermissionDenied):
            campaign_close(campaign=campaign, user=user)

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.OPEN


def test_the_system_closes_only_when_the_closing_time_has_come(stocked_offer, open_campaign):
    offer = stocked_offer(1)
    campaign = open_campaign(offer)

    with pytest.raises(TransitionNotAllowed):
        campaign_close(campaign=campaign)
    assert campaigns_close_due() == []

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.OPEN
    allocated = campaigns_close_due(now=campaign.closes_at)
    assert [item.pk for item in allocated] == [campaign.pk]


def test_the_command_closes_due_campaigns(stocked_offer, open_campaign, monkeypatch, capsys):
    offer = stocked_offer(1)
    campaign = open_campaign(offer)
    later = campaign.closes_at + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    call_command("close_campaigns")

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.ALLOCATED
    assert "1" in capsys.readouterr().out


def _campaign_with(count_devices, count_buyers, stocked_offer, open_campaign, territory_user):
    """A campaign of two offers holding ``count_devices`` each, with ``count_buyers`` members
    committing to both."""
    offers = [stocked_offer(count_devices), stocked_offer(count_devices, title="Écran 27 pouces")]
    campaign = open_campaign(*offers)
    for index in range(count_buyers):
        organisation = BuyerFactory(siret="")
        groupement_member_add(
            groupement=campaign.groupement,
            user=territory_user,
            organisation=organisation,
            approved_on=APPROVED_ON,
        )
        site = SiteFactory(organisation=organisation, is_pickup=False, is_delivery=True)
        commit(
            campaign,
            organisation,
            member(organisation),
            site,
            BUYER_SIRET,
            quantities={offers[0]: 1 + index % 3, offers[1]: 2},
        )
    return campaign


@pytest.mark.parametrize(("devices", "buyers"), [(3, 2), (12, 9)])
def test_closing_costs_a_number_of_queries_that_does_not_grow(
    devices,
    buyers,
    stocked_offer,
    open_campaign,
    territory_user,
    django_assert_num_queries,
):
    # given
    campaign = _campaign_with(devices, buyers, stocked_offer, open_campaign, territory_user)

    # when / then: as many for 6 devices and 2 commitments as for 24 and 9: closing (lock,
    # save), then allocating (lock; offers, tiers, stock, commitments, lines; the outcomes,
    # allocation lines, orders, order lines and devices written; the reservation's update
    # (the stock's rows, locked above, not locked again), events, counts moved (taken, added)
    # and stock cleared; the purchase orders requested: the orders read with their campaign,
    # buyers and partners, lines, offers and devices, the numbering locked, the documents and
    # their devices written; the campaign saved), each transaction a savepoint; the purchase
    # orders take 17 of them (6 reads, the numbering's savepoint, its first row of the year,
    # lock and save, 2 writes)
    with django_assert_num_queries(42):
        campaign_close(campaign=campaign, user=territory_user)
    assert Order.objects.filter(campaign=campaign).count() == buyers
