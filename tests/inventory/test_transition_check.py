"""The lifecycle's one question for services: which devices may take a transition, and why the
others may not (allowed, refused with a reason and a code, and nothing changed by asking)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.choices import DeviceState
from inventory.lifecycle import TransitionRefusal, transition_check
from inventory.models import Device, unerased_data
from reuse.services import devices_claim
from tests.conftest import PartnerFactory, member


def snapshot(devices: list[Device]) -> list[tuple]:
    return [
        (device.state, device.holder_id, device.claimed_by_id, device.events.count())
        for device in Device.objects.filter(pk__in=[device.pk for device in devices]).order_by("pk")
    ]


@pytest.mark.django_db
def test_every_device_allowed_when_the_lifecycle_allows_it(declare, partner):
    # given
    devices = declare(2)

    # when
    check = transition_check(devices, "claim", organisation=partner)

    # then
    assert check.transition == "claim"
    assert check.allowed == tuple(devices)
    assert check.refused == ()


@pytest.mark.django_db
def test_a_device_in_another_state_is_refused_with_the_lifecycles_reason(
    declare, commune, partner, partner_user
):
    # given: one device declared, one claimed
    declared, claimed = declare(2)
    devices_claim(devices=[claimed], partner=partner, user=partner_user)
    claimed.refresh_from_db()

    # when
    check = transition_check([declared, claimed], "withdraw", organisation=commune)

    # then
    assert check.allowed == (declared,)
    assert check.refused == (
        TransitionRefusal(
            device=claimed,
            code="transition_not_allowed",
            reason="This action is not possible for a device in state “Claimed”.",
        ),
    )
    assert check.not_allowed == check.refused
    assert check.forbidden == ()


@pytest.mark.django_db
def test_an_organisation_without_the_right_is_refused_before_the_state_is_asked(
    declare, partner, partner_user
):
    # given: one device claimed by the partner, one by another, one still declared
    mine, theirs, declared = declare(3)
    other = PartnerFactory()
    devices_claim(devices=[mine], partner=partner, user=partner_user)
    devices_claim(devices=[theirs], partner=other, user=member(other))
    devices = list(Device.objects.filter(pk__in=[mine.pk, theirs.pk, declared.pk]).order_by("pk"))

    # when
    check = transition_check(devices, "collect", organisation=partner)

    # then
    assert [device.code for device in check.allowed] == [mine.code]
    assert [(refusal.device.code, refusal.code) for refusal in check.forbidden] == [
        (theirs.code, "transition_forbidden"),
        (declared.code, "transition_forbidden"),
    ]
    assert {refusal.reason for refusal in check.forbidden} == {
        "Your organisation may not do this with this device."
    }
    assert check.not_allowed == ()


@pytest.mark.django_db
def test_a_failed_condition_gives_its_message_and_code(declare, partner, partner_user):
    # given: a device claimed by a partner whose ESUS approval lapsed since
    [device] = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)
    partner.esus_approval_reference = ""
    partner.save(update_fields=["esus_approval_reference"])
    device = Device.objects.select_related("claimed_by").get(pk=device.pk)

    # when
    check = transition_check([device], "collect", organisation=partner)

    # then
    assert check.allowed == ()
    [refusal] = check.refused
    assert (refusal.code, refusal.forbidden) == ("partner_not_esus", False)
    assert refusal.reason == (
        "Only an ESUS-approved organisation may receive a free cession (CG3P art. L3212-2 3°)."
    )


@pytest.mark.django_db
def test_without_an_organisation_only_the_state_and_conditions_are_asked(declare, partner):
    # given
    [device] = declare(1)

    # when: nobody may expire a claim but the system, and the device is not claimed
    check = transition_check([device], "expire")

    # then
    assert check.allowed == ()
    assert [(refusal.code, refusal.forbidden) for refusal in check.refused] == [
        ("transition_not_allowed", False)
    ]


@pytest.mark.django_db
def test_asking_changes_nothing_and_writes_nothing(declare, commune, partner, partner_user):
    # given
    devices = declare(3)
    devices_claim(devices=devices[:1], partner=partner, user=partner_user)
    devices = list(Device.objects.filter(pk__in=[device.pk for device in devices]).order_by("pk"))
    before = snapshot(devices)

    # when
    with CaptureQueriesContext(connection) as queries:
        for transition in ("withdraw", "claim", "release", "recycle"):
            transition_check(devices, transition, organisation=commune)
            transition_check(devices, transition, organisation=partner)

    # then
    assert queries.captured_queries == []
    assert snapshot(devices) == before
    assert [device.state for device in devices] == [
        DeviceState.CLAIMED,
        DeviceState.DECLARED,
        DeviceState.DECLARED,
    ]


def test_an_unknown_transition_is_a_programming_error():
    with pytest.raises(ValueError, match="not a transition"):
        transition_check([], "teleport")


@pytest.mark.parametrize(
    ("data_bearing", "erasure_refusal", "expected"),
    [
        (True, "no storage medium recorded", "no storage medium recorded"),
        (True, None, None),
        (False, "no storage medium recorded", None),
    ],
)
def test_data_keeps_a_device_in_the_loop_only_when_it_bears_data_not_erased(
    data_bearing, erasure_refusal, expected
):
    device = Device(data_bearing=data_bearing)

    assert unerased_data(device, erasure_refusal=erasure_refusal) == expected
    assert unerased_data(device, erasure_refusal=lambda device: erasure_refusal) == expected


def test_the_erasure_records_are_not_read_for_a_device_bearing_no_data():
    def unreadable(device: Device) -> str:
        raise AssertionError("read the erasure records of a device bearing no data")

    assert unerased_data(Device(data_bearing=False), erasure_refusal=unreadable) is None
