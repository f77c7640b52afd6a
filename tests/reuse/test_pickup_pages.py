"""The planned pickup pages: the partner proposes from "My claims", the commune confirms or
proposes another date, the partner confirms it and records the collection from the plan;
other organisations see nothing and change nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.choices import DeviceState
from inventory.models import Device
from reuse.choices import PickupState
from reuse.dashboard import pickups
from reuse.models import Collection, PickupPlan
from reuse.selectors import pickups_awaiting_answer_of
from reuse.services import pickup_confirm, pickup_counter_propose
from tests.reuse.pickups import MORNING, claim, in_days, pickup_snapshot, propose

SIGNATORIES = {
    "commune_signatory": "Claire Dubois",
    "commune_signatory_title": "DSI",
    "partner_signatory": "Karim Benali",
    "partner_signatory_title": "Responsable d’atelier",
}


@pytest.fixture
def claimed(declare, partner, partner_user):
    def _claimed(count=2):
        return claim(declare(count), partner, partner_user)

    return _claimed


@pytest.fixture
def plan(claimed, partner, partner_user, pickup_site):
    return propose(partner, partner_user, claimed(2), pickup_site)


def slot(days: int = 3, **overrides) -> dict:
    data = {"date": in_days(days).isoformat(), "starts_at": "09:00", "ends_at": "11:00"}
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_partner_plans_a_pickup_from_my_claims(page_client, claimed, partner_user, pickup_site):
    # given
    devices = claimed(2)
    client = page_client(partner_user)
    codes = [device.code for device in devices]
    claims_page = client.get(reverse("reuse:claim-list")).content.decode()

    # when
    form_page = client.get(reverse("reuse:pickup-new"), {"codes": codes})
    response = client.post(
        reverse("reuse:pickup-new"), {"codes": codes, "site": pickup_site.pk, **slot(5)}
    )

    # then
    assert reverse("reuse:pickup-new") in claims_page
    assert form_page.status_code == 200
    assert form_page.context["form"].initial["site"] == pickup_site
    plan = PickupPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reuse:pickup-detail", args=[plan.pk])
    assert (plan.state, plan.date) == (PickupState.PROPOSED, in_days(5))
    detail = client.get(response["Location"]).content.decode()
    assert "Proposed" in detail
    claims_page = client.get(reverse("reuse:claim-list")).content.decode()
    assert reverse("reuse:pickup-detail", args=[plan.pk]) in claims_page


@pytest.mark.django_db
def test_a_past_day_is_refused_on_the_form(page_client, claimed, partner_user, pickup_site):
    # given
    devices = claimed(1)
    before = pickup_snapshot()

    # when
    response = page_client(partner_user).post(
        reverse("reuse:pickup-new"),
        {"codes": [devices[0].code], "site": pickup_site.pk, **slot(-1)},
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == ["The pickup day cannot be in the past."]
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_the_commune_sees_the_proposal_on_its_dashboard_and_confirms_it(
    page_client, plan, commune_user
):
    # given
    client = page_client(commune_user)

    # when
    dashboard = client.get(reverse("dashboard")).content.decode()
    listing = client.get(reverse("reuse:pickup-list")).content.decode()
    detail = client.get(reverse("reuse:pickup-detail", args=[plan.pk])).content.decode()
    response = client.post(reverse("reuse:pickup-confirm", args=[plan.pk]))

    # then
    assert "1 pickup waits for your answer." in dashboard
    assert reverse("reuse:pickup-detail", args=[plan.pk]) in listing
    assert reverse("reuse:pickup-confirm", args=[plan.pk]) in detail
    assert reverse("reuse:pickup-counter-propose", args=[plan.pk]) in detail
    assert response.status_code == 302
    plan = PickupPlan.objects.get(pk=plan.pk)
    assert (plan.state, plan.confirmed_by) == (PickupState.CONFIRMED, commune_user)


@pytest.mark.django_db
def test_the_commune_proposes_another_date_and_the_partner_confirms_it(
    page_client, plan, commune_user, partner_user
):
    # when
    page_client(commune_user).post(
        reverse("reuse:pickup-counter-propose", args=[plan.pk]),
        slot(9, starts_at="14:00", ends_at="15:00"),
    )
    partner_client = page_client(partner_user)
    detail = partner_client.get(reverse("reuse:pickup-detail", args=[plan.pk])).content.decode()
    partner_client.post(reverse("reuse:pickup-confirm", args=[plan.pk]))

    # then
    assert "Other date proposed" in detail
    plan = PickupPlan.objects.get(pk=plan.pk)
    assert (plan.state, plan.date) == (PickupState.CONFIRMED, in_days(9))
    assert plan.confirmed_by == partner_user


@pytest.mark.django_db
def test_the_partner_is_not_offered_to_confirm_its_own_proposal(page_client, plan, partner_user):
    # given
    client = page_client(partner_user)
    before = pickup_snapshot()

    # when
    detail = client.get(reverse("reuse:pickup-detail", args=[plan.pk])).content.decode()
    client.post(reverse("reuse:pickup-confirm", args=[plan.pk]))

    # then
    assert reverse("reuse:pickup-confirm", args=[plan.pk]) not in detail
    assert reverse("reuse:pickup-cancel", args=[plan.pk]) in detail
    assert pickup_snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["pickup-confirm", "pickup-counter-propose", "pickup-cancel"])
def test_another_commune_sees_nothing_and_changes_nothing(
    page_client, plan, other_commune_user, action
):
    # given
    client = page_client(other_commune_user)
    before = pickup_snapshot()

    # when
    detail = client.get(reverse("reuse:pickup-detail", args=[plan.pk]))
    response = client.post(reverse(f"reuse:{action}", args=[plan.pk]), slot(6))
    listing = client.get(reverse("reuse:pickup-list"))

    # then
    assert (detail.status_code, response.status_code) == (404, 404)
    assert reverse("reuse:pickup-detail", args=[plan.pk]) not in listing.content.decode()
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_the_partner_records_the_collection_from_the_confirmed_plan(
    page_client, plan, partner_user, commune_user, pickup_site, django_capture_on_commit_callbacks
):
    # given
    pickup_confirm(plan=plan, user=commune_user)
    client = page_client(partner_user)
    detail = client.get(reverse("reuse:pickup-detail", args=[plan.pk])).content.decode()
    codes = sorted(plan.devices.values_list("code", flat=True))

    # when
    form_page = client.get(reverse("reuse:collection-new"), {"plan": plan.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reuse:collection-new"),
            {
                "plan": plan.pk,
                "codes": codes,
                "site": pickup_site.pk,
                "collected_on": timezone.localdate().isoformat(),
                **SIGNATORIES,
            },
        )

    # then
    assert f"{reverse('reuse:collection-new')}?plan={plan.pk}" in detail
    assert form_page.status_code == 200
    assert form_page.context["form"].initial["site"] == pickup_site
    assert form_page.context["form"].initial["codes"] == codes
    collection = Collection.objects.get()
    assert response["Location"] == reverse("reuse:collection-detail", args=[collection.pk])
    plan = PickupPlan.objects.get(pk=plan.pk)
    assert (plan.state, plan.collection) == (PickupState.DONE, collection)
    assert set(Device.objects.values_list("state", flat=True)) == {DeviceState.COLLECTED}


@pytest.mark.django_db
def test_another_partner_cannot_record_from_the_plan(page_client, plan, other_partner_user):
    # given
    before = pickup_snapshot()

    # when
    response = page_client(other_partner_user).get(
        reverse("reuse:collection-new"), {"plan": plan.pk}
    )

    # then
    assert response.status_code == 404
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_the_pages_speak_french_as_the_french_write_it(client, plan, commune_user):
    # given
    client.force_login(commune_user)
    day = plan.date.strftime("%d/%m/%Y")

    # when
    detail = client.get(reverse("reuse:pickup-detail", args=[plan.pk])).content.decode()
    dashboard = client.get(reverse("dashboard")).content.decode()

    # then
    assert f"Enlèvement du {day}" in detail
    assert "Proposé" in detail
    assert "Confirmer l’enlèvement" in detail
    assert "1 enlèvement attend votre réponse." in dashboard


@pytest.mark.django_db
@pytest.mark.parametrize("proposals", [2, 7])
def test_the_pickups_panel_counts_those_awaiting_an_answer_listed_or_not(
    proposals, claimed, commune, partner, partner_user, commune_user, pickup_site
):
    # given: proposals for the commune, one confirmed, one it answered with another date
    plans = [
        propose(partner, partner_user, claimed(1), pickup_site, days=3 + number)
        for number in range(proposals)
    ]
    pickup_confirm(plan=plans[0], user=commune_user)
    pickup_counter_propose(
        plan=plans[1],
        user=commune_user,
        date=in_days(20),
        starts_at=MORNING[0],
        ends_at=MORNING[1],
    )

    # when
    panels = {organisation: pickups(organisation) for organisation in (commune, partner)}

    # then: as counted in SQL, whether the panel lists every open pickup or not
    for organisation, panel in panels.items():
        assert panel["awaiting"] == pickups_awaiting_answer_of(organisation).count()
    assert (panels[commune]["awaiting"], panels[partner]["awaiting"]) == (proposals - 2, 1)
    assert len(panels[commune]["plans"]) == min(proposals, 5)
