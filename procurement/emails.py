"""E-mails of group purchasing, written from templates in the site's language: a campaign
opens or closes within a day (to the members who may commit), its orders are placed (to each
buyer and partner) and its dropped offers told (to their buyers), an order or a campaign is
cancelled (to both sides, to the committed members); at each hand-over of a delivery, a
delivery is announced (to the buyer), decided on (to the partner), invoiced or its invoice
cancelled by a credit note (to the buyer)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import translation

from organisations.models import Organisation
from procurement import selectors
from procurement.choices import AllocationReason, DeliveryItemOutcome
from procurement.models import (
    Admission,
    AllocationLine,
    Campaign,
    Delivery,
    Invoice,
    Order,
    OrderLine,
)


def _send(template: str, *, recipients: Sequence[str], context: dict) -> int:
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"procurement/emails/{template}_subject.txt", context)
        body = render_to_string(f"procurement/emails/{template}.txt", context)
    return send_mail(
        # One line, its non-breaking spaces kept (str.split would take them for spaces).
        re.sub(r"[ \t\r\n]+", " ", subject).strip(),
        body,
        settings.DEFAULT_FROM_EMAIL,
        list(recipients),
    )


def _to(organisation: Organisation) -> list[str]:
    return selectors.notification_addresses(organisation)


def _offers(campaign: Campaign) -> list:
    return [entry.offer for entry in selectors.campaign_offers(campaign)]


def send_campaign_opened(*, campaign: Campaign) -> int:
    """Tell each member who may commit that ``campaign`` opened: its offers, their prices by
    pooled quantity, and when it takes commitments."""
    offers = _offers(campaign)
    sent = 0
    for member in selectors.eligible_members(campaign):
        context = {"campaign": campaign, "offers": offers, "member": member.organisation}
        sent += _send("campaign_opened", recipients=_to(member.organisation), context=context)
    return sent


def send_campaign_closing(*, campaign: Campaign) -> int:
    """Remind each member who may commit that ``campaign`` closes within a day, with its
    commitment as it stands (or that it has none)."""
    commitments = {
        commitment.buyer_id: commitment
        for commitment in selectors.commitments_of(campaign).prefetch_related(
            "lines__offer__partner"
        )
    }
    sent = 0
    for member in selectors.eligible_members(campaign):
        context = {
            "campaign": campaign,
            "member": member.organisation,
            "commitment": commitments.get(member.organisation_id),
        }
        sent += _send("campaign_closing", recipients=_to(member.organisation), context=context)
    return sent


def send_campaign_allocated(*, campaign: Campaign) -> int:
    """Tell each buyer and each partner of ``campaign``'s orders what was ordered, and each
    buyer of a dropped offer that it was dropped and why."""
    orders = list(
        Order.objects.filter(campaign=campaign)
        .select_related("buyer", "partner", "commitment__delivery_site")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.select_related("offer", "allocation_line").order_by(
                    "offer"
                ),
            )
        )
        .order_by("pk")
    )
    sent = 0
    for order in orders:
        for side, organisation in (("buyer", order.buyer), ("partner", order.partner)):
            context = {"campaign": campaign, "order": order, "side": side}
            sent += _send("order_placed", recipients=_to(organisation), context=context)
    dropped: dict[int, list[AllocationLine]] = defaultdict(list)
    for line in (
        AllocationLine.objects.filter(campaign=campaign, reason=AllocationReason.DROPPED)
        .select_related("commitment__buyer", "offer__partner")
        .order_by("commitment", "offer")
    ):
        dropped[line.commitment.buyer_id].append(line)
    outcomes = {entry.offer_id: entry for entry in selectors.campaign_offers(campaign)}
    for lines in dropped.values():
        buyer = lines[0].commitment.buyer
        context = {
            "campaign": campaign,
            "buyer": buyer,
            "lines": [(line, outcomes[line.offer_id]) for line in lines],
        }
        sent += _send("offer_dropped", recipients=_to(buyer), context=context)
    return sent


def send_orders_cancelled(*, orders: Sequence[Order]) -> int:
    """Tell the buyer and the partner of each order that it was cancelled, and why."""
    sent = 0
    for order in orders:
        for side, organisation in (("buyer", order.buyer), ("partner", order.partner)):
            context = {"order": order, "campaign": order.campaign, "side": side}
            sent += _send("order_cancelled", recipients=_to(organisation), context=context)
    return sent


def send_campaign_cancelled(*, campaign: Campaign) -> int:
    """Tell the members committed to ``campaign`` that it was cancelled, and why."""
    sent = 0
    for commitment in selectors.commitments_of(campaign):
        context = {"campaign": campaign, "member": commitment.buyer}
        sent += _send("campaign_cancelled", recipients=_to(commitment.buyer), context=context)
    return sent


def send_delivery_prepared(*, delivery: Delivery) -> int:
    """Tell the buyer that ``delivery`` is coming: when, where, how many devices, its note."""
    context = {"delivery": delivery, "count": delivery.items.count()}
    return _send("delivery_prepared", recipients=_to(delivery.buyer), context=context)


def send_delivery_decided(*, admission: Admission) -> int:
    """Tell the partner the buyer's decision on its delivery, the devices refused at the door
    and the record's number."""
    delivery = admission.delivery
    refused = ", ".join(
        delivery.items.filter(outcome=DeliveryItemOutcome.REFUSED)
        .order_by("device__code")
        .values_list("device__code", flat=True)
    )
    context = {"delivery": delivery, "admission": admission, "refused": refused}
    return _send("delivery_decided", recipients=_to(delivery.partner), context=context)


def send_invoice_issued(*, invoice: Invoice) -> int:
    """Tell the buyer of an invoice issued, or of its cancellation by a credit note."""
    context = {"invoice": invoice, "credit_note": getattr(invoice, "credit_note", None)}
    return _send("invoice_issued", recipients=_to(invoice.buyer), context=context)


def send_donation_offered(*, donation) -> int:
    """Tell the beneficiary of a donation offered to it: the donor, the devices, their value,
    the agreement's number, and that it confirms their receipt."""
    context = {"donation": donation, "count": donation.items.count()}
    return _send("donation_offered", recipients=_to(donation.beneficiary), context=context)


def send_donation_received(*, donation) -> int:
    """Tell the donor that the beneficiary confirmed the receipt of its donation."""
    context = {"donation": donation, "count": donation.items.count()}
    return _send("donation_received", recipients=_to(donation.donor), context=context)


def send_return_reported(*, warranty_return) -> int:
    """Tell the partner that a buyer reported one of its delivered devices faulty under
    warranty: the device, the fault, the warranty's end."""
    context = {"warranty_return": warranty_return}
    return _send("return_reported", recipients=_to(warranty_return.partner), context=context)


def send_return_settled(*, warranty_return) -> int:
    """Tell the buyer the outcome of its return: repaired (what was done), replaced (by which
    device, until when) or refunded (by which credit note)."""
    context = {"warranty_return": warranty_return}
    return _send("return_settled", recipients=_to(warranty_return.buyer), context=context)
