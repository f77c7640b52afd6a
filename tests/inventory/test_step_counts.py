"""The step counts: kept with every event of the loop in the event's own transaction, read by
the impact indicators, rebuilt and checked by ``recount_steps``."""

from __future__ import annotations

import io
import random
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from inventory.choices import FLOW_KINDS, DeviceCategory, DeviceState, EventKind, FlowStep
from inventory.models import Device, DeviceEvent, DeviceStepCount
from inventory.services import device_update
from procurement.services.donations import donation_create, donation_receive
from reuse.services import device_release, devices_claim
from tests.fixtures.imports import csv_bytes, import_bytes
from tests.inventory.test_device_counts import CHANGES, WEIGHTS, Territory
from tests.procurement.conftest import *  # noqa: F403  (the fixtures of ready devices)

pytestmark = pytest.mark.django_db

KEY = ("month", "step", "category", "commune", "organisation", "partner", "days_to_reuse")


def stored() -> dict[tuple, int]:
    """The step counts the table holds, zeros left out."""
    return {
        tuple(row[:7]): row[7]
        for row in DeviceStepCount.objects.filter(count__gt=0).values_list(*KEY, "count")
    }


def recounted() -> dict[tuple, int]:
    """The same, counted here from the events in Python, independently of
    inventory.step_counts: each device's first event of each kind of the loop."""
    counts: Counter[tuple] = Counter()
    seen: set[tuple[int, str]] = set()
    events = (
        DeviceEvent.objects.filter(kind__in=FLOW_KINDS)
        .select_related("device")
        .order_by("created_at", "pk")
    )
    for event in events:
        if (event.device_id, event.kind) in seen:
            continue
        seen.add((event.device_id, event.kind))
        device = event.device
        reuse = event.kind == EventKind.DELIVERED
        step = FlowStep.DONATED if reuse and "donation" in event.details else event.kind
        days = (event.created_at - device.created_at).total_seconds() / 86400
        month = timezone.localtime(event.created_at).date().replace(day=1)
        counts[
            (
                month,
                step,
                device.category,
                device.commune_id,
                event.organisation_id,
                device.claimed_by_id if reuse else None,
                int(days + 0.5) if reuse else None,
            )
        ] += 1
    return dict(counts)


def recount(*arguments: str) -> str:
    out = io.StringIO()
    call_command("recount_steps", *arguments, stdout=out)
    return out.getvalue()


def test_a_declaration_counts_its_devices_declared_this_month(declare, commune):
    # when
    declare(2)
    declare(1, category=DeviceCategory.MONITOR)

    # then
    month = timezone.localdate().replace(day=1)
    key = (month, FlowStep.DECLARED, DeviceCategory.LAPTOP, commune.pk, commune.pk, None, None)
    assert stored() == {
        key: 2,
        (*key[:2], DeviceCategory.MONITOR, *key[3:]): 1,
    }


def test_a_device_claimed_again_after_a_release_counts_once(
    declare, commune, partner, partner_user
):
    # given
    (device,) = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)
    device_release(device=device, partner=partner, user=partner_user)

    # when
    devices_claim(devices=[device], partner=partner, user=partner_user)

    # then: two claimed events, one claimed step
    assert DeviceEvent.objects.filter(device=device, kind=EventKind.CLAIMED).count() == 2
    claimed = {key: count for key, count in stored().items() if key[1] == FlowStep.CLAIMED}
    assert list(claimed.values()) == [1]
    assert stored() == recounted()


def test_editing_the_category_moves_the_counted_steps(
    declare, commune, commune_user, partner, partner_user
):
    # given: a laptop claimed, released: declared and claimed as a laptop
    (device,) = declare(1)
    devices_claim(devices=[device], partner=partner, user=partner_user)
    device_release(device=device, partner=partner, user=partner_user)

    # when
    device_update(
        device=device, user=commune_user, organisation=commune, category=DeviceCategory.DESKTOP
    )

    # then
    assert {key[2] for key in stored()} == {DeviceCategory.DESKTOP}
    assert sorted(key[1] for key in stored()) == [FlowStep.CLAIMED, FlowStep.DECLARED]
    assert stored() == recounted()


def test_an_import_counts_its_devices_declared(commune, commune_user):
    # given
    rows = [["Type", "Marque", "N° de série"]]
    rows += [["Portable", "Dell", f"IMP{number:04d}"] for number in range(5)]
    rows += [["Écran", "Iiyama", f"ECR{number:04d}"] for number in range(3)]

    # when
    device_import = import_bytes(user=commune_user, commune=commune, content=csv_bytes(rows))

    # then
    assert device_import.state == "imported"
    assert sorted(stored().values()) == [3, 5]
    assert stored() == recounted()


@pytest.mark.parametrize("seed", [3, 5, 8])
def test_random_changes_keep_the_step_counts_equal_to_a_recount(seed, commune, other_commune):
    # given
    territory = Territory(commune, other_commune, random.Random(seed))

    # when / then: after each change (declarations, imports, claims, releases, expiries,
    # collections, diagnoses, readiness, recycling, withdrawals, edited categories), the step
    # counts are the events recounted
    for step in range(60):
        change = territory.rng.choices(CHANGES, weights=WEIGHTS)[0]
        change(territory)
        assert stored() == recounted(), f"seed {seed}, step {step}: {change.__name__}"
    assert {key[1] for key in stored()} >= {
        FlowStep.DECLARED,
        FlowStep.CLAIMED,
        FlowStep.COLLECTED,
        FlowStep.READY,
        FlowStep.RECYCLED,
        FlowStep.WITHDRAWN,
    }


def test_a_delivery_and_a_donation_count_their_reuse_with_its_partner_and_days(
    ready_devices, parties, partner_user, buyer_user
):
    # given: two ready laptops of the partner
    partner, buyer = parties
    devices = ready_devices(2, category="laptop")
    donation = donation_create(
        donor=partner,
        user=partner_user,
        beneficiary=buyer,
        values={device.code: "100" for device in devices},
    )

    # when
    donation_receive(donation=donation, user=buyer_user)

    # then: two devices donated, by the partner, to the buyer, the same day they were declared
    donated = {key: count for key, count in stored().items() if key[1] == FlowStep.DONATED}
    assert [(key[4], key[5], key[6], count) for key, count in donated.items()] == [
        (buyer.pk, partner.pk, 0, 2)
    ]
    assert stored() == recounted()


# --- recount_steps. ---


def test_recount_steps_check_passes_when_the_counts_match(declare):
    # given
    declare(3)

    # when / then
    assert recount("--check") == "The step counts match the events.\n"


def test_recount_steps_check_lists_each_difference_and_changes_nothing(declare, commune):
    # given: one count too high
    declare(2)
    DeviceStepCount.objects.update(count=F("count") + 3)
    before = stored()

    # when
    with pytest.raises(CommandError) as failure:
        recount("--check")

    # then
    assert failure.value.returncode == 1
    assert str(failure.value) == (
        "1 step count differs from the events; rebuild the counts with recount_steps "
        "(without --check)."
    )
    assert stored() == before
    recount()  # leave the test's database consistent


def test_recount_steps_rebuilds_the_counts_and_lists_what_was_wrong(declare, commune):
    # given: the counts lost, as after a load written in SQL
    declare(2)
    DeviceStepCount.objects.all().delete()

    # when
    output = recount()

    # then
    month = timezone.localdate().strftime("%Y-%m")
    assert output.splitlines() == [
        f"{month}, declared, laptop, commune {commune.pk}, organisation {commune.pk}, "
        "partner -, - days to reuse: 0 counted, 2 devices.",
        "Step counts rebuilt: 1 count was wrong.",
    ]
    assert stored() == recounted()
    assert recount("--check") == "The step counts match the events.\n"
    assert Device.objects.filter(state=DeviceState.DECLARED).count() == 2
