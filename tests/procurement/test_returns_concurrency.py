"""Two reports of one device, and two outcomes of one return, sent at once (threads on
PostgreSQL): the rows are locked, so one is recorded and the other refused; nothing doubled."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from common.errors import TransitionNotAllowed
from inventory.choices import DeviceState, EventKind
from inventory.models import Device, DeviceEvent
from procurement.choices import ReturnState
from procurement.models import CreditNote, WarrantyReturn
from procurement.services import return_report, return_settle
from tests.procurement.returns import deliver

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*calls: Callable[[], object]) -> tuple[list, list[TransitionNotAllowed]]:
    """Run ``calls`` in threads released together: what they returned, and their refusals."""
    barrier = threading.Barrier(len(calls))
    done: list = []
    refused: list[TransitionNotAllowed] = []
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait()
            done.append(call())
        except TransitionNotAllowed as refusal:
            refused.append(refusal)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return done, refused


def test_two_reports_and_two_outcomes_at_once(
    placed_order, partner, partner_user, buyer, buyer_user, buyer_site
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write: the race needs PostgreSQL")
    state = deliver(placed_order, partner, partner_user, buyer_user, buyer_site)
    device, spare = state.devices[0], state.spares[0]

    # when: the buyer's member reports it twice at once
    done, refused = at_once(
        lambda: return_report(device=device, buyer=buyer, user=buyer_user, fault="Noir"),
        lambda: return_report(device=device, buyer=buyer, user=buyer_user, fault="Éteint"),
    )

    # then: one return, one event
    assert len(done) == 1
    assert [refusal.code for refusal in refused] == ["return_open"]
    assert WarrantyReturn.objects.filter(device=device).count() == 1
    assert DeviceEvent.objects.filter(device=device, kind=EventKind.FAULT_REPORTED).count() == 1
    [warranty_return] = done

    # when: the partner replaces and refunds it at once
    done, refused = at_once(
        lambda: return_settle(
            warranty_return=warranty_return,
            user=partner_user,
            outcome="replaced",
            replacement=spare,
        ),
        lambda: return_settle(
            warranty_return=warranty_return, user=partner_user, outcome="refunded"
        ),
    )

    # then: one outcome; the device taken back once; no credit note if the replacement won,
    # the spare still ready if the refund won
    assert len(done) == 1
    assert [refusal.code for refusal in refused] == ["return_settled"]
    warranty_return.refresh_from_db()
    assert warranty_return.state in (ReturnState.REPLACED, ReturnState.REFUNDED)
    taken_back = DeviceEvent.objects.filter(device=device, kind=EventKind.WARRANTY_RETURNED)
    assert taken_back.count() == 1
    spare = Device.objects.get(pk=spare.pk)
    if warranty_return.state == ReturnState.REPLACED:
        assert spare.state == DeviceState.DELIVERED
        assert CreditNote.objects.count() == 0
    else:
        assert spare.state == DeviceState.READY
        assert CreditNote.objects.count() == 1
