"""Campaigns and the groupement: the territory keeps its members, drafts, opens (members
told), reminds once a day before the closing, cancels before delivery; each transition
allowed, refused, and nothing changed after a refusal."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from inventory.choices import DeviceState, EventKind
from inventory.models import Device
from procurement import selectors
from procurement.choices import CampaignState, OrderState
from procurement.models import Campaign, GroupementMember, OfferDevice, Order
from procurement.services import (
    campaign_cancel,
    campaign_close,
    campaign_complete,
    campaign_create,
    campaign_open,
    campaign_update,
    campaigns_remind_closing,
    commitment_submit,
    groupement_create,
    groupement_member_add,
    groupement_member_remove,
    offer_stock_add,
    order_cancel,
)
from procurement.thresholds import threshold_on
from tests.conftest import CommuneFactory
from tests.procurement.conftest import tiers

pytestmark = pytest.mark.django_db

SIRET = "44306184100013"


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


def draft(groupement, user, *offers, **overrides):
    now = timezone.now()
    return campaign_create(
        groupement=groupement,
        user=user,
        title=overrides.pop("title", "Écrans 2026"),
        opens_at=overrides.pop("opens_at", now),
        closes_at=overrides.pop("closes_at", now + datetime.timedelta(days=3)),
        offers=offers,
        **overrides,
    )


# --- The groupement. ---


def test_only_the_territory_keeps_a_groupement(buyer, buyer_user):
    with pytest.raises(PermissionDenied):
        groupement_create(
            coordinator=buyer,
            user=buyer_user,
            name="Groupement",
            reference="GC-1",
            convention_date=datetime.date(2026, 1, 1),
        )


def test_members_are_communes_and_buyers_once_each(
    groupement, territory_user, buyer, partner, commune
):
    # a commune joins
    member = groupement_member_add(
        groupement=groupement,
        user=territory_user,
        organisation=commune,
        approved_on=datetime.date(2026, 2, 3),
        approval_reference="Délibération 2026-14",
    )
    assert (member.organisation, member.approved_on) == (commune, datetime.date(2026, 2, 3))
    count = GroupementMember.objects.count()

    # a partner may not, nor a member twice, nor an approval in the future
    for organisation, approved_on, field in (
        (partner, datetime.date(2026, 2, 3), "organisation"),
        (buyer, datetime.date(2026, 2, 3), "organisation"),
        (CommuneFactory(), timezone.localdate() + datetime.timedelta(days=1), "approved_on"),
    ):
        with pytest.raises(ValidationFailed) as refusal:
            groupement_member_add(
                groupement=groupement,
                user=territory_user,
                organisation=organisation,
                approved_on=approved_on,
            )
        assert field in refusal.value.fields
    assert GroupementMember.objects.count() == count


def test_a_member_committed_to_a_running_campaign_may_not_leave(
    groupement, make_offer, open_campaign, buyer, buyer_user, buyer_site, territory_user
):
    offer = make_offer()
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, {offer: 1})
    member = GroupementMember.objects.get(organisation=buyer)

    with pytest.raises(TransitionNotAllowed):
        groupement_member_remove(member=member, user=territory_user)
    assert GroupementMember.objects.filter(pk=member.pk).exists()


# --- Drafting and opening. ---


def test_the_territory_drafts_then_opens_a_campaign_and_members_are_told(
    groupement,
    make_offer,
    territory_user,
    buyer_user,
    second_buyer_user,
    django_capture_on_commit_callbacks,
):
    # given
    offer = make_offer()
    campaign = draft(groupement, territory_user, offer)
    assert campaign.state == CampaignState.DRAFT
    assert list(selectors.campaigns_visible_to([buyer_user.memberships.get().organisation])) == []

    # when
    with django_capture_on_commit_callbacks(execute=True):
        opened = campaign_open(campaign=campaign, user=territory_user)

    # then
    assert opened.state == CampaignState.OPEN
    assert (opened.opened_by, opened.opened_at is not None) == (territory_user, True)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [buyer_user.email, second_buyer_user.email]
    )
    message = mail.outbox[0]
    assert message.subject == "[Boucle] Commande groupée ouverte\u00a0: Écrans 2026"
    assert "Écran 24 pouces" in message.body
    assert "60,00\u00a0€" in message.body


def test_a_draft_changes_and_an_open_campaign_does_not(groupement, make_offer, territory_user):
    offer, other = make_offer(), make_offer(title="Écran 27 pouces")
    campaign = draft(groupement, territory_user, offer)

    campaign_update(campaign=campaign, user=territory_user, title="Écrans", offers=[other])
    campaign.refresh_from_db()
    assert (campaign.title, list(campaign.offers.all())) == ("Écrans", [other])

    campaign_open(campaign=campaign, user=territory_user)
    with pytest.raises(TransitionNotAllowed):
        campaign_update(campaign=campaign, user=territory_user, title="Autre")
    campaign.refresh_from_db()
    assert campaign.title == "Écrans"


def test_a_campaign_closes_after_it_opens(groupement, make_offer, territory_user):
    now = timezone.now()

    with pytest.raises(ValidationFailed) as refusal:
        draft(groupement, territory_user, make_offer(), opens_at=now, closes_at=now)

    assert "closes_at" in refusal.value.fields
    assert Campaign.objects.count() == 0


def test_opening_refused_without_an_offer(groupement, territory_user):
    campaign = draft(groupement, territory_user)

    with pytest.raises(ValidationFailed) as refusal:
        campaign_open(campaign=campaign, user=territory_user)

    assert refusal.value.code == "no_offer"
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT


def test_opening_refused_once_the_closing_time_has_passed(groupement, make_offer, territory_user):
    now = timezone.now()
    campaign = draft(
        groupement,
        territory_user,
        make_offer(),
        opens_at=now - datetime.timedelta(days=2),
        closes_at=now - datetime.timedelta(days=1),
    )

    with pytest.raises(ValidationFailed) as refusal:
        campaign_open(campaign=campaign, user=territory_user)

    assert refusal.value.code == "closing_time_passed"
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT


def test_an_offer_is_in_one_running_campaign_at_a_time(groupement, make_offer, territory_user):
    offer = make_offer()
    campaign_open(campaign=draft(groupement, territory_user, offer), user=territory_user)
    second = draft(groupement, territory_user, offer, title="Encore des écrans")

    with pytest.raises(TransitionNotAllowed) as refusal:
        campaign_open(campaign=second, user=territory_user)

    assert refusal.value.code == "offer_in_campaign"
    second.refresh_from_db()
    assert second.state == CampaignState.DRAFT


def test_only_the_coordinator_opens_and_cancels(groupement, make_offer, territory_user, buyer_user):
    campaign = draft(groupement, territory_user, make_offer())

    with pytest.raises(PermissionDenied):
        campaign_open(campaign=campaign, user=buyer_user)
    with pytest.raises(PermissionDenied):
        campaign_cancel(campaign=campaign, user=buyer_user, reason="Non")

    campaign.refresh_from_db()
    assert campaign.state == CampaignState.DRAFT


# --- The reminder. ---


def test_members_are_reminded_once_a_day_before_the_closing(
    make_offer,
    open_campaign,
    buyer,
    buyer_user,
    buyer_site,
    second_buyer_user,
    django_capture_on_commit_callbacks,
):
    # given: a campaign closing in two days, one member committed
    offer = make_offer()
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, {offer: 4})
    mail.outbox.clear()

    # when: two days before, nothing; within a day, once
    assert campaigns_remind_closing() == []
    within_a_day = campaign.closes_at - datetime.timedelta(hours=20)
    with django_capture_on_commit_callbacks(execute=True):
        reminded = campaigns_remind_closing(now=within_a_day)
    again = campaigns_remind_closing(now=within_a_day + datetime.timedelta(hours=1))

    # then
    assert (reminded, again) == ([campaign.pk], [])
    campaign.refresh_from_db()
    assert campaign.closing_reminder_sent_at == within_a_day
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert set(bodies) == {buyer_user.email, second_buyer_user.email}
    assert "4 × Écran 24 pouces" in bodies[buyer_user.email]
    assert "n’a pas pris d’engagement" in bodies[second_buyer_user.email]


# --- Cancelling. ---


def test_cancelling_an_allocated_campaign_cancels_its_orders_and_releases_their_devices(
    stocked_offer,
    open_campaign,
    buyer,
    buyer_user,
    buyer_site,
    territory_user,
    django_capture_on_commit_callbacks,
):
    # given: an allocated campaign with an order of 2 devices
    offer = stocked_offer(3)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, {offer: 2})
    campaign_close(campaign=campaign, user=territory_user)
    order = Order.objects.get()
    devices = list(Device.objects.filter(order_items__order=order))
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = campaign_cancel(
            campaign=campaign, user=territory_user, reason="Budget gelé par la préfecture"
        )

    # then: the campaign and its order cancelled with the reason, the devices ready again,
    # back in their offer, each with its unreserve event
    assert cancelled.state == CampaignState.CANCELLED
    order.refresh_from_db()
    assert (order.state, order.cancel_reason) == (
        OrderState.CANCELLED,
        "Budget gelé par la préfecture",
    )
    for device in devices:
        device.refresh_from_db()
        assert device.state == DeviceState.READY
        event = device.events.order_by("-pk").first()
        assert (event.kind, event.note) == (EventKind.UNRESERVED, "Budget gelé par la préfecture")
    assert OfferDevice.objects.filter(offer=offer).count() == 3
    assert not order.items.filter(is_reserved=True).exists()
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [
        "[Boucle] Commande annulée\u00a0: Écrans 2026",
        "[Boucle] Commande annulée\u00a0: Écrans 2026",
        "[Boucle] Commande groupée annulée\u00a0: Écrans 2026",
    ]


def test_a_cancellation_needs_a_reason_and_a_cancelled_campaign_stays_so(
    make_offer, open_campaign, territory_user
):
    campaign = open_campaign(make_offer())

    with pytest.raises(ValidationFailed):
        campaign_cancel(campaign=campaign, user=territory_user, reason="  ")
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.OPEN

    campaign_cancel(campaign=campaign, user=territory_user, reason="Erreur")
    with pytest.raises(TransitionNotAllowed):
        campaign_cancel(campaign=campaign, user=territory_user, reason="Encore")
    with pytest.raises(TransitionNotAllowed):
        campaign_close(campaign=campaign, user=territory_user)
    campaign.refresh_from_db()
    assert (campaign.state, campaign.cancel_reason) == (CampaignState.CANCELLED, "Erreur")


def test_cancelling_one_order_releases_its_devices_only(
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
    # given
    offer = stocked_offer(4)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, {offer: 2})
    commit(campaign, second_buyer, second_buyer_user, second_buyer_site, {offer: 2})
    campaign_close(campaign=campaign, user=territory_user)
    first, second = Order.objects.get(buyer=buyer), Order.objects.get(buyer=second_buyer)

    # when: the buyer itself may not; the territory does
    with pytest.raises(PermissionDenied):
        order_cancel(order=first, user=buyer_user, reason="Plus besoin")
    order_cancel(order=first, user=territory_user, reason="Plus besoin")

    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (OrderState.CANCELLED, OrderState.PLACED)
    assert set(Device.objects.filter(order_items__order=first).values_list("state", flat=True)) == {
        DeviceState.READY
    }
    assert set(
        Device.objects.filter(order_items__order=second).values_list("state", flat=True)
    ) == {DeviceState.RESERVED}
    with pytest.raises(TransitionNotAllowed):
        order_cancel(order=first, user=territory_user, reason="Encore")


def test_a_campaign_completes_once_no_order_waits(
    stocked_offer, open_campaign, buyer, buyer_user, buyer_site, territory_user
):
    offer = stocked_offer(1)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, {offer: 1})
    campaign_close(campaign=campaign, user=territory_user)

    with pytest.raises(TransitionNotAllowed):
        campaign_complete(campaign=campaign, user=territory_user)
    order_cancel(order=Order.objects.get(), user=territory_user, reason="Annulée")
    completed = campaign_complete(campaign=campaign, user=territory_user)

    assert completed.state == CampaignState.COMPLETED


# --- The thresholds. ---


def test_the_thresholds_in_force_are_read_from_the_data():
    assert threshold_on(datetime.date(2026, 3, 31)).amount_excl_vat == Decimal("40000")
    spring = threshold_on(datetime.date(2026, 4, 1))
    assert spring.amount_excl_vat == Decimal("60000")
    assert "2025-1386" in spring.text
    assert threshold_on(datetime.date(2019, 12, 31)) is None


def test_the_territory_is_warned_when_a_partners_yearly_spend_passes_the_threshold(
    stocked_offer, open_campaign, buyer, buyer_user, buyer_site
):
    # given: 3 devices at 25,000 € each asked: 75,000 € excl. VAT with one partner
    offer = stocked_offer(3, price_tiers=tiers((1, "25000.00")))
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, {offer: 3})

    # when
    [warning] = selectors.campaign_threshold_warnings(campaign)

    # then
    assert (warning.partner, warning.category) == (offer.partner, "monitor")
    assert warning.this_campaign == Decimal("75000.00")
    assert (
        warning.threshold.amount_excl_vat
        == threshold_on(timezone.localdate(campaign.opens_at)).amount_excl_vat
    )


def test_no_warning_below_the_threshold(
    stocked_offer, open_campaign, buyer, buyer_user, buyer_site
):
    offer = stocked_offer(2)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, {offer: 2})

    assert selectors.campaign_threshold_warnings(campaign) == []


def test_the_spend_of_earlier_campaigns_of_the_year_counts_toward_the_threshold(
    stocked_offer,
    open_campaign,
    make_offer,
    ready_devices,
    buyer,
    buyer_user,
    buyer_site,
    territory_user,
    partner_user,
):
    # given: a first campaign allocated for 80 % of the threshold with the partner
    threshold = threshold_on(timezone.localdate()).amount_excl_vat
    first_offer = stocked_offer(2, price_tiers=tiers((1, str(threshold * Decimal("0.4")))))
    first = open_campaign(first_offer, title="Premier lot")
    commit(first, buyer, buyer_user, buyer_site, {first_offer: 2})
    campaign_close(campaign=first, user=territory_user)
    # and a second one for 30 % more, of the same category
    second_offer = make_offer(
        title="Écran 27 pouces", price_tiers=tiers((1, str(threshold * Decimal("0.3"))))
    )
    offer_stock_add(offer=second_offer, user=partner_user, devices=ready_devices(1))
    second = open_campaign(second_offer, title="Second lot")
    commit(second, buyer, buyer_user, buyer_site, {second_offer: 1})

    # when
    [warning] = selectors.campaign_threshold_warnings(second)

    # then
    assert warning.already_spent == threshold * Decimal("0.8")
    assert warning.this_campaign == threshold * Decimal("0.3")
    assert warning.total > warning.threshold.amount_excl_vat
    assert selectors.campaign_threshold_warnings(first) == []


def test_a_member_lists_the_open_campaigns_it_may_commit_to(
    make_offer, open_campaign, buyer, territory_user
):
    # given: one campaign open for days, another opening later, a member approved yesterday
    offer = make_offer()
    early = open_campaign(offer, opens_at=timezone.now() - datetime.timedelta(days=5))
    later = open_campaign(
        make_offer(title="Écran 27 pouces"),
        title="Écrans 27 pouces",
        opens_at=timezone.now() + datetime.timedelta(hours=3),
    )
    newcomer = CommuneFactory()
    groupement_member_add(
        groupement=early.groupement,
        user=territory_user,
        organisation=newcomer,
        approved_on=timezone.localdate() - datetime.timedelta(days=1),
    )

    # then: a member approved in January sees the one open now; the newcomer none yet
    assert list(selectors.open_campaigns_for(buyer)) == [early]
    assert list(selectors.open_campaigns_for(newcomer)) == []
    assert list(selectors.open_campaigns_for(buyer, now=later.opens_at)) == [early, later]
    campaign_close(campaign=early, user=territory_user)
    assert list(selectors.open_campaigns_for(buyer)) == []
