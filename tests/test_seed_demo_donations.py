"""``seed_demo``'s donation: a partner's two ready devices given to the digital-inclusion
association, received, with their agreement; once only."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from documents.choices import DocumentKind
from inventory.choices import DeviceState
from procurement.choices import DonationState
from procurement.models import Donation


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_gives_two_devices_to_an_association_once():
    # when
    output = seed()

    # then
    donation = Donation.objects.get()
    assert donation.state == DonationState.RECEIVED
    assert donation.beneficiary.slug == "solidarite-numerique-orly-choisy"
    assert donation.donor.is_partner
    assert donation.agreement.kind == DocumentKind.DONATION_AGREEMENT
    assert donation.agreement.number.startswith("CD-")
    items = list(donation.items.select_related("device"))
    assert len(items) == 2
    for item in items:
        assert (item.device.state, item.device.holder) == (
            DeviceState.DELIVERED,
            donation.beneficiary,
        )
        assert item.value <= donation.ceiling
    assert (
        "Donation created: 2 devices given to an association under their donation agreement, "
        "their receipt confirmed." in output
    )

    # when: again
    seed()

    # then
    assert Donation.objects.count() == 1
