"""Marking a device ready: the lifecycle's guard on erasure, diagnosis, repair and grade."""

from __future__ import annotations

import pytest

from common.errors import PermissionDenied, TransitionNotAllowed
from inventory.choices import DeviceState, EventKind
from inventory.counts import device_counts_rebuild
from inventory.models import Device, DeviceEvent
from reuse.models import StorageMedium
from reuse.services import (
    device_certify_ready,
    device_readiness_missing,
    diagnosis_record,
    grading_record,
    medium_add,
    repair_record,
)
from tests.reuse.refurbishment import all_ok, collected_device, erase, snapshot

pytestmark = pytest.mark.django_db


def grade(partner, user, device, value="B"):
    grading_record(device=device, organisation=partner, user=user, grade=value)


def refurbishing(declare, partner, user, **overrides) -> Device:
    return collected_device(declare, partner, user, refurbishing=True, **overrides)


def assert_refused(device, before, code, *reasons, user, partner):
    with pytest.raises(TransitionNotAllowed) as refusal:
        device_certify_ready(device=device, partner=partner, user=user)
    assert refusal.value.code == code
    for reason in reasons:
        assert reason in refusal.value.message
    assert snapshot() == before
    assert Device.objects.get(pk=device.pk).state == DeviceState.IN_REFURBISHMENT


def test_a_device_erased_tested_and_graded_is_ready(declare, partner, partner_user):
    # given
    device = refurbishing(declare, partner, partner_user)
    erase(partner, partner_user, device)
    grade(partner, partner_user, device)
    events = DeviceEvent.objects.filter(device=device).count()

    # when
    ready = device_certify_ready(device=device, partner=partner, user=partner_user)

    # then
    assert ready.state == DeviceState.READY
    assert Device.objects.get(pk=device.pk).state == DeviceState.READY
    assert DeviceEvent.objects.filter(device=device).count() == events + 1
    event = DeviceEvent.objects.filter(device=device).order_by("-pk").first()
    assert (event.kind, event.from_state, event.to_state) == (
        EventKind.READY,
        DeviceState.IN_REFURBISHMENT,
        DeviceState.READY,
    )
    assert (event.organisation, event.actor) == (partner, partner_user)


def test_a_destroyed_medium_counts_as_erased(declare, partner, partner_user):
    device = refurbishing(declare, partner, partner_user)
    erase(partner, partner_user, device, serial="A1")
    erase(partner, partner_user, device, serial="B2", level="destroy")
    grade(partner, partner_user, device)

    ready = device_certify_ready(device=device, partner=partner, user=partner_user)

    assert ready.state == DeviceState.READY


def test_a_device_bearing_no_data_needs_no_medium(declare, partner, partner_user):
    device = refurbishing(
        declare, partner, partner_user, category="monitor", storage_gb=None, storage_type=""
    )
    assert device.data_bearing is False
    grade(partner, partner_user, device)

    ready = device_certify_ready(device=device, partner=partner, user=partner_user)

    assert ready.state == DeviceState.READY
    assert StorageMedium.objects.count() == 0


def test_a_data_bearing_device_without_medium_is_refused(declare, partner, partner_user):
    device = refurbishing(declare, partner, partner_user)
    grade(partner, partner_user, device)
    before = snapshot()

    assert_refused(
        device,
        before,
        "not_erased",
        "no storage medium recorded",
        user=partner_user,
        partner=partner,
    )


def test_an_unerased_medium_is_refused(declare, partner, partner_user):
    device = refurbishing(declare, partner, partner_user)
    erase(partner, partner_user, device, serial="A1")
    medium_add(partner=partner, user=partner_user, device=device, type="hdd", serial="Z3TABC12")
    grade(partner, partner_user, device)
    before = snapshot()

    assert_refused(
        device,
        before,
        "not_erased",
        "medium Z3TABC12 has no erasure record",
        user=partner_user,
        partner=partner,
    )


def test_a_failed_latest_erasure_is_refused(declare, partner, partner_user):
    # given a medium erased, then erased again and failed
    device = refurbishing(declare, partner, partner_user)
    medium = erase(partner, partner_user, device, serial="A1")
    erase(partner, partner_user, device, medium=medium, result="failed")
    grade(partner, partner_user, device)
    before = snapshot()

    assert_refused(
        device,
        before,
        "not_erased",
        "the latest erasure of medium A1 failed",
        user=partner_user,
        partner=partner,
    )


def test_a_device_never_diagnosed_is_refused(declare, partner, partner_user):
    # given a device put in refurbishment without a diagnosis record (older data, say)
    device = collected_device(declare, partner, partner_user)
    Device.objects.filter(pk=device.pk).update(state=DeviceState.IN_REFURBISHMENT)
    device_counts_rebuild()  # as after any change made outside the services
    device.refresh_from_db()
    erase(partner, partner_user, device)
    grade(partner, partner_user, device)
    before = snapshot()

    assert_refused(
        device,
        before,
        "no_diagnosis",
        "no functional test is recorded",
        user=partner_user,
        partner=partner,
    )


def test_a_device_last_found_not_repairable_is_refused(declare, partner, partner_user):
    device = refurbishing(declare, partner, partner_user)
    erase(partner, partner_user, device)
    grade(partner, partner_user, device)
    diagnosis_record(
        device=device,
        organisation=partner,
        user=partner_user,
        items=all_ok(device.category, "fault"),
        result="not_repairable",
    )
    before = snapshot()

    assert_refused(
        device,
        before,
        "not_reusable",
        "the latest diagnosis found it not repairable",
        user=partner_user,
        partner=partner,
    )


def test_needs_repair_is_refused_until_a_repair_is_recorded(declare, partner, partner_user):
    # given a repair, then a diagnosis finding it needs (another) repair
    device = refurbishing(declare, partner, partner_user)
    erase(partner, partner_user, device)
    grade(partner, partner_user, device)
    repair_record(device=device, organisation=partner, user=partner_user, parts=["Clavier"])
    diagnosis_record(
        device=device,
        organisation=partner,
        user=partner_user,
        items=all_ok(device.category, "fault"),
        result="needs_repair",
    )
    before = snapshot()

    # then refused: the repair predates the diagnosis
    assert_refused(
        device,
        before,
        "not_repaired",
        "no repair is recorded since the diagnosis found it needs one",
        user=partner_user,
        partner=partner,
    )

    # when repaired after the diagnosis
    repair_record(device=device, organisation=partner, user=partner_user, parts=["Écran"])
    ready = device_certify_ready(device=device, partner=partner, user=partner_user)

    # then
    assert ready.state == DeviceState.READY


def test_a_device_without_grade_is_refused(declare, partner, partner_user):
    device = refurbishing(declare, partner, partner_user)
    erase(partner, partner_user, device)
    before = snapshot()

    assert_refused(
        device, before, "no_grade", "no grade is given", user=partner_user, partner=partner
    )


def test_the_refusal_names_every_missing_piece(declare, partner, partner_user):
    device = refurbishing(declare, partner, partner_user)
    before = snapshot()

    assert_refused(
        device,
        before,
        "not_erased",
        "no storage medium recorded",
        "no grade is given",
        user=partner_user,
        partner=partner,
    )
    assert device_readiness_missing(device) == [
        "the data is not erased: no storage medium recorded",
        "no grade is given",
    ]


def test_another_partner_may_not_mark_it_ready(
    declare, partner, partner_user, other_partner, other_partner_user
):
    device = refurbishing(declare, partner, partner_user)
    erase(partner, partner_user, device)
    grade(partner, partner_user, device)
    before = snapshot()

    with pytest.raises(PermissionDenied) as refusal:
        device_certify_ready(device=device, partner=other_partner, user=other_partner_user)

    assert refusal.value.code == "transition_forbidden"
    assert snapshot() == before


def test_the_commune_may_not_mark_it_ready(declare, partner, partner_user, commune, commune_user):
    device = refurbishing(declare, partner, partner_user)
    erase(partner, partner_user, device)
    grade(partner, partner_user, device)
    before = snapshot()

    with pytest.raises(PermissionDenied) as refusal:
        device_certify_ready(device=device, partner=commune, user=commune_user)

    assert refusal.value.code == "transition_forbidden"
    assert snapshot() == before


def test_a_collected_device_is_not_ready_yet(declare, partner, partner_user):
    device = collected_device(declare, partner, partner_user)
    before = snapshot()

    with pytest.raises(TransitionNotAllowed) as refusal:
        device_certify_ready(device=device, partner=partner, user=partner_user)

    assert refusal.value.code == "transition_not_allowed"
    assert snapshot() == before
