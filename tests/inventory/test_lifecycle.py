"""The device lifecycle: each transition allowed, refused, and nothing changed after a refusal."""

import pytest
from django.db import DatabaseError, connection, transaction

from common.errors import PermissionDenied, TransitionNotAllowed
from inventory.choices import DeviceState, EventKind
from inventory.lifecycle import transition_sources
from inventory.models import Device, DeviceEvent
from inventory.services import device_transition, device_withdraw
from reuse.models import Diagnosis
from tests.reuse.refurbishment import all_ok, collected_device


def snapshot(device: Device) -> tuple:
    device = Device.objects.get(pk=device.pk)
    return (
        device.state,
        device.holder_id,
        list(device.events.values_list("kind", "from_state", "to_state")),
    )


@pytest.mark.django_db
def test_declare_writes_the_declared_event(declare, commune, commune_user):
    # when
    [device] = declare()

    # then
    assert device.state == DeviceState.DECLARED
    assert device.holder == commune
    event = device.events.get()
    assert (event.kind, event.from_state, event.to_state) == (
        EventKind.DECLARED,
        "",
        DeviceState.DECLARED,
    )
    assert event.actor == commune_user
    assert event.organisation == commune


@pytest.mark.django_db
def test_withdraw_allowed_from_declared(declare, commune, commune_user):
    # given
    [device] = declare()

    # when
    device = device_withdraw(device=device, user=commune_user, organisation=commune, note="Garde")

    # then
    assert Device.objects.get(pk=device.pk).state == DeviceState.WITHDRAWN
    event = device.events.last()
    assert (event.kind, event.from_state, event.to_state, event.note) == (
        EventKind.WITHDRAWN,
        DeviceState.DECLARED,
        DeviceState.WITHDRAWN,
        "Garde",
    )
    assert event.actor == commune_user


@pytest.mark.django_db
def test_withdraw_refused_when_already_withdrawn(declare, commune, commune_user):
    # given
    [device] = declare()
    device_withdraw(device=device, user=commune_user, organisation=commune)
    before = snapshot(device)

    # when / then
    with pytest.raises(TransitionNotAllowed) as refusal:
        device_withdraw(device=device, user=commune_user, organisation=commune)
    assert refusal.value.status_code == 409
    assert "Withdrawn" in refusal.value.message or "Retiré" in refusal.value.message
    assert snapshot(device) == before


@pytest.mark.django_db
def test_withdraw_refused_for_another_commune(declare, other_commune, other_commune_user):
    # given
    [device] = declare()
    before = snapshot(device)

    # when / then
    with pytest.raises(PermissionDenied):
        device_withdraw(device=device, user=other_commune_user, organisation=other_commune)
    assert snapshot(device) == before


@pytest.mark.django_db
def test_withdraw_refused_for_a_user_acting_for_an_organisation_not_theirs(
    declare, commune, other_commune_user
):
    # given
    [device] = declare()
    before = snapshot(device)

    # when / then: the user claims to act for the device's commune without belonging to it
    with pytest.raises(PermissionDenied):
        device_withdraw(device=device, user=other_commune_user, organisation=commune)
    assert snapshot(device) == before


@pytest.mark.django_db
def test_withdraw_refused_for_a_partner(declare, partner, partner_user):
    [device] = declare()
    before = snapshot(device)

    with pytest.raises(PermissionDenied):
        device_withdraw(device=device, user=partner_user, organisation=partner)
    assert snapshot(device) == before


@pytest.mark.django_db
def test_unknown_transition_is_a_programming_error(declare, commune, commune_user):
    [device] = declare()

    with pytest.raises(ValueError, match="not a transition"):
        device_transition(device=device, transition="save", user=commune_user, organisation=commune)


@pytest.mark.django_db
def test_state_field_cannot_be_assigned(declare):
    [device] = declare()

    with pytest.raises(AttributeError):
        device.state = DeviceState.READY
    assert Device.objects.get(pk=device.pk).state == DeviceState.DECLARED


@pytest.mark.django_db
def test_every_state_is_declared_once():
    assert DeviceState.values == [
        "declared",
        "withdrawn",
        "claimed",
        "collected",
        "in_refurbishment",
        "ready",
        "reserved",
        "delivered",
        "recycled",
    ]


@pytest.mark.django_db
def test_event_log_is_append_only(declare):
    # given
    [device] = declare()
    event = device.events.get()

    # when / then: the model, the queryset and the database all refuse a change
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        DeviceEvent.objects.filter(pk=event.pk).update(note="changed")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inventory_deviceevent SET note = 'changed' WHERE id = %s", [event.pk]
        )
    assert DeviceEvent.objects.get(pk=event.pk).note == ""


# --- Claims: claim, release, expire (the services are in reuse.services). ---


@pytest.mark.django_db
def test_claim_allowed_for_a_partner_from_declared(declare, partner, partner_user):
    # given
    [device] = declare()

    # when
    device = device_transition(
        device=device,
        transition="claim",
        user=partner_user,
        organisation=partner,
        claimant=partner,
    )

    # then
    device = Device.objects.get(pk=device.pk)
    assert (device.state, device.claimed_by) == (DeviceState.CLAIMED, partner)
    assert device.claimed_at is not None
    event = device.events.last()
    assert (event.kind, event.from_state, event.to_state) == (
        EventKind.CLAIMED,
        DeviceState.DECLARED,
        DeviceState.CLAIMED,
    )


@pytest.mark.django_db
def test_claim_refused_to_a_commune(declare, commune, commune_user):
    [device] = declare()
    before = snapshot(device)

    with pytest.raises(PermissionDenied):
        device_transition(
            device=device,
            transition="claim",
            user=commune_user,
            organisation=commune,
            claimant=commune,
        )

    assert snapshot(device) == before
    assert Device.objects.get(pk=device.pk).claimed_by is None


@pytest.mark.django_db
def test_claim_refused_when_already_claimed(declare, partner, partner_user):
    [device] = declare()
    device_transition(
        device=device, transition="claim", user=partner_user, organisation=partner, claimant=partner
    )
    before = snapshot(device)

    with pytest.raises(TransitionNotAllowed):
        device_transition(
            device=device,
            transition="claim",
            user=partner_user,
            organisation=partner,
            claimant=partner,
        )

    assert snapshot(device) == before


@pytest.mark.django_db
def test_withdraw_refused_once_claimed(declare, commune, commune_user, partner, partner_user):
    [device] = declare()
    device_transition(
        device=device, transition="claim", user=partner_user, organisation=partner, claimant=partner
    )
    before = snapshot(device)

    with pytest.raises(TransitionNotAllowed):
        device_withdraw(device=device, user=commune_user, organisation=commune)

    assert snapshot(device) == before


@pytest.mark.django_db
def test_release_allowed_to_the_claimant_only(
    declare, partner, partner_user, commune, commune_user
):
    # given
    [device] = declare()
    device_transition(
        device=device, transition="claim", user=partner_user, organisation=partner, claimant=partner
    )
    before = snapshot(device)

    # when: the commune may not release the partner's claim
    with pytest.raises(PermissionDenied):
        device_transition(
            device=device, transition="release", user=commune_user, organisation=commune
        )
    assert snapshot(device) == before
    device = device_transition(
        device=device, transition="release", user=partner_user, organisation=partner
    )

    # then
    device = Device.objects.get(pk=device.pk)
    assert (device.state, device.claimed_by, device.claimed_at) == (
        DeviceState.DECLARED,
        None,
        None,
    )
    assert device.events.last().kind == EventKind.RELEASED


@pytest.mark.django_db
def test_expire_only_by_the_system(declare, partner, partner_user):
    # given
    [device] = declare()
    device_transition(
        device=device, transition="claim", user=partner_user, organisation=partner, claimant=partner
    )
    before = snapshot(device)

    # when: the claimant may not run it
    with pytest.raises(PermissionDenied):
        device_transition(
            device=device, transition="expire", user=partner_user, organisation=partner
        )
    assert snapshot(device) == before
    device_transition(device=device, transition="expire", user=None, organisation=None)

    # then
    device = Device.objects.get(pk=device.pk)
    assert (device.state, device.claimed_by) == (DeviceState.DECLARED, None)
    event = device.events.last()
    assert (event.kind, event.actor, event.organisation) == (EventKind.CLAIM_EXPIRED, None, None)


@pytest.mark.django_db
def test_expire_refused_when_not_claimed(declare):
    [device] = declare()
    before = snapshot(device)

    with pytest.raises(TransitionNotAllowed):
        device_transition(device=device, transition="expire", user=None, organisation=None)

    assert snapshot(device) == before


@pytest.mark.django_db
def test_diagnose_allowed_to_the_holder_with_a_reusable_diagnosis(declare, partner, partner_user):
    # given: a collected device and a diagnosis finding it working (no transition yet)
    device = collected_device(declare, partner, partner_user)
    diagnosis = Diagnosis.objects.create(
        device=device,
        organisation=partner,
        items=all_ok("laptop"),
        result="works",
        operator=partner_user,
        diagnosed_on=device.created_at.date(),
    )

    # when
    device_transition(
        device=device,
        transition="diagnose",
        user=partner_user,
        organisation=partner,
        diagnosis=diagnosis,
    )

    # then
    device = Device.objects.get(pk=device.pk)
    assert (device.state, device.holder) == (DeviceState.IN_REFURBISHMENT, partner)
    event = device.events.last()
    assert (event.kind, event.from_state, event.to_state) == (
        EventKind.DIAGNOSED,
        DeviceState.COLLECTED,
        DeviceState.IN_REFURBISHMENT,
    )


@pytest.mark.django_db
def test_diagnose_refused_to_the_commune_and_without_a_reusable_diagnosis(
    declare, commune, commune_user, partner, partner_user
):
    # given
    device = collected_device(declare, partner, partner_user)
    arguments = {
        "device": device,
        "organisation": partner,
        "items": all_ok("laptop"),
        "operator": partner_user,
        "diagnosed_on": device.created_at.date(),
    }
    works = Diagnosis.objects.create(result="works", **arguments)
    broken = Diagnosis.objects.create(result="not_repairable", **arguments)
    before = snapshot(device)

    # when / then: the commune no longer holds it; a failed diagnosis does not move it
    with pytest.raises(PermissionDenied):
        device_transition(
            device=device,
            transition="diagnose",
            user=commune_user,
            organisation=commune,
            diagnosis=works,
        )
    with pytest.raises(TransitionNotAllowed):
        device_transition(
            device=device,
            transition="diagnose",
            user=partner_user,
            organisation=partner,
            diagnosis=broken,
        )
    assert snapshot(device) == before
    assert Device.objects.get(pk=device.pk).state == DeviceState.COLLECTED


def test_the_lifecycle_names_the_states_a_transition_starts_from():
    assert transition_sources("recycle") == (DeviceState.COLLECTED, DeviceState.IN_REFURBISHMENT)
    assert transition_sources("withdraw") == (DeviceState.DECLARED,)
    with pytest.raises(ValueError, match="not a transition"):
        transition_sources("teleport")
