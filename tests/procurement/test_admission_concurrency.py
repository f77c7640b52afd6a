"""Two admissions of one delivery sent at once (threads on PostgreSQL): the delivery's row is
locked, so one is recorded and the other refused; nothing is doubled."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from common.errors import TransitionNotAllowed
from documents.choices import DocumentKind
from documents.models import Document
from inventory.choices import DeviceState, EventKind
from inventory.models import Device, DeviceEvent
from procurement.choices import AdmissionDecision, DeliveryState
from procurement.models import Admission
from procurement.services import delivery_decide, delivery_prepare

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_admissions_at_once_one_wins_the_other_is_refused(
    placed_order, partner_user, buyer_user, buyer_site
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write: the race needs PostgreSQL")
    # given: a delivery of 4 monitors
    order = placed_order(4)
    delivery = delivery_prepare(
        order=order, user=partner_user, site=buyer_site, delivery_date=timezone.localdate()
    )
    codes = sorted(order.items.values_list("device__code", flat=True))

    # when: the buyer's two members admit it at once, one refusing a device at the door
    barrier = threading.Barrier(2)
    recorded: list[Admission] = []
    refused: list[TransitionNotAllowed] = []
    errors: list[BaseException] = []

    def admit(refusals):
        try:
            barrier.wait()
            recorded.append(
                delivery_decide(
                    delivery=delivery,
                    user=buyer_user,
                    decision=AdmissionDecision.ADMISSION,
                    decided_on=timezone.localdate(),
                    signatory_name="Claire Dubois",
                    refusals=refusals,
                )
            )
        except TransitionNotAllowed as refusal:
            refused.append(refusal)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=admit, args=({},)),
        threading.Thread(target=admit, args=({codes[0]: "Écran fissuré"},)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then: one recorded, the other refused as already decided
    assert errors == []
    assert len(recorded) == 1
    assert [refusal.code for refusal in refused] == ["delivery_decided"]
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.ADMITTED
    assert Admission.objects.filter(delivery=delivery).count() == 1
    # nothing doubled: one event per device, one record, one signed note
    events = Counter(
        DeviceEvent.objects.filter(
            device__code__in=codes, kind__in=[EventKind.DELIVERED, EventKind.UNRESERVED]
        ).values_list("device__code", flat=True)
    )
    assert events == Counter(dict.fromkeys(codes, 1))
    states = Counter(Device.objects.filter(code__in=codes).values_list("state", flat=True))
    assert sum(states.values()) == 4
    assert set(states) <= {DeviceState.DELIVERED, DeviceState.READY}
    assert Document.objects.filter(kind=DocumentKind.ADMISSION_RECORD).count() == 1
    assert Document.objects.filter(kind=DocumentKind.DELIVERY_NOTE).count() == 2
