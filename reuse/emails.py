"""E-mails about claims (made, released, expired) and planned pickups (proposed, answered,
cancelled), written from templates in the site's language (French or English)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from inventory.models import Device
from organisations.models import Organisation
from reuse import selectors


def _send(
    template: str, *, recipients: Sequence[str], context: dict, language: str | None = None
) -> int:
    if not recipients:
        return 0
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"reuse/emails/{template}_subject.txt", context)
        body = render_to_string(f"reuse/emails/{template}.txt", context)
    return send_mail(
        # One line, its non-breaking spaces kept (str.split would take them for spaces).
        re.sub(r"[ \t\r\n]+", " ", subject).strip(),
        body,
        settings.DEFAULT_FROM_EMAIL,
        list(recipients),
    )


def send_devices_claimed(
    *, partner: Organisation, commune: Organisation, devices: Sequence[Device]
) -> int:
    """Tell the commune that a partner claimed some of its devices."""
    context = {
        "partner": partner,
        "commune": commune,
        "devices": devices,
        "count": len(devices),
        "expiry_days": selectors.claim_expiry_delay().days,
    }
    return _send(
        "devices_claimed",
        recipients=selectors.notification_addresses(commune),
        context=context,
    )


def send_claim_released(
    *, partner: Organisation, commune: Organisation, devices: Sequence[Device], note: str = ""
) -> int:
    """Tell the commune that a partner gave some of its devices back to the inventory."""
    context = {
        "partner": partner,
        "commune": commune,
        "devices": devices,
        "count": len(devices),
        "note": note,
    }
    return _send(
        "claim_released",
        recipients=selectors.notification_addresses(commune),
        context=context,
    )


def send_claims_expired(
    *, partner: Organisation, commune: Organisation, devices: Sequence[Device]
) -> int:
    """Tell the commune and the partner that the partner's claims lapsed (one e-mail each)."""
    context = {
        "partner": partner,
        "commune": commune,
        "devices": devices,
        "count": len(devices),
        "expiry_days": selectors.claim_expiry_delay().days,
    }
    sent = 0
    for side, organisation in (("commune", commune), ("partner", partner)):
        sent += _send(
            "claims_expired",
            recipients=selectors.notification_addresses(organisation),
            context={**context, "side": side},
        )
    return sent


def send_pickup(*, plan, kind: str, recipient: Organisation) -> int:
    """Tell one side of a planned pickup what the other did: ``kind`` is ``proposed``,
    ``counter_proposed``, ``confirmed`` or ``cancelled``."""
    context = {
        "plan": plan,
        "kind": kind,
        "partner": plan.partner,
        "commune": plan.commune,
        "devices": list(plan.devices.order_by("code")),
        "count": plan.items.count(),
        "to_commune": recipient.pk == plan.commune_id,
    }
    return _send("pickup", recipients=selectors.notification_addresses(recipient), context=context)
