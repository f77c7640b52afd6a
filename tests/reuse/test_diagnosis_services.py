"""Diagnosis and repair of collected devices: the checklist, the ``diagnose`` transition."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from inventory.choices import DeviceState, EventKind
from inventory.lifecycle import transition_refusal
from inventory.models import Device, DeviceEvent
from inventory.services import device_transition
from reuse.checklists import CHECKLISTS, checklist_for
from reuse.models import Diagnosis, Repair
from reuse.services import diagnosis_record, repair_record
from tests.reuse.refurbishment import all_ok, collected_device, snapshot


def test_every_category_has_a_checklist():
    # then
    from inventory.choices import DeviceCategory

    assert set(CHECKLISTS) == set(DeviceCategory.values)
    assert checklist_for("laptop") == (
        "power",
        "screen",
        "keyboard",
        "touchpad",
        "ports",
        "wifi",
        "battery",
        "storage",
    )


@pytest.mark.django_db
def test_a_working_diagnosis_starts_the_refurbishment(declare, partner, partner_user):
    # given
    device = collected_device(declare, partner, partner_user)

    # when
    diagnosis = diagnosis_record(
        device=device,
        organisation=partner,
        user=partner_user,
        items=all_ok("laptop"),
        result="works",
        battery_health=87,
        storage_health=95,
        diagnosed_on=datetime.date(2026, 3, 14),
    )

    # then
    device.refresh_from_db()
    assert device.state == DeviceState.IN_REFURBISHMENT
    assert diagnosis.items[0] == {"check": "power", "result": "ok", "note": ""}
    assert [item["check"] for item in diagnosis.items] == list(checklist_for("laptop"))
    assert (diagnosis.battery_health, diagnosis.storage_health) == (87, 95)
    assert diagnosis.operator == partner_user
    event = device.events.last()
    assert (event.kind, event.from_state, event.to_state) == (
        EventKind.DIAGNOSED,
        DeviceState.COLLECTED,
        DeviceState.IN_REFURBISHMENT,
    )
    assert event.details == {"diagnosis": diagnosis.pk, "result": "works"}
    assert (event.actor, event.organisation) == (partner_user, partner)


@pytest.mark.django_db
def test_needs_repair_also_starts_the_refurbishment(declare, partner, partner_user):
    # given
    device = collected_device(declare, partner, partner_user)
    items = all_ok("laptop")
    items[2] = {"check": "keyboard", "result": "fault", "note": "Touche E absente"}

    # when
    diagnosis_record(
        device=device,
        organisation=partner,
        user=partner_user,
        items=items,
        result="needs_repair",
    )

    # then
    device.refresh_from_db()
    assert device.state == DeviceState.IN_REFURBISHMENT
    assert Diagnosis.objects.get().items[2]["note"] == "Touche E absente"


@pytest.mark.django_db
def test_not_repairable_is_recorded_but_the_device_stays_collected(declare, partner, partner_user):
    # given
    device = collected_device(declare, partner, partner_user)
    events = DeviceEvent.objects.count()

    # when
    diagnosis_record(
        device=device,
        organisation=partner,
        user=partner_user,
        items=all_ok("laptop", result="fault"),
        result="not_repairable",
    )

    # then
    device.refresh_from_db()
    assert device.state == DeviceState.COLLECTED
    assert Diagnosis.objects.get().result == "not_repairable"
    assert DeviceEvent.objects.count() == events


@pytest.mark.django_db
def test_the_diagnose_transition_requires_a_reusable_diagnosis_of_the_device(
    declare, partner, partner_user
):
    # given
    device, other = (collected_device(declare, partner, partner_user) for _ in range(2))
    failed = diagnosis_record(
        device=device,
        organisation=partner,
        user=partner_user,
        items=all_ok("laptop"),
        result="not_repairable",
    )
    before = snapshot()

    # when / then: neither a failed diagnosis nor another device's one moves it
    with pytest.raises(TransitionNotAllowed) as refused:
        device_transition(
            device=device,
            transition="diagnose",
            user=partner_user,
            organisation=partner,
            diagnosis=failed,
        )
    assert refused.value.code == "not_reusable"
    other_diagnosis = diagnosis_record(
        device=other,
        organisation=partner,
        user=partner_user,
        items=all_ok("laptop"),
        result="works",
    )
    before = snapshot()
    with pytest.raises(TransitionNotAllowed):
        device_transition(
            device=device,
            transition="diagnose",
            user=partner_user,
            organisation=partner,
            diagnosis=other_diagnosis,
        )
    assert snapshot() == before


@pytest.mark.django_db
def test_diagnose_is_refused_outside_collected_and_changes_nothing(declare, partner, partner_user):
    # given: a device still declared
    device = declare(1)[0]
    before = snapshot()

    # when
    with pytest.raises(PermissionDenied):
        diagnosis_record(
            device=device,
            organisation=partner,
            user=partner_user,
            items=all_ok("laptop"),
            result="works",
        )

    # then
    assert transition_refusal(device, "diagnose") == (
        "This action is not possible for a device in state “Declared”."
    )
    assert snapshot() == before


@pytest.mark.django_db
def test_a_device_in_refurbishment_may_be_diagnosed_again_without_a_transition(
    declare, partner, partner_user
):
    # given
    device = collected_device(declare, partner, partner_user)
    arguments = {"organisation": partner, "user": partner_user, "items": all_ok("laptop")}
    diagnosis_record(device=device, result="needs_repair", **arguments)
    events = DeviceEvent.objects.count()

    # when
    diagnosis_record(device=device, result="works", **arguments)

    # then
    device.refresh_from_db()
    assert device.state == DeviceState.IN_REFURBISHMENT
    assert DeviceEvent.objects.count() == events
    assert Diagnosis.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda items: items[:-1], "items"),
        (lambda items: [*items, {"check": "lamp", "result": "ok"}], "items[8].check"),
        (lambda items: [{**items[0], "result": "good"}, *items[1:]], "items[0].result"),
        (lambda items: [items[0], *items], "items[1].check"),
        (lambda items: "power ok", "items"),
    ],
    ids=["missing", "foreign", "bad-result", "twice", "not-a-list"],
)
@pytest.mark.django_db
def test_the_checklist_must_be_the_categorys(declare, partner, partner_user, change, field):
    # given
    device = collected_device(declare, partner, partner_user)
    before = snapshot()

    # when
    with pytest.raises(ValidationFailed) as refused:
        diagnosis_record(
            device=device,
            organisation=partner,
            user=partner_user,
            items=change(all_ok("laptop")),
            result="works",
        )

    # then
    assert field in refused.value.fields
    assert snapshot() == before


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"battery_health": 101}, "battery_health"),
        ({"battery_health": -1}, "battery_health"),
        ({"storage_health": "9.5"}, "storage_health"),
        ({"result": "broken"}, "result"),
        ({"diagnosed_on": timezone.localdate() + datetime.timedelta(days=1)}, "diagnosed_on"),
    ],
)
@pytest.mark.django_db
def test_diagnosis_values_are_checked(declare, partner, partner_user, arguments, field):
    # given
    device = collected_device(declare, partner, partner_user)
    before = snapshot()
    values = {"items": all_ok("laptop"), "result": "works", **arguments}

    # when
    with pytest.raises(ValidationFailed) as refused:
        diagnosis_record(device=device, organisation=partner, user=partner_user, **values)

    # then
    assert list(refused.value.fields) == [field]
    assert snapshot() == before


@pytest.mark.django_db
def test_battery_health_is_for_portable_devices_only(declare, partner, partner_user):
    # given
    device = collected_device(declare, partner, partner_user, category="monitor")

    # when
    with pytest.raises(ValidationFailed) as refused:
        diagnosis_record(
            device=device,
            organisation=partner,
            user=partner_user,
            items=all_ok("monitor"),
            result="works",
            battery_health=80,
        )

    # then
    assert refused.value.fields == {
        "battery_health": ["Battery health is recorded for portable devices only."]
    }


@pytest.mark.django_db
def test_another_partner_or_the_commune_may_not_diagnose(
    declare, partner, partner_user, commune, commune_user, other_partner, other_partner_user
):
    # given
    device = collected_device(declare, partner, partner_user)
    before = snapshot()

    # when / then
    for organisation, user in ((other_partner, other_partner_user), (commune, commune_user)):
        with pytest.raises(PermissionDenied) as refused:
            diagnosis_record(
                device=device,
                organisation=organisation,
                user=user,
                items=all_ok("laptop"),
                result="works",
            )
        assert refused.value.code == "not_holder"
    assert snapshot() == before
    assert Device.objects.get(pk=device.pk).state == DeviceState.COLLECTED


@pytest.mark.django_db
def test_a_repair_is_recorded_for_a_device_in_refurbishment(declare, partner, partner_user):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)

    # when
    repair = repair_record(
        device=device,
        organisation=partner,
        user=partner_user,
        parts=["Clavier AZERTY", " Batterie 45 Wh "],
        notes="Clavier et batterie remplacés.",
        cost="64.90",
        repaired_on=datetime.date(2026, 3, 16),
    )

    # then
    repair.refresh_from_db()
    assert repair.parts == ["Clavier AZERTY", "Batterie 45 Wh"]
    assert repair.cost == Decimal("64.90")
    assert (repair.operator, repair.organisation) == (partner_user, partner)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"cost": "-1"}, "cost"),
        ({"cost": "12.345"}, "cost"),
        ({"cost": "douze"}, "cost"),
        ({"parts": [], "notes": ""}, "notes"),
        ({"parts": "écran"}, "parts"),
    ],
)
@pytest.mark.django_db
def test_repair_values_are_checked(declare, partner, partner_user, arguments, field):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    before = snapshot()
    values = {"parts": ["Écran"], "notes": "", "cost": "10", **arguments}

    # when
    with pytest.raises(ValidationFailed) as refused:
        repair_record(device=device, organisation=partner, user=partner_user, **values)

    # then
    assert field in refused.value.fields
    assert snapshot() == before


@pytest.mark.django_db
def test_a_repair_needs_the_device_in_refurbishment_and_its_holder(
    declare, partner, partner_user, other_partner, other_partner_user
):
    # given
    collected = collected_device(declare, partner, partner_user)
    refurbishing = collected_device(declare, partner, partner_user, refurbishing=True)
    before = snapshot()
    values = {"parts": ["Écran"], "cost": "10"}

    # when / then
    with pytest.raises(TransitionNotAllowed):
        repair_record(device=collected, organisation=partner, user=partner_user, **values)
    with pytest.raises(PermissionDenied):
        repair_record(
            device=refurbishing, organisation=other_partner, user=other_partner_user, **values
        )
    assert snapshot() == before
    assert Repair.objects.count() == 0
