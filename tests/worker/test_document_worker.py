"""A worker killed while rendering a document: the redelivered task issues it once, one number."""

from __future__ import annotations

import hashlib
import signal
import time

import pytest
from django.db import transaction

from documents.choices import DocumentKind
from documents.models import Document, DocumentSequence
from inventory.labels import MAX_LABELS, label_sheet_request
from inventory.services import declaration_create
from tests.conftest import device_description

VISIBILITY_TIMEOUT = 3


def wait_for(condition, *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"Timed out waiting for {what}")


@pytest.mark.worker
def test_a_document_whose_worker_was_killed_is_issued_once_with_one_number(
    start_worker, commune, commune_user, pickup_site
):
    # given: a label sheet long enough to render that the worker can be killed during it
    declaration = declaration_create(
        user=commune_user,
        commune=commune,
        pickup_site=pickup_site,
        descriptions=[device_description() for _ in range(MAX_LABELS)],
    )
    codes = list(declaration.devices.values_list("code", flat=True))
    timeout = {"BOUCLE_CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    first = start_worker(**timeout)
    with transaction.atomic():
        document = label_sheet_request(
            organisation=commune,
            codes=codes,
            layout="3x8",
            user=commune_user,
            passport_url=lambda code: f"https://boucle.example.org/d/{code}/",
        )
    number = document.number

    # when: the worker dies (SIGKILL: no goodbye to the broker) in the middle of the render
    wait_for(
        lambda: "render_document" in first.output() and " received" in first.output(),
        seconds=30,
        what="the first worker to receive the task",
    )
    time.sleep(1)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)
    document.refresh_from_db()
    assert not document.is_issued, "the render finished before the kill: make it longer"

    # ...and another worker takes the task back once its delivery has timed out
    time.sleep(VISIBILITY_TIMEOUT + 1)
    second = start_worker(**timeout)
    wait_for(
        lambda: Document.objects.get(pk=document.pk).is_issued,
        seconds=120,
        what=f"the redelivered task to issue the document; log:\n{second.output()}",
    )

    # then: one document, its number unchanged, its file the one its SHA-256 names
    document.refresh_from_db()
    assert Document.objects.filter(kind=DocumentKind.LABEL_SHEET).count() == 1
    assert document.number == number
    assert DocumentSequence.objects.get(kind=DocumentKind.LABEL_SHEET).last_number == 1
    with document.file.open("rb") as file:
        assert hashlib.sha256(file.read()).hexdigest() == document.sha256
