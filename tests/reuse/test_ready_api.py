"""Marking a device ready through the API and the refurbishment page, and the whole journey
from ``declared`` to ``ready`` through the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inventory.choices import DeviceState, EventKind
from inventory.models import Device, DeviceEvent
from reuse.checklists import checklist_for
from tests.reuse.refurbishment import api_collected_device, collected_device, snapshot
from tests.reuse.test_ready_services import erase, grade

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "nwipe.log"


def ready_url(device) -> str:
    return f"/api/v1/devices/{device.code}/ready/"


def test_the_holder_marks_a_device_ready(client_for, declare, partner, partner_user):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    erase(partner, partner_user, device)
    grade(partner, partner_user, device)

    # when
    response = client_for(partner_user).post(ready_url(device), format="json")

    # then
    assert response.status_code == 200, response.json()
    assert (response.json()["code"], response.json()["state"]) == (device.code, "ready")
    assert Device.objects.get(pk=device.pk).state == DeviceState.READY


def test_a_refusal_names_what_is_missing_in_the_house_shape(
    client_for, declare, partner, partner_user
):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    erase(partner, partner_user, device)
    before = snapshot()

    # when
    response = client_for(partner_user).post(ready_url(device), format="json")

    # then
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "no_grade",
            "message": "The device cannot be marked as ready: no grade is given.",
        }
    }
    assert snapshot() == before


def test_another_partner_and_the_commune_are_refused(
    client_for, declare, partner, partner_user, other_partner_user, commune_user
):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    erase(partner, partner_user, device)
    grade(partner, partner_user, device)
    before = snapshot()

    # when
    other = client_for(other_partner_user).post(ready_url(device), format="json")
    commune = client_for(commune_user).post(ready_url(device), format="json")

    # then: the other partner does not see the device; the commune sees it but may not act
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "device_not_found"
    assert commune.status_code == 403
    assert commune.json()["error"]["code"] == "not_holder"
    assert snapshot() == before


def test_the_page_shows_what_is_missing_then_marks_the_device_ready(
    declare, partner, partner_user, page_client
):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    client = page_client(partner_user)
    page = f"/reuse/devices/{device.code}/refurbishment/"

    # when the page is opened before erasure and grade
    text = client.get(page).content.decode()

    # then it names what is missing
    assert "Mark as ready" in text
    assert "The data is not erased: no storage medium recorded" in text
    assert "No grade is given" in text
    assert f'href="{page}"' in client.get(f"/inventory/{device.code}/").content.decode()

    # when marked ready too early
    refused = client.post(f"/reuse/devices/{device.code}/ready/", follow=True)

    # then refused, with the reasons
    assert refused.status_code == 200
    assert (
        "The device cannot be marked as ready: the data is not erased: no storage medium "
        "recorded; no grade is given." in refused.content.decode()
    )
    assert Device.objects.get(pk=device.pk).state == DeviceState.IN_REFURBISHMENT

    # when erased and graded, then marked ready
    erase(partner, partner_user, device)
    grade(partner, partner_user, device)
    response = client.post(f"/reuse/devices/{device.code}/ready/", follow=True)

    # then
    assert "The device is ready: it is in your stock." in response.content.decode()
    assert Device.objects.get(pk=device.pk).state == DeviceState.READY


def test_another_organisation_may_not_post_the_page(
    declare, partner, partner_user, commune_user, page_client
):
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    erase(partner, partner_user, device)
    grade(partner, partner_user, device)
    before = snapshot()

    response = page_client(commune_user).post(f"/reuse/devices/{device.code}/ready/")

    assert response.status_code == 403
    assert snapshot() == before


def test_the_journey_from_declared_to_ready_through_the_api(
    client_for, commune, commune_user, partner, partner_user
):
    commune_api = client_for(commune_user)
    partner_api = client_for(partner_user)

    # declared by the commune, claimed, then collected by the partner
    code = api_collected_device(commune_api, partner_api, commune)
    device_url = f"/api/v1/devices/{code}/"

    # diagnosed as needing repair, then repaired
    diagnosed = partner_api.post(
        f"{device_url}diagnoses/",
        {
            "items": [
                {"check": check, "result": "fault" if index == 0 else "ok"}
                for index, check in enumerate(checklist_for("laptop"))
            ],
            "result": "needs_repair",
        },
        format="json",
    )
    assert diagnosed.status_code == 201, diagnosed.json()
    repaired = partner_api.post(
        f"{device_url}repairs/", {"parts": ["Clavier AZERTY"], "cost": "25.00"}, format="json"
    )
    assert repaired.status_code == 201, repaired.json()

    # erased: the nwipe log matched by the device's serial; one of its drives failed
    imported = partner_api.post(
        "/api/v1/erasures/nwipe/",
        {"log": SimpleUploadedFile("nwipe.log", SAMPLE.read_bytes())},
        format="multipart",
    )
    assert imported.status_code == 201, imported.json()
    assert [line["result"] for line in imported.json()["failed"]] == ["failed"]
    graded = partner_api.post(f"{device_url}gradings/", {"grade": "A"}, format="json")
    assert graded.status_code == 201, graded.json()

    # not ready while a medium's latest erasure failed
    refused = partner_api.post(f"{device_url}ready/", format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_erased"
    assert "the latest erasure of medium Z3TABC12 failed" in refused.json()["error"]["message"]

    # the failed drive wiped again, with success
    rerun = SAMPLE.read_text().replace("|-FAILED-|", "| Erased |")
    reimported = partner_api.post(
        "/api/v1/erasures/nwipe/",
        {"log": SimpleUploadedFile("nwipe-rerun.log", rerun.encode())},
        format="multipart",
    )
    assert reimported.status_code == 201, reimported.json()
    assert reimported.json()["failed"] == []

    # ready
    ready = partner_api.post(f"{device_url}ready/", format="json")
    assert ready.status_code == 200, ready.json()
    assert ready.json()["state"] == "ready"
    device = Device.objects.get(code=code)
    assert list(
        DeviceEvent.objects.filter(device=device).order_by("pk").values_list("kind", flat=True)
    ) == [
        EventKind.DECLARED,
        EventKind.CLAIMED,
        EventKind.COLLECTED,
        EventKind.DIAGNOSED,
        EventKind.READY,
    ]
    assert commune_api.get(device_url).json()["state"] == "ready"
