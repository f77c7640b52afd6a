"""The refurbishment API: a device's diagnoses, repairs and gradings."""

from __future__ import annotations

import pytest

from inventory.choices import DeviceState, EventKind
from inventory.models import Device
from reuse.models import Diagnosis, Grading, Repair
from tests.reuse.refurbishment import all_ok, collected_device, snapshot


def url(device, kind: str) -> str:
    return f"/api/v1/devices/{device.code}/{kind}/"


@pytest.mark.django_db
def test_the_holder_records_a_diagnosis_that_starts_the_refurbishment(
    declare, partner, partner_user, client_for
):
    # given
    device = collected_device(declare, partner, partner_user)
    body = {
        "items": all_ok("laptop"),
        "result": "needs_repair",
        "battery_health": 72,
        "storage_health": 100,
        "diagnosed_on": "2026-03-14",
    }

    # when
    response = client_for(partner_user).post(url(device, "diagnoses"), body, format="json")

    # then
    assert response.status_code == 201, response.json()
    answer = response.json()
    diagnosis = Diagnosis.objects.get()
    assert answer == {
        "id": diagnosis.pk,
        "device": device.code,
        "organisation": partner.slug,
        "items": all_ok("laptop"),
        "result": "needs_repair",
        "battery_health": 72,
        "storage_health": 100,
        "notes": "",
        "diagnosed_on": "2026-03-14",
        "device_state": "in_refurbishment",
    }
    device.refresh_from_db()
    assert device.state == DeviceState.IN_REFURBISHMENT
    assert device.events.last().kind == EventKind.DIAGNOSED


@pytest.mark.django_db
def test_an_incomplete_checklist_answers_400_and_changes_nothing(
    declare, partner, partner_user, client_for
):
    # given
    device = collected_device(declare, partner, partner_user)
    before = snapshot()

    # when
    response = client_for(partner_user).post(
        url(device, "diagnoses"),
        {"items": all_ok("laptop")[:3], "result": "works"},
        format="json",
    )

    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"] == {
        "items": ["Checks missing: touchpad, ports, wifi, battery, storage."]
    }
    assert snapshot() == before


@pytest.mark.django_db
def test_another_partner_cannot_see_a_held_device_and_a_commune_cannot_record(
    declare, partner, partner_user, commune_user, other_partner_user, client_for
):
    # given
    device = collected_device(declare, partner, partner_user)
    before = snapshot()
    body = {"items": all_ok("laptop"), "result": "works"}

    # when
    foreign = client_for(other_partner_user).post(url(device, "diagnoses"), body, format="json")
    commune = client_for(commune_user).post(url(device, "diagnoses"), body, format="json")

    # then
    assert foreign.status_code == 404
    assert commune.status_code == 403
    assert commune.json()["error"]["code"] == "not_holder"
    assert snapshot() == before


@pytest.mark.django_db
def test_repair_and_grade_before_the_diagnosis_answer_409(
    declare, partner, partner_user, client_for
):
    # given
    device = collected_device(declare, partner, partner_user)
    client = client_for(partner_user)
    before = snapshot()

    # when
    repair = client.post(url(device, "repairs"), {"parts": ["Écran"]}, format="json")
    grade = client.post(url(device, "gradings"), {"grade": "A"}, format="json")

    # then
    assert (repair.status_code, grade.status_code) == (409, 409)
    assert repair.json()["error"]["message"] == (
        "This action is not possible for a device in state “Collected”."
    )
    assert snapshot() == before


@pytest.mark.django_db
def test_repair_then_grade_then_read_the_history(
    declare, partner, partner_user, commune_user, client_for
):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    client = client_for(partner_user)

    # when
    repaired = client.post(
        url(device, "repairs"),
        {"parts": ["Batterie"], "notes": "Batterie changée", "cost": "39.90"},
        format="json",
    )
    graded = client.post(
        url(device, "gradings"), {"grade": "B", "battery_health": 98}, format="json"
    )
    read_by_commune = client_for(commune_user).get(url(device, "gradings"))

    # then
    assert repaired.status_code == 201, repaired.json()
    assert repaired.json()["cost"] == "39.90"
    assert repaired.json()["parts"] == ["Batterie"]
    assert Repair.objects.get().operator == partner_user
    assert graded.status_code == 201, graded.json()
    assert Grading.objects.get().grade == "B"
    assert read_by_commune.status_code == 200
    assert [(g["grade"], g["battery_health"]) for g in read_by_commune.json()] == [("B", 98)]
    assert Device.objects.get(pk=device.pk).state == DeviceState.IN_REFURBISHMENT


@pytest.mark.django_db
def test_invalid_grade_and_cost_answer_400(declare, partner, partner_user, client_for):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    client = client_for(partner_user)
    before = snapshot()

    # when
    grade = client.post(url(device, "gradings"), {"grade": "neuf"}, format="json")
    cost = client.post(url(device, "repairs"), {"parts": ["x"], "cost": "-3"}, format="json")

    # then
    assert grade.status_code == 400
    assert list(grade.json()["error"]["fields"]) == ["grade"]
    assert cost.status_code == 400
    assert list(cost.json()["error"]["fields"]) == ["cost"]
    assert snapshot() == before
