"""Fifty members changing their commitments while the territory closes the campaign: each
change is in the allocation or refused as too late, never lost; no device reserved twice; no
allocation above the stock."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from common.errors import TransitionNotAllowed
from inventory.choices import DeviceState, EventKind
from inventory.models import Device, DeviceEvent
from procurement.choices import CampaignState
from procurement.models import AllocationLine, CampaignOffer, Commitment, OrderDevice
from procurement.services import campaign_close, commitment_submit, groupement_member_add
from tests.conftest import BuyerFactory, SiteFactory, member
from tests.procurement.conftest import APPROVED_ON

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERS = 50
STOCK = 40
SIRET = "44306184100013"


def test_fifty_members_changing_their_commitments_while_the_campaign_closes(
    stocked_offer, open_campaign, territory_user
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write: the race needs PostgreSQL")
    # given: 40 monitors, 50 members committed to one each (demand 50, above the stock)
    offer = stocked_offer(STOCK)
    campaign = open_campaign(offer)
    members = []
    for index in range(MEMBERS):
        organisation = BuyerFactory(name=f"Association {index:02d}")
        groupement_member_add(
            groupement=campaign.groupement,
            user=territory_user,
            organisation=organisation,
            approved_on=APPROVED_ON,
        )
        site = SiteFactory(organisation=organisation, is_pickup=False, is_delivery=True)
        members.append((organisation, member(organisation), site))

    def submit(organisation, user, site, quantity):
        return commitment_submit(
            campaign=campaign,
            buyer=organisation,
            user=user,
            quantities={offer: quantity},
            delivery_site=site,
            contact_name="Contact",
            contact_email="contact@example.org",
            siret=SIRET,
        )

    for organisation, user, site in members:
        submit(organisation, user, site, 1)

    # when: each member raises its quantity (to 2 or 3) while the territory closes
    barrier = threading.Barrier(MEMBERS + 1)
    accepted: dict[int, int] = {}
    refused: list[int] = []
    errors: list[BaseException] = []

    def change(organisation, user, site, quantity):
        try:
            barrier.wait()
            submit(organisation, user, site, quantity)
            accepted[organisation.pk] = quantity
        except TransitionNotAllowed as refusal:
            if refusal.code != "campaign_closed":
                errors.append(refusal)
            refused.append(organisation.pk)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    def close():
        try:
            barrier.wait()
            campaign_close(campaign=campaign, user=territory_user)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=change, args=(organisation, user, site, 2 + index % 2))
        for index, (organisation, user, site) in enumerate(members)
    ]
    threads.insert(MEMBERS // 2, threading.Thread(target=close))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: no error; every change accepted or refused as too late
    assert errors == []
    assert len(accepted) + len(refused) == MEMBERS
    campaign.refresh_from_db()
    assert campaign.state == CampaignState.ALLOCATED
    # nothing lost: the allocation asked what each member last had accepted
    asked = dict(
        AllocationLine.objects.filter(campaign=campaign).values_list("commitment__buyer", "asked")
    )
    expected = {organisation.pk: accepted.get(organisation.pk, 1) for organisation, _, _ in members}
    assert asked == expected
    assert (
        dict(Commitment.objects.filter(campaign=campaign).values_list("buyer", "lines__quantity"))
        == expected
    )
    # no allocation above the stock, the whole stock handed out (demand ≥ 50 > 40)
    lines = AllocationLine.objects.filter(campaign=campaign)
    assert all(line.allocated <= line.asked for line in lines)
    assert sum(line.allocated for line in lines) == STOCK
    entry = CampaignOffer.objects.get(campaign=campaign)
    assert (entry.stock, entry.allocated) == (STOCK, STOCK)
    # no device reserved twice: one order item, one reserve event each
    items = Counter(OrderDevice.objects.values_list("device", flat=True))
    assert len(items) == STOCK
    assert set(items.values()) == {1}
    assert set(Device.objects.filter(pk__in=items).values_list("state", flat=True)) == {
        DeviceState.RESERVED
    }
    reserved_events = Counter(
        DeviceEvent.objects.filter(kind=EventKind.RESERVED).values_list("device", flat=True)
    )
    assert reserved_events == Counter({pk: 1 for pk in items})
