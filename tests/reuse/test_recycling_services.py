"""Recycling: the waste record, the ``recycle`` transition and its guards."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from documents.models import Document
from inventory.choices import DeviceState, EventKind
from inventory.models import Device, DeviceEvent
from inventory.services import device_transition
from reuse.models import WasteRecord, WasteRecordDevice
from reuse.services import (
    device_certify_ready,
    device_recycling_missing,
    devices_claim,
    grading_record,
    waste_record_create,
    waste_register_issue,
)
from tests.conftest import member
from tests.reuse.refurbishment import collected_device, erase, snapshot

pytestmark = pytest.mark.django_db

# Luhn-valid SIRENs of fictitious companies.
TAKER_SIREN = "732829320"
TRANSPORTER_SIREN = "400000006"


def shipment(**overrides) -> dict:
    values = {
        "shipped_on": datetime.date(2026, 4, 2),
        "waste_code": "20 01 36",
        "weight_kg": Decimal("18.40"),
        "taker_kind": "eco_organism",
        "taker_name": "Éco-organisme DEEE Pro",
        "taker_siren": TAKER_SIREN,
        "destination_name": "Centre de traitement de Gennevilliers",
        "destination_address": "12 rue du Port, 92230 Gennevilliers",
        "treatment_code": "R4",
        "transporter_name": "Transports Martin",
        "transporter_siren": TRANSPORTER_SIREN,
        "tracking_slip": "BSD-20260402-7Q2K",
    }
    values.update(overrides)
    return values


def state_of(device) -> str:
    return Device.objects.get(pk=device.pk).state


def full_snapshot() -> tuple:
    return (*snapshot(), WasteRecord.objects.count(), WasteRecordDevice.objects.count())


def monitor(declare, partner, user):
    return collected_device(
        declare, partner, user, category="monitor", storage_gb=None, storage_type=""
    )


def test_a_collected_device_without_data_is_recycled_with_its_waste_record(
    declare, partner, partner_user
):
    # given
    device = monitor(declare, partner, partner_user)
    assert not device.data_bearing

    # when
    record = waste_record_create(partner=partner, user=partner_user, devices=[device], **shipment())

    # then
    assert state_of(device) == DeviceState.RECYCLED
    assert list(record.devices.all()) == [device]
    assert record.partner == partner
    assert record.waste_name == "Discarded electrical and electronic equipment"
    assert record.weight_kg == Decimal("18.40")
    assert record.weight_tonnes == Decimal("0.018")
    assert record.eco_organism
    event = DeviceEvent.objects.filter(device=device).order_by("-pk").first()
    assert (event.kind, event.from_state, event.to_state) == (
        EventKind.RECYCLED,
        DeviceState.COLLECTED,
        DeviceState.RECYCLED,
    )
    assert (event.actor, event.organisation) == (partner_user, partner)
    assert event.details == {
        "waste_record": record.pk,
        "waste_code": "20 01 36",
        "treatment_code": "R4",
    }


def test_a_data_bearing_device_is_refused_until_its_media_are_erased(
    declare, partner, partner_user
):
    # given
    device = collected_device(declare, partner, partner_user)
    assert device.data_bearing
    before = full_snapshot()

    # when
    with pytest.raises(TransitionNotAllowed) as refusal:
        waste_record_create(partner=partner, user=partner_user, devices=[device], **shipment())

    # then
    assert refusal.value.code == "not_erased"
    assert device.code in refusal.value.message
    assert "no storage medium recorded" in refusal.value.message
    assert full_snapshot() == before
    assert device_recycling_missing(device) == [
        "the data is not erased nor the media destroyed: no storage medium recorded"
    ]


def test_a_failed_erasure_keeps_the_device_from_recycling(declare, partner, partner_user):
    # given
    device = collected_device(declare, partner, partner_user)
    erase(partner, partner_user, device, serial="Z3TABC12", result="failed")
    before = full_snapshot()

    # when
    with pytest.raises(TransitionNotAllowed) as refusal:
        waste_record_create(partner=partner, user=partner_user, devices=[device], **shipment())

    # then
    assert refusal.value.code == "not_erased"
    assert "the latest erasure of medium Z3TABC12 failed" in refusal.value.message
    assert full_snapshot() == before


@pytest.mark.parametrize("level", ["purge", "destroy"])
def test_a_data_bearing_device_erased_or_destroyed_is_recycled(
    declare, partner, partner_user, level
):
    # given
    device = collected_device(declare, partner, partner_user)
    erase(partner, partner_user, device, level=level)
    assert device_recycling_missing(device) == []

    # when
    waste_record_create(partner=partner, user=partner_user, devices=[device], **shipment())

    # then
    assert state_of(device) == DeviceState.RECYCLED


def test_a_device_in_refurbishment_is_recycled(declare, partner, partner_user):
    device = collected_device(
        declare,
        partner,
        partner_user,
        refurbishing=True,
        category="monitor",
        storage_gb=None,
        storage_type="",
    )
    assert device.state == DeviceState.IN_REFURBISHMENT

    waste_record_create(partner=partner, user=partner_user, devices=[device], **shipment())

    assert state_of(device) == DeviceState.RECYCLED


def test_one_refused_device_refuses_the_whole_shipment(declare, partner, partner_user):
    # given: a monitor that may go, a laptop whose data is not erased
    ready_to_go = monitor(declare, partner, partner_user)
    not_erased = collected_device(declare, partner, partner_user)
    before = full_snapshot()

    # when
    with pytest.raises(TransitionNotAllowed) as refusal:
        waste_record_create(
            partner=partner, user=partner_user, devices=[ready_to_go, not_erased], **shipment()
        )

    # then
    assert not_erased.code in refusal.value.message
    assert ready_to_go.code not in refusal.value.message
    assert full_snapshot() == before
    assert state_of(ready_to_go) == DeviceState.COLLECTED


def test_a_device_held_by_another_partner_is_refused(
    declare, partner, partner_user, other_partner, other_partner_user
):
    # given
    other_partner.esus_approval_reference = "ESUS-75-2025-0420"
    other_partner.esus_approval_valid_until = timezone.localdate() + datetime.timedelta(days=90)
    other_partner.save()
    device = monitor(declare, other_partner, other_partner_user)
    before = full_snapshot()

    # when
    with pytest.raises(PermissionDenied) as refusal:
        waste_record_create(partner=partner, user=partner_user, devices=[device], **shipment())

    # then
    assert refusal.value.code == "not_holder"
    assert full_snapshot() == before


def test_a_claimed_device_is_not_held_yet(declare, partner, partner_user):
    device = declare(1, category="monitor", storage_gb=None, storage_type="")[0]
    devices_claim(devices=[device], partner=partner, user=partner_user)
    before = full_snapshot()

    with pytest.raises(PermissionDenied):
        waste_record_create(partner=partner, user=partner_user, devices=[device], **shipment())

    assert full_snapshot() == before
    assert state_of(device) == DeviceState.CLAIMED


def test_a_ready_or_recycled_device_is_not_recycled(declare, partner, partner_user):
    # given: one device ready, one already recycled
    ready = collected_device(
        declare,
        partner,
        partner_user,
        refurbishing=True,
        category="monitor",
        storage_gb=None,
        storage_type="",
    )
    grading_record(device=ready, organisation=partner, user=partner_user, grade="B")
    device_certify_ready(device=ready, partner=partner, user=partner_user)
    recycled = monitor(declare, partner, partner_user)
    waste_record_create(partner=partner, user=partner_user, devices=[recycled], **shipment())
    before = full_snapshot()

    # when / then
    for device in (ready, recycled):
        with pytest.raises(TransitionNotAllowed) as refusal:
            waste_record_create(partner=partner, user=partner_user, devices=[device], **shipment())
        assert refusal.value.code == "not_recyclable"
        assert device.code in refusal.value.message
    assert full_snapshot() == before


def test_a_user_outside_the_partner_is_refused(declare, partner, partner_user, commune_user):
    device = monitor(declare, partner, partner_user)
    before = full_snapshot()

    with pytest.raises(PermissionDenied):
        waste_record_create(partner=partner, user=commune_user, devices=[device], **shipment())

    assert full_snapshot() == before


def test_a_commune_may_not_record_a_waste_record(declare, partner, partner_user, commune):
    device = monitor(declare, partner, partner_user)
    commune_member = member(commune)
    before = full_snapshot()

    with pytest.raises(PermissionDenied):
        waste_record_create(partner=commune, user=commune_member, devices=[device], **shipment())

    assert full_snapshot() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("taker_siren", "732829321"),
        ("taker_siren", "12345"),
        ("taker_siren", ""),
        ("transporter_siren", "400000007"),
        ("weight_kg", "0"),
        ("weight_kg", "-3"),
        ("weight_kg", "douze"),
        ("weight_kg", "1000000"),
        ("waste_code", "20 01 99"),
        ("treatment_code", "R99"),
        ("taker_kind", "friend"),
        ("taker_name", "  "),
        ("destination_name", ""),
        ("destination_address", ""),
        ("transporter_name", ""),
        ("shipped_on", timezone.localdate() + datetime.timedelta(days=1)),
    ],
)
def test_each_invalid_field_is_named_and_nothing_changes(
    declare, partner, partner_user, field, value
):
    # given
    device = monitor(declare, partner, partner_user)
    before = full_snapshot()

    # when
    with pytest.raises(ValidationFailed) as refusal:
        waste_record_create(
            partner=partner, user=partner_user, devices=[device], **shipment(**{field: value})
        )

    # then
    assert field in refusal.value.fields
    assert full_snapshot() == before


def test_no_device_is_refused(partner, partner_user):
    with pytest.raises(ValidationFailed) as refusal:
        waste_record_create(partner=partner, user=partner_user, devices=[], **shipment())
    assert "codes" in refusal.value.fields
    assert WasteRecord.objects.count() == 0


def test_the_lifecycle_refuses_recycling_without_a_waste_record(declare, partner, partner_user):
    # given
    device = monitor(declare, partner, partner_user)
    before = full_snapshot()

    # when: the transition run directly, with no record
    with pytest.raises(TransitionNotAllowed) as refusal:
        device_transition(
            device=device,
            transition="recycle",
            user=partner_user,
            organisation=partner,
            waste_record=None,
            erasure_refusal=None,
        )

    # then
    assert refusal.value.code == "no_waste_record"
    assert full_snapshot() == before


def test_the_lifecycle_refuses_a_waste_record_of_other_devices(declare, partner, partner_user):
    # given: a record made for another device
    shipped = monitor(declare, partner, partner_user)
    record = waste_record_create(
        partner=partner, user=partner_user, devices=[shipped], **shipment()
    )
    device = monitor(declare, partner, partner_user)
    before = full_snapshot()

    # when
    with pytest.raises(TransitionNotAllowed) as refusal:
        device_transition(
            device=device,
            transition="recycle",
            user=partner_user,
            organisation=partner,
            waste_record=record,
            erasure_refusal=None,
        )

    # then
    assert refusal.value.code == "no_waste_record"
    assert full_snapshot() == before


def test_shipment_of_several_devices_recycles_each_with_one_event(declare, partner, partner_user):
    # given
    devices = [monitor(declare, partner, partner_user) for _ in range(3)]
    events = DeviceEvent.objects.count()

    # when
    record = waste_record_create(partner=partner, user=partner_user, devices=devices, **shipment())

    # then
    assert sorted(record.devices.values_list("code", flat=True)) == sorted(
        device.code for device in devices
    )
    assert {state_of(device) for device in devices} == {DeviceState.RECYCLED}
    assert DeviceEvent.objects.count() == events + 3


# --- the waste register as a PDF ------------------------------------------------------------


def pdf_words(document) -> str:
    document.refresh_from_db()
    with document.file.open("rb") as file:
        reader = PdfReader(io.BytesIO(file.read()))
        text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())


def test_the_register_pdf_lists_the_years_shipments_with_their_fields(
    declare, partner, partner_user, django_capture_on_commit_callbacks
):
    # given: two shipments this year, one the year before
    year = timezone.localdate().year
    first, second, older = (monitor(declare, partner, partner_user) for _ in range(3))
    waste_record_create(
        partner=partner,
        user=partner_user,
        devices=[first],
        **shipment(shipped_on=datetime.date(year, 1, 2)),
    )
    waste_record_create(
        partner=partner,
        user=partner_user,
        devices=[second],
        **shipment(
            shipped_on=datetime.date(year, 1, 3),
            taker_kind="recycler",
            taker_name="Recycleur Martin",
            weight_kg="1.60",
            treatment_code="R12",
            tracking_slip="",
        ),
    )
    waste_record_create(
        partner=partner,
        user=partner_user,
        devices=[older],
        **shipment(shipped_on=datetime.date(year - 1, 6, 1)),
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        document = waste_register_issue(partner=partner, user=partner_user, year=year)

    # then
    document.refresh_from_db()
    assert document.kind == "waste_register"
    assert document.number.startswith(f"RD-{year}-")
    assert document.state == "issued"
    words = pdf_words(document)
    assert f"Registre des déchets {year}" in words
    assert partner.name in words
    assert first.code in words
    assert second.code in words
    assert older.code not in words
    assert "20 01 36" in words
    assert "BSD-20260402-7Q2K" in words
    assert "R12 — Démantèlement et tri avant valorisation" in words
    assert "Recycleur Martin" in words
    assert TAKER_SIREN in words
    assert "0.020 t" in words  # 18.40 + 1.60 kg
    assert "R.541-43" in words


def test_the_register_pdf_is_refused_for_an_empty_year_a_year_to_come_and_a_commune(
    partner, partner_user, commune, commune_user
):
    year = timezone.localdate().year
    with pytest.raises(ValidationFailed) as empty:
        waste_register_issue(partner=partner, user=partner_user, year=year)
    with pytest.raises(ValidationFailed) as future:
        waste_register_issue(partner=partner, user=partner_user, year=year + 1)
    with pytest.raises(PermissionDenied):
        waste_register_issue(partner=commune, user=commune_user, year=year)
    with pytest.raises(PermissionDenied):
        waste_register_issue(partner=partner, user=commune_user, year=year)

    assert empty.value.code == "empty_register"
    assert "year" in future.value.fields
    assert Document.objects.count() == 0
