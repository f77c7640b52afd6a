"""Committed work is done in the end: the re-queue task, the watchdog and a stalled cancel.

Tasks run inline here; the faults themselves (Redis stopped, a worker killed) are produced in
``tests/worker/test_redis_down.py`` and ``tests/worker/test_dead_worker.py``.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from common.handoff import handoff_requeue_pending, handoff_watch_stalled
from common.tasks import requeue_pending_work, watch_stalled_work
from documents.choices import DocumentState
from documents.models import Document
from inventory.choices import ImportState
from inventory.imports.services import device_import_cancel, device_import_create
from inventory.labels import label_sheet_request
from inventory.models import Device, DeviceImport

pytestmark = pytest.mark.django_db

CSV = (
    "Type;Marque;Modèle;N° de série\r\n"
    "Portable;Dell;Latitude 5490;SN0000001\r\n"
    "Portable;Dell;Latitude 5490;SN0000002\r\n"
).encode("cp1252")


def queued_import(commune, commune_user) -> DeviceImport:
    """An import handed to the worker; in a test transaction its queuing never runs."""
    return device_import_create(
        user=commune_user,
        commune=commune,
        file=io.BytesIO(CSV),
        original_name="parc.csv",
        size=len(CSV),
        run_now=False,
    )


def label_sheet(commune, commune_user, declare) -> Document:
    devices = declare(2)
    return label_sheet_request(
        organisation=commune,
        codes=[device.code for device in devices],
        layout="3x8",
        user=commune_user,
        passport_url=lambda code: f"https://boucle.example.org/d/{code}/",
    )


def ago(seconds: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(seconds=seconds)


def test_the_requeue_task_issues_a_document_and_runs_an_import_left_pending(
    commune, commune_user, declare
):
    # given: a document and an import committed a minute and a half ago, never queued
    document = label_sheet(commune, commune_user, declare)
    device_import = queued_import(commune, commune_user)
    Document.objects.filter(pk=document.pk).update(queued_at=ago(90))
    DeviceImport.objects.filter(pk=device_import.pk).update(queued_at=ago(90))
    assert (document.state, device_import.state) == (DocumentState.PENDING, ImportState.PENDING)

    # when
    requeue_pending_work()

    # then
    document.refresh_from_db()
    device_import.refresh_from_db()
    assert document.state == DocumentState.ISSUED
    assert device_import.state == ImportState.IMPORTED, device_import.message
    assert Device.objects.filter(declaration=device_import.declaration).count() == 2


def test_the_requeue_task_leaves_work_queued_less_than_a_minute_ago(commune, commune_user, declare):
    # given
    document = label_sheet(commune, commune_user, declare)
    device_import = queued_import(commune, commune_user)

    # when
    counts = handoff_requeue_pending()

    # then
    assert counts == {"documents": 0, "device imports": 0}
    document.refresh_from_db()
    device_import.refresh_from_db()
    assert (document.state, device_import.state) == (DocumentState.PENDING, ImportState.PENDING)


def stall(device_import: DeviceImport, *, seconds: int, recoveries: int = 0) -> None:
    """What a worker killed mid-import leaves: running, its heartbeat ``seconds`` old."""
    DeviceImport.objects.filter(pk=device_import.pk).update(
        state=ImportState.RUNNING,
        started_at=ago(seconds + 5),
        heartbeat_at=ago(seconds),
        recoveries=recoveries,
    )


def test_the_watchdog_queues_a_stalled_import_again_once(
    commune, commune_user, django_capture_on_commit_callbacks
):
    # given
    device_import = queued_import(commune, commune_user)
    stall(device_import, seconds=200)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        counts = watch_stalled_work()

    # then: queued again, and run (inline here) to the end
    assert counts == {"documents": 0, "device imports": 1}
    device_import.refresh_from_db()
    assert device_import.recoveries == 1
    assert device_import.state == ImportState.IMPORTED, device_import.message


def test_the_watchdog_fails_an_import_stalled_after_its_recovery(commune, commune_user):
    # given
    device_import = queued_import(commune, commune_user)
    stall(device_import, seconds=200, recoveries=1)

    # when
    handoff_watch_stalled()

    # then
    device_import.refresh_from_db()
    assert device_import.state == ImportState.FAILED
    assert device_import.message == (
        "The worker running this import stopped, twice; nothing was imported. "
        "Import the file again."
    )
    assert device_import.finished_at is not None
    assert device_import.declaration is None


def test_the_watchdog_leaves_an_import_whose_heartbeat_is_recent(commune, commune_user):
    # given
    device_import = queued_import(commune, commune_user)
    stall(device_import, seconds=60)

    # when
    counts = handoff_watch_stalled()

    # then
    assert counts["device imports"] == 0
    device_import.refresh_from_db()
    assert (device_import.state, device_import.recoveries) == (ImportState.RUNNING, 0)


def test_the_watchdog_queues_a_stalled_document_again_once_then_fails_it(
    commune, commune_user, declare, django_capture_on_commit_callbacks
):
    # given: a document whose rendering started 200 s ago and never ended
    document = label_sheet(commune, commune_user, declare)
    Document.objects.filter(pk=document.pk).update(heartbeat_at=ago(200))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        handoff_watch_stalled()

    # then: rendered again (inline here), issued
    document.refresh_from_db()
    assert (document.state, document.recoveries) == (DocumentState.ISSUED, 1)

    # given: another one that already had its recovery
    second = label_sheet(commune, commune_user, declare)
    Document.objects.filter(pk=second.pk).update(heartbeat_at=ago(200), recoveries=1)

    # when
    handoff_watch_stalled()

    # then: the reason in the document's language (French)
    second.refresh_from_db()
    assert second.state == DocumentState.FAILED
    assert second.failure_reason == (
        "Le processus qui produisait ce document s’est arrêté, deux fois\u00a0; il n’a pas été "
        "produit. Demandez-le à nouveau, ou contactez les opérateurs de la plateforme."
    )


def test_cancel_ends_a_stalled_import_at_once(commune, commune_user):
    # given
    device_import = queued_import(commune, commune_user)
    stall(device_import, seconds=200)

    # when
    cancelled = device_import_cancel(device_import=device_import, user=commune_user)

    # then
    assert cancelled.state == ImportState.CANCELLED
    assert cancelled.message == (
        "Cancelled; the worker running it had stopped. Nothing was imported."
    )
    assert cancelled.declaration is None


def test_cancel_of_a_running_import_with_a_live_heartbeat_only_asks_it_to_stop(
    commune, commune_user
):
    # given
    device_import = queued_import(commune, commune_user)
    stall(device_import, seconds=5)

    # when
    asked = device_import_cancel(device_import=device_import, user=commune_user)

    # then: the worker stops at its next step
    assert (asked.state, asked.cancel_requested) == (ImportState.RUNNING, True)


def test_the_watch_work_command_runs_the_watchdog_with_its_threshold(commune, commune_user):
    # given
    device_import = queued_import(commune, commune_user)
    stall(device_import, seconds=20, recoveries=1)
    output = io.StringIO()

    # when
    call_command("watch_work", "--stalled-after", "10", stdout=output)

    # then
    device_import.refresh_from_db()
    assert device_import.state == ImportState.FAILED
    assert "device imports: 1 stalled recovered" in output.getvalue()
