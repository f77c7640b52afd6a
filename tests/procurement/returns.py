"""Helpers of the warranty return tests: an admitted delivery whose offer keeps ready devices
in stock (to replace a faulty one), invoiced or not."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from inventory.models import Device
from procurement.choices import AdmissionDecision
from procurement.models import Delivery, Invoice, Offer, WarrantyReturn
from procurement.services import delivery_decide, delivery_prepare, invoice_issue
from tests.conftest import SiteFactory


@dataclass
class Delivered:
    delivery: Delivery
    offer: Offer
    devices: list[Device]  # delivered to the buyer, by code
    spares: list[Device]  # still ready in the offer's stock
    invoice: Invoice | None


def deliver(
    placed_order,
    partner,
    partner_user,
    buyer_user,
    buyer_site,
    *,
    count: int = 2,
    spares: int = 2,
    invoiced: bool = True,
    **decision,
) -> Delivered:
    """``count`` monitors delivered to the buyer and admitted today (a 12-month warranty),
    ``spares`` more ready in the same offer; invoiced unless told otherwise."""
    SiteFactory(
        organisation=partner, name="Atelier", address="12 rue Gallieni", postal_code="94200"
    )
    order = placed_order(count, stock=count + spares)
    offer = order.lines.get().offer
    delivery = delivery_prepare(
        order=order, user=partner_user, site=buyer_site, delivery_date=timezone.localdate()
    )
    delivery_decide(
        delivery=delivery,
        user=buyer_user,
        decision=decision.pop("decision", AdmissionDecision.ADMISSION),
        decided_on=decision.pop("decided_on", timezone.localdate()),
        signatory_name="Claire Dubois",
        **decision,
    )
    delivery.refresh_from_db()
    invoice = invoice_issue(delivery=delivery, user=partner_user) if invoiced else None
    delivered = [
        item.device for item in delivery.items.select_related("device").order_by("device__code")
    ]
    return Delivered(
        delivery=delivery,
        offer=offer,
        devices=[Device.objects.get(pk=device.pk) for device in delivered],
        spares=list(Device.objects.filter(offer_items__offer=offer).order_by("code")),
        invoice=invoice,
    )


def snapshot() -> tuple:
    """What a refusal must leave as it was: the returns, the devices' states and holders, the
    events, the credit notes."""
    from inventory.models import DeviceEvent
    from procurement.models import CreditNote

    return (
        sorted(WarrantyReturn.objects.values_list("pk", "state", "replacement", "credit_note")),
        sorted(Device.objects.values_list("pk", "state", "holder")),
        DeviceEvent.objects.count(),
        CreditNote.objects.count(),
    )
