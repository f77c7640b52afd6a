"""Background work of claims. Tasks take ids and call one service or e-mail."""

from __future__ import annotations

from celery import shared_task

from inventory.models import Device
from organisations.models import Organisation
from reuse import emails


@shared_task(acks_late=True, ignore_result=True)
def expire_overdue_claims() -> int:
    """Run hourly by Celery beat: return overdue claims to the inventory."""
    from reuse.services import claims_expire_overdue

    return claims_expire_overdue()


def _parties(partner_pk: int, commune_pk: int, device_pks: list[int]):
    organisations = Organisation.objects.in_bulk([partner_pk, commune_pk])
    devices = list(Device.objects.filter(pk__in=device_pks).order_by("code"))
    return organisations[partner_pk], organisations[commune_pk], devices


@shared_task(ignore_result=True)
def notify_devices_claimed(partner_pk: int, commune_pk: int, device_pks: list[int]) -> None:
    partner, commune, devices = _parties(partner_pk, commune_pk, device_pks)
    emails.send_devices_claimed(partner=partner, commune=commune, devices=devices)


@shared_task(ignore_result=True)
def notify_claim_released(
    partner_pk: int, commune_pk: int, device_pks: list[int], note: str = ""
) -> None:
    partner, commune, devices = _parties(partner_pk, commune_pk, device_pks)
    emails.send_claim_released(partner=partner, commune=commune, devices=devices, note=note)


@shared_task(ignore_result=True)
def notify_claims_expired(partner_pk: int, commune_pk: int, device_pks: list[int]) -> None:
    partner, commune, devices = _parties(partner_pk, commune_pk, device_pks)
    emails.send_claims_expired(partner=partner, commune=commune, devices=devices)


@shared_task(ignore_result=True)
def notify_pickup(plan_pk: int, kind: str, recipient_pk: int) -> None:
    """Tell ``recipient`` (one side of the planned pickup) that the other side proposed,
    confirmed, proposed another date or cancelled it."""
    from reuse.models import PickupPlan

    plan = (
        PickupPlan.objects.select_related("partner", "commune", "site").filter(pk=plan_pk).first()
    )
    recipient = Organisation.objects.filter(pk=recipient_pk).first()
    if plan is None or recipient is None:
        return
    emails.send_pickup(plan=plan, kind=kind, recipient=recipient)
