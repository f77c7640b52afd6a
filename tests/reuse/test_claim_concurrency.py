"""Two partners claiming the same devices at the same moment: each device goes to one of them."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from common.errors import TransitionNotAllowed
from inventory.choices import DeviceState, EventKind
from inventory.models import Device, DeviceEvent
from reuse.services import devices_claim

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_partners_claiming_the_same_50_devices_get_each_exactly_once(
    declare, partner, partner_user, other_partner, other_partner_user
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write: the race needs PostgreSQL")
    # given: 50 declared devices; each partner asks for all of them, in a different order
    devices = declare(50)
    codes = [device.code for device in devices]
    barrier = threading.Barrier(2)
    claimed_by: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def claim_as(user, organisation, order):
        try:
            barrier.wait()
            claimed = devices_claim(codes=order, partner=organisation, user=user)
            claimed_by[organisation.slug] = [device.code for device in claimed]
        except TransitionNotAllowed:
            claimed_by[organisation.slug] = []
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=claim_as, args=(partner_user, partner, codes)),
        threading.Thread(
            target=claim_as, args=(other_partner_user, other_partner, list(reversed(codes)))
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: no error, every device claimed once, by the partner the database says
    assert errors == []
    assert len(claimed_by) == 2
    all_claims = claimed_by[partner.slug] + claimed_by[other_partner.slug]
    assert sorted(all_claims) == sorted(codes)
    rows = Device.objects.filter(code__in=codes)
    assert set(rows.values_list("state", flat=True)) == {DeviceState.CLAIMED}
    for slug, claimed_codes in claimed_by.items():
        assert set(rows.filter(claimed_by__slug=slug).values_list("code", flat=True)) == set(
            claimed_codes
        )
    events = Counter(
        DeviceEvent.objects.filter(device__in=rows, kind=EventKind.CLAIMED).values_list(
            "device__code", flat=True
        )
    )
    assert events == Counter({code: 1 for code in codes})
