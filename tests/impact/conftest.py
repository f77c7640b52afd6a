"""A small loop of devices whose events fall on chosen days of 2025, so that every indicator
can be computed by hand; and the group-purchasing fixtures, for a real delivery."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from inventory.choices import DeviceState, EventKind
from inventory.models import Device, DeviceEvent
from inventory.step_counts import step_counts_rebuild
from tests.procurement.conftest import *  # noqa: F403  (the fixtures of a real delivery)

# The steps of the lifecycle the synthetic events stand for: (kind, from, to).
STEPS = {
    EventKind.CLAIMED: (DeviceState.DECLARED, DeviceState.CLAIMED),
    EventKind.RELEASED: (DeviceState.CLAIMED, DeviceState.DECLARED),
    EventKind.COLLECTED: (DeviceState.CLAIMED, DeviceState.COLLECTED),
    EventKind.READY: (DeviceState.IN_REFURBISHMENT, DeviceState.READY),
    EventKind.DELIVERED: (DeviceState.RESERVED, DeviceState.DELIVERED),
    EventKind.RECYCLED: (DeviceState.COLLECTED, DeviceState.RECYCLED),
    EventKind.WITHDRAWN: (DeviceState.DECLARED, DeviceState.WITHDRAWN),
}


def at(year: int, month: int, day: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 10, 0))


def history(device: Device, declared_on: tuple, steps: list, *, commune, partner, buyer):
    """Give ``device`` (declared through the services, today) a history on chosen days: its
    declaration moved to ``declared_on`` and one event per (kind, day) of ``steps``. The
    device's state and counts stay those of a declared device; the step counts, which the
    indicators read, are rebuilt from the events, as after any write outside the services."""
    declared = at(*declared_on)
    Device.objects.filter(pk=device.pk).update(created_at=declared)
    events = [
        DeviceEvent(
            device=device,
            kind=EventKind.DECLARED,
            from_state="",
            to_state=DeviceState.DECLARED,
            organisation=commune,
            created_at=declared,
        )
    ]
    actors = {EventKind.DELIVERED: buyer, EventKind.WITHDRAWN: commune}
    for kind, day in steps:
        from_state, to_state = STEPS[kind]
        events.append(
            DeviceEvent(
                device=device,
                kind=kind,
                from_state=from_state,
                to_state=to_state,
                organisation=actors.get(kind, partner),
                created_at=at(*day),
            )
        )
    DeviceEvent.objects.bulk_create(events)
    step_counts_rebuild()


@pytest.fixture
def loop_2025(declare, commune, other_commune, partner, buyer, territory):
    """Cachan's five devices and Arcueil's one, through 2025 (days from declaration to
    delivery: L1 50, L2 60, M1 70, A1 116):

    - L1 laptop: declared 10/01, claimed 15/01, collected 20/01, ready 01/02, delivered 01/03;
    - L2 laptop: declared 01/02, claimed 03/02, released 04/02, claimed again 05/02,
      collected 10/02, ready 01/03, delivered 02/04;
    - M1 monitor: declared 10/01, claimed 15/01, collected 20/01, ready 01/02, delivered 21/03;
    - D1 desktop: declared 01/03, claimed 05/03, collected 10/03, recycled 20/03;
    - W1 laptop: declared 05/03, withdrawn 06/03;
    - A1 (Arcueil) laptop: declared 05/01, claimed 10/01, collected 15/01, ready 20/01,
      delivered 01/05.
    """
    C, R, K, Y, V, E, W = (
        EventKind.CLAIMED,
        EventKind.RELEASED,
        EventKind.COLLECTED,
        EventKind.READY,
        EventKind.DELIVERED,
        EventKind.RECYCLED,
        EventKind.WITHDRAWN,
    )
    laptop_1, laptop_2, withdrawn = declare(3, category="laptop")
    (monitor,) = declare(1, category="monitor", storage_gb=None, storage_type="")
    (desktop,) = declare(1, category="desktop")
    (arcueil_laptop,) = declare(
        1, category="laptop", for_commune=other_commune, by=_member(other_commune)
    )
    people = {"partner": partner, "buyer": buyer}
    history(
        laptop_1,
        (2025, 1, 10),
        [(C, (2025, 1, 15)), (K, (2025, 1, 20)), (Y, (2025, 2, 1)), (V, (2025, 3, 1))],
        commune=commune,
        **people,
    )
    history(
        laptop_2,
        (2025, 2, 1),
        [
            (C, (2025, 2, 3)),
            (R, (2025, 2, 4)),
            (C, (2025, 2, 5)),
            (K, (2025, 2, 10)),
            (Y, (2025, 3, 1)),
            (V, (2025, 4, 2)),
        ],
        commune=commune,
        **people,
    )
    history(
        monitor,
        (2025, 1, 10),
        [(C, (2025, 1, 15)), (K, (2025, 1, 20)), (Y, (2025, 2, 1)), (V, (2025, 3, 21))],
        commune=commune,
        **people,
    )
    history(
        desktop,
        (2025, 3, 1),
        [(C, (2025, 3, 5)), (K, (2025, 3, 10)), (E, (2025, 3, 20))],
        commune=commune,
        **people,
    )
    history(withdrawn, (2025, 3, 5), [(W, (2025, 3, 6))], commune=commune, **people)
    history(
        arcueil_laptop,
        (2025, 1, 5),
        [(C, (2025, 1, 10)), (K, (2025, 1, 15)), (Y, (2025, 1, 20)), (V, (2025, 5, 1))],
        commune=other_commune,
        **people,
    )
    return {
        "L1": laptop_1,
        "L2": laptop_2,
        "M1": monitor,
        "D1": desktop,
        "W1": withdrawn,
        "A1": arcueil_laptop,
    }


def _member(organisation):
    from tests.conftest import member

    return member(organisation)
