"""Declaring several devices at once through the API: all of them, or none."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from inventory.choices import DeclarationSource, DeviceState, EventKind
from inventory.models import Declaration, Device, DeviceEvent
from tests.conftest import device_description

DECLARATIONS = "/api/v1/declarations/"


def counts() -> tuple[int, int, int]:
    return Declaration.objects.count(), Device.objects.count(), DeviceEvent.objects.count()


@pytest.mark.django_db
def test_declare_several_devices(client_for, commune, commune_user, pickup_site):
    # given
    payload = {
        "commune": "cachan",
        "pickup_site": pickup_site.pk,
        "reference": "Délibération 2026-14",
        "devices": [
            device_description(serial_number="A-1"),
            device_description(category="monitor", brand="Iiyama", serial_number="B-2"),
            device_description(category="smartphone", brand="Samsung", serial_number=""),
        ],
    }

    # when
    response = client_for(commune_user).post(DECLARATIONS, payload, format="json")

    # then
    assert response.status_code == 201
    declaration = Declaration.objects.get()
    devices = list(declaration.devices.order_by("pk"))
    body = response.json()
    assert datetime.datetime.fromisoformat(body.pop("created_at")) == declaration.created_at
    assert body == {
        "id": declaration.pk,
        "commune": {"slug": "cachan", "name": "Cachan"},
        "pickup_site": {"id": pickup_site.pk, "name": "Hôtel de ville"},
        "source": "api",
        "reference": "Délibération 2026-14",
        "devices": [device.code for device in devices],
    }
    assert [(device.brand, device.serial_number) for device in devices] == [
        ("Dell", "A-1"),
        ("Iiyama", "B-2"),
        ("Samsung", ""),
    ]
    assert {device.state for device in devices} == {DeviceState.DECLARED}
    assert {device.pickup_site for device in devices} == {pickup_site}
    assert (declaration.source, declaration.created_by) == (DeclarationSource.API, commune_user)
    assert (
        list(
            DeviceEvent.objects.filter(device__in=devices).values_list(
                "kind", "actor", "organisation"
            )
        )
        == [(EventKind.DECLARED, commune_user.pk, commune.pk)] * 3
    )


@pytest.mark.django_db
def test_type_errors_are_reported_by_row_and_field(client_for, commune_user):
    # given
    payload = {
        "commune": "cachan",
        "devices": [
            device_description(category="toaster"),
            device_description(),
            device_description(ram_gb=-2, storage_gb="big"),
        ],
    }

    # when
    response = client_for(commune_user).post(DECLARATIONS, payload, format="json")

    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert sorted(error["fields"]) == [
        "devices[0].category",
        "devices[2].ram_gb",
        "devices[2].storage_gb",
    ]
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_rule_errors_are_reported_by_row_and_field(
    client_for, declare, commune_user, other_commune, other_commune_user
):
    # given: row 1 is a laptop already declared elsewhere, row 2 was bought tomorrow
    [existing] = declare(by=other_commune_user, for_commune=other_commune, serial_number="X-9")
    before = counts()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    payload = {
        "commune": "cachan",
        "devices": [
            device_description(),
            device_description(serial_number="x9"),
            device_description(purchase_date=tomorrow.isoformat()),
        ],
    }

    # when
    response = client_for(commune_user).post(DECLARATIONS, payload, format="json")

    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "declaration_invalid"
    assert sorted(error["fields"]) == ["devices[1].serial_number", "devices[2].purchase_date"]
    assert existing.code in error["fields"]["devices[1].serial_number"][0]
    assert counts() == before


@pytest.mark.django_db
def test_the_same_device_twice_in_one_declaration_is_refused(client_for, commune_user):
    payload = {
        "commune": "cachan",
        "devices": [
            device_description(serial_number="Q-1"),
            device_description(serial_number="q1"),
        ],
    }

    response = client_for(commune_user).post(DECLARATIONS, payload, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["devices[1].serial_number"]
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_declaring_for_a_commune_the_user_does_not_belong_to_is_refused(
    client_for, commune_user, other_commune
):
    payload = {"commune": "arcueil", "devices": [device_description()]}

    response = client_for(commune_user).post(DECLARATIONS, payload, format="json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_a_member"
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_an_empty_declaration_is_refused(client_for, commune_user):
    response = client_for(commune_user).post(
        DECLARATIONS, {"commune": "cachan", "devices": []}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "empty_declaration"
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_devices_must_be_a_list(client_for, commune_user):
    response = client_for(commune_user).post(
        DECLARATIONS, {"commune": "cachan", "devices": {"brand": "Dell"}}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert list(response.json()["error"]["fields"]) == ["devices.non_field_errors"]
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_a_declaration_holds_at_most_1000_devices(client_for, commune_user):
    payload = {"commune": "cachan", "devices": [device_description() for _ in range(1001)]}

    response = client_for(commune_user).post(DECLARATIONS, payload, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["devices.non_field_errors"]
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_declarations_cannot_be_listed(client_for, commune_user):
    response = client_for(commune_user).get(DECLARATIONS)

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
