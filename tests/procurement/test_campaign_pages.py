"""The territory's pages: the groupement and its members, campaigns drafted, changed, opened,
closed early or cancelled with a reason, the allocation previewed (each buyer's shortfall and
why) and the threshold's warning; members and partners change nothing of it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from procurement.choices import CampaignState
from procurement.models import (
    Campaign,
    CampaignOffer,
    Commitment,
    Groupement,
    GroupementMember,
    Order,
)
from procurement.services import campaign_create, groupement_member_add
from tests.conftest import BuyerFactory, CommuneFactory, SiteFactory, member
from tests.procurement.conftest import tiers
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


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def campaign_snapshot() -> tuple:
    return (
        sorted(Campaign.objects.values_list("pk", "title", "state", "cancel_reason")),
        sorted(CampaignOffer.objects.values_list("campaign", "offer")),
        Commitment.objects.count(),
        Order.objects.count(),
    )


def test_the_territory_records_its_groupement_and_its_members(
    page_client, territory, territory_user, buyer
):
    # given
    commune = CommuneFactory(name="Arcueil")
    client = page_client(territory_user)

    # when
    created = client.post(
        reverse("procurement:groupement-new"),
        {
            "name": "Groupement du réemploi",
            "reference": "GC-2026-01",
            "convention_date": "2026-01-10",
        },
    )
    groupement = Groupement.objects.get()
    added = client.post(
        reverse("procurement:groupement-member-add", args=[groupement.pk]),
        {"organisation": buyer.pk, "approved_on": "2026-01-15", "approval_reference": "D-12"},
    )
    client.post(
        reverse("procurement:groupement-member-add", args=[groupement.pk]),
        {"organisation": commune.pk, "approved_on": "2026-02-03"},
    )
    membership = GroupementMember.objects.get(organisation=buyer)
    changed = client.post(
        reverse("procurement:groupement-member-edit", args=[membership.pk]),
        {"approved_on": "2026-01-20", "approval_reference": "D-13"},
    )
    page = client.get(reverse("procurement:groupement-list"), follow=True).content.decode()

    # then
    assert (created.status_code, added.status_code, changed.status_code) == (302, 302, 302)
    assert (groupement.coordinator, groupement.reference) == (territory, "GC-2026-01")
    assert sorted(
        GroupementMember.objects.values_list(
            "organisation__name", "approved_on", "approval_reference"
        )
    ) == [
        ("Arcueil", datetime.date(2026, 2, 3), ""),
        ("FCPE Cachan", datetime.date(2026, 1, 20), "D-13"),
    ]
    assert "2 members" in page
    assert "01/20/2026" in page

    # when: the buyer leaves
    removed = client.post(reverse("procurement:groupement-member-remove", args=[membership.pk]))

    # then
    assert removed.status_code == 302
    assert list(GroupementMember.objects.values_list("organisation__name", flat=True)) == [
        "Arcueil"
    ]


def test_a_future_approval_is_shown_on_the_form_and_nothing_is_added(
    page_client, groupement, territory_user
):
    # given
    newcomer = BuyerFactory(name="Collège Paul Bert")
    before = list(GroupementMember.objects.values_list("pk", flat=True))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    # when
    response = page_client(territory_user).post(
        reverse("procurement:groupement-member-add", args=[groupement.pk]),
        {"organisation": newcomer.pk, "approved_on": tomorrow.isoformat()},
    )

    # then
    assert response.status_code == 400
    assert "This date cannot be in the future." in response.content.decode()
    assert list(GroupementMember.objects.values_list("pk", flat=True)) == before


def test_only_the_territory_reaches_the_groupement(
    page_client, groupement, buyer_user, partner_user
):
    # given
    membership = groupement.members.first()
    before = sorted(GroupementMember.objects.values_list("pk", "approved_on"))

    for user in (buyer_user, partner_user):
        client = page_client(user)
        # when
        answers = [
            client.get(reverse("procurement:groupement-detail", args=[groupement.pk])).status_code,
            client.post(
                reverse("procurement:groupement-member-edit", args=[membership.pk]),
                {"approved_on": "2026-01-01"},
            ).status_code,
            client.post(
                reverse("procurement:groupement-member-remove", args=[membership.pk])
            ).status_code,
        ]
        # then
        assert answers == [403, 403, 403]
    assert sorted(GroupementMember.objects.values_list("pk", "approved_on")) == before


def test_the_territory_drafts_changes_and_opens_a_campaign(
    page_client,
    groupement,
    make_offer,
    territory_user,
    buyer_user,
    second_buyer_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # given
    offer = make_offer()
    other = make_offer(title="Portable 14 pouces")
    client = page_client(territory_user)
    opens_at = timezone.now() - datetime.timedelta(minutes=5)
    closes_at = timezone.now() + datetime.timedelta(days=10)

    # when
    created = client.post(
        reverse("procurement:campaign-new"),
        {
            "groupement": groupement.pk,
            "title": "Écrans 2026",
            "description": "Pour les écoles.",
            "opens_at": local(opens_at),
            "closes_at": local(closes_at),
            "offers": [offer.pk],
        },
    )
    campaign = Campaign.objects.get()
    changed = client.post(
        reverse("procurement:campaign-edit", args=[campaign.pk]),
        {
            "title": "Écrans et portables 2026",
            "description": "",
            "opens_at": local(opens_at),
            "closes_at": local(closes_at),
            "offers": [offer.pk, other.pk],
        },
    )
    confirm = client.get(reverse("procurement:campaign-open", args=[campaign.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        opened = client.post(reverse("procurement:campaign-open", args=[campaign.pk]), follow=True)

    # then
    assert (created.status_code, changed.status_code, confirm.status_code) == (302, 302, 200)
    assert "2 members may commit to it" in confirm.content.decode()
    campaign.refresh_from_db()
    assert (campaign.title, campaign.state) == ("Écrans et portables 2026", CampaignState.OPEN)
    assert sorted(campaign.offers.values_list("pk", flat=True)) == sorted([offer.pk, other.pk])
    assert "Campaign open: its members are told by e-mail." in opened.content.decode()
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [buyer_user.email, second_buyer_user.email]
    )


def test_a_campaign_closing_before_it_opens_is_refused_on_the_form(
    page_client, groupement, make_offer, territory_user
):
    # given
    offer = make_offer()
    now = timezone.now()

    # when
    response = page_client(territory_user).post(
        reverse("procurement:campaign-new"),
        {
            "groupement": groupement.pk,
            "title": "À l’envers",
            "opens_at": local(now + datetime.timedelta(days=2)),
            "closes_at": local(now + datetime.timedelta(days=1)),
            "offers": [offer.pk],
        },
    )

    # then
    assert response.status_code == 400
    assert "A campaign closes after it opens." in response.content.decode()
    assert not Campaign.objects.exists()


def test_members_and_partners_do_not_run_campaigns_nor_see_drafts(
    page_client, groupement, make_offer, territory_user, buyer_user, partner_user, open_campaign
):
    # given: a draft and an open campaign
    offer = make_offer()
    draft = campaign_create(
        groupement=groupement,
        user=territory_user,
        title="Brouillon",
        opens_at=timezone.now(),
        closes_at=timezone.now() + datetime.timedelta(days=3),
        offers=[make_offer(title="Autre")],
    )
    running = open_campaign(offer)
    before = campaign_snapshot()

    for user in (buyer_user, partner_user):
        client = page_client(user)
        # when
        draft_page = client.get(reverse("procurement:campaign-detail", args=[draft.pk]))
        opened = client.post(reverse("procurement:campaign-open", args=[draft.pk]))
        closed = client.post(reverse("procurement:campaign-close", args=[running.pk]))
        cancelled = client.post(
            reverse("procurement:campaign-cancel", args=[running.pk]), {"reason": "Non"}
        )
        created = client.post(reverse("procurement:campaign-new"), {"title": "Pris"})

        # then: a draft does not exist for them; the open campaign's actions are refused
        assert (draft_page.status_code, opened.status_code) == (404, 404)
        assert (closed.status_code, cancelled.status_code, created.status_code) == (403, 403, 403)
    assert campaign_snapshot() == before


def test_the_territory_cancels_a_campaign_with_a_reason(
    page_client, stocked_offer, open_campaign, territory_user
):
    # given
    campaign = open_campaign(stocked_offer(2))
    client = page_client(territory_user)

    # when: without a reason
    refused = client.post(reverse("procurement:campaign-cancel", args=[campaign.pk]), {})

    # then
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.OPEN

    # when
    client.post(
        reverse("procurement:campaign-cancel", args=[campaign.pk]),
        {"reason": "Le budget est reporté à l’an prochain."},
    )

    # then
    campaign.refresh_from_db()
    assert (campaign.state, campaign.cancel_reason) == (
        CampaignState.CANCELLED,
        "Le budget est reporté à l’an prochain.",
    )
    page = client.get(reverse("procurement:campaign-detail", args=[campaign.pk])).content.decode()
    assert "Le budget est reporté à l’an prochain." in page


def test_the_preview_explains_each_buyers_share_and_reserves_nothing(
    page_client,
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
    # given: 5 monitors in stock, 4 + 3 asked
    offer = stocked_offer(5)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, quantities={offer: 4})
    commit(
        campaign, second_buyer, second_buyer_user, second_buyer_site, SECOND_SIRET,
        quantities={offer: 3},
    )  # fmt: skip
    stock_before = sorted(offer.items.values_list("device", flat=True))

    # when
    page = page_client(territory_user).get(
        reverse("procurement:campaign-allocation", args=[campaign.pk])
    )

    # then: 4 × 5 ÷ 7 = 2.86 → 2 (+1 for the largest remainder), 3 × 5 ÷ 7 = 2.14 → 2
    content = page.content.decode()
    assert page.status_code == 200
    assert "Allocation preview" in content
    assert "Nothing is reserved yet." in content
    assert (
        "4 × 5 ÷ 7 = 2.86, rounded down to 2, plus one unit left for one of the largest "
        "remainders" in content
    )
    assert "3 × 5 ÷ 7 = 2.14, rounded down to 2" in content
    rows = {
        slug: (asked, allocated, shortfall)
        for slug, asked, allocated, shortfall in re.findall(
            r'data-buyer="([\w-]+)">.*?data-asked>(\d+)<.*?data-allocated>(\d+)<'
            r".*?data-shortfall>(\d+)<",
            content,
            re.S,
        )
    }
    assert rows == {"fcpe-cachan": ("4", "3", "1"), "ecole-jean-jaures": ("3", "2", "1")}
    assert sorted(offer.items.values_list("device", flat=True)) == stock_before
    assert not Order.objects.exists()


def test_a_member_reads_its_own_lines_only(
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
    # given
    offer = stocked_offer(5)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, quantities={offer: 4})
    commit(
        campaign, second_buyer, second_buyer_user, second_buyer_site, SECOND_SIRET,
        quantities={offer: 3},
    )  # fmt: skip

    # when
    content = (
        page_client(second_buyer_user)
        .get(reverse("procurement:campaign-allocation", args=[campaign.pk]))
        .content.decode()
    )

    # then
    assert 'data-buyer="ecole-jean-jaures"' in content
    assert 'data-buyer="fcpe-cachan"' not in content
    assert "FCPE Cachan" not in content


def test_the_threshold_warning_shows_on_the_territorys_pages_only(
    page_client, stocked_offer, open_campaign, buyer, buyer_user, buyer_site, territory_user
):
    # given: 3 monitors at 25,000 € each: 75,000 € excl. VAT with one partner
    offer = stocked_offer(3, price_tiers=tiers((1, "25000.00")))
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, quantities={offer: 3})

    # when
    territory_page = page_client(territory_user).get(
        reverse("procurement:campaign-detail", args=[campaign.pk])
    )
    buyer_page = page_client(buyer_user).get(
        reverse("procurement:campaign-detail", args=[campaign.pk])
    )

    # then
    content = territory_page.content.decode()
    assert "data-threshold-warning" in content
    assert "would pass the threshold in force" in content
    assert "75,000.00\u00a0€ excl. VAT" in content
    assert "data-threshold-warning" not in buyer_page.content.decode()


def test_the_territory_closes_early_and_the_orders_are_placed(
    page_client,
    stocked_offer,
    open_campaign,
    buyer,
    buyer_user,
    buyer_site,
    territory_user,
    django_capture_on_commit_callbacks,
):
    # given
    offer = stocked_offer(3)
    campaign = open_campaign(offer)
    commit(campaign, buyer, buyer_user, buyer_site, quantities={offer: 2})
    client = page_client(territory_user)

    # when
    confirm = client.get(reverse("procurement:campaign-close", args=[campaign.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        closed = client.post(reverse("procurement:campaign-close", args=[campaign.pk]))

    # then
    assert confirm.status_code == 200
    assert closed.url == reverse("procurement:campaign-allocation", args=[campaign.pk])
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.ALLOCATED
    order = Order.objects.get()
    assert (order.buyer, order.items.count()) == (buyer, 2)
    result = client.get(closed.url).content.decode()
    assert "What the closing allocated on" in result
    detail = client.get(reverse("procurement:campaign-detail", args=[campaign.pk])).content
    assert f'data-order="{order.pk}"' in detail.decode()
    # closing again is refused with the reason, nothing changed
    again = client.post(reverse("procurement:campaign-close", args=[campaign.pk]), follow=True)
    assert "This campaign is allocated: it cannot be closed." in again.content.decode()
    assert Order.objects.count() == 1


def test_campaign_pages_cost_a_constant_number_of_queries(
    page_client,
    stocked_offer,
    open_campaign,
    groupement,
    territory_user,
    django_assert_max_num_queries,
):
    # given: two offers, one member committed, then ten more
    offers = [stocked_offer(4), stocked_offer(4, title="Écran 27 pouces")]
    campaign = open_campaign(*offers)
    client = page_client(territory_user)

    def add_member():
        organisation = BuyerFactory()
        groupement_member_add(
            groupement=groupement,
            user=territory_user,
            organisation=organisation,
            approved_on=datetime.date(2026, 1, 15),
        )
        site = SiteFactory(organisation=organisation, is_delivery=True, is_pickup=False)
        commit(campaign, organisation, member(organisation), site, quantities={offers[0]: 1})

    add_member()
    urls = [
        reverse("procurement:campaign-detail", args=[campaign.pk]),
        reverse("procurement:campaign-totals", args=[campaign.pk]),
        reverse("procurement:campaign-list"),
    ]
    with django_assert_max_num_queries(60) as few:
        for url in urls:
            assert client.get(url).status_code == 200
    for _ in range(10):
        add_member()

    # when / then: the same queries with ten commitments more
    with django_assert_max_num_queries(len(few.captured_queries)):
        for url in urls:
            assert client.get(url).status_code == 200
