"""Declaring devices: validation, the one-declaration-per-physical-device rule, all or nothing."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from common.errors import PermissionDenied, ValidationFailed
from inventory.choices import DeclarationSource, DeviceCategory, DeviceState, EventKind
from inventory.models import Declaration, Device, DeviceEvent
from inventory.services import (
    DeclarationRejected,
    declaration_create,
    device_declare,
    device_update,
    device_withdraw,
)
from tests.conftest import SiteFactory, device_description


def counts() -> tuple[int, int, int]:
    return Declaration.objects.count(), Device.objects.count(), DeviceEvent.objects.count()


@pytest.mark.django_db
def test_declare_several_devices_at_once(commune, commune_user, pickup_site):
    # when
    declaration = declaration_create(
        user=commune_user,
        commune=commune,
        pickup_site=pickup_site,
        descriptions=[
            device_description(),
            device_description(category=DeviceCategory.MONITOR, storage_gb=None, storage_type=""),
        ],
        reference="Écoles 2018",
    )

    # then
    devices = list(declaration.devices.order_by("pk"))
    assert [device.category for device in devices] == ["laptop", "monitor"]
    assert all(device.declaration == declaration for device in devices)
    assert all(device.pickup_site == pickup_site for device in devices)
    assert [device.data_bearing for device in devices] == [True, False]
    assert declaration.source == DeclarationSource.FORM
    assert DeviceEvent.objects.filter(kind=EventKind.DECLARED, device__in=devices).count() == 2
    assert len({device.code for device in devices}) == 2


@pytest.mark.django_db
def test_device_codes_use_an_unambiguous_alphabet(declare):
    devices = declare(20)

    for device in devices:
        assert len(device.code) == 8
        assert not set(device.code) & set("ILOU")


@pytest.mark.django_db
def test_data_bearing_is_derived_and_can_be_overridden(declare):
    [printer_with_disk] = declare(
        category=DeviceCategory.PRINTER, storage_gb=320, storage_type="hdd"
    )
    [monitor] = declare(category=DeviceCategory.MONITOR, storage_gb=None, storage_type="")
    [overridden] = declare(
        category=DeviceCategory.MONITOR, storage_gb=None, storage_type="", data_bearing=True
    )

    assert printer_with_disk.data_bearing is True
    assert monitor.data_bearing is False
    assert (overridden.data_bearing, overridden.data_bearing_overridden) == (True, True)


@pytest.mark.django_db
def test_same_brand_and_serial_refused_naming_the_existing_device(
    declare, other_commune, other_commune_user
):
    # given
    [existing] = declare(brand="Dell", serial_number="7HXK2Q2")
    before = counts()

    # when: the same sticker, typed differently, from another commune
    with pytest.raises(ValidationFailed) as refusal:
        device_declare(
            user=other_commune_user,
            commune=other_commune,
            **device_description(brand="DELL", serial_number=" 7hxk-2q2 "),
        )

    # then
    assert refusal.value.code == "duplicate_device"
    assert existing.code in refusal.value.message
    assert "Cachan" in refusal.value.message
    assert counts() == before


@pytest.mark.django_db
def test_same_serial_of_another_brand_is_another_device(declare):
    declare(brand="Dell", serial_number="12345")

    [other] = declare(brand="HP", serial_number="12345")

    assert other.state == DeviceState.DECLARED


@pytest.mark.django_db
def test_serial_of_a_withdrawn_device_may_be_declared_again(declare, commune, commune_user):
    # given
    [withdrawn] = declare(serial_number="ABC123")
    device_withdraw(device=withdrawn, user=commune_user, organisation=commune)

    # when
    [again] = declare(serial_number="ABC123")

    # then
    assert again.pk != withdrawn.pk
    assert again.state == DeviceState.DECLARED


@pytest.mark.django_db
def test_devices_without_serial_are_never_duplicates(declare):
    devices = declare(3, serial_number="")

    assert len(devices) == 3


@pytest.mark.django_db
def test_duplicate_inside_one_declaration_names_the_first_row(commune, commune_user):
    with pytest.raises(DeclarationRejected) as refusal:
        declaration_create(
            user=commune_user,
            commune=commune,
            pickup_site=None,
            descriptions=[
                device_description(serial_number="X1"),
                device_description(),
                device_description(serial_number="x-1"),
            ],
        )

    assert list(refusal.value.rows) == [2]
    assert "row 1" in refusal.value.rows[2]["serial_number"][0]
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_one_bad_row_rejects_the_whole_declaration_and_reports_every_bad_row(commune, commune_user):
    future = timezone.localdate() + datetime.timedelta(days=1)

    with pytest.raises(DeclarationRejected) as refusal:
        declaration_create(
            user=commune_user,
            commune=commune,
            pickup_site=None,
            descriptions=[
                device_description(),
                device_description(category="toaster"),
                device_description(ram_gb=Decimal("-4")),
                device_description(purchase_date=future),
                device_description(brand=""),
            ],
        )

    rows = refusal.value.rows
    assert sorted(rows) == [1, 2, 3, 4]
    assert list(rows[1]) == ["category"]
    assert list(rows[2]) == ["ram_gb"]
    assert rows[3]["purchase_date"] == ["The purchase date cannot be in the future."]
    assert list(rows[4]) == ["brand"]
    assert "devices[2].ram_gb" in refusal.value.fields
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_empty_declaration_refused(commune, commune_user):
    with pytest.raises(ValidationFailed) as refusal:
        declaration_create(user=commune_user, commune=commune, pickup_site=None, descriptions=[])

    assert refusal.value.code == "empty_declaration"
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_declaring_for_a_commune_the_user_does_not_belong_to_is_refused(
    other_commune, commune_user
):
    with pytest.raises(PermissionDenied) as refusal:
        device_declare(user=commune_user, commune=other_commune, **device_description())

    assert refusal.value.code == "not_a_member"
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_only_a_commune_declares(partner, partner_user):
    with pytest.raises(PermissionDenied) as refusal:
        device_declare(user=partner_user, commune=partner, **device_description())

    assert refusal.value.code == "not_a_commune"
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_pickup_site_of_another_commune_is_refused(commune, commune_user, other_commune):
    foreign_site = SiteFactory(organisation=other_commune)

    with pytest.raises(ValidationFailed) as refusal:
        device_declare(
            user=commune_user, commune=commune, pickup_site=foreign_site, **device_description()
        )

    assert refusal.value.code == "foreign_site"
    assert counts() == (0, 0, 0)


@pytest.mark.django_db
def test_update_records_what_changed(declare, commune, commune_user):
    # given
    [device] = declare(ram_gb=4)

    # when
    device = device_update(
        device=device,
        user=commune_user,
        organisation=commune,
        ram_gb=Decimal("8"),
        condition_notes="Chargeur fourni",
    )

    # then
    device = Device.objects.get(pk=device.pk)
    assert device.ram_gb == Decimal("8")
    event = device.events.last()
    assert event.kind == EventKind.EDITED
    assert event.details == {
        "changed": {"ram_gb": ["4.00", "8.00"], "condition_notes": ["", "Chargeur fourni"]}
    }


@pytest.mark.django_db
def test_update_without_change_writes_no_event(declare, commune, commune_user):
    [device] = declare()

    device_update(device=device, user=commune_user, organisation=commune, brand=device.brand)

    assert device.events.count() == 1


@pytest.mark.django_db
def test_update_refused_for_another_commune(declare, other_commune, other_commune_user):
    [device] = declare(ram_gb=4)

    with pytest.raises(PermissionDenied):
        device_update(device=device, user=other_commune_user, organisation=other_commune, ram_gb=16)

    device.refresh_from_db()
    assert device.ram_gb == Decimal("4")
    assert device.events.count() == 1


@pytest.mark.django_db
def test_update_refused_once_withdrawn(declare, commune, commune_user):
    [device] = declare(ram_gb=4)
    device_withdraw(device=device, user=commune_user, organisation=commune)

    with pytest.raises(PermissionDenied):
        device_update(device=device, user=commune_user, organisation=commune, ram_gb=16)

    assert Device.objects.get(pk=device.pk).ram_gb == Decimal("4")


@pytest.mark.django_db
def test_update_refuses_a_serial_already_active(declare, commune, commune_user):
    [first, second] = declare(2)

    with pytest.raises(ValidationFailed) as refusal:
        device_update(
            device=second,
            user=commune_user,
            organisation=commune,
            serial_number=first.serial_number,
        )

    assert refusal.value.code == "duplicate_device"
    assert first.code in refusal.value.message
    assert Device.objects.get(pk=second.pk).serial_number == second.serial_number


@pytest.mark.django_db(transaction=True)
def test_concurrent_declarations_of_one_device_keep_one(
    commune, commune_user, other_commune, other_commune_user
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent transactions")
    # given: two communes declaring the same sticker at the same moment
    barrier = threading.Barrier(2)
    outcomes = []

    def declare_as(user, organisation):
        try:
            barrier.wait()
            device_declare(
                user=user, commune=organisation, **device_description(serial_number="RACE-1")
            )
            outcomes.append("declared")
        except ValidationFailed as refusal:
            outcomes.append(refusal.code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=declare_as, args=(commune_user, commune)),
        threading.Thread(target=declare_as, args=(other_commune_user, other_commune)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert sorted(outcomes) == ["declared", "duplicate_device"]
    assert Device.objects.filter(identity_key="dell:RACE1").count() == 1
