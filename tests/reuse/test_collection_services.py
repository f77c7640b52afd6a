"""Collecting claimed devices: the lifecycle's ``collect``, the collection and its note."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from documents.choices import DocumentKind, DocumentState
from documents.models import Document
from inventory.choices import DeviceState, EventKind
from inventory.lifecycle import transition_refusal
from inventory.models import Device, DeviceEvent
from reuse.models import Collection, CollectionDevice
from reuse.services import collection_record, devices_claim
from tests.conftest import PartnerFactory, SiteFactory, member

LEGAL_REASON = (
    "Only an ESUS-approved organisation may receive a free cession (CG3P art. L3212-2 3°)."
)


@pytest.fixture
def claimed(declare, partner, partner_user):
    """Declare ``count`` devices of the commune and claim them for ``by`` (the partner)."""

    def _claimed(count=2, *, by=None, user=None, by_user=None, **declare_arguments):
        if by_user is not None:
            declare_arguments["by"] = by_user
        devices = declare(count, **declare_arguments)
        devices_claim(devices=devices, partner=by or partner, user=user or partner_user)
        return list(Device.objects.filter(pk__in=[d.pk for d in devices]).order_by("pk"))

    return _claimed


def _record(partner, user, devices, **overrides):
    arguments = {
        "partner": partner,
        "user": user,
        "devices": devices,
        "collected_on": datetime.date(2026, 3, 12),
        "site": None,
        "commune_signatory": "Claire Dubois",
        "commune_signatory_title": "Directrice des services informatiques",
        "partner_signatory": "Karim Benali",
        "partner_signatory_title": "Responsable d'atelier",
    }
    arguments.update(overrides)
    return collection_record(**arguments)


def _snapshot() -> tuple:
    return (
        sorted(Device.objects.values_list("pk", "state", "holder_id", "claimed_by_id")),
        DeviceEvent.objects.count(),
        Collection.objects.count(),
        CollectionDevice.objects.count(),
        Document.objects.count(),
    )


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_claimant_with_esus_approval_collects_its_devices(
    claimed, partner, partner_user, commune, pickup_site
):
    # given
    devices = claimed(2)

    # when
    collection = _record(partner, partner_user, devices, site=pickup_site)

    # then
    assert collection.partner == partner
    assert collection.commune == commune
    assert collection.site == pickup_site
    assert collection.collected_on == datetime.date(2026, 3, 12)
    assert collection.created_by == partner_user
    assert sorted(collection.devices.values_list("pk", flat=True)) == [d.pk for d in devices]
    for device in Device.objects.filter(pk__in=[d.pk for d in devices]):
        assert device.state == DeviceState.COLLECTED
        assert device.holder == partner
        assert device.claimed_by == partner  # kept: the record of the claim
        event = device.events.order_by("-pk").first()
        assert event.kind == EventKind.COLLECTED
        assert (event.from_state, event.to_state) == (DeviceState.CLAIMED, DeviceState.COLLECTED)
        assert event.actor == partner_user
        assert event.organisation == partner
        assert event.details == {"collection": collection.pk}
    document = collection.document
    assert document.kind == DocumentKind.COLLECTION_NOTE
    assert document.owner == partner
    assert document.counterpart == commune
    assert document.idempotency_key == f"collection-{collection.pk}"
    assert document.context["signatories"] == {
        "commune": {"name": "Claire Dubois", "role": "Directrice des services informatiques"},
        "partner": {"name": "Karim Benali", "role": "Responsable d'atelier"},
    }


def test_the_collection_note_pdf_names_the_parties_devices_and_the_law(
    claimed, partner, partner_user, commune, pickup_site, django_capture_on_commit_callbacks
):
    # given
    devices = claimed(3)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        collection = _record(partner, partner_user, devices, site=pickup_site)

    # then
    document = Document.objects.get(pk=collection.document_id)
    assert document.state == DocumentState.ISSUED
    with document.file.open("rb") as file:
        text = pdf_text(file.read())
    flat = " ".join(text.split())
    assert document.number.startswith("BE-")
    assert document.number in flat
    assert commune.name in flat
    assert partner.name in flat
    assert partner.esus_approval_reference in flat
    for device in devices:
        assert device.code in flat
    assert "L3212-2 3°" in flat
    assert "CG3P" in flat
    assert "Claire Dubois" in flat
    assert "Karim Benali" in flat
    assert pickup_site.name in flat


def test_a_partner_without_esus_approval_is_refused_with_the_legal_reason(
    declare, django_capture_on_commit_callbacks
):
    # given
    uncertified = PartnerFactory(esus_approval_reference="")
    user = member(uncertified)
    devices = declare(2)
    devices_claim(devices=devices, partner=uncertified, user=user)
    before = _snapshot()

    # when
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(TransitionNotAllowed) as refused,
    ):
        _record(uncertified, user, devices)

    # then
    assert refused.value.code == "partner_not_esus"
    assert refused.value.status_code == 409
    assert refused.value.message == LEGAL_REASON
    assert _snapshot() == before
    assert callbacks == []


def test_an_expired_esus_approval_is_refused_by_the_lifecycle_too(declare):
    # given
    lapsed = PartnerFactory(esus_approval_valid_until=timezone.localdate() - datetime.timedelta(1))
    user = member(lapsed)
    [device] = declare(1)
    devices_claim(devices=[device], partner=lapsed, user=user)
    device.refresh_from_db()

    # when
    refusal = transition_refusal(device, "collect")

    # then
    assert refusal == LEGAL_REASON
    before = _snapshot()
    with pytest.raises(TransitionNotAllowed):
        _record(lapsed, user, [device])
    assert _snapshot() == before


def test_another_partner_may_not_collect_the_claimed_devices(
    claimed, other_partner, other_partner_user
):
    # given
    devices = claimed(2)
    before = _snapshot()

    # when
    with pytest.raises(PermissionDenied) as refused:
        _record(other_partner, other_partner_user, devices)

    # then
    assert refused.value.status_code == 403
    assert refused.value.code == "transition_forbidden"
    assert _snapshot() == before


def test_devices_of_two_communes_are_refused(
    claimed, other_commune, other_commune_user, partner, partner_user
):
    # given
    here = claimed(1)
    site = SiteFactory(organisation=other_commune)
    there = claimed(1, for_commune=other_commune, site=site, by_user=other_commune_user)
    before = _snapshot()

    # when
    with pytest.raises(ValidationFailed) as refused:
        _record(partner, partner_user, here + there)

    # then
    assert refused.value.status_code == 400
    assert refused.value.code == "several_communes"
    assert _snapshot() == before


def test_a_device_not_claimed_is_refused_and_nothing_changes(
    declare, claimed, partner, partner_user
):
    # given
    devices = claimed(1) + declare(1)
    before = _snapshot()

    # when
    with pytest.raises(ValidationFailed) as refused:
        _record(partner, partner_user, devices)

    # then
    assert refused.value.code == "not_claimed"
    assert refused.value.fields == {"codes": [devices[1].code]}
    assert _snapshot() == before


def test_a_site_of_another_commune_is_refused(claimed, other_commune, partner, partner_user):
    # given
    devices = claimed(1)
    before = _snapshot()

    # when
    with pytest.raises(ValidationFailed) as refused:
        _record(partner, partner_user, devices, site=SiteFactory(organisation=other_commune))

    # then
    assert refused.value.code == "foreign_site"
    assert _snapshot() == before


def test_a_device_is_collected_once(claimed, partner, partner_user):
    # given
    devices = claimed(1)
    _record(partner, partner_user, devices)
    before = _snapshot()

    # when
    with pytest.raises(ValidationFailed) as refused:
        _record(partner, partner_user, devices)

    # then
    assert refused.value.code == "not_claimed"
    assert _snapshot() == before
