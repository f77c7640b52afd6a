"""Background work of group purchasing. Tasks take ids and call one service or e-mail; the
periodic ones are safe to run twice (the closing is idempotent, the reminder recorded)."""

from __future__ import annotations

from celery import shared_task

from procurement import emails


@shared_task(acks_late=True, ignore_result=True)
def close_due_campaigns() -> list[int]:
    """Run every minute by Celery beat: close and allocate the campaigns whose closing time
    has come."""
    from procurement.services import campaigns_close_due

    return [campaign.pk for campaign in campaigns_close_due()]


@shared_task(acks_late=True, ignore_result=True)
def remind_closing_campaigns() -> list[int]:
    """Run every quarter of an hour by Celery beat: remind the members of the campaigns
    closing within a day, once."""
    from procurement.services import campaigns_remind_closing

    return campaigns_remind_closing()


def _campaign(campaign_pk: int):
    from procurement.models import Campaign

    return Campaign.objects.select_related("groupement__coordinator").filter(pk=campaign_pk).first()


@shared_task(ignore_result=True)
def notify_campaign_opened(campaign_pk: int) -> None:
    campaign = _campaign(campaign_pk)
    if campaign is not None:
        emails.send_campaign_opened(campaign=campaign)


@shared_task(ignore_result=True)
def notify_campaign_closing(campaign_pk: int) -> None:
    campaign = _campaign(campaign_pk)
    if campaign is not None:
        emails.send_campaign_closing(campaign=campaign)


@shared_task(ignore_result=True)
def notify_campaign_allocated(campaign_pk: int) -> None:
    campaign = _campaign(campaign_pk)
    if campaign is not None:
        emails.send_campaign_allocated(campaign=campaign)


@shared_task(ignore_result=True)
def notify_campaign_cancelled(campaign_pk: int) -> None:
    campaign = _campaign(campaign_pk)
    if campaign is not None:
        emails.send_campaign_cancelled(campaign=campaign)


@shared_task(ignore_result=True)
def notify_orders_cancelled(order_pks: list[int]) -> None:
    from procurement.models import Order

    orders = list(
        Order.objects.filter(pk__in=order_pks)
        .select_related("campaign", "buyer", "partner")
        .prefetch_related("lines__offer")
        .order_by("pk")
    )
    emails.send_orders_cancelled(orders=orders)


@shared_task(ignore_result=True)
def notify_delivery_prepared(delivery_pk: int) -> None:
    from procurement.models import Delivery

    delivery = (
        Delivery.objects.select_related("order__campaign", "partner", "buyer", "site", "note")
        .filter(pk=delivery_pk)
        .first()
    )
    if delivery is not None:
        emails.send_delivery_prepared(delivery=delivery)


@shared_task(ignore_result=True)
def notify_delivery_decided(admission_pk: int) -> None:
    from procurement.models import Admission

    admission = (
        Admission.objects.select_related("delivery__partner", "delivery__buyer", "record")
        .filter(pk=admission_pk)
        .first()
    )
    if admission is not None:
        emails.send_delivery_decided(admission=admission)


@shared_task(ignore_result=True)
def notify_invoice_issued(invoice_pk: int) -> None:
    from procurement.models import Invoice

    invoice = (
        Invoice.objects.select_related("document", "partner", "buyer")
        .prefetch_related("credit_notes__document")
        .filter(pk=invoice_pk)
        .first()
    )
    if invoice is not None:
        emails.send_invoice_issued(invoice=invoice)


@shared_task(ignore_result=True)
def notify_donation_offered(donation_pk: int) -> None:
    from procurement.models import Donation

    donation = (
        Donation.objects.select_related("donor", "beneficiary", "agreement")
        .filter(pk=donation_pk)
        .first()
    )
    if donation is not None:
        emails.send_donation_offered(donation=donation)


@shared_task(ignore_result=True)
def notify_donation_received(donation_pk: int) -> None:
    from procurement.models import Donation

    donation = (
        Donation.objects.select_related("donor", "beneficiary", "agreement")
        .filter(pk=donation_pk)
        .first()
    )
    if donation is not None:
        emails.send_donation_received(donation=donation)


@shared_task(ignore_result=True)
def notify_return_reported(return_pk: int) -> None:
    from procurement.models import WarrantyReturn

    warranty_return = (
        WarrantyReturn.objects.select_related("device", "buyer", "partner")
        .filter(pk=return_pk)
        .first()
    )
    if warranty_return is not None:
        emails.send_return_reported(warranty_return=warranty_return)


@shared_task(ignore_result=True)
def notify_return_settled(return_pk: int) -> None:
    from procurement.models import WarrantyReturn

    warranty_return = (
        WarrantyReturn.objects.select_related(
            "device", "buyer", "partner", "replacement", "credit_note__document"
        )
        .filter(pk=return_pk)
        .first()
    )
    if warranty_return is not None:
        emails.send_return_settled(warranty_return=warranty_return)
