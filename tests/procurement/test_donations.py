"""Donations (free cessions, CG3P art. L3212-2 3°): a partner gives ready devices to an
eligible association, each valued within the ceiling of the regulatory data; the agreement
(CD-…) read back; the receipt delivers the devices; the donor cancels before; the flat values
counted in the beneficiary's AGEC purchase share; every refusal leaves everything as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from documents.choices import DocumentKind, DocumentState
from documents.models import Document
from documents.services import document_render
from inventory.choices import DeviceState, EventKind
from inventory.models import Device, DeviceEvent
from organisations.choices import CessionEligibility
from procurement import selectors
from procurement.choices import DonationState
from procurement.models import Donation, OfferDevice
from procurement.services.donations import donation_cancel, donation_create, donation_receive
from tests.conftest import BuyerFactory
from tests.documents.conftest import pdf_text
from tests.french_typography import french_faults
from tests.procurement.donations import snapshot, today, years_ago

pytestmark = pytest.mark.django_db


def give(partner, partner_user, buyer, values):
    return donation_create(donor=partner, user=partner_user, beneficiary=buyer, values=values)


def rendered_text(document: Document) -> str:
    document = document_render(document=Document.objects.get(pk=document.pk))
    assert document.state == DocumentState.ISSUED
    return pdf_text(document.file.read())


@pytest.fixture
def laptops(ready_devices):
    """A laptop bought two years ago and one bought seven years ago, both ready."""
    recent = ready_devices(1, category="laptop", purchase_date=years_ago(2))
    old = ready_devices(1, category="laptop", purchase_date=years_ago(7))
    return recent[0], old[0]


def test_a_donation_reserves_its_devices_issues_its_agreement_and_tells_the_beneficiary(
    parties, partner_user, buyer_user, laptops, ready_devices, django_capture_on_commit_callbacks
):
    # given: two laptops (one under five years old) and a monitor, ready at the partner
    partner, buyer = parties
    recent, old = laptops
    (monitor,) = ready_devices(1)
    mail.outbox.clear()

    # when: the recent laptop is valued at the ceiling exactly
    with django_capture_on_commit_callbacks(execute=True):
        donation = give(
            partner,
            partner_user,
            buyer,
            {recent.code: "300.00", old.code: Decimal("80"), monitor.code: "20,50"},
        )

    # then
    donation = Donation.objects.get(pk=donation.pk)
    assert (donation.state, donation.donor, donation.beneficiary) == (
        DonationState.OFFERED,
        partner,
        buyer,
    )
    assert donation.beneficiary_category == CessionEligibility.PARENTS_ASSOCIATION
    assert (donation.total_value, donation.ceiling) == (Decimal("400.50"), Decimal("300.00"))
    # only the laptop under five years old counts, for the flat value of the data (200 €)
    assert donation.flat_value == Decimal("200.00")
    assert sorted(donation.items.values_list("device__code", "value", "flat_value")) == sorted(
        [
            (recent.code, Decimal("300.00"), Decimal("200.00")),
            (old.code, Decimal("80.00"), Decimal("0.00")),
            (monitor.code, Decimal("20.50"), Decimal("0.00")),
        ]
    )
    devices = Device.objects.filter(pk__in=[recent.pk, old.pk, monitor.pk])
    assert {(device.state, device.holder_id) for device in devices} == {
        (DeviceState.RESERVED, partner.pk)
    }
    events = DeviceEvent.objects.filter(device__in=devices, kind=EventKind.RESERVED)
    assert [event.details["donation"] for event in events] == [donation.pk] * 3
    agreement = donation.agreement
    year = today().year
    assert (agreement.kind, agreement.number, agreement.owner, agreement.counterpart) == (
        DocumentKind.DONATION_AGREEMENT,
        f"CD-{year}-000001",
        partner,
        buyer,
    )
    assert sorted(agreement.device_links.values_list("device_code", flat=True)) == sorted(
        [recent.code, old.code, monitor.code]
    )
    assert [message.to for message in mail.outbox] == [[buyer_user.email]]
    assert agreement.number in mail.outbox[0].body
    assert partner.name in mail.outbox[0].subject


def test_the_agreement_reads_back_with_its_devices_total_clause_and_legal_basis(
    parties, partner_user, laptops
):
    # given
    partner, buyer = parties
    recent, old = laptops
    donation = give(partner, partner_user, buyer, {recent.code: "150", old.code: "75.25"})

    # when
    raw = rendered_text(donation.agreement)
    text = " ".join(raw.replace("\u00a0", " ").replace("\u202f", " ").split())

    # then: in French, both parties with their SIRET, each device, the total, the clause
    for expected in (
        "Convention de cession",
        donation.agreement.number,
        partner.name,
        f"SIRET {partner.siret}",
        buyer.name,
        f"SIRET {buyer.siret}",
        "Association de parents d’élèves",
        f"{recent.code} · Ordinateur portable · Dell Latitude 5490 · {recent.serial_number} · "
        "150,00 €",
        f"{old.code} · Ordinateur portable · Dell Latitude 5490 · {old.serial_number} · 75,25 €",
        "Valeur totale 225,25 €",
        "Clause de non-revente",
        "s’engage à ne pas revendre",
        "L3212-2 3°",
        "300,00 €",
        "Art. D3212-3 CG3P",
        "POUR LE DONATEUR",
        "POUR LE BÉNÉFICIAIRE",
    ):
        assert expected in text, expected
    assert french_faults(raw) == []


def test_the_beneficiary_confirms_the_receipt_which_delivers_the_devices(
    parties, partner_user, buyer_user, ready_devices, django_capture_on_commit_callbacks
):
    # given
    partner, buyer = parties
    devices = ready_devices(2)
    donation = give(partner, partner_user, buyer, {device.code: "30" for device in devices})
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        donation_receive(donation=donation, user=buyer_user, received_on=today())

    # then: delivered to the association, each with its event, the partner told
    donation.refresh_from_db()
    assert (donation.state, donation.received_on, donation.received_by) == (
        DonationState.RECEIVED,
        today(),
        buyer_user,
    )
    assert set(
        Device.objects.filter(pk__in=[d.pk for d in devices]).values_list("state", "holder")
    ) == {(DeviceState.DELIVERED, buyer.pk)}
    delivered = DeviceEvent.objects.filter(device__in=devices, kind=EventKind.DELIVERED)
    assert (
        sorted((event.organisation_id, event.details["donation"]) for event in delivered)
        == [(buyer.pk, donation.pk)] * 2
    )
    assert [message.to for message in mail.outbox] == [[partner_user.email]]
    assert buyer.name in mail.outbox[0].subject


def test_a_receipt_twice_by_another_organisation_or_by_the_donor_is_refused(
    parties, partner_user, buyer_user, second_buyer_user, ready_devices
):
    partner, buyer = parties
    devices = ready_devices(1)
    donation = give(partner, partner_user, buyer, {devices[0].code: "30"})
    before = snapshot()

    for user in (second_buyer_user, partner_user):
        with pytest.raises(PermissionDenied) as refusal:
            donation_receive(donation=donation, user=user)
        assert refusal.value.code == "not_the_beneficiary"
    with pytest.raises(ValidationFailed):
        donation_receive(
            donation=donation, user=buyer_user, received_on=today().replace(year=today().year + 1)
        )
    assert snapshot() == before

    donation_receive(donation=donation, user=buyer_user)
    after = snapshot()
    with pytest.raises(TransitionNotAllowed) as refusal:
        donation_receive(donation=donation, user=buyer_user)
    assert refusal.value.code == "donation_received"
    assert snapshot() == after


def test_the_donor_cancels_before_the_receipt_and_the_devices_go_back_to_their_offer(
    parties, partner_user, buyer_user, stocked_offer
):
    # given: an offer of two monitors; one is given away, so it leaves the offer's stock
    partner, buyer = parties
    offer = stocked_offer(2)
    given, kept = list(offer.items.order_by("device__code").values_list("device", flat=True))
    code = Device.objects.get(pk=given).code
    donation = give(partner, partner_user, buyer, {code: "40"})
    assert list(OfferDevice.objects.filter(offer=offer).values_list("device", flat=True)) == [kept]

    # refused: the beneficiary, no reason
    before = snapshot()
    with pytest.raises(PermissionDenied):
        donation_cancel(donation=donation, user=buyer_user, reason="Erreur")
    with pytest.raises(ValidationFailed):
        donation_cancel(donation=donation, user=partner_user, reason="  ")
    assert snapshot() == before

    # when
    donation_cancel(donation=donation, user=partner_user, reason="L’association a fermé.")

    # then: ready again, back in the offer, the reason kept and noted on the event
    donation.refresh_from_db()
    assert (donation.state, donation.cancel_reason, donation.cancelled_by) == (
        DonationState.CANCELLED,
        "L’association a fermé.",
        partner_user,
    )
    assert Device.objects.get(pk=given).state == DeviceState.READY
    assert sorted(
        OfferDevice.objects.filter(offer=offer).values_list("device", flat=True)
    ) == sorted([given, kept])
    event = DeviceEvent.objects.filter(device=given).latest("created_at", "pk")
    assert (event.kind, event.note, event.details) == (
        EventKind.UNRESERVED,
        "L’association a fermé.",
        {"donation": donation.pk},
    )
    # a cancelled donation is neither received nor cancelled again; the device may be given again
    after = snapshot()
    for action in (
        lambda: donation_receive(donation=donation, user=buyer_user),
        lambda: donation_cancel(donation=donation, user=partner_user, reason="Encore"),
    ):
        with pytest.raises(TransitionNotAllowed) as refusal:
            action()
        assert refusal.value.code == "donation_cancelled"
    assert snapshot() == after
    again = give(partner, partner_user, buyer, {code: "40"})
    assert again.state == DonationState.OFFERED


def test_a_received_donation_is_not_cancelled(parties, partner_user, buyer_user, ready_devices):
    partner, buyer = parties
    devices = ready_devices(1)
    donation = give(partner, partner_user, buyer, {devices[0].code: "30"})
    donation_receive(donation=donation, user=buyer_user)
    before = snapshot()

    with pytest.raises(TransitionNotAllowed) as refusal:
        donation_cancel(donation=donation, user=partner_user, reason="Trop tard")

    assert refusal.value.code == "donation_received"
    assert snapshot() == before


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("300.00", True), ("300.01", False), ("1000", False)],
)
def test_a_device_valued_above_the_ceiling_is_refused(
    parties, partner_user, ready_devices, value, accepted
):
    partner, buyer = parties
    devices = ready_devices(2)
    values = {devices[0].code: "10", devices[1].code: value}
    before = snapshot()

    if accepted:
        assert give(partner, partner_user, buyer, values).total_value == Decimal(value) + 10
        return
    with pytest.raises(ValidationFailed) as refusal:
        give(partner, partner_user, buyer, values)

    assert refusal.value.code == "above_ceiling"
    assert devices[1].code in refusal.value.message
    assert devices[0].code not in refusal.value.message
    assert "300,00 €" in refusal.value.message
    assert snapshot() == before


def test_a_buyer_not_eligible_a_partner_or_the_donor_itself_is_refused_as_beneficiary(
    parties, partner_user, other_partner, ready_devices
):
    partner, _buyer = parties
    devices = ready_devices(1)
    not_eligible = BuyerFactory(cession_eligibility=CessionEligibility.NOT_ELIGIBLE)
    closed = BuyerFactory(is_active=False)
    before = snapshot()

    for beneficiary in (not_eligible, closed, other_partner, partner):
        with pytest.raises(ValidationFailed) as refusal:
            give(partner, partner_user, beneficiary, {devices[0].code: "10"})
        assert refusal.value.code == "not_eligible"
        assert list(refusal.value.fields) == ["beneficiary"]
    assert snapshot() == before


def test_a_device_not_ready_or_not_held_by_the_donor_is_refused(
    parties, partner_user, other_partner, other_partner_user, buyer, ready_devices, declare
):
    partner, _buyer = parties
    devices = ready_devices(2)
    (declared,) = declare(1)
    give(partner, partner_user, buyer, {devices[0].code: "10"})
    before = snapshot()

    # a device reserved by a donation is not ready
    with pytest.raises(TransitionNotAllowed) as refusal:
        give(partner, partner_user, buyer, {devices[0].code: "10", devices[1].code: "10"})
    assert (refusal.value.code, devices[0].code in refusal.value.message) == (
        "device_not_ready",
        True,
    )
    # a device the partner does not hold, a code nobody has, another partner's devices
    for donor, user, code in (
        (partner, partner_user, declared.code),
        (partner, partner_user, "NO-SUCH-CODE"),
        (other_partner, other_partner_user, devices[1].code),
    ):
        with pytest.raises(ValidationFailed) as refusal:
            give(donor, user, buyer, {code: "10"})
        assert refusal.value.code == "not_held", code
        assert code in refusal.value.message
    # a user of another organisation does not give the partner's devices
    with pytest.raises(PermissionDenied):
        give(partner, other_partner_user, buyer, {devices[1].code: "10"})
    assert snapshot() == before


@pytest.mark.parametrize(
    "values",
    [{}, {"X": "-1"}, {"X": "abc"}, {"X": "10.001"}, {"X": "NaN"}, {"X": "1e9"}],
)
def test_bad_values_are_refused(parties, partner_user, values):
    partner, buyer = parties
    before = snapshot()
    with pytest.raises(ValidationFailed) as refusal:
        give(partner, partner_user, buyer, values)
    assert list(refusal.value.fields) == ["devices"]
    assert snapshot() == before


def test_the_flat_values_total_per_beneficiary_and_year_counts_received_donations_only(
    parties, partner_user, buyer_user, second_buyer, second_buyer_user, ready_devices
):
    # given: three recent laptops and an old one; donations to two associations
    partner, buyer = parties
    recent = ready_devices(3, category="laptop", purchase_date=years_ago(1))
    old = ready_devices(1, category="laptop", purchase_date=years_ago(6))
    first = give(partner, partner_user, buyer, {recent[0].code: "100", old[0].code: "50"})
    second = give(partner, partner_user, buyer, {recent[1].code: "100"})
    pending = give(partner, partner_user, second_buyer, {recent[2].code: "100"})
    donation_receive(donation=first, user=buyer_user)
    donation_receive(donation=second, user=buyer_user)
    year = today().year

    # when / then: 2 × 200 € for the association; nothing yet for the one not received
    assert selectors.donation_flat_totals(year=year) == {(buyer.pk, year): Decimal("400.00")}
    assert selectors.donation_flat_total(buyer, year) == Decimal("400.00")
    assert selectors.donation_flat_total(second_buyer, year) == Decimal("0.00")
    assert selectors.donation_flat_totals(year=year - 1) == {}
    donation_receive(donation=pending, user=second_buyer_user)
    assert selectors.donation_flat_totals(beneficiaries=[second_buyer]) == {
        (second_buyer.pk, year): Decimal("200.00")
    }
