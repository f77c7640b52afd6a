"""A worker killed with SIGKILL mid-import: its heartbeat stops, the watchdog queues the import
again (and another worker imports it, once), and cancel ends a stalled import at once."""

from __future__ import annotations

import datetime
import signal
import time

import pytest

from common.handoff import handoff_watch_stalled
from inventory.choices import ImportState
from inventory.imports.services import PROGRESS_EVERY, device_import_cancel
from inventory.models import Device, DeviceImport
from tests.fixtures.imports import inventory_counts
from tests.worker.test_import_worker import declaration_file, upload, watch

pytestmark = pytest.mark.worker

# Enough rows for a few progress steps (the worker is killed after the first, while reading or
# checking them), few enough for the second worker to import them in seconds.
ROWS = 6 * PROGRESS_EVERY + 2345
# The watchdog's threshold in these tests, and how long a heartbeat is watched for.
STALLED_SECONDS = 1


def kill_while_running(worker, device_import: DeviceImport) -> None:
    """SIGKILL the whole worker (``--pool=solo``: one process) once the import has read rows."""
    watch(
        device_import,
        worker,
        until=lambda item: item.state == ImportState.RUNNING and item.rows_read > 0,
    )
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait(timeout=10)


def test_the_heartbeat_of_a_killed_worker_stops_and_the_watchdog_queues_the_import_again(
    start_worker, commune, commune_user
):
    # given: a large import the worker is reading
    worker = start_worker()
    device_import = upload(user=commune_user, commune=commune, content=declaration_file(ROWS))
    kill_while_running(worker, device_import)

    # when: its heartbeat has not moved for the threshold
    device_import.refresh_from_db()
    heartbeat = device_import.heartbeat_at
    time.sleep(STALLED_SECONDS + 0.5)
    device_import.refresh_from_db()
    assert device_import.state == ImportState.RUNNING
    assert device_import.heartbeat_at == heartbeat is not None
    assert 0 < device_import.rows_read < ROWS
    assert device_import.rows_read % PROGRESS_EVERY == 0
    counts = handoff_watch_stalled(stalled_after=datetime.timedelta(seconds=STALLED_SECONDS))

    # then: queued again (the killed task's delivery waits for the visibility timeout, an hour)
    assert counts["device imports"] == 1
    device_import.refresh_from_db()
    assert (device_import.state, device_import.recoveries) == (ImportState.PENDING, 1)

    # when: another worker starts
    second = start_worker()

    # then: it imports the file, once
    watch(device_import, second, until=lambda item: item.is_finished)
    assert device_import.state == ImportState.IMPORTED, device_import.message
    assert Device.objects.filter(declaration=device_import.declaration).count() == ROWS


def test_cancel_of_an_import_whose_worker_was_killed_ends_it_with_nothing_imported(
    start_worker, commune, commune_user, settings
):
    # given: the worker importing a large file killed, its heartbeat older than the threshold
    settings.BOUCLE_WORKER_STALLED_SECONDS = STALLED_SECONDS
    before = inventory_counts()
    worker = start_worker()
    device_import = upload(user=commune_user, commune=commune, content=declaration_file(ROWS))
    kill_while_running(worker, device_import)
    time.sleep(STALLED_SECONDS + 0.5)

    # when
    cancelled = device_import_cancel(device_import=device_import, user=commune_user)

    # then: ended at once, nothing imported, and the watchdog leaves it alone
    assert cancelled.state == ImportState.CANCELLED
    assert cancelled.message == (
        "Cancelled; the worker running it had stopped. Nothing was imported."
    )
    assert cancelled.finished_at is not None
    assert cancelled.declaration is None
    assert inventory_counts() == before
    assert handoff_watch_stalled()["device imports"] == 0
