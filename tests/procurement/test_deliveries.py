"""Deliveries of an order and the buyer's decision on them: the delivery note, admission with a
device refused at the door, réfaction, postponement and rejection; the lifecycle's
``deliver``; refusals with nothing changed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from common.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from documents.choices import DocumentKind, DocumentState
from documents.models import Document
from documents.services import document_render
from inventory.choices import DeviceState, EventKind
from inventory.lifecycle import transition_sources
from inventory.models import Device, DeviceEvent
from inventory.services import devices_transition
from procurement.choices import AdmissionDecision, DeliveryItemOutcome, DeliveryState
from procurement.models import Admission, Delivery, DeliveryDevice, OfferDevice, OrderDevice
from procurement.services import delivery_decide, delivery_prepare, order_cancel
from procurement.services.deliveries import add_months
from tests.conftest import SiteFactory
from tests.documents.conftest import pdf_text
from tests.procurement.conftest import BUYER_SIRET, PARTNER_SIRET

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def codes_of(order) -> list[str]:
    return sorted(order.items.values_list("device__code", flat=True))


def prepare(order, partner_user, site, codes=None, **overrides):
    return delivery_prepare(
        order=order,
        user=partner_user,
        site=site,
        delivery_date=overrides.pop("delivery_date", today()),
        codes=codes,
        **overrides,
    )


def decide(delivery, buyer_user, decision=AdmissionDecision.ADMISSION, **overrides):
    arguments = {
        "decided_on": today(),
        "signatory_name": "Claire Dubois",
        "signatory_title": "Présidente",
        **overrides,
    }
    return delivery_decide(delivery=delivery, user=buyer_user, decision=decision, **arguments)


def snapshot() -> tuple:
    return (
        sorted(Device.objects.values_list("pk", "state", "holder")),
        DeviceEvent.objects.count(),
        sorted(Delivery.objects.values_list("pk", "state")),
        sorted(DeliveryDevice.objects.values_list("pk", "outcome", "warranty_ends_on")),
        Admission.objects.count(),
        Document.objects.count(),
        sorted(OfferDevice.objects.values_list("device", flat=True)),
    )


def rendered_text(document: Document) -> str:
    document = document_render(document=Document.objects.get(pk=document.pk))
    assert document.state == DocumentState.ISSUED
    return " ".join(pdf_text(document.file.read()).split())


def test_add_months_stays_within_the_month_reached():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2026, 11, 30), 12) == datetime.date(2027, 11, 30)
    assert add_months(datetime.date(2026, 12, 15), 14) == datetime.date(2028, 2, 15)


def test_the_lifecycle_declares_deliver_from_reserved():
    assert transition_sources("deliver") == (DeviceState.RESERVED,)


def test_the_partner_prepares_a_delivery_of_part_of_an_order_with_its_note(
    placed_order, partner_user, buyer_site, partner, buyer
):
    # given: an order of 3 monitors at 60 € excl. VAT, 20 % VAT
    order = placed_order(3)
    first_two = codes_of(order)[:2]

    # when
    delivery = prepare(order, partner_user, buyer_site, first_two)

    # then
    assert (delivery.state, delivery.partner, delivery.buyer) == (
        DeliveryState.PREPARED,
        partner,
        buyer,
    )
    assert sorted(delivery.items.values_list("device__code", flat=True)) == first_two
    assert set(delivery.items.values_list("outcome", flat=True)) == {DeliveryItemOutcome.PENDING}
    note = delivery.note
    assert note.kind == DocumentKind.DELIVERY_NOTE
    assert note.number.startswith(f"BL-{today().year}-")
    assert (note.owner, note.counterpart) == (partner, buyer)
    assert sorted(note.device_links.values_list("device_code", flat=True)) == first_two
    assert note.context["totals"] == {"excl_vat": "120.00", "vat": "24.00", "incl_vat": "144.00"}
    text = rendered_text(note)
    assert "Bon de livraison" in text
    assert PARTNER_SIRET in text
    assert BUYER_SIRET in text
    for code in first_two:
        assert code in text
    assert "60,00 €" in text  # the unit price excl. VAT
    assert "72,00 €" in text  # and incl. VAT
    assert "144,00 €" in text
    assert "12 mois" in text
    assert "Code service SERV-INFO" in text


def test_an_order_is_delivered_in_several_deliveries_then_nothing_is_left(
    placed_order, partner_user, buyer_site
):
    # given
    order = placed_order(3)
    codes = codes_of(order)
    prepare(order, partner_user, buyer_site, codes[:1])

    # when: the rest, by default
    second = prepare(order, partner_user, buyer_site)

    # then
    assert sorted(second.items.values_list("device__code", flat=True)) == codes[1:]
    before = snapshot()
    with pytest.raises(TransitionNotAllowed) as refusal:
        prepare(order, partner_user, buyer_site)
    assert refusal.value.code == "nothing_to_deliver"
    assert snapshot() == before


def test_preparing_a_delivery_is_refused_with_nothing_changed(
    placed_order,
    partner_user,
    other_partner_user,
    buyer_user,
    buyer_site,
    second_buyer_site,
    buyer,
    territory_user,
):
    order = placed_order(2)
    codes = codes_of(order)
    prepare(order, partner_user, buyer_site, codes[:1])
    closed_site = SiteFactory(organisation=buyer, is_pickup=False, is_delivery=True)
    closed_site.is_active = False
    closed_site.save(update_fields=["is_active"])
    before = snapshot()

    for user in (other_partner_user, buyer_user, territory_user):
        with pytest.raises(PermissionDenied):
            prepare(order, user, buyer_site)
    for site in (second_buyer_site, closed_site):
        with pytest.raises(ValidationFailed) as refusal:
            prepare(order, partner_user, site)
        assert refusal.value.code == "foreign_site"
    with pytest.raises(ValidationFailed) as refusal:
        prepare(order, partner_user, buyer_site, [codes[0], "NOT-A-CODE"])
    assert refusal.value.code == "not_to_deliver"
    with pytest.raises(ValidationFailed):
        prepare(order, partner_user, buyer_site, [])
    with pytest.raises(ValidationFailed):
        prepare(order, partner_user, buyer_site, delivery_date=today() + datetime.timedelta(400))
    with pytest.raises(ValidationFailed):
        prepare(order, partner_user, buyer_site, delivery_date=datetime.date(2020, 1, 1))
    assert snapshot() == before


def test_an_order_with_a_delivery_is_not_cancelled_and_a_cancelled_one_is_not_delivered(
    placed_order, partner_user, buyer_site, territory_user
):
    order = placed_order(2)
    prepare(order, partner_user, buyer_site, codes_of(order)[:1])
    before = snapshot()
    with pytest.raises(TransitionNotAllowed) as refusal:
        order_cancel(order=order, user=territory_user, reason="Erreur")
    assert refusal.value.code == "order_delivered"
    assert snapshot() == before

    other = placed_order(1)
    order_cancel(order=other, user=territory_user, reason="Budget retiré")
    before = snapshot()
    with pytest.raises(TransitionNotAllowed) as refusal:
        prepare(other, partner_user, buyer_site)
    assert refusal.value.code == "order_state_forbids"
    assert snapshot() == before


def test_admission_with_a_device_refused_at_the_door(
    placed_order, partner_user, buyer_user, buyer_site, buyer, partner
):
    # given: a delivery of 3 monitors (12 months' warranty)
    order = placed_order(3)
    delivery = prepare(order, partner_user, buyer_site)
    codes = codes_of(order)
    offer = order.lines.get().offer
    decided_on = today()

    # when: the buyer admits it, the first monitor refused at the door
    admission = decide(delivery, buyer_user, refusals={codes[0]: "Écran fissuré"})

    # then: two devices delivered, the buyer's, with their event and warranty
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.ADMITTED
    admitted = Device.objects.filter(code__in=codes[1:])
    assert {(device.state, device.holder_id) for device in admitted} == {
        (DeviceState.DELIVERED, buyer.pk)
    }
    events = DeviceEvent.objects.filter(device__in=admitted, kind=EventKind.DELIVERED)
    assert [(e.from_state, e.to_state, e.organisation, e.details["delivery"]) for e in events] == [
        (DeviceState.RESERVED, DeviceState.DELIVERED, buyer, delivery.pk)
    ] * 2
    assert set(
        delivery.items.filter(outcome=DeliveryItemOutcome.ADMITTED).values_list(
            "warranty_ends_on", flat=True
        )
    ) == {add_months(decided_on, 12)}
    # the refused one back to ready, the partner's, in its offer again
    refused = Device.objects.get(code=codes[0])
    assert (refused.state, refused.holder) == (DeviceState.READY, partner)
    assert OfferDevice.objects.filter(offer=offer, device=refused).exists()
    assert not OrderDevice.objects.get(device=refused).is_reserved
    item = delivery.items.get(device=refused)
    assert (item.outcome, item.refusal_reason) == (DeliveryItemOutcome.REFUSED, "Écran fissuré")
    assert refused.events.latest("pk").kind == EventKind.UNRESERVED
    # the admission record, and the delivery note again, signed
    assert admission.record.kind == DocumentKind.ADMISSION_RECORD
    assert admission.record.number.startswith(f"PV-{today().year}-")
    assert (admission.record.owner, admission.record.counterpart) == (buyer, partner)
    record_text = rendered_text(admission.record)
    assert "Procès-verbal d’admission" in record_text
    assert "Claire Dubois" in record_text
    assert "Écran fissuré" in record_text
    assert delivery.signed_note.replaces == delivery.note
    assert delivery.signed_note.number != delivery.note.number
    signed_text = rendered_text(delivery.signed_note)
    assert "Bon de livraison signé" in signed_text
    assert "2 appareils admis." in signed_text
    assert f"{codes[0]} — Écran fissuré" in signed_text


def test_an_admission_is_not_recorded_twice(placed_order, partner_user, buyer_user, buyer_site):
    order = placed_order(2)
    delivery = prepare(order, partner_user, buyer_site)
    decide(delivery, buyer_user)
    before = snapshot()

    for decision in AdmissionDecision.values:
        amount = "5.00" if decision == AdmissionDecision.REDUCTION else None
        with pytest.raises(TransitionNotAllowed) as refusal:
            decide(delivery, buyer_user, decision, reason="Encore", reduction_amount=amount)
        assert refusal.value.code == "delivery_decided"
    assert snapshot() == before


def test_a_postponement_keeps_the_devices_reserved_and_the_buyer_decides_again(
    placed_order, partner_user, buyer_user, buyer_site
):
    order = placed_order(2)
    delivery = prepare(order, partner_user, buyer_site)

    postponement = decide(
        delivery, buyer_user, AdmissionDecision.POSTPONEMENT, reason="Câbles manquants"
    )

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.POSTPONED
    assert delivery.signed_note is None
    assert postponement.record.kind == DocumentKind.ADMISSION_RECORD
    assert set(Device.objects.filter(code__in=codes_of(order)).values_list("state", flat=True)) == {
        DeviceState.RESERVED
    }
    # then it admits it
    decide(delivery, buyer_user)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.ADMITTED
    assert set(Device.objects.filter(code__in=codes_of(order)).values_list("state", flat=True)) == {
        DeviceState.DELIVERED
    }


def test_a_rejection_returns_every_device_to_the_partners_stock(
    placed_order, partner_user, buyer_user, buyer_site
):
    order = placed_order(2)
    delivery = prepare(order, partner_user, buyer_site)
    offer = order.lines.get().offer

    decide(delivery, buyer_user, AdmissionDecision.REJECTION, reason="Mauvais modèle")

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.REJECTED
    devices = Device.objects.filter(code__in=codes_of(order))
    assert set(devices.values_list("state", flat=True)) == {DeviceState.READY}
    assert OfferDevice.objects.filter(offer=offer, device__in=devices).count() == 2
    assert set(delivery.items.values_list("outcome", "refusal_reason")) == {
        (DeliveryItemOutcome.REFUSED, "Mauvais modèle")
    }
    assert delivery.signed_note is not None


def test_an_admission_with_a_reduction_records_its_amount_and_reason(
    placed_order, partner_user, buyer_user, buyer_site
):
    order = placed_order(2)
    delivery = prepare(order, partner_user, buyer_site)

    admission = decide(
        delivery,
        buyer_user,
        AdmissionDecision.REDUCTION,
        reduction_amount="15.50",
        reason="Rayures sur un écran",
    )

    assert (admission.reduction_amount, admission.reason) == (
        Decimal("15.50"),
        "Rayures sur un écran",
    )
    assert "15,50 €" in rendered_text(admission.record)


REDUCTION = AdmissionDecision.REDUCTION


@pytest.mark.parametrize(
    ("decision", "overrides", "field"),
    [
        (REDUCTION, {"reduction_amount": "10", "reason": ""}, "reason"),
        (
            AdmissionDecision.REDUCTION,
            {"reduction_amount": "-1", "reason": "x"},
            "reduction_amount",
        ),
        (
            AdmissionDecision.REDUCTION,
            {"reduction_amount": "abc", "reason": "x"},
            "reduction_amount",
        ),
        (
            AdmissionDecision.REDUCTION,
            {"reduction_amount": "1.234", "reason": "x"},
            "reduction_amount",
        ),
        # above the admitted devices' 120 € excl. VAT
        (
            AdmissionDecision.REDUCTION,
            {"reduction_amount": "120.01", "reason": "x"},
            "reduction_amount",
        ),
        (AdmissionDecision.ADMISSION, {"reduction_amount": "5"}, "reduction_amount"),
        (AdmissionDecision.REJECTION, {"reason": ""}, "reason"),
        (AdmissionDecision.POSTPONEMENT, {"reason": "  "}, "reason"),
        (AdmissionDecision.POSTPONEMENT, {"reason": "x", "refusals": {"X": "y"}}, "refusals"),
        (AdmissionDecision.ADMISSION, {"refusals": {"NOT-A-CODE": "y"}}, "refusals"),
        (AdmissionDecision.ADMISSION, {"signatory_name": ""}, "signatory_name"),
        (AdmissionDecision.ADMISSION, {"signatory_name": "x" * 151}, "signatory_name"),
        (AdmissionDecision.ADMISSION, {"decided_on": datetime.date(2020, 1, 1)}, "decided_on"),
        ("accepted", {}, "decision"),
    ],
)
def test_a_bad_decision_is_refused_with_nothing_changed(
    placed_order, partner_user, buyer_user, buyer_site, decision, overrides, field
):
    order = placed_order(2)
    delivery = prepare(order, partner_user, buyer_site)
    before = snapshot()

    with pytest.raises(ValidationFailed) as refusal:
        decide(delivery, buyer_user, decision, **overrides)

    assert field in refusal.value.fields
    assert snapshot() == before


def test_refusing_every_device_at_the_door_asks_for_a_rejection(
    placed_order, partner_user, buyer_user, buyer_site
):
    order = placed_order(2)
    delivery = prepare(order, partner_user, buyer_site)
    before = snapshot()
    with pytest.raises(ValidationFailed) as refusal:
        decide(delivery, buyer_user, refusals={code: "Cassé" for code in codes_of(order)})
    assert "refusals" in refusal.value.fields
    assert snapshot() == before


def test_only_the_orders_buyer_decides(
    placed_order,
    partner_user,
    second_buyer_user,
    territory_user,
    buyer_site,
    commune_user,
):
    order = placed_order(2)
    delivery = prepare(order, partner_user, buyer_site)
    before = snapshot()
    for user in (second_buyer_user, partner_user, territory_user, commune_user):
        with pytest.raises(PermissionDenied) as refusal:
            decide(delivery, user)
        assert refusal.value.code == "not_the_buyer"
    assert snapshot() == before
    delivery.pk = 10**6
    with pytest.raises(NotFound):
        decide(delivery, partner_user)


def test_deliver_is_refused_to_a_partner_and_from_ready(
    ready_devices, partner, partner_user, buyer, buyer_user
):
    devices = ready_devices(1)
    before = snapshot()
    with pytest.raises(TransitionNotAllowed):
        devices_transition(
            devices=devices,
            transition="deliver",
            user=buyer_user,
            organisation=buyer,
            recipient=buyer,
        )
    with pytest.raises(PermissionDenied):
        devices_transition(
            devices=devices,
            transition="deliver",
            user=partner_user,
            organisation=partner,
            recipient=partner,
        )
    assert snapshot() == before


def test_the_documents_titles_are_worded_in_the_readers_language(
    placed_order, partner_user, buyer_user, buyer_site
):
    from django.utils import translation

    from documents.titles import document_title

    order = placed_order(2)
    delivery = prepare(order, partner_user, buyer_site)
    admission = decide(delivery, buyer_user)
    delivery.refresh_from_db()

    with translation.override("en"):
        assert document_title(delivery.note) == "Delivery note — 2 devices for FCPE Cachan"
        assert document_title(delivery.signed_note) == (
            "Signed delivery note — 2 devices for FCPE Cachan"
        )
        assert document_title(admission.record) == (
            f"Admission record — delivery of {today():%m/%d/%Y} to FCPE Cachan"
        )
    with translation.override("fr"):
        assert document_title(delivery.note) == "Bon de livraison — 2 appareils pour FCPE Cachan"
        assert document_title(admission.record) == (
            f"Procès-verbal d’admission — livraison du {today():%d/%m/%Y} à FCPE Cachan"
        )
