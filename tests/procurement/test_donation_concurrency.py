"""A donation's receipt and its cancellation sent at once, and two donations of the same
devices at once (threads on PostgreSQL): the rows are locked, so one wins and the other is
refused; nothing is doubled."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from common.errors import TransitionNotAllowed
from inventory.choices import DeviceState, EventKind
from inventory.models import Device, DeviceEvent
from procurement.choices import DonationState
from procurement.models import Donation, DonationDevice
from procurement.services.donations import donation_cancel, donation_create, donation_receive

pytestmark = pytest.mark.django_db(transaction=True)


def race(*actions):
    """Run ``actions`` at once; what each returned, and the refusals."""
    barrier = threading.Barrier(len(actions))
    done: list = []
    refused: list[TransitionNotAllowed] = []
    errors: list[BaseException] = []

    def run(action):
        try:
            barrier.wait()
            done.append(action())
        except TransitionNotAllowed as refusal:
            refused.append(refusal)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return done, refused


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write: the race needs PostgreSQL")


def test_a_receipt_and_a_cancellation_at_once_one_wins(
    partner, buyer, partner_user, buyer_user, ready_devices
):
    # given
    devices = ready_devices(3)
    codes = sorted(device.code for device in devices)
    donation = donation_create(
        donor=partner, user=partner_user, beneficiary=buyer, values=dict.fromkeys(codes, "20")
    )

    # when
    done, refused = race(
        lambda: donation_receive(donation=donation, user=buyer_user),
        lambda: donation_receive(donation=donation, user=buyer_user),
        lambda: donation_cancel(donation=donation, user=partner_user, reason="Erreur"),
    )

    # then: one won; the others were refused for the state it left
    assert len(done) == 1
    assert len(refused) == 2
    donation.refresh_from_db()
    assert donation.state in (DonationState.RECEIVED, DonationState.CANCELLED)
    expected = {
        DonationState.RECEIVED: ("donation_received", DeviceState.DELIVERED, EventKind.DELIVERED),
        DonationState.CANCELLED: ("donation_cancelled", DeviceState.READY, EventKind.UNRESERVED),
    }[donation.state]
    assert {refusal.code for refusal in refused} == {expected[0]}
    assert set(Device.objects.filter(code__in=codes).values_list("state", flat=True)) == {
        expected[1]
    }
    events = Counter(
        DeviceEvent.objects.filter(
            device__code__in=codes, kind__in=[EventKind.DELIVERED, EventKind.UNRESERVED]
        ).values_list("device__code", "kind")
    )
    assert events == Counter({(code, expected[2]): 1 for code in codes})


def test_the_same_devices_given_twice_at_once_are_given_once(
    partner, buyer, second_buyer, partner_user, ready_devices
):
    devices = ready_devices(2)
    values = {device.code: "10" for device in devices}

    done, refused = race(
        lambda: donation_create(donor=partner, user=partner_user, beneficiary=buyer, values=values),
        lambda: donation_create(
            donor=partner, user=partner_user, beneficiary=second_buyer, values=values
        ),
    )

    assert (len(done), [refusal.code for refusal in refused]) == (1, ["device_not_ready"])
    assert Donation.objects.count() == 1
    assert DonationDevice.objects.count() == 2
    assert DeviceEvent.objects.filter(device__in=devices, kind=EventKind.RESERVED).count() == 2
