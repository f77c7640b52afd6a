"""The refurbishment page of a device (diagnosis, repair, grade) and the public grade scale."""

from __future__ import annotations

import pytest

from inventory.choices import DeviceState, EventKind
from inventory.models import Device
from reuse.checklists import checklist_for
from reuse.models import Diagnosis, Grading, Repair
from tests.reuse.refurbishment import collected_device, snapshot


def page(device) -> str:
    return f"/reuse/devices/{device.code}/refurbishment/"


def diagnosis_post(category_checks, **overrides) -> dict:
    data = {f"diagnosis-check_{check}": "ok" for check in category_checks}
    data.update(
        {
            "diagnosis-result": "works",
            "diagnosis-battery_health": "84",
            "diagnosis-storage_health": "",
            "diagnosis-notes": "",
            "diagnosis-diagnosed_on": "2026-03-14",
        }
    )
    data.update(overrides)
    return data


def test_the_grade_scale_is_public(client):
    # when
    response = client.get("/reuse/grades/", HTTP_ACCEPT_LANGUAGE="en")

    # then
    assert response.status_code == 200
    text = response.content.decode()
    assert "Grade A — very good condition" in text
    assert "Grade C — fair condition" in text
    assert "all functions tested" in text


@pytest.mark.django_db
def test_the_holder_diagnoses_from_the_page(declare, partner, partner_user, page_client):
    # given
    device = collected_device(declare, partner, partner_user)
    client = page_client(partner_user)
    shown = client.get(page(device))

    # when
    response = client.post(
        f"/reuse/devices/{device.code}/diagnosis/",
        diagnosis_post(checklist_for("laptop"), **{"diagnosis-check_wifi": "fault"}),
    )

    # then
    assert shown.status_code == 200
    assert "Record a diagnosis" in shown.content.decode()
    assert "Record a repair" not in shown.content.decode()
    assert response.status_code == 302
    assert response["Location"] == page(device)
    diagnosis = Diagnosis.objects.get()
    assert diagnosis.battery_health == 84
    assert [item["check"] for item in diagnosis.items if item["result"] == "fault"] == ["wifi"]
    device.refresh_from_db()
    assert device.state == DeviceState.IN_REFURBISHMENT
    assert device.events.last().kind == EventKind.DIAGNOSED
    after = client.get(page(device)).content.decode()
    assert "Record a repair" in after
    assert "Grade the device" in after
    assert "<li>Wi-Fi: Fault</li>" in after


@pytest.mark.django_db
def test_the_device_page_offers_the_diagnosis_to_its_holder(
    declare, partner, partner_user, page_client
):
    # given
    device = collected_device(declare, partner, partner_user)

    # when
    response = page_client(partner_user).get(f"/inventory/{device.code}/")

    # then
    assert response.status_code == 200
    assert f'href="{page(device)}"' in response.content.decode()


@pytest.mark.django_db
def test_an_invalid_diagnosis_shows_the_errors_and_changes_nothing(
    declare, partner, partner_user, page_client
):
    # given
    device = collected_device(declare, partner, partner_user)
    before = snapshot()
    # when
    response = page_client(partner_user).post(
        f"/reuse/devices/{device.code}/diagnosis/",
        diagnosis_post(checklist_for("laptop"), **{"diagnosis-battery_health": "140"}),
    )

    # then
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 100." in response.content.decode()
    assert snapshot() == before


@pytest.mark.django_db
def test_repair_and_grade_from_the_page(declare, partner, partner_user, page_client):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    client = page_client(partner_user)

    # when
    repaired = client.post(
        f"/reuse/devices/{device.code}/repair/",
        {
            "repair-parts": "Clavier\nBatterie\n",
            "repair-notes": "",
            "repair-cost": "52.50",
            "repair-repaired_on": "2026-03-15",
        },
    )
    graded = client.post(
        f"/reuse/devices/{device.code}/grade/",
        {"grade-grade": "B", "grade-notes": "", "grade-graded_on": "2026-03-16"},
    )

    # then
    assert (repaired.status_code, graded.status_code) == (302, 302)
    repair = Repair.objects.get()
    assert (repair.parts, str(repair.cost)) == (["Clavier", "Batterie"], "52.50")
    assert Grading.objects.get().grade == "B"
    text = client.get(page(device)).content.decode()
    assert "Grade B — good condition" in text
    assert "Clavier, Batterie · 52.50 €" in text


@pytest.mark.django_db
def test_a_commune_reads_the_page_but_may_not_record(
    declare, partner, partner_user, commune_user, page_client
):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    client = page_client(commune_user)
    before = snapshot()

    # when
    shown = client.get(page(device))
    refused = client.post(
        f"/reuse/devices/{device.code}/grade/",
        {"grade-grade": "A", "grade-graded_on": "2026-03-16"},
    )

    # then
    assert shown.status_code == 200
    assert "Grade the device" not in shown.content.decode()
    assert refused.status_code == 403
    assert snapshot() == before
    assert Device.objects.get(pk=device.pk).state == DeviceState.IN_REFURBISHMENT


@pytest.mark.django_db
def test_another_partner_does_not_find_the_device(
    declare, partner, partner_user, other_partner_user, page_client
):
    # given
    device = collected_device(declare, partner, partner_user)

    # when
    response = page_client(other_partner_user).get(page(device))

    # then
    assert response.status_code == 404


def test_no_check_nor_verdict_is_answered_beforehand(page_client, declare, partner, partner_user):
    # given
    device = collected_device(declare, partner, partner_user)
    client = page_client(partner_user)

    # when
    form = client.get(page(device)).context["diagnosis_form"]

    # then: every check and the verdict start on the empty choice
    answers = {name: form[name].value() for name in form.fields if name.startswith("check_")}
    assert answers
    assert set(answers.values()) == {None}
    assert form["result"].value() is None
    html = str(form["check_power"])
    assert '<option value="" selected>' in html


def test_a_diagnosis_with_unanswered_checks_is_refused_and_nothing_saved(
    page_client, declare, partner, partner_user
):
    # given
    device = collected_device(declare, partner, partner_user)
    data = diagnosis_post(checklist_for(device.category))
    data["diagnosis-check_power"] = ""

    # when
    response = page_client(partner_user).post(f"/reuse/devices/{device.code}/diagnosis/", data)

    # then
    assert response.status_code == 400
    assert "check_power" in response.context["diagnosis_form"].errors
    assert not Diagnosis.objects.filter(device=device).exists()
    device.refresh_from_db()
    assert device.state == "collected"
