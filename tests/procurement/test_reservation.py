"""The lifecycle's ``reserve`` and ``unreserve``, one device or many through the set-based
gateway: allowed, refused, nothing changed after a refusal; a device leaving ``ready`` leaves
its offer."""

from __future__ import annotations

import pytest
from django.db import transaction

from common.errors import NotFound, PermissionDenied, TransitionNotAllowed
from inventory.choices import DeviceState, EventKind
from inventory.lifecycle import (
    TransitionRun,
    register_transition_observer,
    transition_sources,
    unregister_transition_observer,
)
from inventory.models import Device, DeviceEvent
from inventory.services import device_transition, devices_transition
from procurement.models import OfferDevice
from procurement.services import offer_stock_add

pytestmark = pytest.mark.django_db


def snapshot(devices) -> list:
    rows = Device.objects.filter(pk__in=[device.pk for device in devices]).order_by("pk")
    return [(device.state, list(device.events.values_list("kind", flat=True))) for device in rows]


def test_the_lifecycle_declares_reserve_and_unreserve():
    assert transition_sources("reserve") == (DeviceState.READY,)
    assert transition_sources("unreserve") == (DeviceState.RESERVED,)


def test_the_territory_reserves_ready_devices_at_once_each_with_its_event(
    ready_devices, territory, territory_user
):
    # given
    devices = ready_devices(3)

    # when
    reserved = devices_transition(
        devices=devices,
        transition="reserve",
        user=territory_user,
        organisation=territory,
        details={"campaign": 7},
        device_details={devices[0].pk: {"order": 3}},
    )

    # then
    assert [device.state for device in reserved] == [DeviceState.RESERVED] * 3
    assert set(
        Device.objects.filter(pk__in=[d.pk for d in devices]).values_list("state", flat=True)
    ) == {DeviceState.RESERVED}
    events = DeviceEvent.objects.filter(device__in=devices, kind=EventKind.RESERVED).order_by(
        "device_id"
    )
    assert [(e.from_state, e.to_state, e.actor, e.organisation) for e in events] == [
        (DeviceState.READY, DeviceState.RESERVED, territory_user, territory)
    ] * 3
    assert [event.details for event in events] == [
        {"campaign": 7, "order": 3},
        {"campaign": 7},
        {"campaign": 7},
    ]


@pytest.mark.parametrize("count", [2, 12])
def test_reserving_many_devices_costs_the_same_queries(
    count, ready_devices, territory, territory_user, django_assert_num_queries
):
    devices = ready_devices(count)

    # the membership, the savepoint and its release, the lock, the update, the events, the
    # counts moved (taken, added) and the observer's delete: the same for 2 devices as for 12
    with django_assert_num_queries(9):
        devices_transition(
            devices=devices, transition="reserve", user=territory_user, organisation=territory
        )


def test_the_holder_may_not_reserve_nothing_changes(ready_devices, partner, partner_user):
    devices = ready_devices(2)
    before = snapshot(devices)

    with pytest.raises(PermissionDenied) as refusal:
        devices_transition(
            devices=devices, transition="reserve", user=partner_user, organisation=partner
        )

    assert refusal.value.code == "transition_forbidden"
    assert snapshot(devices) == before


def test_one_device_not_ready_refuses_them_all(ready_devices, declare, territory, territory_user):
    # given: two ready devices and a declared one
    devices = ready_devices(2)
    [declared] = declare(1)
    before = snapshot([*devices, declared])

    # when / then
    with pytest.raises(TransitionNotAllowed) as refusal:
        devices_transition(
            devices=[*devices, declared],
            transition="reserve",
            user=territory_user,
            organisation=territory,
        )
    assert declared.code in refusal.value.message
    assert refusal.value.status_code == 409
    assert snapshot([*devices, declared]) == before


def test_a_device_that_does_not_exist_refuses_them_all(ready_devices, territory, territory_user):
    devices = ready_devices(1)
    ghost = Device(pk=10**9)

    with pytest.raises(NotFound):
        devices_transition(
            devices=[*devices, ghost], transition="reserve", user=None, organisation=None
        )

    assert Device.objects.get(pk=devices[0].pk).state == DeviceState.READY


def test_unreserve_returns_reserved_devices_to_ready(ready_devices, territory, territory_user):
    devices = ready_devices(2)
    devices_transition(devices=devices, transition="reserve", user=None, organisation=None)

    released = devices_transition(
        devices=devices,
        transition="unreserve",
        user=territory_user,
        organisation=territory,
        note="Commande annulée",
    )

    assert [device.state for device in released] == [DeviceState.READY] * 2
    event = DeviceEvent.objects.filter(device=devices[0]).order_by("-pk").first()
    assert (event.kind, event.from_state, event.to_state, event.note) == (
        EventKind.UNRESERVED,
        DeviceState.RESERVED,
        DeviceState.READY,
        "Commande annulée",
    )


def test_unreserve_refused_for_a_ready_device(ready_devices, territory, territory_user):
    devices = ready_devices(1)
    before = snapshot(devices)

    with pytest.raises(TransitionNotAllowed):
        device_transition(
            device=devices[0], transition="unreserve", user=territory_user, organisation=territory
        )

    assert snapshot(devices) == before


def test_a_device_leaving_ready_leaves_its_offer(
    ready_devices, make_offer, partner_user, territory, territory_user
):
    # given: two devices in an offer
    offer = make_offer()
    devices = ready_devices(2)
    offer_stock_add(offer=offer, user=partner_user, devices=devices)

    # when: one is reserved on its own, through the single gateway
    device_transition(
        device=devices[0], transition="reserve", user=territory_user, organisation=territory
    )

    # then
    assert list(OfferDevice.objects.filter(offer=offer).values_list("device", flat=True)) == [
        devices[1].pk
    ]


def test_observers_hear_each_run_once_with_the_states_left(
    ready_devices, territory_user, territory
):
    # given
    devices = ready_devices(3)
    runs: list[TransitionRun] = []
    register_transition_observer(runs.append)
    try:
        # when
        devices_transition(
            devices=devices, transition="reserve", user=territory_user, organisation=territory
        )
    finally:
        unregister_transition_observer(runs.append)

    # then
    [run] = runs
    assert run.transition == "reserve"
    assert run.from_states == (DeviceState.READY,) * 3
    assert run.pks_leaving(DeviceState.READY) == [device.pk for device in devices]
    assert run.pks_leaving(DeviceState.RESERVED) == []


def test_rows_the_caller_locked_are_reserved_as_given_without_reading_them_again(
    ready_devices, make_offer, partner_user, territory, territory_user, django_assert_num_queries
):
    # given: devices in an offer, locked and loaded by the caller's transaction
    offer = make_offer()
    devices = ready_devices(3)
    offer_stock_add(offer=offer, user=partner_user, devices=devices)
    with transaction.atomic():
        locked = list(
            Device.objects.select_for_update().filter(pk__in=[d.pk for d in devices]).order_by("pk")
        )

        # when: the membership, the savepoint and its release, the update, the events, the
        # counts moved (taken, added) and the observer's delete: no lock, no read
        with django_assert_num_queries(8):
            reserved = devices_transition(
                devices=locked,
                transition="reserve",
                user=territory_user,
                organisation=territory,
                details={"campaign": 7},
                device_details={locked[1].pk: {"order": 3}},
                locked=True,
            )

    # then: the objects given, moved; the rows, their events and the offer's stock with them
    assert [device.pk for device in reserved] == [device.pk for device in locked]
    assert all(a is b for a, b in zip(reserved, locked, strict=True))
    assert [device.state for device in reserved] == [DeviceState.RESERVED] * 3
    assert {state for state, _kinds in snapshot(devices)} == {DeviceState.RESERVED}
    events = DeviceEvent.objects.filter(device__in=devices, kind=EventKind.RESERVED).order_by(
        "device_id"
    )
    assert [
        (e.from_state, e.to_state, e.actor, e.organisation, e.details, e.note) for e in events
    ] == [
        (DeviceState.READY, DeviceState.RESERVED, territory_user, territory, {"campaign": 7}, ""),
        (
            DeviceState.READY,
            DeviceState.RESERVED,
            territory_user,
            territory,
            {"campaign": 7, "order": 3},
            "",
        ),
        (DeviceState.READY, DeviceState.RESERVED, territory_user, territory, {"campaign": 7}, ""),
    ]
    assert len({event.created_at for event in events}) == 1
    assert not OfferDevice.objects.filter(offer=offer).exists()


def test_a_device_given_as_locked_that_changed_meanwhile_refuses_them_all(
    ready_devices, territory, territory_user
):
    # given: objects loaded while ready, then one of them reserved by another path (their
    # caller did not lock them, as it should have)
    devices = ready_devices(3)
    stale = list(Device.objects.filter(pk__in=[d.pk for d in devices]).order_by("pk"))
    device_transition(
        device=devices[1], transition="reserve", user=territory_user, organisation=territory
    )
    before = snapshot(devices)

    # when / then: the update finds one row no longer ready, and nothing is written
    with pytest.raises(TransitionNotAllowed) as refusal, transaction.atomic():
        devices_transition(
            devices=stale,
            transition="reserve",
            user=territory_user,
            organisation=territory,
            locked=True,
        )
    assert refusal.value.code == "devices_changed"
    assert devices[1].code in refusal.value.message
    assert snapshot(devices) == before


def test_a_locked_device_the_lifecycle_refuses_refuses_them_all(
    ready_devices, declare, territory, territory_user
):
    devices = ready_devices(2)
    [declared] = declare(1)
    before = snapshot([*devices, declared])

    with transaction.atomic():
        locked = list(
            Device.objects.select_for_update()
            .filter(pk__in=[d.pk for d in [*devices, declared]])
            .order_by("pk")
        )
        with pytest.raises(TransitionNotAllowed) as refusal:
            devices_transition(
                devices=locked,
                transition="reserve",
                user=territory_user,
                organisation=territory,
                locked=True,
            )

    assert declared.code in refusal.value.message
    assert snapshot([*devices, declared]) == before
