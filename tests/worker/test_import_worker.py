"""Large imports run by a real Celery worker: progress, the import itself, and cancellation."""

from __future__ import annotations

import io
import time

import pytest

from inventory.choices import DeviceState, EventKind, ImportState
from inventory.imports.services import PROGRESS_EVERY, device_import_cancel, device_import_create
from inventory.models import Device, DeviceEvent, DeviceImport
from tests.fixtures.imports import inventory_counts
from tests.worker.conftest import ASYNC_BYTES

pytestmark = pytest.mark.worker

POLL_SECONDS = 0.02
FINISH_SECONDS = 120


def declaration_file(rows: int) -> bytes:
    """A semicolon CSV of ``rows`` distinct laptops, as French Excel saves it."""
    header = "Type;Marque;Modèle;N° de série;Date d'achat;Mémoire (Go);Stockage\r\n"
    body = "".join(
        f"Portable;Dell;Latitude 5490;SN{index:07d};12/03/2018;8;256 Go\r\n"
        for index in range(1, rows + 1)
    )
    return (header + body).encode("cp1252")


def upload(*, user, commune, content: bytes) -> DeviceImport:
    return device_import_create(
        user=user,
        commune=commune,
        file=io.BytesIO(content),
        original_name="parc.csv",
        size=len(content),
    )


def watch(device_import: DeviceImport, worker, *, until) -> list[tuple[str, int, int]]:
    """Poll the import as the page does; return every (state, rows read, rows valid) seen."""
    seen: list[tuple[str, int, int]] = []
    deadline = time.monotonic() + FINISH_SECONDS
    while time.monotonic() < deadline:
        device_import.refresh_from_db()
        observation = (device_import.state, device_import.rows_read, device_import.rows_valid)
        if not seen or seen[-1] != observation:
            seen.append(observation)
        if until(device_import):
            return seen
        if worker.process.poll() is not None:
            pytest.fail(f"The Celery worker died:\n{worker.output()}")
        time.sleep(POLL_SECONDS)
    pytest.fail(
        f"Import still {device_import.state} after {FINISH_SECONDS} s; seen {seen}\n"
        f"{worker.output()}"
    )


def test_a_large_file_is_imported_by_the_worker(celery_worker_process, commune, commune_user):
    # given: a file above the threshold, with more rows than one progress step
    rows = 2 * PROGRESS_EVERY + 1234
    content = declaration_file(rows)
    assert len(content) > ASYNC_BYTES

    # when
    device_import = upload(user=commune_user, commune=commune, content=content)

    # then: the upload returns at once, the worker imports
    assert device_import.state == ImportState.PENDING
    seen = watch(device_import, celery_worker_process, until=lambda item: item.is_finished)
    assert device_import.state == ImportState.IMPORTED, (device_import.message, seen)
    assert (device_import.rows_read, device_import.rows_valid, device_import.error_count) == (
        rows,
        rows,
        0,
    )
    assert device_import.started_at is not None
    assert device_import.finished_at >= device_import.started_at
    declaration = device_import.declaration
    assert (
        Device.objects.filter(declaration=declaration, state=DeviceState.DECLARED).count() == rows
    )
    assert (
        DeviceEvent.objects.filter(device__declaration=declaration, kind=EventKind.DECLARED).count()
        == rows
    )
    # What the page showed meanwhile: never a count above the file, never going backwards.
    counts = [rows_read for _, rows_read, _ in seen]
    assert counts == sorted(counts)
    assert all(
        rows_read in {0, PROGRESS_EVERY, 2 * PROGRESS_EVERY}
        for state, rows_read, _ in seen
        if state != ImportState.IMPORTED
    )


def test_a_running_import_is_cancelled_and_imports_nothing(
    celery_worker_process, commune, commune_user
):
    # given: a file the worker takes seconds to read (about 100,000 rows a second)
    rows = 300_000
    content = declaration_file(rows)
    before = inventory_counts()
    device_import = upload(user=commune_user, commune=commune, content=content)
    watch(
        device_import,
        celery_worker_process,
        until=lambda item: item.state != ImportState.PENDING,
    )
    assert device_import.state == ImportState.RUNNING, device_import.message

    # when
    device_import_cancel(device_import=device_import, user=commune_user)

    # then: the worker stops at its next progress step, and nothing was imported
    watch(device_import, celery_worker_process, until=lambda item: item.is_finished)
    assert device_import.state == ImportState.CANCELLED, device_import.message
    assert device_import.cancel_requested
    assert 0 < device_import.rows_read < rows
    assert device_import.rows_read % PROGRESS_EVERY == 0
    assert device_import.message == (
        f"Cancelled at row {device_import.rows_read}; nothing was imported."
    )
    assert device_import.declaration is None
    assert inventory_counts() == before
