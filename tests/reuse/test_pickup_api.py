"""The planned pickups API: propose, list, read, confirm, counter-propose, cancel; other
organisations' plans answer 404 and stay as they were."""

from __future__ import annotations

import pytest

from reuse.choices import PickupState
from reuse.models import PickupPlan
from reuse.services import pickup_cancel
from tests.conftest import PartnerFactory, member
from tests.reuse.pickups import claim, in_days, pickup_snapshot, propose

PICKUPS = "/api/v1/pickups/"


@pytest.fixture
def claimed(declare, partner, partner_user):
    def _claimed(count=2):
        return claim(declare(count), partner, partner_user)

    return _claimed


@pytest.fixture
def plan(claimed, partner, partner_user, pickup_site):
    return propose(partner, partner_user, claimed(2), pickup_site)


def body(devices, site, **overrides) -> dict:
    payload = {
        "codes": [device.code for device in devices],
        "site": site.pk,
        "date": in_days(4).isoformat(),
        "starts_at": "09:00",
        "ends_at": "11:30",
        "note": "Quai de livraison",
    }
    payload.update(overrides)
    return payload


@pytest.mark.django_db
def test_a_partner_proposes_a_pickup(client_for, claimed, partner_user, pickup_site):
    # given
    devices = claimed(2)

    # when
    response = client_for(partner_user).post(PICKUPS, body(devices, pickup_site), format="json")

    # then
    assert response.status_code == 201, response.json()
    answer = response.json()
    assert answer["state"] == "proposed"
    assert (answer["partner"], answer["commune"], answer["site"]) == (
        "atelier-reemploi",
        "cachan",
        pickup_site.pk,
    )
    assert (answer["date"], answer["starts_at"], answer["ends_at"]) == (
        in_days(4).isoformat(),
        "09:00:00",
        "11:30:00",
    )
    assert [device["code"] for device in answer["devices"]] == sorted(d.code for d in devices)
    assert PickupPlan.objects.get().state == PickupState.PROPOSED


@pytest.mark.django_db
def test_a_past_day_answers_400_and_changes_nothing(client_for, claimed, partner_user, pickup_site):
    # given
    devices = claimed(1)
    before = pickup_snapshot()

    # when
    response = client_for(partner_user).post(
        PICKUPS, body(devices, pickup_site, date=in_days(-1).isoformat()), format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"date": ["The pickup day cannot be in the past."]}
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_a_commune_cannot_propose(client_for, claimed, commune_user, pickup_site):
    # given
    devices = claimed(1)
    before = pickup_snapshot()

    # when
    response = client_for(commune_user).post(PICKUPS, body(devices, pickup_site), format="json")

    # then
    assert response.status_code == 403
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_a_device_already_planned_answers_409(client_for, plan, partner_user, pickup_site):
    # given
    before = pickup_snapshot()

    # when
    response = client_for(partner_user).post(
        PICKUPS, body(list(plan.devices.all()), pickup_site), format="json"
    )

    # then
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_planned"
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_the_commune_confirms(client_for, plan, commune_user):
    # when
    response = client_for(commune_user).post(f"{PICKUPS}{plan.pk}/confirm/")

    # then
    assert response.status_code == 200
    assert response.json()["state"] == "confirmed"
    assert PickupPlan.objects.get(pk=plan.pk).confirmed_by == commune_user


@pytest.mark.django_db
def test_the_commune_counter_proposes_and_the_partner_confirms(
    client_for, plan, commune_user, partner_user
):
    # when
    countered = client_for(commune_user).post(
        f"{PICKUPS}{plan.pk}/counter-propose/",
        {"date": in_days(8).isoformat(), "starts_at": "14:00", "ends_at": "16:00"},
        format="json",
    )
    confirmed = client_for(partner_user).post(f"{PICKUPS}{plan.pk}/confirm/")

    # then
    assert countered.status_code == 200
    assert countered.json()["state"] == "counter_proposed"
    assert countered.json()["date"] == in_days(8).isoformat()
    assert confirmed.status_code == 200
    assert confirmed.json()["state"] == "confirmed"


@pytest.mark.django_db
def test_the_partner_may_not_confirm_its_own_proposal(client_for, plan, partner_user):
    # given
    before = pickup_snapshot()

    # when
    response = client_for(partner_user).post(f"{PICKUPS}{plan.pk}/confirm/")

    # then
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "transition_forbidden"
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_a_cancelled_plan_answers_409(client_for, plan, partner_user, commune_user):
    # given
    pickup_cancel(plan=plan, user=partner_user)
    before = pickup_snapshot()

    # when
    response = client_for(commune_user).post(f"{PICKUPS}{plan.pk}/confirm/")

    # then
    assert response.status_code == 409
    assert pickup_snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["confirm", "counter-propose", "cancel"])
def test_other_organisations_plans_answer_404_and_stay_as_they_were(
    client_for, plan, other_commune_user, buyer, action
):
    # given
    before = pickup_snapshot()
    slot = {"date": in_days(8).isoformat(), "starts_at": "14:00", "ends_at": "16:00"}

    # when
    answers = [
        client_for(user).post(f"{PICKUPS}{plan.pk}/{action}/", slot, format="json")
        for user in (other_commune_user, member(PartnerFactory()), member(buyer))
    ]

    # then
    assert [answer.status_code for answer in answers] == [404, 404, 404]
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_the_territory_reads_every_plan_but_cannot_confirm(
    client_for, plan, territory_user, other_commune_user
):
    # given
    before = pickup_snapshot()

    # when
    listed = client_for(territory_user).get(PICKUPS)
    confirmed = client_for(territory_user).post(f"{PICKUPS}{plan.pk}/confirm/")
    other_list = client_for(other_commune_user).get(PICKUPS)

    # then
    assert [row["id"] for row in listed.json()["results"]] == [plan.pk]
    assert confirmed.status_code == 403
    assert other_list.json()["results"] == []
    assert pickup_snapshot() == before


@pytest.mark.django_db
def test_the_list_pages_with_a_cursor_at_a_constant_query_count(
    client_for, declare, partner, partner_user, pickup_site, django_assert_max_num_queries
):
    # given: five plans
    devices = claim(declare(5), partner, partner_user)
    for days, device in enumerate(devices, start=1):
        propose(partner, partner_user, [device], pickup_site, days=days)
    api = client_for(partner_user)

    # when
    with django_assert_max_num_queries(8):
        first = api.get(PICKUPS, {"page_size": 2})
    second = api.get(first.json()["next"])

    # then
    assert [row["date"] for row in first.json()["results"]] == [
        in_days(1).isoformat(),
        in_days(2).isoformat(),
    ]
    assert [row["date"] for row in second.json()["results"]] == [
        in_days(3).isoformat(),
        in_days(4).isoformat(),
    ]
