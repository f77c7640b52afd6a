"""Warranty returns: a delivered device reported faulty by its buyer during its warranty, the
outcome recorded by its partner (repaired, replaced, refunded by a partial credit note), the
device's history; every refusal with nothing changed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from inventory.choices import DeviceState, EventKind
from inventory.models import Device
from procurement import selectors
from procurement.choices import InvoiceState, ReturnState
from procurement.dashboard_returns import returns_panel
from procurement.models import CreditNote, DeliveryDevice, OfferDevice, WarrantyReturn
from procurement.services import credit_note_issue, invoice_issue, return_report, return_settle
from procurement.services.deliveries import add_months
from tests.procurement.returns import deliver, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(placed_order, partner, partner_user, buyer_user, buyer_site):
    def _delivered(**options):
        return deliver(placed_order, partner, partner_user, buyer_user, buyer_site, **options)

    return _delivered


def kinds(device: Device) -> list[str]:
    return list(device.events.order_by("created_at", "pk").values_list("kind", flat=True))


def test_a_buyer_reports_a_fault_and_the_partner_is_told(
    delivered, buyer, buyer_user, partner, partner_user, django_capture_on_commit_callbacks
):
    # given
    state = delivered()
    device = state.devices[0]
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        warranty_return = return_report(
            device=device, buyer=buyer, user=buyer_user, fault="  L'écran reste noir.  "
        )

    # then
    assert (warranty_return.state, warranty_return.buyer, warranty_return.partner) == (
        ReturnState.OPEN,
        buyer,
        partner,
    )
    assert warranty_return.fault == "L'écran reste noir."
    assert warranty_return.warranty_ends_on == add_months(timezone.localdate(), 12)
    event = device.events.order_by("pk").last()
    assert (event.kind, event.from_state, event.to_state) == (
        EventKind.FAULT_REPORTED,
        DeviceState.DELIVERED,
        DeviceState.DELIVERED,
    )
    assert (event.organisation, event.details) == (buyer, {"return": warranty_return.pk})
    [message] = mail.outbox
    assert message.to == [partner_user.email]
    assert message.subject == (
        f"[Boucle] FCPE Cachan signale l’appareil {device.code} en panne sous garantie"
    )
    assert "L'écran reste noir." in message.body


def test_a_repair_keeps_the_device_with_its_buyer(
    delivered, buyer, buyer_user, partner, partner_user, django_capture_on_commit_callbacks
):
    state = delivered()
    device = state.devices[0]
    warranty_return = return_report(device=device, buyer=buyer, user=buyer_user, fault="Noir")
    mail.outbox.clear()
    with pytest.raises(ValidationFailed) as refusal:
        return_settle(warranty_return=warranty_return, user=partner_user, outcome="repaired")
    assert "outcome_note" in refusal.value.fields

    with django_capture_on_commit_callbacks(execute=True):
        settled = return_settle(
            warranty_return=warranty_return,
            user=partner_user,
            outcome="repaired",
            note="Dalle remplacée",
        )

    assert (settled.state, settled.outcome_note, settled.settled_by) == (
        ReturnState.REPAIRED,
        "Dalle remplacée",
        partner_user,
    )
    device.refresh_from_db()
    assert (device.state, device.holder) == (DeviceState.DELIVERED, buyer)
    assert kinds(device)[-2:] == [EventKind.FAULT_REPORTED, EventKind.WARRANTY_REPAIRED]
    repaired = device.events.order_by("pk").last()
    assert (repaired.note, repaired.organisation) == ("Dalle remplacée", partner)
    [message] = mail.outbox
    assert message.to == [buyer_user.email]
    assert message.subject == f"[Boucle] Retour de l’appareil {device.code}\u00a0: Réparé"
    assert "Dalle remplacée" in message.body
    # settled, a new fault of the same device may be reported
    again = return_report(device=device, buyer=buyer, user=buyer_user, fault="Encore noir")
    assert again.state == ReturnState.OPEN


def test_a_replacement_is_delivered_and_the_faulty_device_taken_back(
    delivered, buyer, buyer_user, partner, partner_user, django_capture_on_commit_callbacks
):
    # given
    state = delivered()
    device, spare = state.devices[0], state.spares[0]
    warranty_return = return_report(device=device, buyer=buyer, user=buyer_user, fault="Noir")
    mail.outbox.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        settled = return_settle(
            warranty_return=warranty_return,
            user=partner_user,
            outcome="replaced",
            replacement=spare,
        )

    # then: the spare delivered to the buyer, out of the offer's stock, a fresh warranty
    spare.refresh_from_db()
    device.refresh_from_db()
    assert (spare.state, spare.holder) == (DeviceState.DELIVERED, buyer)
    assert not OfferDevice.objects.filter(device=spare).exists()
    assert (device.state, device.holder) == (DeviceState.COLLECTED, partner)
    assert settled.replacement == spare
    assert settled.replacement_warranty_ends_on == add_months(timezone.localdate(), 12)
    assert kinds(spare)[-1] == EventKind.WARRANTY_REPLACEMENT
    assert kinds(device)[-1] == EventKind.WARRANTY_RETURNED
    taken_back = device.events.order_by("pk").last()
    assert taken_back.details == {
        "return": settled.pk,
        "outcome": "replaced",
        "replacement": spare.code,
    }
    [message] = mail.outbox
    assert spare.code in message.body
    # the buyer's devices: the spare instead of the faulty one, with its warranty
    rows = {row.device.code: row for row in selectors.buyer_devices(buyer)}
    assert sorted(rows) == sorted([spare.code, state.devices[1].code])
    assert rows[spare.code].warranty_ends_on == settled.replacement_warranty_ends_on
    assert selectors.buyer_warranty_ends(buyer) == {
        row.device.pk: row.warranty_ends_on for row in rows.values()
    }
    # and the replacement is itself under warranty: it may be reported faulty
    again = return_report(device=spare, buyer=buyer, user=buyer_user, fault="Rayé")
    assert (again.delivery_item, again.warranty_ends_on) == (
        warranty_return.delivery_item,
        settled.replacement_warranty_ends_on,
    )


def test_a_refund_issues_a_partial_credit_note_and_takes_the_device_back(
    delivered, buyer, buyer_user, partner, partner_user
):
    state = delivered()
    device = state.devices[0]
    warranty_return = return_report(device=device, buyer=buyer, user=buyer_user, fault="Noir")

    settled = return_settle(
        warranty_return=warranty_return, user=partner_user, outcome="refunded", note="Irréparable"
    )

    assert settled.state == ReturnState.REFUNDED
    credit_note = settled.credit_note
    assert (credit_note.invoice, credit_note.is_partial, credit_note.reason) == (
        state.invoice,
        True,
        "Irréparable",
    )
    assert list(credit_note.items.values_list("delivery_item__device", flat=True)) == [device.pk]
    state.invoice.refresh_from_db()
    assert state.invoice.state == InvoiceState.ISSUED
    assert state.invoice.credit_note is None
    device.refresh_from_db()
    assert (device.state, device.holder) == (DeviceState.COLLECTED, partner)
    assert device.events.order_by("pk").last().details["credit_note"] == (
        credit_note.document.number
    )


def test_refusals_change_nothing(
    delivered,
    buyer,
    buyer_user,
    second_buyer,
    second_buyer_user,
    partner,
    partner_user,
    other_partner_user,
):
    state = delivered()
    device = state.devices[0]
    before = snapshot()
    # another buyer, or the partner, reports it
    with pytest.raises(PermissionDenied) as refusal:
        return_report(device=device, buyer=second_buyer, user=second_buyer_user, fault="Noir")
    assert refusal.value.code == "not_the_buyer"
    with pytest.raises(PermissionDenied):
        return_report(device=device, buyer=buyer, user=second_buyer_user, fault="Noir")
    with pytest.raises(PermissionDenied):
        return_report(device=device, buyer=partner, user=partner_user, fault="Noir")
    # a device still in stock
    with pytest.raises(PermissionDenied):
        return_report(device=state.spares[0], buyer=buyer, user=buyer_user, fault="Noir")
    # no fault described
    with pytest.raises(ValidationFailed):
        return_report(device=device, buyer=buyer, user=buyer_user, fault="   ")
    assert snapshot() == before

    # out of warranty: it ended yesterday
    DeliveryDevice.objects.filter(device=device).update(
        warranty_ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(TransitionNotAllowed) as refusal:
        return_report(device=device, buyer=buyer, user=buyer_user, fault="Noir")
    assert refusal.value.code == "warranty_ended"
    assert "a pris fin" not in str(refusal.value)  # English outside requests
    assert "ended on" in str(refusal.value)
    assert snapshot() == before
    # its last day is still covered
    DeliveryDevice.objects.filter(device=device).update(warranty_ends_on=timezone.localdate())
    warranty_return = return_report(device=device, buyer=buyer, user=buyer_user, fault="Noir")

    # twice
    before = snapshot()
    with pytest.raises(TransitionNotAllowed) as refusal:
        return_report(device=device, buyer=buyer, user=buyer_user, fault="Toujours noir")
    assert refusal.value.code == "return_open"
    # the outcome by the buyer or another partner
    for user in (buyer_user, other_partner_user):
        with pytest.raises(PermissionDenied):
            return_settle(
                warranty_return=warranty_return, user=user, outcome="repaired", note="Fait"
            )
    # a bad outcome, a replacement missing
    with pytest.raises(ValidationFailed):
        return_settle(warranty_return=warranty_return, user=partner_user, outcome="thrown")
    with pytest.raises(ValidationFailed):
        return_settle(warranty_return=warranty_return, user=partner_user, outcome="replaced")
    assert snapshot() == before


def test_a_replacement_of_another_offer_or_not_ready_is_refused(
    delivered, stocked_offer, buyer, buyer_user, partner_user
):
    state = delivered()
    device = state.devices[0]
    other_offer = stocked_offer(1, title="Écran 27 pouces")
    elsewhere = Device.objects.get(offer_items__offer=other_offer)
    warranty_return = return_report(device=device, buyer=buyer, user=buyer_user, fault="Noir")
    before = snapshot()

    with pytest.raises(TransitionNotAllowed) as refusal:
        return_settle(
            warranty_return=warranty_return,
            user=partner_user,
            outcome="replaced",
            replacement=elsewhere,
        )
    assert refusal.value.code == "replacement_not_in_offer"
    assert "Écran 27 pouces" not in str(refusal.value)
    for not_ready in (state.devices[1], device):
        with pytest.raises((TransitionNotAllowed, ValidationFailed)) as refusal:
            return_settle(
                warranty_return=warranty_return,
                user=partner_user,
                outcome="replaced",
                replacement=not_ready,
            )
    with pytest.raises(TransitionNotAllowed) as refusal:
        return_settle(
            warranty_return=warranty_return,
            user=partner_user,
            outcome="replaced",
            replacement=state.devices[1],
        )
    assert refusal.value.code == "replacement_not_ready"
    assert snapshot() == before


def test_an_outcome_is_recorded_once(delivered, buyer, buyer_user, partner_user):
    state = delivered()
    warranty_return = return_report(
        device=state.devices[0], buyer=buyer, user=buyer_user, fault="Noir"
    )
    return_settle(
        warranty_return=warranty_return, user=partner_user, outcome="repaired", note="Fait"
    )
    before = snapshot()
    for outcome, options in (
        ("repaired", {"note": "Encore"}),
        ("replaced", {"replacement": state.spares[0]}),
        ("refunded", {}),
    ):
        with pytest.raises(TransitionNotAllowed) as refusal:
            return_settle(
                warranty_return=warranty_return, user=partner_user, outcome=outcome, **options
            )
        assert refusal.value.code == "return_settled"
    assert snapshot() == before


def test_a_refund_before_the_invoice_is_refused(delivered, buyer, buyer_user, partner_user):
    state = delivered(invoiced=False)
    warranty_return = return_report(
        device=state.devices[0], buyer=buyer, user=buyer_user, fault="Noir"
    )
    before = snapshot()
    with pytest.raises(TransitionNotAllowed) as refusal:
        return_settle(warranty_return=warranty_return, user=partner_user, outcome="refunded")
    assert refusal.value.code == "not_invoiced"
    assert snapshot() == before
    # invoiced, the refunded device is then left out of the invoice issued again
    invoice = invoice_issue(delivery=state.delivery, user=partner_user)
    return_settle(warranty_return=warranty_return, user=partner_user, outcome="refunded")
    credit_note_issue(invoice=invoice, user=partner_user, reason="Erreur de prix")
    again = invoice_issue(delivery=state.delivery, user=partner_user)
    assert again.total_excl_vat == Decimal("60.00")
    assert CreditNote.objects.filter(invoice=invoice).count() == 2


def test_one_open_return_per_device_is_the_databases_rule(delivered, buyer, buyer_user):
    from django.db import IntegrityError, transaction

    state = delivered()
    warranty_return = return_report(
        device=state.devices[0], buyer=buyer, user=buyer_user, fault="Noir"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        WarrantyReturn.objects.create(
            device=warranty_return.device,
            delivery_item=warranty_return.delivery_item,
            buyer=buyer,
            partner=warranty_return.partner,
            fault="Encore",
            warranty_ends_on=warranty_return.warranty_ends_on,
            reported_by=buyer_user,
        )
    assert WarrantyReturn.objects.count() == 1


def test_refunding_every_device_credits_the_whole_reduction_to_the_cent(
    delivered, buyer, buyer_user, partner_user
):
    from documents.facturx import invoice_from_context
    from documents.rendering import FACTURX_CONTEXT_KEY

    # given: 3 monitors at 60.00 admitted with a réfaction of 10.00: invoiced 170.00 excl. VAT
    state = delivered(
        count=3, spares=0, decision="reduction", reduction_amount="10.00", reason="Rayures"
    )
    assert state.invoice.total_excl_vat == Decimal("170.00")

    # when: each is refunded in turn
    notes = []
    for device in state.devices:
        warranty_return = return_report(device=device, buyer=buyer, user=buyer_user, fault="Noir")
        notes.append(
            return_settle(
                warranty_return=warranty_return, user=partner_user, outcome="refunded"
            ).credit_note
        )

    # then: 10 × 60 / 180 = 3.333 → 3.33 off the first two, the last takes the rest, 3.34;
    # the credit notes add up to the invoice excl. VAT (VAT is rounded once per document)
    totals = [
        invoice_from_context(note.document.context[FACTURX_CONTEXT_KEY]).totals for note in notes
    ]
    assert [total.allowance_total for total in totals] == [
        Decimal("3.33"),
        Decimal("3.33"),
        Decimal("3.34"),
    ]
    assert sum(total.tax_basis_total for total in totals) == state.invoice.total_excl_vat
    # nothing is left to invoice or to cancel
    with pytest.raises(TransitionNotAllowed) as refusal:
        credit_note_issue(invoice=state.invoice, user=partner_user, reason="Erreur")
    assert refusal.value.code == "invoice_refunded"


def test_the_dashboard_counts_the_buyers_devices_and_those_under_warranty(
    delivered, buyer, buyer_user, partner_user, django_assert_max_num_queries
):
    # given: two devices delivered, one of them replaced; the other's warranty over
    state = delivered()
    device, kept, spare = state.devices[0], state.devices[1], state.spares[0]
    warranty_return = return_report(device=device, buyer=buyer, user=buyer_user, fault="Noir")
    return_settle(
        warranty_return=warranty_return, user=partner_user, outcome="replaced", replacement=spare
    )
    DeliveryDevice.objects.filter(device=kept).update(
        warranty_ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )

    # when: the panel reads the warranties' ends alone (no device read)
    with django_assert_max_num_queries(4):
        context = returns_panel(buyer)

    # then: as the buyer's devices page lists them
    listed = selectors.buyer_devices(buyer)
    assert [row.device for row in listed] == [kept, spare]
    assert (context["device_count"], context["under_warranty_count"]) == (2, 1)
