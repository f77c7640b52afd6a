"""A member's pages: the open campaigns on its dashboard, its commitment (quantities, delivery
site, contact, SIRET, service code, engagement number) made, changed and withdrawn until the
closing, the pooled totals and the tier price they reach as others commit; refused, nothing
changed, for a non-member, a member approved after the opening, a partner, and after the
closing."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from procurement.models import Campaign, Commitment, CommitmentLine
from procurement.services import campaign_close, groupement_member_add
from tests.conftest import BuyerFactory, SiteFactory, member
from tests.procurement.conftest import tiers
from tests.procurement.pages import SECOND_SIRET, commit, commitment_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_client(client):
    """A page client in English, logged in as the user given."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def _as(user):
        client.force_login(user)
        return client

    return _as


def commitments() -> list:
    return sorted(
        CommitmentLine.objects.values_list(
            "commitment__buyer__slug",
            "offer",
            "quantity",
            "commitment__siret",
            "commitment__engagement_number",
        )
    )


def test_the_buyers_dashboard_shows_the_campaigns_it_may_join(
    page_client, stocked_offer, open_campaign, buyer_user
):
    # given
    campaign = open_campaign(stocked_offer(2))

    # when
    page = page_client(buyer_user).get(reverse("dashboard")).content.decode()

    # then
    assert "Group orders open to you" in page
    assert f'data-campaign="{campaign.pk}"' in page
    assert reverse("procurement:commitment-edit", args=[campaign.pk]) in page
    assert "does not open group orders" not in page


def test_a_buyer_commits_then_changes_its_commitment(
    page_client, stocked_offer, open_campaign, buyer, buyer_user, buyer_site
):
    # given: two offers of a campaign
    first, second = stocked_offer(5), stocked_offer(3, title="Écran 27 pouces")
    campaign = open_campaign(first, second)
    client = page_client(buyer_user)
    url = reverse("procurement:commitment-edit", args=[campaign.pk])

    # when
    form = client.get(url)
    created = client.post(url, commitment_data(buyer_site, {first: 4, second: 0}), follow=True)

    # then: the form offers its delivery site and SIRET, the commitment is recorded
    assert form.status_code == 200
    assert f'value="{buyer_site.pk}" selected' in form.content.decode()
    assert "Commitment recorded: you may change it until the closing." in (created.content.decode())
    commitment = Commitment.objects.get()
    assert (commitment.buyer, commitment.delivery_site, commitment.service_code) == (
        buyer,
        buyer_site,
        "SERV-42",
    )
    assert commitments() == [("fcpe-cachan", first.pk, 4, "44306184100013", "EJ-2026-0042")]
    committed_at = commitment.committed_at

    # when: it changes the quantities
    changed = client.post(url, commitment_data(buyer_site, {first: 2, second: 3}), follow=True)

    # then: same commitment, same place in the queue
    assert "Commitment changed: it keeps its place in the queue." in changed.content.decode()
    commitment.refresh_from_db()
    assert commitment.committed_at == committed_at
    assert [row[1:3] for row in commitments()] == [(first.pk, 2), (second.pk, 3)]


def test_a_commitment_the_service_refuses_is_shown_on_the_form(
    page_client, stocked_offer, open_campaign, buyer, buyer_user, buyer_site
):
    # given
    offer = stocked_offer(2)
    campaign = open_campaign(offer)
    client = page_client(buyer_user)
    url = reverse("procurement:commitment-edit", args=[campaign.pk])
    foreign_site = SiteFactory(name="Ailleurs", is_delivery=True)

    # when: nothing asked; a bad SIRET; another organisation's site
    nothing = client.post(url, commitment_data(buyer_site, {offer: 0}))
    bad_siret = client.post(url, commitment_data(buyer_site, {offer: 1}, siret="12345678901234"))
    foreign = client.post(url, commitment_data(foreign_site, {offer: 1}))

    # then
    assert nothing.status_code == 400
    assert "Ask for at least one device" in nothing.content.decode()
    assert bad_siret.status_code == 400
    assert 'href="#id_siret"' in bad_siret.content.decode()
    assert foreign.status_code == 400
    assert not Commitment.objects.exists()


def test_the_pooled_totals_follow_the_commitments_and_the_tier_reached(
    page_client,
    stocked_offer,
    open_campaign,
    buyer,
    buyer_user,
    buyer_site,
    second_buyer,
    second_buyer_user,
    second_buyer_site,
):
    # given: 60 € from 1, 50 € from 10; 12 in stock
    offer = stocked_offer(12, price_tiers=tiers((1, "60.00"), (10, "50.00")))
    campaign = open_campaign(offer)
    client = page_client(buyer_user)
    totals_url = reverse("procurement:campaign-totals", args=[campaign.pk])
    commit(campaign, buyer, buyer_user, buyer_site, quantities={offer: 4})

    # when
    before = client.get(totals_url).content.decode()
    commit(
        campaign, second_buyer, second_buyer_user, second_buyer_site, SECOND_SIRET,
        quantities={offer: 7},
    )  # fmt: skip
    after = client.get(totals_url).content.decode()
    page = client.get(reverse("procurement:campaign-detail", args=[campaign.pk])).content.decode()

    # then: the partial asks again every few seconds; the tier of 10 is reached by 11
    assert 'hx-trigger="every 5s"' in page
    assert f'hx-get="{totals_url}"' in page
    assert "data-pooled>4<" in before
    assert "60.00\u00a0€ excl. VAT" in before
    assert "6 more devices for 50.00\u00a0€" in before
    assert "data-pooled>11<" in after
    assert "50.00\u00a0€ excl. VAT" in after
    assert "2 members" in after


def test_a_buyer_withdraws_its_commitment(
    page_client, stocked_offer, open_campaign, buyer, buyer_user, buyer_site
):
    # given
    offer = stocked_offer(2)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, quantities={offer: 2})
    client = page_client(buyer_user)

    # when
    confirm = client.get(reverse("procurement:commitment-withdraw", args=[campaign.pk]))
    withdrawn = client.post(
        reverse("procurement:commitment-withdraw", args=[campaign.pk]), follow=True
    )

    # then
    assert confirm.status_code == 200
    assert "Commitment withdrawn." in withdrawn.content.decode()
    assert not Commitment.objects.exists()


def test_who_may_not_commit_is_refused_with_the_reason_and_nothing_changes(
    page_client, stocked_offer, open_campaign, groupement, buyer_site, territory_user, partner_user
):
    # given: a buyer outside the groupement, one approved after the opening, a partner
    offer = stocked_offer(2)
    campaign = open_campaign(offer)
    outsider = BuyerFactory(name="Club informatique")
    late = BuyerFactory(name="Collège Paul Bert")
    groupement_member_add(
        groupement=groupement,
        user=territory_user,
        organisation=late,
        approved_on=timezone.localdate(),
    )
    # the campaign opened three days ago: the late member approved after its opening day
    Campaign.objects.filter(pk=campaign.pk).update(
        opens_at=timezone.now() - datetime.timedelta(days=3)
    )
    url = reverse("procurement:commitment-edit", args=[campaign.pk])

    # when / then: an outsider does not see the campaign at all; the late member is told why
    for organisation, status, reason in (
        (outsider, 404, "your organisation may not see it"),
        (late, 403, "after this campaign opened"),
    ):
        site = SiteFactory(organisation=organisation, is_delivery=True, is_pickup=False)
        client = page_client(member(organisation))
        page = client.get(url)
        posted = client.post(url, commitment_data(site, {offer: 1}))
        assert (page.status_code, posted.status_code) == (status, status), organisation
        assert reason in posted.content.decode()
    partner_answer = page_client(partner_user).post(url, commitment_data(buyer_site, {offer: 1}))
    assert partner_answer.status_code == 403
    assert not Commitment.objects.exists()


def test_after_the_closing_a_commitment_is_refused_as_too_late(
    page_client, stocked_offer, open_campaign, buyer, buyer_user, buyer_site, territory_user
):
    # given: the campaign closed with the buyer's commitment
    offer = stocked_offer(2)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, quantities={offer: 1})
    campaign_close(campaign=campaign, user=territory_user)
    before = commitments()
    client = page_client(buyer_user)

    # when
    changed = client.post(
        reverse("procurement:commitment-edit", args=[campaign.pk]),
        commitment_data(buyer_site, {offer: 2}),
        follow=True,
    )
    withdrawn = client.post(
        reverse("procurement:commitment-withdraw", args=[campaign.pk]), follow=True
    )

    # then
    for response in (changed, withdrawn):
        assert "commitments are no longer taken" in response.content.decode()
    assert commitments() == before


def test_a_commitment_is_never_another_members(
    page_client,
    stocked_offer,
    open_campaign,
    buyer,
    buyer_user,
    buyer_site,
    second_buyer,
    second_buyer_user,
    second_buyer_site,
):
    # given: the first buyer committed
    offer = stocked_offer(3)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, quantities={offer: 2})
    before = commitments()
    client = page_client(second_buyer_user)

    # when: the second buyer's people open the commitment page, post with the first buyer's
    # site, and withdraw
    page = client.get(reverse("procurement:commitment-edit", args=[campaign.pk]))
    foreign_site = client.post(
        reverse("procurement:commitment-edit", args=[campaign.pk]),
        commitment_data(buyer_site, {offer: 3}, siret=SECOND_SIRET),
    )
    withdrawn = client.post(
        reverse("procurement:commitment-withdraw", args=[campaign.pk]), follow=True
    )

    # then: the page is theirs (none of the first buyer's details), and nothing changed
    content = page.content.decode()
    assert "EJ-2026-0042" not in content
    assert foreign_site.status_code == 400
    assert "Your organisation has no commitment to this campaign." in withdrawn.content.decode()
    assert commitments() == before
