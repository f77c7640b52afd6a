"""The device serializer's direct representation gives DRF's field-by-field answer exactly."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from inventory.api.serializers import DeviceSerializer
from inventory.selectors import devices_visible_to
from organisations.permissions import organisations_of
from reuse.services import devices_claim


def request_as(user) -> Request:
    request = Request(APIRequestFactory().get("/api/v1/devices/", secure=True))
    request.user = user
    return request


@pytest.mark.django_db
def test_every_shape_of_device_is_represented_as_drf_would(
    declare, commune, commune_user, partner, partner_user
):
    # given: devices with and without their optional values, with a site or none, claimed or not
    full = declare(
        asset_tag="INV-2018-044",
        purchase_date=datetime.date(2018, 9, 3),
        cpu="Intel Core i5-8250U",
        ram_gb=Decimal("7.5"),
        screen_size_inches=Decimal("13.3"),
        condition_notes="Écran rayé",
        holds_sensitive_data=True,
    )
    bare = declare(ram_gb=None, storage_gb=None, storage_type="", for_commune=commune, site=None)
    claimed = declare(2, data_bearing=False)
    devices_claim(devices=claimed, partner=partner, user=partner_user)
    codes = [device.code for device in [*full, *bare, *claimed]]

    for user in (commune_user, partner_user):
        request = request_as(user)
        devices = devices_visible_to(organisations_of(user)).filter(code__in=codes)
        serializer = DeviceSerializer(context={"request": request})

        # when
        direct = [serializer.to_representation(device) for device in devices]
        by_drf = [
            serializers.ModelSerializer.to_representation(serializer, device) for device in devices
        ]

        # then: the same keys in the same order, the same values, every shape met
        assert len(direct) == len(codes)
        assert [list(item) for item in direct] == [list(item) for item in by_drf]
        assert direct == by_drf
        shapes = {(item["pickup_site"] is None, item["claimed_by"] is None) for item in direct}
        assert shapes == {(True, True), (False, True), (False, False)}
        assert any(item["allowed_actions"] for item in direct)


@pytest.mark.django_db
def test_without_a_request_no_action_is_offered(declare):
    # given
    [device] = declare()

    # when
    serializer = DeviceSerializer(context={"request": None})
    representation = serializer.to_representation(device)

    # then
    assert representation["allowed_actions"] == []
    assert representation == serializers.ModelSerializer.to_representation(serializer, device)


@pytest.mark.django_db
def test_values_shared_by_devices_and_fields_are_each_given_as_their_own_field_does(
    declare, commune_user
):
    # given: devices of one import share their creation time; a memory and a screen size of
    # the same number are written with two and with one decimal place
    from inventory.models import Device

    devices = declare(3, ram_gb=Decimal("13.3"), screen_size_inches=Decimal("13.3"))
    Device.objects.filter(pk__in=[device.pk for device in devices]).update(
        created_at=datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC),
        purchase_date=datetime.date(2019, 5, 6),
    )
    Device.objects.filter(pk=devices[0].pk).update(
        ram_gb=Decimal("8"), purchase_date=datetime.date(2020, 1, 2)
    )
    request = request_as(commune_user)
    listed = devices_visible_to(organisations_of(commune_user)).order_by("pk")
    serializer = DeviceSerializer(context={"request": request})

    # when
    direct = [serializer.to_representation(device) for device in listed]

    # then
    assert direct == [
        serializers.ModelSerializer.to_representation(serializer, device) for device in listed
    ]
    assert [(item["ram_gb"], item["screen_size_inches"]) for item in direct] == [
        ("8.00", "13.3"),
        ("13.30", "13.3"),
        ("13.30", "13.3"),
    ]
    assert [item["purchase_date"] for item in direct] == ["2020-01-02", "2019-05-06", "2019-05-06"]
    assert {item["created_at"] for item in direct} == {"2026-03-02T10:30:00+01:00"}
