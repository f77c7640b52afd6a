"""Commitments: a member joins an open campaign, replaces or withdraws its commitment until
the closing time; every refusal says why and changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from procurement.models import Commitment, CommitmentLine
from procurement.services import (
    campaign_close,
    campaign_create,
    commitment_submit,
    commitment_withdraw,
    groupement_member_add,
)
from tests.conftest import BuyerFactory, SiteFactory, member

pytestmark = pytest.mark.django_db

SIRET = "44306184100013"


@pytest.fixture
def offer(make_offer):
    return make_offer()


@pytest.fixture
def campaign(offer, open_campaign):
    return open_campaign(offer)


def submit(campaign, buyer, user, site, quantities, **overrides):
    arguments = {
        "campaign": campaign,
        "buyer": buyer,
        "user": user,
        "quantities": quantities,
        "delivery_site": site,
        "contact_name": "Nadia Benali",
        "contact_email": "nadia@example.org",
        "siret": SIRET,
        **overrides,
    }
    return commitment_submit(**arguments)


def snapshot() -> tuple:
    return (
        sorted(
            Commitment.objects.values_list(
                "pk", "buyer", "delivery_site", "contact_name", "siret", "committed_at"
            )
        ),
        sorted(CommitmentLine.objects.values_list("commitment", "offer", "quantity")),
    )


def test_a_member_commits_then_replaces_its_commitment_keeping_its_place(
    campaign, offer, make_offer, buyer, buyer_user, buyer_site
):
    # when
    commitment, created = submit(
        campaign, buyer, buyer_user, buyer_site, {offer: 3}, service_code="SERV-1"
    )

    # then
    assert created is True
    assert (commitment.buyer, commitment.delivery_site, commitment.siret) == (
        buyer,
        buyer_site,
        SIRET,
    )
    assert list(commitment.lines.values_list("offer", "quantity")) == [(offer.pk, 3)]
    committed_at = commitment.committed_at

    # when: it changes its quantity and references
    replaced, created = submit(
        campaign, buyer, buyer_user, buyer_site, {offer: 5}, engagement_number="EJ-7"
    )

    # then: the same commitment, its place kept
    assert (replaced.pk, created) == (commitment.pk, False)
    replaced.refresh_from_db()
    assert replaced.committed_at == committed_at
    assert (replaced.service_code, replaced.engagement_number) == ("", "EJ-7")
    assert list(replaced.lines.values_list("offer", "quantity")) == [(offer.pk, 5)]
    assert Commitment.objects.count() == 1


def test_the_siret_defaults_to_the_members_own(campaign, offer, buyer, buyer_user, buyer_site):
    buyer.siret = "77567227200017"
    buyer.save(update_fields=["siret"])

    commitment, _ = submit(campaign, buyer, buyer_user, buyer_site, {offer: 1}, siret=None)

    assert commitment.siret == "77567227200017"


def test_the_database_keeps_one_commitment_per_member_and_campaign(
    campaign, offer, buyer, buyer_user, buyer_site
):
    submit(campaign, buyer, buyer_user, buyer_site, {offer: 1})

    with pytest.raises(IntegrityError), transaction.atomic():
        Commitment.objects.create(
            campaign=campaign,
            buyer=buyer,
            delivery_site=buyer_site,
            contact_name="X",
            contact_email="x@example.org",
            siret=SIRET,
            committed_by=buyer_user,
            updated_by=buyer_user,
        )


def test_a_member_withdraws_its_commitment(campaign, offer, buyer, buyer_user, buyer_site):
    commitment, _ = submit(campaign, buyer, buyer_user, buyer_site, {offer: 2})

    commitment_withdraw(commitment=commitment, user=buyer_user)

    assert Commitment.objects.count() == 0
    assert CommitmentLine.objects.count() == 0


def test_a_commitment_after_the_closing_time_is_refused(
    campaign, offer, buyer, buyer_user, buyer_site, monkeypatch
):
    # given: a commitment, then the closing time passes (beat has not closed it yet)
    commitment, _ = submit(campaign, buyer, buyer_user, buyer_site, {offer: 2})
    before = snapshot()
    later = campaign.closes_at + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    # when / then: neither a change nor a withdrawal
    with pytest.raises(TransitionNotAllowed) as refusal:
        submit(campaign, buyer, buyer_user, buyer_site, {offer: 9})
    assert refusal.value.code == "campaign_closed"
    assert "closed on" in refusal.value.message
    with pytest.raises(TransitionNotAllowed):
        commitment_withdraw(commitment=commitment, user=buyer_user)
    assert snapshot() == before


def test_a_commitment_after_an_early_closing_is_refused(
    campaign,
    offer,
    buyer,
    buyer_user,
    buyer_site,
    second_buyer,
    second_buyer_user,
    second_buyer_site,
    territory_user,
):
    campaign_close(campaign=campaign, user=territory_user)
    before = snapshot()

    with pytest.raises(TransitionNotAllowed) as refusal:
        submit(campaign, second_buyer, second_buyer_user, second_buyer_site, {offer: 1})

    assert refusal.value.code == "campaign_closed"
    assert snapshot() == before


def test_a_commitment_before_the_opening_time_is_refused(
    offer, open_campaign, buyer, buyer_user, buyer_site
):
    campaign = open_campaign(offer, opens_at=timezone.now() + datetime.timedelta(hours=2))

    with pytest.raises(TransitionNotAllowed) as refusal:
        submit(campaign, buyer, buyer_user, buyer_site, {offer: 1})

    assert refusal.value.code == "campaign_not_open"
    assert snapshot() == ([], [])


def test_a_draft_campaign_takes_no_commitment(
    offer, groupement, territory_user, buyer, buyer_user, buyer_site
):
    now = timezone.now()
    draft = campaign_create(
        groupement=groupement,
        user=territory_user,
        title="Brouillon",
        opens_at=now,
        closes_at=now + datetime.timedelta(days=1),
        offers=[offer],
    )

    with pytest.raises(TransitionNotAllowed):
        submit(draft, buyer, buyer_user, buyer_site, {offer: 1})
    assert snapshot() == ([], [])


def test_a_non_member_is_refused(campaign, offer):
    # given: a buyer outside the groupement
    outsider = BuyerFactory(name="Club informatique")
    site = SiteFactory(organisation=outsider, is_pickup=False, is_delivery=True)

    # when / then
    with pytest.raises(PermissionDenied) as refusal:
        submit(campaign, outsider, member(outsider), site, {offer: 1})
    assert refusal.value.code == "not_a_groupement_member"
    assert "Club informatique is not a member" in refusal.value.message
    assert snapshot() == ([], [])


def test_a_member_approved_after_the_opening_is_refused(offer, open_campaign, territory_user):
    # given: a campaign open for five days, a buyer whose board approved the convention
    # yesterday
    campaign = open_campaign(offer, opens_at=timezone.now() - datetime.timedelta(days=5))
    late = BuyerFactory(name="Maison des jeunes")
    site = SiteFactory(organisation=late, is_pickup=False, is_delivery=True)
    groupement_member_add(
        groupement=campaign.groupement,
        user=territory_user,
        organisation=late,
        approved_on=timezone.localdate() - datetime.timedelta(days=1),
    )

    # when / then
    with pytest.raises(PermissionDenied) as refusal:
        submit(campaign, late, member(late), site, {offer: 1})
    assert refusal.value.code == "approved_after_opening"
    assert "after this campaign opened" in refusal.value.message
    assert snapshot() == ([], [])


def test_a_member_approved_on_the_opening_day_commits(campaign, offer, territory_user):
    on_time = BuyerFactory(name="Centre social")
    site = SiteFactory(organisation=on_time, is_pickup=False, is_delivery=True)
    groupement_member_add(
        groupement=campaign.groupement,
        user=territory_user,
        organisation=on_time,
        approved_on=timezone.localdate(campaign.opens_at),
    )

    commitment, created = submit(campaign, on_time, member(on_time), site, {offer: 1})

    assert created is True
    assert commitment.buyer == on_time


def test_a_user_may_not_commit_for_another_member(
    campaign, offer, buyer, buyer_site, second_buyer_user
):
    with pytest.raises(PermissionDenied):
        submit(campaign, buyer, second_buyer_user, buyer_site, {offer: 1})
    assert snapshot() == ([], [])


def test_a_member_may_not_withdraw_another_members_commitment(
    campaign, offer, buyer, buyer_user, buyer_site, second_buyer_user
):
    commitment, _ = submit(campaign, buyer, buyer_user, buyer_site, {offer: 1})
    before = snapshot()

    with pytest.raises(PermissionDenied) as refusal:
        commitment_withdraw(commitment=commitment, user=second_buyer_user)

    assert refusal.value.code == "not_your_commitment"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantities": "zero"}, "quantities"),
        ({"quantities": "negative"}, "quantities.offer"),
        ({"contact_email": "not an address"}, "contact_email"),
        ({"contact_name": "  "}, "contact_name"),
        ({"siret": "12345678901234"}, "siret"),
        ({"siret": "1234"}, "siret"),
        ({"engagement_number": "E" * 51}, "engagement_number"),
        ({"delivery_site": "foreign"}, "delivery_site"),
        ({"delivery_site": "pickup_only"}, "delivery_site"),
        ({"quantities": "foreign_offer"}, "quantities"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_nothing_changes(
    change, field, campaign, offer, make_offer, buyer, buyer_user, buyer_site, second_buyer_site
):
    # given
    submit(campaign, buyer, buyer_user, buyer_site, {offer: 1})
    before = snapshot()
    overrides = dict(change)
    quantities = {offer: 2}
    if change.get("quantities") == "zero":
        quantities = {offer: 0}
    elif change.get("quantities") == "negative":
        quantities = {offer: -1}
    elif change.get("quantities") == "foreign_offer":
        quantities = {make_offer(title="Hors campagne"): 1}
    overrides.pop("quantities", None)
    if change.get("delivery_site") == "foreign":
        overrides["delivery_site"] = second_buyer_site
    elif change.get("delivery_site") == "pickup_only":
        overrides["delivery_site"] = SiteFactory(organisation=buyer, name="Dépôt")

    # when / then
    with pytest.raises(ValidationFailed) as refusal:
        submit(campaign, buyer, buyer_user, buyer_site, quantities, **overrides)
    expected = f"quantities.{offer.pk}" if field == "quantities.offer" else field
    assert expected in refusal.value.fields
    assert snapshot() == before
