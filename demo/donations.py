"""The demo's donation: a partner gives two of its ready devices to the digital-inclusion
association (a public-interest association equipping people in precarity, CG3P art. L3212-2
3°), under its donation agreement (``CD-…``), and the association confirmed their receipt.

``seed_donations()`` runs after the group purchasing (:mod:`demo.procurement`), on the ready
devices the partners still hold: those in no offer first, then the last of their offers'
stock, by serial number (the codes are drawn at random), so that it is deterministic. Every
write goes through :mod:`procurement.services.donations`. It is idempotent: once a donation
exists, nothing is added; without two ready devices at one partner, nothing is added either.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.test.utils import override_settings

from demo.territory import SeedReport
from inventory.choices import DeviceCategory, DeviceState
from inventory.models import Device
from organisations.models import Organisation
from procurement.models import Donation, OfferDevice, OrderDevice
from procurement.services.donations import donation_create, donation_receive

BENEFICIARY = "solidarite-numerique-orly-choisy"
DONATED = 2
# What each device given is valued at, by category: within the ceiling of 300 € a unit.
VALUES = {DeviceCategory.LAPTOP: Decimal("150.00"), DeviceCategory.DESKTOP: Decimal("90.00")}
OTHER_VALUE = Decimal("30.00")


def _agent(organisation: Organisation):
    return get_user_model().objects.get(username=f"{organisation.slug}-agent")


def seed_donations(report: SeedReport) -> SeedReport:
    """Add the demo's donation, or find one already there (see the module's docstring)."""
    if Donation.objects.exists():
        return report
    beneficiary = Organisation.objects.filter(slug=BENEFICIARY).first()
    if beneficiary is None:
        return report
    in_offer = OfferDevice.objects.filter(device=OuterRef("pk"))
    ready = (
        # Not a device a group order reserved and its buyer refused at the door: the demo
        # keeps that one in its partner's stock.
        Device.objects.filter(state=DeviceState.READY, holder__kind="partner")
        .exclude(Exists(OrderDevice.objects.filter(device=OuterRef("pk"))))
        .annotate(in_offer=Exists(in_offer))
        .order_by("holder__slug", "in_offer", "-serial_number", "pk")
    )
    by_partner: dict[int, list[Device]] = {}
    for device in ready:
        by_partner.setdefault(device.holder_id, []).append(device)
    chosen = next((devices for devices in by_partner.values() if len(devices) >= DONATED), None)
    if chosen is None:
        return report
    devices = chosen[:DONATED]
    donor = Organisation.objects.get(pk=devices[0].holder_id)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        donation = donation_create(
            donor=donor,
            user=_agent(donor),
            beneficiary=beneficiary,
            values={device.code: VALUES.get(device.category, OTHER_VALUE) for device in devices},
        )
        donation_receive(donation=donation, user=_agent(beneficiary))
    report.count("donations")
    report.count("donated", len(devices))
    return report
